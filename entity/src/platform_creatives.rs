//! `platform_creatives`: what an ad platform holds for one of our creatives (a Meta ad creative,
//! a TikTok video or image), made once per connected ad account and reused by every ad showing it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One creative as one ad account holds it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "platform_creatives")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The layer whose ad account holds it.
    pub layer_id: Uuid,
    /// Our creative.
    pub creative_id: Uuid,
    /// `meta`, `tiktok` or `apple`.
    #[sea_orm(column_type = "Text")]
    pub platform: String,
    /// The platform's ad account it was pushed to (a reconnected account gets its own).
    #[sea_orm(column_type = "Text")]
    pub ad_account_id: String,
    /// Where ads showing it lead: `landing_page`, or `app_store` (Meta app-install ad creatives;
    /// TikTok's uploads serve every destination and are kept as `landing_page`).
    #[sea_orm(column_type = "Text")]
    pub destination: String,
    /// `video` or `image`.
    #[sea_orm(column_type = "Text")]
    pub media_kind: String,
    /// The platform's id an ad names: Meta ad creative id, TikTok video or image id.
    #[sea_orm(column_type = "Text")]
    pub platform_creative_id: String,
    /// TikTok: the cover image of a video ad.
    #[sea_orm(column_type = "Text", nullable)]
    pub cover_image_id: Option<String>,
    /// The native requests (tokens redacted) and responses of the push.
    #[sea_orm(column_type = "JsonBinary")]
    pub native: Json,
    /// When it was pushed.
    pub created_at: DateTimeUtc,
}

/// Relations of a platform creative.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The creative.
    #[sea_orm(
        belongs_to = "super::content_containers::Entity",
        from = "Column::CreativeId",
        to = "super::content_containers::Column::Id",
        on_delete = "Cascade"
    )]
    ContentContainers,
}

impl Related<super::content_containers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ContentContainers.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
