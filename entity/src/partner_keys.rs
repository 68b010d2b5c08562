//! `partner_keys`: partner API keys, stored hashed, each bound to one organization.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One partner API key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "partner_keys")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization the key acts for.
    pub organization_id: Uuid,
    /// Label given at creation.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The key's first characters, shown in listings.
    #[sea_orm(column_type = "Text")]
    pub prefix: String,
    /// Hash of the full key (unique); the key itself is never stored.
    #[sea_orm(column_type = "Text", unique)]
    pub key_hash: String,
    /// Comma-separated scopes (`ads:read,ads:write`).
    #[sea_orm(column_type = "Text")]
    pub scopes: String,
    /// When the key was created.
    pub created_at: DateTimeUtc,
    /// When the key last authenticated a request.
    pub last_used_at: Option<DateTimeUtc>,
    /// When the key was revoked; a revoked key authenticates nothing.
    pub revoked_at: Option<DateTimeUtc>,
}

/// Relations of a partner key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The organization the key belongs to.
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
