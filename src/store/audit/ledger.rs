//! The dispatch ledger on an allowed write's audit row: who holds the dispatch, when the platform
//! call started and with what write, and how it ended.
//!
//! Every change is a compare-and-set on the row's status and lease, checked with
//! `rows_affected`: a dispatch is settled by exactly one holder (the request that decided it, or
//! the reconciler that took over an expired lease), and only the holder applies it locally.
//!
//! A row's life: decided `in_flight` with no lease (the deciding request holds it implicitly for
//! one lease length from `created_at`) → [`begin`] (lease, write, start time, target) →
//! [`settle`] `succeeded`, `failed` or `unknown`. A row whose lease ran out, or whose [`Holder`]
//! is an earlier boot of the reconciling instance (its process died), is [`due`] and may be
//! [`claim`]ed by a reconciler, which then settles it the same way.

use chrono::{DateTime, Duration, Utc};
use entity::audit;
use sea_orm::sea_query::{Alias, Asterisk, Condition, Expr, LockType, Query, WithClause};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, PrimaryKeyTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, SqlErr, UpdateMany,
};
use serde_json::Value;
use uuid::Uuid;

/// The platform call is under way (or about to start, or its process died during it).
pub const IN_FLIGHT: &str = "in_flight";
/// The platform accepted the write and it was applied locally.
pub const SUCCEEDED: &str = "succeeded";
/// The write did not reach the platform, or the platform refused it: nothing changed locally.
pub const FAILED: &str = "failed";
/// Nobody can tell whether the platform applied the write: a person must look. Never re-sent.
pub const UNKNOWN: &str = "unknown";

/// Every dispatch status.
pub const STATUSES: [&str; 4] = [IN_FLIGHT, SUCCEEDED, FAILED, UNKNOWN];

/// The process holding a dispatch: a server instance (stable across its restarts) and the boot
/// of the process running it (new at every start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The instance name (`LAYERS_INSTANCE_ID`).
    pub instance: String,
    /// This process's boot.
    pub boot: Uuid,
}

impl Holder {
    /// A new boot of `instance`.
    pub fn boot(instance: impl Into<String>) -> Self {
        Holder { instance: instance.into(), boot: Uuid::now_v7() }
    }
}

/// What [`begin`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// The start is recorded: the caller holds the dispatch and may call the platform.
    Started,
    /// Another started, unsettled dispatch changes the same platform object.
    TargetBusy,
    /// The row is no longer this caller's to start (a reconciler took it over).
    Lost,
}

/// The start of a platform call.
#[derive(Debug, Clone)]
pub struct Start {
    /// The holder's lease id.
    pub lease_id: Uuid,
    /// When the lease runs out.
    pub lease_until: DateTime<Utc>,
    /// The normalized platform write, as JSON.
    pub write: Value,
    /// `<platform>:<object id>` for a write that changes an existing object.
    pub target: Option<String>,
    /// When the call starts.
    pub started_at: DateTime<Utc>,
    /// Who makes the call.
    pub holder: Holder,
}

/// Records on row `id`, still in flight and not yet started or leased, that its platform call
/// starts now.
pub async fn begin<C: ConnectionTrait>(conn: &C, id: Uuid, start: Start) -> Result<Begin, DbErr> {
    let updated = audit::Entity::update_many()
        .col_expr(audit::Column::DispatchWrite, Expr::value(start.write))
        .col_expr(audit::Column::DispatchStartedAt, Expr::value(start.started_at))
        .col_expr(audit::Column::DispatchLeaseId, Expr::value(start.lease_id))
        .col_expr(audit::Column::DispatchLeaseUntil, Expr::value(start.lease_until))
        .col_expr(audit::Column::DispatchTarget, Expr::value(start.target))
        .col_expr(audit::Column::DispatchInstance, Expr::value(start.holder.instance))
        .col_expr(audit::Column::DispatchBoot, Expr::value(start.holder.boot))
        .filter(audit::Column::Id.eq(id))
        .filter(audit::Column::DispatchStatus.eq(IN_FLIGHT))
        .filter(audit::Column::DispatchLeaseId.is_null())
        .filter(audit::Column::DispatchStartedAt.is_null())
        .exec(conn)
        .await;
    match updated {
        Ok(result) if result.rows_affected == 1 => Ok(Begin::Started),
        Ok(_) => Ok(Begin::Lost),
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(Begin::TargetBusy)
        }
        Err(error) => Err(error),
    }
}

/// Settles row `id` as `status` with `detail`, if it is still in flight and held by `lease_id`
/// (`None`: the deciding request before it started the call). Returns whether this call did it.
pub async fn settle<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    lease_id: Option<Uuid>,
    status: &str,
    detail: Value,
) -> Result<bool, DbErr> {
    let updated = settling(id, lease_id, status, detail).exec(conn).await?;
    Ok(updated.rows_affected == 1)
}

/// The statement settling row `id` as `status` with `detail` if it is still in flight and held
/// by `lease_id`.
fn settling(id: Uuid, lease_id: Option<Uuid>, status: &str, detail: Value) -> UpdateMany<audit::Entity> {
    let holder = match lease_id {
        Some(lease_id) => audit::Column::DispatchLeaseId.eq(lease_id),
        None => audit::Column::DispatchLeaseId.is_null(),
    };
    audit::Entity::update_many()
        .col_expr(audit::Column::DispatchStatus, Expr::value(status))
        .col_expr(audit::Column::Dispatch, Expr::value(detail))
        .col_expr(audit::Column::DispatchLeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(audit::Column::Id.eq(id))
        .filter(audit::Column::DispatchStatus.eq(IN_FLIGHT))
        .filter(holder)
}

/// On PostgreSQL, [`settle`]s row `id` as `succeeded` with `detail` and runs `apply`, the
/// update of row `target_id` that applies the write locally, in one statement (one round trip,
/// no transaction around it); `apply` runs only if the row was settled, and answers the target
/// as it left it. `None` when nothing changed: the row was no longer in flight under
/// `lease_id` (another holder settled it), or the target is gone (the row then stays in flight
/// for the reconciler; targets are only deleted with their organization, rows and all).
///
/// The target is locked before the row, in the order a settling transaction takes them (see
/// `Services::settle_success`): each `WITH` query reads the one before it, so the target's lock,
/// the row's settlement and the target's update happen in that order.
pub async fn settle_applying<E, C>(
    conn: &C,
    id: Uuid,
    lease_id: Option<Uuid>,
    detail: Value,
    target_id: Uuid,
    apply: UpdateMany<E>,
) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
    C: ConnectionTrait,
{
    let (target, settled, applied) = (Alias::new("target"), Alias::new("settled"), Alias::new("applied"));
    let one_of = |table: &Alias| {
        let mut one = Query::select();
        one.expr(Expr::val(1)).from(table.clone());
        one
    };
    let locking =
        E::find_by_id(target_id).select_only().expr(Expr::val(1)).lock(LockType::NoKeyUpdate).into_query();
    let mut settling =
        settling(id, lease_id, SUCCEEDED, detail).filter(Expr::exists(one_of(&target))).into_query();
    settling.returning_col(audit::Column::Id);
    let mut applying = apply.filter(Expr::exists(one_of(&settled))).into_query();
    applying.returning_all();
    let mut with = WithClause::new();
    with.cte(super::super::named(target, locking))
        .cte(super::super::named(settled, settling))
        .cte(super::super::named(applied.clone(), applying));
    let mut answer = Query::select();
    answer.expr(Expr::col(Asterisk)).from(applied);
    let answer = super::super::answering(with, answer);
    match conn.query_one(&answer).await? {
        Some(row) => Ok(Some(E::Model::from_query_result(&row, "")?)),
        None => Ok(None),
    }
}

/// A row in flight, written out as the partial index of rows in flight (migration 18) names it:
/// the database uses the index only for this very condition.
const IN_FLIGHT_ROW: &str = "dispatch_status = 'in_flight'";

/// The condition of an in-flight row nobody holds any more at `now`, as `holder` sees it: its
/// lease ran out; or it was never started and its deciding request has had a whole `lease` to
/// start it; or an earlier boot of `holder`'s instance held it (that process is gone).
fn expired(now: DateTime<Utc>, lease: Duration, holder: &Holder) -> Condition {
    let orphaned = Condition::all()
        .add(audit::Column::DispatchInstance.eq(holder.instance.as_str()))
        .add(audit::Column::DispatchBoot.is_not_null())
        .add(audit::Column::DispatchBoot.ne(holder.boot));
    Condition::all().add(Expr::cust(IN_FLIGHT_ROW)).add(
        Condition::any()
            .add(audit::Column::DispatchLeaseUntil.lt(now))
            .add(
                Condition::all()
                    .add(audit::Column::DispatchLeaseUntil.is_null())
                    .add(audit::Column::CreatedAt.lt(now - lease)),
            )
            .add(orphaned),
    )
}

/// Up to `limit` in-flight rows, of every organization, nobody holds any more at `now` as
/// `holder` sees it (their lease ran out, or their holder was an earlier boot of its instance),
/// oldest first.
pub async fn due<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    lease: Duration,
    holder: &Holder,
    limit: u64,
) -> Result<Vec<audit::Model>, DbErr> {
    audit::Entity::find()
        .filter(expired(now, lease, holder))
        .order_by_asc(audit::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// Takes over `row` for `holder`'s reconciler with lease `lease_id` for one `lease`, if it is
/// still in flight, still held by the same lease and nobody holds it any more at `now`. Of
/// several reconcilers claiming one row, exactly one succeeds.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    row: &audit::Model,
    now: DateTime<Utc>,
    lease: Duration,
    holder: &Holder,
    lease_id: Uuid,
) -> Result<bool, DbErr> {
    let same_holder = match row.dispatch_lease_id {
        Some(previous) => audit::Column::DispatchLeaseId.eq(previous),
        None => audit::Column::DispatchLeaseId.is_null(),
    };
    let updated = audit::Entity::update_many()
        .col_expr(audit::Column::DispatchLeaseId, Expr::value(lease_id))
        .col_expr(audit::Column::DispatchLeaseUntil, Expr::value(now + lease))
        .col_expr(audit::Column::DispatchInstance, Expr::value(holder.instance.as_str()))
        .col_expr(audit::Column::DispatchBoot, Expr::value(holder.boot))
        .filter(audit::Column::Id.eq(row.id))
        .filter(same_holder)
        .filter(expired(now, lease, holder))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Gives up lease `lease_id` on in-flight row `id` at `now` without settling it: the next
/// reconciler run takes it over and asks the platform again. `detail`, when given, records why
/// it is still in flight (the platform's error so far), readable while it waits. Returns whether
/// the lease was held.
pub async fn release<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    lease_id: Uuid,
    now: DateTime<Utc>,
    detail: Option<Value>,
) -> Result<bool, DbErr> {
    let mut update = audit::Entity::update_many();
    if let Some(detail) = detail {
        update = update.col_expr(audit::Column::Dispatch, Expr::value(detail));
    }
    let updated = update
        .col_expr(audit::Column::DispatchLeaseUntil, Expr::value(now))
        .filter(audit::Column::Id.eq(id))
        .filter(audit::Column::DispatchStatus.eq(IN_FLIGHT))
        .filter(audit::Column::DispatchLeaseId.eq(lease_id))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Budget changes of campaign `campaign_id` that count against Meta's hourly limit at `now`:
/// allowed `campaign.budget` writes that were decided or started within the hour and are in
/// flight, succeeded, or unknown (only a write known not to have applied does not count).
pub async fn budget_changes_within_hour<C: ConnectionTrait>(
    conn: &C,
    campaign_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let since = now - Duration::hours(1);
    audit::Entity::find()
        .filter(audit::Column::CampaignId.eq(campaign_id))
        .filter(audit::Column::Action.eq("campaign.budget"))
        .filter(audit::Column::Decision.eq("allow"))
        .filter(audit::Column::DispatchStatus.is_in([IN_FLIGHT, SUCCEEDED, UNKNOWN]))
        .filter(
            Condition::any()
                .add(audit::Column::CreatedAt.gt(since))
                .add(audit::Column::DispatchStartedAt.gt(since)),
        )
        .count(conn)
        .await
}

/// Of `ads`, those an allowed prune or status change is taking out of delivery right now: its
/// dispatch is still in flight, so the ad shows `active` until the platform answers. (An active
/// ad's status can only change to paused, archived or deleted.)
pub async fn ads_leaving_delivery<C: ConnectionTrait>(conn: &C, ads: &[Uuid]) -> Result<Vec<Uuid>, DbErr> {
    if ads.is_empty() {
        return Ok(Vec::new());
    }
    let mut leaving: Vec<Option<Uuid>> = audit::Entity::find()
        .select_only()
        .column(audit::Column::TargetId)
        .filter(audit::Column::TargetType.eq("ad"))
        .filter(audit::Column::TargetId.is_in(ads.iter().copied()))
        .filter(audit::Column::Action.is_in(["ad.prune", "ad.status"]))
        .filter(audit::Column::Decision.eq("allow"))
        .filter(audit::Column::DispatchStatus.eq(IN_FLIGHT))
        .into_tuple()
        .all(conn)
        .await?;
    leaving.sort_unstable();
    leaving.dedup();
    Ok(leaving.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_flight_condition_names_the_in_flight_status() {
        assert_eq!(IN_FLIGHT_ROW, format!("dispatch_status = '{IN_FLIGHT}'"));
    }
}
