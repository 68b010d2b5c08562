//! The normalized ad writes the gate decides on, as validated at the API boundary.
//!
//! An `AdWrite` is what a pending action stores (as JSON) and what approval replays, so it holds
//! only validated values and ids, never rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Platform;
use crate::domain::authority::{AuthorityBlock, Axis};
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::money::Budget;
use crate::domain::status::StatusAction;

/// One ad write, after input validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdWrite {
    /// Create a campaign on a layer (the simplified create).
    CreateCampaign(NewCampaign),
    /// Change a campaign's budget.
    CampaignBudget { campaign_id: Uuid, budget: Budget },
    /// Change a campaign's bid strategy and amount.
    CampaignBidding { campaign_id: Uuid, bid_strategy: BidStrategy, bid_amount_cents: Option<i64> },
    /// Change a campaign's schedule.
    CampaignSchedule { campaign_id: Uuid, start_time: Option<DateTime<Utc>>, end_time: Option<DateTime<Utc>> },
    /// Change a campaign's targeting.
    CampaignTargeting { campaign_id: Uuid, targeting: Targeting },
    /// Pause, resume, archive or delete a campaign.
    CampaignStatus { campaign_id: Uuid, action: StatusAction },
    /// Create an ad set under a campaign.
    CreateAdSet {
        campaign_id: Uuid,
        name: String,
        daily_budget_cents: Option<i64>,
        targeting: Option<Targeting>,
    },
    /// Pause, resume, archive or delete an ad set.
    AdSetStatus { ad_set_id: Uuid, action: StatusAction },
    /// Launch a creative as a new ad in an ad set.
    LaunchAd { ad_set_id: Uuid, name: String, creative_id: Uuid },
    /// Show another creative in an existing ad.
    ReplaceAdCreative { ad_id: Uuid, creative_id: Uuid },
    /// Pause an ad because of its creative (the optimizer's prune).
    PruneAd { ad_id: Uuid },
    /// Pause, resume, archive or delete an ad.
    AdStatus { ad_id: Uuid, action: StatusAction },
}

/// The simplified create: the four required fields plus optional overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCampaign {
    /// The platform (and so the layer) to create it on.
    pub platform: Platform,
    /// Validated campaign name.
    pub name: String,
    /// Daily or lifetime budget, in minor units.
    pub budget: Budget,
    /// What the campaign optimizes for.
    pub outcome: Outcome,
    /// The new campaign's authority, from `campaignManagementMode` and `creativeMode`.
    pub authority: AuthorityBlock,
    /// Bid strategy (defaults to lowest cost).
    pub bid_strategy: BidStrategy,
    /// Cost or bid cap, for the strategies that take one.
    pub bid_amount_cents: Option<i64>,
    /// Optional targeting.
    pub targeting: Option<Targeting>,
    /// Optional schedule start.
    pub start_time: Option<DateTime<Utc>>,
    /// Optional schedule end.
    pub end_time: Option<DateTime<Utc>>,
}

impl AdWrite {
    /// The axis this write needs (README.md, "The gate": which axis a write needs).
    pub fn axis(&self) -> Axis {
        match self {
            AdWrite::LaunchAd { .. } | AdWrite::ReplaceAdCreative { .. } | AdWrite::PruneAd { .. } => {
                Axis::Creative
            }
            AdWrite::CampaignBudget { .. }
            | AdWrite::CampaignBidding { .. }
            | AdWrite::CampaignSchedule { .. }
            | AdWrite::CampaignTargeting { .. } => Axis::Tactical,
            AdWrite::CreateCampaign(_)
            | AdWrite::CampaignStatus { .. }
            | AdWrite::CreateAdSet { .. }
            | AdWrite::AdSetStatus { .. }
            | AdWrite::AdStatus { .. } => Axis::Structural,
        }
    }

    /// The action code stored in the audit row and the pending action (`campaign.budget`).
    pub fn action(&self) -> &'static str {
        match self {
            AdWrite::CreateCampaign(_) => "campaign.create",
            AdWrite::CampaignBudget { .. } => "campaign.budget",
            AdWrite::CampaignBidding { .. } => "campaign.bidding",
            AdWrite::CampaignSchedule { .. } => "campaign.schedule",
            AdWrite::CampaignTargeting { .. } => "campaign.targeting",
            AdWrite::CampaignStatus { .. } => "campaign.status",
            AdWrite::CreateAdSet { .. } => "ad_set.create",
            AdWrite::AdSetStatus { .. } => "ad_set.status",
            AdWrite::LaunchAd { .. } => "ad.launch",
            AdWrite::ReplaceAdCreative { .. } => "ad.replace_creative",
            AdWrite::PruneAd { .. } => "ad.prune",
            AdWrite::AdStatus { .. } => "ad.status",
        }
    }

    /// The existing object this write changes (a campaign, ad set or ad); `None` for writes that
    /// create one.
    pub fn object(&self) -> Option<Uuid> {
        match self {
            AdWrite::CreateCampaign(_) | AdWrite::CreateAdSet { .. } | AdWrite::LaunchAd { .. } => None,
            AdWrite::CampaignBudget { campaign_id, .. }
            | AdWrite::CampaignBidding { campaign_id, .. }
            | AdWrite::CampaignSchedule { campaign_id, .. }
            | AdWrite::CampaignTargeting { campaign_id, .. }
            | AdWrite::CampaignStatus { campaign_id, .. } => Some(*campaign_id),
            AdWrite::AdSetStatus { ad_set_id, .. } => Some(*ad_set_id),
            AdWrite::ReplaceAdCreative { ad_id, .. }
            | AdWrite::PruneAd { ad_id }
            | AdWrite::AdStatus { ad_id, .. } => Some(*ad_id),
        }
    }

    /// What a queued proposal of this write changes, for superseding: a newer proposal with the
    /// same target and key replaces the one still waiting. A field update's key is its action (a
    /// budget proposal supersedes the waiting budget proposal, not a bidding one); a launch's is
    /// the creative it launches into its ad set. Creates have none: two new campaigns are two
    /// proposals.
    pub fn supersede_key(&self) -> Option<String> {
        match self {
            AdWrite::CreateCampaign(_) | AdWrite::CreateAdSet { .. } => None,
            AdWrite::LaunchAd { creative_id, .. } => Some(format!("{}:{creative_id}", self.action())),
            _ => Some(self.action().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_updates_and_launches_supersede_creates_do_not() {
        let campaign_id = Uuid::now_v7();
        let budget = AdWrite::CampaignBudget { campaign_id, budget: Budget::Daily(7500) };
        assert_eq!(budget.supersede_key().as_deref(), Some("campaign.budget"));
        let creative_id = Uuid::now_v7();
        let launch = AdWrite::LaunchAd { ad_set_id: Uuid::now_v7(), name: "a".into(), creative_id };
        assert_eq!(launch.supersede_key(), Some(format!("ad.launch:{creative_id}")));
        let ad_set =
            AdWrite::CreateAdSet { campaign_id, name: "s".into(), daily_budget_cents: None, targeting: None };
        assert_eq!(ad_set.supersede_key(), None);
    }

    #[test]
    fn stored_json_round_trips() {
        let write = AdWrite::CampaignBudget { campaign_id: Uuid::now_v7(), budget: Budget::Daily(7500) };
        let json = serde_json::to_value(&write).expect("serializes");
        assert_eq!(json["kind"], "campaign_budget");
        let back: AdWrite = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, write);
    }
}
