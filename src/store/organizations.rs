//! Organizations (the customers) and their partner keys.
//!
//! An organization is the scope every other query takes, so these look-ups are by its id; a
//! partner key is found by its hash, which is how a request learns its organization.

use chrono::Utc;
use entity::{organizations, partner_keys};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// Inserts a new organization named `name`, not requiring approval of its content.
pub async fn insert<C: ConnectionTrait>(conn: &C, name: &str) -> Result<organizations::Model, DbErr> {
    organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        requires_approval: Set(false),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
}

/// The organization `id`.
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find_by_id(id).one(conn).await
}

/// The organization `id`, locked for update on PostgreSQL: changes to its approval policy queue
/// up here.
pub async fn find_for_update<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find_by_id(id).lock_exclusive().one(conn).await
}

/// The oldest organization (the demo one, on a development database).
pub async fn oldest<C: ConnectionTrait>(conn: &C) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find().order_by_asc(organizations::Column::Id).one(conn).await
}

/// The id of every organization, for work that runs for each (the optimizer's schedule).
pub async fn all_ids<C: ConnectionTrait>(conn: &C) -> Result<Vec<Uuid>, DbErr> {
    organizations::Entity::find()
        .select_only()
        .column(organizations::Column::Id)
        .order_by_asc(organizations::Column::Id)
        .into_tuple()
        .all(conn)
        .await
}

/// How many organizations exist.
pub async fn count<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    organizations::Entity::find().count(conn).await
}

/// Whether organization `id` requires approval of its content; `None` when there is no such
/// organization.
pub async fn requires_approval<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<bool>, DbErr> {
    Ok(find(conn, id).await?.map(|org| org.requires_approval))
}

/// Sets whether organization `id` requires approval of its content.
pub async fn set_requires_approval<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    requires: bool,
) -> Result<(), DbErr> {
    organizations::ActiveModel { id: Set(id), requires_approval: Set(requires), ..Default::default() }
        .update(conn)
        .await?;
    Ok(())
}

/// A partner key about to be stored: only its prefix and hash, never the key itself.
#[derive(Debug, Clone)]
pub struct NewPartnerKey<'a> {
    /// The organization it acts for.
    pub organization_id: Uuid,
    /// Its name.
    pub name: &'a str,
    /// The key's visible prefix.
    pub prefix: &'a str,
    /// The key's hash.
    pub key_hash: &'a str,
    /// Its scopes, as stored (comma-separated codes).
    pub scopes: String,
}

/// Stores a new partner key.
pub async fn insert_partner_key<C: ConnectionTrait>(
    conn: &C,
    key: NewPartnerKey<'_>,
) -> Result<partner_keys::Model, DbErr> {
    partner_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(key.organization_id),
        name: Set(key.name.to_owned()),
        prefix: Set(key.prefix.to_owned()),
        key_hash: Set(key.key_hash.to_owned()),
        scopes: Set(key.scopes),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await
}

/// The partner key whose hash is `key_hash` (of any organization: the key says which).
pub async fn partner_key_by_hash<C: ConnectionTrait>(
    conn: &C,
    key_hash: &str,
) -> Result<Option<partner_keys::Model>, DbErr> {
    partner_keys::Entity::find().filter(partner_keys::Column::KeyHash.eq(key_hash)).one(conn).await
}
