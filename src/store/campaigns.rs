//! Campaigns and their authority rows: listing, creating and changing them.
//!
//! Every applied change bumps the campaign's `version` (approval compares it to tell a stale
//! proposal) and answers the row as it left it.

use chrono::{DateTime, Utc};
use entity::{campaign_authority, campaigns};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set,
    UpdateMany,
};
use serde_json::Value;
use uuid::Uuid;

use super::page::{self, Page, PageRequest};
use crate::domain::Platform;
use crate::domain::authority::AuthorityBlock;
use crate::domain::campaign::{BidStrategy, Outcome};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;

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

/// Whether layer `layer_id` of `org` has any campaign.
pub async fn layer_has_campaigns<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    layer_id: Uuid,
) -> Result<bool, DbErr> {
    let count = campaigns::Entity::find()
        .filter(campaigns::Column::OrganizationId.eq(org))
        .filter(campaigns::Column::LayerId.eq(layer_id))
        .count(conn)
        .await?;
    Ok(count > 0)
}

/// The active campaigns of `org`, optionally of one platform.
pub async fn active_ids<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    platform: Option<Platform>,
) -> Result<Vec<Uuid>, DbErr> {
    let mut select = campaigns::Entity::find()
        .filter(campaigns::Column::OrganizationId.eq(org))
        .filter(campaigns::Column::Status.eq(EntityStatus::Active.as_str()));
    if let Some(platform) = platform {
        select = select.filter(campaigns::Column::Platform.eq(platform.as_str()));
    }
    Ok(select.all(conn).await?.into_iter().map(|campaign| campaign.id).collect())
}

/// A campaign the platform created, about to be stored.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// The organization.
    pub organization_id: Uuid,
    /// Its layer.
    pub layer_id: Uuid,
    /// The layer's platform.
    pub platform: Platform,
    /// Its name.
    pub name: String,
    /// What it optimizes for.
    pub outcome: Outcome,
    /// Its daily or lifetime budget.
    pub budget: Budget,
    /// Its bid strategy.
    pub bid_strategy: BidStrategy,
    /// Its cost or bid cap.
    pub bid_amount_cents: Option<i64>,
    /// When it starts.
    pub schedule_start: Option<DateTime<Utc>>,
    /// When it ends.
    pub schedule_end: Option<DateTime<Utc>>,
    /// Its targeting, as JSON.
    pub targeting: Option<Value>,
    /// The platform's id for it.
    pub platform_campaign_id: Option<String>,
}

/// Stores `new` as an active campaign at version 1, with its own authority row `authority`
/// written by `updated_by`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewCampaign,
    authority: AuthorityBlock,
    updated_by: String,
) -> Result<campaigns::Model, DbErr> {
    let now = Utc::now();
    let (daily, lifetime) = budget_columns(new.budget);
    let campaign = campaigns::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(new.organization_id),
        layer_id: Set(new.layer_id),
        platform: Set(new.platform.as_str().to_owned()),
        name: Set(new.name),
        outcome: Set(new.outcome.as_str().to_owned()),
        status: Set(EntityStatus::Active.as_str().to_owned()),
        daily_budget_cents: Set(daily),
        lifetime_budget_cents: Set(lifetime),
        bid_strategy: Set(new.bid_strategy.as_str().to_owned()),
        bid_amount_cents: Set(new.bid_amount_cents),
        schedule_start: Set(new.schedule_start),
        schedule_end: Set(new.schedule_end),
        targeting: Set(new.targeting),
        platform_campaign_id: Set(new.platform_campaign_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    insert_authority(conn, campaign.organization_id, campaign.id, authority, updated_by).await?;
    Ok(campaign)
}

/// A change to a campaign the platform accepted.
#[derive(Debug, Clone)]
pub enum CampaignChange {
    /// Its budget (the other kind of budget is cleared).
    Budget(Budget),
    /// Its bid strategy and amount.
    Bidding {
        /// The strategy.
        strategy: BidStrategy,
        /// The cost or bid cap.
        amount_cents: Option<i64>,
    },
    /// Its schedule.
    Schedule {
        /// When it starts.
        start: Option<DateTime<Utc>>,
        /// When it ends.
        end: Option<DateTime<Utc>>,
    },
    /// Its targeting, as JSON.
    Targeting(Value),
    /// Its status.
    Status(EntityStatus),
}

/// Applies `change` to campaign `id`, bumping its version; the campaign as it is now.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    change: CampaignChange,
) -> Result<Option<campaigns::Model>, DbErr> {
    super::updated(conn, changing(id, change), id).await
}

/// The statement applying `change` to campaign `id` and bumping its version.
pub fn changing(id: Uuid, change: CampaignChange) -> UpdateMany<campaigns::Entity> {
    let changes: Vec<(campaigns::Column, SimpleExpr)> = match change {
        CampaignChange::Budget(budget) => {
            let (daily, lifetime) = budget_columns(budget);
            vec![
                (campaigns::Column::DailyBudgetCents, Expr::value(daily)),
                (campaigns::Column::LifetimeBudgetCents, Expr::value(lifetime)),
            ]
        }
        CampaignChange::Bidding { strategy, amount_cents } => vec![
            (campaigns::Column::BidStrategy, Expr::value(strategy.as_str())),
            (campaigns::Column::BidAmountCents, Expr::value(amount_cents)),
        ],
        CampaignChange::Schedule { start, end } => vec![
            (campaigns::Column::ScheduleStart, Expr::value(start)),
            (campaigns::Column::ScheduleEnd, Expr::value(end)),
        ],
        CampaignChange::Targeting(targeting) => vec![(campaigns::Column::Targeting, Expr::value(targeting))],
        CampaignChange::Status(status) => vec![(campaigns::Column::Status, Expr::value(status.as_str()))],
    };
    let mut update = campaigns::Entity::update_many()
        .col_expr(campaigns::Column::Version, Expr::col(campaigns::Column::Version).add(1))
        .col_expr(campaigns::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(campaigns::Column::Id.eq(id));
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    update
}

/// The daily and lifetime budget columns of `budget`: one set, the other cleared.
fn budget_columns(budget: Budget) -> (Option<i64>, Option<i64>) {
    match budget {
        Budget::Daily(cents) => (Some(cents), None),
        Budget::Lifetime(cents) => (None, Some(cents)),
    }
}

/// Gives campaign `campaign_id` of `org` its own authority row, `block`, written by `updated_by`.
pub async fn insert_authority<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaign_id: Uuid,
    block: AuthorityBlock,
    updated_by: String,
) -> Result<campaign_authority::Model, DbErr> {
    let now = Utc::now();
    let mut row = authority_row(org, campaign_id, block, updated_by, now);
    row.created_at = Set(now);
    row.insert(conn).await
}

/// Changes the authority row of campaign `campaign_id` of `org` to `block`, written by `updated_by`.
pub async fn update_authority<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaign_id: Uuid,
    block: AuthorityBlock,
    updated_by: String,
) -> Result<campaign_authority::Model, DbErr> {
    authority_row(org, campaign_id, block, updated_by, Utc::now()).update(conn).await
}

/// Removes the authority row of campaign `campaign_id` of `org`, if it has one: its layer's
/// defaults apply again.
pub async fn delete_authority<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaign_id: Uuid,
) -> Result<(), DbErr> {
    campaign_authority::Entity::delete_many()
        .filter(campaign_authority::Column::CampaignId.eq(campaign_id))
        .filter(campaign_authority::Column::OrganizationId.eq(org))
        .exec(conn)
        .await?;
    Ok(())
}

fn authority_row(
    org: Uuid,
    campaign_id: Uuid,
    block: AuthorityBlock,
    updated_by: String,
    now: DateTime<Utc>,
) -> campaign_authority::ActiveModel {
    campaign_authority::ActiveModel {
        campaign_id: Set(campaign_id),
        organization_id: Set(org),
        creative: Set(block.creative.as_str().to_owned()),
        tactical: Set(block.tactical.as_str().to_owned()),
        structural: Set(block.structural.as_str().to_owned()),
        updated_by: Set(Some(updated_by)),
        updated_at: Set(now),
        ..Default::default()
    }
}
