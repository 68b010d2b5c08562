//! Bid strategy and bid amount input.
//!
//! Checks that a strategy comes with an amount exactly when it needs one; it must not know a
//! platform's bid limits (the platform reports those on dispatch).

use std::fmt;
use std::str::FromStr;

use crate::domain::UnknownCode;
use crate::domain::money::{MoneyError, validate_amount};

/// How the platform bids for the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidStrategy {
    /// Spend the budget for the most results; no bid amount.
    LowestCost,
    /// Keep the average cost per result near an amount.
    CostCap,
    /// Never bid above an amount.
    BidCap,
}

impl BidStrategy {
    /// Every strategy, in a stable order.
    pub const ALL: [BidStrategy; 3] = [BidStrategy::LowestCost, BidStrategy::CostCap, BidStrategy::BidCap];

    /// The lowercase code (`lowest_cost`, `cost_cap`, `bid_cap`).
    pub fn as_str(self) -> &'static str {
        match self {
            BidStrategy::LowestCost => "lowest_cost",
            BidStrategy::CostCap => "cost_cap",
            BidStrategy::BidCap => "bid_cap",
        }
    }

    /// Whether the strategy needs a bid amount.
    pub fn needs_amount(self) -> bool {
        self != BidStrategy::LowestCost
    }
}

impl fmt::Display for BidStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BidStrategy {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BidStrategy::ALL
            .into_iter()
            .find(|strategy| strategy.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// Why a bid strategy and amount were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BiddingError {
    /// A cost cap or bid cap without an amount.
    #[error("the {0} bid strategy needs a bid amount")]
    AmountRequired(BidStrategy),
    /// Lowest cost with an amount.
    #[error("the lowest_cost bid strategy takes no bid amount")]
    AmountNotAllowed,
    /// The bid amount is not acceptable.
    #[error("invalid bid amount: {0}")]
    Money(MoneyError),
}

impl BiddingError {
    /// Stable code for user errors (`BID_AMOUNT_REQUIRED`, `BID_AMOUNT_NOT_ALLOWED`, or the
    /// money code).
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            BiddingError::AmountRequired(_) => crate::domain::UserErrorCode::BidAmountRequired,
            BiddingError::AmountNotAllowed => crate::domain::UserErrorCode::BidAmountNotAllowed,
            BiddingError::Money(error) => error.code(),
        }
    }
}

/// The bid amount to store: `None` for lowest cost, a valid amount for cost cap and bid cap.
pub fn validate_bidding(
    strategy: BidStrategy,
    amount_cents: Option<i64>,
) -> Result<Option<i64>, BiddingError> {
    match (strategy.needs_amount(), amount_cents) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(BiddingError::AmountNotAllowed),
        (true, None) => Err(BiddingError::AmountRequired(strategy)),
        (true, Some(amount)) => validate_amount(amount).map(Some).map_err(BiddingError::Money),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidding_rules() {
        assert_eq!(validate_bidding(BidStrategy::LowestCost, None), Ok(None));
        assert_eq!(validate_bidding(BidStrategy::LowestCost, Some(100)), Err(BiddingError::AmountNotAllowed));
        for strategy in [BidStrategy::CostCap, BidStrategy::BidCap] {
            assert_eq!(validate_bidding(strategy, Some(250)), Ok(Some(250)));
            assert_eq!(validate_bidding(strategy, None), Err(BiddingError::AmountRequired(strategy)));
            assert_eq!(validate_bidding(strategy, Some(0)), Err(BiddingError::Money(MoneyError::Zero)));
            assert_eq!(
                validate_bidding(strategy, Some(-3)).map_err(|e| e.code().as_str()),
                Err("MONEY_NEGATIVE")
            );
        }
        assert_eq!(BiddingError::AmountNotAllowed.code().as_str(), "BID_AMOUNT_NOT_ALLOWED");
        let required = BiddingError::AmountRequired(BidStrategy::BidCap);
        assert_eq!(required.code().as_str(), "BID_AMOUNT_REQUIRED");
        assert_eq!(required.to_string(), "the bid_cap bid strategy needs a bid amount");
        for strategy in BidStrategy::ALL {
            assert_eq!(strategy.as_str().parse(), Ok(strategy));
        }
    }
}
