//! Organizations, their three layers, and partner keys.

use entity::{organizations, partner_keys};
use sea_orm::DbErr;
use uuid::Uuid;

use super::{Caller, Services};
use crate::auth::{self, AuthError, GeneratedKey};
use crate::domain::authority::{AuthorityBlock, AxisMode};
use crate::domain::{Platform, Scope};
use crate::store::layers::{self, NewLayer};
use crate::store::organizations::{self as store, NewPartnerKey};

/// The mode every axis of a new organization's layer defaults starts in.
pub const INITIAL_MODE: AxisMode = AxisMode::Draft;

impl Services {
    /// Creates an organization with its three layers (every axis `draft`, kill switch released, USD).
    pub async fn create_organization(&self, name: &str) -> Result<organizations::Model, DbErr> {
        let txn = crate::store::begin(&self.db).await?;
        let org = store::insert(&txn, name).await?;
        for platform in Platform::ALL {
            layers::insert(&txn, new_layer(org.id, platform)).await?;
        }
        txn.commit().await?;
        Ok(org)
    }

    /// The organization `id`.
    pub async fn organization(&self, id: Uuid) -> Result<Option<organizations::Model>, DbErr> {
        store::find(&self.reads, id).await
    }

    /// How many organizations exist.
    pub async fn organization_count(&self) -> Result<u64, DbErr> {
        store::count(&self.db).await
    }

    /// Issues a partner key for `org`; the plaintext is in the returned key and nowhere else.
    pub async fn create_partner_key(
        &self,
        org: Uuid,
        name: &str,
        scopes: &[Scope],
    ) -> Result<(partner_keys::Model, GeneratedKey), DbErr> {
        let key = auth::generate_partner_key();
        let new = NewPartnerKey {
            organization_id: org,
            name,
            prefix: &key.prefix,
            key_hash: &key.hash,
            scopes: auth::format_scopes(scopes),
        };
        let row = store::insert_partner_key(&self.db, new).await?;
        Ok((row, key))
    }

    /// The caller a partner key stands for, if the key is known and not revoked.
    pub async fn authenticate_partner_key(
        &self,
        plaintext: &str,
    ) -> Result<Result<Caller, AuthError>, DbErr> {
        let row = store::partner_key_by_hash(&self.db, &auth::hash_partner_key(plaintext)).await?;
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

/// The layer `org` starts with on `platform`: every axis [`INITIAL_MODE`], USD, connected to
/// the sandbox's ad account.
fn new_layer(organization_id: Uuid, platform: Platform) -> NewLayer {
    let apple = platform == Platform::Apple;
    NewLayer {
        organization_id,
        platform,
        currency: "USD",
        defaults: AuthorityBlock { creative: INITIAL_MODE, tactical: INITIAL_MODE, structural: INITIAL_MODE },
        ad_account_id: Some(sandbox_account_id(platform)),
        apple_org_id: apple.then(|| "40669820".to_owned()),
        apple_adam_id: apple.then(|| "1450000000".to_owned()),
        countries: vec!["US".to_owned()],
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
