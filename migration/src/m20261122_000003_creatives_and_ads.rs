//! Creates `content_containers`, `ads_content` and `ads`: creatives, their ads scoring row, and
//! the ads that show them.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, double, text, text_null, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::ddl::{at_col, create_indexes, drop_tables, fk, id_col, index, one_of, tenant_col, unique_index};
use crate::m20261122_000001_organizations_and_layers::Organizations;
use crate::m20261122_000002_campaigns::{AdSets, Campaigns};

/// Processing states of a content container.
const CONTENT_STATUSES: &[&str] = &["processing", "completed", "failed"];
/// Approval states of a content container.
const APPROVAL_STATUSES: &[&str] = &["not_required", "pending", "approved", "rejected"];
/// Manual scoring overrides of an ads-content row.
const OVERRIDE_MODES: &[&str] = &["include", "exclude"];

/// A creative (generated or uploaded media), with its regenerate lineage.
#[derive(DeriveIden, Clone, Copy)]
enum ContentContainers {
    Table,
    Id,
    OrganizationId,
    Name,
    Status,
    ApprovalStatus,
    ParentId,
    MediaUrl,
    FailureReason,
    CompletedAt,
    CreatedAt,
    UpdatedAt,
}

/// The ads-side row of a creative: score, pool, override, flag.
#[derive(DeriveIden, Clone, Copy)]
enum AdsContent {
    Table,
    Id,
    OrganizationId,
    ContentContainerId,
    OrganicScore,
    ScoringPool,
    OverrideMode,
    FlaggedReason,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

/// An ad under an ad set, showing one creative.
#[derive(DeriveIden, Clone, Copy)]
enum Ads {
    Table,
    Id,
    OrganizationId,
    CampaignId,
    AdSetId,
    ContentContainerId,
    Name,
    Status,
    PlatformAdId,
    Version,
    LaunchedAt,
    CreatedAt,
    UpdatedAt,
}

/// The creatives and ads tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(content_containers()).await?;
        manager.create_table(ads_content()).await?;
        manager.create_table(ads()).await?;
        create_indexes(manager, indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables =
            vec![Ads::Table.into_iden(), AdsContent::Table.into_iden(), ContentContainers::Table.into_iden()];
        drop_tables(manager, tables).await
    }
}

fn content_containers() -> TableCreateStatement {
    Table::create()
        .table(ContentContainers::Table)
        .col(id_col(ContentContainers::Id))
        .col(tenant_col(ContentContainers::OrganizationId))
        .col(text(ContentContainers::Name))
        .col(text(ContentContainers::Status))
        .col(text(ContentContainers::ApprovalStatus))
        .col(uuid_null(ContentContainers::ParentId))
        .col(text_null(ContentContainers::MediaUrl))
        .col(text_null(ContentContainers::FailureReason))
        .col(timestamp_with_time_zone_null(ContentContainers::CompletedAt))
        .col(at_col(ContentContainers::CreatedAt))
        .col(at_col(ContentContainers::UpdatedAt))
        .check(one_of("ck_content_containers_status", ContentContainers::Status, CONTENT_STATUSES))
        .check(one_of(
            "ck_content_containers_approval_status",
            ContentContainers::ApprovalStatus,
            APPROVAL_STATUSES,
        ))
        .foreign_key(&mut fk(
            "fk_content_containers_organization_id",
            (ContentContainers::Table, ContentContainers::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_content_containers_parent_id",
            (ContentContainers::Table, ContentContainers::ParentId),
            (ContentContainers::Table, ContentContainers::Id),
            ForeignKeyAction::SetNull,
        ))
        .to_owned()
}

fn ads_content() -> TableCreateStatement {
    Table::create()
        .table(AdsContent::Table)
        .col(id_col(AdsContent::Id))
        .col(tenant_col(AdsContent::OrganizationId))
        .col(uuid(AdsContent::ContentContainerId))
        .col(double(AdsContent::OrganicScore).default(7.0))
        .col(text(AdsContent::ScoringPool).default("generated"))
        .col(text_null(AdsContent::OverrideMode))
        .col(text_null(AdsContent::FlaggedReason))
        .col(timestamp_with_time_zone_null(AdsContent::ArchivedAt))
        .col(at_col(AdsContent::CreatedAt))
        .col(at_col(AdsContent::UpdatedAt))
        .check(one_of("ck_ads_content_override_mode", AdsContent::OverrideMode, OVERRIDE_MODES))
        .foreign_key(&mut fk(
            "fk_ads_content_organization_id",
            (AdsContent::Table, AdsContent::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_ads_content_content_container_id",
            (AdsContent::Table, AdsContent::ContentContainerId),
            (ContentContainers::Table, ContentContainers::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn ads() -> TableCreateStatement {
    Table::create()
        .table(Ads::Table)
        .col(id_col(Ads::Id))
        .col(tenant_col(Ads::OrganizationId))
        .col(uuid(Ads::CampaignId))
        .col(uuid(Ads::AdSetId))
        .col(uuid_null(Ads::ContentContainerId))
        .col(text(Ads::Name))
        .col(text(Ads::Status))
        .col(text_null(Ads::PlatformAdId))
        .col(big_integer(Ads::Version).default(1i64))
        .col(timestamp_with_time_zone_null(Ads::LaunchedAt))
        .col(at_col(Ads::CreatedAt))
        .col(at_col(Ads::UpdatedAt))
        .foreign_key(&mut fk(
            "fk_ads_organization_id",
            (Ads::Table, Ads::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_ads_campaign_id",
            (Ads::Table, Ads::CampaignId),
            (Campaigns::Table, Campaigns::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_ads_ad_set_id",
            (Ads::Table, Ads::AdSetId),
            (AdSets::Table, AdSets::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_ads_content_container_id",
            (Ads::Table, Ads::ContentContainerId),
            (ContentContainers::Table, ContentContainers::Id),
            ForeignKeyAction::SetNull,
        ))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index(
            "idx_content_containers_organization_id_id",
            ContentContainers::Table,
            [ContentContainers::OrganizationId, ContentContainers::Id],
        ),
        index("idx_content_containers_parent_id", ContentContainers::Table, [ContentContainers::ParentId]),
        unique_index(
            "uq_ads_content_content_container_id",
            AdsContent::Table,
            [AdsContent::ContentContainerId],
        ),
        index(
            "idx_ads_content_organization_id_id",
            AdsContent::Table,
            [AdsContent::OrganizationId, AdsContent::Id],
        ),
        index("idx_ads_ad_set_id_id", Ads::Table, [Ads::AdSetId, Ads::Id]),
        index("idx_ads_organization_id_id", Ads::Table, [Ads::OrganizationId, Ads::Id]),
        index("idx_ads_campaign_id_id", Ads::Table, [Ads::CampaignId, Ads::Id]),
        index("idx_ads_content_container_id", Ads::Table, [Ads::ContentContainerId]),
    ]
}
