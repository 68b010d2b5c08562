//! `layers`: one per organization per platform, holding the connected ad account, the defaults
//! block, the kill switch and platform configuration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One platform layer of an organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "layers")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// `meta`, `tiktok` or `apple` (unique per organization).
    #[sea_orm(column_type = "Text")]
    pub platform: String,
    /// ISO 4217 code of the ad account's currency (default `USD`).
    #[sea_orm(column_type = "Text")]
    pub currency: String,
    /// Default creative axis mode: `off`, `draft` or `auto`.
    #[sea_orm(column_type = "Text")]
    pub default_creative: String,
    /// Default tactical axis mode: `off`, `draft` or `auto`.
    #[sea_orm(column_type = "Text")]
    pub default_tactical: String,
    /// Default structural axis mode: `off`, `draft` or `auto`.
    #[sea_orm(column_type = "Text")]
    pub default_structural: String,
    /// Cap on any campaign's daily budget, in minor units.
    pub max_daily_budget_cents: Option<i64>,
    /// Whether the kill switch is tripped (every write denied).
    pub kill_switch_active: bool,
    /// When the kill switch was last tripped.
    pub kill_switch_tripped_at: Option<DateTimeUtc>,
    /// Who last tripped the kill switch.
    #[sea_orm(column_type = "Text", nullable)]
    pub kill_switch_tripped_by: Option<String>,
    /// Why the kill switch was last tripped.
    #[sea_orm(column_type = "Text", nullable)]
    pub kill_switch_reason: Option<String>,
    /// The connected ad account's platform id.
    #[sea_orm(column_type = "Text", nullable)]
    pub ad_account_id: Option<String>,
    /// Apple Search Ads organization id.
    #[sea_orm(column_type = "Text", nullable)]
    pub apple_org_id: Option<String>,
    /// Apple app `adamId`.
    #[sea_orm(column_type = "Text", nullable)]
    pub apple_adam_id: Option<String>,
    /// Countries the layer runs in (Apple campaigns, default ad set targeting): a JSON array of ISO codes.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub countries: Option<Json>,
    /// The Facebook Page Meta ads speak as.
    #[sea_orm(column_type = "Text", nullable)]
    pub meta_page_id: Option<String>,
    /// The kind of TikTok identity ads speak as (`CUSTOMIZED_USER`, `TT_USER`, `BC_AUTH_TT`, `AUTH_CODE`).
    #[sea_orm(column_type = "Text", nullable)]
    pub tiktok_identity_type: Option<String>,
    /// The TikTok identity ads speak as.
    #[sea_orm(column_type = "Text", nullable)]
    pub tiktok_identity_id: Option<String>,
    /// Where a tap on an ad leads (Meta link, TikTok landing page).
    #[sea_orm(column_type = "Text", nullable)]
    pub landing_page_url: Option<String>,
    /// Meta: the pixel a conversions ad set optimizes for.
    #[sea_orm(column_type = "Text", nullable)]
    pub meta_pixel_id: Option<String>,
    /// Meta: the conversion event of that pixel (`PURCHASE`, `LEAD`, ...).
    #[sea_orm(column_type = "Text", nullable)]
    pub meta_custom_event_type: Option<String>,
    /// Meta: the promoted app's Meta application id (app-install ad sets).
    #[sea_orm(column_type = "Text", nullable)]
    pub meta_application_id: Option<String>,
    /// Meta and TikTok: the promoted app's App Store or Google Play URL (app-install ad sets).
    #[sea_orm(column_type = "Text", nullable)]
    pub app_store_url: Option<String>,
    /// TikTok: the promoted app's TikTok app id (app-promotion ad groups).
    #[sea_orm(column_type = "Text", nullable)]
    pub tiktok_app_id: Option<String>,
    /// TikTok: the pixel a conversions ad group optimizes for.
    #[sea_orm(column_type = "Text", nullable)]
    pub tiktok_pixel_id: Option<String>,
    /// TikTok: the pixel event a conversions ad group optimizes for (`SHOPPING`, `FORM`, ...).
    #[sea_orm(column_type = "Text", nullable)]
    pub tiktok_optimization_event: Option<String>,
    /// Bumped on every change to the defaults block or kill switch.
    pub version: i64,
    /// When the layer was created.
    pub created_at: DateTimeUtc,
    /// When the layer last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning organization.
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organizations,
    /// The layer's campaigns.
    #[sea_orm(has_many = "super::campaigns::Entity")]
    Campaigns,
    /// The layer's pending actions.
    #[sea_orm(has_many = "super::pending_actions::Entity")]
    PendingActions,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::pending_actions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PendingActions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
