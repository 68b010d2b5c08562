//! Ad classification (spec `creative-lifecycle.md`, "Live"): whether a live ad is `TOO_YOUNG`,
//! `LEARNING_PHASE`, `TOP_PERFORMER`, `HEALTHY`, `UNDERPERFORMING`, `FATIGUED` or `CRITICAL`,
//! from its daily metrics.
//!
//! Pure: no database, no clock. The caller passes the ad's age, its daily history and the median
//! CPA of its peers (the other ads of its ad set, or of the account: see [`median_cpa_cents`]),
//! and [`classify`] names one classification. This module must not decide what to do about it:
//! the optimizer cycle proposes prunes, and the gate's guardrails
//! ([`check_optimizer_prune`](crate::domain::gate::check_optimizer_prune)) still apply to them.
//!
//! # Terms
//!
//! - **CPA** (cost per acquisition) = spend ÷ conversions. No conversions but some spend is an
//!   *infinite* CPA (worse than any number); no spend and no conversions is *no data*.
//! - **Day 7 / day 1**: day 7 is the latest day in the history (highest `day_index`), day 1 the
//!   day `fatigue_window_days - 1` (6) before it, so the comparison rolls with the ad's age
//!   instead of looking only at its first week. Without a row for either day there is no
//!   comparison. Day 1 is a baseline only if it has spend and conversions.
//! - **Degraded by at least Y %**: day-7 CPA ≥ day-1 CPA × (100 + Y) / 100. An infinite day-7
//!   CPA counts as degraded by any amount for fatigue; see rule 2 for `CRITICAL`.
//! - **Recent CPA**: the CPA over the last `performance_window_days` (7) days of the history.
//! - **Target CPA**: the peer median passed in, when it is positive; otherwise there is none.
//!
//! # Rules, in order: the first that matches wins
//!
//! | # | classification | when (field names of [`Thresholds`]) |
//! | --- | --- | --- |
//! | 1 | `TOO_YOUNG` | `age_hours < min_age_hours` (72: the optimizer never prunes an ad under 3 days) |
//! | 2 | `CRITICAL` | the spend since the ad's last conversion (all of it if it never converted) is positive and ≥ `critical_spend_pct` % of the target CPA, or ≥ `critical_spend_floor_cents` without a target; **or** day 7 has conversions and its CPA is degraded by at least `critical_degradation_pct` % |
//! | 3 | `LEARNING_PHASE` | total conversions `< learning_conversions` **and** `age_hours < learning_max_age_hours` |
//! | 4 | `FATIGUED` | day-7 frequency `≥ fatigue_frequency` **and** day-7 CPA degraded by at least `fatigue_degradation_pct` %: both are needed |
//! | 5 | `HEALTHY` | no target CPA, or no spend and no conversions in the recent window: nothing to compare |
//! | 6 | `TOP_PERFORMER` | recent CPA ≤ `top_performer_max_pct` % of the target |
//! | 7 | `UNDERPERFORMING` | recent CPA ≥ `underperforming_min_pct` % of the target, or infinite |
//! | 8 | `HEALTHY` | otherwise |
//!
//! `CRITICAL` outranks `LEARNING_PHASE`: learning protects an ad from being judged on noisy
//! ratios, not from spending three target CPAs without a single conversion. Nothing outranks
//! `TOO_YOUNG`. A zero-conversion day 7 alone never makes an ad `CRITICAL` (rule 2 needs day 7
//! to have conversions): one dry day is common for small ads, and the spend-since-last-
//! conversion test, sized by the target CPA, is the rule for ads that stopped converting.
//!
//! # Arithmetic
//!
//! Comparisons are exact: CPAs are compared as fractions, cross-multiplied in `i128` (an `f64`
//! comparison only if a product would overflow, which needs amounts beyond any real account).
//! Nothing is rounded before a comparison. [`cpa_cents`] rounds half up, for display and for
//! the peer median. Frequency is an `f64` compared as is (a `NaN` frequency is never high).
//! Inputs are expected non-negative (the `ad_daily_metrics` CHECKs guarantee it).

mod cpa;
mod summary;
mod thresholds;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use crate::domain::UnknownCode;

pub use cpa::{Totals, cpa_cents, cpa_degradation_pct, median_cpa_cents, recent_totals};
pub use summary::{Summary, classify_peers};
pub use thresholds::{InvalidThresholds, Thresholds};

/// What the optimizer makes of a live ad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Classification {
    /// Live for less than 72 hours: not judged, never pruned.
    TooYoung,
    /// Still learning: too few conversions and too young for its ratios to mean much.
    LearningPhase,
    /// Recent CPA well below its peers' median.
    TopPerformer,
    /// Nothing wrong found.
    Healthy,
    /// Recent CPA well above its peers' median.
    Underperforming,
    /// High frequency and a day-7 CPA degraded against day 1: a candidate for refresh.
    Fatigued,
    /// Spending without converting, or its CPA collapsed: prune first.
    Critical,
}

impl Classification {
    /// Every classification, in the spec's order.
    pub const ALL: [Classification; 7] = [
        Classification::TooYoung,
        Classification::LearningPhase,
        Classification::TopPerformer,
        Classification::Healthy,
        Classification::Underperforming,
        Classification::Fatigued,
        Classification::Critical,
    ];

    /// The code as the spec writes it (`TOO_YOUNG`, `LEARNING_PHASE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::TooYoung => "TOO_YOUNG",
            Classification::LearningPhase => "LEARNING_PHASE",
            Classification::TopPerformer => "TOP_PERFORMER",
            Classification::Healthy => "HEALTHY",
            Classification::Underperforming => "UNDERPERFORMING",
            Classification::Fatigued => "FATIGUED",
            Classification::Critical => "CRITICAL",
        }
    }

    /// Whether the optimizer should propose pruning the ad (`FATIGUED` or `CRITICAL`).
    pub fn is_prune_candidate(self) -> bool {
        matches!(self, Classification::Fatigued | Classification::Critical)
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Classification {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Classification::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// One day of an ad's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct DailyMetrics {
    /// Days since the ad went live: 0 is its first day.
    pub day_index: u32,
    /// Impressions served that day.
    pub impressions: i64,
    /// Average impressions per person reached that day.
    pub frequency: f64,
    /// Spend that day, in the account currency's minor units.
    pub spend_cents: i64,
    /// Conversions attributed to that day.
    pub conversions: i64,
}

/// Classifies a live ad (rules and their order in the module doc).
///
/// `age_hours`: hours since the ad went live. `history`: its daily rows, one per day, in any
/// order. `peer_median_cpa_cents`: the target CPA, usually [`median_cpa_cents`] of its peers'
/// [`recent_totals`]; `None` or a non-positive value means there is no target.
pub fn classify(
    age_hours: i64,
    history: &[DailyMetrics],
    peer_median_cpa_cents: Option<i64>,
    t: &Thresholds,
) -> Classification {
    classify_summary(age_hours, &Summary::of(history, t), peer_median_cpa_cents, t)
}

/// [`classify`] from what the rules read of the history: a [`Summary`], whether computed here
/// ([`Summary::of`]) or aggregated by the database.
pub fn classify_summary(
    age_hours: i64,
    summary: &Summary,
    peer_median_cpa_cents: Option<i64>,
    t: &Thresholds,
) -> Classification {
    if age_hours < t.min_age_hours {
        return Classification::TooYoung;
    }
    let target = peer_median_cpa_cents.filter(|cpa| *cpa > 0);
    if is_critical(summary, target, t) {
        Classification::Critical
    } else if summary.conversions < t.learning_conversions && age_hours < t.learning_max_age_hours {
        Classification::LearningPhase
    } else if is_fatigued(summary, t) {
        Classification::Fatigued
    } else {
        performance(summary.recent, target, t)
    }
}

/// Rule 2: spending without converting, or a collapsed CPA.
fn is_critical(s: &Summary, target: Option<i64>, t: &Thresholds) -> bool {
    let burnt = s.dry_spend_cents > 0
        && match target {
            Some(target) => cpa::amount_at_least_pct(s.dry_spend_cents, target, t.critical_spend_pct),
            None => s.dry_spend_cents >= t.critical_spend_floor_cents,
        };
    burnt
        || s.compared.is_some_and(|(day1, day7)| {
            day7.conversions > 0 && cpa::degraded_by_at_least(&day1, &day7, t.critical_degradation_pct)
        })
}

/// Rule 4: high frequency on day 7 and a day-7 CPA degraded against day 1.
fn is_fatigued(s: &Summary, t: &Thresholds) -> bool {
    s.compared.is_some_and(|(day1, day7)| {
        day7.frequency >= t.fatigue_frequency
            && cpa::degraded_by_at_least(&day1, &day7, t.fatigue_degradation_pct)
    })
}

/// Rules 5 to 8: the recent CPA against the target.
fn performance(recent: Totals, target: Option<i64>, t: &Thresholds) -> Classification {
    match target {
        None => Classification::Healthy,
        Some(_) if recent.is_empty() => Classification::Healthy,
        Some(target) if recent.cpa_at_most_pct(target, t.top_performer_max_pct) => {
            Classification::TopPerformer
        }
        Some(target) if recent.cpa_at_least_pct(target, t.underperforming_min_pct) => {
            Classification::Underperforming
        }
        Some(_) => Classification::Healthy,
    }
}
