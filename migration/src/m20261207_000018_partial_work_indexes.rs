//! The indexes the background work reads, partial: the reconciler's index of dispatches holds
//! only the rows in flight, and the expiry sweep's index of proposals only the pending ones.
//! Before, every audit row (denials, queued writes, settled dispatches) and every proposal had an
//! entry, written on every decision and again on every change of status. The statements name the
//! same statuses literally, which is how the database knows the index covers them.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;

/// Each index as it was (name, definition) and as it is now (name, definition).
const INDEXES: [(&str, &str, &str, &str); 2] = [
    (
        "idx_audit_dispatch_status_lease",
        "layer_ads_audit (dispatch_status, dispatch_lease_until)",
        "idx_audit_in_flight_by_lease",
        "layer_ads_audit (dispatch_lease_until) WHERE dispatch_status = 'in_flight'",
    ),
    (
        "idx_pending_actions_status_expires_at",
        "optimizer_pending_actions (status, expires_at)",
        "idx_pending_actions_pending_by_expiry",
        "optimizer_pending_actions (expires_at) WHERE status = 'pending'",
    ),
];

/// The partial indexes of dispatches in flight and of pending proposals.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, _, new, definition) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {old}")).await?;
            db.execute_unprepared(&format!("CREATE INDEX {new} ON {definition}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, definition, new, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {new}")).await?;
            db.execute_unprepared(&format!("CREATE INDEX {old} ON {definition}")).await?;
        }
        Ok(())
    }
}
