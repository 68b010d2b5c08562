//! Input rules for campaign writes: outcome, name, bidding, schedule, targeting.
//!
//! Malformed input is refused here, before the gate, with a typed error carrying a stable code
//! and a message fit for a dashboard user. This module must not decide whether a well-formed
//! write may happen (that is the gate) nor look at stored state.

mod bidding;
mod targeting;

use std::fmt;
use std::str::FromStr;

pub use bidding::{BidStrategy, BiddingError, validate_bidding};
pub use targeting::{MAX_COUNTRIES, Targeting, TargetingError, validate_targeting};

use super::money::Budget;
use super::{Platform, UnknownCode};

/// The longest campaign name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// What a campaign optimizes for, normalized across platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Purchases, sign-ups or other conversion events.
    Conversions,
    /// Clicks to a website or app.
    Traffic,
    /// App installs.
    AppInstalls,
}

impl Outcome {
    /// Every outcome, in a stable order.
    pub const ALL: [Outcome; 3] = [Outcome::Conversions, Outcome::Traffic, Outcome::AppInstalls];

    /// The lowercase code (`conversions`, `traffic`, `app_installs`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Conversions => "conversions",
            Outcome::Traffic => "traffic",
            Outcome::AppInstalls => "app_installs",
        }
    }

    /// Whether the platform can run this outcome: Apple Search Ads runs app installs only;
    /// Meta and TikTok run all three.
    pub fn supported_on(self, platform: Platform) -> bool {
        match platform {
            Platform::Apple => self == Outcome::AppInstalls,
            Platform::Meta | Platform::Tiktok => true,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// The platform's name as a dashboard user knows it.
fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Meta => "Meta",
        Platform::Tiktok => "TikTok",
        Platform::Apple => "Apple Search Ads",
    }
}

/// An input the chosen platform cannot run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlatformInputError {
    /// The outcome is not one the platform runs.
    #[error("{} cannot run the {} outcome", platform_name(*.platform), .outcome)]
    OutcomeUnsupported {
        /// The platform of the campaign.
        platform: Platform,
        /// The outcome asked for.
        outcome: Outcome,
    },
    /// The platform takes daily budgets only.
    #[error("{} takes daily budgets only", platform_name(*.0))]
    LifetimeBudgetUnsupported(Platform),
}

impl PlatformInputError {
    /// Stable code for user errors.
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            PlatformInputError::OutcomeUnsupported { .. } => crate::domain::UserErrorCode::OutcomeUnsupported,
            PlatformInputError::LifetimeBudgetUnsupported(_) => {
                crate::domain::UserErrorCode::BudgetLifetimeUnsupported
            }
        }
    }
}

/// The outcome, if the platform can run it.
pub fn validate_outcome(outcome: Outcome, platform: Platform) -> Result<Outcome, PlatformInputError> {
    if outcome.supported_on(platform) {
        Ok(outcome)
    } else {
        Err(PlatformInputError::OutcomeUnsupported { platform, outcome })
    }
}

/// The budget, if the platform takes its kind: Apple Search Ads takes no lifetime budget.
pub fn validate_budget_kind(budget: Budget, platform: Platform) -> Result<Budget, PlatformInputError> {
    match (platform, budget) {
        (Platform::Apple, Budget::Lifetime(_)) => {
            Err(PlatformInputError::LifetimeBudgetUnsupported(platform))
        }
        _ => Ok(budget),
    }
}

/// Why a campaign name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but whitespace.
    #[error("the name must not be empty")]
    Empty,
    /// Longer than [`MAX_NAME_CHARS`] characters.
    #[error("the name must be at most 255 characters long")]
    TooLong,
    /// Contains control characters such as line breaks or tabs.
    #[error("the name must not contain control characters such as line breaks or tabs")]
    Invalid,
}

impl NameError {
    /// Stable code for user errors.
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            NameError::Empty => crate::domain::UserErrorCode::NameEmpty,
            NameError::TooLong => crate::domain::UserErrorCode::NameTooLong,
            NameError::Invalid => crate::domain::UserErrorCode::NameInvalid,
        }
    }
}

/// The name with surrounding whitespace removed, if it is non-empty, at most 255 characters
/// and free of control characters.
pub fn validate_name(name: &str) -> Result<String, NameError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::Invalid);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    Ok(name.to_owned())
}

/// Why a schedule was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The end is at or before the start.
    #[error("the schedule must end after it starts")]
    EndNotAfterStart,
}

impl ScheduleError {
    /// Stable code for user errors.
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            ScheduleError::EndNotAfterStart => crate::domain::UserErrorCode::ScheduleEndNotAfterStart,
        }
    }
}

/// Checks that a schedule (Unix seconds, either end open) ends strictly after it starts.
pub fn validate_schedule(start_unix: Option<i64>, end_unix: Option<i64>) -> Result<(), ScheduleError> {
    match (start_unix, end_unix) {
        (Some(start), Some(end)) if end <= start => Err(ScheduleError::EndNotAfterStart),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_per_platform() {
        for outcome in Outcome::ALL {
            assert!(outcome.supported_on(Platform::Meta));
            assert!(outcome.supported_on(Platform::Tiktok));
            assert_eq!(outcome.as_str().parse(), Ok(outcome));
        }
        assert!(Outcome::AppInstalls.supported_on(Platform::Apple));
        assert!(!Outcome::Conversions.supported_on(Platform::Apple));
        assert!(!Outcome::Traffic.supported_on(Platform::Apple));
        assert_eq!(Outcome::AppInstalls.as_str(), "app_installs");
        assert!("APP_INSTALLS".parse::<Outcome>().is_err());
    }

    #[test]
    fn platform_input_errors() {
        let err = validate_outcome(Outcome::Traffic, Platform::Apple);
        let expected =
            PlatformInputError::OutcomeUnsupported { platform: Platform::Apple, outcome: Outcome::Traffic };
        assert_eq!(err, Err(expected));
        assert_eq!(expected.code().as_str(), "OUTCOME_UNSUPPORTED");
        assert_eq!(expected.to_string(), "Apple Search Ads cannot run the traffic outcome");
        assert_eq!(validate_outcome(Outcome::Traffic, Platform::Tiktok), Ok(Outcome::Traffic));

        let lifetime = Budget::Lifetime(10_000);
        let refused = validate_budget_kind(lifetime, Platform::Apple);
        assert_eq!(refused, Err(PlatformInputError::LifetimeBudgetUnsupported(Platform::Apple)));
        assert_eq!(refused.map_err(|e| e.code().as_str()), Err("BUDGET_LIFETIME_UNSUPPORTED"));
        assert_eq!(validate_budget_kind(lifetime, Platform::Meta), Ok(lifetime));
        let daily = Budget::Daily(100);
        assert_eq!(validate_budget_kind(daily, Platform::Apple), Ok(daily));
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(validate_name("  Spring sale  "), Ok("Spring sale".to_owned()));
        assert_eq!(validate_name("   "), Err(NameError::Empty));
        assert_eq!(validate_name(""), Err(NameError::Empty));
        assert_eq!(validate_name("a\nb"), Err(NameError::Invalid));
        assert_eq!(validate_name("a\u{7}b"), Err(NameError::Invalid));
        let exact = "é".repeat(MAX_NAME_CHARS);
        assert_eq!(validate_name(&exact), Ok(exact.clone()));
        assert_eq!(validate_name(&format!("{exact}x")), Err(NameError::TooLong));
        assert_eq!(NameError::Empty.code().as_str(), "NAME_EMPTY");
        assert_eq!(NameError::TooLong.code().as_str(), "NAME_TOO_LONG");
        assert_eq!(NameError::Invalid.code().as_str(), "NAME_INVALID");
    }

    #[test]
    fn schedules_end_after_they_start() {
        assert_eq!(validate_schedule(None, None), Ok(()));
        assert_eq!(validate_schedule(Some(100), None), Ok(()));
        assert_eq!(validate_schedule(None, Some(100)), Ok(()));
        assert_eq!(validate_schedule(Some(100), Some(101)), Ok(()));
        assert_eq!(validate_schedule(Some(100), Some(100)), Err(ScheduleError::EndNotAfterStart));
        assert_eq!(validate_schedule(Some(100), Some(50)), Err(ScheduleError::EndNotAfterStart));
        assert_eq!(ScheduleError::EndNotAfterStart.code().as_str(), "SCHEDULE_END_NOT_AFTER_START");
    }
}
