//! Creates `campaigns`, `campaign_authority` and `ad_sets`.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, json_binary_null, text, text_null, timestamp_with_time_zone_null, uuid,
};

use crate::ddl::{
    AXIS_MODES, PLATFORMS, at_col, create_indexes, drop_tables, fk, id_col, index, non_negative, one_of,
    tenant_col,
};
use crate::m20261122_000001_organizations_and_layers::{Layers, Organizations};

/// Campaign statuses.
const CAMPAIGN_STATUSES: &[&str] = &["active", "paused", "archived", "deleted"];

/// A campaign under a layer.
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Campaigns {
    Table,
    Id,
    OrganizationId,
    LayerId,
    Platform,
    Name,
    Outcome,
    Status,
    DailyBudgetCents,
    LifetimeBudgetCents,
    BidStrategy,
    BidAmountCents,
    ScheduleStart,
    ScheduleEnd,
    Targeting,
    PlatformCampaignId,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// The optional per-campaign authority block.
#[derive(DeriveIden, Clone, Copy)]
enum CampaignAuthority {
    Table,
    CampaignId,
    OrganizationId,
    Creative,
    Tactical,
    Structural,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

/// An ad set (ad group on TikTok and Apple) under a campaign.
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum AdSets {
    Table,
    Id,
    OrganizationId,
    CampaignId,
    Name,
    Status,
    DailyBudgetCents,
    Targeting,
    PlatformAdSetId,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// The campaigns, campaign authority and ad sets tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(campaigns()).await?;
        manager.create_table(campaign_authority()).await?;
        manager.create_table(ad_sets()).await?;
        create_indexes(manager, indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![
            AdSets::Table.into_iden(),
            CampaignAuthority::Table.into_iden(),
            Campaigns::Table.into_iden(),
        ];
        drop_tables(manager, tables).await
    }
}

fn campaigns() -> TableCreateStatement {
    Table::create()
        .table(Campaigns::Table)
        .col(id_col(Campaigns::Id))
        .col(tenant_col(Campaigns::OrganizationId))
        .col(uuid(Campaigns::LayerId))
        .col(text(Campaigns::Platform))
        .col(text(Campaigns::Name))
        .col(text(Campaigns::Outcome))
        .col(text(Campaigns::Status))
        .col(big_integer_null(Campaigns::DailyBudgetCents))
        .col(big_integer_null(Campaigns::LifetimeBudgetCents))
        .col(text(Campaigns::BidStrategy))
        .col(big_integer_null(Campaigns::BidAmountCents))
        .col(timestamp_with_time_zone_null(Campaigns::ScheduleStart))
        .col(timestamp_with_time_zone_null(Campaigns::ScheduleEnd))
        .col(json_binary_null(Campaigns::Targeting))
        .col(text_null(Campaigns::PlatformCampaignId))
        .col(big_integer(Campaigns::Version).default(1i64))
        .col(at_col(Campaigns::CreatedAt))
        .col(at_col(Campaigns::UpdatedAt))
        .check(one_of("ck_campaigns_platform", Campaigns::Platform, PLATFORMS))
        .check(one_of("ck_campaigns_status", Campaigns::Status, CAMPAIGN_STATUSES))
        .check(non_negative("ck_campaigns_daily_budget_cents", Campaigns::DailyBudgetCents))
        .check(non_negative("ck_campaigns_lifetime_budget_cents", Campaigns::LifetimeBudgetCents))
        .check(non_negative("ck_campaigns_bid_amount_cents", Campaigns::BidAmountCents))
        .check(Check::named(
            "ck_campaigns_single_budget".to_owned(),
            Expr::col(Campaigns::DailyBudgetCents)
                .is_null()
                .or(Expr::col(Campaigns::LifetimeBudgetCents).is_null()),
        ))
        .foreign_key(&mut fk(
            "fk_campaigns_organization_id",
            (Campaigns::Table, Campaigns::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_campaigns_layer_id",
            (Campaigns::Table, Campaigns::LayerId),
            (Layers::Table, Layers::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn campaign_authority() -> TableCreateStatement {
    Table::create()
        .table(CampaignAuthority::Table)
        .col(uuid(CampaignAuthority::CampaignId).primary_key())
        .col(tenant_col(CampaignAuthority::OrganizationId))
        .col(text(CampaignAuthority::Creative))
        .col(text(CampaignAuthority::Tactical))
        .col(text(CampaignAuthority::Structural))
        .col(text_null(CampaignAuthority::UpdatedBy))
        .col(at_col(CampaignAuthority::CreatedAt))
        .col(at_col(CampaignAuthority::UpdatedAt))
        .check(one_of("ck_campaign_authority_creative", CampaignAuthority::Creative, AXIS_MODES))
        .check(one_of("ck_campaign_authority_tactical", CampaignAuthority::Tactical, AXIS_MODES))
        .check(one_of("ck_campaign_authority_structural", CampaignAuthority::Structural, AXIS_MODES))
        .foreign_key(&mut fk(
            "fk_campaign_authority_organization_id",
            (CampaignAuthority::Table, CampaignAuthority::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_campaign_authority_campaign_id",
            (CampaignAuthority::Table, CampaignAuthority::CampaignId),
            (Campaigns::Table, Campaigns::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn ad_sets() -> TableCreateStatement {
    Table::create()
        .table(AdSets::Table)
        .col(id_col(AdSets::Id))
        .col(tenant_col(AdSets::OrganizationId))
        .col(uuid(AdSets::CampaignId))
        .col(text(AdSets::Name))
        .col(text(AdSets::Status))
        .col(big_integer_null(AdSets::DailyBudgetCents))
        .col(json_binary_null(AdSets::Targeting))
        .col(text_null(AdSets::PlatformAdSetId))
        .col(big_integer(AdSets::Version).default(1i64))
        .col(at_col(AdSets::CreatedAt))
        .col(at_col(AdSets::UpdatedAt))
        .check(non_negative("ck_ad_sets_daily_budget_cents", AdSets::DailyBudgetCents))
        .foreign_key(&mut fk(
            "fk_ad_sets_organization_id",
            (AdSets::Table, AdSets::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_ad_sets_campaign_id",
            (AdSets::Table, AdSets::CampaignId),
            (Campaigns::Table, Campaigns::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index(
            "idx_campaigns_organization_id_platform_id",
            Campaigns::Table,
            [Campaigns::OrganizationId, Campaigns::Platform, Campaigns::Id],
        ),
        index("idx_campaigns_layer_id", Campaigns::Table, [Campaigns::LayerId]),
        index(
            "idx_campaign_authority_organization_id",
            CampaignAuthority::Table,
            [CampaignAuthority::OrganizationId],
        ),
        index("idx_ad_sets_campaign_id_id", AdSets::Table, [AdSets::CampaignId, AdSets::Id]),
        index("idx_ad_sets_organization_id_id", AdSets::Table, [AdSets::OrganizationId, AdSets::Id]),
    ]
}
