//! `optimizer_runs`: one row per optimizer cycle, with what it proposed.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One optimizer cycle.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "optimizer_runs")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization it ran for.
    pub organization_id: Uuid,
    /// `schedule` or `manual`.
    pub trigger: String,
    /// What it proposed: a JSON array of proposals (ad, action, classification, verdict).
    #[sea_orm(column_type = "JsonBinary")]
    pub proposals: Json,
    /// When it started.
    pub started_at: DateTimeUtc,
    /// When it finished.
    pub finished_at: Option<DateTimeUtc>,
}

/// Relations of an optimizer run.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The organization it ran for.
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organizations,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
