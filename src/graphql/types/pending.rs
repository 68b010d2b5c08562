//! `PendingAction`: a write queued for the customer's approval.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::pending_actions;

use super::Campaign;
use crate::error::ApiError;
use crate::graphql::context::loaders;
use crate::graphql::enums::{ActorType, AuthorityAxis, PendingActionStatus, Platform};
use crate::graphql::loaders::CampaignId;
use crate::ids::{self, NodeKind};
use crate::store::codes::PendingCodes;

/// Who did something.
#[derive(SimpleObject, Debug, Clone)]
pub struct Actor {
    /// Customer, partner, optimizer or system.
    pub actor_type: ActorType,
    /// User id, partner key id, or a fixed name.
    pub actor_id: String,
}

/// A queued write: what it would change, who proposed it, and where it stands.
#[derive(Debug, Clone)]
pub struct PendingAction(pub pending_actions::Model);

#[Object]
impl PendingAction {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::PendingAction, self.0.id))
    }

    /// Where it stands.
    async fn status(&self) -> async_graphql::Result<PendingActionStatus> {
        Ok(self.0.status().map_err(ApiError::from)?.into())
    }

    /// The action code (`campaign.budget`, `policy.campaign_authority`, ...).
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// The axis an ad write needs; null for policy changes.
    async fn axis(&self) -> async_graphql::Result<Option<AuthorityAxis>> {
        Ok(self.0.axis().map_err(ApiError::from)?.map(Into::into))
    }

    /// Whether it is a policy change (only the customer can approve those).
    async fn is_policy(&self) -> bool {
        self.0.is_policy
    }

    /// Platform.
    async fn platform(&self) -> async_graphql::Result<Platform> {
        Ok(self.0.platform().map_err(ApiError::from)?.into())
    }

    /// The campaign it concerns, if any.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else { return Ok(None) };
        let loaded = Box::pin(loaders(ctx)?.load_one(CampaignId(id))).await.map_err(ApiError::from)?;
        Ok(loaded.map(Campaign::from))
    }

    /// `layer`, `campaign`, `ad_set` or `ad`.
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }

    /// The target's global id.
    async fn target_id(&self) -> ID {
        let kind = match self.0.target_type.as_str() {
            "campaign" => NodeKind::Campaign,
            "ad_set" => NodeKind::AdSet,
            "ad" => NodeKind::Ad,
            _ => NodeKind::Layer,
        };
        ID(ids::encode(kind, self.0.target_id))
    }

    /// The target as it was when queued.
    async fn before(&self) -> Json<&serde_json::Value> {
        Json(&self.0.before)
    }

    /// The write that approval would apply.
    async fn after(&self) -> Json<&serde_json::Value> {
        Json(&self.0.after)
    }

    /// The target's version when queued.
    async fn target_version(&self) -> Option<i64> {
        self.0.target_version
    }

    /// Who proposed it.
    async fn proposed_by(&self) -> async_graphql::Result<Actor> {
        Ok(Actor {
            actor_type: self.0.proposed_by().map_err(ApiError::from)?.into(),
            actor_id: self.0.proposed_by_id.clone(),
        })
    }

    /// The verdict (audit row id) that queued it.
    async fn verdict_id(&self) -> ID {
        ID(self.0.verdict_id.to_string())
    }

    /// The verdict that resolved it.
    async fn resolution_verdict_id(&self) -> Option<ID> {
        self.0.resolution_verdict_id.map(|id| ID(id.to_string()))
    }

    /// Who resolved it.
    async fn resolved_by(&self) -> async_graphql::Result<Option<Actor>> {
        let Some(id) = &self.0.resolved_by_id else { return Ok(None) };
        let Some(kind) = self.0.resolved_by().map_err(ApiError::from)? else { return Ok(None) };
        Ok(Some(Actor { actor_type: kind.into(), actor_id: id.clone() }))
    }

    /// Why it was resolved so (a rejection note or a deny reason).
    async fn resolution_reason(&self) -> Option<&str> {
        self.0.resolution_reason.as_deref()
    }

    /// When it was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }

    /// When it expires if nobody approves it.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
