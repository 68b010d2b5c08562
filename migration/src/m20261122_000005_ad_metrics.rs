//! Creates `ad_daily_metrics`: one row per ad per day (impressions, frequency, spend, conversions),
//! produced by the sandbox or imported from a live account, read by ad classification.
//!
//! `UNIQUE(ad_id, day)` makes a re-import an upsert of the same row. Never edit once applied
//! anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, date, double, uuid};

use crate::ddl::{
    at_col, create_indexes, drop_tables, fk, id_col, index, non_negative, tenant_col, unique_index,
};
use crate::m20261122_000001_organizations_and_layers::Organizations;

/// The highest average impressions per person a day the table accepts: far above any real
/// delivery, low enough to reject infinity and `NaN`.
const MAX_FREQUENCY: i64 = 1_000_000;

/// One day of one ad's delivery.
#[derive(DeriveIden, Clone, Copy)]
enum AdDailyMetrics {
    Table,
    Id,
    OrganizationId,
    AdId,
    Day,
    Impressions,
    Frequency,
    SpendCents,
    Conversions,
    CreatedAt,
    UpdatedAt,
}

/// The `ads` table as migration 3 created it (only what the foreign key needs).
#[derive(DeriveIden, Clone, Copy)]
enum Ads {
    Table,
    Id,
}

/// The ad daily metrics table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(ad_daily_metrics()).await?;
        create_indexes(manager, indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![AdDailyMetrics::Table.into_iden()]).await
    }
}

fn ad_daily_metrics() -> TableCreateStatement {
    use AdDailyMetrics as M;
    Table::create()
        .table(M::Table)
        .col(id_col(M::Id))
        .col(tenant_col(M::OrganizationId))
        .col(uuid(M::AdId))
        .col(date(M::Day))
        .col(big_integer(M::Impressions))
        .col(double(M::Frequency))
        .col(big_integer(M::SpendCents))
        .col(big_integer(M::Conversions))
        .col(at_col(M::CreatedAt))
        .col(at_col(M::UpdatedAt))
        .check(non_negative("ck_ad_daily_metrics_impressions", M::Impressions))
        .check(frequency_in_range())
        .check(non_negative("ck_ad_daily_metrics_spend_cents", M::SpendCents))
        .check(non_negative("ck_ad_daily_metrics_conversions", M::Conversions))
        .foreign_key(&mut fk(
            "fk_ad_daily_metrics_organization_id",
            (M::Table, M::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_ad_daily_metrics_ad_id",
            (M::Table, M::AdId),
            (Ads::Table, Ads::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

/// `frequency` between 0 and [`MAX_FREQUENCY`]: non-negative and finite. PostgreSQL ranks `NaN`
/// above every number and accepts `Infinity`, so `frequency >= 0` alone would let both in.
fn frequency_in_range() -> Check {
    let frequency = || Expr::col(AdDailyMetrics::Frequency);
    Check::named(
        "ck_ad_daily_metrics_frequency".to_owned(),
        frequency().gte(0).and(frequency().lte(MAX_FREQUENCY)),
    )
}

fn indexes() -> Vec<IndexCreateStatement> {
    use AdDailyMetrics as M;
    vec![
        unique_index("uq_ad_daily_metrics_ad_id_day", M::Table, [M::AdId, M::Day]),
        index(
            "idx_ad_daily_metrics_organization_id_ad_id_day",
            M::Table,
            [M::OrganizationId, M::AdId, M::Day],
        ),
    ]
}
