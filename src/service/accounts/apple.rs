//! Apple's move from Campaign Management API v5 to the Apple Ads Platform API v1, for connected
//! accounts: which API a connection speaks (and so which ids its requests carry), refusing v5
//! writes once Apple has retired v5, and telling each v5 connection's owner once, with an audit
//! row, that it must be reconnected before then.

use entity::connected_accounts;
use serde_json::json;
use uuid::Uuid;

use super::Services;
use crate::domain::Platform;
use crate::domain::UserErrorCode;
use crate::domain::apple_api::AppleApi;
use crate::domain::gate::{Decision, Verdict};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::platform::{AccountContext, PlatformError};
use crate::service::Caller;
use crate::store::accounts;
use crate::store::audit::{self, AuditEntry};
use crate::store::codes::AccountCodes;

/// How many connections one sweep tells about at most.
const NOTICE_BATCH: u64 = 100;

/// Points `context` at the connected account `row`: Meta and TikTok writes carry its id as the ad
/// account; Apple v5 writes as the organization (`orgId`), Apple v1 writes as the ad account
/// (`adAccountId`).
pub(crate) fn connect_context(
    context: &mut AccountContext,
    row: &connected_accounts::Model,
) -> Result<(), ApiError> {
    let external = Some(row.external_account_id.clone());
    if context.platform != Platform::Apple {
        context.ad_account_id = external;
        return Ok(());
    }
    context.apple_api = row.apple_api()?;
    match context.apple_api {
        AppleApi::V5 => context.apple_org_id = external,
        AppleApi::V1 => context.ad_account_id = external,
    }
    Ok(())
}

/// What a write through a retired API is told.
fn retired_message(api: AppleApi) -> String {
    let since = api.retires_at().map(|at| at.date_naive().to_string()).unwrap_or_default();
    format!(
        "Apple retired Campaign Management API {api} on {since}, and this Apple account is still connected on it: \
         reconnect the Apple account (adAccountAuthorizationUrl) to move it to the Apple Ads Platform API"
    )
}

impl Services {
    /// The user error of a write, before the gate, through an Apple connection whose API Apple
    /// has retired; nothing is written or sent.
    pub(crate) fn refuse_retired_api(&self, row: &connected_accounts::Model) -> Result<(), UserError> {
        match self.retired_api(row) {
            Ok(()) => Ok(()),
            Err(message) => Err(UserError::argument("platform", UserErrorCode::AppleApiRetired, message)),
        }
    }

    /// The platform error of a dispatch through such a connection (a write approved or sent
    /// again after the date): refused before the call, as the customer must reconnect.
    pub(crate) fn dispatch_through(&self, row: &connected_accounts::Model) -> Result<(), PlatformError> {
        self.retired_api(row).map_err(PlatformError::auth_expired)
    }

    fn retired_api(&self, row: &connected_accounts::Model) -> Result<(), String> {
        if row.platform != Platform::Apple.as_str() {
            return Ok(());
        }
        // An unreadable version is no retired one: the write goes on and fails at Apple if it must.
        let Ok(api) = row.apple_api() else { return Ok(()) };
        if api.retired(self.accounts.config.clock.now()) { Err(retired_message(api)) } else { Ok(()) }
    }

    /// Tells the owner of every standing Apple v5 connection, once, that it must be reconnected
    /// before Apple retires v5: an `ad_account.reconnect_required` audit row naming the date.
    /// Returns how many were told now.
    pub async fn notify_apple_reconnects(&self) -> Result<usize, ApiError> {
        let due = accounts::apple_unnotified(&self.db, AppleApi::V5.as_str(), NOTICE_BATCH).await?;
        let mut told = 0;
        for row in &due {
            if self.notify_reconnect(row).await? {
                told += 1;
            }
        }
        Ok(told)
    }

    /// One connection's notice, recorded once even when several instances sweep together.
    async fn notify_reconnect(&self, row: &connected_accounts::Model) -> Result<bool, ApiError> {
        let api = row.apple_api()?;
        let txn = crate::store::begin(&self.db).await?;
        if !accounts::mark_reconnect_notified(&txn, row, self.accounts.config.clock.now()).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let entry = AuditEntry {
            id: Uuid::now_v7(),
            organization_id: row.organization_id,
            layer_id: Some(row.layer_id),
            platform: Some(Platform::Apple),
            campaign_id: None,
            target_type: Some("connected_account"),
            target_id: Some(row.id),
            event: "ad_account.reconnect_required".to_owned(),
            action: "ad_account".to_owned(),
            verdict: Verdict {
                decision: Decision::Allow,
                reason: None,
                axis: None,
                trace: vec![
                    "apple_api=".to_owned() + api.as_str(),
                    "decided_by=apple_api_retirement".to_owned(),
                ],
            },
            pending_action_id: None,
            request: Some(json!({
                "externalAccountId": row.external_account_id,
                "apiVersion": api.as_str(),
                "reconnectRequiredBy": api.retires_at(),
                "message": format!(
                    "Apple retires Campaign Management API {api} on {}: reconnect this Apple account before then \
                     (adAccountAuthorizationUrl) so it moves to the Apple Ads Platform API; writes through it are \
                     refused from that day",
                    api.retires_at().map(|at| at.date_naive().to_string()).unwrap_or_default()
                ),
            })),
            dispatch_holder: None,
        };
        let caller = Caller::system(row.organization_id, "apple-api-retirement");
        let audit_row = audit::insert(&txn, &caller, entry).await?;
        self.commit(txn, Event::for_audit_row(&audit_row)).await?;
        tracing::info!(account_id = %row.id, "told an Apple v5 connection's owner to reconnect");
        Ok(true)
    }
}
