//! `OptimizerRun`: one optimizer cycle and what it proposed.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::optimizer_runs;

use crate::ids::{self, NodeKind};
use crate::service::optimizer::Proposal;

/// A live ad's classification (documented thresholds: `domain::classification`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdClassification {
    /// Under 3 days live.
    TooYoung,
    /// Still learning: few conversions and under a week live.
    LearningPhase,
    /// Recent CPA well under its ad set's median.
    TopPerformer,
    /// Converting near its ad set's median.
    Healthy,
    /// Recent CPA well over its ad set's median.
    Underperforming,
    /// High frequency and day-7 CPA degraded against day 1.
    Fatigued,
    /// Spending without converting, or CPA doubled.
    Critical,
}

impl From<crate::domain::classification::Classification> for AdClassification {
    fn from(c: crate::domain::classification::Classification) -> Self {
        use crate::domain::classification::Classification as C;
        match c {
            C::TooYoung => AdClassification::TooYoung,
            C::LearningPhase => AdClassification::LearningPhase,
            C::TopPerformer => AdClassification::TopPerformer,
            C::Healthy => AdClassification::Healthy,
            C::Underperforming => AdClassification::Underperforming,
            C::Fatigued => AdClassification::Fatigued,
            C::Critical => AdClassification::Critical,
        }
    }
}

/// One proposal of an optimizer cycle.
#[derive(SimpleObject, Debug, Clone)]
pub struct OptimizerProposal {
    /// `ad.prune` or `ad.launch`.
    pub action: String,
    /// The ad to prune (global id).
    pub ad_id: Option<ID>,
    /// The ad set concerned (global id).
    pub ad_set_id: ID,
    /// The creative to launch (global id).
    pub creative_id: Option<ID>,
    /// The pruned ad's classification (`FATIGUED`, `CRITICAL`).
    pub classification: Option<String>,
    /// The gate's verdict id.
    pub verdict_id: Option<ID>,
    /// `allow`, `queue_for_approval` or `deny`.
    pub decision: Option<String>,
    /// Why it was denied (a guardrail names itself: `safety_check_failed:last_active_ad`).
    pub reason: Option<String>,
    /// Why it was not proposed again (`already_pending`).
    pub skipped: Option<String>,
}

impl From<Proposal> for OptimizerProposal {
    fn from(p: Proposal) -> Self {
        OptimizerProposal {
            action: p.action,
            ad_id: p.ad_id.map(|id| ID(ids::encode(NodeKind::Ad, id))),
            ad_set_id: ID(ids::encode(NodeKind::AdSet, p.ad_set_id)),
            creative_id: p.creative_id.map(|id| ID(ids::encode(NodeKind::Creative, id))),
            classification: p.classification,
            verdict_id: p.verdict_id.map(|id| ID(id.to_string())),
            decision: p.decision,
            reason: p.reason,
            skipped: p.skipped,
        }
    }
}

/// One optimizer cycle.
#[derive(Debug, Clone)]
pub struct OptimizerRun(pub optimizer_runs::Model);

#[Object]
impl OptimizerRun {
    /// Its id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// `schedule` or `manual`.
    async fn trigger(&self) -> &str {
        &self.0.trigger
    }

    /// What it proposed, and what the gate decided on each.
    async fn proposals(&self) -> Vec<OptimizerProposal> {
        serde_json::from_value::<Vec<Proposal>>(self.0.proposals.clone())
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }

    /// When it finished.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}
