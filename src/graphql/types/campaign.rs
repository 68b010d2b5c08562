//! `Campaign`, `AdSet` and `Ad`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{ad_sets, ads, campaigns};

use super::page_of;
use super::{AuthorityBlock, Conn, Creative, Layer, PendingAction, connection, paginate};
use crate::domain;
use crate::domain::classification::Classification;
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
pub struct Campaign {
    row: Arc<campaigns::Model>,
    /// What a page of campaigns loaded for it ahead of its fields (`prefetch`); fields it does
    /// not hold load through the request's DataLoaders.
    related: Option<Arc<CampaignRelations>>,
}

/// A campaign's relations, loaded ahead for a page (`prefetch::campaign_page`). `None` in a
/// field: not loaded ahead (the page does not select it).
#[derive(Debug, Default)]
pub struct CampaignRelations {
    /// The authority in force.
    pub authority: Option<domain::authority::ResolvedAuthority>,
    /// Its layer.
    pub layer: Option<entity::layers::Model>,
    /// All its ad sets, newest first.
    pub ad_sets: Option<Vec<AdSet>>,
    /// All its waiting actions, newest first.
    pub pending: Option<Vec<PendingAction>>,
}

impl From<campaigns::Model> for Campaign {
    fn from(row: campaigns::Model) -> Self {
        Campaign { row: Arc::new(row), related: None }
    }
}

impl Campaign {
    /// A campaign with relations loaded ahead.
    pub fn with_relations(row: campaigns::Model, related: CampaignRelations) -> Self {
        Campaign { row: Arc::new(row), related: Some(Arc::new(related)) }
    }

    /// Its stored row.
    pub fn row(&self) -> &campaigns::Model {
        &self.row
    }

    fn related(&self) -> Option<&CampaignRelations> {
        self.related.as_deref()
    }
}

#[Object]
impl Campaign {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::Campaign, self.row.id))
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.row.name
    }

    /// Platform.
    async fn platform(&self) -> async_graphql::Result<Platform> {
        Ok(self.row.platform().map_err(ApiError::from)?.into())
    }

    /// What it optimizes for.
    async fn outcome(&self) -> async_graphql::Result<Outcome> {
        Ok(self.row.outcome().map_err(ApiError::from)?.into())
    }

    /// Delivery status.
    async fn status(&self) -> async_graphql::Result<EntityStatus> {
        Ok(self.row.status().map_err(ApiError::from)?.into())
    }

    /// Daily budget in the layer currency's minor unit (null when the budget is lifetime).
    async fn daily_budget_cents(&self) -> Option<i64> {
        self.row.daily_budget_cents
    }

    /// Lifetime budget in minor units (null when the budget is daily).
    async fn lifetime_budget_cents(&self) -> Option<i64> {
        self.row.lifetime_budget_cents
    }

    /// Bid strategy.
    async fn bid_strategy(&self) -> async_graphql::Result<BidStrategy> {
        Ok(self.row.bid_strategy().map_err(ApiError::from)?.into())
    }

    /// Cost or bid cap in minor units, for the strategies that take one.
    async fn bid_amount_cents(&self) -> Option<i64> {
        self.row.bid_amount_cents
    }

    /// Schedule.
    async fn schedule(&self) -> Schedule {
        Schedule { start_time: self.row.schedule_start, end_time: self.row.schedule_end }
    }

    /// Targeting, when set at campaign level.
    async fn targeting(&self) -> async_graphql::Result<Option<Targeting>> {
        Ok(targeting(&self.row.targeting)?)
    }

    /// The platform's own id for it.
    async fn platform_campaign_id(&self) -> Option<&str> {
        self.row.platform_campaign_id.as_deref()
    }

    /// Changes on every applied write; a pending action queued at another version is stale.
    async fn version(&self) -> i64 {
        self.row.version
    }

    /// The layer it runs under.
    async fn layer(&self, ctx: &Context<'_>) -> async_graphql::Result<Layer> {
        if let Some(layer) = self.related().and_then(|r| r.layer.as_ref()) {
            return Ok(Layer(layer.clone()));
        }
        Ok(Layer(Box::pin(load_layer(ctx, self.row.layer_id)).await?))
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
        if let Some(sets) = self.related().and_then(|r| r.ad_sets.as_deref()) {
            return Ok(connection(page_of(sets, request, |s| s.row.id), |s| s.row.id, |s| s));
        }
        let rows = Box::pin(loaders(ctx)?.load_one(AdSetsOf(self.row.id))).await.map_err(ApiError::from)?;
        Ok(connection(paginate(rows.unwrap_or_default(), request, |s| s.id), |s| s.id, AdSet::from))
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
        if let Some(actions) = self.related().and_then(|r| r.pending.as_deref()) {
            return Ok(connection(page_of(actions, request, |a| a.0.id), |a| a.0.id, |a| a));
        }
        let rows = Box::pin(loaders(ctx)?.load_one(PendingOf(self.row.id))).await.map_err(ApiError::from)?;
        Ok(connection(paginate(rows.unwrap_or_default(), request, |a| a.id), |a| a.id, PendingAction))
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// Last changed at.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.updated_at
    }
}

impl Campaign {
    async fn resolved(&self, ctx: &Context<'_>) -> Result<domain::authority::ResolvedAuthority, ApiError> {
        if let Some(resolved) = self.related().and_then(|r| r.authority) {
            return Ok(resolved);
        }
        let loaders = loaders(ctx)?;
        let (row, layer) = Box::pin(async {
            tokio::try_join!(
                loaders.load_one(AuthorityOf(self.row.id)),
                loaders.load_one(LayerId(self.row.layer_id))
            )
        })
        .await?;
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
        .map(Campaign::from)
        .ok_or_else(|| ApiError::internal("campaign missing"))
}

/// An ad set (ad group on TikTok and Apple).
#[derive(Debug, Clone)]
pub struct AdSet {
    row: Arc<ad_sets::Model>,
    /// All its ads, newest first, when a page loaded them ahead (`prefetch`).
    ads: Option<Arc<[Ad]>>,
}

impl From<ad_sets::Model> for AdSet {
    fn from(row: ad_sets::Model) -> Self {
        AdSet::from(Arc::new(row))
    }
}

impl From<Arc<ad_sets::Model>> for AdSet {
    fn from(row: Arc<ad_sets::Model>) -> Self {
        AdSet { row, ads: None }
    }
}

impl AdSet {
    /// An ad set with all its ads (newest first) loaded ahead.
    pub fn with_ads(row: Arc<ad_sets::Model>, ads: Vec<Ad>) -> Self {
        AdSet { row, ads: Some(ads.into()) }
    }

    /// Its stored row.
    pub fn row(&self) -> &ad_sets::Model {
        &self.row
    }
}

#[Object]
impl AdSet {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::AdSet, self.row.id))
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.row.name
    }

    /// Delivery status.
    async fn status(&self) -> async_graphql::Result<EntityStatus> {
        Ok(self.row.status().map_err(ApiError::from)?.into())
    }

    /// Ad set daily budget in minor units, where the campaign does not carry the budget.
    async fn daily_budget_cents(&self) -> Option<i64> {
        self.row.daily_budget_cents
    }

    /// Targeting.
    async fn targeting(&self) -> async_graphql::Result<Option<Targeting>> {
        Ok(targeting(&self.row.targeting)?)
    }

    /// The platform's own id for it.
    async fn platform_ad_set_id(&self) -> Option<&str> {
        self.row.platform_ad_set_id.as_deref()
    }

    /// Changes on every applied write.
    async fn version(&self) -> i64 {
        self.row.version
    }

    /// The campaign it belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Campaign> {
        Ok(Box::pin(load_campaign(ctx, self.row.campaign_id)).await?)
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
        if let Some(ads) = self.ads.as_deref() {
            return Ok(connection(page_of(ads, request, |a| a.row.id), |a| a.row.id, |a| a));
        }
        let rows = Box::pin(loaders(ctx)?.load_one(AdsOf(self.row.id))).await.map_err(ApiError::from)?;
        Ok(connection(paginate(rows.unwrap_or_default(), request, |a| a.id), |a| a.id, Ad::from))
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
}

/// An ad: one creative shown in one ad set.
#[derive(Debug, Clone)]
pub struct Ad {
    row: Arc<ads::Model>,
    /// Its creative and classification, when a page loaded them ahead (`prefetch`).
    related: Option<Arc<AdRelations>>,
}

/// An ad's relations, loaded ahead for a page. `None` in a field: not loaded ahead.
#[derive(Debug, Default)]
pub struct AdRelations {
    /// Its creative (`Some(None)`: it shows none).
    pub creative: Option<Option<Creative>>,
    /// Its classification (`Some(None)`: no data to classify it by).
    pub classification: Option<Option<Classification>>,
}

impl From<ads::Model> for Ad {
    fn from(row: ads::Model) -> Self {
        Ad::from(Arc::new(row))
    }
}

impl From<Arc<ads::Model>> for Ad {
    fn from(row: Arc<ads::Model>) -> Self {
        Ad { row, related: None }
    }
}

impl Ad {
    /// An ad with relations loaded ahead.
    pub fn with_relations(row: Arc<ads::Model>, related: AdRelations) -> Self {
        Ad { row, related: Some(Arc::new(related)) }
    }

    /// Its stored row.
    pub fn row(&self) -> &ads::Model {
        &self.row
    }
}

#[Object]
impl Ad {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::Ad, self.row.id))
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.row.name
    }

    /// Delivery status.
    async fn status(&self) -> async_graphql::Result<EntityStatus> {
        Ok(self.row.status().map_err(ApiError::from)?.into())
    }

    /// The platform's own id for it.
    async fn platform_ad_id(&self) -> Option<&str> {
        self.row.platform_ad_id.as_deref()
    }

    /// Changes on every applied write.
    async fn version(&self) -> i64 {
        self.row.version
    }

    /// The creative it shows.
    async fn creative(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Creative>> {
        if let Some(creative) = self.related.as_ref().and_then(|r| r.creative.as_ref()) {
            return Ok(creative.clone());
        }
        let Some(id) = self.row.content_container_id else { return Ok(None) };
        let loaded = Box::pin(loaders(ctx)?.load_one(CreativeId(id))).await.map_err(ApiError::from)?;
        Ok(loaded.map(Creative::from))
    }

    /// The campaign it belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Campaign> {
        Ok(Box::pin(load_campaign(ctx, self.row.campaign_id)).await?)
    }

    /// The ad set it belongs to.
    async fn ad_set(&self, ctx: &Context<'_>) -> async_graphql::Result<AdSet> {
        let loaded =
            Box::pin(loaders(ctx)?.load_one(AdSetId(self.row.ad_set_id))).await.map_err(ApiError::from)?;
        Ok(loaded.map(AdSet::from).ok_or_else(|| ApiError::internal("ad set missing"))?)
    }

    /// How it is doing, from its daily metrics against its ad set's peers (null without data).
    async fn classification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::AdClassification>> {
        if let Some(class) = self.related.as_ref().and_then(|r| r.classification) {
            return Ok(class.map(Into::into));
        }
        let key = crate::graphql::loaders::ClassificationOf { ad: self.row.id, ad_set: self.row.ad_set_id };
        let loaded = Box::pin(loaders(ctx)?.load_one(key)).await.map_err(ApiError::from)?;
        Ok(loaded.map(Into::into))
    }

    /// When it was launched.
    async fn launched_at(&self) -> Option<DateTime<Utc>> {
        self.row.launched_at
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
}
