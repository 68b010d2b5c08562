//! Creates `optimizer_runs`: one row per optimizer cycle (scheduled or run by the customer), with
//! what it proposed. Never edit once applied anywhere: later changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{json_binary, string, timestamp_with_time_zone_null};

use crate::ddl::{at_col, create_indexes, drop_tables, fk, id_col, index, one_of, tenant_col};
use crate::m20261122_000001_organizations_and_layers::Organizations;

/// One optimizer cycle.
#[derive(DeriveIden, Clone, Copy)]
enum OptimizerRuns {
    Table,
    Id,
    OrganizationId,
    Trigger,
    Proposals,
    StartedAt,
    FinishedAt,
}

/// The optimizer runs table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OptimizerRuns as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(id_col(R::Id))
                    .col(tenant_col(R::OrganizationId))
                    .col(string(R::Trigger))
                    .col(json_binary(R::Proposals))
                    .col(at_col(R::StartedAt))
                    .col(timestamp_with_time_zone_null(R::FinishedAt))
                    .check(one_of("ck_optimizer_runs_trigger", R::Trigger, &["schedule", "manual"]))
                    .foreign_key(&mut fk(
                        "fk_optimizer_runs_organization_id",
                        (R::Table, R::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index("idx_optimizer_runs_organization_id_id", R::Table, [R::OrganizationId, R::Id])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![OptimizerRuns::Table.into_iden()]).await
    }
}
