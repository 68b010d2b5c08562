//! `content_containers`: creatives (generated or uploaded media), their processing and approval
//! state, and their regenerate lineage.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One creative.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "content_containers")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// `processing`, `completed` or `failed`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// `not_required`, `pending`, `approved` or `rejected`.
    #[sea_orm(column_type = "Text")]
    pub approval_status: String,
    /// The creative this one was regenerated from (cleared if that one is deleted).
    pub parent_id: Option<Uuid>,
    /// Where the finished media is served from.
    #[sea_orm(column_type = "Text", nullable)]
    pub media_url: Option<String>,
    /// Why processing failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub failure_reason: Option<String>,
    /// When processing completed.
    pub completed_at: Option<DateTimeUtc>,
    /// When the creative was created.
    pub created_at: DateTimeUtc,
    /// When the creative last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a creative.
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
    /// The creative it was regenerated from.
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id", on_delete = "SetNull")]
    Parent,
    /// Its ads-content row.
    #[sea_orm(has_one = "super::ads_content::Entity")]
    AdsContent,
    /// The ads showing it.
    #[sea_orm(has_many = "super::ads::Entity")]
    Ads,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::ads_content::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdsContent.def()
    }
}

impl Related<super::ads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ads.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
