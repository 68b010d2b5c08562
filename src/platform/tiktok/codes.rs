//! TikTok's codes for normalized values: objectives, app promotion types, optimization goals,
//! budget modes and operation statuses. Pure mappings.

use crate::domain::campaign::Outcome;
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;

/// TikTok's budget mode for a budget.
pub fn budget_mode(budget: &Budget) -> &'static str {
    match budget {
        Budget::Daily(_) => "BUDGET_MODE_DAY",
        Budget::Lifetime(_) => "BUDGET_MODE_TOTAL",
    }
}

/// TikTok's objective type for an outcome.
pub fn objective(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Conversions => "WEB_CONVERSIONS",
        Outcome::Traffic => "TRAFFIC",
        Outcome::AppInstalls => "APP_PROMOTION",
    }
}

/// The `app_promotion_type` an `APP_PROMOTION` campaign needs: installs are `APP_INSTALL`
/// (re-engagement would be `APP_RETARGETING`, an outcome this product does not offer).
pub fn app_promotion_type(outcome: &Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::AppInstalls => Some("APP_INSTALL"),
        Outcome::Conversions | Outcome::Traffic => None,
    }
}

/// The campaign-level `optimization_goal` campaign budget optimization needs, where TikTok
/// takes one at campaign level (conversions, installs).
pub fn campaign_optimization_goal(outcome: &Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Conversions => Some("CONVERT"),
        Outcome::AppInstalls => Some("INSTALL"),
        Outcome::Traffic => None,
    }
}

/// What an ad group optimizes for, and how it is billed, from its campaign's outcome.
pub fn optimization(outcome: &Outcome) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Conversions => ("CONVERT", "OCPM"),
        Outcome::Traffic => ("CLICK", "CPC"),
        Outcome::AppInstalls => ("INSTALL", "OCPM"),
    }
}

/// TikTok's operation status: archived has no TikTok equivalent and is disabled.
pub fn operation_status(status: &EntityStatus) -> &'static str {
    match status {
        EntityStatus::Active => "ENABLE",
        EntityStatus::Paused | EntityStatus::Archived => "DISABLE",
        EntityStatus::Deleted => "DELETE",
    }
}
