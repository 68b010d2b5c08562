//! Reading the creative library by derived state, filtered in the database so pages stay right.
//!
//! A state is not stored: `domain::lifecycle::state_condition` says which stored facts define
//! each one, and `store::creatives::list` turns each fact into a condition on the page query. The
//! one fact that is not stored is fatigue, which is classified from metrics: for `LIVE` and
//! `FATIGUED` the creatives with a fatigued active ad are computed first (one pass over the
//! organization's ads in ad sets that have an active ad, the same classification
//! `Ad.classification` shows) and the query takes or leaves exactly those ids. That set is
//! bounded by the organization's live ads, not by the library's size.

use std::collections::HashSet;

use entity::content_containers;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::domain::classification::{Classification, Thresholds};
use crate::domain::lifecycle::{self, CreativeState};
use crate::service::Services;
use crate::store::creatives::{self as store, InState};
use crate::store::page::{Page, PageRequest};
use crate::store::{ads, metrics};

impl Services {
    /// One page of organization `org`'s creatives, newest first, only those in `state` if given.
    pub async fn creatives_page(
        &self,
        org: Uuid,
        state: Option<CreativeState>,
        request: PageRequest,
    ) -> Result<Page<content_containers::Model>, DbErr> {
        let Some(state) = state else { return store::list(&self.db, org, None, request).await };
        let condition = lifecycle::state_condition(state);
        let fatigued = match condition.fatigued {
            Some(_) => fatigued_creatives(&self.db, org, &self.thresholds).await?,
            None => Vec::new(),
        };
        let in_state = InState { condition, fatigued: &fatigued };
        store::list(&self.db, org, Some(in_state), request).await
    }
}

/// The creatives of `org` with an active ad classified `FATIGUED`, each ad classified against
/// the ads of its ad set, as `Ad.classification` does.
pub(crate) async fn fatigued_creatives<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    thresholds: &Thresholds,
) -> Result<Vec<Uuid>, DbErr> {
    let active = ads::active_showing_a_creative(conn, org).await?;
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let sets: HashSet<Uuid> = active.iter().map(|ad| ad.ad_set_id).collect();
    let peers = ads::in_ad_sets(conn, org, sets).await?;
    let peer_ids: Vec<Uuid> = peers.iter().map(|ad| ad.id).collect();
    let histories = metrics::histories(conn, org, &peer_ids).await?;
    let classes = crate::service::optimizer::classify_ads(&peers, &histories, thresholds);
    let fatigued: HashSet<Uuid> = active
        .iter()
        .filter(|ad| classes.get(&ad.id) == Some(&Classification::Fatigued))
        .filter_map(|ad| ad.content_container_id)
        .collect();
    Ok(fatigued.into_iter().collect())
}
