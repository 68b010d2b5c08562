//! Where a stored code becomes its domain value: one typed accessor per code column, on the row
//! that stores it (`layer.platform()?`, `action.status()?`).
//!
//! Code columns are plain text holding the domain enums' codes (`as_str`, `FromStr`), so the
//! database needs no enum types and the domain no sea-orm. Reading a column through its accessor
//! is the only place its text is parsed; a code no variant matches is an [`UnknownCode`] (an
//! internal error at the API). Each trait is implemented for one entity's row; import the ones a
//! module reads.

use std::str::FromStr;

use entity::{
    ad_sets, ads, ads_content, audit, campaign_authority, campaigns, connected_accounts, layers,
    pending_actions, platform_creatives,
};

use crate::domain::accounts::AccountStatus;
use crate::domain::apple_api::AppleApi;
use crate::domain::authority::{AuthorityBlock, Axis};
use crate::domain::campaign::{BidStrategy, Outcome};
use crate::domain::gate::{Decision, PendingStatus};
use crate::domain::lifecycle::OverrideMode;
use crate::domain::money::Currency;
use crate::domain::status::EntityStatus;
use crate::domain::{ActorKind, Platform, UnknownCode};

fn code<T: FromStr<Err = UnknownCode>>(stored: &str) -> Result<T, UnknownCode> {
    stored.parse()
}

fn optional<T: FromStr<Err = UnknownCode>>(stored: Option<&str>) -> Result<Option<T>, UnknownCode> {
    stored.map(code).transpose()
}

/// The codes of a layer row.
pub trait LayerCodes {
    /// Its platform.
    fn platform(&self) -> Result<Platform, UnknownCode>;
    /// Its defaults block.
    fn defaults(&self) -> Result<AuthorityBlock, UnknownCode>;
    /// Its ad account's currency.
    fn currency(&self) -> Result<Currency, UnknownCode>;
}

impl LayerCodes for layers::Model {
    fn platform(&self) -> Result<Platform, UnknownCode> {
        code(&self.platform)
    }

    fn defaults(&self) -> Result<AuthorityBlock, UnknownCode> {
        Ok(AuthorityBlock {
            creative: code(&self.default_creative)?,
            tactical: code(&self.default_tactical)?,
            structural: code(&self.default_structural)?,
        })
    }

    fn currency(&self) -> Result<Currency, UnknownCode> {
        Currency::parse(&self.currency).map_err(|_| UnknownCode(self.currency.clone()))
    }
}

/// The codes of a campaign authority row.
pub trait AuthorityCodes {
    /// The campaign's own authority block.
    fn block(&self) -> Result<AuthorityBlock, UnknownCode>;
}

impl AuthorityCodes for campaign_authority::Model {
    fn block(&self) -> Result<AuthorityBlock, UnknownCode> {
        Ok(AuthorityBlock {
            creative: code(&self.creative)?,
            tactical: code(&self.tactical)?,
            structural: code(&self.structural)?,
        })
    }
}

/// The codes of a campaign row.
pub trait CampaignCodes {
    /// Its platform.
    fn platform(&self) -> Result<Platform, UnknownCode>;
    /// What it optimizes for.
    fn outcome(&self) -> Result<Outcome, UnknownCode>;
    /// Its status.
    fn status(&self) -> Result<EntityStatus, UnknownCode>;
    /// Its bid strategy.
    fn bid_strategy(&self) -> Result<BidStrategy, UnknownCode>;
}

impl CampaignCodes for campaigns::Model {
    fn platform(&self) -> Result<Platform, UnknownCode> {
        code(&self.platform)
    }

    fn outcome(&self) -> Result<Outcome, UnknownCode> {
        code(&self.outcome)
    }

    fn status(&self) -> Result<EntityStatus, UnknownCode> {
        code(&self.status)
    }

    fn bid_strategy(&self) -> Result<BidStrategy, UnknownCode> {
        code(&self.bid_strategy)
    }
}

/// The codes of an ad set row.
pub trait AdSetCodes {
    /// Its status.
    fn status(&self) -> Result<EntityStatus, UnknownCode>;
}

impl AdSetCodes for ad_sets::Model {
    fn status(&self) -> Result<EntityStatus, UnknownCode> {
        code(&self.status)
    }
}

/// The codes of an ad row.
pub trait AdCodes {
    /// Its status.
    fn status(&self) -> Result<EntityStatus, UnknownCode>;
}

impl AdCodes for ads::Model {
    fn status(&self) -> Result<EntityStatus, UnknownCode> {
        code(&self.status)
    }
}

/// The codes of an ads-content row.
pub trait ContentCodes {
    /// Its include/exclude override, if set.
    fn override_mode(&self) -> Result<Option<OverrideMode>, UnknownCode>;
}

impl ContentCodes for ads_content::Model {
    fn override_mode(&self) -> Result<Option<OverrideMode>, UnknownCode> {
        optional(self.override_mode.as_deref())
    }
}

/// The codes of a pending action row.
pub trait PendingCodes {
    /// Its status.
    fn status(&self) -> Result<PendingStatus, UnknownCode>;
    /// Its layer's platform.
    fn platform(&self) -> Result<Platform, UnknownCode>;
    /// The axis of an ad write (none for a policy change).
    fn axis(&self) -> Result<Option<Axis>, UnknownCode>;
    /// Who proposed it.
    fn proposed_by(&self) -> Result<ActorKind, UnknownCode>;
    /// Who resolved it, once someone did.
    fn resolved_by(&self) -> Result<Option<ActorKind>, UnknownCode>;
}

impl PendingCodes for pending_actions::Model {
    fn status(&self) -> Result<PendingStatus, UnknownCode> {
        code(&self.status)
    }

    fn platform(&self) -> Result<Platform, UnknownCode> {
        code(&self.platform)
    }

    fn axis(&self) -> Result<Option<Axis>, UnknownCode> {
        optional(self.axis.as_deref())
    }

    fn proposed_by(&self) -> Result<ActorKind, UnknownCode> {
        code(&self.proposed_by_type)
    }

    fn resolved_by(&self) -> Result<Option<ActorKind>, UnknownCode> {
        optional(self.resolved_by_type.as_deref())
    }
}

/// The codes of an audit row.
pub trait AuditCodes {
    /// The platform it is about, if any.
    fn platform(&self) -> Result<Option<Platform>, UnknownCode>;
    /// The decision, for a gate or policy decision.
    fn decision(&self) -> Result<Option<Decision>, UnknownCode>;
    /// Who the decision was made for.
    fn actor_kind(&self) -> Result<ActorKind, UnknownCode>;
}

impl AuditCodes for audit::Model {
    fn platform(&self) -> Result<Option<Platform>, UnknownCode> {
        optional(self.platform.as_deref())
    }

    fn decision(&self) -> Result<Option<Decision>, UnknownCode> {
        optional(self.decision.as_deref())
    }

    fn actor_kind(&self) -> Result<ActorKind, UnknownCode> {
        code(&self.actor_type)
    }
}

/// The codes of a connected account row.
pub trait AccountCodes {
    /// Its platform.
    fn platform(&self) -> Result<Platform, UnknownCode>;
    /// Its status.
    fn status(&self) -> Result<AccountStatus, UnknownCode>;
    /// The Apple API an Apple connection speaks (one stored without a version predates v1: v5).
    fn apple_api(&self) -> Result<AppleApi, UnknownCode>;
}

impl AccountCodes for connected_accounts::Model {
    fn platform(&self) -> Result<Platform, UnknownCode> {
        code(&self.platform)
    }

    fn status(&self) -> Result<AccountStatus, UnknownCode> {
        code(&self.status)
    }

    fn apple_api(&self) -> Result<AppleApi, UnknownCode> {
        match self.api_version.as_deref() {
            None => Ok(AppleApi::V5),
            Some(stored) => stored.parse().map_err(|_| UnknownCode(stored.to_owned())),
        }
    }
}

/// The codes of a platform creative row.
pub trait PlatformCreativeCodes {
    /// The platform holding it.
    fn platform(&self) -> Result<Platform, UnknownCode>;
}

impl PlatformCreativeCodes for platform_creatives::Model {
    fn platform(&self) -> Result<Platform, UnknownCode> {
        code(&self.platform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_code_reads_as_its_domain_value_and_an_unknown_one_is_an_error() {
        let mut layer = layers::Model {
            id: uuid::Uuid::nil(),
            organization_id: uuid::Uuid::nil(),
            platform: "tiktok".to_owned(),
            currency: "JPY".to_owned(),
            default_creative: "off".to_owned(),
            default_tactical: "draft".to_owned(),
            default_structural: "auto".to_owned(),
            max_daily_budget_cents: None,
            kill_switch_active: false,
            kill_switch_tripped_at: None,
            kill_switch_tripped_by: None,
            kill_switch_reason: None,
            ad_account_id: None,
            apple_org_id: None,
            apple_adam_id: None,
            countries: None,
            meta_page_id: None,
            tiktok_identity_type: None,
            tiktok_identity_id: None,
            landing_page_url: None,
            meta_pixel_id: None,
            meta_custom_event_type: None,
            meta_application_id: None,
            app_store_url: None,
            tiktok_app_id: None,
            tiktok_pixel_id: None,
            tiktok_optimization_event: None,
            version: 0,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        assert_eq!(layer.platform(), Ok(Platform::Tiktok));
        assert_eq!(layer.currency().map(|c| c.code()), Ok("JPY"));
        let defaults = layer.defaults().expect("known modes");
        assert_eq!(
            [defaults.creative, defaults.tactical, defaults.structural].map(|m| m.as_str()),
            ["off", "draft", "auto"]
        );
        layer.platform = "myspace".to_owned();
        layer.default_tactical = "maybe".to_owned();
        layer.currency = "ZZZ".to_owned();
        assert_eq!(layer.platform(), Err(UnknownCode("myspace".to_owned())));
        assert_eq!(layer.defaults().map(|_| ()), Err(UnknownCode("maybe".to_owned())));
        assert_eq!(layer.currency().map(|_| ()), Err(UnknownCode("ZZZ".to_owned())));
    }
}
