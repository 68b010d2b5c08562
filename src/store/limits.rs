//! Limits several server instances share, kept in PostgreSQL (or, for rate limits, Redis:
//! [`redis`]): rate-limit buckets decided by GCRA in one statement, the running instances with
//! their heartbeats, and the authenticated WebSocket connections each instance holds.
//!
//! Every time is the database's clock (`now()`), so instances with skewed clocks still agree.
//! These queries are about traffic, not tenants' data: a bucket or a connection row names its
//! organization but holds nothing of it. What to do when a query fails or is slow (let the
//! request through) is decided by the callers (`graphql::admission`, `ws`), not here.

pub mod redis;

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use uuid::Uuid;

/// A GCRA rate: one request per `emission`, up to `limit / emission` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Time one request uses up (a minute divided by the requests per minute).
    pub emission: Duration,
    /// How far ahead of now the bucket may be drawn: `emission` times the burst.
    pub limit: Duration,
}

/// What a bucket answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The request is admitted (and drawn from the bucket).
    Admitted,
    /// The bucket is empty; one more request is admitted after `wait`.
    Refused {
        /// Until the next request is admitted.
        wait: Duration,
    },
}

impl Take {
    /// The answer for a bucket now `ahead` of the clock: admitted, or refused with the wait.
    fn from_ahead(admitted: bool, ahead_secs: f64, rate: Rate) -> Self {
        if admitted {
            return Take::Admitted;
        }
        let wait = ahead_secs + rate.emission.as_secs_f64() - rate.limit.as_secs_f64();
        Take::Refused { wait: Duration::try_from_secs_f64(wait.max(0.0)).unwrap_or(rate.emission) }
    }
}

/// GCRA in one statement: the row lock of `ON CONFLICT DO UPDATE` orders concurrent requests
/// on one key, across instances, and each sees the time the one before it set. A refused
/// request leaves the time as it was.
const TAKE: &str = "INSERT INTO limit_buckets AS b (key, tat, allowed) \
     VALUES ($1, now() + make_interval(secs => $2), true) \
     ON CONFLICT (key) DO UPDATE SET \
       allowed = greatest(b.tat, now()) + make_interval(secs => $2) <= now() + make_interval(secs => $3), \
       tat = CASE WHEN greatest(b.tat, now()) + make_interval(secs => $2) <= now() + make_interval(secs => $3) \
             THEN greatest(b.tat, now()) + make_interval(secs => $2) ELSE b.tat END \
     RETURNING allowed, extract(epoch FROM tat - now())::float8 AS ahead";

/// Draws one request from bucket `key` at `rate` (PostgreSQL), in one round trip.
pub async fn take(db: &DatabaseConnection, key: &str, rate: Rate) -> Result<Take, DbErr> {
    let values = [key.into(), rate.emission.as_secs_f64().into(), rate.limit.as_secs_f64().into()];
    let row = db
        .query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, TAKE, values))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the bucket statement returned no row".to_owned()))?;
    let admitted: bool = row.try_get("", "allowed")?;
    let ahead: f64 = row.try_get("", "ahead")?;
    Ok(Take::from_ahead(admitted, ahead, rate))
}

/// Forgets buckets that are full again (their time has passed): they hold nothing.
pub async fn purge_buckets(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let purged = db.execute_unprepared("DELETE FROM limit_buckets WHERE tat < now()").await?;
    Ok(purged.rows_affected())
}

fn pg(sql: &str, values: impl IntoIterator<Item = sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Records (or refreshes) instance `id`, named `name`, as alive now.
pub async fn heartbeat(db: &DatabaseConnection, id: Uuid, name: &str) -> Result<(), DbErr> {
    db.execute_raw(pg(
        "INSERT INTO limit_instances (id, name, heartbeat_at) VALUES ($1, $2, now()) \
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()",
        [id.into(), name.into()],
    ))
    .await?;
    Ok(())
}

/// Removes the instances whose last heartbeat is older than `expiry`, with their connections.
pub async fn purge_instances(db: &DatabaseConnection, expiry: Duration) -> Result<u64, DbErr> {
    let purged = db
        .execute_raw(pg(
            "DELETE FROM limit_instances WHERE heartbeat_at < now() - make_interval(secs => $1)",
            [expiry.as_secs_f64().into()],
        ))
        .await?;
    Ok(purged.rows_affected())
}

/// Removes instance `id` and every connection it holds (it is shutting down).
pub async fn leave(db: &DatabaseConnection, id: Uuid) -> Result<(), DbErr> {
    db.execute_raw(pg("DELETE FROM limit_instances WHERE id = $1", [id.into()])).await?;
    Ok(())
}

/// A WebSocket connection asking for one of its organization's slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The connection's row id.
    pub connection: Uuid,
    /// The instance holding it.
    pub instance: Uuid,
    /// Its organization.
    pub organization: Uuid,
    /// Connections the organization may hold across every live instance.
    pub max: u64,
    /// How old a heartbeat may be for its instance's connections to count.
    pub expiry: Duration,
}

/// Counts only the connections of instances whose heartbeat is recent.
const CLAIM: &str = "INSERT INTO limit_ws_connections (id, instance_id, organization_id, opened_at) \
     SELECT $1, $2, $3, now() \
     WHERE (SELECT count(*) FROM limit_ws_connections c \
            JOIN limit_instances i ON i.id = c.instance_id \
            WHERE c.organization_id = $3 AND i.heartbeat_at >= now() - make_interval(secs => $5)) < $4";

/// Records `claim`'s connection if its organization holds fewer than `claim.max` connections
/// on live instances; whether it did. Claims of one organization queue on an advisory lock
/// for their transaction, so two instances never both take the last slot.
pub async fn claim(db: &DatabaseConnection, claim: Claim) -> Result<bool, DbErr> {
    let txn = super::begin(db).await?;
    let lock = format!("limits:ws:{}", claim.organization);
    super::lock_key(&txn, &lock).await?;
    let max = i64::try_from(claim.max).unwrap_or(i64::MAX);
    let values = [
        claim.connection.into(),
        claim.instance.into(),
        claim.organization.into(),
        max.into(),
        claim.expiry.as_secs_f64().into(),
    ];
    let inserted = txn.execute_raw(pg(CLAIM, values)).await?.rows_affected();
    txn.commit().await?;
    Ok(inserted == 1)
}

/// Gives connection `id`'s slot back.
pub async fn release(db: &DatabaseConnection, id: Uuid) -> Result<(), DbErr> {
    db.execute_raw(pg("DELETE FROM limit_ws_connections WHERE id = $1", [id.into()])).await?;
    Ok(())
}

/// Connections organization `org` holds on live instances (heartbeat within `expiry`).
pub async fn organization_connections(
    db: &DatabaseConnection,
    org: Uuid,
    expiry: Duration,
) -> Result<u64, DbErr> {
    let row = db
        .query_one_raw(pg(
            "SELECT count(*) AS held FROM limit_ws_connections c \
             JOIN limit_instances i ON i.id = c.instance_id \
             WHERE c.organization_id = $1 AND i.heartbeat_at >= now() - make_interval(secs => $2)",
            [org.into(), expiry.as_secs_f64().into()],
        ))
        .await?;
    let held: i64 = match row {
        Some(row) => row.try_get("", "held")?,
        None => 0,
    };
    Ok(u64::try_from(held).unwrap_or(0))
}

/// Deletes instance `instance`'s connection rows other than `live`.
pub async fn keep_only(db: &DatabaseConnection, instance: Uuid, live: &[Uuid]) -> Result<u64, DbErr> {
    let live = live.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",");
    let deleted = db
        .execute_raw(pg(
            "DELETE FROM limit_ws_connections WHERE instance_id = $1 \
             AND NOT (id = ANY (string_to_array($2, ',')::uuid[]))",
            [instance.into(), live.into()],
        ))
        .await?;
    Ok(deleted.rows_affected())
}
