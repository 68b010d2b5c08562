//! The stable codes of `userErrors` (expected failures returned as data): one enum, so every
//! code a mutation can answer is listed in one place (and in the schema, through the GraphQL enum
//! `graphql::enums::UserErrorCode` that names this one as its remote). [`UserErrorCode::as_str`]
//! is the code on the wire, `SCREAMING_SNAKE_CASE`, the same as the variant's name.

use std::fmt;

/// Declares the codes with their wire strings and [`UserErrorCode::ALL`].
macro_rules! user_error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)+) => {
        /// A stable `userErrors` code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum UserErrorCode {
            $($(#[doc = $doc])* $variant,)+
        }

        impl UserErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &[UserErrorCode] = &[$(UserErrorCode::$variant,)+];

            /// The code on the wire (`BUDGET_BOTH_GIVEN`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(UserErrorCode::$variant => $code,)+
                }
            }
        }
    };
}

user_error_codes! {
    /// The caller's credentials are missing or do not verify.
    Unauthenticated = "UNAUTHENTICATED",
    /// The caller may not do this.
    Forbidden = "FORBIDDEN",
    /// The request cannot be used as given.
    BadUserInput = "BAD_USER_INPUT",
    /// Something failed on our side; nothing of it is shown.
    Internal = "INTERNAL",
    /// An id that is malformed or names another kind of object.
    InvalidId = "INVALID_ID",
    /// The target does not exist or belongs to another organization (the two look the same).
    NotFound = "NOT_FOUND",
    /// A text longer than 1000 characters.
    TextTooLong = "TEXT_TOO_LONG",
    /// A text with NUL characters.
    TextInvalid = "TEXT_INVALID",
    /// An empty or blank name.
    NameEmpty = "NAME_EMPTY",
    /// A name longer than 255 characters.
    NameTooLong = "NAME_TOO_LONG",
    /// A name with control characters (line breaks, tabs).
    NameInvalid = "NAME_INVALID",
    /// Both a daily and a lifetime budget.
    BudgetBothGiven = "BUDGET_BOTH_GIVEN",
    /// Neither a daily nor a lifetime budget.
    BudgetMissing = "BUDGET_MISSING",
    /// A lifetime budget on a platform without them (Apple).
    BudgetLifetimeUnsupported = "BUDGET_LIFETIME_UNSUPPORTED",
    /// An amount of zero where one is needed.
    MoneyZero = "MONEY_ZERO",
    /// A negative amount.
    MoneyNegative = "MONEY_NEGATIVE",
    /// An amount too large to handle.
    MoneyOverflow = "MONEY_OVERFLOW",
    /// An amount finer than the currency's minor unit.
    MoneyTooPrecise = "MONEY_TOO_PRECISE",
    /// An amount that is not a plain decimal number.
    MoneyMalformed = "MONEY_MALFORMED",
    /// An amount Meta's unit for the currency cannot hold (never rounded).
    MoneyNotExpressible = "MONEY_NOT_EXPRESSIBLE",
    /// A currency code this service does not know.
    UnknownCurrency = "UNKNOWN_CURRENCY",
    /// A currency the platform does not take.
    CurrencyNotSupported = "CURRENCY_NOT_SUPPORTED",
    /// A currency change on a layer that has campaigns.
    CurrencyLocked = "CURRENCY_LOCKED",
    /// An outcome the platform cannot run.
    OutcomeUnsupported = "OUTCOME_UNSUPPORTED",
    /// A capped bid strategy without its amount.
    BidAmountRequired = "BID_AMOUNT_REQUIRED",
    /// An amount with the lowest-cost strategy.
    BidAmountNotAllowed = "BID_AMOUNT_NOT_ALLOWED",
    /// Targeting without a country.
    TargetingNoCountries = "TARGETING_NO_COUNTRIES",
    /// A country that is not an ISO 3166-1 alpha-2 code.
    TargetingInvalidCountry = "TARGETING_INVALID_COUNTRY",
    /// More than 250 countries.
    TargetingTooManyCountries = "TARGETING_TOO_MANY_COUNTRIES",
    /// An age outside 13 to 65.
    TargetingAgeOutOfRange = "TARGETING_AGE_OUT_OF_RANGE",
    /// A minimum age above the maximum.
    TargetingAgeRangeInverted = "TARGETING_AGE_RANGE_INVERTED",
    /// A schedule that ends before it starts.
    ScheduleEndNotAfterStart = "SCHEDULE_END_NOT_AFTER_START",
    /// A status change the object's status does not allow.
    IllegalStatusTransition = "ILLEGAL_STATUS_TRANSITION",
    /// Axis modes given together with `inheritDefaults`.
    AuthorityConflict = "AUTHORITY_CONFLICT",
    /// A layer setting of another platform.
    SettingNotForPlatform = "SETTING_NOT_FOR_PLATFORM",
    /// A malformed layer setting.
    InvalidSetting = "INVALID_SETTING",
    /// A write that needs a layer setting the layer lacks (the field names it).
    LayerSettingsRequired = "LAYER_SETTINGS_REQUIRED",
    /// A write the platform cannot express.
    UnsupportedByPlatform = "UNSUPPORTED_BY_PLATFORM",
    /// More ids than one bulk call takes.
    TooManyIds = "TOO_MANY_IDS",
    /// More than 400 days of metrics in one import.
    TooManyDays = "TOO_MANY_DAYS",
    /// A number of days to simulate outside 1 to 365.
    DaysOutOfRange = "DAYS_OUT_OF_RANGE",
    /// Negative or non-finite metrics.
    MetricsInvalid = "METRICS_INVALID",
    /// A creative still being generated.
    CreativeProcessing = "CREATIVE_PROCESSING",
    /// A creative whose generation failed.
    CreativeFailed = "CREATIVE_FAILED",
    /// An archived creative.
    CreativeArchived = "CREATIVE_ARCHIVED",
    /// A creative approved already.
    AlreadyApproved = "ALREADY_APPROVED",
    /// A creative that needs no approval.
    ApprovalNotRequired = "APPROVAL_NOT_REQUIRED",
    /// A creative that needs approval and has none.
    NotApproved = "NOT_APPROVED",
    /// A creative rejected already.
    AlreadyRejected = "ALREADY_REJECTED",
    /// A creative archived already.
    AlreadyArchived = "ALREADY_ARCHIVED",
    /// A creative still shown by active ads.
    CreativeHasActiveAds = "CREATIVE_HAS_ACTIVE_ADS",
    /// A generation report for a creative no longer being generated.
    NotProcessing = "NOT_PROCESSING",
    /// A completed generation without its media URL.
    MediaUrlRequired = "MEDIA_URL_REQUIRED",
    /// A media URL that is not an absolute https URL.
    MediaUrlInvalid = "MEDIA_URL_INVALID",
    /// A failed generation without its reason.
    FailureReasonRequired = "FAILURE_REASON_REQUIRED",
    /// A generation report with fields of both outcomes.
    OutcomeConflict = "OUTCOME_CONFLICT",
    /// A live write to a layer with no connected ad account.
    AdAccountNotConnected = "AD_ACCOUNT_NOT_CONNECTED",
    /// A write through an Apple connection on the retired Campaign Management API v5.
    AppleApiRetired = "APPLE_API_RETIRED",
    /// A confirmation of a connection that is not waiting for one.
    AccountNotAwaitingCustomer = "ACCOUNT_NOT_AWAITING_CUSTOMER",
    /// A change to a connection already disconnected.
    AccountDisconnected = "ACCOUNT_DISCONNECTED",
    /// Another write to the same platform object was in flight; nothing was sent.
    DispatchTargetBusy = "DISPATCH_TARGET_BUSY",
    /// The dispatch outlived its lease and the reconciler settled it (see the audit row).
    DispatchReconciled = "DISPATCH_RECONCILED",
    /// The platform's answer is not known yet; the reconciler settles the write.
    DispatchOutcomePending = "DISPATCH_OUTCOME_PENDING",
    /// The platform failed for now (timeouts, 5xx) after every retry.
    PlatformTransient = "PLATFORM_TRANSIENT",
    /// The platform asked to wait longer than allowed.
    PlatformRateLimited = "PLATFORM_RATE_LIMITED",
    /// The connected account's authorization expired or was revoked.
    PlatformAuthExpired = "PLATFORM_AUTH_EXPIRED",
    /// The platform refused the write.
    PlatformPermanent = "PLATFORM_PERMANENT",
    /// Whether the platform applied the write is not known.
    PlatformOutcomeUnknown = "PLATFORM_OUTCOME_UNKNOWN",
    /// The platform found the write invalid.
    PlatformInvalidRequest = "PLATFORM_INVALID_REQUEST",
}

impl fmt::Display for UserErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::UserErrorCode;

    #[test]
    fn codes_are_distinct_screaming_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in UserErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(text.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'), "{text}");
        }
        assert_eq!(UserErrorCode::BudgetBothGiven.to_string(), "BUDGET_BOTH_GIVEN");
    }
}
