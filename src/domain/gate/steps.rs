//! The checks shared by the write gate, the approval gate and the policy gate.
//!
//! Each step records one trace entry and either lets the decision continue or names the deny
//! reason. Steps must not skip recording: the trace is what support reads.

use super::SafetyResult;
use super::verdict::{Decision, DenyReason, Trace};
use crate::domain::authority::{Axis, AxisMode, ResolvedAuthority};
use crate::domain::{ActorKind, Scope};

/// Partners need `needed`; every other actor is not subject to scopes.
pub(crate) fn require_scope(
    actor: ActorKind,
    scopes: &[Scope],
    needed: Scope,
    trace: &mut Trace,
) -> Result<(), DenyReason> {
    if actor != ActorKind::Partner {
        trace.record("scope", format_args!("not_required({})", actor.as_str()));
        return Ok(());
    }
    if scopes.contains(&needed) {
        trace.record("scope", format_args!("ok({})", needed.as_str()));
        Ok(())
    } else {
        trace.record("scope", format_args!("missing({})", needed.as_str()));
        Err(DenyReason::ScopeMissing)
    }
}

/// A tripped kill switch denies.
pub(crate) fn check_kill_switch(active: bool, trace: &mut Trace) -> Result<(), DenyReason> {
    if active {
        trace.record("kill_switch", "active");
        Err(DenyReason::KillSwitchActive)
    } else {
        trace.record("kill_switch", "released");
        Ok(())
    }
}

/// The decision the axis mode leads to if the safety checks pass; `off` denies.
pub(crate) fn check_axis(
    axis: Axis,
    authority: &ResolvedAuthority,
    trace: &mut Trace,
) -> Result<Decision, DenyReason> {
    let mode = authority.mode(axis);
    trace.record(format_args!("axis.{axis}"), format_args!("{mode}({})", authority.source.as_str()));
    match mode {
        AxisMode::Off => Err(DenyReason::AuthorityAxisOff),
        AxisMode::Draft => Ok(Decision::QueueForApproval),
        AxisMode::Auto => Ok(Decision::Allow),
    }
}

/// Records each safety result in order; the first failure denies and ends the run.
pub(crate) fn run_safety(results: &[SafetyResult], trace: &mut Trace) -> Result<(), DenyReason> {
    for result in results {
        let status = if result.passed { "ok" } else { "failed" };
        trace.record(format_args!("safety.{}", result.check), status);
        if !result.passed {
            return Err(DenyReason::SafetyCheckFailed(result.check));
        }
    }
    Ok(())
}
