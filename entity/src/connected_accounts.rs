//! `connected_accounts`: a customer's own ad account on a platform, connected through OAuth.
//! Token columns hold ciphertext only (see `layers_dashboard::auth::token_cipher`).

use sea_orm::entity::prelude::*;

/// One connected ad account. Deliberately not `Serialize`: it holds (encrypted) tokens.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connected_accounts")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The layer of its platform.
    pub layer_id: Uuid,
    /// `meta`, `tiktok` or `apple`.
    #[sea_orm(column_type = "Text")]
    pub platform: String,
    /// The platform's account id: Meta ad account id, TikTok advertiser id, Apple org id.
    #[sea_orm(column_type = "Text")]
    pub external_account_id: String,
    /// `awaiting_customer`, `active`, `refresh_failed` or `disconnected`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// The sealed access token; null once disconnected.
    #[sea_orm(column_type = "Text", nullable)]
    pub access_token: Option<String>,
    /// The sealed refresh token, for platforms that issue one.
    #[sea_orm(column_type = "Text", nullable)]
    pub refresh_token: Option<String>,
    /// When the access token expires; null when the platform says it does not.
    pub access_token_expires_at: Option<DateTimeUtc>,
    /// When the refresh token expires, when known.
    pub refresh_token_expires_at: Option<DateTimeUtc>,
    /// Granted scopes: a JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: Json,
    /// Who started the flow: `customer` or `partner`.
    #[sea_orm(column_type = "Text")]
    pub connected_by_type: String,
    /// The user id or partner key id that started it.
    #[sea_orm(column_type = "Text")]
    pub connected_by_id: String,
    /// The customer who confirmed a partner-started connection.
    #[sea_orm(column_type = "Text", nullable)]
    pub confirmed_by: Option<String>,
    /// When it was confirmed (or, for a customer-started one, connected).
    pub confirmed_at: Option<DateTimeUtc>,
    /// When the tokens were last refreshed.
    pub last_refreshed_at: Option<DateTimeUtc>,
    /// Why the last refresh failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub refresh_error: Option<String>,
    /// Bumped on every change (compare-and-set).
    pub version: i64,
    /// When the connection was made.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
    /// When it was disconnected or superseded.
    pub disconnected_at: Option<DateTimeUtc>,
    /// Apple only: the API the connection speaks, `v5` (Campaign Management API, retired on
    /// 2027-01-26) or `v1` (Apple Ads Platform API); null on other platforms.
    #[sea_orm(column_type = "Text", nullable)]
    pub api_version: Option<String>,
    /// When the owner was told (by an audit row) that this connection must be reconnected.
    pub reconnect_notified_at: Option<DateTimeUtc>,
}

/// Relations of a connected account.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning organization.
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organizations,
    /// The layer.
    #[sea_orm(
        belongs_to = "super::layers::Entity",
        from = "Column::LayerId",
        to = "super::layers::Column::Id",
        on_delete = "Cascade"
    )]
    Layers,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::layers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Layers.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
