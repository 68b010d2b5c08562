//! Organization-scoped look-ups of the ad objects a write targets.

use entity::{ad_sets, ads, ads_content, campaign_authority, campaigns, content_containers, layers};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    QueryTrait,
};
use uuid::Uuid;

use crate::domain::Platform;

/// The layer of `platform` in `org`.
pub async fn layer_by_platform<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    platform: Platform,
) -> Result<Option<layers::Model>, DbErr> {
    layers::Entity::find()
        .filter(layers::Column::OrganizationId.eq(org))
        .filter(layers::Column::Platform.eq(platform.as_str()))
        .one(conn)
        .await
}

/// The layer `id` of `org`.
pub async fn layer<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<layers::Model>, DbErr> {
    layers::Entity::find_by_id(id).filter(layers::Column::OrganizationId.eq(org)).one(conn).await
}

/// The layer `id` of `org`, read under a shared row lock on PostgreSQL.
///
/// Every write decision reads its layer this way inside the deciding transaction, so a kill-switch
/// trip (which updates the row) waits for decisions in flight and every decision after it sees it.
pub async fn layer_for_decision<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<layers::Model>, DbErr> {
    layers::Entity::find_by_id(id)
        .filter(layers::Column::OrganizationId.eq(org))
        .lock_shared()
        .one(conn)
        .await
}

/// The layer `id` of `org`, locked for update (policy and kill-switch writes).
pub async fn layer_for_update<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<layers::Model>, DbErr> {
    layers::Entity::find_by_id(id)
        .filter(layers::Column::OrganizationId.eq(org))
        .lock_exclusive()
        .one(conn)
        .await
}

/// Every layer of `org`.
pub async fn layers_of<C: ConnectionTrait>(conn: &C, org: Uuid) -> Result<Vec<layers::Model>, DbErr> {
    layers::Entity::find().filter(layers::Column::OrganizationId.eq(org)).all(conn).await
}

/// The campaign `id` of `org`.
pub async fn campaign<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<campaigns::Model>, DbErr> {
    campaigns::Entity::find_by_id(id).filter(campaigns::Column::OrganizationId.eq(org)).one(conn).await
}

/// How a decision reads its campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignRead {
    /// As it stands.
    Current,
    /// Locked for update (PostgreSQL) until the decision commits: decisions that count what
    /// earlier ones on the campaign allowed (Meta's hourly budget changes) queue up here, and each
    /// counts the changes the previous one allowed.
    Locked,
}

/// The campaign `id` of `org` with its layer and its authority row (if it has one), in one
/// statement; the layer row is read under a shared row lock on PostgreSQL, as
/// [`layer_for_decision`] reads it, and the campaign row as `read` asks. The authority row is
/// keyed by the campaign, so it is the organization's whenever the campaign is.
pub async fn campaign_for_decision<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
    read: CampaignRead,
) -> Result<Option<(campaigns::Model, layers::Model, Option<campaign_authority::Model>)>, DbErr> {
    let mut select = campaigns::Entity::find_by_id(id)
        .filter(campaigns::Column::OrganizationId.eq(org))
        .inner_join(layers::Entity)
        .filter(layers::Column::OrganizationId.eq(org))
        .select_also(layers::Entity)
        .find_also_related(campaign_authority::Entity);
    QueryTrait::query(&mut select).lock_with_tables(LockType::Share, [layers::Entity]);
    let backend = conn.get_database_backend();
    let mut statement = select.build(backend);
    if read == CampaignRead::Locked && backend == DbBackend::Postgres {
        // One statement takes both locks; sea-query writes one locking clause per SELECT.
        statement.sql.push_str(r#" FOR UPDATE OF "campaigns""#);
    }
    let Some(row) = conn.query_one_raw(statement).await? else {
        return Ok(None);
    };
    // The prefixes sea-orm gives the three models' columns (`SelectThree`).
    let campaign = campaigns::Model::from_query_result(&row, "A_")?;
    let Some(layer) = layers::Model::from_query_result_optional(&row, "B_")? else {
        return Ok(None);
    };
    let authority = campaign_authority::Model::from_query_result_optional(&row, "C_")?;
    Ok(Some((campaign, layer, authority)))
}

/// The campaign `id` of `org`, locked for update on PostgreSQL: policy writes on one campaign
/// queue up here, so each decides on the authority the previous one left.
pub async fn campaign_for_update<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<campaigns::Model>, DbErr> {
    campaigns::Entity::find_by_id(id)
        .filter(campaigns::Column::OrganizationId.eq(org))
        .lock_exclusive()
        .one(conn)
        .await
}

/// The authority row of campaign `id` of `org`, if it has one.
pub async fn campaign_authority<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaign_id: Uuid,
) -> Result<Option<campaign_authority::Model>, DbErr> {
    campaign_authority::Entity::find_by_id(campaign_id)
        .filter(campaign_authority::Column::OrganizationId.eq(org))
        .one(conn)
        .await
}

/// The ad set `id` of `org`.
pub async fn ad_set<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<ad_sets::Model>, DbErr> {
    ad_sets::Entity::find_by_id(id).filter(ad_sets::Column::OrganizationId.eq(org)).one(conn).await
}

/// The ad set `id` of `org`, locked for update on PostgreSQL: decisions to take ads of one ad
/// set out of delivery queue up here, so each counts the ads the previous one left active.
pub async fn ad_set_for_update<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<ad_sets::Model>, DbErr> {
    ad_sets::Entity::find_by_id(id)
        .filter(ad_sets::Column::OrganizationId.eq(org))
        .lock_exclusive()
        .one(conn)
        .await
}

/// The ad `id` of `org`.
pub async fn ad<C: ConnectionTrait>(conn: &C, org: Uuid, id: Uuid) -> Result<Option<ads::Model>, DbErr> {
    ads::Entity::find_by_id(id).filter(ads::Column::OrganizationId.eq(org)).one(conn).await
}

/// The active ads of ad set `ad_set_id`.
pub async fn active_ads_in_ad_set<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ad_set_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    ads::Entity::find()
        .select_only()
        .column(ads::Column::Id)
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::AdSetId.eq(ad_set_id))
        .filter(ads::Column::Status.eq("active"))
        .into_tuple()
        .all(conn)
        .await
}

/// The creative (content container and its ads-content row) `id` of `org`.
pub async fn creative<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<(content_containers::Model, Option<ads_content::Model>)>, DbErr> {
    let Some(container) = content_containers::Entity::find_by_id(id)
        .filter(content_containers::Column::OrganizationId.eq(org))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let content =
        ads_content::Entity::find().filter(ads_content::Column::ContentContainerId.eq(id)).one(conn).await?;
    Ok(Some((container, content)))
}
