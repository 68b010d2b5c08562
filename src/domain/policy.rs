//! Policy writes (README.md, "The gate": policy writes): authority and layer defaults changes, and the kill switch.
//!
//! A customer's policy applies at once. A partner (with `ads:write:policy`) may lower modes at
//! once, but any raise is queued for the customer, so no partner can escalate itself past
//! customer policy. The kill switch is the customer's alone; no scope grants it. This module
//! decides only: it must not apply a change or queue it.

use crate::domain::authority::AuthorityBlock;
use crate::domain::gate::{Decision, DenyReason, Trace, Verdict, require_scope};
use crate::domain::{ActorKind, Scope};

/// True when any axis moves up (`off` < `draft` < `auto`).
pub fn is_raise(current: &AuthorityBlock, proposed: &AuthorityBlock) -> bool {
    proposed.creative > current.creative
        || proposed.tactical > current.tactical
        || proposed.structural > current.structural
}

/// True when a budget cap moves up; `None` means "no cap", so removing a cap is a raise too.
pub fn cap_is_raise(current: Option<i64>, proposed: Option<i64>) -> bool {
    match (current, proposed) {
        (Some(current), Some(proposed)) => proposed > current,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The facts the policy gate decides from.
#[derive(Debug, Clone, Copy)]
pub struct PolicyGateInput<'a> {
    /// Who proposes the change.
    pub actor: ActorKind,
    /// The partner key's scopes (ignored for other actors).
    pub scopes: &'a [Scope],
    /// Whether the change raises any mode or cap ([`is_raise`], [`cap_is_raise`]).
    pub raises: bool,
}

/// Decides an authority or layer defaults change: a customer's applies at once; a partner needs
/// `ads:write:policy`; for everyone but the customer a change that only lowers (or keeps) applies
/// at once and a raise is queued as a policy pending action only the customer can approve.
/// The optimizer and system are treated like a partner holding every scope.
pub fn decide_policy_change(input: &PolicyGateInput) -> Verdict {
    let mut trace = Trace::start();
    if let Err(reason) = require_scope(input.actor, input.scopes, Scope::AdsWritePolicy, &mut trace) {
        return trace.deny(reason, None);
    }
    trace.record("policy.raise", if input.raises { "yes" } else { "no" });
    if input.actor == ActorKind::Customer {
        trace.record("policy.owner", "customer");
        return trace.finish(Decision::Allow, None, "policy.owner", None);
    }
    let decision = if input.raises { Decision::QueueForApproval } else { Decision::Allow };
    trace.finish(decision, None, "policy.raise", None)
}

/// Decides a kill switch trip or release: the customer only; everyone else is denied
/// `customer_only`, whatever their scopes.
pub fn decide_kill_switch(actor: ActorKind) -> Verdict {
    decide_customer_only(actor)
}

/// Decides a change only the customer may make (the kill switch, the layer's settings):
/// everyone else is denied `customer_only`, whatever their scopes.
pub fn decide_customer_only(actor: ActorKind) -> Verdict {
    let mut trace = Trace::start();
    if actor == ActorKind::Customer {
        trace.record("customer_only", "ok");
        trace.finish(Decision::Allow, None, "customer_only", None)
    } else {
        trace.record("customer_only", format_args!("failed({})", actor.as_str()));
        trace.deny(DenyReason::CustomerOnly, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::authority::AxisMode::{self, Auto, Draft, Off};

    fn block(creative: AxisMode, tactical: AxisMode, structural: AxisMode) -> AuthorityBlock {
        AuthorityBlock { creative, tactical, structural }
    }

    #[test]
    fn raises_are_any_axis_moving_up() {
        let current = block(Draft, Draft, Draft);
        assert!(!is_raise(&current, &current));
        assert!(!is_raise(&current, &block(Off, Off, Off)));
        assert!(!is_raise(&current, &block(Off, Draft, Off)));
        assert!(is_raise(&current, &block(Auto, Draft, Draft)));
        assert!(is_raise(&current, &block(Draft, Auto, Draft)));
        assert!(is_raise(&current, &block(Draft, Draft, Auto)));
        assert!(is_raise(&current, &block(Off, Off, Auto)));
        assert!(is_raise(&block(Off, Off, Off), &block(Draft, Off, Off)));
        assert!(!is_raise(&block(Auto, Auto, Auto), &block(Auto, Auto, Auto)));
    }

    #[test]
    fn cap_raises() {
        assert!(cap_is_raise(Some(100), Some(101)));
        assert!(!cap_is_raise(Some(100), Some(100)));
        assert!(!cap_is_raise(Some(100), Some(99)));
        assert!(cap_is_raise(Some(100), None));
        assert!(!cap_is_raise(None, Some(100)));
        assert!(!cap_is_raise(None, None));
    }

    fn decide(actor: ActorKind, scopes: &[Scope], raises: bool) -> Verdict {
        decide_policy_change(&PolicyGateInput { actor, scopes, raises })
    }

    #[test]
    fn customer_policy_applies_at_once() {
        for raises in [false, true] {
            let verdict = decide(ActorKind::Customer, &[], raises);
            assert_eq!(verdict.decision, Decision::Allow);
            assert_eq!(verdict.reason, None);
            assert_eq!(verdict.decided_by(), Some("policy.owner"));
        }
        let raise = decide(ActorKind::Customer, &[], true);
        assert_eq!(
            raise.trace,
            [
                "tenancy=ok",
                "scope=not_required(customer)",
                "policy.raise=yes",
                "policy.owner=customer",
                "decided_by=policy.owner",
            ]
        );
    }

    #[test]
    fn partner_needs_the_policy_scope() {
        let scopes = [Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePending];
        for raises in [false, true] {
            let verdict = decide(ActorKind::Partner, &scopes, raises);
            assert_eq!(verdict.decision, Decision::Deny);
            assert_eq!(verdict.reason_code().as_deref(), Some("scope_missing"));
            assert_eq!(verdict.trace, ["tenancy=ok", "scope=missing(ads:write:policy)", "decided_by=scope"]);
        }
    }

    #[test]
    fn partner_lowers_at_once_and_raises_are_queued() {
        let scopes = [Scope::AdsWritePolicy];
        let lower = decide(ActorKind::Partner, &scopes, false);
        assert_eq!(lower.decision, Decision::Allow);
        assert_eq!(
            lower.trace,
            ["tenancy=ok", "scope=ok(ads:write:policy)", "policy.raise=no", "decided_by=policy.raise",]
        );
        let raise = decide(ActorKind::Partner, &scopes, true);
        assert_eq!(raise.decision, Decision::QueueForApproval);
        assert_eq!(raise.reason, None);
        assert_eq!(raise.trace[2], "policy.raise=yes");
    }

    #[test]
    fn optimizer_and_system_act_like_a_fully_scoped_partner() {
        for actor in [ActorKind::Optimizer, ActorKind::System] {
            let lower = decide(actor, &[], false);
            assert_eq!(lower.decision, Decision::Allow, "{actor:?}");
            let raise = decide(actor, &[], true);
            assert_eq!(raise.decision, Decision::QueueForApproval, "{actor:?}");
            assert_eq!(raise.trace[1], format!("scope=not_required({})", actor.as_str()));
        }
    }

    #[test]
    fn kill_switch_is_customer_only() {
        let customer = decide_kill_switch(ActorKind::Customer);
        assert_eq!(customer.decision, Decision::Allow);
        assert_eq!(customer.trace, ["tenancy=ok", "customer_only=ok", "decided_by=customer_only"]);
        for actor in [ActorKind::Partner, ActorKind::Optimizer, ActorKind::System] {
            let verdict = decide_kill_switch(actor);
            assert_eq!(verdict.decision, Decision::Deny);
            assert_eq!(verdict.reason_code().as_deref(), Some("customer_only"));
            assert_eq!(verdict.decided_by(), Some("customer_only"));
        }
    }
}
