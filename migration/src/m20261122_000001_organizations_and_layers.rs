//! Creates `organizations`, `partner_keys` and `layers`: the tenant, its partner API keys and
//! its one-per-platform layer (defaults block, kill switch, platform config).
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, json_binary_null, text, text_null, timestamp_with_time_zone_null,
};

use crate::ddl::{
    AXIS_MODES, PLATFORMS, at_col, create_indexes, drop_tables, fk, id_col, index, non_negative, one_of,
    tenant_col, unique_index,
};

/// The customer: everything else belongs to exactly one organization.
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Organizations {
    Table,
    Id,
    Name,
    RequiresApproval,
    CreatedAt,
}

/// A partner API key, stored hashed, bound to one organization.
#[derive(DeriveIden, Clone, Copy)]
enum PartnerKeys {
    Table,
    Id,
    OrganizationId,
    Name,
    Prefix,
    KeyHash,
    Scopes,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

/// One layer per organization per platform.
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Layers {
    Table,
    Id,
    OrganizationId,
    Platform,
    Currency,
    DefaultCreative,
    DefaultTactical,
    DefaultStructural,
    MaxDailyBudgetCents,
    KillSwitchActive,
    KillSwitchTrippedAt,
    KillSwitchTrippedBy,
    KillSwitchReason,
    AdAccountId,
    AppleOrgId,
    AppleAdamId,
    Countries,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// The initial organizations, partner keys and layers tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(organizations()).await?;
        manager.create_table(partner_keys()).await?;
        manager.create_table(layers()).await?;
        create_indexes(manager, indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables =
            vec![Layers::Table.into_iden(), PartnerKeys::Table.into_iden(), Organizations::Table.into_iden()];
        drop_tables(manager, tables).await
    }
}

fn organizations() -> TableCreateStatement {
    Table::create()
        .table(Organizations::Table)
        .col(id_col(Organizations::Id))
        .col(text(Organizations::Name))
        .col(boolean(Organizations::RequiresApproval).default(false))
        .col(at_col(Organizations::CreatedAt))
        .to_owned()
}

fn partner_keys() -> TableCreateStatement {
    Table::create()
        .table(PartnerKeys::Table)
        .col(id_col(PartnerKeys::Id))
        .col(tenant_col(PartnerKeys::OrganizationId))
        .col(text(PartnerKeys::Name))
        .col(text(PartnerKeys::Prefix))
        .col(text(PartnerKeys::KeyHash))
        .col(text(PartnerKeys::Scopes))
        .col(at_col(PartnerKeys::CreatedAt))
        .col(timestamp_with_time_zone_null(PartnerKeys::LastUsedAt))
        .col(timestamp_with_time_zone_null(PartnerKeys::RevokedAt))
        .foreign_key(&mut fk(
            "fk_partner_keys_organization_id",
            (PartnerKeys::Table, PartnerKeys::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn layers() -> TableCreateStatement {
    Table::create()
        .table(Layers::Table)
        .col(id_col(Layers::Id))
        .col(tenant_col(Layers::OrganizationId))
        .col(text(Layers::Platform))
        .col(text(Layers::Currency).default("USD"))
        .col(text(Layers::DefaultCreative))
        .col(text(Layers::DefaultTactical))
        .col(text(Layers::DefaultStructural))
        .col(big_integer_null(Layers::MaxDailyBudgetCents))
        .col(boolean(Layers::KillSwitchActive).default(false))
        .col(timestamp_with_time_zone_null(Layers::KillSwitchTrippedAt))
        .col(text_null(Layers::KillSwitchTrippedBy))
        .col(text_null(Layers::KillSwitchReason))
        .col(text_null(Layers::AdAccountId))
        .col(text_null(Layers::AppleOrgId))
        .col(text_null(Layers::AppleAdamId))
        .col(json_binary_null(Layers::Countries))
        .col(big_integer(Layers::Version).default(0i64))
        .col(at_col(Layers::CreatedAt))
        .col(at_col(Layers::UpdatedAt))
        .check(one_of("ck_layers_platform", Layers::Platform, PLATFORMS))
        .check(one_of("ck_layers_default_creative", Layers::DefaultCreative, AXIS_MODES))
        .check(one_of("ck_layers_default_tactical", Layers::DefaultTactical, AXIS_MODES))
        .check(one_of("ck_layers_default_structural", Layers::DefaultStructural, AXIS_MODES))
        .check(non_negative("ck_layers_max_daily_budget_cents", Layers::MaxDailyBudgetCents))
        .foreign_key(&mut fk(
            "fk_layers_organization_id",
            (Layers::Table, Layers::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        unique_index("uq_partner_keys_key_hash", PartnerKeys::Table, [PartnerKeys::KeyHash]),
        index(
            "idx_partner_keys_organization_id_id",
            PartnerKeys::Table,
            [PartnerKeys::OrganizationId, PartnerKeys::Id],
        ),
        unique_index(
            "uq_layers_organization_id_platform",
            Layers::Table,
            [Layers::OrganizationId, Layers::Platform],
        ),
    ]
}
