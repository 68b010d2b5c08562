//! Policy writes: campaign authority, layer defaults, and the customer-only kill switch.

use async_graphql::{Context, MaybeUndefined, Object};

use super::inputs::{UpdateCampaignAuthorityInput, UpdateLayerDefaultsInput, UpdateLayerSettingsInput};
use super::payloads::{KillSwitchPayload, LayerSettingsPayload, PolicyPayload};
use super::{answer, validate, writer};
use crate::domain::UserErrorCode;
use crate::domain::authority::AuthorityChange;
use crate::domain::layer_settings::{Promoted, RequestedSettings};
use crate::error::UserError;
use crate::graphql::enums::Platform;
use crate::ids::NodeKind;
use crate::service::LayerDefaultsChange;

/// Policy writes.
#[derive(Default, Debug)]
pub struct PolicyMutations;

#[Object]
impl PolicyMutations {
    /// Changes a campaign's authority block. Customers apply at once; partners need
    /// `ads:write:policy`, lowering applies at once, any raise is queued for the customer.
    async fn update_campaign_authority(
        &self,
        ctx: &Context<'_>,
        input: UpdateCampaignAuthorityInput,
    ) -> async_graphql::Result<PolicyPayload> {
        let (caller, services) = writer(ctx)?;
        let inherit = input.inherit_defaults.unwrap_or(false);
        let dry_run = input.dry_run.unwrap_or(false);
        let parsed = (|| {
            let campaign_id = validate::id(NodeKind::Campaign, "campaignId", &input.campaign_id)?;
            let change = AuthorityChange {
                creative: input.creative.map(Into::into),
                tactical: input.tactical.map(Into::into),
                structural: input.structural.map(Into::into),
            };
            if inherit && !change.is_empty() {
                return Err(UserError::field(
                    "inheritDefaults",
                    UserErrorCode::AuthorityConflict,
                    "give either axis modes or inheritDefaults, not both",
                ));
            }
            Ok((campaign_id, change))
        })();
        answer(parsed, async |(campaign_id, change)| {
            services.update_campaign_authority(caller, campaign_id, change, inherit, dry_run).await
        })
        .await
    }

    /// Changes a layer's defaults block and daily budget cap, under the same rules as campaign authority.
    async fn update_layer_defaults(
        &self,
        ctx: &Context<'_>,
        input: UpdateLayerDefaultsInput,
    ) -> async_graphql::Result<PolicyPayload> {
        let (caller, services) = writer(ctx)?;
        let cap = match input.max_daily_budget_cents {
            MaybeUndefined::Undefined => Ok(None),
            MaybeUndefined::Null => Ok(Some(None)),
            MaybeUndefined::Value(cents) => {
                validate::daily_amount("maxDailyBudgetCents", cents).map(|cents| Some(Some(cents)))
            }
        };
        let change = cap.map(|cap| LayerDefaultsChange {
            authority: AuthorityChange {
                creative: input.creative.map(Into::into),
                tactical: input.tactical.map(Into::into),
                structural: input.structural.map(Into::into),
            },
            max_daily_budget_cents: cap,
        });
        let (platform, dry_run) = (input.platform.into(), input.dry_run.unwrap_or(false));
        answer(change, async |change| services.update_layer_defaults(caller, platform, change, dry_run).await)
            .await
    }

    /// Changes a layer's platform settings: currency, countries, Apple's app, Meta's Page,
    /// TikTok's identity, the landing page, what app and conversion campaigns promote. Customer
    /// only; partners are denied `customer_only`.
    async fn update_layer_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateLayerSettingsInput,
    ) -> async_graphql::Result<LayerSettingsPayload> {
        let (caller, services) = writer(ctx)?;
        let clearable = |value: MaybeUndefined<String>| match value {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(value) => Some(Some(value)),
        };
        let requested = RequestedSettings {
            currency: input.currency,
            countries: input.countries,
            apple_adam_id: clearable(input.apple_adam_id),
            meta_page_id: clearable(input.meta_page_id),
            tiktok_identity_type: clearable(input.tiktok_identity_type),
            tiktok_identity_id: clearable(input.tiktok_identity_id),
            landing_page_url: clearable(input.landing_page_url),
            promoted: Promoted {
                meta_pixel_id: clearable(input.meta_pixel_id),
                meta_custom_event_type: clearable(input.meta_custom_event_type),
                meta_application_id: clearable(input.meta_application_id),
                app_store_url: clearable(input.app_store_url),
                tiktok_app_id: clearable(input.tiktok_app_id),
                tiktok_pixel_id: clearable(input.tiktok_pixel_id),
                tiktok_optimization_event: clearable(input.tiktok_optimization_event),
            },
        };
        let dry_run = input.dry_run.unwrap_or(false);
        Ok(services.update_layer_settings(caller, input.platform.into(), requested, dry_run).await?.into())
    }

    /// Trips a layer's kill switch: every ad write to it is denied until released. Customer only.
    async fn trip_kill_switch(
        &self,
        ctx: &Context<'_>,
        platform: Platform,
        reason: Option<String>,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<KillSwitchPayload> {
        let (caller, services) = writer(ctx)?;
        let reason = validate::note("reason", reason).map_err(UserError::at_argument);
        let dry_run = dry_run.unwrap_or(false);
        answer(reason, async |reason| {
            services.set_kill_switch(caller, platform.into(), true, reason, dry_run).await
        })
        .await
    }

    /// Releases a layer's kill switch. Customer only.
    async fn release_kill_switch(
        &self,
        ctx: &Context<'_>,
        platform: Platform,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<KillSwitchPayload> {
        let (caller, services) = writer(ctx)?;
        Ok(services
            .set_kill_switch(caller, platform.into(), false, None, dry_run.unwrap_or(false))
            .await?
            .into())
    }
}
