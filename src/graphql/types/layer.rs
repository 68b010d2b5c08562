//! `Layer`: a platform layer with its defaults block and kill switch.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::layers;

use super::{Campaign, Conn, connection};
use crate::domain;
use crate::error::ApiError;
use crate::graphql::context::{reader, services};
use crate::graphql::enums::{AxisMode, Platform};
use crate::ids::{self, NodeKind};
use crate::store::PageRequest;
use crate::store::codes::LayerCodes;

/// One mode per axis.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct AuthorityBlock {
    /// Push, replace and prune creatives.
    pub creative: AxisMode,
    /// Budget, bidding, schedule and targeting.
    pub tactical: AxisMode,
    /// Create, pause, resume, archive and delete.
    pub structural: AxisMode,
}

impl From<domain::authority::AuthorityBlock> for AuthorityBlock {
    fn from(block: domain::authority::AuthorityBlock) -> Self {
        AuthorityBlock {
            creative: block.creative.into(),
            tactical: block.tactical.into(),
            structural: block.structural.into(),
        }
    }
}

/// A layer's kill switch: while active, every ad write to the layer is denied.
#[derive(SimpleObject, Debug, Clone)]
pub struct KillSwitch {
    /// Whether it is tripped.
    pub active: bool,
    /// When it was tripped.
    pub tripped_at: Option<DateTime<Utc>>,
    /// Who tripped it (`customer:<user>`).
    pub tripped_by: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// A platform layer: the connected ad account, its currency, defaults block, cap and kill switch.
#[derive(Debug, Clone)]
pub struct Layer(pub layers::Model);

#[Object]
impl Layer {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::Layer, self.0.id))
    }

    /// The platform.
    async fn platform(&self) -> async_graphql::Result<Platform> {
        Ok(self.0.platform().map_err(ApiError::from)?.into())
    }

    /// ISO 4217 currency of every money field on this layer's campaigns (in its minor unit).
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// The fallback authority for campaigns without their own authority row.
    async fn defaults(&self) -> async_graphql::Result<AuthorityBlock> {
        Ok(self.0.defaults().map_err(ApiError::from)?.into())
    }

    /// The largest daily budget a write may set, in minor units; null means no cap.
    async fn max_daily_budget_cents(&self) -> Option<i64> {
        self.0.max_daily_budget_cents
    }

    /// Whether the kill switch is tripped.
    async fn kill_switch_active(&self) -> bool {
        self.0.kill_switch_active
    }

    /// The kill switch with who tripped it, when and why.
    async fn kill_switch(&self) -> KillSwitch {
        KillSwitch {
            active: self.0.kill_switch_active,
            tripped_at: self.0.kill_switch_tripped_at,
            tripped_by: self.0.kill_switch_tripped_by.clone(),
            reason: self.0.kill_switch_reason.clone(),
        }
    }

    /// The connected ad account id.
    async fn ad_account_id(&self) -> Option<&str> {
        self.0.ad_account_id.as_deref()
    }

    /// Countries the layer runs in (ISO 3166-1 alpha-2).
    async fn countries(&self) -> Vec<String> {
        self.0
            .countries
            .as_ref()
            .and_then(|value| serde_json::from_value(value.clone()).ok())
            .unwrap_or_default()
    }

    /// Apple: the Search Ads organization id (sent as `X-AP-Context: orgId=…`).
    async fn apple_org_id(&self) -> Option<&str> {
        self.0.apple_org_id.as_deref()
    }

    /// Apple: the promoted app's App Store id.
    async fn apple_adam_id(&self) -> Option<&str> {
        self.0.apple_adam_id.as_deref()
    }

    /// Meta: the Facebook Page ads run from.
    async fn meta_page_id(&self) -> Option<&str> {
        self.0.meta_page_id.as_deref()
    }

    /// TikTok: the identity type ads speak as.
    async fn tiktok_identity_type(&self) -> Option<&str> {
        self.0.tiktok_identity_type.as_deref()
    }

    /// TikTok: the identity id ads speak as.
    async fn tiktok_identity_id(&self) -> Option<&str> {
        self.0.tiktok_identity_id.as_deref()
    }

    /// Meta and TikTok: where a tap on an ad leads.
    async fn landing_page_url(&self) -> Option<&str> {
        self.0.landing_page_url.as_deref()
    }

    /// Meta: the pixel conversions ad sets optimize for.
    async fn meta_pixel_id(&self) -> Option<&str> {
        self.0.meta_pixel_id.as_deref()
    }

    /// Meta: the pixel's conversion event (conversions ad sets use `PURCHASE` when unset).
    async fn meta_custom_event_type(&self) -> Option<&str> {
        self.0.meta_custom_event_type.as_deref()
    }

    /// Meta: the promoted app's Meta application id.
    async fn meta_application_id(&self) -> Option<&str> {
        self.0.meta_application_id.as_deref()
    }

    /// Meta and TikTok: the promoted app's App Store or Google Play URL.
    async fn app_store_url(&self) -> Option<&str> {
        self.0.app_store_url.as_deref()
    }

    /// TikTok: the promoted app's TikTok app id.
    async fn tiktok_app_id(&self) -> Option<&str> {
        self.0.tiktok_app_id.as_deref()
    }

    /// TikTok: the pixel conversions ad groups optimize for.
    async fn tiktok_pixel_id(&self) -> Option<&str> {
        self.0.tiktok_pixel_id.as_deref()
    }

    /// TikTok: the pixel event conversions ad groups optimize for (`SHOPPING` when unset).
    async fn tiktok_optimization_event(&self) -> Option<&str> {
        self.0.tiktok_optimization_event.as_deref()
    }

    /// The ad account connected to this layer's platform (the newest that still stands:
    /// active, failing to refresh, or awaiting the customer); null when none is.
    async fn connected_account(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::ConnectedAccount>> {
        let caller = reader(ctx)?;
        let platform = self.0.platform().map_err(ApiError::from)?;
        let account = Box::pin(services(ctx)?.connected_account(caller.organization_id, platform)).await?;
        Ok(account.map(super::ConnectedAccount))
    }

    /// The layer's campaigns, newest first.
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Campaign>> {
        let caller = reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(crate::error::ApiError::from)?;
        let reads = &services(ctx)?.reads;
        let page = Box::pin(crate::store::campaigns::list(
            reads,
            caller.organization_id,
            Some(self.0.id),
            None,
            request,
        ))
        .await
        .map_err(crate::error::ApiError::from)?;
        let page = Box::pin(crate::graphql::prefetch::campaign_page(ctx, page)).await?;
        Ok(connection(page, |c| c.row().id, |c| c))
    }

    /// When the layer was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
