//! Creates `connected_accounts` (a customer's own ad account on a platform, connected through
//! OAuth, with its tokens encrypted at rest) and `oauth_state_uses` (the nonce of every OAuth
//! `state` that reached the callback: its primary key makes each state single-use).
//!
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, json_binary, text, text_null, timestamp_with_time_zone_null, uuid,
};

use crate::ddl::{PLATFORMS, at_col, create_indexes, drop_tables, fk, id_col, index, one_of, tenant_col};
use crate::m20261122_000001_organizations_and_layers::{Layers, Organizations};

/// Where a connection stands.
const STATUSES: &[&str] = &["awaiting_customer", "active", "refresh_failed", "disconnected"];
/// Who may start a connection.
const INITIATORS: &[&str] = &["customer", "partner"];

/// A connected ad account.
#[derive(DeriveIden, Clone, Copy)]
enum ConnectedAccounts {
    Table,
    Id,
    OrganizationId,
    LayerId,
    Platform,
    ExternalAccountId,
    Status,
    AccessToken,
    RefreshToken,
    AccessTokenExpiresAt,
    RefreshTokenExpiresAt,
    Scopes,
    ConnectedByType,
    ConnectedById,
    ConfirmedBy,
    ConfirmedAt,
    LastRefreshedAt,
    RefreshError,
    Version,
    CreatedAt,
    UpdatedAt,
    DisconnectedAt,
}

/// The nonce of an OAuth state that has been used.
#[derive(DeriveIden, Clone, Copy)]
enum OauthStateUses {
    Table,
    Nonce,
    OrganizationId,
    ExpiresAt,
    UsedAt,
}

/// The connected accounts and OAuth state tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(connected_accounts()).await?;
        manager.create_table(state_uses()).await?;
        use ConnectedAccounts as A;
        create_indexes(
            manager,
            vec![
                index(
                    "idx_connected_accounts_organization_id_platform",
                    A::Table,
                    [A::OrganizationId, A::Platform],
                ),
                index(
                    "idx_connected_accounts_status_expires",
                    A::Table,
                    [A::Status, A::AccessTokenExpiresAt],
                ),
                index("idx_oauth_state_uses_expires_at", OauthStateUses::Table, [OauthStateUses::ExpiresAt]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![OauthStateUses::Table.into_iden(), ConnectedAccounts::Table.into_iden()];
        drop_tables(manager, tables).await
    }
}

fn connected_accounts() -> TableCreateStatement {
    use ConnectedAccounts as A;
    Table::create()
        .table(A::Table)
        .col(id_col(A::Id))
        .col(tenant_col(A::OrganizationId))
        .col(uuid(A::LayerId))
        .col(text(A::Platform))
        .col(text(A::ExternalAccountId))
        .col(text(A::Status))
        .col(text_null(A::AccessToken))
        .col(text_null(A::RefreshToken))
        .col(timestamp_with_time_zone_null(A::AccessTokenExpiresAt))
        .col(timestamp_with_time_zone_null(A::RefreshTokenExpiresAt))
        .col(json_binary(A::Scopes))
        .col(text(A::ConnectedByType))
        .col(text(A::ConnectedById))
        .col(text_null(A::ConfirmedBy))
        .col(timestamp_with_time_zone_null(A::ConfirmedAt))
        .col(timestamp_with_time_zone_null(A::LastRefreshedAt))
        .col(text_null(A::RefreshError))
        .col(big_integer(A::Version).default(0i64))
        .col(at_col(A::CreatedAt))
        .col(at_col(A::UpdatedAt))
        .col(timestamp_with_time_zone_null(A::DisconnectedAt))
        .check(one_of("ck_connected_accounts_platform", A::Platform, PLATFORMS))
        .check(one_of("ck_connected_accounts_status", A::Status, STATUSES))
        .check(one_of("ck_connected_accounts_connected_by_type", A::ConnectedByType, INITIATORS))
        .foreign_key(&mut fk(
            "fk_connected_accounts_organization_id",
            (A::Table, A::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "fk_connected_accounts_layer_id",
            (A::Table, A::LayerId),
            (Layers::Table, Layers::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn state_uses() -> TableCreateStatement {
    use OauthStateUses as S;
    Table::create()
        .table(S::Table)
        .col(ColumnDef::new(S::Nonce).text().not_null().primary_key())
        .col(tenant_col(S::OrganizationId))
        .col(at_col(S::ExpiresAt))
        .col(at_col(S::UsedAt))
        .foreign_key(&mut fk(
            "fk_oauth_state_uses_organization_id",
            (S::Table, S::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}
