//! Campaign writes: the simplified create, budget, bidding, schedule, targeting and status.

use async_graphql::{Context, Object};

use super::inputs::{
    ChangeCampaignStatusInput, CreateCampaignInput, UpdateCampaignBiddingInput, UpdateCampaignBudgetInput,
    UpdateCampaignScheduleInput, UpdateCampaignTargetingInput,
};
use super::{WritePayload, submit, validate};
use crate::domain::authority::AuthorityBlock;
use crate::domain::campaign::BidStrategy;
use crate::error::UserError;
use crate::ids::NodeKind;
use crate::service::{AdWrite, NewCampaign};

/// Campaign writes.
#[derive(Default, Debug)]
pub struct CampaignMutations;

#[Object]
impl CampaignMutations {
    /// Creates a campaign (structural axis, gated by the layer's defaults). The new campaign's
    /// authority comes from `campaignManagementMode` (tactical, structural) and `creativeMode`.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: CreateCampaignInput,
    ) -> async_graphql::Result<WritePayload> {
        let dry_run = input.dry_run;
        submit(ctx, create(input), dry_run).await
    }

    /// Changes a campaign's budget (tactical axis).
    async fn update_campaign_budget(
        &self,
        ctx: &Context<'_>,
        input: UpdateCampaignBudgetInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = (|| {
            Ok(AdWrite::CampaignBudget {
                campaign_id: validate::id(NodeKind::Campaign, "campaignId", &input.campaign_id)?,
                budget: validate::budget(input.daily_budget_cents, input.lifetime_budget_cents)?,
            })
        })();
        submit(ctx, write, input.dry_run).await
    }

    /// Changes a campaign's bid strategy and amount (tactical axis).
    async fn update_campaign_bidding(
        &self,
        ctx: &Context<'_>,
        input: UpdateCampaignBiddingInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = (|| {
            let bid_strategy: BidStrategy = input.bid_strategy.into();
            Ok(AdWrite::CampaignBidding {
                campaign_id: validate::id(NodeKind::Campaign, "campaignId", &input.campaign_id)?,
                bid_amount_cents: validate::bidding(bid_strategy, input.bid_amount_cents)?,
                bid_strategy,
            })
        })();
        submit(ctx, write, input.dry_run).await
    }

    /// Changes a campaign's schedule (tactical axis).
    async fn update_campaign_schedule(
        &self,
        ctx: &Context<'_>,
        input: UpdateCampaignScheduleInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = (|| {
            validate::schedule(input.start_time, input.end_time)?;
            Ok(AdWrite::CampaignSchedule {
                campaign_id: validate::id(NodeKind::Campaign, "campaignId", &input.campaign_id)?,
                start_time: input.start_time,
                end_time: input.end_time,
            })
        })();
        submit(ctx, write, input.dry_run).await
    }

    /// Changes a campaign's targeting (tactical axis).
    async fn update_campaign_targeting(
        &self,
        ctx: &Context<'_>,
        input: UpdateCampaignTargetingInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = (|| {
            Ok(AdWrite::CampaignTargeting {
                campaign_id: validate::id(NodeKind::Campaign, "campaignId", &input.campaign_id)?,
                targeting: validate::targeting(&input.targeting)?,
            })
        })();
        submit(ctx, write, input.dry_run).await
    }

    /// Pauses, resumes, archives or deletes a campaign (structural axis).
    async fn change_campaign_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeCampaignStatusInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = validate::id(NodeKind::Campaign, "campaignId", &input.campaign_id)
            .map(|campaign_id| AdWrite::CampaignStatus { campaign_id, action: input.action.into() });
        submit(ctx, write, input.dry_run).await
    }
}

fn create(input: CreateCampaignInput) -> Result<AdWrite, UserError> {
    let platform = input.platform.into();
    let name = validate::name("name", &input.name)?;
    let budget = validate::budget(input.daily_budget_cents, input.lifetime_budget_cents)?;
    let outcome = input.outcome.into();
    validate::platform_fit(platform, Some(outcome), Some(budget))?;
    let bid_strategy = input.bid_strategy.map_or(BidStrategy::LowestCost, Into::into);
    let bid_amount_cents = validate::bidding(bid_strategy, input.bid_amount_cents)?;
    let targeting = input.targeting.as_ref().map(validate::targeting).transpose()?;
    validate::schedule(input.start_time, input.end_time)?;
    Ok(AdWrite::CreateCampaign(NewCampaign {
        platform,
        name,
        budget,
        outcome,
        authority: AuthorityBlock::from_create_modes(
            input.campaign_management_mode.into(),
            input.creative_mode.into(),
        ),
        bid_strategy,
        bid_amount_cents,
        targeting,
        start_time: input.start_time,
        end_time: input.end_time,
    }))
}
