//! The optimizer on demand, and the metrics it reads.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::payloads::UserError as ApiUserError;
use super::{validate, writer};
use crate::domain::ActorKind;
use crate::domain::UserErrorCode;
use crate::error::{ApiError, UserError};
use crate::graphql::enums::Platform;
use crate::graphql::types::OptimizerRun;
use crate::ids::NodeKind;
use crate::platform::metrics::MetricsProfile;
use crate::service::metrics::MetricsDay;
use crate::service::optimizer::Trigger;

/// One day of an ad's delivery.
#[derive(InputObject, Debug, Clone)]
pub struct MetricsDayInput {
    /// The day.
    pub day: NaiveDate,
    /// Impressions.
    pub impressions: i64,
    /// Average impressions per person reached.
    pub frequency: f64,
    /// Spend, in the layer currency's minor units.
    pub spend_cents: i64,
    /// Conversions.
    pub conversions: i64,
}

/// Metrics of one ad from a live account.
#[derive(InputObject, Debug, Clone)]
pub struct ImportAdMetricsInput {
    /// The ad.
    pub ad_id: ID,
    /// Its days (at most 400); a day imported again replaces the earlier import.
    pub days: Vec<MetricsDayInput>,
}

/// How a simulated ad behaves.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulationProfile {
    /// Converts steadily.
    Healthy,
    /// Wears out: frequency climbs, CPA degrades.
    Fatiguing,
    /// Spends without converting.
    Failing,
}

/// Sandbox delivery for one ad.
#[derive(InputObject, Debug, Clone)]
pub struct SimulateAdMetricsInput {
    /// The ad.
    pub ad_id: ID,
    /// How it behaves.
    pub profile: SimulationProfile,
    /// How many days it has been live (1 to 365); its launch time moves back to match.
    pub days: i32,
}

/// The answer to a metrics write.
#[derive(SimpleObject, Debug, Clone)]
pub struct MetricsPayload {
    /// Days stored.
    pub days: i32,
    /// Expected failures.
    pub user_errors: Vec<ApiUserError>,
}

/// The answer to an optimizer run.
#[derive(SimpleObject, Debug, Clone)]
pub struct OptimizerRunPayload {
    /// The run, with its proposals.
    pub run: Option<OptimizerRun>,
    /// Expected failures.
    pub user_errors: Vec<ApiUserError>,
}

/// The optimizer and its metrics.
#[derive(Default, Debug)]
pub struct OptimizerMutations;

#[Object]
impl OptimizerMutations {
    /// Runs an optimizer cycle now (customer only): prunes FATIGUED and CRITICAL ads and launches
    /// the best eligible creatives in their place, as the optimizer, through the gate.
    async fn run_optimizer(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
    ) -> async_graphql::Result<OptimizerRunPayload> {
        let (caller, services) = writer(ctx)?;
        if caller.kind != ActorKind::Customer {
            return Err(
                ApiError::Forbidden("only the customer runs the optimizer on demand".to_owned()).into()
            );
        }
        let run =
            services.run_optimizer(caller.organization_id, Trigger::Manual, platform.map(Into::into)).await?;
        Ok(OptimizerRunPayload { run: Some(OptimizerRun(run)), user_errors: Vec::new() })
    }

    /// Imports daily metrics of an ad from a live account.
    async fn import_ad_metrics(
        &self,
        ctx: &Context<'_>,
        input: ImportAdMetricsInput,
    ) -> async_graphql::Result<MetricsPayload> {
        let (caller, services) = writer(ctx)?;
        if input.days.len() > 400 {
            return Ok(rejected(UserError::field(
                "days",
                UserErrorCode::TooManyDays,
                "at most 400 days per import",
            )));
        }
        let ad_id = match validate::id(NodeKind::Ad, "adId", &input.ad_id) {
            Ok(id) => id,
            Err(error) => return Ok(rejected(error)),
        };
        let days: Vec<MetricsDay> = input
            .days
            .iter()
            .map(|d| MetricsDay {
                day: d.day,
                impressions: d.impressions,
                frequency: d.frequency,
                spend_cents: d.spend_cents,
                conversions: d.conversions,
            })
            .collect();
        Ok(stored(services.import_ad_metrics(caller, ad_id, &days).await?))
    }

    /// Sandbox: simulates an ad's delivery so the optimizer has something to classify.
    async fn simulate_ad_metrics(
        &self,
        ctx: &Context<'_>,
        input: SimulateAdMetricsInput,
    ) -> async_graphql::Result<MetricsPayload> {
        let (caller, services) = writer(ctx)?;
        let Ok(days @ 1..=365) = u32::try_from(input.days) else {
            return Ok(rejected(UserError::field(
                "days",
                UserErrorCode::DaysOutOfRange,
                "days must be between 1 and 365",
            )));
        };
        let ad_id = match validate::id(NodeKind::Ad, "adId", &input.ad_id) {
            Ok(id) => id,
            Err(error) => return Ok(rejected(error)),
        };
        let profile = match input.profile {
            SimulationProfile::Healthy => MetricsProfile::Healthy,
            SimulationProfile::Fatiguing => MetricsProfile::Fatiguing,
            SimulationProfile::Failing => MetricsProfile::Failing,
        };
        Ok(stored(services.simulate_ad_metrics(caller, ad_id, profile, days).await?))
    }
}

fn rejected(error: UserError) -> MetricsPayload {
    MetricsPayload { days: 0, user_errors: vec![error.into()] }
}

fn stored(outcome: Result<usize, UserError>) -> MetricsPayload {
    match outcome {
        Ok(days) => MetricsPayload { days: i32::try_from(days).unwrap_or(i32::MAX), user_errors: Vec::new() },
        Err(error) => rejected(error),
    }
}
