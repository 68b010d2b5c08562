//! Every branch of the approval and rejection gates.

use super::*;
use crate::domain::authority::{AuthorityBlock, AuthoritySource, AxisMode};
use crate::domain::gate::SafetyCheck;
use PendingStatus::{Approved, Cancelled, Pending, Rejected};

const PENDING_SCOPE: &[Scope] = &[Scope::AdsRead, Scope::AdsWritePending];
const NO_PENDING_SCOPE: &[Scope] = &[Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePolicy];

fn authority(mode: AxisMode) -> ResolvedAuthority {
    ResolvedAuthority { block: AuthorityBlock::uniform(mode), source: AuthoritySource::LayerDefaults }
}

/// A customer approving a pending tactical ad write under `draft`, all checks passing.
fn ad_write() -> ApprovalInput<'static> {
    ApprovalInput {
        actor: ActorKind::Customer,
        scopes: &[],
        status: Pending,
        is_policy: false,
        kill_switch_active: false,
        axis: Some(Axis::Tactical),
        authority: Some(authority(AxisMode::Draft)),
        version_matches: true,
        safety: &[],
    }
}

/// A customer approving a pending policy action, all checks passing.
fn policy() -> ApprovalInput<'static> {
    ApprovalInput { is_policy: true, axis: None, authority: None, ..ad_write() }
}

fn outcome(input: &ApprovalInput) -> (Decision, Option<String>, PendingStatus) {
    let result = decide_approval(input);
    (result.verdict.decision, result.verdict.reason_code(), result.next_status)
}

fn denied(reason: &str, next: PendingStatus) -> (Decision, Option<String>, PendingStatus) {
    (Decision::Deny, Some(reason.to_owned()), next)
}

const ALLOWED: (Decision, Option<String>, PendingStatus) = (Decision::Allow, None, Approved);

#[test]
fn allowed_ad_write_trace() {
    for mode in [AxisMode::Draft, AxisMode::Auto] {
        let input = ApprovalInput { authority: Some(authority(mode)), ..ad_write() };
        let result = decide_approval(&input);
        assert_eq!(outcome(&input), ALLOWED);
        assert_eq!(result.verdict.axis, Some(Axis::Tactical));
        let axis_entry = format!("axis.tactical={}(layer_defaults)", mode.as_str());
        assert_eq!(
            result.verdict.trace,
            [
                "tenancy=ok",
                "scope=not_required(customer)",
                "pending_status=pending",
                "kill_switch=released",
                axis_entry.as_str(),
                "version=ok",
                "decided_by=approval",
            ]
        );
    }
}

#[test]
fn partner_needs_the_pending_scope() {
    for is_policy in [false, true] {
        let input =
            ApprovalInput { actor: ActorKind::Partner, scopes: NO_PENDING_SCOPE, is_policy, ..ad_write() };
        assert_eq!(outcome(&input), denied("scope_missing", Pending));
        let trace = decide_approval(&input).verdict.trace;
        assert_eq!(trace, ["tenancy=ok", "scope=missing(ads:write:pending)", "decided_by=scope"]);
    }
    let with_scope = ApprovalInput { actor: ActorKind::Partner, scopes: PENDING_SCOPE, ..ad_write() };
    assert_eq!(outcome(&with_scope), ALLOWED);
}

#[test]
fn policy_actions_are_customer_only() {
    for actor in [ActorKind::Partner, ActorKind::Optimizer, ActorKind::System] {
        let input = ApprovalInput { actor, scopes: PENDING_SCOPE, ..policy() };
        assert_eq!(outcome(&input), denied("customer_only", Pending), "{actor:?}");
        let trace = decide_approval(&input).verdict.trace;
        assert_eq!(trace.last().map(String::as_str), Some("decided_by=customer_only"));
        assert!(trace.contains(&format!("customer_only=failed({})", actor.as_str())));
    }
    assert_eq!(outcome(&policy()), ALLOWED);
}

#[test]
fn only_pending_or_failed_actions_can_be_approved() {
    for status in PendingStatus::ALL.into_iter().filter(|s| !s.is_decidable()) {
        for input in [ad_write(), policy()] {
            let input = ApprovalInput { status, ..input };
            assert_eq!(outcome(&input), denied("not_pending", status), "{status}");
            let trace = decide_approval(&input).verdict.trace;
            assert!(trace.contains(&format!("pending_status={status}")));
        }
    }
}

#[test]
fn kill_switch_keeps_the_action_pending() {
    let input = ApprovalInput { kill_switch_active: true, version_matches: false, ..ad_write() };
    assert_eq!(outcome(&input), denied("kill_switch_active", Pending));
}

#[test]
fn axis_off_cancels_the_action() {
    let input =
        ApprovalInput { authority: Some(authority(AxisMode::Off)), version_matches: false, ..ad_write() };
    assert_eq!(outcome(&input), denied("authority_axis_off", Cancelled));
}

#[test]
fn unknown_axis_is_denied_without_cancelling() {
    let no_axis = ApprovalInput { axis: None, ..ad_write() };
    assert_eq!(outcome(&no_axis), denied("authority_axis_off", Pending));
    let no_authority = ApprovalInput { authority: None, ..ad_write() };
    assert_eq!(outcome(&no_authority), denied("authority_axis_off", Pending));
}

#[test]
fn moved_version_makes_the_action_stale() {
    for input in [ad_write(), policy()] {
        let input = ApprovalInput { version_matches: false, ..input };
        assert_eq!(outcome(&input), denied("stale", PendingStatus::Stale));
        let trace = decide_approval(&input).verdict.trace;
        assert_eq!(trace[trace.len() - 2..], ["version=moved", "decided_by=version"]);
    }
}

#[test]
fn failed_safety_check_keeps_the_action_pending() {
    let safety = [
        SafetyResult::new(SafetyCheck::BudgetBelowMinimum, true),
        SafetyResult::new(SafetyCheck::BudgetAboveCap, false),
    ];
    let input = ApprovalInput { safety: &safety, ..ad_write() };
    assert_eq!(outcome(&input), denied("safety_check_failed:budget_above_cap", Pending));
}

#[test]
fn policy_actions_skip_kill_switch_axis_and_safety() {
    let safety = [SafetyResult::new(SafetyCheck::LastActiveAd, false)];
    let input = ApprovalInput {
        kill_switch_active: true,
        authority: Some(authority(AxisMode::Off)),
        safety: &safety,
        ..policy()
    };
    assert_eq!(outcome(&input), ALLOWED);
    assert_eq!(
        decide_approval(&input).verdict.trace,
        [
            "tenancy=ok",
            "scope=not_required(customer)",
            "customer_only=ok",
            "pending_status=pending",
            "version=ok",
            "decided_by=approval",
        ]
    );
}

#[test]
fn rejection_rules() {
    let customer = decide_rejection(ActorKind::Customer, &[], Pending, true);
    assert_eq!(customer.verdict.decision, Decision::Allow);
    assert_eq!(customer.next_status, Rejected);
    assert_eq!(customer.verdict.trace.last().map(String::as_str), Some("decided_by=rejection"));

    let partner = decide_rejection(ActorKind::Partner, PENDING_SCOPE, Pending, false);
    assert_eq!(partner.next_status, Rejected);
    assert_eq!(partner.verdict.decision, Decision::Allow);

    let no_scope = decide_rejection(ActorKind::Partner, NO_PENDING_SCOPE, Pending, false);
    assert_eq!(no_scope.verdict.reason_code().as_deref(), Some("scope_missing"));
    assert_eq!(no_scope.next_status, Pending);

    let partner_policy = decide_rejection(ActorKind::Partner, PENDING_SCOPE, Pending, true);
    assert_eq!(partner_policy.verdict.reason_code().as_deref(), Some("customer_only"));
    assert_eq!(partner_policy.next_status, Pending);

    let done = decide_rejection(ActorKind::Customer, &[], Approved, false);
    assert_eq!(done.verdict.reason_code().as_deref(), Some("not_pending"));
    assert_eq!(done.next_status, Approved);
}

#[test]
fn statuses_round_trip_and_terminal() {
    let terminal = [
        (Pending, false),
        (Approved, false),
        (PendingStatus::Dispatched, true),
        (PendingStatus::Failed, false),
        (Rejected, true),
        (Cancelled, true),
        (PendingStatus::Stale, true),
        (PendingStatus::Expired, true),
        (PendingStatus::Superseded, true),
    ];
    for (status, expected) in terminal {
        assert_eq!(status.as_str().parse(), Ok(status));
        assert_eq!(status.is_terminal(), expected, "{status}");
    }
    assert_eq!(terminal.len(), PendingStatus::ALL.len());
    assert_eq!(PendingStatus::Cancelled.as_str(), "cancelled");
    assert!("canceled".parse::<PendingStatus>().is_err());
}

#[test]
fn a_failed_action_can_be_approved_again_or_rejected() {
    let failed = ApprovalInput { status: PendingStatus::Failed, ..ad_write() };
    assert_eq!(outcome(&failed), (Decision::Allow, None, Approved));
    assert!(decide_approval(&failed).verdict.trace.contains(&"pending_status=failed".to_owned()));
    let tripped = ApprovalInput { kill_switch_active: true, ..failed };
    assert_eq!(outcome(&tripped), denied("kill_switch_active", PendingStatus::Failed));
    let moved = ApprovalInput { version_matches: false, ..failed };
    assert_eq!(outcome(&moved), denied("stale", PendingStatus::Stale));
    let rejected = decide_rejection(ActorKind::Customer, &[], PendingStatus::Failed, false);
    assert_eq!(rejected.next_status, Rejected);
    for status in [PendingStatus::Dispatched, PendingStatus::Expired, Approved] {
        let again = ApprovalInput { status, ..ad_write() };
        assert_eq!(outcome(&again), denied("not_pending", status), "{status}");
    }
}
