//! `Creative`: a content container and its ads-content row.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{ads_content, content_containers};

use crate::domain::lifecycle::{self, CreativeFacts};
use crate::error::ApiError;
use crate::graphql::context::loaders;
use crate::graphql::loaders::AdsOfCreative;
use crate::ids::{self, NodeKind};

/// A creative's lifecycle state.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreativeState {
    /// Generation under way.
    Draft,
    /// Generation failed.
    Failed,
    /// Generated, waiting for approval where it is required.
    Generated,
    /// Eligible for launch.
    Approved,
    /// Shown by at least one active ad.
    Live,
    /// Showing fatigue.
    Fatigued,
    /// All its ads are paused.
    Disabled,
    /// No longer eligible.
    Archived,
}

impl From<lifecycle::CreativeState> for CreativeState {
    fn from(state: lifecycle::CreativeState) -> Self {
        use lifecycle::CreativeState as S;
        match state {
            S::Draft => CreativeState::Draft,
            S::Failed => CreativeState::Failed,
            S::Generated => CreativeState::Generated,
            S::Approved => CreativeState::Approved,
            S::Live => CreativeState::Live,
            S::Fatigued => CreativeState::Fatigued,
            S::Disabled => CreativeState::Disabled,
            S::Archived => CreativeState::Archived,
        }
    }
}

/// A creative: generated content that ads can show.
#[derive(Debug, Clone)]
pub struct Creative {
    /// The content container.
    pub container: content_containers::Model,
    /// Its ads-content row, once generated.
    pub content: Option<ads_content::Model>,
}

#[Object]
impl Creative {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::Creative, self.container.id))
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.container.name
    }

    /// Lifecycle state, derived from the container, its approval and its ads.
    async fn state(&self, ctx: &Context<'_>) -> async_graphql::Result<CreativeState> {
        let ads = loaders(ctx)?
            .load_one(AdsOfCreative(self.container.id))
            .await
            .map_err(ApiError::from)?
            .unwrap_or_default();
        let active = ads.iter().filter(|ad| ad.status == "active").count();
        let facts = CreativeFacts {
            container_status: &self.container.status,
            approval_status: &self.container.approval_status,
            archived: self.content.as_ref().is_some_and(|c| c.archived_at.is_some()),
            active_ads: u32::try_from(active).unwrap_or(u32::MAX),
            ads: u32::try_from(ads.len()).unwrap_or(u32::MAX),
            fatigued: false,
        };
        Ok(lifecycle::creative_state(&facts).into())
    }

    /// Generation status: `processing`, `completed` or `failed`.
    async fn generation_status(&self) -> &str {
        &self.container.status
    }

    /// Approval status: `not_required`, `pending`, `approved` or `rejected`.
    async fn approval_status(&self) -> &str {
        &self.container.approval_status
    }

    /// Organic score (7.0 when generated).
    async fn organic_score(&self) -> Option<f64> {
        self.content.as_ref().map(|c| c.organic_score)
    }

    /// Scoring pool (`generated` when generated).
    async fn scoring_pool(&self) -> Option<&str> {
        self.content.as_ref().map(|c| c.scoring_pool.as_str())
    }

    /// Manual override: `include` or `exclude` keeps it in or out of the eligible pool.
    async fn override_mode(&self) -> Option<&str> {
        self.content.as_ref().and_then(|c| c.override_mode.as_deref())
    }

    /// Why Layers' review flagged it, if it did.
    async fn flagged_reason(&self) -> Option<&str> {
        self.content.as_ref().and_then(|c| c.flagged_reason.as_deref())
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.container.created_at
    }
}
