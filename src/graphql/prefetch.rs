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
use entity::{campaigns, layers};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::context::{loaders, reader, services};
use super::loaders::{CampaignId, classify_showing};
use super::types::{Ad, AdRelations, AdSet, Campaign, CampaignRelations, Creative, PendingAction};
use crate::domain::classification::{Classification, Thresholds};
use crate::error::ApiError;
use crate::service::resolved_authority;
use crate::store::Page;
use crate::store::relations::{self, ShownAd};

/// Where a page's relations are read: the organization's rows on the read pool.
struct Reads<'a> {
    db: &'a DatabaseConnection,
    org: Uuid,
    thresholds: &'a Thresholds,
}

/// The campaigns of `page`, each with the relations the selected `edges { node { ... } }` reads.
pub async fn campaign_page(
    ctx: &Context<'_>,
    page: Page<campaigns::Model>,
) -> Result<Page<Campaign>, ApiError> {
    let Page { items, has_next_page, has_previous_page } = page;
    if items.is_empty() {
        return Ok(Page { items: Vec::new(), has_next_page, has_previous_page });
    }
    let services = services(ctx)?;
    let reads =
        Reads { db: &services.reads, org: reader(ctx)?.organization_id, thresholds: &services.thresholds };
    let node = ctx.look_ahead().field("edges").field("node");
    let ids: Vec<Uuid> = items.iter().map(|c| c.id).collect();
    let authority = node.field("authority").exists() || node.field("authoritySource").exists();
    let (own, layers, mut ad_sets, mut pending) = tokio::try_join!(
        async {
            if !authority {
                return Ok(HashMap::new());
            }
            let rows = relations::authority_of(reads.db, reads.org, &ids).await?;
            Ok::<_, DbErr>(rows.into_iter().map(|row| (row.campaign_id, row)).collect())
        },
        layers_of(&reads, &items, authority || node.field("layer").exists()),
        ad_sets_of(&reads, node.field("adSets"), &ids),
        waiting_of(&reads, node.field("pendingActions"), &ids),
    )?;
    if pending.is_some()
        && node.field("pendingActions").field("edges").field("node").field("campaign").exists()
    {
        // The actions' campaigns are the page's own: the loader that answers `campaign` gets them.
        loaders(ctx)?.feed_many(items.iter().map(|c| (CampaignId(c.id), c.clone()))).await;
    }
    let items = items
        .into_iter()
        .map(|row| {
            let layer = layers.get(&row.layer_id);
            let related = CampaignRelations {
                authority: layer
                    .filter(|_| authority)
                    .and_then(|layer| resolved_authority(own.get(&row.id), layer).ok()),
                layer: layer.cloned(),
                ad_sets: ad_sets.as_mut().map(|sets| sets.remove(&row.id).unwrap_or_default()),
                pending: pending.as_mut().map(|actions| actions.remove(&row.id).unwrap_or_default()),
            };
            Campaign::with_relations(row, related)
        })
        .collect();
    Ok(Page { items, has_next_page, has_previous_page })
}

/// The layers of `campaigns` by id, when `wanted`.
async fn layers_of(
    reads: &Reads<'_>,
    campaigns: &[campaigns::Model],
    wanted: bool,
) -> Result<HashMap<Uuid, layers::Model>, DbErr> {
    if !wanted {
        return Ok(HashMap::new());
    }
    let mut ids: Vec<Uuid> = campaigns.iter().map(|c| c.layer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = relations::layers(reads.db, reads.org, &ids).await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The waiting actions of `campaigns` by campaign, newest first, when `selected`.
async fn waiting_of(
    reads: &Reads<'_>,
    selected: Lookahead<'_>,
    campaigns: &[Uuid],
) -> Result<Option<HashMap<Uuid, Vec<PendingAction>>>, DbErr> {
    if !selected.exists() {
        return Ok(None);
    }
    let rows = relations::waiting_of(reads.db, reads.org, campaigns).await?;
    let by_campaign = group(rows.into_iter().map(PendingAction), |a| a.0.campaign_id.unwrap_or_default());
    Ok(Some(newest_first(by_campaign, |a| a.0.id)))
}

/// The ad sets of `campaigns` by campaign, newest first, each with the relations its selection
/// (`selected`, the `adSets` field) reads; `None` when the field is not selected.
async fn ad_sets_of(
    reads: &Reads<'_>,
    selected: Lookahead<'_>,
    campaigns: &[Uuid],
) -> Result<Option<HashMap<Uuid, Vec<AdSet>>>, DbErr> {
    if !selected.exists() {
        return Ok(None);
    }
    let rows = relations::ad_sets_of(reads.db, reads.org, campaigns).await?;
    let ads = selected.field("edges").field("node").field("ads");
    let mut ads = if ads.exists() && !rows.is_empty() {
        let sets: Vec<Uuid> = rows.iter().map(|set| set.id).collect();
        ads_of(reads, ads.field("edges").field("node"), &sets).await?
    } else {
        HashMap::new()
    };
    let sets = rows.into_iter().map(|row| {
        let row = Arc::new(row);
        match ads.remove(&row.id) {
            Some(ads) => AdSet::with_ads(row, ads),
            None => AdSet::from(row),
        }
    });
    Ok(Some(newest_first(group(sets, |set: &AdSet| set.row().campaign_id), |set| set.row().id)))
}

/// The ads of `sets` by ad set, newest first, each with the relations `node` (an ad's
/// selection) reads.
async fn ads_of(
    reads: &Reads<'_>,
    node: Lookahead<'_>,
    sets: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Ad>>, DbErr> {
    let rows = relations::ads_of(reads.db, reads.org, sets).await?;
    let classified = node.field("classification").exists();
    let creative = node.field("creative");
    let derived = creative.field("state").exists() || creative.field("classification").exists();
    let mut containers: Vec<Uuid> = rows.iter().filter_map(|ad| ad.content_container_id).collect();
    containers.sort_unstable();
    containers.dedup();
    let creative = creative.exists() && !containers.is_empty();
    // The ads showing the page's creatives come with the classifications, from the same rows.
    let showing = if creative && derived { &containers[..] } else { &[] };
    let classify: Vec<Uuid> =
        if classified { rows.iter().map(|ad| ad.ad_set_id).collect() } else { Vec::new() };
    let (found, (shown, classes)) = tokio::try_join!(
        async {
            if !creative {
                return Ok(Vec::new());
            }
            relations::creatives(reads.db, reads.org, &containers).await
        },
        async {
            if classify.is_empty() && showing.is_empty() {
                return Ok((Vec::new(), HashMap::new()));
            }
            classify_showing(reads.db, reads.org, reads.thresholds, classify, showing).await
        },
    )?;
    let shown = group(shown, |ad: &ShownAd| ad.creative);
    let creatives: HashMap<Uuid, Creative> = found
        .into_iter()
        .map(|(container, content)| {
            let id = container.id;
            let creative = Creative::from((container, content));
            if !derived {
                return (id, creative);
            }
            let ads = shown.get(&id).map_or(&[][..], Vec::as_slice);
            let of_active: Vec<Classification> =
                ads.iter().filter(|ad| ad.active).filter_map(|ad| classes.get(&ad.id).copied()).collect();
            (id, creative.with_ads(ads, &of_active))
        })
        .collect();
    let ads = rows.into_iter().map(|row| {
        let related = AdRelations {
            creative: creative.then(|| row.content_container_id.and_then(|id| creatives.get(&id).cloned())),
            classification: classified.then(|| classes.get(&row.id).copied()),
        };
        Ad::with_relations(Arc::new(row), related)
    });
    Ok(newest_first(group(ads, |ad: &Ad| ad.row().ad_set_id), |ad| ad.row().id))
}

/// `items` grouped by `key`, in their order.
fn group<T>(items: impl IntoIterator<Item = T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for item in items {
        grouped.entry(key(&item)).or_default().push(item);
    }
    grouped
}

/// Each group ordered newest first (ids are UUID v7), as connections page them.
fn newest_first<T>(mut groups: HashMap<Uuid, Vec<T>>, id: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    for items in groups.values_mut() {
        items.sort_by_key(|item| Reverse(id(item)));
    }
    groups
}
