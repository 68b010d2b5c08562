//! The write gate matrix: every actor × kill switch × axis × mode, and the safety checks.

use super::*;
use crate::domain::authority::{AuthorityBlock, AuthoritySource, AxisMode};

/// The actors of the matrix; partners with and without `ads:write`.
#[derive(Debug, Clone, Copy)]
enum Who {
    Customer,
    PartnerWrite,
    PartnerNoWrite,
    Optimizer,
    System,
}

impl Who {
    fn actor(self) -> ActorKind {
        match self {
            Who::Customer => ActorKind::Customer,
            Who::PartnerWrite | Who::PartnerNoWrite => ActorKind::Partner,
            Who::Optimizer => ActorKind::Optimizer,
            Who::System => ActorKind::System,
        }
    }

    fn scopes(self) -> &'static [Scope] {
        match self {
            Who::PartnerWrite => &[Scope::AdsRead, Scope::AdsWrite],
            Who::PartnerNoWrite => &[Scope::AdsRead, Scope::AdsWritePending, Scope::AdsWritePolicy],
            // Scopes of non-partners are ignored: giving none proves it.
            _ => &[],
        }
    }

    fn scope_entry(self) -> &'static str {
        match self {
            Who::Customer => "scope=not_required(customer)",
            Who::PartnerWrite => "scope=ok(ads:write)",
            Who::PartnerNoWrite => "scope=missing(ads:write)",
            Who::Optimizer => "scope=not_required(optimizer)",
            Who::System => "scope=not_required(system)",
        }
    }
}

use AxisMode::{Auto, Draft, Off};
use Decision::{Allow, Deny, QueueForApproval as Queue};

/// One matrix row: who, kill switch, mode → decision, reason code, decided_by.
type Row = (Who, bool, AxisMode, Decision, Option<&'static str>, &'static str);

/// Every actor × kill switch × mode and its expected outcome, written out by hand.
const MATRIX: [Row; 30] = [
    (Who::Customer, false, Off, Deny, Some("authority_axis_off"), "axis"),
    (Who::Customer, false, Draft, Queue, None, "axis"),
    (Who::Customer, false, Auto, Allow, None, "axis"),
    (Who::Customer, true, Off, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::Customer, true, Draft, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::Customer, true, Auto, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::PartnerWrite, false, Off, Deny, Some("authority_axis_off"), "axis"),
    (Who::PartnerWrite, false, Draft, Queue, None, "axis"),
    (Who::PartnerWrite, false, Auto, Allow, None, "axis"),
    (Who::PartnerWrite, true, Off, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::PartnerWrite, true, Draft, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::PartnerWrite, true, Auto, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::PartnerNoWrite, false, Off, Deny, Some("scope_missing"), "scope"),
    (Who::PartnerNoWrite, false, Draft, Deny, Some("scope_missing"), "scope"),
    (Who::PartnerNoWrite, false, Auto, Deny, Some("scope_missing"), "scope"),
    (Who::PartnerNoWrite, true, Off, Deny, Some("scope_missing"), "scope"),
    (Who::PartnerNoWrite, true, Draft, Deny, Some("scope_missing"), "scope"),
    (Who::PartnerNoWrite, true, Auto, Deny, Some("scope_missing"), "scope"),
    (Who::Optimizer, false, Off, Deny, Some("authority_axis_off"), "axis"),
    (Who::Optimizer, false, Draft, Queue, None, "axis"),
    (Who::Optimizer, false, Auto, Allow, None, "axis"),
    (Who::Optimizer, true, Off, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::Optimizer, true, Draft, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::Optimizer, true, Auto, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::System, false, Off, Deny, Some("authority_axis_off"), "axis"),
    (Who::System, false, Draft, Queue, None, "axis"),
    (Who::System, false, Auto, Allow, None, "axis"),
    (Who::System, true, Off, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::System, true, Draft, Deny, Some("kill_switch_active"), "kill_switch"),
    (Who::System, true, Auto, Deny, Some("kill_switch_active"), "kill_switch"),
];

/// A block with `mode` on `axis` and a different mode on the other axes, so reading the
/// wrong axis changes the answer.
fn authority(axis: Axis, mode: AxisMode, source: AuthoritySource) -> ResolvedAuthority {
    let other = if mode == Auto { Off } else { Auto };
    let mut block = AuthorityBlock::uniform(other);
    match axis {
        Axis::Creative => block.creative = mode,
        Axis::Tactical => block.tactical = mode,
        Axis::Structural => block.structural = mode,
    }
    ResolvedAuthority { block, source }
}

/// The trace a matrix row must produce.
fn expected_trace(who: Who, kill: bool, axis_entry: &str, decided_by: &str) -> Vec<String> {
    let mut trace = vec!["tenancy=ok".to_owned(), who.scope_entry().to_owned()];
    if decided_by != "scope" {
        let kill_entry = if kill { "kill_switch=active" } else { "kill_switch=released" };
        trace.push(kill_entry.to_owned());
    }
    if decided_by == "axis" {
        trace.push(axis_entry.to_owned());
    }
    trace.push(format!("decided_by={decided_by}"));
    trace
}

#[test]
fn write_matrix_matches_the_table() {
    let sources = [AuthoritySource::Campaign, AuthoritySource::LayerDefaults];
    let mut rows = 0;
    for (who, kill, mode, decision, reason, decided_by) in MATRIX {
        for axis in Axis::ALL {
            for source in sources {
                let input = WriteGateInput {
                    actor: who.actor(),
                    scopes: who.scopes(),
                    kill_switch_active: kill,
                    axis,
                    authority: authority(axis, mode, source),
                    safety: &[],
                };
                let verdict = decide_write(&input);
                let case = format!("{who:?} kill={kill} {axis}={mode} {source}");
                assert_eq!(verdict.decision, decision, "{case}");
                assert_eq!(verdict.reason_code().as_deref(), reason, "{case}");
                assert_eq!(verdict.axis, Some(axis), "{case}");
                let axis_entry = format!("axis.{}={}({})", axis.as_str(), mode.as_str(), source.as_str());
                assert_eq!(verdict.trace, expected_trace(who, kill, &axis_entry, decided_by), "{case}");
                rows += 1;
            }
        }
    }
    assert_eq!(rows, 30 * 3 * 2);
}

fn write_with_safety(mode: AxisMode, safety: &[SafetyResult]) -> Verdict {
    decide_write(&WriteGateInput {
        actor: ActorKind::Optimizer,
        scopes: &[],
        kill_switch_active: false,
        axis: Axis::Creative,
        authority: authority(Axis::Creative, mode, AuthoritySource::Campaign),
        safety,
    })
}

#[test]
fn first_failing_safety_check_denies() {
    let safety = [
        SafetyResult::new(SafetyCheck::AdTooYoung, true),
        SafetyResult::new(SafetyCheck::LastActiveAd, false),
        SafetyResult::new(SafetyCheck::StatusTransition, false),
    ];
    for mode in [Draft, Auto] {
        let verdict = write_with_safety(mode, &safety);
        assert_eq!(verdict.decision, Deny);
        assert_eq!(verdict.reason_code().as_deref(), Some("safety_check_failed:last_active_ad"));
        assert_eq!(
            verdict.trace[4..],
            ["safety.ad_too_young=ok", "safety.last_active_ad=failed", "decided_by=safety.last_active_ad",]
        );
    }
}

#[test]
fn passing_safety_checks_are_all_recorded() {
    let safety = check_budget(5000, 100, Some(10_000));
    let verdict = write_with_safety(Auto, &safety);
    assert_eq!(verdict.decision, Allow);
    assert_eq!(
        verdict.trace,
        [
            "tenancy=ok",
            "scope=not_required(optimizer)",
            "kill_switch=released",
            "axis.creative=auto(campaign)",
            "safety.budget_below_minimum=ok",
            "safety.budget_above_cap=ok",
            "decided_by=axis",
        ]
    );
    assert_eq!(write_with_safety(Draft, &safety).decision, Queue);
}

#[test]
fn safety_checks_do_not_run_when_the_axis_is_off() {
    let failing = [SafetyResult::new(SafetyCheck::BudgetAboveCap, false)];
    let verdict = write_with_safety(Off, &failing);
    assert_eq!(verdict.reason, Some(DenyReason::AuthorityAxisOff));
    assert!(verdict.trace.iter().all(|e| !e.starts_with("safety.")));
}
