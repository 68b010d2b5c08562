//! Mutation payloads: the verdict, the objects touched, and `userErrors`.

use async_graphql::{ID, SimpleObject};

use crate::error;
use crate::graphql::enums::{AuthorityAxis, Decision, UserErrorCode};
use crate::graphql::types::{Ad, AdSet, Campaign, Layer, PendingAction};
use crate::service::{VerdictRecord, WriteResult};

/// An expected failure, returned as data.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    /// Path to the input field at fault (`["input", "dailyBudgetCents"]`).
    pub field: Option<Vec<String>>,
    /// Stable code (`BUDGET_BOTH_GIVEN`, `NOT_FOUND`, `INVALID_ID`, ...).
    pub code: UserErrorCode,
    /// A sentence for the user.
    pub message: String,
}

impl From<error::UserError> for UserError {
    fn from(e: error::UserError) -> Self {
        UserError { field: e.field, code: e.code.into(), message: e.message }
    }
}

/// A gate decision. `id` is the `verdictId`: the audit row's id, to quote to support.
#[derive(SimpleObject, Debug, Clone)]
pub struct Verdict {
    /// The verdict id (UUID). For a dry run, an id that was never stored.
    pub id: ID,
    /// Allow, queue for approval, or deny.
    pub decision: Decision,
    /// The spec's lowercase reason code for denials (`authority_axis_off`, `kill_switch_active`,
    /// `scope_missing`, `customer_only`, `safety_check_failed:<check>`), as in the audit row.
    pub reason: Option<String>,
    /// The axis the write needed (`creative`, `tactical`, `structural`).
    pub axis: Option<String>,
    /// The same axis as an enum.
    pub axis_enum: Option<AuthorityAxis>,
    /// The checks that ran, in order, ending with `decided_by=<check>`.
    pub trace: Vec<String>,
    /// Whether this verdict was computed without recording or dispatching anything.
    pub dry_run: bool,
}

impl From<VerdictRecord> for Verdict {
    fn from(v: VerdictRecord) -> Self {
        Verdict {
            id: ID(v.id.to_string()),
            decision: v.decision.into(),
            reason: v.reason,
            axis: v.axis.map(|a| a.as_str().to_owned()),
            axis_enum: v.axis.map(Into::into),
            trace: v.trace,
            dry_run: v.dry_run,
        }
    }
}

fn user_errors(errors: Vec<error::UserError>) -> Vec<UserError> {
    errors.into_iter().map(Into::into).collect()
}

/// The answer to a gated ad write.
#[derive(SimpleObject, Debug, Clone)]
pub struct WritePayload {
    /// The decision; null when the input was rejected before the gate.
    pub verdict: Option<Verdict>,
    /// The campaign written or targeted, as it is now.
    pub campaign: Option<Campaign>,
    /// The ad set written or targeted, as it is now.
    pub ad_set: Option<AdSet>,
    /// The ad written or targeted, as it is now.
    pub ad: Option<Ad>,
    /// The pending action queued (or resolved).
    pub pending_action: Option<PendingAction>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
}

impl From<WriteResult> for WritePayload {
    fn from(r: WriteResult) -> Self {
        WritePayload {
            verdict: r.verdict.map(Into::into),
            campaign: r.campaign.map(Campaign::from),
            ad_set: r.ad_set.map(AdSet::from),
            ad: r.ad.map(Ad::from),
            pending_action: r.pending_action.map(PendingAction),
            user_errors: user_errors(r.user_errors),
        }
    }
}

/// The answer to a policy write (campaign authority, layer defaults).
#[derive(SimpleObject, Debug, Clone)]
pub struct PolicyPayload {
    /// The decision.
    pub verdict: Option<Verdict>,
    /// Whether the change took effect now (false when queued, denied or a dry run).
    pub applied: bool,
    /// The policy pending action, when a partner's raise was queued for the customer.
    pub pending_action: Option<PendingAction>,
    /// The campaign, for authority changes.
    pub campaign: Option<Campaign>,
    /// The layer, for defaults changes.
    pub layer: Option<Layer>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
}

impl From<WriteResult> for PolicyPayload {
    fn from(r: WriteResult) -> Self {
        PolicyPayload {
            verdict: r.verdict.map(Into::into),
            applied: r.applied,
            pending_action: r.pending_action.map(PendingAction),
            campaign: r.campaign.map(Campaign::from),
            layer: r.layer.map(Layer),
            user_errors: user_errors(r.user_errors),
        }
    }
}

/// The answer to a kill switch trip or release.
#[derive(SimpleObject, Debug, Clone)]
pub struct KillSwitchPayload {
    /// The decision (`customer_only` denials for everyone else).
    pub verdict: Option<Verdict>,
    /// The layer, with its kill switch as it is now.
    pub layer: Option<Layer>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
}

impl From<WriteResult> for KillSwitchPayload {
    fn from(r: WriteResult) -> Self {
        KillSwitchPayload {
            verdict: r.verdict.map(Into::into),
            layer: r.layer.map(Layer),
            user_errors: user_errors(r.user_errors),
        }
    }
}

/// The answer to a layer settings change.
#[derive(SimpleObject, Debug, Clone)]
pub struct LayerSettingsPayload {
    /// The decision (`customer_only` denials for everyone else).
    pub verdict: Option<Verdict>,
    /// The layer, with its settings as they are now.
    pub layer: Option<Layer>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
}

impl From<WriteResult> for LayerSettingsPayload {
    fn from(r: WriteResult) -> Self {
        LayerSettingsPayload {
            verdict: r.verdict.map(Into::into),
            layer: r.layer.map(Layer),
            user_errors: user_errors(r.user_errors),
        }
    }
}

/// The answer to a rejection.
#[derive(SimpleObject, Debug, Clone)]
pub struct RejectPayload {
    /// The decision.
    pub verdict: Option<Verdict>,
    /// The pending action, as it is now.
    pub pending_action: Option<PendingAction>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
}

impl From<WriteResult> for RejectPayload {
    fn from(r: WriteResult) -> Self {
        RejectPayload {
            verdict: r.verdict.map(Into::into),
            pending_action: r.pending_action.map(PendingAction),
            user_errors: user_errors(r.user_errors),
        }
    }
}

/// One item of a bulk approval or rejection.
#[derive(SimpleObject, Debug, Clone)]
pub struct PendingActionResult {
    /// The id as given.
    pub pending_action_id: ID,
    /// The decision on this item.
    pub verdict: Option<Verdict>,
    /// The pending action, as it is now.
    pub pending_action: Option<PendingAction>,
    /// The campaign, when approval dispatched a write to one.
    pub campaign: Option<Campaign>,
    /// Expected failures for this item.
    pub user_errors: Vec<UserError>,
}

impl PendingActionResult {
    /// The item result for `id`.
    pub fn new(id: ID, r: WriteResult) -> Self {
        PendingActionResult {
            pending_action_id: id,
            verdict: r.verdict.map(Into::into),
            pending_action: r.pending_action.map(PendingAction),
            campaign: r.campaign.map(Campaign::from),
            user_errors: user_errors(r.user_errors),
        }
    }
}

/// The answer to a bulk approval or rejection: one result per id, in order.
#[derive(SimpleObject, Debug, Clone)]
pub struct BulkPendingActionPayload {
    /// One result per id given.
    pub results: Vec<PendingActionResult>,
    /// Failures of the request as a whole (too many ids).
    pub user_errors: Vec<UserError>,
}
