//! `optimizer_pending_actions`: writes queued for approval, with what they would change, who
//! proposed them, the target's version when queued, and how they were resolved.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One pending action.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "optimizer_pending_actions")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The layer of the target.
    pub layer_id: Uuid,
    /// `meta`, `tiktok` or `apple`.
    #[sea_orm(column_type = "Text")]
    pub platform: String,
    /// The campaign concerned, if any.
    pub campaign_id: Option<Uuid>,
    /// `layer`, `campaign`, `ad_set` or `ad`.
    #[sea_orm(column_type = "Text")]
    pub target_type: String,
    /// Id of the target row.
    pub target_id: Uuid,
    /// What the write does (`campaign.budget`, `policy.campaign_authority`, ...).
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The axis the write needs; none for policy actions.
    #[sea_orm(column_type = "Text", nullable)]
    pub axis: Option<String>,
    /// Whether this is a policy change (only the customer may approve it).
    pub is_policy: bool,
    /// The target's relevant fields before the write, as JSON.
    #[sea_orm(column_type = "JsonBinary")]
    pub before: Json,
    /// The target's relevant fields after the write, as JSON.
    #[sea_orm(column_type = "JsonBinary")]
    pub after: Json,
    /// The target's `version` when queued; a different version at approval makes it stale.
    pub target_version: Option<i64>,
    /// What the proposal changes (a field update's action code, or one creative's launch into
    /// one ad set); a newer proposal with the same target and key supersedes it while it waits.
    /// None for creates and policy changes.
    #[sea_orm(column_type = "Text", nullable)]
    pub supersede_key: Option<String>,
    /// `pending`, `approved`, `dispatched`, `failed`, `rejected`, `cancelled`, `stale`, `expired`
    /// or `superseded`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Actor kind of the proposer.
    #[sea_orm(column_type = "Text")]
    pub proposed_by_type: String,
    /// Actor id of the proposer.
    #[sea_orm(column_type = "Text")]
    pub proposed_by_id: String,
    /// The partner key that proposed it, if any.
    pub proposed_by_key_id: Option<Uuid>,
    /// The audit row (verdict) that queued it.
    pub verdict_id: Uuid,
    /// The audit row (verdict) that resolved it.
    pub resolution_verdict_id: Option<Uuid>,
    /// Actor kind of the resolver.
    #[sea_orm(column_type = "Text", nullable)]
    pub resolved_by_type: Option<String>,
    /// Actor id of the resolver.
    #[sea_orm(column_type = "Text", nullable)]
    pub resolved_by_id: Option<String>,
    /// Why it was rejected, cancelled, or failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub resolution_reason: Option<String>,
    /// When it left `pending`.
    pub resolved_at: Option<DateTimeUtc>,
    /// When it expires if nobody resolves it.
    pub expires_at: DateTimeUtc,
    /// When it was queued.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a pending action.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The layer of the target.
    #[sea_orm(
        belongs_to = "super::layers::Entity",
        from = "Column::LayerId",
        to = "super::layers::Column::Id",
        on_delete = "Cascade"
    )]
    Layers,
    /// The campaign concerned.
    #[sea_orm(
        belongs_to = "super::campaigns::Entity",
        from = "Column::CampaignId",
        to = "super::campaigns::Column::Id",
        on_delete = "Cascade"
    )]
    Campaigns,
}

impl Related<super::layers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Layers.def()
    }
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
