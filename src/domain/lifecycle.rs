//! The creative lifecycle (spec `creative-lifecycle.md`): which state a creative is in, derived
//! from its stored facts, never stored twice.

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
    } else if matches!(facts.approval_status, "approved" | "not_required") {
        CreativeState::Approved
    } else {
        CreativeState::Generated
    }
}

#[cfg(test)]
mod tests {
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
}
