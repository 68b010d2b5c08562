//! Parsing mutation inputs into validated domain values, each failure a typed `UserError`.
//!
//! Malformed input is rejected here, before the gate: nothing is decided, written or audited.

use async_graphql::ID;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::Platform;
use crate::domain::UserErrorCode;
use crate::domain::campaign::{self, BidStrategy, Outcome, Targeting};
use crate::domain::money::Budget;
use crate::error::UserError;
use crate::ids::{self, NodeKind};

use super::inputs::TargetingInput;

/// A global id of `kind` in input field `field`.
pub fn id(kind: NodeKind, field: &str, value: &ID) -> Result<Uuid, UserError> {
    ids::decode(kind, value).map_err(|_| {
        UserError::field(
            field,
            UserErrorCode::InvalidId,
            format!("`{field}` is not a valid {} id", kind.type_name()),
        )
    })
}

/// A campaign or ad name.
pub fn name(field: &str, value: &str) -> Result<String, UserError> {
    campaign::validate_name(value).map_err(|err| UserError::field(field, err.code(), err.to_string()))
}

/// Exactly one of a daily or lifetime budget.
pub fn budget(daily: Option<i64>, lifetime: Option<i64>) -> Result<Budget, UserError> {
    Budget::from_input(daily, lifetime)
        .map_err(|err| UserError::field(err.field(), err.code(), err.to_string()))
}

/// A budget the platform can take, for an outcome it can run.
pub fn platform_fit(
    platform: Platform,
    outcome: Option<Outcome>,
    budget: Option<Budget>,
) -> Result<(), UserError> {
    if let Some(outcome) = outcome {
        campaign::validate_outcome(outcome, platform)
            .map_err(|err| UserError::field("outcome", err.code(), err.to_string()))?;
    }
    if let Some(budget) = budget {
        campaign::validate_budget_kind(budget, platform)
            .map_err(|err| UserError::field("lifetimeBudgetCents", err.code(), err.to_string()))?;
    }
    Ok(())
}

/// A daily budget amount alone (ad sets).
pub fn daily_amount(field: &str, cents: i64) -> Result<i64, UserError> {
    crate::domain::money::validate_amount(cents)
        .map_err(|err| UserError::field(field, err.code(), err.to_string()))
}

/// A bid strategy with its amount.
pub fn bidding(strategy: BidStrategy, amount: Option<i64>) -> Result<Option<i64>, UserError> {
    campaign::validate_bidding(strategy, amount)
        .map_err(|err| UserError::field("bidAmountCents", err.code(), err.to_string()))
}

/// Targeting.
pub fn targeting(input: &TargetingInput) -> Result<Targeting, UserError> {
    campaign::validate_targeting(&input.countries, input.age_min, input.age_max)
        .map_err(|err| UserError::field("targeting", err.code(), err.to_string()))
}

/// A schedule that ends after it starts.
pub fn schedule(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Result<(), UserError> {
    campaign::validate_schedule(start.map(|t| t.timestamp()), end.map(|t| t.timestamp()))
        .map_err(|err| UserError::field("endTime", err.code(), err.to_string()))
}

/// An optional free-text note (a reason), at most 1,000 characters and without NUL characters
/// (which PostgreSQL cannot store).
pub fn note(field: &str, value: Option<String>) -> Result<Option<String>, UserError> {
    match value {
        Some(text) if text.chars().count() > 1000 => Err(UserError::field(
            field,
            UserErrorCode::TextTooLong,
            format!("`{field}` is longer than 1000 characters"),
        )),
        Some(text) if text.contains('\0') => Err(UserError::field(
            field,
            UserErrorCode::TextInvalid,
            format!("`{field}` must not contain NUL characters"),
        )),
        other => Ok(other.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty())),
    }
}
