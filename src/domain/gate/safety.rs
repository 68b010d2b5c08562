//! The gate's state-dependent safety checks (README.md, "The gate", step 5).
//!
//! The service reads the facts (budget, minimum, cap, status, ad age, active ads) and these
//! helpers turn them into pass/fail results the gate consumes in order. They must not read
//! state or decide the write themselves.

use std::fmt;
use std::str::FromStr;

use crate::domain::status::{EntityStatus, StatusAction, transition};
use crate::domain::{ActorKind, Platform, UnknownCode};

/// The youngest an ad may be, in hours, for the optimizer to pause or remove it (3 days).
pub const MIN_PRUNE_AGE_HOURS: i64 = 72;

/// Meta accepts at most this many budget changes per ad set within a rolling hour.
pub const META_BUDGET_CHANGES_PER_HOUR: u64 = 4;

/// A named safety check; a failure denies with `safety_check_failed:<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SafetyCheck {
    /// The budget is below the platform minimum.
    BudgetBelowMinimum,
    /// The budget is above the layer's cap.
    BudgetAboveCap,
    /// The status change is not a legal transition.
    StatusTransition,
    /// The optimizer wants to prune an ad under 3 days old.
    AdTooYoung,
    /// The optimizer wants to prune the last active ad of an ad set.
    LastActiveAd,
    /// The creative is not eligible to be shown: not generated, not approved (where approval is
    /// required), excluded, or archived.
    CreativeNotEligible,
    /// Meta already took its limit of budget changes for the ad sets within the last hour.
    MetaBudgetChangeRate,
}

impl SafetyCheck {
    /// Every check, in a stable order.
    pub const ALL: [SafetyCheck; 7] = [
        SafetyCheck::BudgetBelowMinimum,
        SafetyCheck::BudgetAboveCap,
        SafetyCheck::StatusTransition,
        SafetyCheck::AdTooYoung,
        SafetyCheck::LastActiveAd,
        SafetyCheck::CreativeNotEligible,
        SafetyCheck::MetaBudgetChangeRate,
    ];

    /// The lowercase name used in deny reasons and traces.
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyCheck::BudgetBelowMinimum => "budget_below_minimum",
            SafetyCheck::BudgetAboveCap => "budget_above_cap",
            SafetyCheck::StatusTransition => "status_transition",
            SafetyCheck::AdTooYoung => "ad_too_young",
            SafetyCheck::LastActiveAd => "last_active_ad",
            SafetyCheck::CreativeNotEligible => "creative_not_eligible",
            SafetyCheck::MetaBudgetChangeRate => "meta_budget_change_rate",
        }
    }
}

impl fmt::Display for SafetyCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SafetyCheck {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SafetyCheck::ALL
            .into_iter()
            .find(|check| check.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// The outcome of one safety check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SafetyResult {
    /// Which check ran.
    pub check: SafetyCheck,
    /// Whether the write passed it.
    pub passed: bool,
}

impl SafetyResult {
    /// A result of `check`.
    pub fn new(check: SafetyCheck, passed: bool) -> SafetyResult {
        SafetyResult { check, passed }
    }
}

/// Budget checks: at or above the platform `minimum` (else `BudgetBelowMinimum` fails) and at
/// or under the layer `cap` when there is one (else `BudgetAboveCap` fails). Both results are
/// returned, minimum first; no cap always passes.
pub fn check_budget(budget_minor: i64, minimum: i64, cap: Option<i64>) -> Vec<SafetyResult> {
    vec![
        SafetyResult::new(SafetyCheck::BudgetBelowMinimum, budget_minor >= minimum),
        SafetyResult::new(SafetyCheck::BudgetAboveCap, cap.is_none_or(|cap| budget_minor <= cap)),
    ]
}

/// Whether the status change is a legal transition (no resuming a deleted campaign).
pub fn check_transition(from: EntityStatus, action: StatusAction) -> SafetyResult {
    SafetyResult::new(SafetyCheck::StatusTransition, transition(from, action).is_ok())
}

/// The optimizer guardrails for pausing or removing an ad: the ad must be at least 72 hours
/// old (`AdTooYoung`) and must not be the last active ad of its ad set (`LastActiveAd`;
/// `active_ads_in_ad_set` counts the ad itself, so 1 or fewer fails). Other actors are not
/// subject to them: the result is empty.
pub fn check_optimizer_prune(
    actor: ActorKind,
    ad_age_hours: i64,
    active_ads_in_ad_set: u32,
) -> Vec<SafetyResult> {
    if actor != ActorKind::Optimizer {
        return Vec::new();
    }
    vec![
        SafetyResult::new(SafetyCheck::AdTooYoung, ad_age_hours >= MIN_PRUNE_AGE_HOURS),
        SafetyResult::new(SafetyCheck::LastActiveAd, active_ads_in_ad_set > 1),
    ]
}

/// Meta's budget-change limit, checked before any call: on Meta, a budget change passes only
/// while fewer than [`META_BUDGET_CHANGES_PER_HOUR`] budget changes of the same ad sets were
/// dispatched (or are in flight) within the last hour, so the fifth within the hour fails. A
/// campaign budget change changes the budget every ad set of the campaign spends from, so it
/// counts once for each of them: `recent_changes` is the campaign's budget changes. Other
/// platforms have no such limit: the result is empty.
pub fn check_budget_change_rate(platform: Platform, recent_changes: u64) -> Vec<SafetyResult> {
    if platform != Platform::Meta {
        return Vec::new();
    }
    vec![SafetyResult::new(SafetyCheck::MetaBudgetChangeRate, recent_changes < META_BUDGET_CHANGES_PER_HOUR)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passed(results: &[SafetyResult]) -> Vec<(SafetyCheck, bool)> {
        results.iter().map(|r| (r.check, r.passed)).collect()
    }

    #[test]
    fn budget_bounds_are_inclusive() {
        use SafetyCheck::{BudgetAboveCap as Cap, BudgetBelowMinimum as Min};
        let cases = [
            (100, 100, None, [(Min, true), (Cap, true)]),
            (99, 100, None, [(Min, false), (Cap, true)]),
            (500, 100, Some(500), [(Min, true), (Cap, true)]),
            (501, 100, Some(500), [(Min, true), (Cap, false)]),
            (50, 100, Some(40), [(Min, false), (Cap, false)]),
            (i64::MAX, 100, None, [(Min, true), (Cap, true)]),
        ];
        for (budget, minimum, cap, expected) in cases {
            assert_eq!(passed(&check_budget(budget, minimum, cap)), expected, "{budget} {minimum} {cap:?}");
        }
    }

    #[test]
    fn transitions_follow_the_lifecycle() {
        let ok = check_transition(EntityStatus::Active, StatusAction::Pause);
        assert_eq!(ok, SafetyResult::new(SafetyCheck::StatusTransition, true));
        let bad = check_transition(EntityStatus::Deleted, StatusAction::Resume);
        assert_eq!(bad, SafetyResult::new(SafetyCheck::StatusTransition, false));
    }

    #[test]
    fn optimizer_prune_guardrails() {
        use SafetyCheck::{AdTooYoung as Young, LastActiveAd as Last};
        let optimizer = ActorKind::Optimizer;
        let cases = [
            (72, 2, vec![(Young, true), (Last, true)]),
            (71, 2, vec![(Young, false), (Last, true)]),
            (500, 1, vec![(Young, true), (Last, false)]),
            (0, 0, vec![(Young, false), (Last, false)]),
        ];
        for (age, active, expected) in cases {
            assert_eq!(
                passed(&check_optimizer_prune(optimizer, age, active)),
                expected,
                "{age}h {active} active"
            );
        }
        for actor in [ActorKind::Customer, ActorKind::Partner, ActorKind::System] {
            assert!(check_optimizer_prune(actor, 1, 1).is_empty());
        }
    }

    #[test]
    fn meta_takes_four_budget_changes_an_hour() {
        let rate = SafetyCheck::MetaBudgetChangeRate;
        for (recent, passes) in [(0, true), (3, true), (4, false), (40, false)] {
            assert_eq!(
                passed(&check_budget_change_rate(Platform::Meta, recent)),
                [(rate, passes)],
                "{recent}"
            );
        }
        for platform in [Platform::Tiktok, Platform::Apple] {
            assert!(check_budget_change_rate(platform, 40).is_empty());
        }
        assert_eq!(rate.as_str(), "meta_budget_change_rate");
    }

    #[test]
    fn names_round_trip() {
        for check in SafetyCheck::ALL {
            assert_eq!(check.as_str().parse(), Ok(check));
        }
        assert_eq!(SafetyCheck::LastActiveAd.as_str(), "last_active_ad");
        assert_eq!(SafetyCheck::BudgetAboveCap.to_string(), "budget_above_cap");
    }
}
