//! `AuditRow`: one gate decision or policy event (`layer_ads_audit`).

use async_graphql::{ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit;

use crate::error::ApiError;
use crate::graphql::enums::{ActorType, Decision, Platform};
use crate::ids::{self, NodeKind};
use crate::store::codes::AuditCodes;

/// One audit row. Its `verdictId` is what a write answered; quote it to support.
#[derive(Debug, Clone)]
pub struct AuditRow(pub audit::Model);

#[Object]
impl AuditRow {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::AuditRow, self.0.id))
    }

    /// The verdict id (UUID) a write returned.
    async fn verdict_id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The event (`ads.write.allowed`, `ads.write.queued`, `ads.write.denied`, `kill_switch.tripped`, `policy.updated`, ...).
    async fn event(&self) -> &str {
        &self.0.event
    }

    /// The action (`campaign.budget`, `campaign.create`, `kill_switch`, ...).
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Platform, when the row concerns one layer.
    async fn platform(&self) -> async_graphql::Result<Option<Platform>> {
        Ok(self.0.platform().map_err(ApiError::from)?.map(Into::into))
    }

    /// The campaign's global id, when the row concerns one.
    async fn campaign_id(&self) -> Option<ID> {
        self.0.campaign_id.map(|id| ID(ids::encode(NodeKind::Campaign, id)))
    }

    /// The decision.
    async fn decision(&self) -> async_graphql::Result<Option<Decision>> {
        Ok(self.0.decision().map_err(ApiError::from)?.map(Into::into))
    }

    /// The spec's lowercase reason code (`authority_axis_off`, `kill_switch_active`, ...).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The axis the write needed.
    async fn axis(&self) -> Option<&str> {
        self.0.axis.as_deref()
    }

    /// The checks that ran, in order, ending with the one that decided.
    async fn trace(&self) -> Vec<String> {
        serde_json::from_value(self.0.trace.clone()).unwrap_or_default()
    }

    /// Who acted.
    async fn actor_type(&self) -> async_graphql::Result<ActorType> {
        Ok(self.0.actor_kind().map_err(ApiError::from)?.into())
    }

    /// User id, partner key id, or a fixed name.
    async fn actor_id(&self) -> &str {
        &self.0.actor_id
    }

    /// The partner key, for partner actions.
    async fn actor_api_key_id(&self) -> Option<ID> {
        self.0.actor_api_key_id.map(|id| ID(id.to_string()))
    }

    /// The pending action queued or resolved.
    async fn pending_action_id(&self) -> Option<ID> {
        self.0.pending_action_id.map(|id| ID(ids::encode(NodeKind::PendingAction, id)))
    }

    /// The normalized write decided on.
    async fn request(&self) -> Option<Json<serde_json::Value>> {
        self.0.request.clone().map(Json)
    }

    /// For allowed writes: `in_flight` (the platform call is under way, or its process died and
    /// the reconciler will settle it), `succeeded`, `failed` (nothing changed; `dispatch.error`
    /// says why and whether a retry may succeed: `retryable`) or `unknown` (the platform could
    /// not say whether the write applied; it is not sent again: someone must check).
    async fn dispatch_status(&self) -> Option<&str> {
        self.0.dispatch_status.as_deref()
    }

    /// What was sent to the platform (the native request) and what it answered, or the error
    /// (`error { code message retryable }`); `reconciled: true` when the reconciler settled it.
    async fn dispatch(&self) -> Option<Json<serde_json::Value>> {
        self.0.dispatch.clone().map(Json)
    }

    /// When the platform call started (absent until it does).
    async fn dispatch_started_at(&self) -> Option<DateTime<Utc>> {
        self.0.dispatch_started_at
    }

    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
