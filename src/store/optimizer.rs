//! Optimizer runs (`optimizer_runs`): one row per cycle with what it proposed, and the lock that
//! lets one instance run an organization's scheduled cycle.

use chrono::{DateTime, Utc};
use entity::optimizer_runs;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Set,
    Statement,
};
use serde_json::Value;
use uuid::Uuid;

use super::page::{self, Page, PageRequest};

/// A finished cycle, about to be recorded.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The organization.
    pub organization_id: Uuid,
    /// What started it (`schedule`, `manual`).
    pub trigger: &'static str,
    /// What it proposed, as JSON.
    pub proposals: Value,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// Records `run`, finished now.
pub async fn insert_run<C: ConnectionTrait>(conn: &C, run: NewRun) -> Result<optimizer_runs::Model, DbErr> {
    optimizer_runs::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(run.organization_id),
        trigger: Set(run.trigger.to_owned()),
        proposals: Set(run.proposals),
        started_at: Set(run.started_at),
        finished_at: Set(Some(Utc::now())),
    }
    .insert(conn)
    .await
}

/// One page of `org`'s runs, newest first.
pub async fn runs<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    request: PageRequest,
) -> Result<Page<optimizer_runs::Model>, DbErr> {
    let select = optimizer_runs::Entity::find().filter(optimizer_runs::Column::OrganizationId.eq(org));
    page::fetch(conn, select, optimizer_runs::Column::Id, request).await
}

/// Mixed into each organization's advisory lock key so it cannot collide with the migration lock.
const SCHEDULE_LOCK_SALT: i64 = 0x6f70_7469_6d69_7a65;

/// On PostgreSQL, tries to take the transaction-scoped advisory lock on `org`'s scheduled cycle:
/// true when this transaction holds it now, false when another one does. Call it inside a
/// transaction; on other databases there is no lock to take (true).
pub async fn try_lock_schedule<C: ConnectionTrait>(txn: &C, org: Uuid) -> Result<bool, DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(true);
    }
    let key = i64::from_be_bytes(org.as_bytes()[..8].try_into().unwrap_or([0; 8])) ^ SCHEDULE_LOCK_SALT;
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            [key.into()],
        ))
        .await?;
    Ok(row.map(|row| row.try_get::<bool>("", "locked")).transpose()?.unwrap_or(false))
}
