//! Campaign listings and the other read-side queries of the dashboard.

use entity::campaigns;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::page::{self, Page, PageRequest};
use crate::domain::Platform;

/// One page of `org`'s campaigns, newest first, optionally of one layer or platform.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    layer_id: Option<Uuid>,
    platform: Option<Platform>,
    request: PageRequest,
) -> Result<Page<campaigns::Model>, DbErr> {
    let mut select = campaigns::Entity::find().filter(campaigns::Column::OrganizationId.eq(org));
    if let Some(layer_id) = layer_id {
        select = select.filter(campaigns::Column::LayerId.eq(layer_id));
    }
    if let Some(platform) = platform {
        select = select.filter(campaigns::Column::Platform.eq(platform.as_str()));
    }
    page::fetch(conn, select, campaigns::Column::Id, request).await
}

/// The ads-content rows of `containers`, by container id.
pub async fn ads_content_of<C: ConnectionTrait>(
    conn: &C,
    containers: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, entity::ads_content::Model>, DbErr> {
    use entity::ads_content;
    let rows = ads_content::Entity::find()
        .filter(ads_content::Column::ContentContainerId.is_in(containers.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| (row.content_container_id, row)).collect())
}
