//! `campaigns`: a campaign under a layer, with its budget, bidding, schedule, targeting, status
//! and the version every applied write bumps.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One campaign.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The layer (organization and platform) it runs under.
    pub layer_id: Uuid,
    /// `meta`, `tiktok` or `apple` (the layer's platform).
    #[sea_orm(column_type = "Text")]
    pub platform: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Platform-normalized outcome (`conversions`, `traffic`, `app_installs`).
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    /// `active`, `paused`, `archived` or `deleted`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Daily budget in minor units; exclusive with the lifetime budget.
    pub daily_budget_cents: Option<i64>,
    /// Lifetime budget in minor units; exclusive with the daily budget.
    pub lifetime_budget_cents: Option<i64>,
    /// Bid strategy code.
    #[sea_orm(column_type = "Text")]
    pub bid_strategy: String,
    /// Bid amount in minor units, for strategies that take one.
    pub bid_amount_cents: Option<i64>,
    /// When the campaign starts running.
    pub schedule_start: Option<DateTimeUtc>,
    /// When the campaign stops running.
    pub schedule_end: Option<DateTimeUtc>,
    /// Normalized targeting, as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub targeting: Option<Json>,
    /// The platform's own id, once created there.
    #[sea_orm(column_type = "Text", nullable)]
    pub platform_campaign_id: Option<String>,
    /// Bumped on every applied write (pending actions compare it).
    pub version: i64,
    /// When the campaign was created.
    pub created_at: DateTimeUtc,
    /// When the campaign last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a campaign.
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
    /// The layer it runs under.
    #[sea_orm(
        belongs_to = "super::layers::Entity",
        from = "Column::LayerId",
        to = "super::layers::Column::Id",
        on_delete = "Cascade"
    )]
    Layers,
    /// Its authority row, when one exists.
    #[sea_orm(has_one = "super::campaign_authority::Entity")]
    CampaignAuthority,
    /// Its ad sets.
    #[sea_orm(has_many = "super::ad_sets::Entity")]
    AdSets,
    /// Its ads.
    #[sea_orm(has_many = "super::ads::Entity")]
    Ads,
    /// Its pending actions.
    #[sea_orm(has_many = "super::pending_actions::Entity")]
    PendingActions,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::layers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Layers.def()
    }
}

impl Related<super::campaign_authority::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CampaignAuthority.def()
    }
}

impl Related<super::ad_sets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdSets.def()
    }
}

impl Related<super::ads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ads.def()
    }
}

impl Related<super::pending_actions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PendingActions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
