//! Connected ad accounts and used OAuth states.
//!
//! Scoped to one organization like the rest of the store, except [`due_for_refresh`], which
//! the refresh sweeper runs across organizations. Token columns are written and read as the
//! ciphertext they hold; sealing and opening is the service's business.

use chrono::{DateTime, Utc};
use entity::{connected_accounts as accounts, oauth_state_uses};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

use crate::domain::Platform;
use crate::domain::accounts::AccountStatus;

/// Statuses of a connection that still stands.
const STANDING: [AccountStatus; 3] =
    [AccountStatus::AwaitingCustomer, AccountStatus::Active, AccountStatus::RefreshFailed];

fn codes(statuses: &[AccountStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.as_str()).collect()
}

/// The newest standing connection of `org` on `platform` (what `Layer.connectedAccount` shows).
pub async fn current<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    platform: Platform,
) -> Result<Option<accounts::Model>, DbErr> {
    newest(conn, org, platform, &STANDING).await
}

/// The newest connection of `org` on `platform` that writes use: active, or active until its
/// last refresh failed.
pub async fn in_use<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    platform: Platform,
) -> Result<Option<accounts::Model>, DbErr> {
    newest(conn, org, platform, &[AccountStatus::Active, AccountStatus::RefreshFailed]).await
}

async fn newest<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    platform: Platform,
    statuses: &[AccountStatus],
) -> Result<Option<accounts::Model>, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::OrganizationId.eq(org))
        .filter(accounts::Column::Platform.eq(platform.as_str()))
        .filter(accounts::Column::Status.is_in(codes(statuses)))
        .order_by_desc(accounts::Column::Id)
        .one(conn)
        .await
}

/// The connection `id` of `org`.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<accounts::Model>, DbErr> {
    accounts::Entity::find_by_id(id).filter(accounts::Column::OrganizationId.eq(org)).one(conn).await
}

/// The connection `id` of `org`, locked for update (`FOR UPDATE` on PostgreSQL; SQLite
/// serializes writers itself).
pub async fn lock<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<accounts::Model>, DbErr> {
    accounts::Entity::find_by_id(id)
        .filter(accounts::Column::OrganizationId.eq(org))
        .lock_exclusive()
        .one(conn)
        .await
}

/// Inserts a new connection (its tokens already sealed).
pub async fn insert<C: ConnectionTrait>(conn: &C, row: accounts::Model) -> Result<accounts::Model, DbErr> {
    accounts::ActiveModel::from(row).insert(conn).await
}

/// A change to a connection. Tokens are the sealed ciphertext.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// The customer confirmed a partner-started connection: it is active.
    Confirm {
        /// Who confirmed it.
        by: String,
    },
    /// Disconnected: its tokens erased.
    Disconnect,
    /// A refresh renewed its tokens: it is active, with no refresh error.
    Refreshed {
        /// The new access token.
        access_token: String,
        /// When it expires.
        expires_at: Option<DateTime<Utc>>,
        /// The new refresh token, when the platform rotated it.
        refresh_token: Option<String>,
    },
    /// A refresh failed, for `error`.
    RefreshFailed {
        /// Why.
        error: String,
    },
}

impl AccountChange {
    fn columns(self) -> accounts::ActiveModel {
        let now = Utc::now();
        match self {
            AccountChange::Confirm { by } => accounts::ActiveModel {
                status: Set(AccountStatus::Active.as_str().to_owned()),
                confirmed_by: Set(Some(by)),
                confirmed_at: Set(Some(now)),
                ..Default::default()
            },
            AccountChange::Disconnect => accounts::ActiveModel {
                status: Set(AccountStatus::Disconnected.as_str().to_owned()),
                access_token: Set(None),
                refresh_token: Set(None),
                disconnected_at: Set(Some(now)),
                ..Default::default()
            },
            AccountChange::Refreshed { access_token, expires_at, refresh_token } => {
                let mut change = accounts::ActiveModel {
                    status: Set(AccountStatus::Active.as_str().to_owned()),
                    access_token: Set(Some(access_token)),
                    access_token_expires_at: Set(expires_at),
                    last_refreshed_at: Set(Some(now)),
                    refresh_error: Set(None),
                    ..Default::default()
                };
                if let Some(refresh) = refresh_token {
                    change.refresh_token = Set(Some(refresh));
                }
                change
            }
            AccountChange::RefreshFailed { error } => accounts::ActiveModel {
                status: Set(AccountStatus::RefreshFailed.as_str().to_owned()),
                refresh_error: Set(Some(error)),
                ..Default::default()
            },
        }
    }
}

/// Applies `change` to the connection if it is still at `version`, bumping the version; false
/// when another writer got there first.
pub async fn update_if_version<C: ConnectionTrait>(
    conn: &C,
    current: &accounts::Model,
    change: AccountChange,
) -> Result<bool, DbErr> {
    let mut change = change.columns();
    change.version = Set(current.version + 1);
    change.updated_at = Set(Utc::now());
    let result = accounts::Entity::update_many()
        .set(change)
        .filter(accounts::Column::Id.eq(current.id))
        .filter(accounts::Column::OrganizationId.eq(current.organization_id))
        .filter(accounts::Column::Version.eq(current.version))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks every connection of `org` on `platform` in one of `statuses`, except `keep`,
/// disconnected, erasing its tokens (a newer connection superseded it).
pub async fn supersede<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    platform: Platform,
    statuses: &[AccountStatus],
    keep: Uuid,
) -> Result<u64, DbErr> {
    let now = Utc::now();
    let result = accounts::Entity::update_many()
        .col_expr(accounts::Column::Status, Expr::value(AccountStatus::Disconnected.as_str()))
        .col_expr(accounts::Column::AccessToken, Expr::value(Option::<String>::None))
        .col_expr(accounts::Column::RefreshToken, Expr::value(Option::<String>::None))
        .col_expr(accounts::Column::DisconnectedAt, Expr::value(now))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(now))
        .col_expr(accounts::Column::Version, Expr::col(accounts::Column::Version).add(1))
        .filter(accounts::Column::OrganizationId.eq(org))
        .filter(accounts::Column::Platform.eq(platform.as_str()))
        .filter(accounts::Column::Status.is_in(codes(statuses)))
        .filter(accounts::Column::Id.ne(keep))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Active connections (of every organization) whose access token expires before `before`.
pub async fn due_for_refresh<C: ConnectionTrait>(
    conn: &C,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<accounts::Model>, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::Status.eq(AccountStatus::Active.as_str()))
        .filter(accounts::Column::AccessTokenExpiresAt.lte(before))
        .order_by_asc(accounts::Column::AccessTokenExpiresAt)
        .limit(limit)
        .all(conn)
        .await
}

/// Standing Apple connections (of every organization) on `api_version` whose owner has not been
/// told yet that they must reconnect.
pub async fn apple_unnotified<C: ConnectionTrait>(
    conn: &C,
    api_version: &str,
    limit: u64,
) -> Result<Vec<accounts::Model>, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::Platform.eq(Platform::Apple.as_str()))
        .filter(accounts::Column::Status.is_in(codes(&STANDING)))
        .filter(accounts::Column::ApiVersion.eq(api_version))
        .filter(accounts::Column::ReconnectNotifiedAt.is_null())
        .order_by_asc(accounts::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// Records that the owner of `row` was told it must reconnect; false when someone already did.
pub async fn mark_reconnect_notified<C: ConnectionTrait>(
    conn: &C,
    row: &accounts::Model,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = accounts::Entity::update_many()
        .col_expr(accounts::Column::ReconnectNotifiedAt, Expr::value(at))
        .filter(accounts::Column::Id.eq(row.id))
        .filter(accounts::Column::OrganizationId.eq(row.organization_id))
        .filter(accounts::Column::ReconnectNotifiedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records that the state with `nonce` was used; false when it already had been.
pub async fn use_state<C: ConnectionTrait>(
    conn: &C,
    nonce: &str,
    org: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = oauth_state_uses::ActiveModel {
        nonce: Set(nonce.to_owned()),
        organization_id: Set(org),
        expires_at: Set(expires_at),
        used_at: Set(Utc::now()),
    };
    let inserted = oauth_state_uses::Entity::insert(row)
        .on_conflict(OnConflict::column(oauth_state_uses::Column::Nonce).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Deletes used states that expired before `before` (they can no longer be replayed anyway).
pub async fn purge_states<C: ConnectionTrait>(conn: &C, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = oauth_state_uses::Entity::delete_many()
        .filter(oauth_state_uses::Column::ExpiresAt.lt(before))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
