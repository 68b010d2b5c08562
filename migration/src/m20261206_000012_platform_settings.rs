//! Adds to `layers` what Meta and TikTok need to run app and conversion campaigns: Meta's
//! `promoted_object` (the pixel and the conversion event, or the app's Meta application id and
//! store URL) and the TikTok app an app-promotion ad group promotes.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

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
        // SQLite takes one column per ALTER TABLE.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter().table(LayerPromoted::Table).add_column(text_null(column)).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS.into_iter().rev() {
            manager
                .alter_table(Table::alter().table(LayerPromoted::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
