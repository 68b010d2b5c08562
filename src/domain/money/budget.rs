//! Campaign budgets: daily xor lifetime, and the platform minimums.
//!
//! Input rules only: this module says whether a budget input is well formed and what the
//! platform minimum is; it must not gate writes (the gate's safety checks compare against
//! these numbers).

use std::fmt;

use super::{Currency, MoneyError, validate_amount};
use crate::domain::Platform;

/// Whether a budget is spent per day or over the campaign's whole life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetKind {
    /// Spent per day.
    Daily,
    /// Spent over the campaign's whole life.
    Lifetime,
}

impl BudgetKind {
    /// The lowercase code (`daily`, `lifetime`).
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetKind::Daily => "daily",
            BudgetKind::Lifetime => "lifetime",
        }
    }

    /// The API input field that carries this kind of budget.
    pub fn field(self) -> &'static str {
        match self {
            BudgetKind::Daily => "dailyBudgetCents",
            BudgetKind::Lifetime => "lifetimeBudgetCents",
        }
    }
}

impl fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A campaign budget in minor units: exactly one of daily or lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// A daily budget.
    Daily(i64),
    /// A lifetime budget.
    Lifetime(i64),
}

impl Budget {
    /// The amount in minor units.
    pub fn cents(self) -> i64 {
        match self {
            Budget::Daily(cents) | Budget::Lifetime(cents) => cents,
        }
    }

    /// Daily or lifetime.
    pub fn kind(self) -> BudgetKind {
        match self {
            Budget::Daily(_) => BudgetKind::Daily,
            Budget::Lifetime(_) => BudgetKind::Lifetime,
        }
    }

    /// The lowercase kind code (`daily`, `lifetime`).
    pub fn kind_str(self) -> &'static str {
        self.kind().as_str()
    }

    /// The budget from the two optional input fields: exactly one must be given, positive and
    /// no larger than [`super::MAX_MINOR_UNITS`].
    pub fn from_input(daily: Option<i64>, lifetime: Option<i64>) -> Result<Budget, BudgetInputError> {
        let (kind, amount) = match (daily, lifetime) {
            (Some(_), Some(_)) => return Err(BudgetInputError::BothBudgets),
            (None, None) => return Err(BudgetInputError::NoBudget),
            (Some(amount), None) => (BudgetKind::Daily, amount),
            (None, Some(amount)) => (BudgetKind::Lifetime, amount),
        };
        let cents = validate_amount(amount).map_err(|e| BudgetInputError::Money(kind, e))?;
        Ok(match kind {
            BudgetKind::Daily => Budget::Daily(cents),
            BudgetKind::Lifetime => Budget::Lifetime(cents),
        })
    }
}

/// Why a budget input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetInputError {
    /// Both a daily and a lifetime budget were given.
    #[error("give either a daily or a lifetime budget, not both")]
    BothBudgets,
    /// Neither a daily nor a lifetime budget was given.
    #[error("a daily or a lifetime budget is required")]
    NoBudget,
    /// The amount of the given budget is not acceptable.
    #[error("invalid {0} budget: {1}")]
    Money(BudgetKind, MoneyError),
}

impl BudgetInputError {
    /// Stable code for user errors (`BUDGET_BOTH_GIVEN`, `BUDGET_MISSING`, or the money code).
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            BudgetInputError::BothBudgets => crate::domain::UserErrorCode::BudgetBothGiven,
            BudgetInputError::NoBudget => crate::domain::UserErrorCode::BudgetMissing,
            BudgetInputError::Money(_, error) => error.code(),
        }
    }

    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            BudgetInputError::BothBudgets | BudgetInputError::NoBudget => "dailyBudgetCents",
            BudgetInputError::Money(kind, _) => kind.field(),
        }
    }
}

/// The smallest budget a platform accepts, in minor units of `currency`.
///
/// | platform | daily | lifetime |
/// | --- | --- | --- |
/// | Meta | 1 major unit | 1 major unit |
/// | TikTok | TikTok's minimum in the currency (50 USD or its equivalent, [`super::tiktok_minimum_budget`]) | the same |
/// | Apple Search Ads | 1 major unit | 1 major unit (Apple takes no lifetime budget; that is refused as input) |
///
/// Minor units are major units × 10^(the currency's minor digits): USD 1 → 100, JPY 1 → 1,
/// KWD 1 → 1000.
pub fn minimum_budget(platform: Platform, kind: BudgetKind, currency: Currency) -> i64 {
    match (platform, kind) {
        (Platform::Tiktok, _) => super::tiktok_minimum_budget(currency),
        (Platform::Meta | Platform::Apple, _) => currency.minor_per_major(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_budget_is_required() {
        assert_eq!(Budget::from_input(Some(5000), None), Ok(Budget::Daily(5000)));
        assert_eq!(Budget::from_input(None, Some(90_000)), Ok(Budget::Lifetime(90_000)));
        assert_eq!(Budget::from_input(Some(1), Some(1)), Err(BudgetInputError::BothBudgets));
        assert_eq!(Budget::from_input(None, None), Err(BudgetInputError::NoBudget));
    }

    #[test]
    fn amounts_are_validated_per_field() {
        let zero = Budget::from_input(Some(0), None);
        assert_eq!(zero, Err(BudgetInputError::Money(BudgetKind::Daily, MoneyError::Zero)));
        let negative = Budget::from_input(None, Some(-5));
        assert_eq!(negative, Err(BudgetInputError::Money(BudgetKind::Lifetime, MoneyError::Negative)));
        let huge = Budget::from_input(None, Some(i64::MAX));
        assert_eq!(huge, Err(BudgetInputError::Money(BudgetKind::Lifetime, MoneyError::Overflow)));
    }

    #[test]
    fn error_codes_and_fields() {
        let both = BudgetInputError::BothBudgets;
        assert_eq!((both.code().as_str(), both.field()), ("BUDGET_BOTH_GIVEN", "dailyBudgetCents"));
        let none = BudgetInputError::NoBudget;
        assert_eq!((none.code().as_str(), none.field()), ("BUDGET_MISSING", "dailyBudgetCents"));
        let money = BudgetInputError::Money(BudgetKind::Lifetime, MoneyError::Negative);
        assert_eq!((money.code().as_str(), money.field()), ("MONEY_NEGATIVE", "lifetimeBudgetCents"));
        assert_eq!(money.to_string(), "invalid lifetime budget: the amount must not be negative");
        let daily = BudgetInputError::Money(BudgetKind::Daily, MoneyError::Zero);
        assert_eq!((daily.code().as_str(), daily.field()), ("MONEY_ZERO", "dailyBudgetCents"));
    }

    #[test]
    fn budget_accessors() {
        assert_eq!(Budget::Daily(5000).cents(), 5000);
        assert_eq!(Budget::Lifetime(7).cents(), 7);
        assert_eq!(Budget::Daily(1).kind_str(), "daily");
        assert_eq!(Budget::Lifetime(1).kind_str(), "lifetime");
        assert_eq!(Budget::Lifetime(1).kind(), BudgetKind::Lifetime);
    }

    #[test]
    fn minimums_per_platform_and_currency() {
        let usd = Currency::USD;
        let jpy = Currency::parse("JPY").unwrap_or(usd);
        let kwd = Currency::parse("KWD").unwrap_or(usd);
        assert_eq!(jpy.code(), "JPY");
        assert_eq!(kwd.code(), "KWD");
        let cases = [
            (Platform::Meta, BudgetKind::Daily, usd, 100),
            (Platform::Meta, BudgetKind::Lifetime, usd, 100),
            (Platform::Tiktok, BudgetKind::Daily, usd, 5000),
            (Platform::Tiktok, BudgetKind::Lifetime, usd, 5000),
            (Platform::Apple, BudgetKind::Daily, usd, 100),
            (Platform::Meta, BudgetKind::Daily, jpy, 1),
            (Platform::Tiktok, BudgetKind::Daily, jpy, 7_000),
            (Platform::Tiktok, BudgetKind::Lifetime, kwd, 15_000),
            (Platform::Apple, BudgetKind::Daily, kwd, 1000),
        ];
        for (platform, kind, currency, expected) in cases {
            assert_eq!(minimum_budget(platform, kind, currency), expected, "{platform} {kind} {currency}");
        }
    }
}
