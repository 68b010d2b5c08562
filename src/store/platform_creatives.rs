//! What each connected ad account holds for our creatives (`platform_creatives`).

use chrono::Utc;
use entity::platform_creatives;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::domain::Platform;
use crate::platform::PushedCreative;
use crate::platform::creative::Destination;

/// Where a creative was pushed: one layer's ad account.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    /// The owning organization.
    pub organization_id: Uuid,
    /// The layer.
    pub layer_id: Uuid,
    /// The layer's platform.
    pub platform: Platform,
    /// The platform's ad account id.
    pub ad_account_id: &'a str,
    /// Where the ads showing it lead, as the platform keeps it ([`Destination::kept_on`]).
    pub destination: Destination,
}

/// What `holder`'s ad account holds for creative `creative_id`, if it was pushed there.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    holder: Holder<'_>,
    creative_id: Uuid,
) -> Result<Option<platform_creatives::Model>, DbErr> {
    platform_creatives::Entity::find()
        .filter(platform_creatives::Column::OrganizationId.eq(holder.organization_id))
        .filter(platform_creatives::Column::LayerId.eq(holder.layer_id))
        .filter(platform_creatives::Column::AdAccountId.eq(holder.ad_account_id))
        .filter(platform_creatives::Column::CreativeId.eq(creative_id))
        .filter(platform_creatives::Column::Destination.eq(holder.destination.as_str()))
        .one(conn)
        .await
}

/// Every ad account's copy of creative `creative_id` of `org`, oldest first.
pub async fn of_creative<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    creative_id: Uuid,
) -> Result<Vec<platform_creatives::Model>, DbErr> {
    platform_creatives::Entity::find()
        .filter(platform_creatives::Column::OrganizationId.eq(org))
        .filter(platform_creatives::Column::CreativeId.eq(creative_id))
        .order_by_asc(platform_creatives::Column::Id)
        .all(conn)
        .await
}

/// Records a push; when another dispatch recorded one for the same creative, account and
/// destination first,
/// that one stands (and is returned), so every ad names the same platform creative.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    holder: Holder<'_>,
    creative_id: Uuid,
    pushed: &PushedCreative,
) -> Result<platform_creatives::Model, DbErr> {
    let row = platform_creatives::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(holder.organization_id),
        layer_id: Set(holder.layer_id),
        creative_id: Set(creative_id),
        platform: Set(holder.platform.as_str().to_owned()),
        ad_account_id: Set(holder.ad_account_id.to_owned()),
        destination: Set(holder.destination.as_str().to_owned()),
        media_kind: Set(pushed.kind.as_str().to_owned()),
        platform_creative_id: Set(pushed.platform_creative_id.clone()),
        cover_image_id: Set(pushed.cover_image_id.clone()),
        native: Set(pushed.native.clone()),
        created_at: Set(Utc::now()),
    };
    let conflict = OnConflict::columns([
        platform_creatives::Column::LayerId,
        platform_creatives::Column::AdAccountId,
        platform_creatives::Column::CreativeId,
        platform_creatives::Column::Destination,
    ])
    .do_nothing()
    .to_owned();
    platform_creatives::Entity::insert(row).on_conflict(conflict).exec_without_returning(conn).await?;
    find(conn, holder, creative_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the platform creative just recorded".to_owned()))
}
