//! Checks and conversions every request builder shares: ids, names, statuses, bids and money.
//!
//! Money leaves the product as integer minor units and is converted here, from the exact decimal
//! string the domain's money module produces, never through floating-point arithmetic. Nothing
//! here knows a platform's native field names.

use chrono::{DateTime, SecondsFormat, Utc};

use super::error::PlatformError;
use super::write::AccountContext;
use crate::domain::campaign::{BidStrategy, Targeting, validate_bidding};
use crate::domain::money::{Budget, Currency, to_major_string, validate_amount};
use crate::domain::status::EntityStatus;

/// The longest platform id accepted into a request path.
const MAX_ID_LEN: usize = 64;

/// Checks that a platform id is safe to put in a path (ASCII letters, digits, `_`, `-`).
pub(crate) fn require_id<'a>(field: &str, id: &'a str) -> Result<&'a str, PlatformError> {
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if well_formed { Ok(id) } else { Err(PlatformError::invalid(field, "not a valid platform id")) }
}

/// Checks that a name is not blank.
pub(crate) fn require_name(name: &str) -> Result<&str, PlatformError> {
    if name.trim().is_empty() { Err(PlatformError::invalid("name", "a name is required")) } else { Ok(name) }
}

/// The account's ad account id, without Meta's `act_` prefix if it was stored with it.
pub(crate) fn require_ad_account(account: &AccountContext) -> Result<&str, PlatformError> {
    let raw = account
        .ad_account_id
        .as_deref()
        .ok_or_else(|| PlatformError::invalid("adAccountId", "the layer has no ad account"))?;
    require_id("adAccountId", raw.strip_prefix("act_").unwrap_or(raw))
}

/// Checks that a new object is created `Active` or `Paused`.
pub(crate) fn require_create_status(status: &EntityStatus) -> Result<(), PlatformError> {
    match status {
        EntityStatus::Active | EntityStatus::Paused => Ok(()),
        EntityStatus::Archived | EntityStatus::Deleted => {
            Err(PlatformError::invalid("status", "a new object can only be created active or paused"))
        }
    }
}

/// Checks a bid strategy against its amount: caps need a positive amount, lowest cost takes none.
pub(crate) fn check_bid(
    strategy: &BidStrategy,
    amount_cents: Option<i64>,
) -> Result<Option<i64>, PlatformError> {
    validate_bidding(*strategy, amount_cents)
        .map_err(|err| PlatformError::invalid("bidAmountCents", err.to_string()))
}

/// The normalized field a budget came from.
pub(crate) fn budget_field(budget: &Budget) -> &'static str {
    budget.kind().field()
}

/// The budget's amount in minor units, checked positive and in range.
pub(crate) fn budget_cents(budget: &Budget) -> Result<i64, PlatformError> {
    positive_cents(budget_field(budget), budget.cents())
}

/// Checks that an amount of money is positive and in range.
pub(crate) fn positive_cents(field: &str, cents: i64) -> Result<i64, PlatformError> {
    validate_amount(cents).map_err(|err| PlatformError::invalid(field, err.to_string()))
}

/// The amount as an exact decimal string in major units (`5050` USD → `"50.50"`, JPY → `"5050"`).
pub(crate) fn major_string(field: &str, cents: i64, currency: &Currency) -> Result<String, PlatformError> {
    let cents = positive_cents(field, cents)?;
    to_major_string(cents, *currency).map_err(|err| PlatformError::invalid(field, err.to_string()))
}

/// The amount as a JSON number in major units, parsed from the exact decimal string.
///
/// The number is refused when JSON would print it differently from the exact decimal (an amount
/// too large to survive a double), so a platform never receives a rounded budget.
pub(crate) fn major_number(
    field: &str,
    cents: i64,
    currency: &Currency,
) -> Result<serde_json::Number, PlatformError> {
    let exact = major_string(field, cents, currency)?;
    let number: serde_json::Number =
        exact.parse().map_err(|_| PlatformError::invalid(field, "the amount is not a decimal number"))?;
    if same_decimal(&exact, &number.to_string()) {
        Ok(number)
    } else {
        Err(PlatformError::invalid(field, "the amount is too large to send exactly"))
    }
}

/// Whether two decimal strings denote the same value (trailing fractional zeros ignored).
pub(crate) fn same_decimal(left: &str, right: &str) -> bool {
    fn normalize(value: &str) -> &str {
        if value.contains('.') { value.trim_end_matches('0').trim_end_matches('.') } else { value }
    }
    normalize(left) == normalize(right)
}

/// An ISO 8601 timestamp in UTC with a `Z` suffix (`2026-03-01T00:00:00Z`).
pub(crate) fn iso8601(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Checks that a schedule does not end before it starts.
pub(crate) fn check_schedule(
    start: Option<&DateTime<Utc>>,
    end: Option<&DateTime<Utc>>,
) -> Result<(), PlatformError> {
    match (start, end) {
        (Some(start), Some(end)) if end <= start => {
            Err(PlatformError::invalid("endTime", "the end must be after the start"))
        }
        _ => Ok(()),
    }
}

/// Checks that countries are ISO 3166-1 alpha-2 codes (`US`).
pub(crate) fn check_countries(countries: &[String]) -> Result<(), PlatformError> {
    let well_formed =
        countries.iter().all(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()));
    if well_formed {
        Ok(())
    } else {
        Err(PlatformError::invalid(
            "targeting.countries",
            "countries are ISO 3166-1 alpha-2 codes such as US",
        ))
    }
}

/// Checks targeting: country codes, ages within 13–65 and in order.
pub(crate) fn check_targeting(targeting: &Targeting) -> Result<(), PlatformError> {
    check_countries(&targeting.countries)?;
    let in_range = |age: Option<u8>| age.is_none_or(|age| (13..=65).contains(&age));
    let ordered = match (targeting.age_min, targeting.age_max) {
        (Some(min), Some(max)) => min <= max,
        _ => true,
    };
    if in_range(targeting.age_min) && in_range(targeting.age_max) && ordered {
        Ok(())
    } else {
        Err(PlatformError::invalid("targeting.age", "ages must be between 13 and 65, minimum first"))
    }
}

/// The countries an ad set targets: its own, else the account's; at least one is required.
pub(crate) fn ad_set_countries<'a>(
    targeting: Option<&'a Targeting>,
    account: &'a AccountContext,
) -> Result<&'a [String], PlatformError> {
    let countries = match targeting {
        Some(targeting) if !targeting.countries.is_empty() => &targeting.countries,
        _ => &account.countries,
    };
    check_countries(countries)?;
    if countries.is_empty() {
        Err(PlatformError::invalid("targeting.countries", "at least one country is required"))
    } else {
        Ok(countries)
    }
}

/// A platform id sent as a string or a number.
pub(crate) fn id_string(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(id) if !id.is_empty() => Some(id.clone()),
        serde_json::Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}
