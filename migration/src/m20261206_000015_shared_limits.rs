//! Where several server instances share their limits (PostgreSQL): the rate-limit buckets
//! (`limit_buckets`, one GCRA "theoretical arrival time" per bucket key), the running instances
//! and their heartbeats (`limit_instances`), and the authenticated WebSocket connections each
//! instance holds (`limit_ws_connections`, counted per organization across instances).
//!
//! On PostgreSQL the three tables are `UNLOGGED`: their rows are short-lived counters, rebuilt by
//! traffic within seconds, so they skip the write-ahead log (a crash empties them, which only
//! forgets who spent what). The tables exist on SQLite too, unused: a single process keeps its
//! limits in memory.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, text, timestamp_with_time_zone, uuid};
use sea_orm_migration::sea_orm::DbBackend;

use crate::ddl::{create_indexes, drop_tables, fk, id_col, index};

/// One rate-limit bucket per key (`org:<uuid>`, `partner_key:<uuid>`, `subscribe:<uuid>`).
#[derive(DeriveIden, Clone, Copy)]
enum LimitBuckets {
    Table,
    Key,
    /// The GCRA theoretical arrival time: the bucket is full again from then on.
    Tat,
    /// Whether the last request drawn from the bucket was admitted (read back by the statement
    /// that decided it).
    Allowed,
}

/// The running server instances (one row per process boot) and their last heartbeat.
#[derive(DeriveIden, Clone, Copy)]
enum LimitInstances {
    Table,
    Id,
    Name,
    HeartbeatAt,
}

/// One row per authenticated WebSocket connection, held by one instance.
#[derive(DeriveIden, Clone, Copy)]
enum LimitWsConnections {
    Table,
    Id,
    InstanceId,
    OrganizationId,
    OpenedAt,
}

/// The shared limit tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(buckets()).await?;
        manager.create_table(instances()).await?;
        manager.create_table(connections()).await?;
        let by_org = index(
            "ix_limit_ws_connections_org",
            LimitWsConnections::Table,
            [LimitWsConnections::OrganizationId, LimitWsConnections::InstanceId],
        );
        create_indexes(manager, vec![by_org]).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            // A logged table may not reference an unlogged one: the referencing table first.
            for table in ["limit_buckets", "limit_ws_connections", "limit_instances"] {
                db.execute_unprepared(&format!("ALTER TABLE {table} SET UNLOGGED")).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                LimitWsConnections::Table.into_iden(),
                LimitInstances::Table.into_iden(),
                LimitBuckets::Table.into_iden(),
            ],
        )
        .await
    }
}

fn buckets() -> TableCreateStatement {
    Table::create()
        .table(LimitBuckets::Table)
        .col(text(LimitBuckets::Key).primary_key())
        .col(timestamp_with_time_zone(LimitBuckets::Tat))
        .col(boolean(LimitBuckets::Allowed).default(true))
        .to_owned()
}

fn instances() -> TableCreateStatement {
    Table::create()
        .table(LimitInstances::Table)
        .col(id_col(LimitInstances::Id))
        .col(text(LimitInstances::Name))
        .col(timestamp_with_time_zone(LimitInstances::HeartbeatAt))
        .to_owned()
}

fn connections() -> TableCreateStatement {
    use LimitWsConnections as C;
    Table::create()
        .table(C::Table)
        .col(id_col(C::Id))
        .col(uuid(C::InstanceId))
        .col(uuid(C::OrganizationId))
        .col(timestamp_with_time_zone(C::OpenedAt))
        .foreign_key(&mut fk(
            "fk_limit_ws_connections_instance",
            (C::Table, C::InstanceId),
            (LimitInstances::Table, LimitInstances::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}
