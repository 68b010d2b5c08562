//! What the gate answers: a decision, the deny reason, and the trace of checks that ran.
//!
//! Shapes and their stable codes only; this module must not decide anything itself.

use std::fmt;
use std::str::FromStr;

use super::SafetyCheck;
use crate::domain::UnknownCode;
use crate::domain::authority::Axis;

/// The gate's answer to a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Dispatch now through the platform proxy.
    Allow,
    /// Queue a pending action for the customer to approve or reject.
    QueueForApproval,
    /// Refuse, with a reason.
    Deny,
}

impl Decision {
    /// Every decision, in a stable order.
    pub const ALL: [Decision; 3] = [Decision::Allow, Decision::QueueForApproval, Decision::Deny];

    /// The lowercase code stored in the audit row.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::QueueForApproval => "queue_for_approval",
            Decision::Deny => "deny",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decision::ALL
            .into_iter()
            .find(|decision| decision.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// Why the gate denied a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenyReason {
    /// A partner key lacks the scope the write needs.
    ScopeMissing,
    /// The layer's kill switch is tripped.
    KillSwitchActive,
    /// The axis the write needs is `off`.
    AuthorityAxisOff,
    /// Only the customer may do this.
    CustomerOnly,
    /// A state-dependent safety check failed.
    SafetyCheckFailed(SafetyCheck),
    /// The pending action is no longer pending.
    NotPending,
    /// The target changed since the pending action was queued.
    Stale,
    /// The target of a pending action no longer exists.
    TargetMissing,
}

impl DenyReason {
    /// The lowercase code stored in the audit row and shown to partners
    /// (`safety_check_failed:<check>` for safety checks).
    pub fn code(&self) -> String {
        match self {
            DenyReason::SafetyCheckFailed(check) => format!("safety_check_failed:{check}"),
            other => other.simple_code().to_owned(),
        }
    }

    /// The code of every reason but a failed safety check.
    fn simple_code(&self) -> &'static str {
        match self {
            DenyReason::ScopeMissing => "scope_missing",
            DenyReason::KillSwitchActive => "kill_switch_active",
            DenyReason::AuthorityAxisOff => "authority_axis_off",
            DenyReason::CustomerOnly => "customer_only",
            DenyReason::SafetyCheckFailed(_) => "safety_check_failed",
            DenyReason::NotPending => "not_pending",
            DenyReason::Stale => "stale",
            DenyReason::TargetMissing => "target_missing",
        }
    }

    /// The name of the check that produces this reason, as written in `decided_by=`.
    pub fn check_name(&self) -> String {
        match self {
            DenyReason::ScopeMissing => "scope".to_owned(),
            DenyReason::KillSwitchActive => "kill_switch".to_owned(),
            DenyReason::AuthorityAxisOff => "axis".to_owned(),
            DenyReason::CustomerOnly => "customer_only".to_owned(),
            DenyReason::SafetyCheckFailed(check) => format!("safety.{check}"),
            DenyReason::NotPending => "pending_status".to_owned(),
            DenyReason::Stale => "version".to_owned(),
            DenyReason::TargetMissing => "tenancy".to_owned(),
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl FromStr for DenyReason {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(check) = s.strip_prefix("safety_check_failed:") {
            return check.parse().map(DenyReason::SafetyCheckFailed);
        }
        [
            DenyReason::ScopeMissing,
            DenyReason::KillSwitchActive,
            DenyReason::AuthorityAxisOff,
            DenyReason::CustomerOnly,
            DenyReason::NotPending,
            DenyReason::Stale,
            DenyReason::TargetMissing,
        ]
        .into_iter()
        .find(|reason| reason.simple_code() == s)
        .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// A gate decision with its reason and the ordered checks that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Allow, queue or deny.
    pub decision: Decision,
    /// Why, when denied.
    pub reason: Option<DenyReason>,
    /// The authority axis the write needed, when it is an ad write.
    pub axis: Option<Axis>,
    /// One `name=result` entry per check that ran, in order, ending with `decided_by=<check>`.
    pub trace: Vec<String>,
}

impl Verdict {
    /// The deny reason's code (`authority_axis_off`, `safety_check_failed:ad_too_young`...).
    pub fn reason_code(&self) -> Option<String> {
        self.reason.as_ref().map(DenyReason::code)
    }

    /// The check that decided, read from the trace's last entry.
    pub fn decided_by(&self) -> Option<&str> {
        self.trace.last()?.strip_prefix("decided_by=")
    }
}

/// The checks recorded while a decision is being made.
#[derive(Debug)]
pub(crate) struct Trace(Vec<String>);

impl Trace {
    /// A trace that starts with `tenancy=ok` (the caller checks tenancy before the gate).
    pub(crate) fn start() -> Trace {
        Trace(vec!["tenancy=ok".to_owned()])
    }

    /// Records one check as `check=result`.
    pub(crate) fn record(&mut self, check: impl fmt::Display, result: impl fmt::Display) {
        self.0.push(format!("{check}={result}"));
    }

    /// The verdict, with `decided_by=<decided_by>` as the last trace entry.
    pub(crate) fn finish(
        mut self,
        decision: Decision,
        reason: Option<DenyReason>,
        decided_by: &str,
        axis: Option<Axis>,
    ) -> Verdict {
        self.record("decided_by", decided_by);
        Verdict { decision, reason, axis, trace: self.0 }
    }

    /// A deny verdict, decided by the check that produces `reason`.
    pub(crate) fn deny(self, reason: DenyReason, axis: Option<Axis>) -> Verdict {
        let decided_by = reason.check_name();
        self.finish(Decision::Deny, Some(reason), &decided_by, axis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_codes_round_trip() {
        for decision in Decision::ALL {
            assert_eq!(decision.as_str().parse(), Ok(decision));
        }
        assert_eq!(Decision::QueueForApproval.as_str(), "queue_for_approval");
        assert!("queue".parse::<Decision>().is_err());
    }

    #[test]
    fn deny_reason_codes() {
        let cases = [
            (DenyReason::ScopeMissing, "scope_missing", "scope"),
            (DenyReason::KillSwitchActive, "kill_switch_active", "kill_switch"),
            (DenyReason::AuthorityAxisOff, "authority_axis_off", "axis"),
            (DenyReason::CustomerOnly, "customer_only", "customer_only"),
            (
                DenyReason::SafetyCheckFailed(SafetyCheck::AdTooYoung),
                "safety_check_failed:ad_too_young",
                "safety.ad_too_young",
            ),
            (DenyReason::NotPending, "not_pending", "pending_status"),
            (DenyReason::Stale, "stale", "version"),
        ];
        for (reason, code, check) in cases {
            assert_eq!(reason.code(), code);
            assert_eq!(reason.to_string(), code);
            assert_eq!(reason.check_name(), check);
            assert_eq!(code.parse(), Ok(reason));
        }
        assert!("safety_check_failed".parse::<DenyReason>().is_err());
        assert!("safety_check_failed:nope".parse::<DenyReason>().is_err());
    }

    #[test]
    fn trace_ends_with_the_deciding_check() {
        let mut trace = Trace::start();
        trace.record("kill_switch", "active");
        let verdict = trace.deny(DenyReason::KillSwitchActive, Some(Axis::Tactical));
        assert_eq!(verdict.trace, ["tenancy=ok", "kill_switch=active", "decided_by=kill_switch"]);
        assert_eq!(verdict.decision, Decision::Deny);
        assert_eq!(verdict.reason_code().as_deref(), Some("kill_switch_active"));
        assert_eq!(verdict.decided_by(), Some("kill_switch"));
        assert_eq!(verdict.axis, Some(Axis::Tactical));
    }
}
