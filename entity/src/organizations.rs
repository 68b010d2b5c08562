//! `organizations`: the customers. Every other table belongs to exactly one of them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One organization (customer).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Whether creatives need approval before ads may use them.
    pub requires_approval: bool,
    /// When the organization was created.
    pub created_at: DateTimeUtc,
}

/// Relations of an organization.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its layers (one per platform).
    #[sea_orm(has_many = "super::layers::Entity")]
    Layers,
    /// Its partner API keys.
    #[sea_orm(has_many = "super::partner_keys::Entity")]
    PartnerKeys,
    /// Its campaigns.
    #[sea_orm(has_many = "super::campaigns::Entity")]
    Campaigns,
    /// Its creatives.
    #[sea_orm(has_many = "super::content_containers::Entity")]
    ContentContainers,
}

impl Related<super::layers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Layers.def()
    }
}

impl Related<super::partner_keys::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PartnerKeys.def()
    }
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::content_containers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ContentContainers.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
