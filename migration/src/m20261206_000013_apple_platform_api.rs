//! Adds to `connected_accounts` which Apple API a connection speaks, and when its owner was told
//! it must reconnect: Apple retires Campaign Management API v5 on 2027-01-26, and new Apple
//! connections use the Apple Ads Platform API v1. Every Apple connection made before this
//! migration was made on v5 and is marked so; other platforms' rows keep `api_version` null.
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{text_null, timestamp_with_time_zone_null};

use crate::ddl::one_of;

/// The Apple API versions a connection can speak.
const APPLE_API_VERSIONS: &[&str] = &["v5", "v1"];

/// The new `connected_accounts` columns.
#[derive(DeriveIden, Clone, Copy)]
enum ConnectedAccounts {
    Table,
    Platform,
    ApiVersion,
    ReconnectNotifiedAt,
}

/// Apple API version and reconnect notice on connected accounts.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ConnectedAccounts as C;
        let mut version = text_null(C::ApiVersion);
        version.check(one_of("ck_connected_accounts_api_version", C::ApiVersion, APPLE_API_VERSIONS));
        // SQLite takes one column per ALTER TABLE.
        manager.alter_table(Table::alter().table(C::Table).add_column(&mut version).to_owned()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(C::Table)
                    .add_column(timestamp_with_time_zone_null(C::ReconnectNotifiedAt))
                    .to_owned(),
            )
            .await?;
        let existing_apple = Query::update()
            .table(C::Table)
            .value(C::ApiVersion, "v5")
            .and_where(Expr::col(C::Platform).eq("apple"))
            .to_owned();
        manager.exec_stmt(existing_apple).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ConnectedAccounts as C;
        for column in [C::ReconnectNotifiedAt, C::ApiVersion] {
            manager.alter_table(Table::alter().table(C::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
