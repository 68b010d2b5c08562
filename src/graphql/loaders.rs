//! Per-request DataLoaders: every relation the dashboard reads in lists is fetched in one query
//! per relation per request, never one per row. Each loader is bound to the caller's organization.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    ad_sets, ads, ads_content, campaign_authority, campaigns, content_containers, layers, pending_actions,
};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::shared_loads::DeliveryLoader;
use crate::domain::classification::{Classification, Thresholds, classify_peers};
use crate::error::ApiError;
pub use crate::store::relations::ShownAd;
use crate::store::{metrics, relations};

/// Loads rows of one organization, batched.
#[derive(Debug, Clone)]
pub struct OrgLoader {
    db: DatabaseConnection,
    org: Uuid,
    thresholds: Thresholds,
}

/// The loader type put into each request: an [`OrgLoader`] whose loads the subscribers of one
/// delivered event share ([`DeliveryLoader`]).
pub type Loaders = DataLoader<DeliveryLoader<OrgLoader>, HashMapCache>;

/// How long a batch waits for more keys after its first one.
///
/// Pages of campaigns prefetch their relations (`prefetch`), so their cost does not depend on
/// timing; the window only gathers keys for everything else.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(2);

/// A fresh loader for one request of organization `org`, caching each row for the request.
pub fn loaders(db: DatabaseConnection, org: Uuid) -> Loaders {
    loaders_with(db, org, Thresholds::default())
}

/// A fresh loader for one request of organization `org`, classifying ads by `thresholds`.
pub fn loaders_with(db: DatabaseConnection, org: Uuid, thresholds: Thresholds) -> Loaders {
    let loader = DeliveryLoader::new(OrgLoader { db, org, thresholds }, org);
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()).delay(BATCH_WINDOW)
}

/// A batched load that failed; the detail was logged.
#[derive(Debug, Clone)]
pub struct LoadError(Arc<str>);

impl From<DbErr> for LoadError {
    fn from(err: DbErr) -> Self {
        LoadError(Arc::from(err.to_string()))
    }
}

impl From<LoadError> for ApiError {
    fn from(err: LoadError) -> Self {
        ApiError::internal(format!("batched load: {}", err.0))
    }
}

/// A layer by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerId(pub Uuid);
/// A campaign by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CampaignId(pub Uuid);
/// An ad set by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdSetId(pub Uuid);
/// A campaign's own authority row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorityOf(pub Uuid);
/// A campaign's ad sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdSetsOf(pub Uuid);
/// An ad set's ads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdsOf(pub Uuid);
/// A campaign's actions still waiting for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PendingOf(pub Uuid);
/// A creative (content container with its ads-content row) by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CreativeId(pub Uuid);

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|key| id(*key)).collect()
}

fn group<K: Eq + Hash + Copy, M>(
    keys: &[K],
    rows: impl IntoIterator<Item = M>,
    key_of: impl Fn(&M) -> K,
) -> HashMap<K, Vec<M>> {
    let mut grouped: HashMap<K, Vec<M>> = keys.iter().map(|key| (*key, Vec::new())).collect();
    for row in rows {
        grouped.entry(key_of(&row)).or_default().push(row);
    }
    grouped
}

impl Loader<LayerId> for OrgLoader {
    type Value = layers::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[LayerId]) -> Result<HashMap<LayerId, Self::Value>, Self::Error> {
        let rows = relations::layers(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|row| (LayerId(row.id), row)).collect())
    }
}

impl Loader<CampaignId> for OrgLoader {
    type Value = campaigns::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[CampaignId]) -> Result<HashMap<CampaignId, Self::Value>, Self::Error> {
        let rows = relations::campaigns(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|row| (CampaignId(row.id), row)).collect())
    }
}

impl Loader<AdSetId> for OrgLoader {
    type Value = ad_sets::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[AdSetId]) -> Result<HashMap<AdSetId, Self::Value>, Self::Error> {
        let rows = relations::ad_sets(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|row| (AdSetId(row.id), row)).collect())
    }
}

impl Loader<AuthorityOf> for OrgLoader {
    /// `None` for a campaign without its own row (it follows its layer's defaults); kept so the
    /// cache knows the answer too.
    type Value = Option<campaign_authority::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[AuthorityOf]) -> Result<HashMap<AuthorityOf, Self::Value>, Self::Error> {
        let rows = relations::authority_of(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        let mut found: HashMap<AuthorityOf, Self::Value> = keys.iter().map(|key| (*key, None)).collect();
        found.extend(rows.into_iter().map(|row| (AuthorityOf(row.campaign_id), Some(row))));
        Ok(found)
    }
}

impl Loader<AdSetsOf> for OrgLoader {
    type Value = Vec<Arc<ad_sets::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[AdSetsOf]) -> Result<HashMap<AdSetsOf, Self::Value>, Self::Error> {
        let rows = relations::ad_sets_of(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows.into_iter().map(Arc::new), |row| AdSetsOf(row.campaign_id)))
    }
}

impl Loader<AdsOf> for OrgLoader {
    type Value = Vec<Arc<ads::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[AdsOf]) -> Result<HashMap<AdsOf, Self::Value>, Self::Error> {
        let rows = relations::ads_of(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows.into_iter().map(Arc::new), |row| AdsOf(row.ad_set_id)))
    }
}

impl Loader<PendingOf> for OrgLoader {
    type Value = Vec<pending_actions::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[PendingOf]) -> Result<HashMap<PendingOf, Self::Value>, Self::Error> {
        let rows = relations::waiting_of(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |row| PendingOf(row.campaign_id.unwrap_or_default())))
    }
}

/// A creative's content container and its ads-content row (once generated).
pub type CreativeRows = (Arc<content_containers::Model>, Option<Arc<ads_content::Model>>);

impl Loader<CreativeId> for OrgLoader {
    type Value = CreativeRows;
    type Error = LoadError;

    async fn load(&self, keys: &[CreativeId]) -> Result<HashMap<CreativeId, Self::Value>, Self::Error> {
        let rows = relations::creatives(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(rows
            .into_iter()
            .map(|(container, content)| {
                (CreativeId(container.id), (Arc::new(container), content.map(Arc::new)))
            })
            .collect())
    }
}

/// The ads showing a creative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdsOfCreative(pub Uuid);

impl ShownAd {
    /// The key of its classification.
    pub fn classification(&self) -> ClassificationOf {
        ClassificationOf { ad: self.id, ad_set: self.ad_set_id }
    }
}

impl Loader<AdsOfCreative> for OrgLoader {
    type Value = Vec<ShownAd>;
    type Error = LoadError;

    async fn load(&self, keys: &[AdsOfCreative]) -> Result<HashMap<AdsOfCreative, Self::Value>, Self::Error> {
        let rows = relations::ads_showing(&self.db, self.org, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |ad| AdsOfCreative(ad.creative)))
    }
}

/// An ad's classification, computed from its metrics summary against its ad set's peers. The
/// key names the ad set too, so a batch reads its ad sets' ads and summaries in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassificationOf {
    /// The ad.
    pub ad: Uuid,
    /// Its ad set.
    pub ad_set: Uuid,
}

impl Loader<ClassificationOf> for OrgLoader {
    type Value = Classification;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ClassificationOf],
    ) -> Result<HashMap<ClassificationOf, Self::Value>, Self::Error> {
        let classes = classify_ad_sets(&self.db, self.org, &self.thresholds, ids(keys, |k| k.ad_set)).await?;
        Ok(keys.iter().filter_map(|key| Some((*key, *classes.get(&key.ad)?))).collect())
    }
}

/// The classification of every ad of `sets` (of `org`) that has data, by ad: each against its
/// ad set's peers, in one statement.
pub async fn classify_ad_sets(
    db: &DatabaseConnection,
    org: Uuid,
    thresholds: &Thresholds,
    sets: Vec<Uuid>,
) -> Result<HashMap<Uuid, Classification>, DbErr> {
    Ok(classify_showing(db, org, thresholds, sets, &[]).await?.1)
}

/// The ads showing `creatives` (of `org`), and the classification of every ad that has data of
/// `sets` and of the ad sets of those ads, by ad: each against its ad set's peers, in one
/// statement.
pub async fn classify_showing(
    db: &DatabaseConnection,
    org: Uuid,
    thresholds: &Thresholds,
    mut sets: Vec<Uuid>,
    creatives: &[Uuid],
) -> Result<(Vec<ShownAd>, HashMap<Uuid, Classification>), DbErr> {
    sets.sort_unstable();
    sets.dedup();
    let scope = metrics::AdSets { ids: &sets, showing: creatives };
    let (peers, summaries) = metrics::classification_inputs(db, org, scope, thresholds).await?;
    let now = chrono::Utc::now();
    let ages: Vec<(Uuid, Uuid, i64)> =
        peers.iter().map(|ad| (ad.id, ad.ad_set_id, (now - ad.live_since).num_hours())).collect();
    let classes = classify_peers(&ages, &summaries, thresholds);
    let creatives: HashSet<&Uuid> = creatives.iter().collect();
    let shown = peers
        .iter()
        .filter_map(|ad| {
            let creative = ad.creative.filter(|creative| creatives.contains(creative))?;
            Some(ShownAd { id: ad.id, ad_set_id: ad.ad_set_id, creative, active: ad.active })
        })
        .collect();
    Ok((shown, classes))
}
