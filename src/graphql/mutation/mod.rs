//! The mutation root: every write goes through the gate (`service`), never around it.

mod accounts;
mod ads;
mod campaigns;
mod creatives;
pub mod inputs;
mod optimizer;
mod payloads;
mod pending;
mod policy;
mod validate;

use async_graphql::{Context, MergedObject};

pub use payloads::{UserError, Verdict, WritePayload};

use crate::error::{self, ApiError};
use crate::graphql::context::{caller, services};
use crate::service::{AdWrite, Caller, Services, WriteResult};

/// Writes.
#[derive(MergedObject, Default, Debug)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    campaigns::CampaignMutations,
    ads::AdMutations,
    policy::PolicyMutations,
    pending::PendingMutations,
    optimizer::OptimizerMutations,
    creatives::CreativeMutations,
    accounts::AccountMutations,
);

/// Submits a validated write for the caller, or answers the validation failure.
async fn submit(
    ctx: &Context<'_>,
    write: Result<AdWrite, error::UserError>,
    dry_run: Option<bool>,
) -> async_graphql::Result<WritePayload> {
    let (caller, services) = writer(ctx)?;
    answer(write, async |write| services.submit(caller, write, dry_run.unwrap_or(false)).await).await
}

/// The one place a write's answer becomes its payload: what the service answered for the
/// validated `input`, or the input's validation error alone (nothing was decided). An
/// `ApiError` becomes the GraphQL error.
async fn answer<T, P: From<WriteResult>>(
    input: Result<T, error::UserError>,
    write: impl AsyncFnOnce(T) -> Result<WriteResult, ApiError>,
) -> async_graphql::Result<P> {
    let result = match input {
        Ok(input) => write(input).await?,
        Err(error) => WriteResult::rejected(error),
    };
    Ok(result.into())
}

/// The authenticated caller and the services.
fn writer<'a>(ctx: &'a Context<'_>) -> Result<(&'a Caller, &'a Services), ApiError> {
    Ok((caller(ctx)?, services(ctx)?))
}
