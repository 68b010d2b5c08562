//! Completing a connection: the OAuth callback, the customer's confirm, and disconnect.
//!
//! The callback spends the state's nonce first (an insert the database refuses a second time),
//! then exchanges the code at the platform, then stores the sealed tokens, superseding older
//! connections, with an audit row, in one transaction under the layer's lock.

use chrono::Utc;
use entity::{connected_accounts, layers};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use super::Services;
use crate::auth::oauth_state::{OAuthState, StateError};
use crate::auth::token_cipher::TokenKind;
use crate::domain::UserErrorCode;
use crate::domain::accounts::{AccountStatus, decide_customer_only, initial_status};
use crate::domain::apple_api::AppleApi;
use crate::domain::gate::{Decision, Verdict};
use crate::domain::{ActorKind, Platform};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::platform::{PlatformError, TokenGrant};
use crate::service::{Caller, VerdictRecord, WriteResult};
use crate::store::accounts::{self, AccountChange};
use crate::store::audit::{self, AuditEntry};
use crate::store::codes::{AccountCodes, LayerCodes};
use crate::store::layers::{self as store_layers, AccountField};
use crate::store::tenancy;

/// What the callback did.
#[derive(Debug, Clone)]
pub struct CallbackOutcome {
    /// The stored connection.
    pub account: connected_accounts::Model,
}

/// Why the callback refused.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// The path names no platform.
    #[error("unknown platform")]
    UnknownPlatform,
    /// The state is missing, forged, or for another platform.
    #[error("the state is not valid")]
    InvalidState,
    /// The state expired.
    #[error("the authorization took too long: start the connection again")]
    ExpiredState,
    /// The state was used already.
    #[error("this authorization was already used: start the connection again")]
    UsedState,
    /// The customer declined at the platform, or the platform sent no code.
    #[error("the platform did not authorize the connection: {0}")]
    Denied(String),
    /// The platform refused the code or could not be reached.
    #[error("the platform did not exchange the authorization: {0}")]
    Exchange(PlatformError),
    /// The grant names no account to connect.
    #[error("the authorization covers no ad account")]
    NoAccount,
    /// Ours.
    #[error("internal error")]
    Internal(ApiError),
}

impl CallbackError {
    /// A stable code for the answer.
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::UnknownPlatform => "NOT_FOUND",
            CallbackError::InvalidState => "OAUTH_STATE_INVALID",
            CallbackError::ExpiredState => "OAUTH_STATE_EXPIRED",
            CallbackError::UsedState => "OAUTH_STATE_USED",
            CallbackError::Denied(_) => "OAUTH_DENIED",
            CallbackError::Exchange(_) => "OAUTH_EXCHANGE_FAILED",
            CallbackError::NoAccount => "AD_ACCOUNT_NOT_FOUND",
            CallbackError::Internal(_) => "INTERNAL",
        }
    }
}

impl From<sea_orm::DbErr> for CallbackError {
    fn from(err: sea_orm::DbErr) -> Self {
        CallbackError::Internal(err.into())
    }
}

impl From<ApiError> for CallbackError {
    fn from(err: ApiError) -> Self {
        CallbackError::Internal(err)
    }
}

/// What the platform's redirect carried.
#[derive(Debug, Clone, Default)]
pub struct CallbackParams {
    /// The authorization code (`code`, or TikTok's `auth_code`).
    pub code: Option<String>,
    /// The state.
    pub state: Option<String>,
    /// The platform's error, when the customer declined.
    pub error: Option<String>,
}

impl Services {
    /// Completes a flow: verifies and spends the state, exchanges the code, stores the sealed
    /// tokens. Customer-started connections become active; partner-started ones await the customer.
    pub async fn complete_oauth(
        &self,
        platform: &str,
        params: CallbackParams,
    ) -> Result<CallbackOutcome, CallbackError> {
        let platform: Platform = platform.parse().map_err(|_| CallbackError::UnknownPlatform)?;
        let token = params.state.as_deref().ok_or(CallbackError::InvalidState)?;
        let state = self.accounts.states.verify(token, Utc::now().timestamp()).map_err(|e| match e {
            StateError::Invalid => CallbackError::InvalidState,
            StateError::Expired => CallbackError::ExpiredState,
        })?;
        if state.platform != platform.as_str() {
            return Err(CallbackError::InvalidState);
        }
        let expires_at = chrono::DateTime::from_timestamp(state.exp, 0).unwrap_or_else(Utc::now);
        if !accounts::use_state(&self.db, &state.nonce, state.tenant, expires_at).await? {
            return Err(CallbackError::UsedState);
        }
        if let Some(error) = params.error {
            return Err(CallbackError::Denied(error));
        }
        if platform != Platform::Apple && params.code.is_none() {
            return Err(CallbackError::Denied("no authorization code".to_owned()));
        }
        let grant = self
            .accounts
            .config
            .oauth
            .exchange(platform, params.code.as_deref(), state.account.as_deref())
            .await
            .map_err(CallbackError::Exchange)?;
        let account = self.store_connection(platform, initiator(&state)?, grant).await?;
        Ok(CallbackOutcome { account })
    }

    /// Connects an account from a token the customer already holds (a Meta system user's token,
    /// a TikTok long-term token), without the OAuth dialog: the operator's command line
    /// (`layers-dashboard ad-account connect`), which acts as the customer (user `cli`), as
    /// `layers-dashboard token` does. Active at once.
    pub async fn connect_with_token(
        &self,
        org: Uuid,
        platform: Platform,
        grant: TokenGrant,
    ) -> Result<connected_accounts::Model, CallbackError> {
        self.store_connection(platform, Caller::customer(org, "cli"), grant).await
    }

    async fn store_connection(
        &self,
        platform: Platform,
        initiator: Caller,
        grant: TokenGrant,
    ) -> Result<connected_accounts::Model, CallbackError> {
        let external = grant.account.clone().ok_or(CallbackError::NoAccount)?;
        let tenant = initiator.organization_id;
        let status = initial_status(initiator.kind);
        let txn = crate::store::begin(&self.db).await?;
        let layer = locked_layer(&txn, tenant, platform).await?;
        let now = Utc::now();
        let mut row = connected_accounts::Model {
            id: Uuid::now_v7(),
            organization_id: tenant,
            layer_id: layer.id,
            platform: platform.as_str().to_owned(),
            external_account_id: external,
            status: status.as_str().to_owned(),
            access_token: None,
            refresh_token: None,
            access_token_expires_at: grant.expires_at,
            refresh_token_expires_at: None,
            scopes: json!(grant.scopes),
            connected_by_type: initiator.kind.as_str().to_owned(),
            connected_by_id: initiator.actor_id.clone(),
            confirmed_by: (status == AccountStatus::Active).then(|| initiator.actor_id.clone()),
            confirmed_at: (status == AccountStatus::Active).then_some(now),
            last_refreshed_at: None,
            refresh_error: None,
            version: 0,
            created_at: now,
            updated_at: now,
            disconnected_at: None,
            // New Apple connections speak the Apple Ads Platform API.
            api_version: (platform == Platform::Apple).then(|| AppleApi::V1.as_str().to_owned()),
            reconnect_notified_at: None,
        };
        row.access_token = Some(self.seal(&row, TokenKind::Access, &grant.access_token)?);
        row.refresh_token =
            grant.refresh_token.as_ref().map(|t| self.seal(&row, TokenKind::Refresh, t)).transpose()?;
        let row = accounts::insert(&txn, row).await?;
        let replaced: &[AccountStatus] = if status == AccountStatus::Active {
            &[AccountStatus::AwaitingCustomer, AccountStatus::Active, AccountStatus::RefreshFailed]
        } else {
            &[AccountStatus::AwaitingCustomer]
        };
        accounts::supersede(&txn, tenant, platform, replaced, row.id).await?;
        if status == AccountStatus::Active {
            point_layer(&txn, &layer, &row).await?;
        }
        let event = if status == AccountStatus::Active {
            "ad_account.connected"
        } else {
            "ad_account.awaiting_customer"
        };
        let verdict = connection_verdict(initiator.kind);
        let audit_row = audit::insert(&txn, &initiator, entry(&layer, &row, event, &verdict)).await?;
        self.commit(txn, Event::for_audit_row(&audit_row)).await?;
        tracing::info!(account_id = %row.id, %platform, status = %status, "ad account connected");
        Ok(row)
    }

    /// Confirms a partner-started connection: it becomes the layer's active account. Customer only.
    pub async fn confirm_account(&self, caller: &Caller, id: Uuid) -> Result<WriteResult, ApiError> {
        self.customer_account_change(caller, id, "confirm").await
    }

    /// Disconnects a connection and erases its tokens. Customer only.
    pub async fn disconnect_account(&self, caller: &Caller, id: Uuid) -> Result<WriteResult, ApiError> {
        self.customer_account_change(caller, id, "disconnect").await
    }

    async fn customer_account_change(
        &self,
        caller: &Caller,
        id: Uuid,
        action: &'static str,
    ) -> Result<WriteResult, ApiError> {
        let org = caller.organization_id;
        let mut revocation = None;
        let result = self
            .decide(false, async |txn| {
                let row = accounts::lock(txn, org, id).await?.ok_or_else(|| {
                    UserError::argument("id", UserErrorCode::NotFound, "connected account not found")
                })?;
                let platform = row.platform()?;
                let layer = locked_layer(txn, org, platform).await?;
                let verdict = decide_customer_only(caller.kind);
                if verdict.decision != Decision::Allow {
                    let event = format!("ad_account.{action}_denied");
                    let audit_row = audit::insert(txn, caller, entry(&layer, &row, &event, &verdict)).await?;
                    return Ok(answer(&audit_row, &verdict, row));
                }
                let status = row.status()?;
                let change = match (action, status) {
                    ("confirm", AccountStatus::AwaitingCustomer) => {
                        AccountChange::Confirm { by: caller.actor_id.clone() }
                    }
                    ("confirm", _) => {
                        return Err(UserError::argument(
                            "id",
                            UserErrorCode::AccountNotAwaitingCustomer,
                            format!("this connection is {status}, not waiting for confirmation"),
                        )
                        .into());
                    }
                    (_, AccountStatus::Disconnected) => {
                        return Err(UserError::argument(
                            "id",
                            UserErrorCode::AccountDisconnected,
                            "this connection is already disconnected",
                        )
                        .into());
                    }
                    _ => AccountChange::Disconnect,
                };
                let revocable = if action == "disconnect" { self.revocable(&row) } else { None };
                if !accounts::update_if_version(txn, &row, change).await? {
                    let error = ApiError::internal(format!("connected account {id} changed under its lock"));
                    return Err(error.into());
                }
                let row = accounts::find(txn, org, id)
                    .await?
                    .ok_or_else(|| ApiError::internal(format!("connected account {id} vanished")))?;
                if action == "confirm" {
                    let replaced = [
                        AccountStatus::Active,
                        AccountStatus::RefreshFailed,
                        AccountStatus::AwaitingCustomer,
                    ];
                    accounts::supersede(txn, org, platform, &replaced, row.id).await?;
                    point_layer(txn, &layer, &row).await?;
                }
                let event =
                    if action == "confirm" { "ad_account.confirmed" } else { "ad_account.disconnected" };
                let audit_row = audit::insert(txn, caller, entry(&layer, &row, event, &verdict)).await?;
                revocation = revocable.map(|token| (layer, platform, token));
                Ok(answer(&audit_row, &verdict, row))
            })
            .await?;
        // Once the disconnection has committed: the platform is asked to forget the token.
        if let (Some((layer, platform, token)), Some(row)) = (revocation, &result.account) {
            self.revoke(caller, &layer, row, platform, &token).await?;
        }
        Ok(result)
    }

    /// The token the platform should stop honouring once `row` is disconnected, read before it is
    /// erased; none when there is none, or it cannot be read (logged).
    fn revocable(&self, row: &connected_accounts::Model) -> Option<crate::auth::Secret> {
        let stored = row.access_token.as_deref()?;
        self.open(row, TokenKind::Access, stored)
            .inspect_err(|error| {
                tracing::warn!(?error, account_id = %row.id, "a disconnected account's token could not be read to revoke it");
            })
            .ok()
    }

    /// Asks the platform to revoke a disconnected account's token, and records what it said
    /// (`ad_account.token_revoked` or `ad_account.token_revoke_failed` with the error). The
    /// account is disconnected here either way: its tokens are already erased.
    async fn revoke(
        &self,
        caller: &Caller,
        layer: &layers::Model,
        row: &connected_accounts::Model,
        platform: Platform,
        token: &crate::auth::Secret,
    ) -> Result<(), ApiError> {
        let api = row.apple_api()?;
        let outcome = self.accounts.config.oauth.revoke(platform, token, api).await;
        let verdict = decide_customer_only(caller.kind);
        let (event, error) = match &outcome {
            Ok(()) => ("ad_account.token_revoked", None),
            Err(error) => {
                tracing::warn!(account_id = %row.id, %platform, code = error.code(), %error, "the platform did not revoke a disconnected account's token");
                ("ad_account.token_revoke_failed", Some(error.audit_detail()))
            }
        };
        let mut audit_entry = entry(layer, row, event, &verdict);
        if let (Some(request), Some(error)) = (audit_entry.request.as_mut(), error) {
            request["error"] = error;
        }
        let txn = crate::store::begin(&self.db).await?;
        let audit_row = audit::insert(&txn, caller, audit_entry).await?;
        self.commit(txn, Event::for_audit_row(&audit_row)).await?;
        Ok(())
    }
}

/// Who started the flow, as the state says.
fn initiator(state: &OAuthState) -> Result<Caller, CallbackError> {
    match state.initiator_kind.parse::<ActorKind>() {
        Ok(ActorKind::Customer) => Ok(Caller::customer(state.tenant, state.initiator_id.clone())),
        Ok(ActorKind::Partner) => {
            let key = state.initiator_id.parse::<Uuid>().map_err(|_| CallbackError::InvalidState)?;
            Ok(Caller::partner(state.tenant, key, Vec::new()))
        }
        _ => Err(CallbackError::InvalidState),
    }
}

/// The decision recorded for a new connection: the customer's own applies at once; anyone
/// else's waits for the customer, like a write queued for approval.
fn connection_verdict(initiator: ActorKind) -> Verdict {
    if initiator == ActorKind::Customer {
        return decide_customer_only(initiator);
    }

    Verdict {
        decision: Decision::QueueForApproval,
        reason: None,
        axis: None,
        trace: vec![format!("initiator={}", initiator.as_str()), "decided_by=customer_only".to_owned()],
    }
}

async fn locked_layer(
    txn: &DatabaseTransaction,
    org: Uuid,
    platform: Platform,
) -> Result<layers::Model, ApiError> {
    let layer = tenancy::layer_by_platform(txn, org, platform)
        .await?
        .ok_or_else(|| ApiError::internal(format!("organization {org} has no {platform} layer")))?;
    Ok(tenancy::layer_for_update(txn, org, layer.id).await?.unwrap_or(layer))
}

/// Points the layer at the active connection's account: its `adAccountId` (also an Apple Ads
/// Platform API connection's ad account), or a v5 Apple connection's org id.
async fn point_layer<C: ConnectionTrait>(
    conn: &C,
    layer: &layers::Model,
    row: &connected_accounts::Model,
) -> Result<(), ApiError> {
    let field = if row.platform()? == Platform::Apple && row.apple_api()? == AppleApi::V5 {
        AccountField::AppleOrg
    } else {
        AccountField::AdAccount
    };
    store_layers::point_at_account(conn, layer, field, &row.external_account_id).await?;
    Ok(())
}

/// The answer to a change to connection `row`, decided as `verdict` and recorded in `audit_row`.
fn answer(
    audit_row: &entity::audit::Model,
    verdict: &Verdict,
    row: connected_accounts::Model,
) -> WriteResult {
    WriteResult {
        account: Some(row),
        events: Event::for_audit_row(audit_row),
        ..WriteResult::decided(VerdictRecord::new(audit_row.id, verdict, false))
    }
}

/// The audit row of a connection event.
fn entry(
    layer: &layers::Model,
    row: &connected_accounts::Model,
    event: &str,
    verdict: &Verdict,
) -> AuditEntry {
    AuditEntry {
        id: Uuid::now_v7(),
        organization_id: layer.organization_id,
        layer_id: Some(layer.id),
        platform: layer.platform().ok(),
        campaign_id: None,
        target_type: Some("connected_account"),
        target_id: Some(row.id),
        event: event.to_owned(),
        action: "ad_account".to_owned(),
        verdict: verdict.clone(),
        pending_action_id: None,
        request: Some(json!({
            "externalAccountId": row.external_account_id,
            "status": row.status,
            "scopes": row.scopes,
        })),
        dispatch_holder: None,
    }
}
