//! Prefetching the relations a page of campaigns asks for, one query per relation, before its
//! items resolve.
//!
//! DataLoaders batch the keys that arrive within a short window; how many arrive in time depends
//! on scheduling. A dashboard page is the hot path, so its cost is made independent of timing:
//! the connection resolver looks ahead at the selection and loads every relation it names into
//! the request's loader cache, where each item's resolver then finds it.

use async_graphql::{Context, Lookahead};
use entity::{ad_sets, campaigns, pending_actions};
use uuid::Uuid;

use super::context::loaders;
use super::loaders::{
    AdSetsOf, AdsOf, AdsOfCreative, AuthorityOf, CampaignId, ClassificationOf, CreativeId, LayerId, Loaders,
    PendingOf,
};
use crate::error::ApiError;

/// Loads what the selected `edges { node { ... } }` of a campaign connection will read.
pub async fn campaign_page(ctx: &Context<'_>, campaigns: &[campaigns::Model]) -> Result<(), ApiError> {
    if campaigns.is_empty() {
        return Ok(());
    }
    let node = ctx.look_ahead().field("edges").field("node");
    let loaders = loaders(ctx)?;
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let authority = node.field("authority").exists() || node.field("authoritySource").exists();
    if authority {
        loaders.load_many(ids.iter().map(|id| AuthorityOf(*id))).await?;
    }
    if authority || node.field("layer").exists() {
        loaders.load_many(campaigns.iter().map(|c| LayerId(c.layer_id))).await?;
    }
    let ad_sets = node.field("adSets");
    if ad_sets.exists() {
        let sets = loaders.load_many(ids.iter().map(|id| AdSetsOf(*id))).await?;
        let sets: Vec<&ad_sets::Model> = sets.values().flatten().collect();
        ad_set_relations(loaders, ad_sets.field("edges").field("node"), &sets).await?;
    }
    let pending = node.field("pendingActions");
    if pending.exists() {
        let actions = loaders.load_many(ids.iter().map(|id| PendingOf(*id))).await?;
        if pending.field("edges").field("node").field("campaign").exists() {
            let actions: Vec<&pending_actions::Model> = actions.values().flatten().collect();
            loaders.load_many(actions.iter().filter_map(|a| a.campaign_id).map(CampaignId)).await?;
        }
    }
    Ok(())
}

async fn ad_set_relations(
    loaders: &Loaders,
    node: Lookahead<'_>,
    sets: &[&ad_sets::Model],
) -> Result<(), ApiError> {
    let ads = node.field("ads");
    if !ads.exists() || sets.is_empty() {
        return Ok(());
    }
    let loaded = loaders.load_many(sets.iter().map(|s| AdsOf(s.id))).await?;
    let node = ads.field("edges").field("node");
    let mut classify: Vec<ClassificationOf> = Vec::new();
    if node.field("classification").exists() {
        classify
            .extend(loaded.values().flatten().map(|ad| ClassificationOf { ad: ad.id, ad_set: ad.ad_set_id }));
    }
    let creative = node.field("creative");
    if creative.exists() {
        let containers: Vec<Uuid> =
            loaded.values().flatten().filter_map(|ad| ad.content_container_id).collect();
        loaders.load_many(containers.iter().map(|id| CreativeId(*id))).await?;
        if creative.field("state").exists() || creative.field("classification").exists() {
            let shown = loaders.load_many(containers.iter().map(|id| AdsOfCreative(*id))).await?;
            let active = shown.values().flatten().filter(|ad| ad.active);
            classify.extend(active.map(|ad| ad.classification()));
        }
    }
    if !classify.is_empty() {
        loaders.load_many(classify).await?;
    }
    Ok(())
}
