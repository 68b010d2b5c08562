//! The optimizer cycle: classify every live ad from its metrics, propose pruning the `FATIGUED`
//! and `CRITICAL` ones and launching the best eligible creative in their place, all as actor
//! `optimizer` through the gate on the creative axis (`auto` dispatches, `draft` queues for the
//! customer, `off` denies; the optimizer guardrails are the gate's safety checks).
//!
//! A proposal already waiting for approval is not proposed again, so running the cycle twice in a
//! row proposes nothing new.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{ads, ads_content, campaigns, content_containers, optimizer_runs, pending_actions};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::write::AdWrite;
use super::{Caller, Services};
use crate::domain::Platform;
use crate::domain::classification::{
    Classification, DailyMetrics, Thresholds, classify, median_cpa_cents, recent_totals,
};
use crate::domain::gate::PendingStatus;
use crate::error::ApiError;
use crate::store::metrics::histories;

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
        let waiting = waiting_proposals(&self.db, org).await?;
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
        let run = optimizer_runs::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            trigger: Set(match trigger {
                Trigger::Schedule => "schedule",
                Trigger::Manual => "manual",
            }
            .to_owned()),
            proposals: Set(serde_json::to_value(&proposals)?),
            started_at: Set(started_at),
            finished_at: Set(Some(Utc::now())),
        }
        .insert(&self.db)
        .await?;
        Ok(run)
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
        let shown: HashSet<Uuid> = ads::Entity::find()
            .filter(ads::Column::OrganizationId.eq(org))
            .filter(ads::Column::AdSetId.eq(ad_set_id))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|ad| ad.content_container_id)
            .collect();
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
    let mut campaigns = campaigns::Entity::find()
        .filter(campaigns::Column::OrganizationId.eq(org))
        .filter(campaigns::Column::Status.eq("active"));
    if let Some(platform) = platform {
        campaigns = campaigns.filter(campaigns::Column::Platform.eq(platform.as_str()));
    }
    let campaign_ids: Vec<Uuid> = campaigns.all(conn).await?.into_iter().map(|c| c.id).collect();
    ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::Status.eq("active"))
        .filter(ads::Column::CampaignId.is_in(campaign_ids))
        .all(conn)
        .await
}

/// `(action, target)` of every optimizer proposal still waiting: the pruned ad, or the ad set a
/// launch goes into.
async fn waiting_proposals<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
) -> Result<HashSet<(String, Uuid)>, DbErr> {
    let waiting = pending_actions::Entity::find()
        .filter(pending_actions::Column::OrganizationId.eq(org))
        .filter(pending_actions::Column::Status.eq(PendingStatus::Pending.as_str()))
        .filter(pending_actions::Column::Kind.is_in(["ad.prune", "ad.launch"]))
        .all(conn)
        .await?;
    Ok(waiting.into_iter().map(|action| (action.kind, action.target_id)).collect())
}

/// The best eligible creative of `org` not in `shown`: an `include` override first, then the
/// highest organic score, then the newest.
async fn best_creative<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    shown: &HashSet<Uuid>,
) -> Result<Option<content_containers::Model>, DbErr> {
    let rows = content_containers::Entity::find()
        .filter(content_containers::Column::OrganizationId.eq(org))
        .filter(content_containers::Column::Status.eq("completed"))
        .filter(content_containers::Column::ApprovalStatus.is_in(["approved", "not_required"]))
        .find_also_related(ads_content::Entity)
        .all(conn)
        .await?;
    let mut eligible: Vec<(content_containers::Model, ads_content::Model)> = rows
        .into_iter()
        .filter_map(|(container, content)| Some((container, content?)))
        .filter(|(container, content)| {
            !shown.contains(&container.id)
                && super::creative_eligible(container, Some(content)).unwrap_or(false)
        })
        .collect();
    eligible.sort_by(|(a, ac), (b, bc)| {
        let included = |c: &ads_content::Model| c.override_mode.as_deref() == Some("include");
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
        use sea_orm::{DbBackend, Statement, TransactionTrait};
        let organizations = entity::organizations::Entity::find().all(&self.db).await?;
        for org in organizations {
            if self.db.get_database_backend() != DbBackend::Postgres {
                self.run_optimizer(org.id, Trigger::Schedule, None).await?;
                continue;
            }
            let lock = self.db.begin().await?;
            let key =
                i64::from_be_bytes(org.id.as_bytes()[..8].try_into().unwrap_or([0; 8])) ^ SCHEDULE_LOCK_SALT;
            let row = lock
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_try_advisory_xact_lock($1) AS locked",
                    [key.into()],
                ))
                .await?;
            let locked = row.map(|row| row.try_get::<bool>("", "locked")).transpose()?.unwrap_or(false);
            if locked {
                self.run_optimizer(org.id, Trigger::Schedule, None).await?;
            }
            lock.commit().await?;
        }
        Ok(())
    }
}

/// Mixed into each organization's advisory lock key so it cannot collide with the migration lock.
const SCHEDULE_LOCK_SALT: i64 = 0x6f70_7469_6d69_7a65;
