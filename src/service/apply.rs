//! Applying a write the platform accepted to local state.
//!
//! Every applied write bumps the target's `version`, which is how approval detects that a pending
//! action's before/after no longer holds. An update answers the row as it left it (`RETURNING`).

use chrono::Utc;
use entity::{ad_sets, ads, campaign_authority, campaigns};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait, QueryFilter, Set,
    UpdateMany,
};
use uuid::Uuid;

use super::dispatch::next_status;
use super::prepare::Prepared;
use super::write::{AdWrite, NewCampaign};
use super::{Caller, Failure};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;
use crate::error::ApiError;

/// The rows an applied write created or changed.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub campaign: Option<campaigns::Model>,
    pub ad_set: Option<ad_sets::Model>,
    pub ad: Option<ads::Model>,
}

/// Applies `write` locally; `platform_id` is the id the platform gave a created object.
pub(crate) async fn apply<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    write: &AdWrite,
    prepared: &Prepared,
    platform_id: Option<String>,
) -> Result<Applied, Failure> {
    let target = prepared.target_id;
    match write {
        AdWrite::CreateCampaign(new) => {
            let campaign = create_campaign(conn, caller, prepared, new, platform_id).await?;
            Ok(Applied { campaign: Some(campaign), ..Default::default() })
        }
        AdWrite::CampaignBudget { budget, .. } => {
            let (daily, lifetime) = match budget {
                Budget::Daily(cents) => (Some(*cents), None),
                Budget::Lifetime(cents) => (None, Some(*cents)),
            };
            update_campaign(
                conn,
                target,
                vec![
                    (campaigns::Column::DailyBudgetCents, Expr::value(daily)),
                    (campaigns::Column::LifetimeBudgetCents, Expr::value(lifetime)),
                ],
            )
            .await
        }
        AdWrite::CampaignBidding { bid_strategy, bid_amount_cents, .. } => {
            update_campaign(
                conn,
                target,
                vec![
                    (campaigns::Column::BidStrategy, Expr::value(bid_strategy.as_str())),
                    (campaigns::Column::BidAmountCents, Expr::value(*bid_amount_cents)),
                ],
            )
            .await
        }
        AdWrite::CampaignSchedule { start_time, end_time, .. } => {
            update_campaign(
                conn,
                target,
                vec![
                    (campaigns::Column::ScheduleStart, Expr::value(*start_time)),
                    (campaigns::Column::ScheduleEnd, Expr::value(*end_time)),
                ],
            )
            .await
        }
        AdWrite::CampaignTargeting { targeting, .. } => {
            let json = serde_json::to_value(targeting)?;
            update_campaign(conn, target, vec![(campaigns::Column::Targeting, Expr::value(json))]).await
        }
        AdWrite::CampaignStatus { action, .. } => {
            let status = next_status(prepared.campaign.as_ref().map(|c| c.status.as_str()), *action)?;
            update_campaign(conn, target, vec![(campaigns::Column::Status, Expr::value(status.as_str()))])
                .await
        }
        AdWrite::CreateAdSet { campaign_id, name, daily_budget_cents, targeting } => {
            let now = Utc::now();
            let ad_set = ad_sets::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(caller.organization_id),
                campaign_id: Set(*campaign_id),
                name: Set(name.clone()),
                status: Set(EntityStatus::Active.as_str().to_owned()),
                daily_budget_cents: Set(*daily_budget_cents),
                targeting: Set(targeting.as_ref().map(serde_json::to_value).transpose()?),
                platform_ad_set_id: Set(platform_id),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(conn)
            .await?;
            Ok(Applied { ad_set: Some(ad_set), ..Default::default() })
        }
        AdWrite::AdSetStatus { action, .. } => {
            let status = next_status(prepared.ad_set.as_ref().map(|s| s.status.as_str()), *action)?;
            update_ad_set(conn, target, status).await
        }
        AdWrite::LaunchAd { ad_set_id, name, creative_id } => {
            let now = Utc::now();
            let campaign_id = prepared
                .campaign
                .as_ref()
                .map(|c| c.id)
                .ok_or_else(|| ApiError::internal("launch without campaign"))?;
            let ad = ads::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(caller.organization_id),
                campaign_id: Set(campaign_id),
                ad_set_id: Set(*ad_set_id),
                content_container_id: Set(Some(*creative_id)),
                name: Set(name.clone()),
                status: Set(EntityStatus::Active.as_str().to_owned()),
                platform_ad_id: Set(platform_id),
                version: Set(1),
                launched_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(conn)
            .await?;
            Ok(Applied { ad: Some(ad), ..Default::default() })
        }
        AdWrite::ReplaceAdCreative { creative_id, .. } => {
            update_ad(conn, target, vec![(ads::Column::ContentContainerId, Expr::value(*creative_id))]).await
        }
        AdWrite::PruneAd { .. } => {
            update_ad(conn, target, vec![(ads::Column::Status, Expr::value(EntityStatus::Paused.as_str()))])
                .await
        }
        AdWrite::AdStatus { action, .. } => {
            let status = next_status(prepared.ad.as_ref().map(|a| a.status.as_str()), *action)?;
            update_ad(conn, target, vec![(ads::Column::Status, Expr::value(status.as_str()))]).await
        }
    }
}

async fn create_campaign<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    prepared: &Prepared,
    new: &NewCampaign,
    platform_id: Option<String>,
) -> Result<campaigns::Model, Failure> {
    let now = Utc::now();
    let (daily, lifetime) = match new.budget {
        Budget::Daily(cents) => (Some(cents), None),
        Budget::Lifetime(cents) => (None, Some(cents)),
    };
    let campaign = campaigns::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(caller.organization_id),
        layer_id: Set(prepared.layer.id),
        platform: Set(new.platform.as_str().to_owned()),
        name: Set(new.name.clone()),
        outcome: Set(new.outcome.as_str().to_owned()),
        status: Set(EntityStatus::Active.as_str().to_owned()),
        daily_budget_cents: Set(daily),
        lifetime_budget_cents: Set(lifetime),
        bid_strategy: Set(new.bid_strategy.as_str().to_owned()),
        bid_amount_cents: Set(new.bid_amount_cents),
        schedule_start: Set(new.start_time),
        schedule_end: Set(new.end_time),
        targeting: Set(new.targeting.as_ref().map(serde_json::to_value).transpose()?),
        platform_campaign_id: Set(platform_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    campaign_authority::ActiveModel {
        campaign_id: Set(campaign.id),
        organization_id: Set(caller.organization_id),
        creative: Set(new.authority.creative.as_str().to_owned()),
        tactical: Set(new.authority.tactical.as_str().to_owned()),
        structural: Set(new.authority.structural.as_str().to_owned()),
        updated_by: Set(Some(format!("{}:{}", caller.kind.as_str(), caller.actor_id))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(campaign)
}

async fn update_campaign<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    changes: Vec<(campaigns::Column, SimpleExpr)>,
) -> Result<Applied, Failure> {
    let mut update = campaigns::Entity::update_many()
        .col_expr(campaigns::Column::Version, Expr::col(campaigns::Column::Version).add(1))
        .col_expr(campaigns::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(campaigns::Column::Id.eq(id));
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    let campaign = updated(conn, update, id).await?;
    Ok(Applied { campaign, ..Default::default() })
}

async fn update_ad_set<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    status: EntityStatus,
) -> Result<Applied, Failure> {
    let update = ad_sets::Entity::update_many()
        .col_expr(ad_sets::Column::Version, Expr::col(ad_sets::Column::Version).add(1))
        .col_expr(ad_sets::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(ad_sets::Column::Status, Expr::value(status.as_str()))
        .filter(ad_sets::Column::Id.eq(id));
    let ad_set = updated(conn, update, id).await?;
    Ok(Applied { ad_set, ..Default::default() })
}

async fn update_ad<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    changes: Vec<(ads::Column, SimpleExpr)>,
) -> Result<Applied, Failure> {
    let mut update = ads::Entity::update_many()
        .col_expr(ads::Column::Version, Expr::col(ads::Column::Version).add(1))
        .col_expr(ads::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ads::Column::Id.eq(id));
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    let ad = updated(conn, update, id).await?;
    Ok(Applied { ad, ..Default::default() })
}

/// Runs `update` of row `id` and answers the row as it left it: in the same statement where the
/// database can (`RETURNING`), else read back after it.
async fn updated<E, C>(conn: &C, update: UpdateMany<E>, id: Uuid) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
    C: ConnectionTrait,
{
    if conn.support_returning() {
        return Ok(update.exec_with_returning(conn).await?.pop());
    }
    update.exec(conn).await?;
    E::find_by_id(id).one(conn).await
}
