//! Ad metrics as classification reads them: aggregated in SQL into one [`Summary`] per ad, so
//! classifying a page of ads decodes one row per ad instead of every day of every peer.
//!
//! The aggregation follows the definitions of `domain::classification` ("Terms"): day 7 is the
//! latest day, day 1 the day `fatigue_window_days - 1` before it, the recent window the last
//! `performance_window_days` days, the dry spend what was spent after the last day with a
//! conversion. `(ad_id, day)` is unique, so "the row of a day" is one row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::ads;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use crate::domain::classification::{DailyMetrics, Summary, Thresholds, Totals};

/// An ad as classification compares it: its id, its ad set and since when it is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAd {
    /// The ad.
    pub id: Uuid,
    /// Its ad set: its peers are the other ads of it.
    pub ad_set_id: Uuid,
    /// When it went live (launch, else creation).
    pub live_since: DateTime<Utc>,
}

/// `(id, ad set, launched at, created at)` of an ad.
type PeerRow = (Uuid, Uuid, Option<DateTime<Utc>>, DateTime<Utc>);

/// The ad sets of `ads` (of `org`).
pub async fn ad_sets_of<C: ConnectionTrait>(conn: &C, org: Uuid, ads: &[Uuid]) -> Result<Vec<Uuid>, DbErr> {
    let mut sets: Vec<Uuid> = ads::Entity::find()
        .select_only()
        .column(ads::Column::AdSetId)
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::Id.is_in(ads.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    sets.sort_unstable();
    sets.dedup();
    Ok(sets)
}

/// Every ad of the ad sets `sets` (of `org`).
pub async fn peers<C: ConnectionTrait>(conn: &C, org: Uuid, sets: &[Uuid]) -> Result<Vec<PeerAd>, DbErr> {
    let rows: Vec<PeerRow> = ads::Entity::find()
        .select_only()
        .columns([ads::Column::Id, ads::Column::AdSetId, ads::Column::LaunchedAt, ads::Column::CreatedAt])
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::AdSetId.is_in(sets.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, ad_set_id, launched, created)| PeerAd {
            id,
            ad_set_id,
            live_since: launched.unwrap_or(created),
        })
        .collect())
}

/// The [`Summary`] of every ad of the ad sets `sets` (of `org`) that has metrics; an ad without
/// any has none (its summary is the default, all zero).
pub async fn summaries<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    sets: &[Uuid],
    t: &Thresholds,
) -> Result<HashMap<Uuid, Summary>, DbErr> {
    if sets.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = conn.get_database_backend();
    let sql = summary_sql(backend, sets.len(), t);
    let mut values: Vec<Value> = vec![org.into()];
    values.extend(sets.iter().map(|id| Value::from(*id)));
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
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
        let compared = match (day(8)?, day(5)?) {
            (Some(day1), Some(day7)) => Some((day1, day7)),
            _ => None,
        };
        let summary = Summary {
            conversions: row.try_get_by_index(1)?,
            dry_spend_cents: row.try_get_by_index(2)?,
            compared,
            recent: Totals { spend_cents: row.try_get_by_index(3)?, conversions: row.try_get_by_index(4)? },
        };
        found.insert(row.try_get_by_index::<Uuid>(0)?, summary);
    }
    Ok(found)
}

/// The aggregation, for `sets` ad sets: columns `ad_id, conversions, dry_spend, recent_spend,
/// recent_conversions, day7 (spend, conversions, frequency), day1 (spend, conversions,
/// frequency)`. Only the date arithmetic differs between the two databases; it runs once per ad
/// (in `e`), never per metric row (SQLite's `date()` parses its text each call).
fn summary_sql(backend: DbBackend, sets: usize, t: &Thresholds) -> String {
    let back = |days: u32| match backend {
        DbBackend::Postgres => format!("(MAX(day) - {days})"),
        _ => format!("date(MAX(day), '-{days} days')"),
    };
    let placeholders: Vec<String> = match backend {
        DbBackend::Postgres => (2..sets + 2).map(|n| format!("${n}")).collect(),
        _ => vec!["?".to_owned(); sets],
    };
    let org = if backend == DbBackend::Postgres { "$1" } else { "?" };
    let recent_from = back(t.performance_window_days.saturating_sub(1));
    let day1 = back(t.fatigue_window_days.saturating_sub(1));
    format!(
        "WITH m AS (SELECT d.ad_id, d.day, d.frequency, d.spend_cents, d.conversions, \
           CASE WHEN d.spend_cents > 0 THEN d.spend_cents ELSE 0 END AS spend, \
           CASE WHEN d.conversions > 0 THEN d.conversions ELSE 0 END AS conv \
           FROM ads a JOIN ad_daily_metrics d ON d.ad_id = a.id \
           WHERE a.organization_id = {org} AND a.ad_set_id IN ({sets})), \
         e AS (SELECT ad_id, MAX(day) AS last_day, {recent_from} AS recent_from, {day1} AS first_day, \
           MAX(CASE WHEN conversions > 0 THEN day END) AS last_conv FROM m GROUP BY ad_id) \
         SELECT m.ad_id, CAST(SUM(m.conv) AS BIGINT), \
           CAST(SUM(CASE WHEN e.last_conv IS NULL OR m.day > e.last_conv THEN m.spend ELSE 0 END) AS BIGINT), \
           CAST(SUM(CASE WHEN m.day >= e.recent_from THEN m.spend ELSE 0 END) AS BIGINT), \
           CAST(SUM(CASE WHEN m.day >= e.recent_from THEN m.conv ELSE 0 END) AS BIGINT), \
           MAX(CASE WHEN m.day = e.last_day THEN m.spend_cents END), \
           MAX(CASE WHEN m.day = e.last_day THEN m.conversions END), \
           MAX(CASE WHEN m.day = e.last_day THEN m.frequency END), \
           MAX(CASE WHEN m.day = e.first_day THEN m.spend_cents END), \
           MAX(CASE WHEN m.day = e.first_day THEN m.conversions END), \
           MAX(CASE WHEN m.day = e.first_day THEN m.frequency END) \
         FROM m JOIN e ON e.ad_id = m.ad_id GROUP BY m.ad_id",
        sets = placeholders.join(", "),
    )
}
