//! Loading the relations a page of campaigns asks for ahead of its items, one query per
//! relation, and attaching them to the page's objects.
//!
//! DataLoaders batch the keys that arrive within a short window; how many arrive in time depends
//! on scheduling. A dashboard page is the hot path, so its cost is made independent of timing:
//! the connection resolver looks ahead at the selection and loads every relation it names at
//! once (through the request's DataLoaders, so their cache knows the rows too). Each campaign,
//! ad set, ad and creative of the page then carries what its fields read (its authority, ad
//! sets, ads, creative with its state, classification), so resolving a field is a field access,
//! not a DataLoader lookup: a page of 50 campaigns resolves a few thousand fields.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Lookahead};
use entity::{ad_sets, ads, campaigns};
use uuid::Uuid;

use super::context::loaders;
use super::loaders::{
    AdSetsOf, AdsOf, AdsOfCreative, AuthorityOf, CampaignId, ClassificationOf, CreativeId, LayerId, Loaders,
    PendingOf,
};
use super::types::{Ad, AdRelations, AdSet, Campaign, CampaignRelations, Creative, PendingAction};
use crate::domain::classification::Classification;
use crate::error::ApiError;
use crate::service::resolved_authority;
use crate::store::Page;

/// The campaigns of `page`, each with the relations the selected `edges { node { ... } }` reads.
pub async fn campaign_page(
    ctx: &Context<'_>,
    page: Page<campaigns::Model>,
) -> Result<Page<Campaign>, ApiError> {
    let Page { items, has_next_page, has_previous_page } = page;
    if items.is_empty() {
        return Ok(Page { items: Vec::new(), has_next_page, has_previous_page });
    }
    let node = ctx.look_ahead().field("edges").field("node");
    let loaders = loaders(ctx)?;
    let ids: Vec<Uuid> = items.iter().map(|c| c.id).collect();
    let authority = node.field("authority").exists() || node.field("authoritySource").exists();
    let own = if authority {
        loaders.load_many(ids.iter().map(|id| AuthorityOf(*id))).await?
    } else {
        HashMap::new()
    };
    let layers = if authority || node.field("layer").exists() {
        loaders.load_many(items.iter().map(|c| LayerId(c.layer_id))).await?
    } else {
        HashMap::new()
    };
    let selected = node.field("adSets");
    let mut ad_sets = if selected.exists() {
        Some(ad_sets_of(loaders, selected.field("edges").field("node"), &ids).await?)
    } else {
        None
    };
    let selected = node.field("pendingActions");
    let mut pending = if selected.exists() {
        let actions = loaders.load_many(ids.iter().map(|id| PendingOf(*id))).await?;
        if selected.field("edges").field("node").field("campaign").exists() {
            let campaigns = actions.values().flatten().filter_map(|a| a.campaign_id).map(CampaignId);
            loaders.load_many(campaigns).await?;
        }
        Some(actions)
    } else {
        None
    };
    let items = items
        .into_iter()
        .map(|row| {
            let layer = layers.get(&LayerId(row.layer_id));
            let related = CampaignRelations {
                authority: layer.filter(|_| authority).and_then(|layer| {
                    resolved_authority(own.get(&AuthorityOf(row.id))?.as_ref(), layer).ok()
                }),
                layer: layer.cloned(),
                ad_sets: ad_sets.as_mut().map(|sets| sets.remove(&row.id).unwrap_or_default()),
                pending: pending.as_mut().map(|actions| {
                    let rows = actions.remove(&PendingOf(row.id)).unwrap_or_default();
                    newest_first(rows.into_iter().map(PendingAction).collect(), |a| a.0.id)
                }),
            };
            Campaign::with_relations(row, related)
        })
        .collect();
    Ok(Page { items, has_next_page, has_previous_page })
}

/// The ad sets of `campaigns` by campaign, each with the relations `node` (an ad set's
/// selection) reads.
async fn ad_sets_of(
    loaders: &Loaders,
    node: Lookahead<'_>,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, Vec<AdSet>>, ApiError> {
    let loaded = loaders.load_many(campaigns.iter().map(|id| AdSetsOf(*id))).await?;
    let selected = node.field("ads");
    let mut ads = if selected.exists() {
        let sets: Vec<Uuid> = loaded.values().flatten().map(|set| set.id).collect();
        ads_of(loaders, selected.field("edges").field("node"), &sets).await?
    } else {
        HashMap::new()
    };
    let mut with_ads = |row: Arc<ad_sets::Model>| match ads.remove(&row.id) {
        Some(ads) => AdSet::with_ads(row, ads),
        None => AdSet::from(row),
    };
    let mut by_campaign = HashMap::with_capacity(loaded.len());
    for (AdSetsOf(campaign), rows) in loaded {
        let sets = rows.into_iter().map(&mut with_ads).collect();
        by_campaign.insert(campaign, newest_first(sets, |s: &AdSet| s.row().id));
    }
    Ok(by_campaign)
}

/// The ads of `sets` by ad set, each with the relations `node` (an ad's selection) reads.
async fn ads_of(
    loaders: &Loaders,
    node: Lookahead<'_>,
    sets: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Ad>>, ApiError> {
    if sets.is_empty() {
        return Ok(HashMap::new());
    }
    let loaded = loaders.load_many(sets.iter().map(|id| AdsOf(*id))).await?;
    let classified = node.field("classification").exists();
    let mut keys: Vec<ClassificationOf> = Vec::new();
    if classified {
        keys.extend(loaded.values().flatten().map(|ad| ClassificationOf { ad: ad.id, ad_set: ad.ad_set_id }));
    }
    let selected = node.field("creative");
    let derived = selected.field("state").exists() || selected.field("classification").exists();
    let mut containers: Vec<Uuid> =
        loaded.values().flatten().filter_map(|ad| ad.content_container_id).collect();
    containers.sort_unstable();
    containers.dedup();
    let (rows, shown) = if !selected.exists() || containers.is_empty() {
        (HashMap::new(), HashMap::new())
    } else {
        let rows = loaders.load_many(containers.iter().map(|id| CreativeId(*id))).await?;
        let shown = if derived {
            loaders.load_many(containers.iter().map(|id| AdsOfCreative(*id))).await?
        } else {
            HashMap::new()
        };
        keys.extend(shown.values().flatten().filter(|ad| ad.active).map(|ad| ad.classification()));
        (rows, shown)
    };
    let classes = if keys.is_empty() { HashMap::new() } else { loaders.load_many(keys).await? };
    let creatives: HashMap<Uuid, Creative> = rows
        .into_iter()
        .map(|(CreativeId(id), rows)| {
            let creative = Creative::from(rows);
            if !derived {
                return (id, creative);
            }
            let ads = shown.get(&AdsOfCreative(id)).map_or(&[][..], Vec::as_slice);
            let of_active: Vec<Classification> = ads
                .iter()
                .filter(|ad| ad.active)
                .filter_map(|ad| classes.get(&ad.classification()).copied())
                .collect();
            (id, creative.with_ads(ads, &of_active))
        })
        .collect();
    let with_relations = |row: Arc<ads::Model>| {
        let related = AdRelations {
            creative: selected
                .exists()
                .then(|| row.content_container_id.and_then(|id| creatives.get(&id).cloned())),
            classification: classified
                .then(|| classes.get(&ClassificationOf { ad: row.id, ad_set: row.ad_set_id }).copied()),
        };
        Ad::with_relations(row, related)
    };
    let mut by_set = HashMap::with_capacity(loaded.len());
    for (AdsOf(set), rows) in loaded {
        let ads = rows.into_iter().map(&with_relations).collect();
        by_set.insert(set, newest_first(ads, |ad: &Ad| ad.row().id));
    }
    Ok(by_set)
}

/// `items` ordered newest first (ids are UUID v7), as connections page them.
fn newest_first<T>(mut items: Vec<T>, id: impl Fn(&T) -> Uuid) -> Vec<T> {
    items.sort_by_key(|item| Reverse(id(item)));
    items
}
