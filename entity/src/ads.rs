//! `ads`: ads under an ad set, each showing one creative.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One ad.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ads")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The campaign it runs in.
    pub campaign_id: Uuid,
    /// The ad set it belongs to.
    pub ad_set_id: Uuid,
    /// The creative it shows (cleared if the creative is deleted).
    pub content_container_id: Option<Uuid>,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Status code (`active`, `paused`, ...).
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// The platform's own id, once created there.
    #[sea_orm(column_type = "Text", nullable)]
    pub platform_ad_id: Option<String>,
    /// Bumped on every applied write.
    pub version: i64,
    /// When the ad went live on the platform.
    pub launched_at: Option<DateTimeUtc>,
    /// When the ad was created.
    pub created_at: DateTimeUtc,
    /// When the ad last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of an ad.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The campaign it runs in.
    #[sea_orm(
        belongs_to = "super::campaigns::Entity",
        from = "Column::CampaignId",
        to = "super::campaigns::Column::Id",
        on_delete = "Cascade"
    )]
    Campaigns,
    /// The ad set it belongs to.
    #[sea_orm(
        belongs_to = "super::ad_sets::Entity",
        from = "Column::AdSetId",
        to = "super::ad_sets::Column::Id",
        on_delete = "Cascade"
    )]
    AdSets,
    /// The creative it shows.
    #[sea_orm(
        belongs_to = "super::content_containers::Entity",
        from = "Column::ContentContainerId",
        to = "super::content_containers::Column::Id",
        on_delete = "SetNull"
    )]
    ContentContainers,
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::ad_sets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdSets.def()
    }
}

impl Related<super::content_containers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ContentContainers.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
