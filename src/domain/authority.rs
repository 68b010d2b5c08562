//! Authority: the three axes of a write, their modes, and which authority block is in force.
//!
//! A campaign's own authority row wins over its layer's defaults block. This module only
//! describes and resolves authority; it must not decide writes (that is the gate) nor read
//! any stored state.

use std::fmt;
use std::str::FromStr;

use super::UnknownCode;

/// The kind of change a write makes, each governed by its own mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    /// Push, replace or prune ad creatives.
    Creative,
    /// Budget, bidding, schedule and targeting.
    Tactical,
    /// Create, pause, resume, archive or delete campaigns, ad sets and ads.
    Structural,
}

impl Axis {
    /// Every axis, in a stable order.
    pub const ALL: [Axis; 3] = [Axis::Creative, Axis::Tactical, Axis::Structural];

    /// The lowercase code stored in the database and the audit row.
    pub fn as_str(self) -> &'static str {
        match self {
            Axis::Creative => "creative",
            Axis::Tactical => "tactical",
            Axis::Structural => "structural",
        }
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Axis {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Axis::ALL.into_iter().find(|axis| axis.as_str() == s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// How much automation an axis allows, ordered `Off < Draft < Auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AxisMode {
    /// Writes are denied (`authority_axis_off`).
    Off,
    /// Writes queue as pending actions for the customer to approve.
    Draft,
    /// Writes dispatch at once after the safety checks pass.
    Auto,
}

impl AxisMode {
    /// Every mode, from the least to the most automation.
    pub const ALL: [AxisMode; 3] = [AxisMode::Off, AxisMode::Draft, AxisMode::Auto];

    /// The lowercase code stored in the database and the audit row.
    pub fn as_str(self) -> &'static str {
        match self {
            AxisMode::Off => "off",
            AxisMode::Draft => "draft",
            AxisMode::Auto => "auto",
        }
    }
}

impl fmt::Display for AxisMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AxisMode {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AxisMode::ALL.into_iter().find(|mode| mode.as_str() == s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// The management mode chosen on the simplified campaign create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManagementMode {
    /// No automation: the customer drives every change (`off`).
    Manual,
    /// Queue everything for approval (`draft`).
    Draft,
    /// Dispatch automatically (`auto`).
    Autopilot,
}

impl ManagementMode {
    /// Every management mode, in a stable order.
    pub const ALL: [ManagementMode; 3] =
        [ManagementMode::Manual, ManagementMode::Draft, ManagementMode::Autopilot];

    /// The axis mode this management mode sets: manual→off, draft→draft, autopilot→auto.
    pub fn axis_mode(self) -> AxisMode {
        match self {
            ManagementMode::Manual => AxisMode::Off,
            ManagementMode::Draft => AxisMode::Draft,
            ManagementMode::Autopilot => AxisMode::Auto,
        }
    }

    /// The lowercase code (`manual`, `draft`, `autopilot`).
    pub fn as_str(self) -> &'static str {
        match self {
            ManagementMode::Manual => "manual",
            ManagementMode::Draft => "draft",
            ManagementMode::Autopilot => "autopilot",
        }
    }
}

impl fmt::Display for ManagementMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ManagementMode {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ManagementMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// One mode per axis: a campaign's authority row or a layer's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AuthorityBlock {
    /// Mode of the creative axis.
    pub creative: AxisMode,
    /// Mode of the tactical axis.
    pub tactical: AxisMode,
    /// Mode of the structural axis.
    pub structural: AxisMode,
}

impl AuthorityBlock {
    /// The same mode on every axis.
    pub fn uniform(mode: AxisMode) -> AuthorityBlock {
        AuthorityBlock { creative: mode, tactical: mode, structural: mode }
    }

    /// The block a simplified create sets: `campaign_management` sets tactical and structural,
    /// `creative` sets creative.
    pub fn from_create_modes(
        campaign_management: ManagementMode,
        creative: ManagementMode,
    ) -> AuthorityBlock {
        AuthorityBlock {
            creative: creative.axis_mode(),
            tactical: campaign_management.axis_mode(),
            structural: campaign_management.axis_mode(),
        }
    }

    /// The mode of one axis.
    pub fn mode(&self, axis: Axis) -> AxisMode {
        match axis {
            Axis::Creative => self.creative,
            Axis::Tactical => self.tactical,
            Axis::Structural => self.structural,
        }
    }

    /// This block with the axes named in `change` replaced; the others are kept.
    pub fn apply(&self, change: &AuthorityChange) -> AuthorityBlock {
        AuthorityBlock {
            creative: change.creative.unwrap_or(self.creative),
            tactical: change.tactical.unwrap_or(self.tactical),
            structural: change.structural.unwrap_or(self.structural),
        }
    }
}

/// A partial update of an authority block: `None` keeps the axis as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AuthorityChange {
    /// New creative mode, if any.
    pub creative: Option<AxisMode>,
    /// New tactical mode, if any.
    pub tactical: Option<AxisMode>,
    /// New structural mode, if any.
    pub structural: Option<AxisMode>,
}

impl AuthorityChange {
    /// True when the change names no axis at all.
    pub fn is_empty(&self) -> bool {
        self.creative.is_none() && self.tactical.is_none() && self.structural.is_none()
    }
}

/// Where the authority in force for a campaign comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthoritySource {
    /// The campaign's own authority row.
    Campaign,
    /// The layer's defaults block (the campaign has no row).
    LayerDefaults,
}

impl AuthoritySource {
    /// The lowercase code (`campaign`, `layer_defaults`).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthoritySource::Campaign => "campaign",
            AuthoritySource::LayerDefaults => "layer_defaults",
        }
    }
}

impl fmt::Display for AuthoritySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authority block in force and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResolvedAuthority {
    /// The modes in force.
    pub block: AuthorityBlock,
    /// Whether they come from the campaign row or the layer defaults.
    pub source: AuthoritySource,
}

impl ResolvedAuthority {
    /// The mode in force on one axis.
    pub fn mode(&self, axis: Axis) -> AxisMode {
        self.block.mode(axis)
    }
}

/// The authority in force: the campaign's row when it has one, else the layer defaults.
pub fn resolve(campaign: Option<AuthorityBlock>, defaults: AuthorityBlock) -> ResolvedAuthority {
    match campaign {
        Some(block) => ResolvedAuthority { block, source: AuthoritySource::Campaign },
        None => ResolvedAuthority { block: defaults, source: AuthoritySource::LayerDefaults },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for axis in Axis::ALL {
            assert_eq!(axis.as_str().parse::<Axis>(), Ok(axis));
        }
        for mode in AxisMode::ALL {
            assert_eq!(mode.as_str().parse::<AxisMode>(), Ok(mode));
        }
        for mode in ManagementMode::ALL {
            assert_eq!(mode.as_str().parse::<ManagementMode>(), Ok(mode));
        }
        assert_eq!(Axis::Tactical.to_string(), "tactical");
        assert_eq!(AxisMode::Auto.to_string(), "auto");
        assert_eq!(AuthoritySource::LayerDefaults.as_str(), "layer_defaults");
        assert_eq!(AuthoritySource::Campaign.as_str(), "campaign");
        assert!("Auto".parse::<AxisMode>().is_err());
        assert!("".parse::<Axis>().is_err());
        assert_eq!("full".parse::<ManagementMode>(), Err(UnknownCode("full".into())));
    }

    #[test]
    fn modes_are_ordered() {
        assert!(AxisMode::Off < AxisMode::Draft);
        assert!(AxisMode::Draft < AxisMode::Auto);
        assert_eq!(AxisMode::ALL.iter().max(), Some(&AxisMode::Auto));
    }

    #[test]
    fn management_modes_map_to_axis_modes() {
        assert_eq!(ManagementMode::Manual.axis_mode(), AxisMode::Off);
        assert_eq!(ManagementMode::Draft.axis_mode(), AxisMode::Draft);
        assert_eq!(ManagementMode::Autopilot.axis_mode(), AxisMode::Auto);
    }

    #[test]
    fn create_modes_split_axes() {
        let block = AuthorityBlock::from_create_modes(ManagementMode::Autopilot, ManagementMode::Manual);
        assert_eq!(block.creative, AxisMode::Off);
        assert_eq!(block.tactical, AxisMode::Auto);
        assert_eq!(block.structural, AxisMode::Auto);
        assert_eq!(block.mode(Axis::Creative), AxisMode::Off);
        assert_eq!(block.mode(Axis::Structural), AxisMode::Auto);
    }

    #[test]
    fn apply_changes_only_named_axes() {
        let block = AuthorityBlock::uniform(AxisMode::Draft);
        let change = AuthorityChange { tactical: Some(AxisMode::Auto), ..AuthorityChange::default() };
        let applied = block.apply(&change);
        assert_eq!(applied.creative, AxisMode::Draft);
        assert_eq!(applied.tactical, AxisMode::Auto);
        assert_eq!(applied.structural, AxisMode::Draft);
        assert!(!change.is_empty());
        assert!(AuthorityChange::default().is_empty());
        assert_eq!(block.apply(&AuthorityChange::default()), block);
    }

    #[test]
    fn campaign_row_wins_over_defaults() {
        let defaults = AuthorityBlock::uniform(AxisMode::Draft);
        let row = AuthorityBlock::uniform(AxisMode::Off);
        let resolved = resolve(Some(row), defaults);
        assert_eq!(resolved.block, row);
        assert_eq!(resolved.source, AuthoritySource::Campaign);
        assert_eq!(resolved.mode(Axis::Tactical), AxisMode::Off);

        let fallback = resolve(None, defaults);
        assert_eq!(fallback.block, defaults);
        assert_eq!(fallback.source, AuthoritySource::LayerDefaults);
    }
}
