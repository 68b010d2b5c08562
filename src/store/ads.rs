//! Ad sets and ads: creating and changing them once the platform accepted the write, and the
//! reads the optimizer and the creative library make over them.
//!
//! Every applied change bumps the row's `version` and answers the row as it left it.

use std::collections::HashSet;

use chrono::Utc;
use entity::{ad_sets, ads};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::status::EntityStatus;

/// An ad set the platform created, about to be stored.
#[derive(Debug, Clone)]
pub struct NewAdSet {
    /// The organization.
    pub organization_id: Uuid,
    /// Its campaign.
    pub campaign_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its daily budget.
    pub daily_budget_cents: Option<i64>,
    /// Its targeting, as JSON.
    pub targeting: Option<Value>,
    /// The platform's id for it.
    pub platform_ad_set_id: Option<String>,
}

/// Stores `new` as an active ad set at version 1.
pub async fn insert_ad_set<C: ConnectionTrait>(conn: &C, new: NewAdSet) -> Result<ad_sets::Model, DbErr> {
    let now = Utc::now();
    ad_sets::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(new.organization_id),
        campaign_id: Set(new.campaign_id),
        name: Set(new.name),
        status: Set(EntityStatus::Active.as_str().to_owned()),
        daily_budget_cents: Set(new.daily_budget_cents),
        targeting: Set(new.targeting),
        platform_ad_set_id: Set(new.platform_ad_set_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Sets ad set `id`'s status, bumping its version; the ad set as it is now.
pub async fn set_ad_set_status<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    status: EntityStatus,
) -> Result<Option<ad_sets::Model>, DbErr> {
    let update = ad_sets::Entity::update_many()
        .col_expr(ad_sets::Column::Version, Expr::col(ad_sets::Column::Version).add(1))
        .col_expr(ad_sets::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(ad_sets::Column::Status, Expr::value(status.as_str()))
        .filter(ad_sets::Column::Id.eq(id));
    super::updated(conn, update, id).await
}

/// An ad the platform created, about to be stored.
#[derive(Debug, Clone)]
pub struct NewAd {
    /// The organization.
    pub organization_id: Uuid,
    /// Its campaign.
    pub campaign_id: Uuid,
    /// Its ad set.
    pub ad_set_id: Uuid,
    /// The creative it shows.
    pub creative_id: Uuid,
    /// Its name.
    pub name: String,
    /// The platform's id for it.
    pub platform_ad_id: Option<String>,
}

/// Stores `new` as an active ad at version 1, launched now.
pub async fn insert_ad<C: ConnectionTrait>(conn: &C, new: NewAd) -> Result<ads::Model, DbErr> {
    let now = Utc::now();
    ads::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(new.organization_id),
        campaign_id: Set(new.campaign_id),
        ad_set_id: Set(new.ad_set_id),
        content_container_id: Set(Some(new.creative_id)),
        name: Set(new.name),
        status: Set(EntityStatus::Active.as_str().to_owned()),
        platform_ad_id: Set(new.platform_ad_id),
        version: Set(1),
        launched_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// A change to an ad the platform accepted.
#[derive(Debug, Clone, Copy)]
pub enum AdChange {
    /// It shows another creative.
    Creative(Uuid),
    /// Its status.
    Status(EntityStatus),
}

/// Applies `change` to ad `id`, bumping its version; the ad as it is now.
pub async fn update_ad<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    change: AdChange,
) -> Result<Option<ads::Model>, DbErr> {
    let (column, value): (ads::Column, SimpleExpr) = match change {
        AdChange::Creative(creative_id) => (ads::Column::ContentContainerId, Expr::value(creative_id)),
        AdChange::Status(status) => (ads::Column::Status, Expr::value(status.as_str())),
    };
    let update = ads::Entity::update_many()
        .col_expr(ads::Column::Version, Expr::col(ads::Column::Version).add(1))
        .col_expr(ads::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ads::Column::Id.eq(id))
        .col_expr(column, value);
    super::updated(conn, update, id).await
}

/// The active ads of `org` in `campaign_ids`.
pub async fn active_in_campaigns<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaign_ids: Vec<Uuid>,
) -> Result<Vec<ads::Model>, DbErr> {
    ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::Status.eq(EntityStatus::Active.as_str()))
        .filter(ads::Column::CampaignId.is_in(campaign_ids))
        .all(conn)
        .await
}

/// The creatives the ads of ad set `ad_set_id` of `org` show (whatever their status).
pub async fn creatives_in_ad_set<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ad_set_id: Uuid,
) -> Result<HashSet<Uuid>, DbErr> {
    let ads = ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::AdSetId.eq(ad_set_id))
        .all(conn)
        .await?;
    Ok(ads.into_iter().filter_map(|ad| ad.content_container_id).collect())
}

/// The active ads of `org` that show a creative.
pub async fn active_showing_a_creative<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
) -> Result<Vec<ads::Model>, DbErr> {
    ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::Status.eq(EntityStatus::Active.as_str()))
        .filter(ads::Column::ContentContainerId.is_not_null())
        .all(conn)
        .await
}

/// Every ad of `org` in the ad sets `ad_set_ids`.
pub async fn in_ad_sets<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ad_set_ids: HashSet<Uuid>,
) -> Result<Vec<ads::Model>, DbErr> {
    ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::AdSetId.is_in(ad_set_ids))
        .all(conn)
        .await
}

/// How many active ads of `org` show creative `creative_id`.
pub async fn active_showing<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    creative_id: Uuid,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::ContentContainerId.eq(creative_id))
        .filter(ads::Column::Status.eq(EntityStatus::Active.as_str()))
        .count(conn)
        .await
}
