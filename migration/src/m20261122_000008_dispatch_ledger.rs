//! Makes the audit row of an allowed write a dispatch ledger another process can finish: the
//! normalized platform write, when the platform call started, who holds the dispatch (a lease
//! with an owner and an expiry), and the platform object it changes. Adds the `unknown`
//! dispatch status (the platform's answer could not settle a dispatch: a person must look).
//!
//! A partial unique index lets at most one started, unsettled dispatch change a given platform
//! object at a time, so writes to one object reach the platform and local state in one order.
//! Dispatches left `in_flight` by an earlier version (which recorded no start) become `unknown`:
//! nobody can tell whether they reached the platform.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{json_binary_null, text_null, timestamp_with_time_zone_null, uuid_null};
use sea_orm_migration::sea_orm::DbBackend;

/// The audit table's new dispatch columns.
#[derive(DeriveIden, Clone, Copy)]
enum Audit {
    #[sea_orm(iden = "layer_ads_audit")]
    Table,
    DispatchWrite,
    DispatchStartedAt,
    DispatchLeaseId,
    DispatchLeaseUntil,
    DispatchTarget,
}

/// The dispatch status check before this migration, as migration 4 wrote it.
const OLD_STATUSES: &str = "('in_flight', 'succeeded', 'failed')";
/// The dispatch status check after it.
const NEW_STATUSES: &str = "('in_flight', 'succeeded', 'failed', 'unknown')";

/// The dispatch ledger columns.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            json_binary_null(Audit::DispatchWrite),
            timestamp_with_time_zone_null(Audit::DispatchStartedAt),
            uuid_null(Audit::DispatchLeaseId),
            timestamp_with_time_zone_null(Audit::DispatchLeaseUntil),
            text_null(Audit::DispatchTarget),
        ];
        // SQLite takes one column per ALTER TABLE.
        for mut column in columns {
            manager
                .alter_table(Table::alter().table(Audit::Table).add_column(&mut column).to_owned())
                .await?;
        }
        widen_status_check(manager).await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE layer_ads_audit SET dispatch_status = 'unknown' WHERE dispatch_status = 'in_flight'",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_audit_dispatch_status_lease ON layer_ads_audit (dispatch_status, dispatch_lease_until)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_audit_dispatch_target_in_flight ON layer_ads_audit (dispatch_target) \
             WHERE dispatch_status = 'in_flight'",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_audit_campaign_action_created ON layer_ads_audit (campaign_id, action, created_at)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE layer_ads_audit SET dispatch_status = 'failed' WHERE dispatch_status = 'unknown'",
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE layer_ads_audit DROP CONSTRAINT ck_audit_dispatch_status, \
                 ADD CONSTRAINT ck_audit_dispatch_status CHECK (dispatch_status IN {OLD_STATUSES})"
            ))
            .await?;
        }
        for index in [
            "idx_audit_dispatch_status_lease",
            "uq_audit_dispatch_target_in_flight",
            "idx_audit_campaign_action_created",
        ] {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}")).await?;
        }
        for column in [
            Audit::DispatchWrite,
            Audit::DispatchStartedAt,
            Audit::DispatchLeaseId,
            Audit::DispatchLeaseUntil,
            Audit::DispatchTarget,
        ] {
            manager.alter_table(Table::alter().table(Audit::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

/// Lets `dispatch_status` hold `unknown`. PostgreSQL replaces the named constraint; SQLite cannot
/// alter a constraint, so the table is rebuilt from its own stored definition (whatever columns
/// it has by now) with the wider check, its rows copied and its indexes recreated. (Rolling back
/// leaves SQLite's check wide: harmless, and found already wide when migrating up again.)
async fn widen_status_check(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(&format!(
            "ALTER TABLE layer_ads_audit DROP CONSTRAINT ck_audit_dispatch_status, \
             ADD CONSTRAINT ck_audit_dispatch_status CHECK (dispatch_status IN {NEW_STATUSES})"
        ))
        .await?;
        return Ok(());
    }
    crate::ddl::rebuild_sqlite_check(manager, "layer_ads_audit", OLD_STATUSES, NEW_STATUSES).await
}
