//! Daily ad metrics: imported from live accounts, simulated by the sandbox, and read back as
//! classification history.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{ad_metrics, ads};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Caller, Services};
use crate::domain::Scope;
use crate::domain::UserErrorCode;
use crate::domain::classification::DailyMetrics;
use crate::error::{ApiError, UserError};
use crate::platform::metrics::{MetricsProfile, sandbox_daily_metrics};
use crate::store::tenancy;

/// One imported day.
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

impl Services {
    /// Stores `days` of metrics for ad `ad_id` (a re-import of a day replaces it).
    pub async fn import_ad_metrics(
        &self,
        caller: &Caller,
        ad_id: Uuid,
        days: &[MetricsDay],
    ) -> Result<Result<usize, UserError>, ApiError> {
        if !caller.has_scope(Scope::AdsWrite) {
            return Err(ApiError::Forbidden("importing metrics needs the `ads:write` scope".to_owned()));
        }
        if let Some(error) = days.iter().find_map(invalid_day) {
            return Ok(Err(error));
        }
        let Some(ad) = tenancy::ad(&self.db, caller.organization_id, ad_id).await? else {
            return Ok(Err(UserError::not_found("adId", "ad")));
        };
        upsert(&self.db, &ad, days).await?;
        Ok(Ok(days.len()))
    }

    /// Sandbox only: simulates `days` days of delivery for ad `ad_id` with `profile`, ending today,
    /// as if the ad had been live that long (its launch time moves back to match).
    pub async fn simulate_ad_metrics(
        &self,
        caller: &Caller,
        ad_id: Uuid,
        profile: MetricsProfile,
        days: u32,
    ) -> Result<Result<usize, UserError>, ApiError> {
        let Some(ad) = tenancy::ad(&self.db, caller.organization_id, ad_id).await? else {
            return Ok(Err(UserError::not_found("adId", "ad")));
        };
        let today = Utc::now().date_naive();
        let first = today - chrono::Duration::days(i64::from(days));
        let rows: Vec<MetricsDay> = sandbox_daily_metrics(ad.id, days, profile)
            .into_iter()
            .map(|m| MetricsDay {
                day: first + chrono::Duration::days(i64::from(m.day_index)),
                impressions: m.impressions,
                frequency: m.frequency,
                spend_cents: m.spend_cents,
                conversions: m.conversions,
            })
            .collect();
        upsert(&self.db, &ad, &rows).await?;
        let live_since = Utc::now() - chrono::Duration::days(i64::from(days));
        if ad.launched_at.is_none_or(|launched| launched > live_since) {
            ads::Entity::update_many()
                .col_expr(ads::Column::LaunchedAt, sea_orm::sea_query::Expr::value(live_since))
                .filter(ads::Column::Id.eq(ad.id))
                .exec(&self.db)
                .await?;
        }
        Ok(Ok(rows.len()))
    }
}

fn invalid_day(day: &MetricsDay) -> Option<UserError> {
    let bad = day.impressions < 0
        || day.spend_cents < 0
        || day.conversions < 0
        || !day.frequency.is_finite()
        || day.frequency < 0.0
        || day.frequency > 1_000_000.0;
    bad.then(|| {
        UserError::field(
            "days",
            UserErrorCode::MetricsInvalid,
            format!("the metrics of {} are negative or not finite", day.day),
        )
    })
}

async fn upsert<C: ConnectionTrait>(conn: &C, ad: &ads::Model, days: &[MetricsDay]) -> Result<(), DbErr> {
    if days.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = days.iter().map(|day| ad_metrics::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(ad.organization_id),
        ad_id: Set(ad.id),
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
