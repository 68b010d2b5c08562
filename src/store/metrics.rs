//! Ad metrics: the daily rows, and per ad the [`Summary`] classification reads, kept in
//! `ad_metric_summaries` so classifying a page of ads decodes one row per ad instead of every
//! day of every peer.
//!
//! A summary is correct by construction: [`store_days`] writes an ad's days and recomputes its
//! summary from the stored days in the same transaction, after taking a per-ad lock on
//! PostgreSQL (two imports for one ad queue there, so the second sees the first's days; SQLite
//! serializes writers itself). Each row records the two windows it was computed with; a reader
//! configured with other windows aggregates the days instead ([`classification_inputs`]), and
//! [`refresh_stale_summaries`] (run when the server starts) recomputes such rows and any missing
//! one.
//!
//! The aggregation follows the definitions of `domain::classification` ("Terms"): day 7 is the
//! latest day, day 1 the day `fatigue_window_days - 1` before it, the recent window the last
//! `performance_window_days` days, the dry spend what was spent after the last day with a
//! conversion. `(ad_id, day)` is unique, so "the row of a day" is one row.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{ad_metrics, ads};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryResult, Set, Statement,
    Value,
};
use uuid::Uuid;

use crate::domain::classification::{DailyMetrics, Summary, Thresholds, Totals};
use crate::domain::status::EntityStatus;

/// One day of an ad's delivery, as imported or simulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricsDay {
    /// The day.
    pub day: NaiveDate,
    /// Impressions.
    pub impressions: i64,
    /// Average impressions per person.
    pub frequency: f64,
    /// Spend in minor units.
    pub spend_cents: i64,
    /// Conversions.
    pub conversions: i64,
}

/// An ad as classification compares it: its id, its ad set and since when it is live; and the
/// creative it shows and whether it is active, for the creative's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAd {
    /// The ad.
    pub id: Uuid,
    /// Its ad set: its peers are the other ads of it.
    pub ad_set_id: Uuid,
    /// When it went live (launch, else creation).
    pub live_since: DateTime<Utc>,
    /// The creative it shows.
    pub creative: Option<Uuid>,
    /// Whether its status is `active`.
    pub active: bool,
}

/// Which ads [`classification_inputs`] reads: those of ad sets `ids`, and those of every ad set
/// where an ad shows one of `showing` (a creative's state reads the classification of each ad
/// showing it, and an ad is classified against the other ads of its ad set).
#[derive(Debug, Clone, Copy, Default)]
pub struct AdSets<'a> {
    /// Ad sets by id.
    pub ids: &'a [Uuid],
    /// Creatives: the ad sets where an ad shows one of them.
    pub showing: &'a [Uuid],
}

/// The columns an aggregation answers and a summary row stores, after `ad_id, organization_id`.
const SUMMARY_COLUMNS: [&str; 10] = [
    "conversions",
    "dry_spend_cents",
    "recent_spend_cents",
    "recent_conversions",
    "last_spend_cents",
    "last_conversions",
    "last_frequency",
    "first_spend_cents",
    "first_conversions",
    "first_frequency",
];

/// Stores `days` of ad `ad` (of `org`; a re-import of a day replaces it) and recomputes its
/// summary, in `txn`'s transaction: call it inside one.
pub async fn store_days<C: ConnectionTrait>(
    txn: &C,
    org: Uuid,
    ad: Uuid,
    days: &[MetricsDay],
    t: &Thresholds,
) -> Result<(), DbErr> {
    if days.is_empty() {
        return Ok(());
    }
    super::lock_key(txn, &format!("metrics:{ad}")).await?;
    let backend = txn.get_database_backend();
    upsert_days(txn, org, ad, days).await?;
    let scope = match backend {
        DbBackend::Postgres => "a.organization_id = $2 AND a.id = $3",
        _ => "a.organization_id = ? AND a.id = ?",
    };
    let values = vec![Utc::now().into(), org.into(), ad.into()];
    txn.execute_raw(Statement::from_sql_and_values(backend, refresh_sql(backend, scope, t), values)).await?;
    Ok(())
}

/// Recomputes every summary computed with other windows than `t`'s, and the summary of every
/// ad with metrics but none; how many rows it wrote.
pub async fn refresh_stale_summaries<C: ConnectionTrait>(conn: &C, t: &Thresholds) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let scope = format!(
        "NOT EXISTS (SELECT 1 FROM ad_metric_summaries s WHERE s.ad_id = a.id \
           AND s.performance_window_days = {} AND s.fatigue_window_days = {})",
        t.performance_window_days, t.fatigue_window_days
    );
    let statement =
        Statement::from_sql_and_values(backend, refresh_sql(backend, &scope, t), [Utc::now().into()]);
    Ok(conn.execute_raw(statement).await?.rows_affected())
}

/// The ads of the ad sets `sets` names (of `org`), each with its summary (none without
/// metrics): what classifying them against their peers needs, in one statement. A stored
/// summary of other windows than `t`'s (servers configured differently, until the next start
/// refreshes them) is not used: those ad sets are aggregated from their days instead.
pub async fn classification_inputs<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    sets: AdSets<'_>,
    t: &Thresholds,
) -> Result<(Vec<PeerAd>, HashMap<Uuid, Summary>), DbErr> {
    if sets.ids.is_empty() && sets.showing.is_empty() {
        return Ok((Vec::new(), HashMap::new()));
    }
    let backend = conn.get_database_backend();
    let columns: Vec<String> = SUMMARY_COLUMNS.iter().map(|column| format!("s.{column}")).collect();
    let mut values: Vec<Value> = vec![org.into()];
    let mut which = Vec::new();
    if !sets.ids.is_empty() {
        which.push(format!("a.ad_set_id IN ({})", placeholders(backend, values.len() + 1, sets.ids.len())));
        values.extend(sets.ids.iter().map(|id| Value::from(*id)));
    }
    if !sets.showing.is_empty() {
        let org_at = placeholders(backend, values.len() + 1, 1);
        let creatives = placeholders(backend, values.len() + 2, sets.showing.len());
        which.push(format!(
            "a.ad_set_id IN (SELECT b.ad_set_id FROM ads b \
               WHERE b.organization_id = {org_at} AND b.content_container_id IN ({creatives}))"
        ));
        values.push(org.into());
        values.extend(sets.showing.iter().map(|id| Value::from(*id)));
    }
    // A page reads a few thousand of these rows, and SQLite hands each value over as a copy of
    // its own: what can be decided in SQL (since when an ad is live, whether it is active,
    // whether its summary has this server's windows) arrives as one small value each.
    let sql = format!(
        "SELECT a.id, a.ad_set_id, COALESCE(a.launched_at, a.created_at), a.content_container_id, \
           a.status = '{active}', \
           s.performance_window_days = {performance} AND s.fatigue_window_days = {fatigue}, {columns} \
         FROM ads a LEFT JOIN ad_metric_summaries s ON s.ad_id = a.id \
         WHERE a.organization_id = {org_at} AND ({which})",
        active = EntityStatus::Active.as_str(),
        performance = t.performance_window_days,
        fatigue = t.fatigue_window_days,
        columns = columns.join(", "),
        org_at = placeholders(backend, 1, 1),
        which = which.join(" OR "),
    );
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut peers = Vec::with_capacity(rows.len());
    let mut summaries = HashMap::with_capacity(rows.len());
    let mut stale_sets = Vec::new();
    for row in rows {
        let ad = PeerAd {
            id: row.try_get_by_index(0)?,
            ad_set_id: row.try_get_by_index(1)?,
            live_since: row.try_get_by_index(2)?,
            creative: row.try_get_by_index(3)?,
            active: row.try_get_by_index(4)?,
        };
        // No summary (no metrics): none; a summary of other windows: its ad set is aggregated.
        match row.try_get_by_index::<Option<bool>>(5)? {
            Some(true) => {
                summaries.insert(ad.id, summary_at(&row, 6)?);
            }
            Some(false) => stale_sets.push(ad.ad_set_id),
            None => {}
        }
        peers.push(ad);
    }
    if !stale_sets.is_empty() {
        stale_sets.sort_unstable();
        stale_sets.dedup();
        summaries.extend(aggregate(conn, org, &stale_sets, t).await?);
    }
    Ok((peers, summaries))
}

/// The metrics history of each of `ads` (of `org`), day 0 being each ad's first recorded day.
pub async fn histories<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ads: &[Uuid],
) -> Result<HashMap<Uuid, Vec<DailyMetrics>>, DbErr> {
    let rows = ad_metrics::Entity::find()
        .filter(ad_metrics::Column::OrganizationId.eq(org))
        .filter(ad_metrics::Column::AdId.is_in(ads.iter().copied()))
        .all(conn)
        .await?;
    let mut first: HashMap<Uuid, NaiveDate> = HashMap::new();
    for row in &rows {
        first.entry(row.ad_id).and_modify(|d| *d = (*d).min(row.day)).or_insert(row.day);
    }
    let mut histories: HashMap<Uuid, Vec<DailyMetrics>> = HashMap::new();
    for row in rows {
        let start = first.get(&row.ad_id).copied().unwrap_or(row.day);
        let day_index = u32::try_from((row.day - start).num_days()).unwrap_or(0);
        histories.entry(row.ad_id).or_default().push(DailyMetrics {
            day_index,
            impressions: row.impressions,
            frequency: row.frequency,
            spend_cents: row.spend_cents,
            conversions: row.conversions,
        });
    }
    Ok(histories)
}

/// Sets ad `ad`'s launch time to `at` if it launched later (or never): simulated metrics make
/// the ad as old as its history.
pub async fn backdate_launch<C: ConnectionTrait>(
    conn: &C,
    ad: &ads::Model,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ad.launched_at.is_some_and(|launched| launched <= at) {
        return Ok(());
    }
    ads::Entity::update_many()
        .col_expr(ads::Column::LaunchedAt, sea_orm::sea_query::Expr::value(at))
        .filter(ads::Column::Id.eq(ad.id))
        .exec(conn)
        .await?;
    Ok(())
}

async fn upsert_days<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ad: Uuid,
    days: &[MetricsDay],
) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows = days.iter().map(|day| ad_metrics::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        ad_id: Set(ad),
        day: Set(day.day),
        impressions: Set(day.impressions),
        frequency: Set(day.frequency),
        spend_cents: Set(day.spend_cents),
        conversions: Set(day.conversions),
        created_at: Set(now),
        updated_at: Set(now),
    });
    let on_conflict = OnConflict::columns([ad_metrics::Column::AdId, ad_metrics::Column::Day])
        .update_columns([
            ad_metrics::Column::Impressions,
            ad_metrics::Column::Frequency,
            ad_metrics::Column::SpendCents,
            ad_metrics::Column::Conversions,
            ad_metrics::Column::UpdatedAt,
        ])
        .to_owned();
    ad_metrics::Entity::insert_many(rows).on_conflict(on_conflict).exec(conn).await?;
    Ok(())
}

/// The [`Summary`] of every ad of the ad sets `sets` (of `org`) that has metrics, aggregated
/// from the days.
async fn aggregate<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    sets: &[Uuid],
    t: &Thresholds,
) -> Result<HashMap<Uuid, Summary>, DbErr> {
    let backend = conn.get_database_backend();
    let org_at = placeholders(backend, 1, 1);
    let scope =
        format!("a.organization_id = {org_at} AND a.ad_set_id IN ({})", placeholders(backend, 2, sets.len()));
    let mut values: Vec<Value> = vec![org.into()];
    values.extend(sets.iter().map(|id| Value::from(*id)));
    let sql = aggregation_sql(backend, &scope, t);
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter().map(|row| Ok((row.try_get_by_index::<Uuid>(0)?, summary_at(row, 2)?))).collect()
}

/// The summary in `row`'s columns from `at` on, in [`SUMMARY_COLUMNS`] order.
fn summary_at(row: &QueryResult, at: usize) -> Result<Summary, DbErr> {
    let day = |spend: usize| -> Result<Option<DailyMetrics>, DbErr> {
        let Some(spend_cents) = row.try_get_by_index::<Option<i64>>(spend)? else { return Ok(None) };
        Ok(Some(DailyMetrics {
            day_index: 0,
            impressions: 0,
            spend_cents,
            conversions: row.try_get_by_index::<Option<i64>>(spend + 1)?.unwrap_or(0),
            frequency: row.try_get_by_index::<Option<f64>>(spend + 2)?.unwrap_or(0.0),
        }))
    };
    let compared = match (day(at + 7)?, day(at + 4)?) {
        (Some(day1), Some(day7)) => Some((day1, day7)),
        _ => None,
    };
    Ok(Summary {
        conversions: row.try_get_by_index(at)?,
        dry_spend_cents: row.try_get_by_index(at + 1)?,
        compared,
        recent: Totals {
            spend_cents: row.try_get_by_index(at + 2)?,
            conversions: row.try_get_by_index(at + 3)?,
        },
    })
}

/// `count` placeholders, the first numbered `first` on PostgreSQL.
fn placeholders(backend: DbBackend, first: usize, count: usize) -> String {
    let each: Vec<String> = match backend {
        DbBackend::Postgres => (first..first + count).map(|n| format!("${n}")).collect(),
        _ => vec!["?".to_owned(); count],
    };
    each.join(", ")
}

/// Upserts the summaries of the ads matching `scope` (a condition on `ads a`), computed with
/// `t`'s windows; its first parameter is the time written to `updated_at`.
fn refresh_sql(backend: DbBackend, scope: &str, t: &Thresholds) -> String {
    let now = placeholders(backend, 1, 1);
    let updates: Vec<String> = SUMMARY_COLUMNS
        .iter()
        .chain(&["organization_id", "performance_window_days", "fatigue_window_days", "updated_at"])
        .map(|column| format!("{column} = excluded.{column}"))
        .collect();
    format!(
        "INSERT INTO ad_metric_summaries (updated_at, performance_window_days, fatigue_window_days, \
           ad_id, organization_id, {columns}) \
         SELECT {now}, {performance}, {fatigue}, g.* FROM ({aggregation}) g WHERE true \
         ON CONFLICT (ad_id) DO UPDATE SET {updates}",
        columns = SUMMARY_COLUMNS.join(", "),
        performance = t.performance_window_days,
        fatigue = t.fatigue_window_days,
        aggregation = aggregation_sql(backend, scope, t),
        updates = updates.join(", "),
    )
}

/// The aggregation of the days of the ads matching `scope` (a condition on `ads a`): columns
/// `ad_id, organization_id`, then [`SUMMARY_COLUMNS`]. Only the date arithmetic differs between
/// the two databases; it runs once per ad (in `e`), never per metric row (SQLite's `date()`
/// parses its text each call).
fn aggregation_sql(backend: DbBackend, scope: &str, t: &Thresholds) -> String {
    let back = |days: u32| match backend {
        DbBackend::Postgres => format!("(MAX(day) - {days})"),
        _ => format!("date(MAX(day), '-{days} days')"),
    };
    let recent_from = back(t.performance_window_days.saturating_sub(1));
    let day1 = back(t.fatigue_window_days.saturating_sub(1));
    format!(
        "WITH m AS (SELECT d.ad_id, a.organization_id, d.day, d.frequency, d.spend_cents, d.conversions, \
           CASE WHEN d.spend_cents > 0 THEN d.spend_cents ELSE 0 END AS spend, \
           CASE WHEN d.conversions > 0 THEN d.conversions ELSE 0 END AS conv \
           FROM ads a JOIN ad_daily_metrics d ON d.ad_id = a.id WHERE {scope}), \
         e AS (SELECT ad_id, MAX(day) AS last_day, {recent_from} AS recent_from, {day1} AS first_day, \
           MAX(CASE WHEN conversions > 0 THEN day END) AS last_conv FROM m GROUP BY ad_id) \
         SELECT m.ad_id, m.organization_id, CAST(SUM(m.conv) AS BIGINT), \
           CAST(SUM(CASE WHEN e.last_conv IS NULL OR m.day > e.last_conv THEN m.spend ELSE 0 END) AS BIGINT), \
           CAST(SUM(CASE WHEN m.day >= e.recent_from THEN m.spend ELSE 0 END) AS BIGINT), \
           CAST(SUM(CASE WHEN m.day >= e.recent_from THEN m.conv ELSE 0 END) AS BIGINT), \
           MAX(CASE WHEN m.day = e.last_day THEN m.spend_cents END), \
           MAX(CASE WHEN m.day = e.last_day THEN m.conversions END), \
           MAX(CASE WHEN m.day = e.last_day THEN m.frequency END), \
           MAX(CASE WHEN m.day = e.first_day THEN m.spend_cents END), \
           MAX(CASE WHEN m.day = e.first_day THEN m.conversions END), \
           MAX(CASE WHEN m.day = e.first_day THEN m.frequency END) \
         FROM m JOIN e ON e.ad_id = m.ad_id GROUP BY m.ad_id, m.organization_id"
    )
}
