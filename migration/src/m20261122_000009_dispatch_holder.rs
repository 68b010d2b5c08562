//! Names the process holding each dispatch: its instance (stable across restarts of one server,
//! `LAYERS_INSTANCE_ID`) and its boot (new every time a process starts). A process that finds
//! dispatches held by its own instance under an earlier boot knows their holder died, and settles
//! them at once instead of waiting for their lease to run out.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{text_null, uuid_null};

/// The audit table's holder columns.
#[derive(DeriveIden, Clone, Copy)]
enum Audit {
    #[sea_orm(iden = "layer_ads_audit")]
    Table,
    DispatchInstance,
    DispatchBoot,
}

/// The dispatch holder columns.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for mut column in [text_null(Audit::DispatchInstance), uuid_null(Audit::DispatchBoot)] {
            manager
                .alter_table(Table::alter().table(Audit::Table).add_column(&mut column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Audit::DispatchBoot, Audit::DispatchInstance] {
            manager.alter_table(Table::alter().table(Audit::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
