//! A newer proposal supersedes the one still waiting for the same target and field: adds the
//! `superseded` pending-action status and `supersede_key` (what a proposal changes: the action
//! code of a field update, or the launch of one creative into one ad set; none for creates and
//! policy changes), with a partial unique index so at most one proposal per target and key waits
//! at a time, however many are queued at once.
//!
//! Existing waiting field updates get their key, and of several waiting for one target and field
//! all but the newest become `superseded`.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveIden, Clone, Copy)]
enum PendingActions {
    #[sea_orm(iden = "optimizer_pending_actions")]
    Table,
    SupersedeKey,
}

/// The end of the status check before this migration, as migration 4 wrote it.
const OLD_STATUSES: &str = "'stale', 'expired')";
/// The same, after it.
const NEW_STATUSES: &str = "'stale', 'expired', 'superseded')";
/// Every status after this migration (PostgreSQL's constraint is replaced whole).
const ALL_STATUSES: &str = "('pending', 'approved', 'dispatched', 'failed', 'rejected', 'cancelled', 'stale', 'expired', 'superseded')";
/// Every status before it.
const OLD_ALL_STATUSES: &str =
    "('pending', 'approved', 'dispatched', 'failed', 'rejected', 'cancelled', 'stale', 'expired')";
/// The field updates a newer proposal supersedes, keyed by their action code.
const FIELD_UPDATES: &str = "('campaign.budget', 'campaign.bidding', 'campaign.schedule', \
     'campaign.targeting', 'campaign.status', 'ad_set.status', 'ad.replace_creative', 'ad.prune', 'ad.status')";

/// The superseded status and the supersede key.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PendingActions::Table)
                    .add_column(text_null(PendingActions::SupersedeKey))
                    .to_owned(),
            )
            .await?;
        set_status_check(manager, OLD_STATUSES, NEW_STATUSES, ALL_STATUSES).await?;
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "UPDATE optimizer_pending_actions SET supersede_key = kind WHERE kind IN {FIELD_UPDATES}"
        ))
        .await?;
        db.execute_unprepared(
            "UPDATE optimizer_pending_actions SET status = 'superseded', resolution_reason = 'superseded' \
             WHERE status = 'pending' AND supersede_key IS NOT NULL AND EXISTS ( \
               SELECT 1 FROM optimizer_pending_actions newer \
               WHERE newer.target_id = optimizer_pending_actions.target_id \
                 AND newer.supersede_key = optimizer_pending_actions.supersede_key \
                 AND newer.status = 'pending' AND newer.id > optimizer_pending_actions.id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_pending_actions_waiting ON optimizer_pending_actions (target_id, supersede_key) \
             WHERE status = 'pending' AND supersede_key IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS uq_pending_actions_waiting").await?;
        db.execute_unprepared(
            "UPDATE optimizer_pending_actions SET status = 'rejected' WHERE status = 'superseded'",
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE optimizer_pending_actions DROP CONSTRAINT ck_pending_actions_status, \
                 ADD CONSTRAINT ck_pending_actions_status CHECK (status IN {OLD_ALL_STATUSES})"
            ))
            .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(PendingActions::Table)
                    .drop_column(PendingActions::SupersedeKey)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// Replaces the status check. PostgreSQL replaces the named constraint; SQLite cannot alter a
/// constraint, so the table is rebuilt from its own stored definition with the new list, its rows
/// copied and its indexes recreated. (Rolling back leaves SQLite's check wide: harmless, and
/// found already wide when migrating up again.)
async fn set_status_check(manager: &SchemaManager<'_>, old: &str, new: &str, all: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(&format!(
            "ALTER TABLE optimizer_pending_actions DROP CONSTRAINT ck_pending_actions_status, \
             ADD CONSTRAINT ck_pending_actions_status CHECK (status IN {all})"
        ))
        .await?;
        return Ok(());
    }
    crate::ddl::rebuild_sqlite_check(manager, "optimizer_pending_actions", old, new).await
}
