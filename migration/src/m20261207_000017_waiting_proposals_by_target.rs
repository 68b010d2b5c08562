//! An index of the proposals still waiting (`pending`, or `failed` and approvable again) by target
//! and key: a new proposal supersedes them in one statement that finds them through it, however
//! many proposals the target has had. Partial, so it holds only the waiting few; the statement
//! names the same statuses literally, which is how the database knows the index covers it.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;

const NAME: &str = "idx_pending_actions_waiting_by_target";

/// The index of waiting proposals by target and key.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {NAME} ON optimizer_pending_actions (target_id, supersede_key) \
                 WHERE status IN ('pending', 'failed')"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(&format!("DROP INDEX IF EXISTS {NAME}")).await?;
        Ok(())
    }
}
