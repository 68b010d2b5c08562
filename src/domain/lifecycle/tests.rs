//! Table tests of the creative lifecycle: derived states, the state filter, eligibility,
//! transitions and who may make them.

use super::*;

fn facts(status: &'static str, approval: &'static str) -> CreativeFacts<'static> {
    CreativeFacts { container_status: status, approval_status: approval, ..Default::default() }
}

#[test]
fn derives_each_state() {
    assert_eq!(creative_state(&facts("processing", "pending")), CreativeState::Draft);
    assert_eq!(creative_state(&facts("failed", "pending")), CreativeState::Failed);
    assert_eq!(creative_state(&facts("completed", "pending")), CreativeState::Generated);
    assert_eq!(creative_state(&facts("completed", "rejected")), CreativeState::Generated);
    assert_eq!(creative_state(&facts("completed", "approved")), CreativeState::Approved);
    assert_eq!(creative_state(&facts("completed", "not_required")), CreativeState::Approved);
    let live = CreativeFacts { active_ads: 1, ads: 1, ..facts("completed", "approved") };
    assert_eq!(creative_state(&live), CreativeState::Live);
    assert_eq!(creative_state(&CreativeFacts { fatigued: true, ..live }), CreativeState::Fatigued);
    assert_eq!(creative_state(&CreativeFacts { active_ads: 0, ..live }), CreativeState::Disabled);
    assert_eq!(creative_state(&CreativeFacts { archived: true, ..live }), CreativeState::Archived);
}

/// Every combination of the facts a state depends on.
fn every_fact() -> Vec<CreativeFacts<'static>> {
    let mut all = Vec::new();
    for status in ["processing", "completed", "failed"] {
        for approval in ["not_required", "pending", "approved", "rejected"] {
            for archived in [false, true] {
                for (active_ads, ads) in [(0, 0), (0, 2), (1, 1), (1, 3)] {
                    for fatigued in [false, true] {
                        all.push(CreativeFacts {
                            container_status: status,
                            approval_status: approval,
                            archived,
                            active_ads,
                            ads,
                            fatigued,
                        });
                    }
                }
            }
        }
    }
    all
}

#[test]
fn each_state_condition_selects_exactly_that_state() {
    for f in every_fact() {
        let state = creative_state(&f);
        for candidate in CreativeState::ALL {
            assert_eq!(
                state_condition(candidate).matches(&f),
                candidate == state,
                "{candidate:?} against {f:?} (state {state:?})"
            );
        }
    }
}

fn eligible(status: &str, approval: &str, mode: Option<OverrideMode>, archived: bool) -> bool {
    is_eligible(&EligibilityFacts {
        container_status: status,
        approval_status: approval,
        has_content: status == "completed",
        override_mode: mode,
        archived,
    })
}

#[test]
fn eligibility() {
    assert!(eligible("completed", "not_required", None, false));
    assert!(eligible("completed", "approved", None, false));
    assert!(eligible("completed", "approved", Some(OverrideMode::Include), false));
    assert!(!eligible("completed", "pending", None, false));
    assert!(!eligible("completed", "rejected", None, false));
    assert!(
        !eligible("completed", "pending", Some(OverrideMode::Include), false),
        "include does not approve"
    );
    assert!(!eligible("completed", "approved", Some(OverrideMode::Exclude), false));
    assert!(!eligible("completed", "approved", None, true));
    assert!(!eligible("completed", "approved", Some(OverrideMode::Include), true));
    assert!(!eligible("processing", "not_required", None, false));
    assert!(!eligible("failed", "not_required", Some(OverrideMode::Include), false));
    let without_row = EligibilityFacts {
        container_status: "completed",
        approval_status: "approved",
        has_content: false,
        override_mode: None,
        archived: false,
    };
    assert!(!is_eligible(&without_row));
}

#[test]
fn approval_after_generation_follows_the_policy() {
    assert_eq!(approval_after_generation(true), "pending");
    assert_eq!(approval_after_generation(false), "not_required");
}

fn check(
    status: &str,
    approval: &str,
    archived: bool,
    active: u32,
    t: Transition,
) -> Result<(), &'static str> {
    let facts =
        TransitionFacts { container_status: status, approval_status: approval, archived, active_ads: active };
    check_transition(&facts, t).map_err(|error| error.code().as_str())
}

#[test]
fn approval_transitions() {
    use Transition::*;
    assert_eq!(check("completed", "pending", false, 0, Approve), Ok(()));
    assert_eq!(check("completed", "rejected", false, 0, Approve), Ok(()));
    assert_eq!(check("completed", "approved", false, 0, Approve), Err("ALREADY_APPROVED"));
    assert_eq!(check("completed", "not_required", false, 0, Approve), Err("APPROVAL_NOT_REQUIRED"));
    assert_eq!(check("completed", "approved", false, 1, Unapprove), Ok(()));
    assert_eq!(check("completed", "not_required", false, 0, Unapprove), Ok(()));
    assert_eq!(check("completed", "pending", false, 0, Unapprove), Err("NOT_APPROVED"));
    assert_eq!(check("completed", "rejected", false, 0, Unapprove), Err("NOT_APPROVED"));
    assert_eq!(check("completed", "pending", false, 0, Reject), Ok(()));
    assert_eq!(check("completed", "approved", false, 0, Reject), Ok(()));
    assert_eq!(check("completed", "rejected", false, 0, Reject), Err("ALREADY_REJECTED"));
    assert_eq!(Approve.target_approval(), Some("approved"));
    assert_eq!(Unapprove.target_approval(), Some("pending"));
    assert_eq!(Reject.target_approval(), Some("rejected"));
    assert_eq!(Archive.target_approval(), None);
}

#[test]
fn unfinished_failed_and_archived_creatives() {
    use Transition::*;
    for t in [Approve, Unapprove, Reject, SetOverride, Archive, Regenerate] {
        assert_eq!(check("processing", "pending", false, 0, t), Err("CREATIVE_PROCESSING"), "{t:?}");
    }
    for t in [Approve, Unapprove, Reject, SetOverride, Archive] {
        assert_eq!(check("failed", "pending", false, 0, t), Err("CREATIVE_FAILED"), "{t:?}");
    }
    assert_eq!(check("failed", "pending", false, 0, Regenerate), Ok(()));
    for t in [Approve, Unapprove, Reject, SetOverride] {
        assert_eq!(check("completed", "pending", true, 0, t), Err("CREATIVE_ARCHIVED"), "{t:?}");
    }
    assert_eq!(check("completed", "approved", true, 0, Archive), Err("ALREADY_ARCHIVED"));
    assert_eq!(check("completed", "approved", true, 0, Regenerate), Ok(()));
}

#[test]
fn archiving_needs_its_ads_paused() {
    assert_eq!(check("completed", "approved", false, 0, Transition::Archive), Ok(()));
    assert_eq!(check("completed", "approved", false, 2, Transition::Archive), Err("CREATIVE_HAS_ACTIVE_ADS"));
    assert_eq!(check("completed", "approved", false, 2, Transition::SetOverride), Ok(()));
}

#[test]
fn only_processing_creatives_complete() {
    assert_eq!(check_completion("processing"), Ok(()));
    assert_eq!(check_completion("completed"), Err(TransitionError::NotProcessing));
    assert_eq!(check_completion("failed").map_err(|error| error.code().as_str()), Err("NOT_PROCESSING"));
}

#[test]
fn override_codes_round_trip() {
    for mode in [OverrideMode::Include, OverrideMode::Exclude] {
        assert_eq!(mode.as_str().parse(), Ok(mode));
    }
    assert!("none".parse::<OverrideMode>().is_err());
}

#[test]
fn who_may_change_the_library() {
    let verdict = decide_creative_change(ActorKind::Customer, &[]);
    assert_eq!(verdict.decision, Decision::Allow);
    assert_eq!(verdict.trace, ["tenancy=ok", "scope=not_required(customer)", "decided_by=scope"]);
    let verdict = decide_creative_change(ActorKind::Partner, &[Scope::AdsWrite]);
    assert_eq!(verdict.decision, Decision::Allow);
    let verdict = decide_creative_change(ActorKind::Partner, &[Scope::AdsRead, Scope::AdsWritePolicy]);
    assert_eq!(verdict.decision, Decision::Deny);
    assert_eq!(verdict.reason_code().as_deref(), Some("scope_missing"));
    assert_eq!(verdict.decided_by(), Some("scope"));
    assert_eq!(decide_creative_change(ActorKind::System, &[]).decision, Decision::Allow);
}

#[test]
fn the_approval_policy_is_the_customers() {
    assert_eq!(decide_approval_policy(ActorKind::Customer).decision, Decision::Allow);
    for actor in [ActorKind::Partner, ActorKind::Optimizer, ActorKind::System] {
        let verdict = decide_approval_policy(actor);
        assert_eq!(verdict.decision, Decision::Deny, "{actor:?}");
        assert_eq!(verdict.reason_code().as_deref(), Some("customer_only"));
        assert_eq!(verdict.decided_by(), Some("customer_only"));
    }
}

#[test]
fn only_system_actors_report_generation() {
    let verdict = decide_generation_report(ActorKind::System).expect("system reports");
    assert_eq!(verdict.decision, Decision::Allow);
    assert_eq!(verdict.trace, ["tenancy=ok", "system_only=ok", "decided_by=system_only"]);
    for actor in [ActorKind::Customer, ActorKind::Partner, ActorKind::Optimizer] {
        assert_eq!(decide_generation_report(actor), None, "{actor:?}");
    }
}
