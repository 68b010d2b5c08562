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

use crate::error::ApiError;
use crate::graphql::context::{caller, services};
use crate::service::{AdWrite, Caller, Services};

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
    write: Result<AdWrite, crate::error::UserError>,
    dry_run: Option<bool>,
) -> async_graphql::Result<WritePayload> {
    let (caller, services) = writer(ctx)?;
    match write {
        Ok(write) => Ok(services.submit(caller, write, dry_run.unwrap_or(false)).await?.into()),
        Err(error) => Ok(WritePayload::rejected(error)),
    }
}

/// The authenticated caller and the services.
fn writer<'a>(ctx: &'a Context<'_>) -> Result<(&'a Caller, &'a Services), ApiError> {
    Ok((caller(ctx)?, services(ctx)?))
}
