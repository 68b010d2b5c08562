//! Adds to `layers` what TikTok conversion ad groups optimize for: the TikTok pixel
//! (`pixel_id`) and its optimization event (`optimization_event`).
//!
//! Also keys `platform_creatives` by where the ads lead (`destination`: `landing_page`, or
//! `app_store` for app-install campaigns): a Meta ad creative carries its call to action and
//! link, so one creative shown in a web campaign and in an app-install campaign is two ad
//! creatives on one ad account. Rows pushed before are `landing_page`, which they are.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text;

use crate::ddl::{create_indexes, unique_index};

/// The layer columns TikTok conversion ad groups need.
#[derive(DeriveIden, Clone, Copy)]
enum LayerTiktokPixel {
    #[sea_orm(iden = "layers")]
    Table,
    TiktokPixelId,
    TiktokOptimizationEvent,
}

/// The columns, in the order they are added.
const COLUMNS: [LayerTiktokPixel; 2] =
    [LayerTiktokPixel::TiktokPixelId, LayerTiktokPixel::TiktokOptimizationEvent];

/// The platform creatives' key columns.
#[derive(DeriveIden, Clone, Copy)]
enum PlatformCreatives {
    Table,
    LayerId,
    AdAccountId,
    CreativeId,
    Destination,
}

/// The key a platform creative had: one per layer, ad account and creative.
const OLD_KEY: &str = "ux_platform_creatives_layer_account_creative";
/// The key it has now: one per layer, ad account, creative and destination.
const NEW_KEY: &str = "ux_platform_creatives_layer_account_creative_destination";

/// The layers' TikTok pixel columns and the platform creatives' destination.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::ddl::add_text_columns(manager, LayerTiktokPixel::Table, &COLUMNS).await?;
        use PlatformCreatives as P;
        let destination = text(P::Destination).default("landing_page").to_owned();
        manager.alter_table(Table::alter().table(P::Table).add_column(destination).to_owned()).await?;
        manager.drop_index(Index::drop().name(OLD_KEY).to_owned()).await?;
        let key = [P::LayerId, P::AdAccountId, P::CreativeId, P::Destination];
        create_indexes(manager, vec![unique_index(NEW_KEY, P::Table, key)]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PlatformCreatives as P;
        manager.drop_index(Index::drop().name(NEW_KEY).to_owned()).await?;
        let app_store = Query::delete()
            .from_table(P::Table)
            .and_where(Expr::col(P::Destination).eq("app_store"))
            .to_owned();
        manager.exec_stmt(app_store).await?;
        create_indexes(
            manager,
            vec![unique_index(OLD_KEY, P::Table, [P::LayerId, P::AdAccountId, P::CreativeId])],
        )
        .await?;
        manager.alter_table(Table::alter().table(P::Table).drop_column(P::Destination).to_owned()).await?;
        crate::ddl::drop_columns(manager, LayerTiktokPixel::Table, &COLUMNS).await?;
        Ok(())
    }
}
