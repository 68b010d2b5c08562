//! GraphQL enums (SCREAMING_CASE on the wire) for the domain's enums: each names its domain
//! type with `#[graphql(remote = ...)]`, which derives the conversions both ways (a variant
//! missing on either side does not compile).

use async_graphql::Enum;

/// An ad platform.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::Platform")]
pub enum Platform {
    /// Meta (Facebook and Instagram) Marketing API.
    Meta,
    /// TikTok Business API.
    Tiktok,
    /// Apple Search Ads.
    Apple,
}

/// What an authority axis does with a write.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::authority::AxisMode")]
pub enum AxisMode {
    /// Deny (`authority_axis_off`).
    Off,
    /// Queue for the customer's approval.
    Draft,
    /// Dispatch now, after the safety checks.
    Auto,
}

/// The simplified create's modes: `MANUAL` → `OFF`, `DRAFT` → `DRAFT`, `AUTOPILOT` → `AUTO`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::authority::ManagementMode")]
pub enum ManagementMode {
    /// No automation: the customer drives every change.
    Manual,
    /// Queue everything for approval.
    Draft,
    /// Dispatch automatically.
    Autopilot,
}

/// The gate's decision.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::gate::Decision")]
pub enum Decision {
    /// Dispatched (or applied) now.
    Allow,
    /// Queued as a pending action for the customer's approval.
    QueueForApproval,
    /// Refused; see the reason.
    Deny,
}

/// What a campaign optimizes for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::campaign::Outcome")]
pub enum Outcome {
    /// Conversions (Meta `OUTCOME_SALES`, TikTok `CONVERSIONS`).
    Conversions,
    /// Traffic.
    Traffic,
    /// App installs (the only outcome Apple Search Ads runs).
    AppInstalls,
}

/// A status change.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::status::StatusAction")]
pub enum StatusAction {
    /// Stop delivery for now.
    Pause,
    /// Start delivery again after a pause.
    Resume,
    /// Stop for good, keeping the object for reporting.
    Archive,
    /// Delete.
    Delete,
}

/// The status of a campaign, ad set or ad.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::status::EntityStatus")]
pub enum EntityStatus {
    /// Delivering.
    Active,
    /// Paused.
    Paused,
    /// Archived.
    Archived,
    /// Deleted.
    Deleted,
}

/// Where a campaign's authority comes from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::authority::AuthoritySource")]
pub enum AuthoritySource {
    /// The campaign's own authority row.
    Campaign,
    /// Its layer's defaults block (the campaign has no row).
    LayerDefaults,
}

/// A bid strategy.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::campaign::BidStrategy")]
pub enum BidStrategy {
    /// Spend the budget at the lowest cost, no cap.
    LowestCost,
    /// Keep the average cost per result under a cap.
    CostCap,
    /// Never bid above a cap.
    BidCap,
}

/// The status of a pending action.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::gate::PendingStatus")]
pub enum PendingActionStatus {
    /// Waiting for approval.
    Pending,
    /// Approved; dispatch under way.
    Approved,
    /// Approved and accepted by the platform.
    Dispatched,
    /// Approved, but the platform refused it or the dispatch was interrupted: nothing changed. Approve it again to retry.
    Failed,
    /// Rejected by the customer (or a partner with `ads:write:pending`).
    Rejected,
    /// Can no longer apply (the axis was turned off, or the target is gone).
    Cancelled,
    /// The target changed since it was queued.
    Stale,
    /// Not approved in time.
    Expired,
    /// Replaced, while it waited, by a newer proposal for the same target and field.
    Superseded,
}

/// Who acted.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::ActorKind")]
pub enum ActorType {
    /// A dashboard user.
    Customer,
    /// A partner API key.
    Partner,
    /// Layers' optimizer.
    Optimizer,
    /// Layers itself.
    System,
}

/// An authority axis.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::authority::Axis")]
pub enum AuthorityAxis {
    /// Push, replace or prune creatives.
    Creative,
    /// Budget, bidding, schedule, targeting.
    Tactical,
    /// Create, pause, resume, archive, delete.
    Structural,
}

/// The code of a `userErrors` entry: stable, one per kind of expected failure.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::UserErrorCode")]
pub enum UserErrorCode {
    /// The caller's credentials are missing or do not verify.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// The request cannot be used as given.
    BadUserInput,
    /// Something failed on our side; nothing of it is shown.
    Internal,
    /// An id that is malformed or names another kind of object.
    InvalidId,
    /// The target does not exist or belongs to another organization (the two look the same).
    NotFound,
    /// A text longer than 1000 characters.
    TextTooLong,
    /// A text with NUL characters.
    TextInvalid,
    /// An empty or blank name.
    NameEmpty,
    /// A name longer than 255 characters.
    NameTooLong,
    /// A name with control characters (line breaks, tabs).
    NameInvalid,
    /// Both a daily and a lifetime budget.
    BudgetBothGiven,
    /// Neither a daily nor a lifetime budget.
    BudgetMissing,
    /// A lifetime budget on a platform without them (Apple).
    BudgetLifetimeUnsupported,
    /// An amount of zero where one is needed.
    MoneyZero,
    /// A negative amount.
    MoneyNegative,
    /// An amount too large to handle.
    MoneyOverflow,
    /// An amount finer than the currency's minor unit.
    MoneyTooPrecise,
    /// An amount that is not a plain decimal number.
    MoneyMalformed,
    /// An amount Meta's unit for the currency cannot hold (never rounded).
    MoneyNotExpressible,
    /// A currency code this service does not know.
    UnknownCurrency,
    /// A currency the platform does not take.
    CurrencyNotSupported,
    /// A currency change on a layer that has campaigns.
    CurrencyLocked,
    /// An outcome the platform cannot run.
    OutcomeUnsupported,
    /// A capped bid strategy without its amount.
    BidAmountRequired,
    /// An amount with the lowest-cost strategy.
    BidAmountNotAllowed,
    /// Targeting without a country.
    TargetingNoCountries,
    /// A country that is not an ISO 3166-1 alpha-2 code.
    TargetingInvalidCountry,
    /// More than 250 countries.
    TargetingTooManyCountries,
    /// An age outside 13 to 65.
    TargetingAgeOutOfRange,
    /// A minimum age above the maximum.
    TargetingAgeRangeInverted,
    /// A schedule that ends before it starts.
    ScheduleEndNotAfterStart,
    /// A status change the object's status does not allow.
    IllegalStatusTransition,
    /// Axis modes given together with `inheritDefaults`.
    AuthorityConflict,
    /// A layer setting of another platform.
    SettingNotForPlatform,
    /// A malformed layer setting.
    InvalidSetting,
    /// A write that needs a layer setting the layer lacks (the field names it).
    LayerSettingsRequired,
    /// A write the platform cannot express.
    UnsupportedByPlatform,
    /// More ids than one bulk call takes.
    TooManyIds,
    /// More than 400 days of metrics in one import.
    TooManyDays,
    /// A number of days to simulate outside 1 to 365.
    DaysOutOfRange,
    /// Negative or non-finite metrics.
    MetricsInvalid,
    /// A creative still being generated.
    CreativeProcessing,
    /// A creative whose generation failed.
    CreativeFailed,
    /// An archived creative.
    CreativeArchived,
    /// A creative approved already.
    AlreadyApproved,
    /// A creative that needs no approval.
    ApprovalNotRequired,
    /// A creative that needs approval and has none.
    NotApproved,
    /// A creative rejected already.
    AlreadyRejected,
    /// A creative archived already.
    AlreadyArchived,
    /// A creative still shown by active ads.
    CreativeHasActiveAds,
    /// A generation report for a creative no longer being generated.
    NotProcessing,
    /// A completed generation without its media URL.
    MediaUrlRequired,
    /// A media URL that is not an absolute https URL.
    MediaUrlInvalid,
    /// A failed generation without its reason.
    FailureReasonRequired,
    /// A generation report with fields of both outcomes.
    OutcomeConflict,
    /// A live write to a layer with no connected ad account.
    AdAccountNotConnected,
    /// A write through an Apple connection on the retired Campaign Management API v5.
    AppleApiRetired,
    /// A confirmation of a connection that is not waiting for one.
    AccountNotAwaitingCustomer,
    /// A change to a connection already disconnected.
    AccountDisconnected,
    /// Another write to the same platform object was in flight; nothing was sent.
    DispatchTargetBusy,
    /// The dispatch outlived its lease and the reconciler settled it (see the audit row).
    DispatchReconciled,
    /// The platform's answer is not known yet; the reconciler settles the write.
    DispatchOutcomePending,
    /// The platform failed for now (timeouts, 5xx) after every retry.
    PlatformTransient,
    /// The platform asked to wait longer than allowed.
    PlatformRateLimited,
    /// The connected account's authorization expired or was revoked.
    PlatformAuthExpired,
    /// The platform refused the write.
    PlatformPermanent,
    /// Whether the platform applied the write is not known.
    PlatformOutcomeUnknown,
    /// The platform found the write invalid.
    PlatformInvalidRequest,
}
