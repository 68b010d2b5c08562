//! Daily ad metrics: imported from live accounts, simulated by the sandbox, and read back as
//! classification history.

use chrono::Utc;
use uuid::Uuid;

use super::{Caller, Services};
use crate::domain::Scope;
use crate::domain::UserErrorCode;
use crate::error::{ApiError, UserError};
use crate::platform::metrics::{MetricsProfile, sandbox_daily_metrics};
pub use crate::store::metrics::MetricsDay;
use crate::store::{metrics, tenancy};

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
        let txn = crate::store::begin(&self.db).await?;
        metrics::store_days(&txn, ad.organization_id, ad.id, days, &self.thresholds).await?;
        txn.commit().await?;
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
        let txn = crate::store::begin(&self.db).await?;
        metrics::store_days(&txn, ad.organization_id, ad.id, &rows, &self.thresholds).await?;
        metrics::backdate_launch(&txn, &ad, Utc::now() - chrono::Duration::days(i64::from(days))).await?;
        txn.commit().await?;
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
