//! Ad set and ad writes.

use async_graphql::{Context, Object};

use super::inputs::{
    ChangeAdSetStatusInput, ChangeAdStatusInput, CreateAdSetInput, LaunchAdInput, PruneAdInput,
    ReplaceAdCreativeInput,
};
use super::{WritePayload, submit, validate};
use crate::ids::NodeKind;
use crate::service::AdWrite;

/// Ad set and ad writes.
#[derive(Default, Debug)]
pub struct AdMutations;

#[Object]
impl AdMutations {
    /// Creates an ad set (ad group) under a campaign (structural axis).
    async fn create_ad_set(
        &self,
        ctx: &Context<'_>,
        input: CreateAdSetInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = (|| {
            Ok(AdWrite::CreateAdSet {
                campaign_id: validate::id(NodeKind::Campaign, "campaignId", &input.campaign_id)?,
                name: validate::name("name", &input.name)?,
                daily_budget_cents: input
                    .daily_budget_cents
                    .map(|cents| validate::daily_amount("dailyBudgetCents", cents))
                    .transpose()?,
                targeting: input.targeting.as_ref().map(validate::targeting).transpose()?,
            })
        })();
        submit(ctx, write, input.dry_run).await
    }

    /// Pauses, resumes, archives or deletes an ad set (structural axis).
    async fn change_ad_set_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeAdSetStatusInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = validate::id(NodeKind::AdSet, "adSetId", &input.ad_set_id)
            .map(|ad_set_id| AdWrite::AdSetStatus { ad_set_id, action: input.action.into() });
        submit(ctx, write, input.dry_run).await
    }

    /// Launches a creative as a new ad in an ad set (creative axis).
    async fn launch_ad(
        &self,
        ctx: &Context<'_>,
        input: LaunchAdInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = (|| {
            Ok(AdWrite::LaunchAd {
                ad_set_id: validate::id(NodeKind::AdSet, "adSetId", &input.ad_set_id)?,
                name: validate::name("name", &input.name)?,
                creative_id: validate::id(NodeKind::Creative, "creativeId", &input.creative_id)?,
            })
        })();
        submit(ctx, write, input.dry_run).await
    }

    /// Makes an ad show another creative (creative axis).
    async fn replace_ad_creative(
        &self,
        ctx: &Context<'_>,
        input: ReplaceAdCreativeInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = (|| {
            Ok(AdWrite::ReplaceAdCreative {
                ad_id: validate::id(NodeKind::Ad, "adId", &input.ad_id)?,
                creative_id: validate::id(NodeKind::Creative, "creativeId", &input.creative_id)?,
            })
        })();
        submit(ctx, write, input.dry_run).await
    }

    /// Pauses an ad because of its creative (creative axis; the optimizer guardrails apply to
    /// the optimizer's prunes).
    async fn prune_ad(&self, ctx: &Context<'_>, input: PruneAdInput) -> async_graphql::Result<WritePayload> {
        let write = validate::id(NodeKind::Ad, "adId", &input.ad_id).map(|ad_id| AdWrite::PruneAd { ad_id });
        submit(ctx, write, input.dry_run).await
    }

    /// Pauses, resumes, archives or deletes an ad (structural axis).
    async fn change_ad_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeAdStatusInput,
    ) -> async_graphql::Result<WritePayload> {
        let write = validate::id(NodeKind::Ad, "adId", &input.ad_id)
            .map(|ad_id| AdWrite::AdStatus { ad_id, action: input.action.into() });
        submit(ctx, write, input.dry_run).await
    }
}
