//! The batched reads behind the dashboard's relations (the GraphQL DataLoaders and a page's
//! prefetch): rows of one organization by a list of ids or parent ids, one statement each.
//! Lists come newest first.

use entity::{
    ad_sets, ads, ads_content, campaign_authority, campaigns, content_containers, layers, pending_actions,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
};
use uuid::Uuid;

use crate::domain::gate::PendingStatus;
use crate::domain::status::EntityStatus;

/// `org`'s layers among `ids`.
pub async fn layers<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ids: &[Uuid],
) -> Result<Vec<layers::Model>, DbErr> {
    layers::Entity::find()
        .filter(layers::Column::OrganizationId.eq(org))
        .filter(layers::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

/// `org`'s campaigns among `ids`.
pub async fn campaigns<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ids: &[Uuid],
) -> Result<Vec<campaigns::Model>, DbErr> {
    campaigns::Entity::find()
        .filter(campaigns::Column::OrganizationId.eq(org))
        .filter(campaigns::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

/// `org`'s ad sets among `ids`.
pub async fn ad_sets<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ids: &[Uuid],
) -> Result<Vec<ad_sets::Model>, DbErr> {
    ad_sets::Entity::find()
        .filter(ad_sets::Column::OrganizationId.eq(org))
        .filter(ad_sets::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

/// The own authority rows of `campaigns` (a campaign without one follows its layer's defaults).
pub async fn authority_of<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaigns: &[Uuid],
) -> Result<Vec<campaign_authority::Model>, DbErr> {
    campaign_authority::Entity::find()
        .filter(campaign_authority::Column::OrganizationId.eq(org))
        .filter(campaign_authority::Column::CampaignId.is_in(campaigns.iter().copied()))
        .all(conn)
        .await
}

/// The ad sets of `campaigns`, newest first.
pub async fn ad_sets_of<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaigns: &[Uuid],
) -> Result<Vec<ad_sets::Model>, DbErr> {
    ad_sets::Entity::find()
        .filter(ad_sets::Column::OrganizationId.eq(org))
        .filter(ad_sets::Column::CampaignId.is_in(campaigns.iter().copied()))
        .order_by_desc(ad_sets::Column::Id)
        .all(conn)
        .await
}

/// The ads of `ad_sets`, newest first.
pub async fn ads_of<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ad_sets: &[Uuid],
) -> Result<Vec<ads::Model>, DbErr> {
    ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::AdSetId.is_in(ad_sets.iter().copied()))
        .order_by_desc(ads::Column::Id)
        .all(conn)
        .await
}

/// The actions on `campaigns` still waiting for approval, newest first.
pub async fn waiting_of<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaigns: &[Uuid],
) -> Result<Vec<pending_actions::Model>, DbErr> {
    pending_actions::Entity::find()
        .filter(pending_actions::Column::OrganizationId.eq(org))
        .filter(pending_actions::Column::CampaignId.is_in(campaigns.iter().copied()))
        .filter(pending_actions::Column::Status.eq(PendingStatus::Pending.as_str()))
        .order_by_desc(pending_actions::Column::Id)
        .all(conn)
        .await
}

/// `org`'s creatives among `ids`: each content container with its ads-content row, once
/// generated.
///
/// A dashboard page reads a few hundred of these rows. Read through `find_also_related`, every
/// value would be looked up by a prefixed alias built for it (`A_id`, `B_id`, ...); the columns
/// are instead selected in the order [`creative_at`] decodes them, which is one list per table
/// ([`CONTAINER_COLUMNS`], [`CONTENT_COLUMNS`]), and read by position.
pub async fn creatives<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ids: &[Uuid],
) -> Result<Vec<(content_containers::Model, Option<ads_content::Model>)>, DbErr> {
    use content_containers::Column as Container;
    let statement = Query::select()
        .columns(CONTAINER_COLUMNS.map(|column| (content_containers::Entity, column)))
        .columns(CONTENT_COLUMNS.map(|column| (ads_content::Entity, column)))
        .from(content_containers::Entity)
        .left_join(
            ads_content::Entity,
            Expr::col((ads_content::Entity, ads_content::Column::ContentContainerId))
                .equals((content_containers::Entity, Container::Id)),
        )
        .and_where(Expr::col((content_containers::Entity, Container::OrganizationId)).eq(org))
        .and_where(Expr::col((content_containers::Entity, Container::Id)).is_in(ids.iter().copied()))
        .to_owned();
    conn.query_all(&statement).await?.iter().map(creative_at).collect()
}

/// The creative columns [`creatives`] selects, in the order [`creative_at`] reads them.
const CONTAINER_COLUMNS: [content_containers::Column; 11] = {
    use content_containers::Column::*;
    [
        Id,
        OrganizationId,
        Name,
        Status,
        ApprovalStatus,
        ParentId,
        MediaUrl,
        FailureReason,
        CompletedAt,
        CreatedAt,
        UpdatedAt,
    ]
};

/// The ads-content columns [`creatives`] selects after the creative's, in the order
/// [`creative_at`] reads them.
const CONTENT_COLUMNS: [ads_content::Column; 10] = {
    use ads_content::Column::*;
    [
        Id,
        OrganizationId,
        ContentContainerId,
        OrganicScore,
        ScoringPool,
        OverrideMode,
        FlaggedReason,
        ArchivedAt,
        CreatedAt,
        UpdatedAt,
    ]
};

/// A creative and its ads-content row (none when the left join found none), from a row of
/// [`creatives`]: columns in [`CONTAINER_COLUMNS`] then [`CONTENT_COLUMNS`] order.
fn creative_at(row: &QueryResult) -> Result<(content_containers::Model, Option<ads_content::Model>), DbErr> {
    let mut at = 0..;
    let mut next = || at.next().unwrap_or_default();
    let creative = content_containers::Model {
        id: row.try_get_by_index(next())?,
        organization_id: row.try_get_by_index(next())?,
        name: row.try_get_by_index(next())?,
        status: row.try_get_by_index(next())?,
        approval_status: row.try_get_by_index(next())?,
        parent_id: row.try_get_by_index(next())?,
        media_url: row.try_get_by_index(next())?,
        failure_reason: row.try_get_by_index(next())?,
        completed_at: row.try_get_by_index(next())?,
        created_at: row.try_get_by_index(next())?,
        updated_at: row.try_get_by_index(next())?,
    };
    let Some(id) = row.try_get_by_index::<Option<Uuid>>(next())? else {
        return Ok((creative, None));
    };
    let content = ads_content::Model {
        id,
        organization_id: row.try_get_by_index(next())?,
        content_container_id: row.try_get_by_index(next())?,
        organic_score: row.try_get_by_index(next())?,
        scoring_pool: row.try_get_by_index(next())?,
        override_mode: row.try_get_by_index(next())?,
        flagged_reason: row.try_get_by_index(next())?,
        archived_at: row.try_get_by_index(next())?,
        created_at: row.try_get_by_index(next())?,
        updated_at: row.try_get_by_index(next())?,
    };
    Ok((creative, Some(content)))
}

/// An ad showing a creative, as much as the creative's state needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownAd {
    /// The ad.
    pub id: Uuid,
    /// Its ad set.
    pub ad_set_id: Uuid,
    /// The creative it shows.
    pub creative: Uuid,
    /// Whether its status is `active`.
    pub active: bool,
}

/// The ads showing `creatives`.
pub async fn ads_showing<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    creatives: &[Uuid],
) -> Result<Vec<ShownAd>, DbErr> {
    let rows: Vec<(Uuid, Uuid, Option<Uuid>, String)> = ads::Entity::find()
        .select_only()
        .columns([
            ads::Column::Id,
            ads::Column::AdSetId,
            ads::Column::ContentContainerId,
            ads::Column::Status,
        ])
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::ContentContainerId.is_in(creatives.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let active = EntityStatus::Active.as_str();
    Ok(rows
        .into_iter()
        .filter_map(|(id, ad_set_id, creative, status)| {
            Some(ShownAd { id, ad_set_id, creative: creative?, active: status == active })
        })
        .collect())
}
