//! The creative library: content containers and their ads-content rows.
//!
//! Listing by lifecycle state filters in the database, so pages stay right: a state is not
//! stored, `domain::lifecycle::state_condition` says which stored facts define it, and each
//! fact becomes a condition on the page query (the container's status and approval, and
//! `EXISTS` subqueries on its ads-content row and its ads). Fatigue is classified from metrics,
//! not stored: the caller passes the creatives with a fatigued active ad.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{ads, ads_content, content_containers};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Set,
};
use uuid::Uuid;

use super::page::{self, Page, PageRequest};
use crate::domain::lifecycle::{OverrideMode, StateCondition};
use crate::domain::status::EntityStatus;

/// Approval statuses that let a creative be shown.
const CLEARED: [&str; 2] = ["approved", "not_required"];

/// Which creatives a page shows: those meeting `condition`, where `fatigued` are the creatives
/// with an active ad classified fatigued (consulted only when the condition is about fatigue).
#[derive(Debug, Clone, Copy)]
pub struct InState<'a> {
    /// The stored facts of the state.
    pub condition: StateCondition,
    /// The creatives with a fatigued active ad.
    pub fatigued: &'a [Uuid],
}

/// One page of `org`'s creatives, newest first, only those `in_state` if given.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    in_state: Option<InState<'_>>,
    request: PageRequest,
) -> Result<Page<content_containers::Model>, DbErr> {
    let mut select =
        content_containers::Entity::find().filter(content_containers::Column::OrganizationId.eq(org));
    if let Some(in_state) = in_state {
        select = filtered(select, in_state);
    }
    page::fetch(conn, select, content_containers::Column::Id, request).await
}

/// `select` narrowed to the creatives `in_state`.
fn filtered(
    select: Select<content_containers::Entity>,
    in_state: InState<'_>,
) -> Select<content_containers::Entity> {
    let condition = in_state.condition;
    let mut select = select.filter(content_containers::Column::Status.eq(condition.container_status));
    if let Some(archived) = condition.archived {
        select = select.filter(exists(archived, archived_content()));
    }
    if let Some(active) = condition.has_active_ad {
        select = select.filter(exists(active, ads_of_creative(true)));
    }
    if let Some(any) = condition.has_ad {
        select = select.filter(exists(any, ads_of_creative(false)));
    }
    if let Some(cleared) = condition.approval_cleared {
        let column = content_containers::Column::ApprovalStatus;
        select = select.filter(if cleared { column.is_in(CLEARED) } else { column.is_not_in(CLEARED) });
    }
    if let Some(fatigued) = condition.fatigued {
        let ids = in_state.fatigued.iter().copied();
        let column = content_containers::Column::Id;
        select = select.filter(if fatigued { column.is_in(ids) } else { column.is_not_in(ids) });
    }
    select
}

/// `EXISTS (subquery)` when `wanted`, else `NOT EXISTS (subquery)`.
fn exists(wanted: bool, subquery: SelectStatement) -> Expr {
    if wanted { Expr::exists(subquery) } else { Expr::not_exists(subquery) }
}

/// The container's archived ads-content row.
fn archived_content() -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(ads_content::Entity)
        .and_where(
            Expr::col((ads_content::Entity, ads_content::Column::ContentContainerId))
                .equals((content_containers::Entity, content_containers::Column::Id)),
        )
        .and_where(Expr::col((ads_content::Entity, ads_content::Column::ArchivedAt)).is_not_null())
        .to_owned()
}

/// The container's ads (only the active ones when `active`).
fn ads_of_creative(active: bool) -> SelectStatement {
    let mut query = Query::select();
    query.expr(Expr::val(1)).from(ads::Entity).and_where(
        Expr::col((ads::Entity, ads::Column::ContentContainerId))
            .equals((content_containers::Entity, content_containers::Column::Id)),
    );
    if active {
        query.and_where(Expr::col((ads::Entity, ads::Column::Status)).eq(EntityStatus::Active.as_str()));
    }
    query
}

/// The ads-content rows of `containers`, by container id.
pub async fn contents_of<C: ConnectionTrait>(
    conn: &C,
    containers: &[Uuid],
) -> Result<HashMap<Uuid, ads_content::Model>, DbErr> {
    let rows = ads_content::Entity::find()
        .filter(ads_content::Column::ContentContainerId.is_in(containers.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| (row.content_container_id, row)).collect())
}

/// Creative `id` of `org` with its ads-content row, the container locked for update on
/// PostgreSQL: changes to one creative queue up here.
pub async fn find_for_update<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<(content_containers::Model, Option<ads_content::Model>)>, DbErr> {
    let Some(container) = content_containers::Entity::find_by_id(id)
        .filter(content_containers::Column::OrganizationId.eq(org))
        .lock_exclusive()
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let content =
        ads_content::Entity::find().filter(ads_content::Column::ContentContainerId.eq(id)).one(conn).await?;
    Ok(Some((container, content)))
}

/// The container `id` of `org`.
pub async fn container<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<content_containers::Model>, DbErr> {
    content_containers::Entity::find_by_id(id)
        .filter(content_containers::Column::OrganizationId.eq(org))
        .one(conn)
        .await
}

/// The generated creatives of `org` whose approval lets them be shown, each with its
/// ads-content row (those without one are left out).
pub async fn cleared_with_content<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
) -> Result<Vec<(content_containers::Model, ads_content::Model)>, DbErr> {
    let rows = content_containers::Entity::find()
        .filter(content_containers::Column::OrganizationId.eq(org))
        .filter(content_containers::Column::Status.eq("completed"))
        .filter(content_containers::Column::ApprovalStatus.is_in(CLEARED))
        .find_also_related(ads_content::Entity)
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(container, content)| Some((container, content?))).collect())
}

/// Sets container `id`'s approval status, returning it as it is now.
pub async fn set_approval<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    approval: &str,
) -> Result<content_containers::Model, DbErr> {
    content_containers::ActiveModel {
        id: Set(id),
        approval_status: Set(approval.to_owned()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(conn)
    .await
}

/// Sets (`Some`) or clears the include/exclude override of ads-content row `id`.
pub async fn set_override<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    mode: Option<OverrideMode>,
) -> Result<ads_content::Model, DbErr> {
    ads_content::ActiveModel {
        id: Set(id),
        override_mode: Set(mode.map(|m| m.as_str().to_owned())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(conn)
    .await
}

/// Archives ads-content row `id` for ads.
pub async fn archive<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<ads_content::Model, DbErr> {
    let now = Utc::now();
    ads_content::ActiveModel {
        id: Set(id),
        archived_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await
}

/// A draft about to be started.
#[derive(Debug, Clone)]
pub struct NewDraft {
    /// The organization.
    pub organization_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its approval status (it follows the organization's policy).
    pub approval_status: &'static str,
    /// The creative it regenerates, if any.
    pub parent_id: Option<Uuid>,
}

/// Stores `draft` as a `processing` container, with no media yet.
pub async fn insert_draft<C: ConnectionTrait>(
    conn: &C,
    draft: NewDraft,
) -> Result<content_containers::Model, DbErr> {
    let now = Utc::now();
    content_containers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(draft.organization_id),
        name: Set(draft.name),
        status: Set("processing".to_owned()),
        approval_status: Set(draft.approval_status.to_owned()),
        parent_id: Set(draft.parent_id),
        media_url: Set(None),
        failure_reason: Set(None),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Drafts (of every organization) created before `before`, oldest first, at most `limit`.
pub async fn drafts_created_before<C: ConnectionTrait>(
    conn: &C,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<content_containers::Model>, DbErr> {
    content_containers::Entity::find()
        .filter(content_containers::Column::Status.eq("processing"))
        .filter(content_containers::Column::CreatedAt.lte(before))
        .order_by_asc(content_containers::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// How a draft's generation ended.
#[derive(Debug, Clone)]
pub struct Generated {
    /// `completed` or `failed`.
    pub status: &'static str,
    /// Where a completed draft's media is served from.
    pub media_url: Option<String>,
    /// Why a failed draft failed.
    pub failure_reason: Option<String>,
    /// When a completed draft completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Its approval status now.
    pub approval_status: &'static str,
}

/// Moves draft `id` of `org` out of `processing` as `generated` says, in one compare-and-set
/// update; false when it was not processing any more (another report got there first).
pub async fn finish_draft<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
    generated: Generated,
) -> Result<bool, DbErr> {
    let moved = content_containers::Entity::update_many()
        .col_expr(content_containers::Column::Status, Expr::value(generated.status))
        .col_expr(content_containers::Column::MediaUrl, Expr::value(generated.media_url))
        .col_expr(content_containers::Column::FailureReason, Expr::value(generated.failure_reason))
        .col_expr(content_containers::Column::CompletedAt, Expr::value(generated.completed_at))
        .col_expr(content_containers::Column::ApprovalStatus, Expr::value(generated.approval_status))
        .col_expr(content_containers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(content_containers::Column::Id.eq(id))
        .filter(content_containers::Column::OrganizationId.eq(org))
        .filter(content_containers::Column::Status.eq("processing"))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// Creates the ads-content row of container `container_id` of `org` as a completed generation
/// leaves it: organic score 7.0, pool `generated`, no override, not flagged, not archived.
pub async fn insert_generated_content<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    container_id: Uuid,
) -> Result<ads_content::Model, DbErr> {
    let now = Utc::now();
    ads_content::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        content_container_id: Set(container_id),
        organic_score: Set(7.0),
        scoring_pool: Set("generated".to_owned()),
        override_mode: Set(None),
        flagged_reason: Set(None),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}
