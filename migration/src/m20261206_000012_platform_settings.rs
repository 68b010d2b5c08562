//! Adds to `layers` what Meta and TikTok need to run app and conversion campaigns: Meta's
//! `promoted_object` (the pixel and the conversion event, or the app's Meta application id and
//! store URL) and the TikTok app an app-promotion ad group promotes.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;

/// The layer columns app and conversion campaigns need.
#[derive(DeriveIden, Clone, Copy)]
enum LayerPromoted {
    #[sea_orm(iden = "layers")]
    Table,
    MetaPixelId,
    MetaCustomEventType,
    MetaApplicationId,
    AppStoreUrl,
    TiktokAppId,
}

/// The columns, in the order they are added.
const COLUMNS: [LayerPromoted; 5] = [
    LayerPromoted::MetaPixelId,
    LayerPromoted::MetaCustomEventType,
    LayerPromoted::MetaApplicationId,
    LayerPromoted::AppStoreUrl,
    LayerPromoted::TiktokAppId,
];

/// The layers' promoted-object columns.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::ddl::add_text_columns(manager, LayerPromoted::Table, &COLUMNS).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::ddl::drop_columns(manager, LayerPromoted::Table, &COLUMNS).await?;
        Ok(())
    }
}
