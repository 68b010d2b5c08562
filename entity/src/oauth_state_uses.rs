//! `oauth_state_uses`: the nonce of every OAuth state that reached the callback (single use).

use sea_orm::entity::prelude::*;

/// A used OAuth state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_state_uses")]
pub struct Model {
    /// The state's nonce.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub nonce: String,
    /// The organization the state was for.
    pub organization_id: Uuid,
    /// When the state expired (the row may be purged after).
    pub expires_at: DateTimeUtc,
    /// When it was used.
    pub used_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
