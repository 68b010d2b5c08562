//! Organizations, their three layers, and partner keys.

use chrono::Utc;
use entity::{layers, organizations, partner_keys};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set,
    TransactionTrait,
};
use uuid::Uuid;

use super::{Caller, Services};
use crate::auth::{self, AuthError, GeneratedKey};
use crate::domain::authority::AxisMode;
use crate::domain::{Platform, Scope};

/// The mode every axis of a new organization's layer defaults starts in.
pub const INITIAL_MODE: AxisMode = AxisMode::Draft;

impl Services {
    /// Creates an organization with its three layers (every axis `draft`, kill switch released, USD).
    pub async fn create_organization(&self, name: &str) -> Result<organizations::Model, DbErr> {
        let txn = self.db.begin().await?;
        let now = Utc::now();
        let org = organizations::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name.to_owned()),
            requires_approval: Set(false),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        for platform in Platform::ALL {
            new_layer(org.id, platform).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(org)
    }

    /// The organization `id`.
    pub async fn organization(&self, id: Uuid) -> Result<Option<organizations::Model>, DbErr> {
        organizations::Entity::find_by_id(id).one(&self.reads).await
    }

    /// How many organizations exist.
    pub async fn organization_count(&self) -> Result<u64, DbErr> {
        organizations::Entity::find().count(&self.db).await
    }

    /// Issues a partner key for `org`; the plaintext is in the returned key and nowhere else.
    pub async fn create_partner_key(
        &self,
        org: Uuid,
        name: &str,
        scopes: &[Scope],
    ) -> Result<(partner_keys::Model, GeneratedKey), DbErr> {
        let key = auth::generate_partner_key();
        let row = partner_keys::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            name: Set(name.to_owned()),
            prefix: Set(key.prefix.clone()),
            key_hash: Set(key.hash.clone()),
            scopes: Set(auth::format_scopes(scopes)),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok((row, key))
    }

    /// The caller a partner key stands for, if the key is known and not revoked.
    pub async fn authenticate_partner_key(
        &self,
        plaintext: &str,
    ) -> Result<Result<Caller, AuthError>, DbErr> {
        let row = partner_keys::Entity::find()
            .filter(partner_keys::Column::KeyHash.eq(auth::hash_partner_key(plaintext)))
            .one(&self.db)
            .await?;
        let Some(row) = row else { return Ok(Err(AuthError::UnknownKey)) };
        if row.revoked_at.is_some() {
            return Ok(Err(AuthError::RevokedKey));
        }
        let scopes = if row.scopes.trim().is_empty() {
            Vec::new()
        } else {
            match auth::parse_scopes(&row.scopes) {
                Ok(scopes) => scopes,
                Err(_) => return Ok(Err(AuthError::Malformed)),
            }
        };
        Ok(Ok(Caller::partner(row.organization_id, row.id, scopes)))
    }
}

fn new_layer(org: Uuid, platform: Platform) -> layers::ActiveModel {
    let now = Utc::now();
    let mode = INITIAL_MODE.as_str().to_owned();
    layers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        platform: Set(platform.as_str().to_owned()),
        currency: Set("USD".to_owned()),
        default_creative: Set(mode.clone()),
        default_tactical: Set(mode.clone()),
        default_structural: Set(mode),
        max_daily_budget_cents: Set(None),
        kill_switch_active: Set(false),
        kill_switch_tripped_at: Set(None),
        kill_switch_tripped_by: Set(None),
        kill_switch_reason: Set(None),
        ad_account_id: Set(Some(sandbox_account_id(platform))),
        apple_org_id: Set((platform == Platform::Apple).then(|| "40669820".to_owned())),
        apple_adam_id: Set((platform == Platform::Apple).then(|| "1450000000".to_owned())),
        countries: Set(Some(serde_json::json!(["US"]))),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        // Ad identity settings start unset (NULL).
        ..Default::default()
    }
}

/// The ad account a new layer is connected to in sandbox mode.
fn sandbox_account_id(platform: Platform) -> String {
    match platform {
        Platform::Meta => "1000000000000001".to_owned(),
        Platform::Tiktok => "7000000000000000001".to_owned(),
        Platform::Apple => "40669820".to_owned(),
    }
}

/// Whether any row references organization `id` (used by the CLI to validate `--org`).
pub async fn organization_exists<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<bool, DbErr> {
    Ok(organizations::Entity::find_by_id(id).one(conn).await?.is_some())
}
