//! Pending actions (`optimizer_pending_actions`): writes queued for the customer's approval.
//!
//! Status changes are compare-and-set on the current status, so of two resolutions racing for the
//! same action exactly one takes effect.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{audit, pending_actions};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, Func, InsertStatement, OnConflict, Query, UnionType, WithClause,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Iterable,
    QueryFilter, QuerySelect, QueryTrait, Set, UpdateMany,
};
use serde_json::Value;
use uuid::Uuid;

use super::audit::AuditEntry;
use super::page::{self, Page, PageRequest};
use crate::domain::Caller;
use crate::domain::Platform;
use crate::domain::authority::Axis;
use crate::domain::gate::PendingStatus;

/// A pending action about to be queued.
#[derive(Debug, Clone)]
pub struct NewPendingAction {
    /// Its id.
    pub id: Uuid,
    /// The organization.
    pub organization_id: Uuid,
    /// The layer the write belongs to.
    pub layer_id: Uuid,
    /// The layer's platform.
    pub platform: Platform,
    /// The campaign, when the write targets one (or something under one).
    pub campaign_id: Option<Uuid>,
    /// `layer`, `campaign`, `ad_set` or `ad`.
    pub target_type: &'static str,
    /// The target's id.
    pub target_id: Uuid,
    /// The action code (`campaign.budget`, `policy.campaign_authority`).
    pub kind: String,
    /// The axis, for ad writes.
    pub axis: Option<Axis>,
    /// Whether this is a policy change only the customer can approve.
    pub is_policy: bool,
    /// The target's state before.
    pub before: Value,
    /// The write to replay on approval.
    pub after: Value,
    /// The target's version when queued.
    pub target_version: Option<i64>,
    /// What it changes, for superseding (see `AdWrite::supersede_key`); `None` never supersedes.
    pub supersede_key: Option<String>,
    /// The audit row that queued it.
    pub verdict_id: Uuid,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// A queued action, and the proposals it superseded (now `superseded`).
#[derive(Debug, Clone)]
pub struct Queued {
    /// The new pending action.
    pub action: pending_actions::Model,
    /// The proposals for the same target and key that were still waiting (pending, or failed and
    /// approvable again), as they are now.
    pub superseded: Vec<pending_actions::Model>,
}

/// How many times a proposal looks again for the one waiting for its target and key when
/// concurrent proposals for them commit first: each time, another proposal was queued, so this
/// bounds only a proposal outrun by more proposals for one field than transactions can be open at
/// once on a few instances.
const SUPERSEDE_ATTEMPTS: usize = 256;

/// Records `verdict`, the audit row of the decision that queues `action`, and queues `action`,
/// proposed by `caller`; answers what was queued and the audit row as stored.
///
/// A proposal with a supersede key first supersedes the ones still waiting for the same target
/// and key: they end `superseded`, resolved by this proposal's verdict, their audit rows kept. A
/// partial unique index keeps one waiting proposal per target and key. Of concurrent proposals
/// for one target and key, the one whose insert meets another's committed row there (PostgreSQL
/// waits for that row's transaction first) supersedes it in turn and inserts again, so the latest
/// to commit is the one left waiting, and no proposal ever fails on the index. On PostgreSQL the
/// audit row, the superseding and the queueing are one statement.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    verdict: AuditEntry,
    action: NewPendingAction,
) -> Result<(Queued, audit::Model), DbErr> {
    let (row, record) = super::audit::staged(caller, verdict)?;
    let together = conn.get_database_backend() == DbBackend::Postgres && action.supersede_key.is_some();
    let record = if together {
        Some(record)
    } else {
        conn.execute(&record).await?;
        None
    };
    let queued = match action.supersede_key.clone() {
        Some(key) => supersede_and_queue(conn, caller, &action, &key, record).await?,
        None => Queued { action: insert_row(conn, caller, action).await?, superseded: Vec::new() },
    };
    super::audit::counted(&row);
    Ok((queued, row))
}

/// Supersedes the proposals waiting for `action`'s target and `key` and queues `action`, again
/// while another proposal's committed row holds the place; `record` (PostgreSQL only) is written
/// by the first attempt's statement.
async fn supersede_and_queue<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    action: &NewPendingAction,
    key: &str,
    mut record: Option<InsertStatement>,
) -> Result<Queued, DbErr> {
    let mut superseded = Vec::new();
    for _ in 0..SUPERSEDE_ATTEMPTS {
        let (now_superseded, inserted) = if conn.get_database_backend() == DbBackend::Postgres {
            supersede_and_insert(conn, caller, action, key, record.take()).await?
        } else {
            let now_superseded = supersede(conn, caller, action, key).await?;
            (now_superseded, insert_waiting(conn, caller, action.clone()).await?)
        };
        superseded.extend(now_superseded);
        if let Some(inserted) = inserted {
            return Ok(Queued { action: inserted, superseded });
        }
    }
    Err(DbErr::Custom(format!(
        "proposals for {} ({key}) kept arriving: not queued after {SUPERSEDE_ATTEMPTS} attempts",
        action.target_id
    )))
}

/// The statuses of a waiting proposal, written out as the partial index of waiting proposals by
/// target (migration 17) names them: the database uses the index only for this very condition.
const WAITING: &str = "status IN ('pending', 'failed')";

/// A pending proposal, written out as the partial index of pending proposals by expiry
/// (migration 18) names it.
const PENDING: &str = "status = 'pending'";

/// Supersedes, in one statement, the proposals waiting (pending, or failed and approvable again)
/// for `action`'s target and `key`; answers them as they are now.
async fn supersede<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    action: &NewPendingAction,
    key: &str,
) -> Result<Vec<pending_actions::Model>, DbErr> {
    superseding(caller, action, key).exec_with_returning(conn).await
}

/// On PostgreSQL, [`supersede`] then [`insert_waiting`] in one statement (one round trip): the
/// UPDATE runs as a data-modifying `WITH` query that the INSERT reads (a count of its rows) before
/// it inserts, so the superseded rows have left the unique index of waiting proposals by then
/// (a row this transaction updated no longer conflicts). `record`, an audit row's INSERT, runs
/// as one more `WITH` query. Answers the superseded rows and the inserted one (`None` when
/// another proposal's committed row holds the place).
async fn supersede_and_insert<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    action: &NewPendingAction,
    key: &str,
    record: Option<InsertStatement>,
) -> Result<(Vec<pending_actions::Model>, Option<pending_actions::Model>), DbErr> {
    // Built in place (see `store::named`): it carries the target's state and the write as JSON.
    let superseded = Alias::new("superseded");
    let inserted = Alias::new("inserted");
    let mut update = superseding(caller, action, key).into_query();
    update.returning_all();
    let mut row = new_row(caller, action.clone());
    let (columns, values): (Vec<_>, Vec<_>) = pending_actions::Column::iter()
        .filter_map(|column| {
            row.take(column).into_value().map(|value| (column, column.save_as(Expr::val(value))))
        })
        .unzip();
    let mut count_superseded = Query::select();
    count_superseded.expr(Func::count(Expr::col(Asterisk))).from(superseded.clone());
    let mut after_superseding = Query::select();
    after_superseding.exprs(values).from_subquery(count_superseded, Alias::new("superseding_done"));
    let mut insert = Query::insert();
    insert
        .into_table(pending_actions::Entity)
        .columns(columns)
        .select_from(after_superseding)
        .map_err(|error| DbErr::Custom(format!("queueing a proposal: {error}")))?
        .on_conflict(waiting_place())
        .returning_all();
    let mut with = WithClause::new();
    if let Some(record) = record {
        with.cte(super::named(Alias::new("recorded"), record));
    }
    with.cte(super::named(superseded.clone(), update)).cte(super::named(inserted.clone(), insert));
    let mut were_superseded = Query::select();
    were_superseded
        .expr_as(Expr::val(false), Alias::new("is_new"))
        .expr(Expr::col(Asterisk))
        .from(superseded);
    let mut rows = Query::select();
    rows.expr_as(Expr::val(true), Alias::new("is_new"))
        .expr(Expr::col(Asterisk))
        .from(inserted)
        .union(UnionType::All, were_superseded);
    let rows = super::answering(with, rows);
    let mut answer = (Vec::new(), None);
    for row in conn.query_all(&rows).await? {
        let model = pending_actions::Model::from_query_result(&row, "")?;
        if row.try_get::<bool>("", "is_new")? {
            answer.1 = Some(model);
        } else {
            answer.0.push(model);
        }
    }
    Ok(answer)
}

/// The statement superseding the proposals waiting for `action`'s target and `key`.
fn superseding(caller: &Caller, action: &NewPendingAction, key: &str) -> UpdateMany<pending_actions::Entity> {
    let now = Utc::now();
    pending_actions::Entity::update_many()
        .col_expr(pending_actions::Column::Status, Expr::value(PendingStatus::Superseded.as_str()))
        .col_expr(pending_actions::Column::UpdatedAt, Expr::value(now))
        .col_expr(pending_actions::Column::ResolutionVerdictId, Expr::value(action.verdict_id))
        .col_expr(pending_actions::Column::ResolvedByType, Expr::value(caller.kind.as_str()))
        .col_expr(pending_actions::Column::ResolvedById, Expr::value(caller.actor_id.clone()))
        .col_expr(pending_actions::Column::ResolutionReason, Expr::value(PendingStatus::Superseded.as_str()))
        .col_expr(pending_actions::Column::ResolvedAt, Expr::value(now))
        .filter(pending_actions::Column::OrganizationId.eq(action.organization_id))
        .filter(pending_actions::Column::TargetId.eq(action.target_id))
        .filter(pending_actions::Column::SupersedeKey.eq(key))
        .filter(Expr::cust(WAITING))
}

/// Inserts `action` as the one waiting for its target and key, unless another proposal's
/// committed row holds that place (`None`).
async fn insert_waiting<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    action: NewPendingAction,
) -> Result<Option<pending_actions::Model>, DbErr> {
    // A conflict returns no row.
    let mut inserted = pending_actions::Entity::insert(new_row(caller, action))
        .on_conflict(waiting_place())
        .exec_with_returning_many(conn)
        .await?;
    Ok(inserted.pop())
}

/// Nothing is inserted where another proposal waits for the same target and key: the partial
/// unique index's own predicate, written out (the database matches the conflict target to the
/// index by it).
fn waiting_place() -> OnConflict {
    OnConflict::columns([pending_actions::Column::TargetId, pending_actions::Column::SupersedeKey])
        .target_and_where(Expr::cust("status = 'pending' AND supersede_key IS NOT NULL"))
        .do_nothing()
        .to_owned()
}

async fn insert_row<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    action: NewPendingAction,
) -> Result<pending_actions::Model, DbErr> {
    new_row(caller, action).insert(conn).await
}

/// The row of `action`, proposed by `caller`, waiting.
fn new_row(caller: &Caller, action: NewPendingAction) -> pending_actions::ActiveModel {
    let now = Utc::now();
    pending_actions::ActiveModel {
        id: Set(action.id),
        organization_id: Set(action.organization_id),
        layer_id: Set(action.layer_id),
        platform: Set(action.platform.as_str().to_owned()),
        campaign_id: Set(action.campaign_id),
        target_type: Set(action.target_type.to_owned()),
        target_id: Set(action.target_id),
        kind: Set(action.kind),
        axis: Set(action.axis.map(|axis| axis.as_str().to_owned())),
        is_policy: Set(action.is_policy),
        before: Set(action.before),
        after: Set(action.after),
        target_version: Set(action.target_version),
        supersede_key: Set(action.supersede_key),
        status: Set(PendingStatus::Pending.as_str().to_owned()),
        proposed_by_type: Set(caller.kind.as_str().to_owned()),
        proposed_by_id: Set(caller.actor_id.clone()),
        proposed_by_key_id: Set(caller.api_key_id),
        verdict_id: Set(action.verdict_id),
        resolution_verdict_id: Set(None),
        resolved_by_type: Set(None),
        resolved_by_id: Set(None),
        resolution_reason: Set(None),
        resolved_at: Set(None),
        expires_at: Set(action.expires_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The pending action `id` of `org`.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<pending_actions::Model>, DbErr> {
    pending_actions::Entity::find_by_id(id)
        .filter(pending_actions::Column::OrganizationId.eq(org))
        .one(conn)
        .await
}

/// The pending action `id` of `org`, locked for update on PostgreSQL: concurrent resolutions of one
/// action queue up here and each sees the status the previous one left.
pub async fn find_for_update<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<Option<pending_actions::Model>, DbErr> {
    pending_actions::Entity::find_by_id(id)
        .filter(pending_actions::Column::OrganizationId.eq(org))
        .lock_exclusive()
        .one(conn)
        .await
}

/// How an action was resolved.
#[derive(Debug, Clone)]
pub struct Resolution<'a> {
    /// Who resolved it.
    pub caller: &'a Caller,
    /// The audit row of the resolution.
    pub verdict_id: Uuid,
    /// Why, when there is a reason (a rejection note, a deny reason).
    pub reason: Option<String>,
}

/// Moves action `id` from `from` to `to`; returns whether this call made the change.
pub async fn transition<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    from: PendingStatus,
    to: PendingStatus,
    resolution: Option<Resolution<'_>>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let mut update = pending_actions::Entity::update_many()
        .col_expr(pending_actions::Column::Status, Expr::value(to.as_str()))
        .col_expr(pending_actions::Column::UpdatedAt, Expr::value(now))
        .filter(pending_actions::Column::Id.eq(id))
        .filter(pending_actions::Column::Status.eq(from.as_str()));
    if let Some(resolution) = resolution {
        update = update
            .col_expr(pending_actions::Column::ResolutionVerdictId, Expr::value(resolution.verdict_id))
            .col_expr(pending_actions::Column::ResolvedByType, Expr::value(resolution.caller.kind.as_str()))
            .col_expr(pending_actions::Column::ResolvedById, Expr::value(resolution.caller.actor_id.clone()))
            .col_expr(pending_actions::Column::ResolutionReason, Expr::value(resolution.reason))
            .col_expr(pending_actions::Column::ResolvedAt, Expr::value(now));
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

/// Moves action `id` from `from` to `to` with `reason` (why a dispatch failed: the error code),
/// keeping who resolved it; returns whether this call made the change.
pub async fn transition_with_reason<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    from: PendingStatus,
    to: PendingStatus,
    reason: Option<String>,
) -> Result<bool, DbErr> {
    let updated = pending_actions::Entity::update_many()
        .col_expr(pending_actions::Column::Status, Expr::value(to.as_str()))
        .col_expr(pending_actions::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(pending_actions::Column::ResolutionReason, Expr::value(reason))
        .filter(pending_actions::Column::Id.eq(id))
        .filter(pending_actions::Column::Status.eq(from.as_str()))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// `(kind, target)` of every optimizer proposal (`ad.prune`, `ad.launch`) of `org` still pending:
/// the pruned ad, or the ad set a launch goes into.
pub async fn waiting_optimizer_proposals<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
) -> Result<HashSet<(String, Uuid)>, DbErr> {
    let waiting = pending_actions::Entity::find()
        .filter(pending_actions::Column::OrganizationId.eq(org))
        .filter(pending_actions::Column::Status.eq(PendingStatus::Pending.as_str()))
        .filter(pending_actions::Column::Kind.is_in(["ad.prune", "ad.launch"]))
        .all(conn)
        .await?;
    Ok(waiting.into_iter().map(|action| (action.kind, action.target_id)).collect())
}

/// Expires every pending action (of every organization) whose time is up at `now`, in one
/// statement, so that of several instances sweeping together each action is expired by exactly
/// one; returns them as they are now.
pub async fn expire_due<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<Vec<pending_actions::Model>, DbErr> {
    pending_actions::Entity::update_many()
        .col_expr(pending_actions::Column::Status, Expr::value(PendingStatus::Expired.as_str()))
        .col_expr(pending_actions::Column::UpdatedAt, Expr::value(now))
        .col_expr(pending_actions::Column::ResolvedAt, Expr::value(now))
        .col_expr(pending_actions::Column::ResolvedByType, Expr::value("system"))
        .col_expr(pending_actions::Column::ResolvedById, Expr::value("expiry"))
        .filter(Expr::cust(PENDING))
        .filter(pending_actions::Column::ExpiresAt.lte(now))
        .exec_with_returning(conn)
        .await
}

/// Filters of the pending actions query.
#[derive(Debug, Clone, Default)]
pub struct PendingFilter {
    /// Only actions on this platform.
    pub platform: Option<Platform>,
    /// Only actions in this status.
    pub status: Option<PendingStatus>,
    /// Only actions about this campaign.
    pub campaign_id: Option<Uuid>,
}

/// One page of `org`'s pending actions, newest first.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    filter: &PendingFilter,
    request: PageRequest,
) -> Result<Page<pending_actions::Model>, DbErr> {
    let mut select = pending_actions::Entity::find().filter(pending_actions::Column::OrganizationId.eq(org));
    if let Some(platform) = filter.platform {
        select = select.filter(pending_actions::Column::Platform.eq(platform.as_str()));
    }
    if let Some(status) = filter.status {
        select = select.filter(pending_actions::Column::Status.eq(status.as_str()));
    }
    if let Some(campaign_id) = filter.campaign_id {
        select = select.filter(pending_actions::Column::CampaignId.eq(campaign_id));
    }
    page::fetch(conn, select, pending_actions::Column::Id, request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_out_conditions_name_their_statuses() {
        let (pending, failed) = (PendingStatus::Pending.as_str(), PendingStatus::Failed.as_str());
        assert_eq!(WAITING, format!("status IN ('{pending}', '{failed}')"));
        assert_eq!(PENDING, format!("status = '{pending}'"));
    }
}
