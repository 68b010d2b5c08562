//! Applying a write the platform accepted to local state.
//!
//! Every applied write bumps the target's `version`, which is how approval detects that a pending
//! action's before/after no longer holds. An update answers the row as it left it (`RETURNING`).

use entity::{ad_sets, ads, campaigns};
use sea_orm::ConnectionTrait;

use super::dispatch::next_status;
use super::prepare::Prepared;
use super::write::{AdWrite, NewCampaign};
use super::{Caller, Failure};
use crate::domain::status::EntityStatus;
use crate::error::ApiError;
use crate::store::ads::{self as store_ads, AdChange, NewAd, NewAdSet};
use crate::store::campaigns::{self as store_campaigns, CampaignChange};
use crate::store::codes::{AdCodes, AdSetCodes, CampaignCodes};

/// The rows an applied write created or changed.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub campaign: Option<campaigns::Model>,
    pub ad_set: Option<ad_sets::Model>,
    pub ad: Option<ads::Model>,
}

/// The change `write` makes to its campaign, when it changes one that exists (a budget, bidding,
/// schedule, targeting or status write).
pub(crate) fn campaign_change(
    write: &AdWrite,
    prepared: &Prepared,
) -> Result<Option<CampaignChange>, Failure> {
    Ok(Some(match write {
        AdWrite::CampaignBudget { budget, .. } => CampaignChange::Budget(*budget),
        AdWrite::CampaignBidding { bid_strategy, bid_amount_cents, .. } => {
            CampaignChange::Bidding { strategy: *bid_strategy, amount_cents: *bid_amount_cents }
        }
        AdWrite::CampaignSchedule { start_time, end_time, .. } => {
            CampaignChange::Schedule { start: *start_time, end: *end_time }
        }
        AdWrite::CampaignTargeting { targeting, .. } => {
            CampaignChange::Targeting(serde_json::to_value(targeting)?)
        }
        AdWrite::CampaignStatus { action, .. } => CampaignChange::Status(next_status(
            prepared.campaign.as_ref().map(CampaignCodes::status).transpose()?,
            *action,
        )?),
        AdWrite::CreateCampaign(_)
        | AdWrite::CreateAdSet { .. }
        | AdWrite::AdSetStatus { .. }
        | AdWrite::LaunchAd { .. }
        | AdWrite::ReplaceAdCreative { .. }
        | AdWrite::PruneAd { .. }
        | AdWrite::AdStatus { .. } => return Ok(None),
    }))
}

/// Applies `write` locally; `platform_id` is the id the platform gave a created object.
pub(crate) async fn apply<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    write: &AdWrite,
    prepared: &Prepared,
    platform_id: Option<String>,
) -> Result<Applied, Failure> {
    let target = prepared.target_id;
    let campaign = |change| async move {
        let campaign = store_campaigns::update(conn, target, change).await?;
        Ok::<_, Failure>(Applied { campaign, ..Default::default() })
    };
    let ad = |change| async move {
        let ad = store_ads::update_ad(conn, target, change).await?;
        Ok::<_, Failure>(Applied { ad, ..Default::default() })
    };
    match write {
        AdWrite::CreateCampaign(new) => {
            let campaign = create_campaign(conn, caller, prepared, new, platform_id).await?;
            Ok(Applied { campaign: Some(campaign), ..Default::default() })
        }
        AdWrite::CampaignBudget { .. }
        | AdWrite::CampaignBidding { .. }
        | AdWrite::CampaignSchedule { .. }
        | AdWrite::CampaignTargeting { .. }
        | AdWrite::CampaignStatus { .. } => {
            let change = campaign_change(write, prepared)?
                .ok_or_else(|| ApiError::internal("a campaign write changes its campaign"))?;
            campaign(change).await
        }
        AdWrite::CreateAdSet { campaign_id, name, daily_budget_cents, targeting } => {
            let new = NewAdSet {
                organization_id: caller.organization_id,
                campaign_id: *campaign_id,
                name: name.clone(),
                daily_budget_cents: *daily_budget_cents,
                targeting: targeting.as_ref().map(serde_json::to_value).transpose()?,
                platform_ad_set_id: platform_id,
            };
            let ad_set = store_ads::insert_ad_set(conn, new).await?;
            Ok(Applied { ad_set: Some(ad_set), ..Default::default() })
        }
        AdWrite::AdSetStatus { action, .. } => {
            let status = next_status(prepared.ad_set.as_ref().map(AdSetCodes::status).transpose()?, *action)?;
            let ad_set = store_ads::set_ad_set_status(conn, target, status).await?;
            Ok(Applied { ad_set, ..Default::default() })
        }
        AdWrite::LaunchAd { ad_set_id, name, creative_id } => {
            let campaign_id = prepared
                .campaign
                .as_ref()
                .map(|c| c.id)
                .ok_or_else(|| ApiError::internal("launch without campaign"))?;
            let new = NewAd {
                organization_id: caller.organization_id,
                campaign_id,
                ad_set_id: *ad_set_id,
                creative_id: *creative_id,
                name: name.clone(),
                platform_ad_id: platform_id,
            };
            let ad = store_ads::insert_ad(conn, new).await?;
            Ok(Applied { ad: Some(ad), ..Default::default() })
        }
        AdWrite::ReplaceAdCreative { creative_id, .. } => ad(AdChange::Creative(*creative_id)).await,
        AdWrite::PruneAd { .. } => ad(AdChange::Status(EntityStatus::Paused)).await,
        AdWrite::AdStatus { action, .. } => {
            let status = next_status(prepared.ad.as_ref().map(AdCodes::status).transpose()?, *action)?;
            ad(AdChange::Status(status)).await
        }
    }
}

async fn create_campaign<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    prepared: &Prepared,
    new: &NewCampaign,
    platform_id: Option<String>,
) -> Result<campaigns::Model, Failure> {
    let row = store_campaigns::NewCampaign {
        organization_id: caller.organization_id,
        layer_id: prepared.layer.id,
        platform: new.platform,
        name: new.name.clone(),
        outcome: new.outcome,
        budget: new.budget,
        bid_strategy: new.bid_strategy,
        bid_amount_cents: new.bid_amount_cents,
        schedule_start: new.start_time,
        schedule_end: new.end_time,
        targeting: new.targeting.as_ref().map(serde_json::to_value).transpose()?,
        platform_campaign_id: platform_id,
    };
    Ok(store_campaigns::insert(conn, row, new.authority, caller.label()).await?)
}
