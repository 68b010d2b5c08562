//! The creative lifecycle (spec `creative-lifecycle.md`): which state a creative is in, derived
//! from its stored facts, never stored twice; which manual transitions are legal from there;
//! whether it is eligible to be shown; and who may change it.
//!
//! Pure: the service layer reads the facts and writes the outcome. Nothing here reads a
//! database, the clock or a request.

use std::str::FromStr;

use crate::domain::gate::{Decision, DenyReason, Trace, Verdict, require_scope};
use crate::domain::{ActorKind, Scope, UnknownCode};

/// A creative's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreativeState {
    /// Generation is under way (`processing`).
    Draft,
    /// Generation failed; the optimizer never sees it.
    Failed,
    /// Generated (`completed`), waiting for approval where approval is required.
    Generated,
    /// Approved, or approval not required: eligible for launch.
    Approved,
    /// Shown by at least one active ad.
    Live,
    /// Its ads show fatigue (high frequency, day-7 CPA degraded against day-1).
    Fatigued,
    /// Its ads were all paused, by the optimizer or a person.
    Disabled,
    /// No longer eligible; kept for reporting.
    Archived,
}

impl CreativeState {
    /// Every state, in lifecycle order.
    pub const ALL: [CreativeState; 8] = [
        CreativeState::Draft,
        CreativeState::Failed,
        CreativeState::Generated,
        CreativeState::Approved,
        CreativeState::Live,
        CreativeState::Fatigued,
        CreativeState::Disabled,
        CreativeState::Archived,
    ];
}

/// What the state is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CreativeFacts<'a> {
    /// `processing`, `completed` or `failed`.
    pub container_status: &'a str,
    /// `not_required`, `pending`, `approved` or `rejected`.
    pub approval_status: &'a str,
    /// Whether its ads-content row is archived.
    pub archived: bool,
    /// How many of its ads are active.
    pub active_ads: u32,
    /// How many of its ads exist at all.
    pub ads: u32,
    /// Whether an active ad of it is classified fatigued.
    pub fatigued: bool,
}

/// The state a creative is in.
pub fn creative_state(facts: &CreativeFacts<'_>) -> CreativeState {
    match facts.container_status {
        "processing" => return CreativeState::Draft,
        "failed" => return CreativeState::Failed,
        _ => {}
    }
    if facts.archived {
        CreativeState::Archived
    } else if facts.active_ads > 0 && facts.fatigued {
        CreativeState::Fatigued
    } else if facts.active_ads > 0 {
        CreativeState::Live
    } else if facts.ads > 0 {
        CreativeState::Disabled
    } else if approval_cleared(facts.approval_status) {
        CreativeState::Approved
    } else {
        CreativeState::Generated
    }
}

/// Whether an approval status lets content be scheduled (`approved` or `not_required`).
pub fn approval_cleared(approval_status: &str) -> bool {
    matches!(approval_status, "approved" | "not_required")
}

/// What the stored rows hold for every creative in one state: the inverse of
/// [`creative_state`], so a list can be filtered by state in the database (and paginate right).
/// `None` means "either".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCondition {
    /// The container status.
    pub container_status: &'static str,
    /// Whether its ads-content row is archived.
    pub archived: Option<bool>,
    /// Whether at least one of its ads is active.
    pub has_active_ad: Option<bool>,
    /// Whether it has any ad at all.
    pub has_ad: Option<bool>,
    /// Whether its approval status is `approved` or `not_required`.
    pub approval_cleared: Option<bool>,
    /// Whether an active ad of it is classified fatigued.
    pub fatigued: Option<bool>,
}

/// The condition every creative in `state` meets, and no other creative does.
pub fn state_condition(state: CreativeState) -> StateCondition {
    let generated = StateCondition {
        container_status: "completed",
        archived: Some(false),
        has_active_ad: None,
        has_ad: None,
        approval_cleared: None,
        fatigued: None,
    };
    let idle = StateCondition { has_active_ad: Some(false), has_ad: Some(false), ..generated };
    match state {
        CreativeState::Draft => {
            StateCondition { container_status: "processing", archived: None, ..generated }
        }
        CreativeState::Failed => StateCondition { container_status: "failed", archived: None, ..generated },
        CreativeState::Archived => StateCondition { archived: Some(true), ..generated },
        CreativeState::Fatigued => {
            StateCondition { has_active_ad: Some(true), fatigued: Some(true), ..generated }
        }
        CreativeState::Live => {
            StateCondition { has_active_ad: Some(true), fatigued: Some(false), ..generated }
        }
        CreativeState::Disabled => {
            StateCondition { has_active_ad: Some(false), has_ad: Some(true), ..generated }
        }
        CreativeState::Approved => StateCondition { approval_cleared: Some(true), ..idle },
        CreativeState::Generated => StateCondition { approval_cleared: Some(false), ..idle },
    }
}

impl StateCondition {
    /// Whether `facts` meet the condition.
    pub fn matches(&self, facts: &CreativeFacts<'_>) -> bool {
        let meets = |wanted: Option<bool>, actual: bool| wanted.is_none_or(|wanted| wanted == actual);
        facts.container_status == self.container_status
            && meets(self.archived, facts.archived)
            && meets(self.has_active_ad, facts.active_ads > 0)
            && meets(self.has_ad, facts.ads > 0)
            && meets(self.approval_cleared, approval_cleared(facts.approval_status))
            && meets(self.fatigued, facts.active_ads > 0 && facts.fatigued)
    }
}

/// What eligibility for launch is decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EligibilityFacts<'a> {
    /// `processing`, `completed` or `failed`.
    pub container_status: &'a str,
    /// `not_required`, `pending`, `approved` or `rejected`.
    pub approval_status: &'a str,
    /// Whether it has its ads-content row (made when generation completed).
    pub has_content: bool,
    /// Its manual override, if any.
    pub override_mode: Option<OverrideMode>,
    /// Whether its ads-content row is archived.
    pub archived: bool,
}

/// Whether a creative may be launched or picked by the optimizer: generated, approved (or not
/// needing approval), not excluded and not archived. There is no score floor: an `include`
/// override keeps a creative in the pool whatever its score (and the optimizer ranks it first);
/// `exclude` keeps it out whatever its state.
pub fn is_eligible(facts: &EligibilityFacts<'_>) -> bool {
    facts.container_status == "completed"
        && facts.has_content
        && approval_cleared(facts.approval_status)
        && facts.override_mode != Some(OverrideMode::Exclude)
        && !facts.archived
}

/// The approval status a creative gets when its generation completes.
pub fn approval_after_generation(requires_approval: bool) -> &'static str {
    if requires_approval { "pending" } else { "not_required" }
}

/// A manual override of the eligible pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverrideMode {
    /// Keep it in the eligible pool.
    Include,
    /// Keep it out of the eligible pool.
    Exclude,
}

impl OverrideMode {
    /// The lowercase code stored on the ads-content row.
    pub fn as_str(self) -> &'static str {
        match self {
            OverrideMode::Include => "include",
            OverrideMode::Exclude => "exclude",
        }
    }
}

impl FromStr for OverrideMode {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "include" => Ok(OverrideMode::Include),
            "exclude" => Ok(OverrideMode::Exclude),
            other => Err(UnknownCode(other.to_owned())),
        }
    }
}

/// A manual transition of the creative library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// `pending` or `rejected` → `approved`.
    Approve,
    /// `approved` (or `not_required`) → `pending`: out of the eligible pool until approved again.
    Unapprove,
    /// `pending`, `approved` or `not_required` → `rejected`.
    Reject,
    /// Sets or clears the include/exclude override.
    SetOverride,
    /// Removes it from active management: never eligible again.
    Archive,
    /// Starts a new draft from it.
    Regenerate,
}

impl Transition {
    /// The approval status the transition leads to, for the approval transitions.
    pub fn target_approval(self) -> Option<&'static str> {
        match self {
            Transition::Approve => Some("approved"),
            Transition::Unapprove => Some("pending"),
            Transition::Reject => Some("rejected"),
            Transition::SetOverride | Transition::Archive | Transition::Regenerate => None,
        }
    }
}

/// Why a transition is not legal from the creative's state; answered as a user error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TransitionError {
    /// Generation is still under way.
    #[error("the creative is still being generated")]
    Processing,
    /// Generation failed: there is nothing to approve, show or archive.
    #[error("the creative's generation failed")]
    GenerationFailed,
    /// The creative is archived.
    #[error("the creative is archived")]
    Archived,
    /// Approving what is already approved.
    #[error("the creative is already approved")]
    AlreadyApproved,
    /// Approving what needs no approval.
    #[error("the creative needs no approval: it is already eligible")]
    ApprovalNotRequired,
    /// Un-approving what is not approved.
    #[error("the creative is not approved")]
    NotApproved,
    /// Rejecting what is already rejected.
    #[error("the creative is already rejected")]
    AlreadyRejected,
    /// Archiving twice.
    #[error("the creative is already archived")]
    AlreadyArchived,
    /// Archiving while ads still show it.
    #[error("ads still show the creative: pause them first")]
    HasActiveAds,
    /// Completing a creative whose generation already ended.
    #[error("the creative is not being generated")]
    NotProcessing,
}

impl TransitionError {
    /// The stable user error code.
    pub fn code(self) -> crate::domain::UserErrorCode {
        match self {
            TransitionError::Processing => crate::domain::UserErrorCode::CreativeProcessing,
            TransitionError::GenerationFailed => crate::domain::UserErrorCode::CreativeFailed,
            TransitionError::Archived => crate::domain::UserErrorCode::CreativeArchived,
            TransitionError::AlreadyApproved => crate::domain::UserErrorCode::AlreadyApproved,
            TransitionError::ApprovalNotRequired => crate::domain::UserErrorCode::ApprovalNotRequired,
            TransitionError::NotApproved => crate::domain::UserErrorCode::NotApproved,
            TransitionError::AlreadyRejected => crate::domain::UserErrorCode::AlreadyRejected,
            TransitionError::AlreadyArchived => crate::domain::UserErrorCode::AlreadyArchived,
            TransitionError::HasActiveAds => crate::domain::UserErrorCode::CreativeHasActiveAds,
            TransitionError::NotProcessing => crate::domain::UserErrorCode::NotProcessing,
        }
    }
}

/// What a transition is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransitionFacts<'a> {
    /// `processing`, `completed` or `failed`.
    pub container_status: &'a str,
    /// `not_required`, `pending`, `approved` or `rejected`.
    pub approval_status: &'a str,
    /// Whether its ads-content row is archived.
    pub archived: bool,
    /// How many of its ads are active.
    pub active_ads: u32,
}

/// Whether `transition` is legal for a creative in `facts`. Regenerating needs a finished
/// generation (completed or failed, archived or not); everything else needs a completed,
/// unarchived creative, and archiving one that no active ad shows.
pub fn check_transition(facts: &TransitionFacts<'_>, transition: Transition) -> Result<(), TransitionError> {
    match facts.container_status {
        "processing" => return Err(TransitionError::Processing),
        "failed" if transition != Transition::Regenerate => return Err(TransitionError::GenerationFailed),
        _ => {}
    }
    if transition == Transition::Regenerate {
        return Ok(());
    }
    if facts.archived {
        let error = if transition == Transition::Archive {
            TransitionError::AlreadyArchived
        } else {
            TransitionError::Archived
        };
        return Err(error);
    }
    match (transition, facts.approval_status) {
        (Transition::Approve, "approved") => Err(TransitionError::AlreadyApproved),
        (Transition::Approve, "not_required") => Err(TransitionError::ApprovalNotRequired),
        (Transition::Unapprove, "pending" | "rejected") => Err(TransitionError::NotApproved),
        (Transition::Reject, "rejected") => Err(TransitionError::AlreadyRejected),
        (Transition::Archive, _) if facts.active_ads > 0 => Err(TransitionError::HasActiveAds),
        _ => Ok(()),
    }
}

/// Whether a generation outcome may be recorded: only for a creative still `processing`.
pub fn check_completion(container_status: &str) -> Result<(), TransitionError> {
    if container_status == "processing" { Ok(()) } else { Err(TransitionError::NotProcessing) }
}

/// Decides a change to the creative library (drafts, approvals, overrides, regeneration,
/// archiving): partners need `ads:write`; customers, the optimizer and system actors need no scope.
pub fn decide_creative_change(actor: ActorKind, scopes: &[Scope]) -> Verdict {
    let mut trace = Trace::start();
    match require_scope(actor, scopes, Scope::AdsWrite, &mut trace) {
        Ok(()) => trace.finish(Decision::Allow, None, "scope", None),
        Err(reason) => trace.deny(reason, None),
    }
}

/// Decides a generation report (completed or failed): the generation workflow's alone, a
/// system actor. `None` for anyone else, who may not even ask (answered `FORBIDDEN`).
pub fn decide_generation_report(actor: ActorKind) -> Option<Verdict> {
    let mut trace = Trace::start();
    (actor == ActorKind::System).then(|| {
        trace.record("system_only", "ok");
        trace.finish(Decision::Allow, None, "system_only", None)
    })
}

/// Decides a change to the organization's approval policy: the customer's alone; everyone else
/// is denied `customer_only`, whatever their scopes.
pub fn decide_approval_policy(actor: ActorKind) -> Verdict {
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
mod tests;
