//! An index for the proposals still waiting for one target and key (`pending` or `failed`): a new
//! proposal supersedes them in one statement that finds them through it, however many proposals
//! the organization has queued.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;

use crate::ddl::index;

#[derive(DeriveIden, Clone, Copy)]
enum PendingActions {
    #[sea_orm(iden = "optimizer_pending_actions")]
    Table,
    TargetId,
    SupersedeKey,
    Status,
}

const NAME: &str = "idx_pending_actions_target_id_supersede_key_status";

/// The index of waiting proposals by target and key.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PendingActions as P;
        manager.create_index(index(NAME, P::Table, [P::TargetId, P::SupersedeKey, P::Status])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table(PendingActions::Table).to_owned()).await
    }
}
