//! Lifecycle status of campaigns, ad sets and ads, and the legal transitions between them.
//!
//! Pure rules only: this module says whether a status change is legal; it must not apply it,
//! store it or gate it (the gate turns an illegal transition into a failed safety check).

use std::fmt;
use std::str::FromStr;

use super::UnknownCode;

/// The status of a campaign, ad set or ad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityStatus {
    /// Running (or eligible to run) on the platform.
    Active,
    /// Stopped by a pause; can be resumed.
    Paused,
    /// Stopped for good and kept for reporting; cannot be resumed.
    Archived,
    /// Removed; nothing can change it any more.
    Deleted,
}

impl EntityStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [EntityStatus; 4] =
        [EntityStatus::Active, EntityStatus::Paused, EntityStatus::Archived, EntityStatus::Deleted];

    /// The lowercase code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityStatus::Active => "active",
            EntityStatus::Paused => "paused",
            EntityStatus::Archived => "archived",
            EntityStatus::Deleted => "deleted",
        }
    }
}

impl fmt::Display for EntityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityStatus {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntityStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// A requested status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    /// Active → paused.
    Pause,
    /// Paused → active.
    Resume,
    /// Active or paused → archived.
    Archive,
    /// Active, paused or archived → deleted.
    Delete,
}

impl StatusAction {
    /// Every action, in a stable order.
    pub const ALL: [StatusAction; 4] =
        [StatusAction::Pause, StatusAction::Resume, StatusAction::Archive, StatusAction::Delete];

    /// The lowercase code (`pause`, `resume`, `archive`, `delete`).
    pub fn as_str(self) -> &'static str {
        match self {
            StatusAction::Pause => "pause",
            StatusAction::Resume => "resume",
            StatusAction::Archive => "archive",
            StatusAction::Delete => "delete",
        }
    }
}

impl fmt::Display for StatusAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatusAction {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StatusAction::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// A status change that the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} from {from}")]
pub struct IllegalTransition {
    /// The status the entity is in.
    pub from: EntityStatus,
    /// The action that was asked for.
    pub action: StatusAction,
}

impl IllegalTransition {
    /// Stable code for user errors.
    pub fn code(&self) -> crate::domain::UserErrorCode {
        crate::domain::UserErrorCode::IllegalStatusTransition
    }
}

/// The status an action leads to, or why it is not allowed.
///
/// Pause: active→paused. Resume: paused→active. Archive: active|paused→archived.
/// Delete: active|paused|archived→deleted. Anything else (same state, anything from
/// deleted, resuming an archived entity) is illegal.
pub fn transition(from: EntityStatus, action: StatusAction) -> Result<EntityStatus, IllegalTransition> {
    use EntityStatus::{Active, Archived, Deleted, Paused};
    match (action, from) {
        (StatusAction::Pause, Active) => Ok(Paused),
        (StatusAction::Resume, Paused) => Ok(Active),
        (StatusAction::Archive, Active | Paused) => Ok(Archived),
        (StatusAction::Delete, Active | Paused | Archived) => Ok(Deleted),
        _ => Err(IllegalTransition { from, action }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityStatus::{Active, Archived, Deleted, Paused};
    use StatusAction::{Archive, Delete, Pause, Resume};

    /// Every (from, action) pair and its expected outcome, written out by hand.
    const TABLE: [(EntityStatus, StatusAction, Option<EntityStatus>); 16] = [
        (Active, Pause, Some(Paused)),
        (Active, Resume, None),
        (Active, Archive, Some(Archived)),
        (Active, Delete, Some(Deleted)),
        (Paused, Pause, None),
        (Paused, Resume, Some(Active)),
        (Paused, Archive, Some(Archived)),
        (Paused, Delete, Some(Deleted)),
        (Archived, Pause, None),
        (Archived, Resume, None),
        (Archived, Archive, None),
        (Archived, Delete, Some(Deleted)),
        (Deleted, Pause, None),
        (Deleted, Resume, None),
        (Deleted, Archive, None),
        (Deleted, Delete, None),
    ];

    #[test]
    fn every_transition_matches_the_table() {
        for (from, action, expected) in TABLE {
            let got = transition(from, action);
            match expected {
                Some(to) => assert_eq!(got, Ok(to), "{action} from {from}"),
                None => assert_eq!(got, Err(IllegalTransition { from, action }), "{action} from {from}"),
            }
        }
    }

    #[test]
    fn illegal_transition_reads_well() {
        let err = transition(Deleted, Resume).err();
        assert_eq!(err.map(|e| e.to_string()), Some("cannot resume from deleted".to_owned()));
        assert_eq!(
            IllegalTransition { from: Archived, action: Resume }.code().as_str(),
            "ILLEGAL_STATUS_TRANSITION"
        );
    }

    #[test]
    fn codes_round_trip() {
        for status in EntityStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        for action in StatusAction::ALL {
            assert_eq!(action.as_str().parse(), Ok(action));
        }
        assert_eq!(Archived.as_str(), "archived");
        assert_eq!(Delete.as_str(), "delete");
        assert!("ACTIVE".parse::<EntityStatus>().is_err());
        assert!("stop".parse::<StatusAction>().is_err());
    }
}
