//! `campaign_authority`: the optional per-campaign authority block. Absent, the layer defaults
//! apply.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The authority block of one campaign.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "campaign_authority")]
pub struct Model {
    /// The campaign this block governs (also the primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// Creative axis mode: `off`, `draft` or `auto`.
    #[sea_orm(column_type = "Text")]
    pub creative: String,
    /// Tactical axis mode: `off`, `draft` or `auto`.
    #[sea_orm(column_type = "Text")]
    pub tactical: String,
    /// Structural axis mode: `off`, `draft` or `auto`.
    #[sea_orm(column_type = "Text")]
    pub structural: String,
    /// Who last changed the block.
    #[sea_orm(column_type = "Text", nullable)]
    pub updated_by: Option<String>,
    /// When the block was created.
    pub created_at: DateTimeUtc,
    /// When the block last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a campaign authority block.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The campaign it governs.
    #[sea_orm(
        belongs_to = "super::campaigns::Entity",
        from = "Column::CampaignId",
        to = "super::campaigns::Column::Id",
        on_delete = "Cascade"
    )]
    Campaigns,
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
