//! Creates `ad_metric_summaries`: per ad, the parts of its daily metrics that classification
//! reads (total conversions, spend since the last conversion, the recent window's totals, day 1
//! and day 7 of the fatigue comparison), so a page classifies its ads from one row each instead
//! of aggregating every day of every peer.
//!
//! The application keeps a row correct by construction: the transaction that stores an ad's
//! metrics recomputes its summary from the stored days, under a lock on the ad. Each row names
//! the two windows it was computed with; a reader configured with other windows does not use it,
//! and the server recomputes such rows (and any missing one) when it starts. This migration only
//! creates the table: rows for metrics stored before it are computed at that first start.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, double_null, integer, uuid};

use crate::ddl::{at_col, drop_tables, fk, non_negative, tenant_col};
use crate::m20261122_000001_organizations_and_layers::Organizations;

/// One summary per ad.
#[derive(DeriveIden, Clone, Copy)]
enum AdMetricSummaries {
    Table,
    AdId,
    OrganizationId,
    /// The recent window it was computed with (`performance_window_days`).
    PerformanceWindowDays,
    /// The fatigue window it was computed with (`fatigue_window_days`).
    FatigueWindowDays,
    Conversions,
    DrySpendCents,
    RecentSpendCents,
    RecentConversions,
    /// Day 7 (the latest day).
    LastSpendCents,
    LastConversions,
    LastFrequency,
    /// Day 1 (`fatigue_window_days - 1` days before day 7), when there is a row for it.
    FirstSpendCents,
    FirstConversions,
    FirstFrequency,
    UpdatedAt,
}

/// The `ads` table as migration 3 created it (only what the foreign key needs).
#[derive(DeriveIden, Clone, Copy)]
enum Ads {
    Table,
    Id,
}

/// The ad metric summaries table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(summaries()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![AdMetricSummaries::Table.into_iden()]).await
    }
}

fn summaries() -> TableCreateStatement {
    use AdMetricSummaries as S;
    Table::create()
        .table(S::Table)
        .col(uuid(S::AdId).primary_key())
        .col(tenant_col(S::OrganizationId))
        .col(integer(S::PerformanceWindowDays))
        .col(integer(S::FatigueWindowDays))
        .col(big_integer(S::Conversions))
        .col(big_integer(S::DrySpendCents))
        .col(big_integer(S::RecentSpendCents))
        .col(big_integer(S::RecentConversions))
        .col(big_integer_null(S::LastSpendCents))
        .col(big_integer_null(S::LastConversions))
        .col(double_null(S::LastFrequency))
        .col(big_integer_null(S::FirstSpendCents))
        .col(big_integer_null(S::FirstConversions))
        .col(double_null(S::FirstFrequency))
        .col(at_col(S::UpdatedAt))
        .check(non_negative("ck_ad_metric_summaries_conversions", S::Conversions))
        .check(non_negative("ck_ad_metric_summaries_dry_spend_cents", S::DrySpendCents))
        .foreign_key(&mut fk(
            "fk_ad_metric_summaries_organization_id",
            (S::Table, S::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_ad_metric_summaries_ad_id",
            (S::Table, S::AdId),
            (Ads::Table, Ads::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}
