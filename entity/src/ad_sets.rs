//! `ad_sets`: ad sets (ad groups on TikTok and Apple) under a campaign.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One ad set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ad_sets")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The campaign it belongs to.
    pub campaign_id: Uuid,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Status code (`active`, `paused`, ...).
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Daily budget in minor units, when set at ad set level.
    pub daily_budget_cents: Option<i64>,
    /// Normalized targeting, as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub targeting: Option<Json>,
    /// The platform's own id, once created there.
    #[sea_orm(column_type = "Text", nullable)]
    pub platform_ad_set_id: Option<String>,
    /// Bumped on every applied write.
    pub version: i64,
    /// When the ad set was created.
    pub created_at: DateTimeUtc,
    /// When the ad set last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of an ad set.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The campaign it belongs to.
    #[sea_orm(
        belongs_to = "super::campaigns::Entity",
        from = "Column::CampaignId",
        to = "super::campaigns::Column::Id",
        on_delete = "Cascade"
    )]
    Campaigns,
    /// Its ads.
    #[sea_orm(has_many = "super::ads::Entity")]
    Ads,
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::ads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ads.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
