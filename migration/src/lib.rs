//! Database schema migrations of the Layers dashboard API, for SQLite and PostgreSQL.
//!
//! [`run`] applies pending migrations and is safe to call from several instances starting at
//! once; [`pending_count`] tells a readiness probe whether the schema is current.
//!
//! This crate must not depend on `entity`: each migration describes the schema as it was at its
//! step, not as the entities are today. Applied migrations are never edited; changes go in a
//! new migration appended to [`Migrator`]. Migrations must be transactional (no
//! `CREATE INDEX CONCURRENTLY`), because [`run`] applies them all inside one transaction.

pub use sea_orm_migration::prelude::*;

mod ddl;
mod m20261122_000001_organizations_and_layers;
mod m20261122_000002_campaigns;
mod m20261122_000003_creatives_and_ads;
mod m20261122_000004_pending_actions_and_audit;
mod m20261122_000005_ad_metrics;
mod m20261122_000006_optimizer_runs;
mod m20261122_000007_connected_accounts;
mod m20261122_000008_dispatch_ledger;
mod m20261122_000009_dispatch_holder;
mod m20261122_000010_platform_creatives;
mod m20261206_000011_superseded_proposals;
mod m20261206_000012_platform_settings;
mod m20261206_000013_apple_platform_api;
mod m20261206_000014_tiktok_pixel;
mod m20261206_000015_shared_limits;
mod m20261207_000016_ad_metric_summaries;
mod m20261207_000017_waiting_proposals_by_target;
mod m20261207_000018_partial_work_indexes;

use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend, Statement, TransactionTrait};

/// Key of the PostgreSQL advisory lock held while migrating: the ASCII bytes of `layersmg`
/// read as a big-endian `i64`. Any tool that migrates this database must take the same lock.
pub const MIGRATION_LOCK_KEY: i64 = 0x6c61_7965_7273_6d67;

/// The ordered list of this schema's migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_organizations_and_layers::Migration),
            Box::new(m20261122_000002_campaigns::Migration),
            Box::new(m20261122_000003_creatives_and_ads::Migration),
            Box::new(m20261122_000004_pending_actions_and_audit::Migration),
            Box::new(m20261122_000005_ad_metrics::Migration),
            Box::new(m20261122_000006_optimizer_runs::Migration),
            Box::new(m20261122_000007_connected_accounts::Migration),
            Box::new(m20261122_000008_dispatch_ledger::Migration),
            Box::new(m20261122_000009_dispatch_holder::Migration),
            Box::new(m20261122_000010_platform_creatives::Migration),
            Box::new(m20261206_000011_superseded_proposals::Migration),
            Box::new(m20261206_000012_platform_settings::Migration),
            Box::new(m20261206_000013_apple_platform_api::Migration),
            Box::new(m20261206_000014_tiktok_pixel::Migration),
            Box::new(m20261206_000015_shared_limits::Migration),
            Box::new(m20261207_000016_ad_metric_summaries::Migration),
            Box::new(m20261207_000017_waiting_proposals_by_target::Migration),
            Box::new(m20261207_000018_partial_work_indexes::Migration),
        ]
    }
}

/// Applies every pending migration through `db` (the application's pool).
///
/// Everything runs in one transaction, so it holds one pooled connection throughout and the
/// schema moves from one version to the next atomically (a failure leaves it as it was). On
/// PostgreSQL that transaction first takes `pg_advisory_xact_lock(`[`MIGRATION_LOCK_KEY`]`)`:
/// instances starting together queue on the lock, the first migrates, the others then find
/// nothing pending. The lock is released when the transaction ends, even on error. On SQLite,
/// which serializes writers itself, no lock is taken.
pub async fn run(db: &DatabaseConnection) -> Result<(), DbErr> {
    // Startup awaits this to its end; nothing drops it half-way through BEGIN.
    #[allow(clippy::disallowed_methods)]
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [MIGRATION_LOCK_KEY.into()],
        ))
        .await?;
    }
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// How many migrations are not yet applied (0 when the schema is current).
///
/// Read-only: it never creates the migrations table, so a probe can call it with any
/// connection or transaction.
pub async fn pending_count<C: ConnectionTrait>(db: &C) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations_read_only(db).await?.len())
}
