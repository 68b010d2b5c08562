//! `ads_content`: the ads side of a creative (score, scoring pool, manual override, flag).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The ads-content row of one creative.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ads_content")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The creative (unique: one row per creative).
    #[sea_orm(unique)]
    pub content_container_id: Uuid,
    /// Organic performance score (default 7.0).
    pub organic_score: f64,
    /// Scoring pool (default `generated`).
    #[sea_orm(column_type = "Text")]
    pub scoring_pool: String,
    /// Manual override: `include`, `exclude`, or none.
    #[sea_orm(column_type = "Text", nullable)]
    pub override_mode: Option<String>,
    /// Why the internal review flagged the creative.
    #[sea_orm(column_type = "Text", nullable)]
    pub flagged_reason: Option<String>,
    /// When the creative was archived for ads.
    pub archived_at: Option<DateTimeUtc>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of an ads-content row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The creative it describes.
    #[sea_orm(
        belongs_to = "super::content_containers::Entity",
        from = "Column::ContentContainerId",
        to = "super::content_containers::Column::Id",
        on_delete = "Cascade"
    )]
    ContentContainers,
}

impl Related<super::content_containers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ContentContainers.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
