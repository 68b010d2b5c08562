//! The write gate and the approval gate (README.md, "The gate").
//!
//! Every ad write, whoever proposes it, is decided here from facts the caller gathered: who is
//! asking, their scopes, the kill switch, the authority in force and the safety results. The
//! gate is pure: it must not read or write state, and it does not check tenancy (the caller
//! answers "not found" before calling it, and the trace starts with `tenancy=ok`).

mod approval;
mod safety;
mod steps;
mod verdict;

pub use approval::{ApprovalInput, ApprovalVerdict, PendingStatus, decide_approval, decide_rejection};
pub use safety::{
    META_BUDGET_CHANGES_PER_HOUR, MIN_PRUNE_AGE_HOURS, SafetyCheck, SafetyResult, check_budget,
    check_budget_change_rate, check_optimizer_prune, check_transition,
};
pub(crate) use steps::require_scope;
pub(crate) use verdict::Trace;
pub use verdict::{Decision, DenyReason, Verdict};

use crate::domain::authority::{Axis, ResolvedAuthority};
use crate::domain::{ActorKind, Scope};

/// The facts the write gate decides from.
#[derive(Debug, Clone, Copy)]
pub struct WriteGateInput<'a> {
    /// Who proposes the write.
    pub actor: ActorKind,
    /// The partner key's scopes (ignored for other actors).
    pub scopes: &'a [Scope],
    /// Whether the target layer's kill switch is tripped.
    pub kill_switch_active: bool,
    /// The axis the write needs (README.md, "The gate": which axis a write needs).
    pub axis: Axis,
    /// The authority in force for the target.
    pub authority: ResolvedAuthority,
    /// Safety check results, in the order they ran.
    pub safety: &'a [SafetyResult],
}

/// Decides an ad write, in the order README.md's "The gate" lists: scope (partners need `ads:write`) → kill
/// switch → axis mode (`off` denies) → safety checks (first failure denies) → `allow` for
/// `auto`, `queue_for_approval` for `draft`.
///
/// Optimizer and system actors are gated exactly like customers (no scope check).
pub fn decide_write(input: &WriteGateInput) -> Verdict {
    let mut trace = Trace::start();
    let axis = Some(input.axis);
    match run_write_checks(input, &mut trace) {
        Ok(decision) => trace.finish(decision, None, "axis", axis),
        Err(reason) => trace.deny(reason, axis),
    }
}

/// The checks of [`decide_write`] after tenancy; `Ok` carries the axis mode's decision.
fn run_write_checks(input: &WriteGateInput, trace: &mut Trace) -> Result<Decision, DenyReason> {
    steps::require_scope(input.actor, input.scopes, Scope::AdsWrite, trace)?;
    steps::check_kill_switch(input.kill_switch_active, trace)?;
    let decision = steps::check_axis(input.axis, &input.authority, trace)?;
    steps::run_safety(input.safety, trace)?;
    Ok(decision)
}

#[cfg(test)]
mod tests;
