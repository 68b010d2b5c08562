//! Creates `platform_creatives` (what an ad platform holds for one of our creatives: the Meta ad
//! creative, the TikTok video or image, made once per connected ad account and reused by every ad
//! that shows the creative) and adds to `layers` what ads speak as and lead to: the Meta Page,
//! the TikTok identity and the landing page.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{json_binary, text, text_null, uuid};

use crate::ddl::{
    PLATFORMS, at_col, create_indexes, drop_tables, fk, id_col, one_of, tenant_col, unique_index,
};
use crate::m20261122_000001_organizations_and_layers::{Layers, Organizations};

/// The kinds of media a creative holds.
const MEDIA_KINDS: &[&str] = &["video", "image"];

/// One creative as one ad account on one platform holds it.
#[derive(DeriveIden, Clone, Copy)]
enum PlatformCreatives {
    Table,
    Id,
    OrganizationId,
    LayerId,
    CreativeId,
    Platform,
    AdAccountId,
    MediaKind,
    PlatformCreativeId,
    CoverImageId,
    Native,
    CreatedAt,
}

/// The creatives table, for the foreign key.
#[derive(DeriveIden, Clone, Copy)]
enum ContentContainers {
    Table,
    Id,
}

/// The layer columns ads need.
#[derive(DeriveIden, Clone, Copy)]
enum LayerAds {
    #[sea_orm(iden = "layers")]
    Table,
    MetaPageId,
    TiktokIdentityType,
    TiktokIdentityId,
    LandingPageUrl,
}

/// The platform creatives table and the layers' ad identity columns.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(platform_creatives()).await?;
        use PlatformCreatives as P;
        create_indexes(
            manager,
            vec![unique_index(
                "ux_platform_creatives_layer_account_creative",
                P::Table,
                [P::LayerId, P::AdAccountId, P::CreativeId],
            )],
        )
        .await?;
        // SQLite takes one column per ALTER TABLE.
        for column in [
            LayerAds::MetaPageId,
            LayerAds::TiktokIdentityType,
            LayerAds::TiktokIdentityId,
            LayerAds::LandingPageUrl,
        ] {
            manager
                .alter_table(Table::alter().table(LayerAds::Table).add_column(text_null(column)).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            LayerAds::LandingPageUrl,
            LayerAds::TiktokIdentityId,
            LayerAds::TiktokIdentityType,
            LayerAds::MetaPageId,
        ] {
            manager.alter_table(Table::alter().table(LayerAds::Table).drop_column(column).to_owned()).await?;
        }
        drop_tables(manager, vec![PlatformCreatives::Table.into_iden()]).await
    }
}

fn platform_creatives() -> TableCreateStatement {
    use PlatformCreatives as P;
    Table::create()
        .table(P::Table)
        .col(id_col(P::Id))
        .col(tenant_col(P::OrganizationId))
        .col(uuid(P::LayerId))
        .col(uuid(P::CreativeId))
        .col(text(P::Platform))
        .col(text(P::AdAccountId))
        .col(text(P::MediaKind))
        .col(text(P::PlatformCreativeId))
        .col(text_null(P::CoverImageId))
        .col(json_binary(P::Native))
        .col(at_col(P::CreatedAt))
        .check(one_of("ck_platform_creatives_platform", P::Platform, PLATFORMS))
        .check(one_of("ck_platform_creatives_media_kind", P::MediaKind, MEDIA_KINDS))
        .foreign_key(&mut fk(
            "fk_platform_creatives_organization_id",
            (P::Table, P::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_platform_creatives_layer_id",
            (P::Table, P::LayerId),
            (Layers::Table, Layers::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_platform_creatives_creative_id",
            (P::Table, P::CreativeId),
            (ContentContainers::Table, ContentContainers::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}
