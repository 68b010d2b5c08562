//! Approving and rejecting pending actions (README.md, "The gate": approving a pending action is gated again).
//!
//! Approval is itself gated: the action must still be pending, the approver entitled, and for
//! ad writes the kill switch, the axis, the target's version and the safety checks are looked
//! at again. This module decides the verdict and the status the action moves to; it must not
//! perform the compare-and-set that makes exactly one approval win (the store does).

use std::fmt;
use std::str::FromStr;

use super::SafetyResult;
use super::steps;
use super::verdict::{Decision, DenyReason, Trace, Verdict};
use crate::domain::authority::{Axis, ResolvedAuthority};
use crate::domain::{ActorKind, Scope, UnknownCode};

/// The status of a pending action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingStatus {
    /// Waiting for approval or rejection.
    Pending,
    /// Approved; dispatch is under way.
    Approved,
    /// Dispatched and accepted by the platform.
    Dispatched,
    /// Dispatched and refused by the platform, or interrupted: nothing changed. It can be
    /// approved again (a retry, through the whole approval gate) or rejected.
    Failed,
    /// Rejected by the customer or a partner.
    Rejected,
    /// Cancelled because its axis was turned off.
    Cancelled,
    /// The target changed since it was queued.
    Stale,
    /// Nobody decided before it expired.
    Expired,
    /// A newer proposal for the same target and field replaced it while it waited.
    Superseded,
}

impl PendingStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [PendingStatus; 9] = [
        PendingStatus::Pending,
        PendingStatus::Approved,
        PendingStatus::Dispatched,
        PendingStatus::Failed,
        PendingStatus::Rejected,
        PendingStatus::Cancelled,
        PendingStatus::Stale,
        PendingStatus::Expired,
        PendingStatus::Superseded,
    ];

    /// The lowercase code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PendingStatus::Pending => "pending",
            PendingStatus::Approved => "approved",
            PendingStatus::Dispatched => "dispatched",
            PendingStatus::Failed => "failed",
            PendingStatus::Rejected => "rejected",
            PendingStatus::Cancelled => "cancelled",
            PendingStatus::Stale => "stale",
            PendingStatus::Expired => "expired",
            PendingStatus::Superseded => "superseded",
        }
    }

    /// True when nothing can change the action any more (everything but pending, approved and
    /// failed).
    pub fn is_terminal(self) -> bool {
        !matches!(self, PendingStatus::Pending | PendingStatus::Approved | PendingStatus::Failed)
    }

    /// Whether an approval or a rejection can decide the action: it is pending, or its dispatch
    /// failed (approving it again retries it).
    pub fn is_decidable(self) -> bool {
        matches!(self, PendingStatus::Pending | PendingStatus::Failed)
    }
}

impl fmt::Display for PendingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PendingStatus {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PendingStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// The facts the approval gate decides from.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalInput<'a> {
    /// Who approves.
    pub actor: ActorKind,
    /// The partner key's scopes (ignored for other actors).
    pub scopes: &'a [Scope],
    /// The action's current status.
    pub status: PendingStatus,
    /// True for a policy action (an authority raise), which only the customer approves.
    pub is_policy: bool,
    /// Whether the target layer's kill switch is tripped now.
    pub kill_switch_active: bool,
    /// The axis an ad write needs (`None` for policy actions).
    pub axis: Option<Axis>,
    /// The authority in force now (`None` for policy actions).
    pub authority: Option<ResolvedAuthority>,
    /// Whether the target's version is still the one recorded when the action was queued.
    pub version_matches: bool,
    /// Safety results computed again now, in the order they ran.
    pub safety: &'a [SafetyResult],
}

/// An approval gate verdict and the status the pending action moves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalVerdict {
    /// The decision, reason and trace (`allow` means the approval wins).
    pub verdict: Verdict,
    /// The action's status after this decision (unchanged when nothing moves it).
    pub next_status: PendingStatus,
}

/// A denial and the status it leaves the action in.
struct Denial {
    reason: DenyReason,
    next: PendingStatus,
}

impl Denial {
    /// A denial that leaves the action as it is.
    fn keep(reason: DenyReason, status: PendingStatus) -> Denial {
        Denial { reason, next: status }
    }
}

/// Decides an approval, in this order: partner scope `ads:write:pending` → policy actions are
/// customer-only → the action must be pending, or failed (a retry) → for ad writes: kill switch
/// (status unchanged), axis now `off` (cancelled) → version moved (stale) → safety checks again
/// (status unchanged) → allow, approved. Policy actions skip the kill switch, axis and safety
/// checks but still go stale.
///
/// An ad write without an axis or authority cannot be judged: it is denied as
/// `authority_axis_off` and left pending.
pub fn decide_approval(input: &ApprovalInput) -> ApprovalVerdict {
    let mut trace = Trace::start();
    match run_approval_checks(input, &mut trace) {
        Ok(()) => ApprovalVerdict {
            verdict: trace.finish(Decision::Allow, None, "approval", input.axis),
            next_status: PendingStatus::Approved,
        },
        Err(denial) => {
            ApprovalVerdict { verdict: trace.deny(denial.reason, input.axis), next_status: denial.next }
        }
    }
}

/// The checks of [`decide_approval`] after tenancy.
fn run_approval_checks(input: &ApprovalInput, trace: &mut Trace) -> Result<(), Denial> {
    let status = input.status;
    check_approver(input.actor, input.scopes, input.is_policy, trace)
        .and_then(|()| check_pending(status, trace))
        .map_err(|reason| Denial::keep(reason, status))?;
    if !input.is_policy {
        recheck_ad_write(input, trace)?;
    }
    check_version(input.version_matches, trace)
        .map_err(|reason| Denial { reason, next: PendingStatus::Stale })?;
    if !input.is_policy {
        steps::run_safety(input.safety, trace).map_err(|reason| Denial::keep(reason, status))?;
    }
    Ok(())
}

/// Kill switch and axis, looked at again for an ad write.
fn recheck_ad_write(input: &ApprovalInput, trace: &mut Trace) -> Result<(), Denial> {
    let status = input.status;
    steps::check_kill_switch(input.kill_switch_active, trace)
        .map_err(|reason| Denial::keep(reason, status))?;
    let (Some(axis), Some(authority)) = (input.axis, input.authority) else {
        trace.record("axis", "unknown");
        return Err(Denial::keep(DenyReason::AuthorityAxisOff, status));
    };
    steps::check_axis(axis, &authority, trace)
        .map_err(|reason| Denial { reason, next: PendingStatus::Cancelled })?;
    Ok(())
}

/// Partners need `ads:write:pending`; policy actions also need the customer.
fn check_approver(
    actor: ActorKind,
    scopes: &[Scope],
    is_policy: bool,
    trace: &mut Trace,
) -> Result<(), DenyReason> {
    steps::require_scope(actor, scopes, Scope::AdsWritePending, trace)?;
    if !is_policy {
        return Ok(());
    }
    if actor == ActorKind::Customer {
        trace.record("customer_only", "ok");
        Ok(())
    } else {
        trace.record("customer_only", format_args!("failed({})", actor.as_str()));
        Err(DenyReason::CustomerOnly)
    }
}

/// Only a pending action, or one whose dispatch failed, can be decided.
fn check_pending(status: PendingStatus, trace: &mut Trace) -> Result<(), DenyReason> {
    trace.record("pending_status", status);
    if status.is_decidable() { Ok(()) } else { Err(DenyReason::NotPending) }
}

/// The target must not have changed since the action was queued.
fn check_version(version_matches: bool, trace: &mut Trace) -> Result<(), DenyReason> {
    if version_matches {
        trace.record("version", "ok");
        Ok(())
    } else {
        trace.record("version", "moved");
        Err(DenyReason::Stale)
    }
}

/// Decides a rejection: the same scope, customer-only and pending (or failed) rules as an
/// approval, then allow, with the action moving to rejected.
pub fn decide_rejection(
    actor: ActorKind,
    scopes: &[Scope],
    status: PendingStatus,
    is_policy: bool,
) -> ApprovalVerdict {
    let mut trace = Trace::start();
    let checks =
        check_approver(actor, scopes, is_policy, &mut trace).and_then(|()| check_pending(status, &mut trace));
    match checks {
        Ok(()) => ApprovalVerdict {
            verdict: trace.finish(Decision::Allow, None, "rejection", None),
            next_status: PendingStatus::Rejected,
        },
        Err(reason) => ApprovalVerdict { verdict: trace.deny(reason, None), next_status: status },
    }
}

#[cfg(test)]
mod tests;
