//! `Campaign`, `AdSet` and `Ad`.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{ad_sets, ads, campaigns};

use super::{AuthorityBlock, Conn, Creative, Layer, PendingAction, connection, paginate};
use crate::domain;
use crate::error::ApiError;
use crate::graphql::context::loaders;
use crate::graphql::context::reader;
use crate::graphql::enums::{AuthoritySource, BidStrategy, EntityStatus, Outcome, Platform};
use crate::graphql::loaders::{
    AdSetId, AdSetsOf, AdsOf, AuthorityOf, CampaignId, CreativeId, LayerId, PendingOf,
};
use crate::ids::{self, NodeKind};
use crate::service::resolved_authority;
use crate::store::PageRequest;
use crate::store::codes::{AdCodes, AdSetCodes, CampaignCodes};

/// Who a campaign or ad set reaches.
#[derive(SimpleObject, Debug, Clone)]
pub struct Targeting {
    /// ISO 3166-1 alpha-2 country codes.
    pub countries: Vec<String>,
    /// Youngest age reached.
    pub age_min: Option<i32>,
    /// Oldest age reached.
    pub age_max: Option<i32>,
}

impl From<domain::campaign::Targeting> for Targeting {
    fn from(t: domain::campaign::Targeting) -> Self {
        Targeting {
            countries: t.countries,
            age_min: t.age_min.map(i32::from),
            age_max: t.age_max.map(i32::from),
        }
    }
}

/// When a campaign runs.
#[derive(SimpleObject, Debug, Clone)]
pub struct Schedule {
    /// Start; null means as soon as it is active.
    pub start_time: Option<DateTime<Utc>>,
    /// End; null means no end date.
    pub end_time: Option<DateTime<Utc>>,
}

fn targeting(value: &Option<serde_json::Value>) -> Result<Option<Targeting>, ApiError> {
    Ok(value
        .as_ref()
        .map(|json| serde_json::from_value::<domain::campaign::Targeting>(json.clone()))
        .transpose()?
        .map(Targeting::from))
}

/// A campaign on one platform layer.
#[derive(Debug, Clone)]
pub struct Campaign(pub campaigns::Model);

#[Object]
impl Campaign {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::Campaign, self.0.id))
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Platform.
    async fn platform(&self) -> async_graphql::Result<Platform> {
        Ok(self.0.platform().map_err(ApiError::from)?.into())
    }

    /// What it optimizes for.
    async fn outcome(&self) -> async_graphql::Result<Outcome> {
        Ok(self.0.outcome().map_err(ApiError::from)?.into())
    }

    /// Delivery status.
    async fn status(&self) -> async_graphql::Result<EntityStatus> {
        Ok(self.0.status().map_err(ApiError::from)?.into())
    }

    /// Daily budget in the layer currency's minor unit (null when the budget is lifetime).
    async fn daily_budget_cents(&self) -> Option<i64> {
        self.0.daily_budget_cents
    }

    /// Lifetime budget in minor units (null when the budget is daily).
    async fn lifetime_budget_cents(&self) -> Option<i64> {
        self.0.lifetime_budget_cents
    }

    /// Bid strategy.
    async fn bid_strategy(&self) -> async_graphql::Result<BidStrategy> {
        Ok(self.0.bid_strategy().map_err(ApiError::from)?.into())
    }

    /// Cost or bid cap in minor units, for the strategies that take one.
    async fn bid_amount_cents(&self) -> Option<i64> {
        self.0.bid_amount_cents
    }

    /// Schedule.
    async fn schedule(&self) -> Schedule {
        Schedule { start_time: self.0.schedule_start, end_time: self.0.schedule_end }
    }

    /// Targeting, when set at campaign level.
    async fn targeting(&self) -> async_graphql::Result<Option<Targeting>> {
        Ok(targeting(&self.0.targeting)?)
    }

    /// The platform's own id for it.
    async fn platform_campaign_id(&self) -> Option<&str> {
        self.0.platform_campaign_id.as_deref()
    }

    /// Changes on every applied write; a pending action queued at another version is stale.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// The layer it runs under.
    async fn layer(&self, ctx: &Context<'_>) -> async_graphql::Result<Layer> {
        Ok(Layer(load_layer(ctx, self.0.layer_id).await?))
    }

    /// The authority in force: its own row, else its layer's defaults.
    async fn authority(&self, ctx: &Context<'_>) -> async_graphql::Result<AuthorityBlock> {
        Ok(self.resolved(ctx).await?.block.into())
    }

    /// Where `authority` comes from.
    async fn authority_source(&self, ctx: &Context<'_>) -> async_graphql::Result<AuthoritySource> {
        Ok(self.resolved(ctx).await?.source.into())
    }

    /// Ad sets (ad groups on TikTok and Apple), newest first.
    async fn ad_sets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<AdSet>> {
        reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        let rows = loaders(ctx)?.load_one(AdSetsOf(self.0.id)).await.map_err(ApiError::from)?;
        Ok(connection(paginate(rows.unwrap_or_default(), request, |s| s.id), |s| s.id, AdSet))
    }

    /// Actions on this campaign waiting for approval, newest first.
    async fn pending_actions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<PendingAction>> {
        reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        let rows = loaders(ctx)?.load_one(PendingOf(self.0.id)).await.map_err(ApiError::from)?;
        Ok(connection(paginate(rows.unwrap_or_default(), request, |a| a.id), |a| a.id, PendingAction))
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Last changed at.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

impl Campaign {
    async fn resolved(&self, ctx: &Context<'_>) -> Result<domain::authority::ResolvedAuthority, ApiError> {
        let loaders = loaders(ctx)?;
        let (row, layer) = tokio::try_join!(
            loaders.load_one(AuthorityOf(self.0.id)),
            loaders.load_one(LayerId(self.0.layer_id))
        )?;
        let layer = layer.ok_or_else(|| ApiError::internal("campaign without layer"))?;
        Ok(resolved_authority(row.flatten().as_ref(), &layer)?)
    }
}

async fn load_layer(ctx: &Context<'_>, id: uuid::Uuid) -> Result<entity::layers::Model, ApiError> {
    loaders(ctx)?.load_one(LayerId(id)).await?.ok_or_else(|| ApiError::internal("layer missing"))
}

async fn load_campaign(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Campaign, ApiError> {
    loaders(ctx)?
        .load_one(CampaignId(id))
        .await?
        .map(Campaign)
        .ok_or_else(|| ApiError::internal("campaign missing"))
}

/// An ad set (ad group on TikTok and Apple).
#[derive(Debug, Clone)]
pub struct AdSet(pub ad_sets::Model);

#[Object]
impl AdSet {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::AdSet, self.0.id))
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Delivery status.
    async fn status(&self) -> async_graphql::Result<EntityStatus> {
        Ok(self.0.status().map_err(ApiError::from)?.into())
    }

    /// Ad set daily budget in minor units, where the campaign does not carry the budget.
    async fn daily_budget_cents(&self) -> Option<i64> {
        self.0.daily_budget_cents
    }

    /// Targeting.
    async fn targeting(&self) -> async_graphql::Result<Option<Targeting>> {
        Ok(targeting(&self.0.targeting)?)
    }

    /// The platform's own id for it.
    async fn platform_ad_set_id(&self) -> Option<&str> {
        self.0.platform_ad_set_id.as_deref()
    }

    /// Changes on every applied write.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// The campaign it belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Campaign> {
        Ok(load_campaign(ctx, self.0.campaign_id).await?)
    }

    /// Its ads, newest first.
    async fn ads(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Ad>> {
        reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        let rows = loaders(ctx)?.load_one(AdsOf(self.0.id)).await.map_err(ApiError::from)?;
        Ok(connection(paginate(rows.unwrap_or_default(), request, |a| a.id), |a| a.id, Ad))
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An ad: one creative shown in one ad set.
#[derive(Debug, Clone)]
pub struct Ad(pub ads::Model);

#[Object]
impl Ad {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::Ad, self.0.id))
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Delivery status.
    async fn status(&self) -> async_graphql::Result<EntityStatus> {
        Ok(self.0.status().map_err(ApiError::from)?.into())
    }

    /// The platform's own id for it.
    async fn platform_ad_id(&self) -> Option<&str> {
        self.0.platform_ad_id.as_deref()
    }

    /// Changes on every applied write.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// The creative it shows.
    async fn creative(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Creative>> {
        let Some(id) = self.0.content_container_id else { return Ok(None) };
        let loaded = loaders(ctx)?.load_one(CreativeId(id)).await.map_err(ApiError::from)?;
        Ok(loaded.map(|(container, content)| Creative { container, content }))
    }

    /// The campaign it belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Campaign> {
        Ok(load_campaign(ctx, self.0.campaign_id).await?)
    }

    /// The ad set it belongs to.
    async fn ad_set(&self, ctx: &Context<'_>) -> async_graphql::Result<AdSet> {
        let loaded = loaders(ctx)?.load_one(AdSetId(self.0.ad_set_id)).await.map_err(ApiError::from)?;
        Ok(loaded.map(AdSet).ok_or_else(|| ApiError::internal("ad set missing"))?)
    }

    /// How it is doing, from its daily metrics against its ad set's peers (null without data).
    async fn classification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::AdClassification>> {
        let loaded = loaders(ctx)?
            .load_one(crate::graphql::loaders::ClassificationOf { ad: self.0.id, ad_set: self.0.ad_set_id })
            .await
            .map_err(ApiError::from)?;
        Ok(loaded.map(Into::into))
    }

    /// When it was launched.
    async fn launched_at(&self) -> Option<DateTime<Utc>> {
        self.0.launched_at
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
