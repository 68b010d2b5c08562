//! The optimizer cycle: classify every live ad from its metrics, propose pruning the `FATIGUED`
//! and `CRITICAL` ones and launching the best eligible creative in their place, all as actor
//! `optimizer` through the gate on the creative axis (`auto` dispatches, `draft` queues for the
//! customer, `off` denies; the optimizer guardrails are the gate's safety checks).
//!
//! A proposal already waiting for approval is not proposed again, so running the cycle twice in a
//! row proposes nothing new.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{ads, ads_content, content_containers, optimizer_runs};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::write::AdWrite;
use super::{Caller, Services};
use crate::domain::Platform;
use crate::domain::classification::{
    Classification, DailyMetrics, Thresholds, classify, median_cpa_cents, recent_totals,
};
use crate::domain::lifecycle::OverrideMode;
use crate::error::ApiError;
use crate::store::codes::ContentCodes;
use crate::store::metrics::histories;
use crate::store::optimizer::{self as store, NewRun};
use crate::store::{ads as store_ads, campaigns, creatives, organizations, pending};

/// What started a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The scheduler.
    Schedule,
    /// The customer, on demand.
    Manual,
}

/// One thing a cycle proposed (or held back), as stored on the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// `ad.prune` or `ad.launch`.
    pub action: String,
    /// The ad to prune.
    pub ad_id: Option<Uuid>,
    /// The ad set concerned.
    pub ad_set_id: Uuid,
    /// The creative to launch.
    pub creative_id: Option<Uuid>,
    /// The pruned ad's classification.
    pub classification: Option<String>,
    /// The gate's verdict id, when the proposal went through the gate.
    pub verdict_id: Option<Uuid>,
    /// `allow`, `queue_for_approval` or `deny`.
    pub decision: Option<String>,
    /// The deny reason (a guardrail names itself: `safety_check_failed:last_active_ad`).
    pub reason: Option<String>,
    /// Why it was not sent to the gate (`already_pending`).
    pub skipped: Option<String>,
}

impl Services {
    /// Runs one optimizer cycle for organization `org` (optionally one platform) and records it.
    pub async fn run_optimizer(
        &self,
        org: Uuid,
        trigger: Trigger,
        platform: Option<Platform>,
    ) -> Result<optimizer_runs::Model, ApiError> {
        let started_at = Utc::now();
        let live = live_ads(&self.db, org, platform).await?;
        let ids: Vec<Uuid> = live.iter().map(|ad| ad.id).collect();
        let histories = histories(&self.db, org, &ids).await?;
        let classes = classify_ads(&live, &histories, &self.thresholds);
        let waiting = pending::waiting_optimizer_proposals(&self.db, org).await?;
        let optimizer = Caller::optimizer(org);
        let mut proposals = Vec::new();
        let mut replace_in: Vec<Uuid> = Vec::new();
        for ad in &live {
            let Some(class) = classes.get(&ad.id).filter(|c| c.is_prune_candidate()) else { continue };
            let mut proposal = Proposal::new("ad.prune", ad.ad_set_id);
            proposal.ad_id = Some(ad.id);
            proposal.classification = Some(class.as_str().to_owned());
            if waiting.contains(&("ad.prune".to_owned(), ad.id)) {
                proposal.skipped = Some("already_pending".to_owned());
            } else {
                self.propose(&optimizer, AdWrite::PruneAd { ad_id: ad.id }, &mut proposal).await?;
            }
            if !replace_in.contains(&ad.ad_set_id) {
                replace_in.push(ad.ad_set_id);
            }
            proposals.push(proposal);
        }
        for ad_set_id in replace_in {
            if let Some(proposal) = self.replacement(&optimizer, ad_set_id, &waiting).await? {
                proposals.push(proposal);
            }
        }
        let run = NewRun {
            organization_id: org,
            trigger: match trigger {
                Trigger::Schedule => "schedule",
                Trigger::Manual => "manual",
            },
            proposals: serde_json::to_value(&proposals)?,
            started_at,
        };
        Ok(store::insert_run(&self.db, run).await?)
    }

    /// Sends `write` through the gate as the optimizer and records the verdict on `proposal`.
    async fn propose(
        &self,
        optimizer: &Caller,
        write: AdWrite,
        proposal: &mut Proposal,
    ) -> Result<(), ApiError> {
        let result = self.submit(optimizer, write, false).await?;
        if let Some(verdict) = result.verdict {
            proposal.verdict_id = Some(verdict.id);
            proposal.decision = Some(verdict.decision.as_str().to_owned());
            proposal.reason = verdict.reason;
        } else if let Some(error) = result.user_errors.first() {
            proposal.skipped = Some(error.code.as_str().to_owned());
        }
        Ok(())
    }

    /// Proposes launching the best eligible creative the ad set does not show yet, if any.
    async fn replacement(
        &self,
        optimizer: &Caller,
        ad_set_id: Uuid,
        waiting: &HashSet<(String, Uuid)>,
    ) -> Result<Option<Proposal>, ApiError> {
        let org = optimizer.organization_id;
        let shown = store_ads::creatives_in_ad_set(&self.db, org, ad_set_id).await?;
        let Some(creative) = best_creative(&self.db, org, &shown).await? else { return Ok(None) };
        let mut proposal = Proposal::new("ad.launch", ad_set_id);
        proposal.creative_id = Some(creative.id);
        if waiting.contains(&("ad.launch".to_owned(), ad_set_id)) {
            proposal.skipped = Some("already_pending".to_owned());
        } else {
            let write = AdWrite::LaunchAd {
                ad_set_id,
                name: format!("{} (optimizer)", creative.name),
                creative_id: creative.id,
            };
            self.propose(optimizer, write, &mut proposal).await?;
        }
        Ok(Some(proposal))
    }
}

impl Proposal {
    fn new(action: &str, ad_set_id: Uuid) -> Self {
        Proposal {
            action: action.to_owned(),
            ad_id: None,
            ad_set_id,
            creative_id: None,
            classification: None,
            verdict_id: None,
            decision: None,
            reason: None,
            skipped: None,
        }
    }
}

/// Classifies `ads`, each against the median recent CPA of the ads of its ad set.
pub fn classify_ads(
    ads: &[ads::Model],
    histories: &HashMap<Uuid, Vec<DailyMetrics>>,
    thresholds: &Thresholds,
) -> HashMap<Uuid, Classification> {
    let empty = Vec::new();
    let history = |id: &Uuid| histories.get(id).unwrap_or(&empty);
    let mut by_set: HashMap<Uuid, Vec<&ads::Model>> = HashMap::new();
    for ad in ads {
        by_set.entry(ad.ad_set_id).or_default().push(ad);
    }
    let now = Utc::now();
    let mut classes = HashMap::new();
    for peers in by_set.values() {
        let totals: Vec<_> = peers
            .iter()
            .map(|ad| recent_totals(history(&ad.id), thresholds.performance_window_days))
            .collect();
        let median = median_cpa_cents(&totals);
        for ad in peers {
            let age_hours = (now - ad.launched_at.unwrap_or(ad.created_at)).num_hours();
            classes.insert(ad.id, classify(age_hours, history(&ad.id), median, thresholds));
        }
    }
    classes
}

/// Active ads of active campaigns of `org`, optionally of one platform.
async fn live_ads<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    platform: Option<Platform>,
) -> Result<Vec<ads::Model>, DbErr> {
    let campaign_ids = campaigns::active_ids(conn, org, platform).await?;
    store_ads::active_in_campaigns(conn, org, campaign_ids).await
}

/// The best eligible creative of `org` not in `shown`: an `include` override first, then the
/// highest organic score, then the newest.
async fn best_creative<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    shown: &HashSet<Uuid>,
) -> Result<Option<content_containers::Model>, DbErr> {
    let mut eligible: Vec<(content_containers::Model, ads_content::Model)> =
        creatives::cleared_with_content(conn, org)
            .await?
            .into_iter()
            .filter(|(container, content)| {
                !shown.contains(&container.id)
                    && super::creative_eligible(container, Some(content)).unwrap_or(false)
            })
            .collect();
    eligible.sort_by(|(a, ac), (b, bc)| {
        let included = |c: &ads_content::Model| c.override_mode() == Ok(Some(OverrideMode::Include));
        included(bc)
            .cmp(&included(ac))
            .then(bc.organic_score.total_cmp(&ac.organic_score))
            .then(b.id.cmp(&a.id))
    });
    Ok(eligible.into_iter().next().map(|(container, _)| container))
}

impl Services {
    /// Runs a cycle for every organization every `every`, until the runtime stops.
    ///
    /// On PostgreSQL each organization's cycle holds a transaction-scoped advisory lock, so when
    /// several instances run the schedule, one of them runs each organization's cycle.
    pub fn spawn_optimizer_schedule(&self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        self.spawn_periodic(every, super::periodic::FirstRun::AfterOnePeriod, |services| async move {
            if let Err(error) = services.run_schedule().await {
                tracing::warn!(?error, "scheduled optimizer cycle failed");
            }
        })
    }

    async fn run_schedule(&self) -> Result<(), ApiError> {
        for org in organizations::all_ids(&self.db).await? {
            if self.db.get_database_backend() != DbBackend::Postgres {
                self.run_optimizer(org, Trigger::Schedule, None).await?;
                continue;
            }
            let lock = crate::store::begin(&self.db).await?;
            if store::try_lock_schedule(&lock, org).await? {
                self.run_optimizer(org, Trigger::Schedule, None).await?;
            }
            lock.commit().await?;
        }
        Ok(())
    }
}
