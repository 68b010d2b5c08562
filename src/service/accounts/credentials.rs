//! The credentials a live dispatch uses, refreshed before they expire.
//!
//! A token expiring within the margin is refreshed first, under the connection's row lock
//! (`FOR UPDATE` on PostgreSQL; SQLite serializes writers): whoever waits on the lock finds the
//! token fresh and does not call the platform again. The lock is held across the platform call,
//! which is bounded by the OAuth client's timeout. A refresh that fails marks the connection
//! `refresh_failed` (with an audit row) and the dispatch fails with `PLATFORM_AUTH_EXPIRED`,
//! except a transient failure while the current token is still valid, which keeps using it.
//! A sweeper refreshes tokens about to expire ahead of any dispatch.

use std::time::Duration;

use chrono::Utc;
use entity::{connected_accounts, layers};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use super::Services;
use crate::auth::Secret;
use crate::auth::token_cipher::TokenKind;
use crate::domain::UserErrorCode;
use crate::domain::accounts::{AccountStatus, needs_refresh};
use crate::domain::gate::{Decision, Verdict};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::platform::{AccountContext, PlatformError, TokenGrant};
use crate::service::convert;
use crate::service::{Caller, Failure};
use crate::store::accounts::{self, AccountChange};
use crate::store::audit::{self, AuditEntry};
use crate::store::codes::{AccountCodes, LayerCodes};

/// How many connections one sweep refreshes at most.
const SWEEP_BATCH: u64 = 100;

impl Services {
    /// The account a dispatch on `layer` goes to. In live mode it carries the connected
    /// account's decrypted access token, refreshed first when it is about to expire; a missing
    /// connection or a failed refresh is the platform error the dispatch records
    /// (`PLATFORM_AUTH_EXPIRED`). In sandbox mode it is the layer's account, without a token.
    pub(crate) async fn dispatch_account(
        &self,
        layer: &layers::Model,
    ) -> Result<Result<AccountContext, PlatformError>, Failure> {
        let mut context = convert::account_context(layer)?;
        if !self.accounts.config.live {
            return Ok(Ok(context));
        }
        let platform = context.platform;
        let Some(row) = accounts::in_use(&self.db, layer.organization_id, platform).await? else {
            return Ok(Err(PlatformError::auth_expired(format!("no {platform} ad account is connected"))));
        };
        if let Err(error) = self.dispatch_through(&row) {
            return Ok(Err(error));
        }
        let token = match self.fresh_token(&row).await? {
            Ok(token) => token,
            Err(error) => return Ok(Err(error)),
        };
        super::apple::connect_context(&mut context, &row)?;
        context.access_token = Some(token);
        Ok(Ok(context))
    }

    /// Refuses, before the gate, a live-mode write on a layer with no connected account in use,
    /// or whose connection speaks an API its platform has retired (Apple v5 from 2027-01-26).
    /// Returns the connection in use (none in sandbox mode).
    pub(crate) async fn require_connected_account<C: ConnectionTrait>(
        &self,
        conn: &C,
        layer: &layers::Model,
    ) -> Result<Option<connected_accounts::Model>, Failure> {
        if !self.accounts.config.live {
            return Ok(None);
        }
        let platform = layer.platform()?;
        let Some(row) = accounts::in_use(conn, layer.organization_id, platform).await? else {
            return Err(UserError::argument(
                "platform",
                UserErrorCode::AdAccountNotConnected,
                format!(
                    "connect a {platform} ad account before writing to this layer (adAccountAuthorizationUrl)"
                ),
            )
            .into());
        };
        self.refuse_retired_api(&row)?;
        Ok(Some(row))
    }

    /// The access token of `row`, refreshed first when it expires within the margin (or the last
    /// refresh failed).
    async fn fresh_token(
        &self,
        row: &connected_accounts::Model,
    ) -> Result<Result<Secret, PlatformError>, ApiError> {
        let margin = self.accounts.config.refresh_margin;
        let active = row.status == AccountStatus::Active.as_str();
        if active && !needs_refresh(row.access_token_expires_at, Utc::now(), margin) {
            return self.access_token(row).map(Ok);
        }
        self.refresh_locked(row.organization_id, row.id).await
    }

    fn access_token(&self, row: &connected_accounts::Model) -> Result<Secret, ApiError> {
        let stored = row
            .access_token
            .as_deref()
            .ok_or_else(|| ApiError::internal(format!("connected account {} has no token", row.id)))?;
        self.open(row, TokenKind::Access, stored)
    }

    /// Refreshes the connection `id` under its row lock, unless whoever held the lock before
    /// already did.
    async fn refresh_locked(&self, org: Uuid, id: Uuid) -> Result<Result<Secret, PlatformError>, ApiError> {
        let txn = crate::store::begin(&self.db).await?;
        let row = accounts::lock(&txn, org, id)
            .await?
            .ok_or_else(|| ApiError::internal(format!("connected account {id} vanished")))?;
        let status = row.status()?;
        let now = Utc::now();
        let fresh = !needs_refresh(row.access_token_expires_at, now, self.accounts.config.refresh_margin);
        match status {
            AccountStatus::Active if fresh => {
                txn.commit().await?;
                return self.access_token(&row).map(Ok);
            }
            AccountStatus::Active | AccountStatus::RefreshFailed => {}
            AccountStatus::AwaitingCustomer | AccountStatus::Disconnected => {
                txn.commit().await?;
                return Ok(Err(PlatformError::auth_expired(format!(
                    "the ad account connection is {status}"
                ))));
            }
        }
        let platform = row.platform()?;
        let access = self.access_token(&row)?;
        let refresh =
            row.refresh_token.as_deref().map(|t| self.open(&row, TokenKind::Refresh, t)).transpose()?;
        let api = row.apple_api()?;
        let outcome = self.accounts.config.oauth.refresh(platform, &access, refresh.as_ref(), api).await;
        match outcome {
            Ok(grant) => {
                self.store_refresh(&txn, &row, &grant).await?;
                txn.commit().await?;
                tracing::info!(account_id = %row.id, %platform, "refreshed an ad account token");
                Ok(Ok(grant.access_token))
            }
            Err(error)
                if error.is_retryable()
                    && status == AccountStatus::Active
                    && row.access_token_expires_at.is_some_and(|at| at > now) =>
            {
                txn.commit().await?;
                tracing::warn!(account_id = %row.id, code = error.code(), "token refresh failed for now; the current token is still valid");
                Ok(Ok(access))
            }
            Err(error) => {
                self.record_refresh_failure(txn, &row, &error).await?;
                Ok(Err(PlatformError::auth_expired(format!(
                    "the {platform} token could not be refreshed: {error}"
                ))))
            }
        }
    }

    async fn store_refresh<C: ConnectionTrait>(
        &self,
        conn: &C,
        row: &connected_accounts::Model,
        grant: &TokenGrant,
    ) -> Result<(), ApiError> {
        let change = AccountChange::Refreshed {
            access_token: self.seal(row, TokenKind::Access, &grant.access_token)?,
            expires_at: grant.expires_at,
            refresh_token: grant
                .refresh_token
                .as_ref()
                .map(|t| self.seal(row, TokenKind::Refresh, t))
                .transpose()?,
        };
        if !accounts::update_if_version(conn, row, change).await? {
            return Err(ApiError::internal(format!("connected account {} changed under its lock", row.id)));
        }
        Ok(())
    }

    async fn record_refresh_failure(
        &self,
        txn: sea_orm::DatabaseTransaction,
        row: &connected_accounts::Model,
        error: &PlatformError,
    ) -> Result<(), ApiError> {
        tracing::warn!(account_id = %row.id, code = error.code(), "ad account token refresh failed");
        let change = AccountChange::RefreshFailed { error: error.to_string() };
        if !accounts::update_if_version(&txn, row, change).await? {
            return Err(ApiError::internal(format!("connected account {} changed under its lock", row.id)));
        }
        let entry = AuditEntry {
            id: Uuid::now_v7(),
            organization_id: row.organization_id,
            layer_id: Some(row.layer_id),
            platform: row.platform().ok(),
            campaign_id: None,
            target_type: Some("connected_account"),
            target_id: Some(row.id),
            event: "ad_account.refresh_failed".to_owned(),
            action: "ad_account".to_owned(),
            verdict: Verdict {
                decision: Decision::Allow,
                reason: None,
                axis: None,
                trace: vec!["token_refresh=failed".to_owned(), "decided_by=token_refresh".to_owned()],
            },
            pending_action_id: None,
            request: Some(
                json!({ "error": error.audit_detail(), "externalAccountId": row.external_account_id }),
            ),
            dispatch_holder: None,
        };
        let caller = Caller::system(row.organization_id, "token-refresh");
        let audit_row = audit::insert(&txn, &caller, entry).await?;
        self.commit(txn, Event::for_audit_row(&audit_row)).await?;
        Ok(())
    }

    /// Refreshes every active token expiring within the margin, and tells the owners of Apple v5
    /// connections (once) that they must reconnect; returns how many tokens were due.
    pub async fn refresh_due_tokens(&self) -> Result<usize, ApiError> {
        let before = Utc::now() + self.accounts.config.refresh_margin;
        let due = accounts::due_for_refresh(&self.db, before, SWEEP_BATCH).await?;
        for row in &due {
            if let Err(error) = self.refresh_locked(row.organization_id, row.id).await {
                tracing::warn!(account_id = %row.id, detail = ?error, "token refresh sweep could not refresh an account");
            }
        }
        accounts::purge_states(&self.db, Utc::now() - chrono::Duration::days(1)).await?;
        self.notify_apple_reconnects().await?;
        Ok(due.len())
    }

    /// Refreshes tokens about to expire every `every`, until the runtime stops.
    pub fn spawn_token_refresher(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        self.spawn_periodic(every, crate::service::periodic::FirstRun::Now, |services| async move {
            match services.refresh_due_tokens().await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "token refresh sweep"),
                Err(error) => tracing::warn!(detail = ?error, "token refresh sweep failed"),
            }
        })
    }
}
