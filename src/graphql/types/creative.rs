//! `Creative`: a content container and its ads-content row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{ads_content, content_containers};

use crate::domain::classification::Classification;
use crate::domain::lifecycle::{self, CreativeFacts};
use crate::error::ApiError;
use crate::graphql::context::loaders;
use crate::graphql::loaders::{AdsOfCreative, ClassificationOf, CreativeId, ShownAd};
use crate::ids::{self, NodeKind};
use crate::store::codes::PlatformCreativeCodes;

/// What one ad account holds for a creative.
#[derive(async_graphql::SimpleObject, Debug, Clone)]
pub struct PlatformCreative {
    /// The platform.
    pub platform: crate::graphql::enums::Platform,
    /// The platform's ad account it was pushed to.
    pub ad_account_id: String,
    /// The id ads name: Meta's ad creative id, TikTok's video or image id.
    pub platform_creative_id: String,
    /// `VIDEO` or `IMAGE`.
    pub media_kind: String,
    /// TikTok: the image id of a video's cover.
    pub cover_image_id: Option<String>,
    /// When it was pushed.
    pub pushed_at: DateTime<Utc>,
}

impl TryFrom<entity::platform_creatives::Model> for PlatformCreative {
    type Error = ApiError;

    fn try_from(row: entity::platform_creatives::Model) -> Result<Self, ApiError> {
        let platform = row.platform()?;
        Ok(PlatformCreative {
            platform: platform.into(),
            ad_account_id: row.ad_account_id,
            platform_creative_id: row.platform_creative_id,
            media_kind: row.media_kind.to_ascii_uppercase(),
            cover_image_id: row.cover_image_id,
            pushed_at: row.created_at,
        })
    }
}

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

impl From<CreativeState> for lifecycle::CreativeState {
    fn from(state: CreativeState) -> Self {
        use lifecycle::CreativeState as S;
        match state {
            CreativeState::Draft => S::Draft,
            CreativeState::Failed => S::Failed,
            CreativeState::Generated => S::Generated,
            CreativeState::Approved => S::Approved,
            CreativeState::Live => S::Live,
            CreativeState::Fatigued => S::Fatigued,
            CreativeState::Disabled => S::Disabled,
            CreativeState::Archived => S::Archived,
        }
    }
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
    pub container: Arc<content_containers::Model>,
    /// Its ads-content row, once generated.
    pub content: Option<Arc<ads_content::Model>>,
    /// Its state and classification, when a page worked them out ahead (`prefetch`).
    derived: Option<Derived>,
}

/// What a creative's ads say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Derived {
    state: lifecycle::CreativeState,
    classification: Option<Classification>,
}

impl From<(content_containers::Model, Option<ads_content::Model>)> for Creative {
    fn from((container, content): (content_containers::Model, Option<ads_content::Model>)) -> Self {
        Creative { container: Arc::new(container), content: content.map(Arc::new), derived: None }
    }
}

impl From<(Arc<content_containers::Model>, Option<Arc<ads_content::Model>>)> for Creative {
    fn from((container, content): (Arc<content_containers::Model>, Option<Arc<ads_content::Model>>)) -> Self {
        Creative { container, content, derived: None }
    }
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

    /// Lifecycle state, derived from the container, its approval, its ads and their
    /// classification (`FATIGUED` when an active ad of it is classified fatigued).
    async fn state(&self, ctx: &Context<'_>) -> async_graphql::Result<CreativeState> {
        if let Some(derived) = self.derived {
            return Ok(derived.state.into());
        }
        let (ads, classes) = Box::pin(self.ads_and_classes(ctx)).await?;
        Ok(self.state_given(&ads, classes.into_values()).into())
    }

    /// How its active ads are doing: the most severe classification among them (`CRITICAL`
    /// first, then `FATIGUED`, `UNDERPERFORMING`, ...); null when no active ad has data.
    async fn classification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::AdClassification>> {
        if let Some(derived) = self.derived {
            return Ok(derived.classification.map(Into::into));
        }
        let (_, classes) = Box::pin(self.ads_and_classes(ctx)).await?;
        Ok(worst(classes.into_values()).map(Into::into))
    }

    /// Whether ads may show it now: generated, approved (or approval not required), not excluded
    /// and not archived. An `include` override keeps it eligible whatever its score; it does not
    /// approve it.
    async fn eligible(&self) -> async_graphql::Result<bool> {
        Ok(crate::service::creative_eligible(&self.container, self.content.as_deref())
            .map_err(ApiError::from)?)
    }

    /// The creative it was regenerated from, if any (null once that one is deleted).
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Creative>> {
        let Some(parent) = self.container.parent_id else { return Ok(None) };
        let loaded = Box::pin(loaders(ctx)?.load_one(CreativeId(parent))).await.map_err(ApiError::from)?;
        Ok(loaded.map(Creative::from))
    }

    /// Where the finished media is served from, once generated.
    async fn media_url(&self) -> Option<&str> {
        self.container.media_url.as_deref()
    }

    /// What each ad account holds for the creative, once an ad showing it was launched there:
    /// the platform's own creative (Meta ad creative, TikTok video or image) every ad names.
    async fn platform_creatives(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlatformCreative>> {
        let caller = crate::graphql::context::reader(ctx)?;
        let db = &crate::graphql::context::services(ctx)?.reads;
        let rows = Box::pin(crate::store::platform_creatives::of_creative(
            db,
            caller.organization_id,
            self.container.id,
        ))
        .await
        .map_err(ApiError::from)?;
        rows.into_iter().map(PlatformCreative::try_from).collect::<Result<_, ApiError>>().map_err(Into::into)
    }

    /// Why generation failed, for a failed creative.
    async fn failure_reason(&self) -> Option<&str> {
        self.container.failure_reason.as_deref()
    }

    /// When generation completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.container.completed_at
    }

    /// When it was archived for ads.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.content.as_ref().and_then(|c| c.archived_at)
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

/// Loads what the `state` of `creatives` will read (their ads, and the classification of the
/// active ones) in one batch per relation, when the selection of a creative list asks for it.
pub async fn prefetch_states(ctx: &Context<'_>, creatives: &[uuid::Uuid]) -> Result<(), ApiError> {
    let ahead = ctx.look_ahead();
    let wanted = ahead.field("nodes").field("state").exists()
        || ahead.field("edges").field("node").field("state").exists();
    if !wanted || creatives.is_empty() {
        return Ok(());
    }
    let loaders = loaders(ctx)?;
    let shown = loaders.load_many(creatives.iter().map(|id| AdsOfCreative(*id))).await?;
    let active = shown.values().flatten().filter(|ad| ad.active);
    loaders.load_many(active.map(ShownAd::classification)).await?;
    Ok(())
}

impl Creative {
    /// The creative with its state and classification worked out from the ads showing it and
    /// the classifications of the active ones (what `state` and `classification` answer).
    pub fn with_ads(mut self, ads: &[ShownAd], classes: &[Classification]) -> Self {
        let state = self.state_given(ads, classes.iter().copied());
        self.derived = Some(Derived { state, classification: worst(classes.iter().copied()) });
        self
    }

    /// Its lifecycle state, given the ads showing it and the classifications of the active ones.
    fn state_given(
        &self,
        ads: &[ShownAd],
        classes: impl IntoIterator<Item = Classification>,
    ) -> lifecycle::CreativeState {
        let active = ads.iter().filter(|ad| ad.active).count();
        let facts = CreativeFacts {
            container_status: &self.container.status,
            approval_status: &self.container.approval_status,
            archived: self.archived(),
            active_ads: u32::try_from(active).unwrap_or(u32::MAX),
            ads: u32::try_from(ads.len()).unwrap_or(u32::MAX),
            fatigued: classes.into_iter().any(|class| class == Classification::Fatigued),
        };
        lifecycle::creative_state(&facts)
    }

    /// The ads showing it and the classifications of the active ones, through the DataLoaders.
    async fn ads_and_classes(
        &self,
        ctx: &Context<'_>,
    ) -> Result<(Vec<ShownAd>, HashMap<ClassificationOf, Classification>), ApiError> {
        let loaders = loaders(ctx)?;
        let ads = loaders.load_one(AdsOfCreative(self.container.id)).await?.unwrap_or_default();
        let active: Vec<ClassificationOf> =
            ads.iter().filter(|ad| ad.active).map(ShownAd::classification).collect();
        let classes = if active.is_empty() { HashMap::new() } else { loaders.load_many(active).await? };
        Ok((ads, classes))
    }

    /// Whether its ads-content row is archived.
    fn archived(&self) -> bool {
        self.content.as_ref().is_some_and(|c| c.archived_at.is_some())
    }
}

/// The most severe of `classes` (`CRITICAL` first, then `FATIGUED`, `UNDERPERFORMING`, ...).
fn worst(classes: impl IntoIterator<Item = Classification>) -> Option<Classification> {
    classes.into_iter().max_by_key(|class| severity(*class))
}

/// How urgently a classification calls for action, for picking a creative's worst ad.
fn severity(class: Classification) -> u8 {
    match class {
        Classification::Critical => 6,
        Classification::Fatigued => 5,
        Classification::Underperforming => 4,
        Classification::LearningPhase => 3,
        Classification::TooYoung => 2,
        Classification::Healthy => 1,
        Classification::TopPerformer => 0,
    }
}
