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
