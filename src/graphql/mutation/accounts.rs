//! Connected ad accounts: the customer confirms a partner-started connection, or disconnects one.
//! Both are the customer's alone: anyone else gets a `customer_only` denial.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::payloads::{UserError, Verdict};
use super::{validate, writer};
use crate::error::UserError as DomainUserError;
use crate::graphql::types::ConnectedAccount;
use crate::ids::NodeKind;
use crate::service::WriteResult;

/// The answer to a connected account change.
#[derive(SimpleObject, Debug, Clone)]
pub struct AdAccountPayload {
    /// The decision (`customer_only` denials for everyone but the customer); null when the input
    /// was rejected first.
    pub verdict: Option<Verdict>,
    /// The connection, as it is now.
    pub connected_account: Option<ConnectedAccount>,
    /// Expected failures (`NOT_FOUND`, `ACCOUNT_NOT_AWAITING_CUSTOMER`, `ACCOUNT_DISCONNECTED`).
    pub user_errors: Vec<UserError>,
}

impl From<WriteResult> for AdAccountPayload {
    fn from(result: WriteResult) -> Self {
        AdAccountPayload {
            verdict: result.verdict.map(Into::into),
            connected_account: result.account.map(ConnectedAccount),
            user_errors: result.user_errors.into_iter().map(Into::into).collect(),
        }
    }
}

fn rejected(error: DomainUserError) -> AdAccountPayload {
    WriteResult::rejected(error.at_argument()).into()
}

/// Connected account writes.
#[derive(Default, Debug)]
pub struct AccountMutations;

#[Object]
impl AccountMutations {
    /// Confirms a connection a partner started (`AWAITING_CUSTOMER`): it becomes the layer's
    /// active account, replacing the previous one. Customer only.
    async fn confirm_ad_account(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<AdAccountPayload> {
        let (caller, services) = writer(ctx)?;
        let id = match validate::id(NodeKind::ConnectedAccount, "id", &id) {
            Ok(id) => id,
            Err(error) => return Ok(rejected(error)),
        };
        Ok(services.confirm_account(caller, id).await?.into())
    }

    /// Disconnects an ad account and erases its tokens: live writes on its layer then need a new
    /// connection. Customer only.
    async fn disconnect_ad_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AdAccountPayload> {
        let (caller, services) = writer(ctx)?;
        let id = match validate::id(NodeKind::ConnectedAccount, "id", &id) {
            Ok(id) => id,
            Err(error) => return Ok(rejected(error)),
        };
        Ok(services.disconnect_account(caller, id).await?.into())
    }
}
