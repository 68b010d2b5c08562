//! Connected ad accounts: the customer confirms a partner-started connection, or disconnects one.
//! Both are the customer's alone: anyone else gets a `customer_only` denial.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::payloads::{UserError, Verdict};
use super::{answer, validate, writer};
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

/// Connected account writes.
#[derive(Default, Debug)]
pub struct AccountMutations;

#[Object]
impl AccountMutations {
    /// Confirms a connection a partner started (`AWAITING_CUSTOMER`): it becomes the layer's
    /// active account, replacing the previous one. Customer only.
    async fn confirm_ad_account(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<AdAccountPayload> {
        let (caller, services) = writer(ctx)?;
        let id = validate::id(NodeKind::ConnectedAccount, "id", &id).map_err(DomainUserError::at_argument);
        answer(id, async |id| services.confirm_account(caller, id).await).await
    }

    /// Disconnects an ad account and erases its tokens: live writes on its layer then need a new
    /// connection. Customer only.
    async fn disconnect_ad_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AdAccountPayload> {
        let (caller, services) = writer(ctx)?;
        let id = validate::id(NodeKind::ConnectedAccount, "id", &id).map_err(DomainUserError::at_argument);
        answer(id, async |id| services.disconnect_account(caller, id).await).await
    }
}
