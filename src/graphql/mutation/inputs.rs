//! Mutation input types.

use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::{DateTime, Utc};

use crate::graphql::enums::{AxisMode, BidStrategy, ManagementMode, Outcome, Platform, StatusAction};

/// Who to reach.
#[derive(InputObject, Debug, Clone)]
pub struct TargetingInput {
    /// ISO 3166-1 alpha-2 country codes (at least one).
    pub countries: Vec<String>,
    /// Youngest age (13 to 65).
    pub age_min: Option<i64>,
    /// Oldest age (13 to 65).
    pub age_max: Option<i64>,
}

/// The simplified create: platform, name, one budget, outcome and the two modes are required.
#[derive(InputObject, Debug, Clone)]
pub struct CreateCampaignInput {
    /// The platform (and so the layer) to create it on.
    pub platform: Platform,
    /// Name (1 to 255 characters).
    pub name: String,
    /// Daily budget in the layer currency's minor unit (`5000` = $50.00). Exactly one of daily or lifetime.
    pub daily_budget_cents: Option<i64>,
    /// Lifetime budget in minor units. Exactly one of daily or lifetime; not on Apple.
    pub lifetime_budget_cents: Option<i64>,
    /// What it optimizes for (Apple runs app installs only).
    pub outcome: Outcome,
    /// Sets the new campaign's tactical and structural authority.
    pub campaign_management_mode: ManagementMode,
    /// Sets the new campaign's creative authority.
    pub creative_mode: ManagementMode,
    /// Bid strategy; defaults to lowest cost.
    pub bid_strategy: Option<BidStrategy>,
    /// Cost or bid cap in minor units, for the strategies that take one.
    pub bid_amount_cents: Option<i64>,
    /// Targeting; defaults per platform.
    pub targeting: Option<TargetingInput>,
    /// Schedule start.
    pub start_time: Option<DateTime<Utc>>,
    /// Schedule end.
    pub end_time: Option<DateTime<Utc>>,
    /// Compute and return the verdict without writing or dispatching anything.
    pub dry_run: Option<bool>,
}

/// A budget change (tactical axis).
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCampaignBudgetInput {
    /// The campaign.
    pub campaign_id: ID,
    /// New daily budget in minor units. Exactly one of daily or lifetime.
    pub daily_budget_cents: Option<i64>,
    /// New lifetime budget in minor units. Exactly one of daily or lifetime.
    pub lifetime_budget_cents: Option<i64>,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A bidding change (tactical axis).
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCampaignBiddingInput {
    /// The campaign.
    pub campaign_id: ID,
    /// New strategy.
    pub bid_strategy: BidStrategy,
    /// Cost or bid cap in minor units, for the strategies that take one.
    pub bid_amount_cents: Option<i64>,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A schedule change (tactical axis).
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCampaignScheduleInput {
    /// The campaign.
    pub campaign_id: ID,
    /// New start; null starts as soon as it is active.
    pub start_time: Option<DateTime<Utc>>,
    /// New end; null means no end date.
    pub end_time: Option<DateTime<Utc>>,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A targeting change (tactical axis).
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCampaignTargetingInput {
    /// The campaign.
    pub campaign_id: ID,
    /// New targeting.
    pub targeting: TargetingInput,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A campaign status change (structural axis).
#[derive(InputObject, Debug, Clone)]
pub struct ChangeCampaignStatusInput {
    /// The campaign.
    pub campaign_id: ID,
    /// Pause, resume, archive or delete.
    pub action: StatusAction,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A new ad set under a campaign (structural axis).
#[derive(InputObject, Debug, Clone)]
pub struct CreateAdSetInput {
    /// The campaign.
    pub campaign_id: ID,
    /// Name.
    pub name: String,
    /// Ad set daily budget in minor units, where the campaign does not carry the budget.
    pub daily_budget_cents: Option<i64>,
    /// Targeting.
    pub targeting: Option<TargetingInput>,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// An ad set status change (structural axis).
#[derive(InputObject, Debug, Clone)]
pub struct ChangeAdSetStatusInput {
    /// The ad set.
    pub ad_set_id: ID,
    /// Pause, resume, archive or delete.
    pub action: StatusAction,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// Launch a creative as a new ad in an ad set (creative axis).
#[derive(InputObject, Debug, Clone)]
pub struct LaunchAdInput {
    /// The ad set.
    pub ad_set_id: ID,
    /// Ad name.
    pub name: String,
    /// The creative to show (generated and approved).
    pub creative_id: ID,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// Show another creative in an ad (creative axis).
#[derive(InputObject, Debug, Clone)]
pub struct ReplaceAdCreativeInput {
    /// The ad.
    pub ad_id: ID,
    /// The new creative.
    pub creative_id: ID,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// An ad status change (structural axis).
#[derive(InputObject, Debug, Clone)]
pub struct ChangeAdStatusInput {
    /// The ad.
    pub ad_id: ID,
    /// Pause, resume, archive or delete.
    pub action: StatusAction,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// Pause an ad because of its creative (creative axis; the optimizer's prune).
#[derive(InputObject, Debug, Clone)]
pub struct PruneAdInput {
    /// The ad.
    pub ad_id: ID,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A change to a campaign's authority block; omitted axes stay as they are.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCampaignAuthorityInput {
    /// The campaign.
    pub campaign_id: ID,
    /// New creative mode.
    pub creative: Option<AxisMode>,
    /// New tactical mode.
    pub tactical: Option<AxisMode>,
    /// New structural mode.
    pub structural: Option<AxisMode>,
    /// Remove the campaign's own authority so its layer's defaults apply (no axis may be given).
    pub inherit_defaults: Option<bool>,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A change to a layer's platform settings; omitted fields stay as they are, `null` clears a
/// clearable one. Customer only.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateLayerSettingsInput {
    /// The layer's platform.
    pub platform: Platform,
    /// The ad account's currency (ISO 4217, such as `EUR`); fixed once the layer has a campaign.
    pub currency: Option<String>,
    /// Countries the layer runs in (ISO 3166-1 alpha-2): Apple campaigns' countries, and every
    /// platform's default ad set targeting.
    pub countries: Option<Vec<String>>,
    /// Apple: the promoted app's App Store id (`adamId`).
    pub apple_adam_id: MaybeUndefined<String>,
    /// Meta: the Facebook Page ads run from (needed to launch creatives).
    pub meta_page_id: MaybeUndefined<String>,
    /// TikTok: the identity type ads speak as (`CUSTOMIZED_USER`, `TT_USER`, `BC_AUTH_TT`,
    /// `AUTH_CODE`); set or clear with `tiktokIdentityId`.
    pub tiktok_identity_type: MaybeUndefined<String>,
    /// TikTok: the identity id ads speak as (needed to launch creatives).
    pub tiktok_identity_id: MaybeUndefined<String>,
    /// Meta and TikTok: where a tap on an ad leads (https; needed to launch creatives).
    pub landing_page_url: MaybeUndefined<String>,
    /// Meta: the pixel conversions ad sets optimize for (`promoted_object.pixel_id`; needed
    /// for ad sets of a CONVERSIONS campaign).
    pub meta_pixel_id: MaybeUndefined<String>,
    /// Meta: the pixel's conversion event (`PURCHASE`, `LEAD`, `COMPLETE_REGISTRATION`,
    /// `ADD_TO_CART`, ...); `PURCHASE` when unset.
    pub meta_custom_event_type: MaybeUndefined<String>,
    /// Meta: the promoted app's Meta application id (needed for ad sets of an APP_INSTALLS
    /// campaign, with `appStoreUrl`).
    pub meta_application_id: MaybeUndefined<String>,
    /// Meta and TikTok: the promoted app's App Store or Google Play URL (Meta's
    /// `promoted_object.object_store_url`; on TikTok it tells an iOS app from an Android one).
    pub app_store_url: MaybeUndefined<String>,
    /// TikTok: the promoted app's TikTok app id (needed, with `appStoreUrl`, for ad groups of an
    /// APP_INSTALLS campaign).
    pub tiktok_app_id: MaybeUndefined<String>,
    /// TikTok: the pixel conversions ad groups optimize for (`pixel_id`; needed for ad groups of
    /// a CONVERSIONS campaign).
    pub tiktok_pixel_id: MaybeUndefined<String>,
    /// TikTok: the pixel event they optimize for (`optimization_event`: `SHOPPING`,
    /// `ON_WEB_CART`, `INITIATE_ORDER`, `FORM`, `ON_WEB_REGISTER`, ...); `SHOPPING` when unset.
    pub tiktok_optimization_event: MaybeUndefined<String>,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}

/// A change to a layer's defaults block and cap; omitted fields stay as they are.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateLayerDefaultsInput {
    /// The layer's platform.
    pub platform: Platform,
    /// New default creative mode.
    pub creative: Option<AxisMode>,
    /// New default tactical mode.
    pub tactical: Option<AxisMode>,
    /// New default structural mode.
    pub structural: Option<AxisMode>,
    /// New daily budget cap in minor units; `null` removes the cap, omitted keeps it.
    pub max_daily_budget_cents: MaybeUndefined<i64>,
    /// Compute the verdict only.
    pub dry_run: Option<bool>,
}
