//! The normalized write the proxy translates, and the account facts it needs to do so.
//!
//! A `PlatformWrite` says what should change in platform terms (the platform's own object ids,
//! money in minor units); it is built after the gate has allowed a write. This module holds data
//! only: it must not know any platform's native shape.

use chrono::{DateTime, Utc};

use crate::auth::Secret;
use crate::domain::Platform;
use crate::domain::apple_api::AppleApi;
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::money::{Budget, Currency};
use crate::domain::status::EntityStatus;

/// One change to send to an ad platform. Ids are the platform's own id strings; money is in the
/// account currency's minor unit.
///
/// Serialized (tagged by [`PlatformWrite::kind`]) into the audit row when the platform call
/// starts, so another process can read back whether it took effect after a crash.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlatformWrite {
    /// Create a campaign.
    CreateCampaign {
        /// The campaign name.
        name: String,
        /// What the campaign optimizes for.
        outcome: Outcome,
        /// The daily or lifetime budget.
        budget: Budget,
        /// How the platform bids.
        bid_strategy: BidStrategy,
        /// The cap for `CostCap` / `BidCap`; absent for `LowestCost`.
        bid_amount_cents: Option<i64>,
        /// The status to create it in (`Active` or `Paused`).
        status: EntityStatus,
        /// When delivery starts; absent means now.
        start_time: Option<DateTime<Utc>>,
        /// When delivery ends; absent means no end.
        end_time: Option<DateTime<Utc>>,
    },
    /// Replace a campaign's budget.
    UpdateCampaignBudget {
        /// The platform's campaign id.
        campaign_id: String,
        /// The new budget.
        budget: Budget,
    },
    /// Replace a campaign's bid strategy and cap.
    UpdateCampaignBidding {
        /// The platform's campaign id.
        campaign_id: String,
        /// The new strategy.
        bid_strategy: BidStrategy,
        /// The cap for `CostCap` / `BidCap`; absent for `LowestCost`.
        bid_amount_cents: Option<i64>,
    },
    /// Replace a campaign's schedule (the whole schedule after the change).
    UpdateCampaignSchedule {
        /// The platform's campaign id.
        campaign_id: String,
        /// The new start; absent leaves the start as it is.
        start_time: Option<DateTime<Utc>>,
        /// The new end; absent means the campaign runs with no end date.
        end_time: Option<DateTime<Utc>>,
    },
    /// Replace a campaign's targeting (only where the platform targets at campaign level).
    UpdateCampaignTargeting {
        /// The platform's campaign id.
        campaign_id: String,
        /// The new targeting.
        targeting: Targeting,
    },
    /// Pause, resume, archive or delete a campaign.
    SetCampaignStatus {
        /// The platform's campaign id.
        campaign_id: String,
        /// The status after the change.
        status: EntityStatus,
    },
    /// Create an ad set (an ad group on TikTok and Apple) under a campaign.
    CreateAdSet {
        /// The platform's campaign id.
        campaign_id: String,
        /// The ad set name.
        name: String,
        /// An ad set budget, where the campaign does not carry one.
        daily_budget_cents: Option<i64>,
        /// The bid for the ad set (Apple: the default max cost per tap, required).
        bid_amount_cents: Option<i64>,
        /// Who to reach; absent means the account's countries.
        targeting: Option<Targeting>,
        /// The status to create it in (`Active` or `Paused`).
        status: EntityStatus,
        /// The campaign's outcome: what the ad set optimizes delivery for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<Outcome>,
        /// When delivery starts (TikTok schedules ad groups): the campaign's start, else the
        /// moment the write was decided.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_time: Option<DateTime<Utc>>,
        /// When delivery ends (the campaign's end); absent means no end.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end_time: Option<DateTime<Utc>>,
    },
    /// Pause, resume, archive or delete an ad set.
    SetAdSetStatus {
        /// The platform's id of the campaign holding the ad set (Apple paths need it).
        campaign_id: String,
        /// The platform's ad set id.
        ad_set_id: String,
        /// The status after the change.
        status: EntityStatus,
    },
    /// Create an ad showing one creative in an ad set.
    CreateAd {
        /// The platform's id of the campaign holding the ad set (Apple paths need it).
        campaign_id: String,
        /// The platform's ad set id.
        ad_set_id: String,
        /// The ad name.
        name: String,
        /// The platform's creative id (Meta: the ad creative; TikTok: the video or image id).
        creative_id: String,
        /// The status to create it in (`Active` or `Paused`).
        status: EntityStatus,
        /// How the pushed creative makes an ad (TikTok builds the ad from it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<AdMedia>,
    },
    /// Make an existing ad show another creative.
    ReplaceAdCreative {
        /// The platform's id of the campaign holding the ad.
        campaign_id: String,
        /// The platform's id of the ad set holding the ad (TikTok needs it).
        ad_set_id: String,
        /// The platform's ad id.
        ad_id: String,
        /// The platform's id of the new creative.
        creative_id: String,
        /// How the pushed creative makes an ad (TikTok builds the ad from it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<AdMedia>,
    },
    /// Pause, resume, archive or delete an ad.
    SetAdStatus {
        /// The platform's id of the campaign holding the ad (Apple paths need it).
        campaign_id: String,
        /// The platform's id of the ad set holding the ad (Apple paths need it).
        ad_set_id: String,
        /// The platform's ad id.
        ad_id: String,
        /// The status after the change.
        status: EntityStatus,
    },
}

impl PlatformWrite {
    /// A stable snake_case name for logs and recorded requests (`create_campaign`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            PlatformWrite::CreateCampaign { .. } => "create_campaign",
            PlatformWrite::UpdateCampaignBudget { .. } => "update_campaign_budget",
            PlatformWrite::UpdateCampaignBidding { .. } => "update_campaign_bidding",
            PlatformWrite::UpdateCampaignSchedule { .. } => "update_campaign_schedule",
            PlatformWrite::UpdateCampaignTargeting { .. } => "update_campaign_targeting",
            PlatformWrite::SetCampaignStatus { .. } => "set_campaign_status",
            PlatformWrite::CreateAdSet { .. } => "create_ad_set",
            PlatformWrite::SetAdSetStatus { .. } => "set_ad_set_status",
            PlatformWrite::CreateAd { .. } => "create_ad",
            PlatformWrite::ReplaceAdCreative { .. } => "replace_ad_creative",
            PlatformWrite::SetAdStatus { .. } => "set_ad_status",
        }
    }

    /// Whether the write creates a new platform object (and so gets a new platform id).
    pub fn is_create(&self) -> bool {
        matches!(
            self,
            PlatformWrite::CreateCampaign { .. }
                | PlatformWrite::CreateAdSet { .. }
                | PlatformWrite::CreateAd { .. }
        )
    }

    /// Every amount of money the write sends, with its normalized field, in minor units.
    pub fn amounts(&self) -> Vec<(&'static str, i64)> {
        let mut amounts = Vec::new();
        match self {
            PlatformWrite::CreateCampaign { budget, bid_amount_cents, .. } => {
                amounts.push((budget.kind().field(), budget.cents()));
                amounts.extend(bid_amount_cents.map(|cents| ("bidAmountCents", cents)));
            }
            PlatformWrite::UpdateCampaignBudget { budget, .. } => {
                amounts.push((budget.kind().field(), budget.cents()));
            }
            PlatformWrite::UpdateCampaignBidding { bid_amount_cents, .. } => {
                amounts.extend(bid_amount_cents.map(|cents| ("bidAmountCents", cents)));
            }
            PlatformWrite::CreateAdSet { daily_budget_cents, bid_amount_cents, .. } => {
                amounts.extend(daily_budget_cents.map(|cents| ("dailyBudgetCents", cents)));
                amounts.extend(bid_amount_cents.map(|cents| ("bidAmountCents", cents)));
            }
            _ => {}
        }
        amounts
    }

    /// Whether this write shows a creative, which the platform must hold first (a push).
    pub fn shows_creative(&self) -> bool {
        matches!(self, PlatformWrite::CreateAd { .. } | PlatformWrite::ReplaceAdCreative { .. })
    }

    /// The platform id of the object an update changes; `None` for creates.
    pub fn target_id(&self) -> Option<&str> {
        match self {
            PlatformWrite::CreateCampaign { .. }
            | PlatformWrite::CreateAdSet { .. }
            | PlatformWrite::CreateAd { .. } => None,
            PlatformWrite::UpdateCampaignBudget { campaign_id, .. }
            | PlatformWrite::UpdateCampaignBidding { campaign_id, .. }
            | PlatformWrite::UpdateCampaignSchedule { campaign_id, .. }
            | PlatformWrite::UpdateCampaignTargeting { campaign_id, .. }
            | PlatformWrite::SetCampaignStatus { campaign_id, .. } => Some(campaign_id),
            PlatformWrite::SetAdSetStatus { ad_set_id, .. } => Some(ad_set_id),
            PlatformWrite::ReplaceAdCreative { ad_id, .. } | PlatformWrite::SetAdStatus { ad_id, .. } => {
                Some(ad_id)
            }
        }
    }
}

/// The idempotency key of the write whose audit row is `audit_id`: the row id's low 63 bits
/// as a decimal string (an int64, as TikTok's `request_id` wants), the same at every attempt.
pub fn dispatch_key(audit_id: uuid::Uuid) -> String {
    let low = audit_id.as_u128() as u64;
    (low & (i64::MAX as u64)).to_string()
}

/// How a creative the platform holds makes an ad: its media kind, the cover of a TikTok video,
/// and the ad's text.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdMedia {
    /// Video or image.
    pub kind: MediaKind,
    /// TikTok: the image id of a video's cover.
    pub cover_image_id: Option<String>,
    /// The ad text (the creative's name).
    pub text: String,
}

/// What a creative's media is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A video (`.mp4`, `.mov`, `.m4v`, `.webm`).
    Video,
    /// A still image (anything else).
    Image,
}

impl MediaKind {
    /// The kind of the media at `url`, from its path's extension.
    pub fn of_url(url: &str) -> Self {
        let path = url.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
        let video = [".mp4", ".mov", ".m4v", ".webm"].iter().any(|ext| path.ends_with(ext));
        if video { MediaKind::Video } else { MediaKind::Image }
    }

    /// `video` or `image`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Video => "video",
            MediaKind::Image => "image",
        }
    }
}

/// Who ads speak as, where they lead and what they promote, from the layer's settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdIdentity {
    /// Meta: the Facebook Page the ads run from.
    pub meta_page_id: Option<String>,
    /// TikTok: the identity type (`CUSTOMIZED_USER`, `TT_USER`, ...).
    pub tiktok_identity_type: Option<String>,
    /// TikTok: the identity id.
    pub tiktok_identity_id: Option<String>,
    /// Where a tap on an ad leads.
    pub landing_page_url: Option<String>,
    /// Meta: the pixel conversions ad sets optimize for.
    pub meta_pixel_id: Option<String>,
    /// Meta: the pixel's conversion event (`PURCHASE` when unset).
    pub meta_custom_event_type: Option<String>,
    /// Meta: the promoted app's Meta application id.
    pub meta_application_id: Option<String>,
    /// Meta and TikTok: the promoted app's App Store or Google Play URL.
    pub app_store_url: Option<String>,
    /// TikTok: the promoted app's TikTok app id.
    pub tiktok_app_id: Option<String>,
    /// TikTok: the pixel conversions ad groups optimize for.
    pub tiktok_pixel_id: Option<String>,
    /// TikTok: the pixel event they optimize for (`SHOPPING` when unset).
    pub tiktok_optimization_event: Option<String>,
}

/// The facts about a layer's connected account that a native request needs.
#[derive(Debug, Clone)]
pub struct AccountContext {
    /// The platform the account is on.
    pub platform: Platform,
    /// The platform's ad account id (Meta `act_` id without the prefix, TikTok advertiser id).
    pub ad_account_id: Option<String>,
    /// The layer's currency: money is converted into it at the boundary.
    pub currency: Currency,
    /// Apple Search Ads organization id (sent as `X-AP-Context: orgId=…` on v5).
    pub apple_org_id: Option<String>,
    /// Which Apple API the account speaks: v5 writes carry the org id, v1 writes the ad account
    /// id (`X-AP-Context: adAccountId=…`). Ignored on other platforms.
    pub apple_api: AppleApi,
    /// Apple's App Store id of the promoted app.
    pub apple_adam_id: Option<String>,
    /// ISO 3166-1 alpha-2 countries the layer runs in (Apple campaigns, default ad set targeting).
    pub countries: Vec<String>,
    /// Who the account's ads speak as and where they lead.
    pub identity: AdIdentity,
    /// A key naming this one write for the platform's idempotency (TikTok's `request_id` on a
    /// create), derived from the write's audit row; `None` outside a dispatch.
    pub dispatch_key: Option<String>,
    /// The connected account's access token, decrypted just before sending; `None` in sandbox mode
    /// or when no account is connected. Never recorded: requests show [`super::REDACTED`].
    pub access_token: Option<Secret>,
}
