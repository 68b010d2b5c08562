//! Dispatching an allowed write through the platform proxy, then recording what happened.
//!
//! Runs after the deciding transaction committed, never inside one. Local state changes only when
//! the platform accepted the write; either way the audit row gets the dispatch outcome.

use sea_orm::TransactionTrait;
use serde_json::json;

use super::apply::apply;
use super::prepare::Prepared;
use super::write::AdWrite;
use super::{Caller, Failure, Services, VerdictRecord, WriteResult};
use crate::domain::gate::{Decision, DenyReason, Verdict};
use crate::domain::status::{EntityStatus, StatusAction, transition};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::platform::{DispatchReceipt, PlatformError, PlatformWrite};
use crate::store::{audit, tenancy};

/// The default Apple Search Ads max cost per tap for a new ad group, in minor units, when the
/// campaign has no bid amount of its own.
const DEFAULT_APPLE_BID_CENTS: i64 = 100;

impl Services {
    /// Sends an allowed `write` to the platform and applies it locally if the platform accepts it.
    /// If that fails on our side, the audit row says so rather than staying in flight.
    pub(crate) async fn dispatch(
        &self,
        caller: &Caller,
        write: &AdWrite,
        prepared: &Prepared,
        verdict: VerdictRecord,
    ) -> Result<WriteResult, Failure> {
        let verdict_id = verdict.id;
        let outcome = self.dispatch_inner(caller, write, prepared, verdict).await;
        if outcome.is_err() {
            let detail =
                json!({ "error": { "code": "INTERNAL", "message": "the dispatch could not be completed" } });
            if let Err(error) = audit::record_dispatch(&self.db, verdict_id, false, detail).await {
                tracing::error!(%error, %verdict_id, "could not record a failed dispatch");
            }
        }
        outcome
    }

    async fn dispatch_inner(
        &self,
        caller: &Caller,
        write: &AdWrite,
        prepared: &Prepared,
        verdict: VerdictRecord,
    ) -> Result<WriteResult, Failure> {
        let account = match self.dispatch_account(&prepared.layer).await? {
            Ok(account) => account,
            Err(error) => return self.record_failure(prepared, verdict, error).await,
        };
        let platform_write = platform_write(write, prepared)?;
        let layer = tenancy::layer(&self.db, caller.organization_id, prepared.layer.id).await?;
        if layer.is_none_or(|layer| layer.kill_switch_active) {
            return self.abort(prepared, verdict).await;
        }
        let adapter = self.proxy.adapter(account.platform);
        let span =
            tracing::info_span!("dispatch", platform = %account.platform, write = platform_write.kind());
        let outcome = {
            let _entered = span.enter();
            adapter.dispatch(&account, &platform_write)
        }
        .await;
        match outcome {
            Ok(receipt) => self.record_success(caller, write, prepared, verdict, receipt).await,
            Err(error) => self.record_failure(prepared, verdict, error).await,
        }
    }

    async fn record_success(
        &self,
        caller: &Caller,
        write: &AdWrite,
        prepared: &Prepared,
        verdict: VerdictRecord,
        receipt: DispatchReceipt,
    ) -> Result<WriteResult, Failure> {
        let txn = self.db.begin().await?;
        let applied = apply(&txn, caller, write, prepared, receipt.platform_id.clone()).await?;
        audit::record_dispatch(&txn, verdict.id, true, serde_json::to_value(&receipt)?).await?;
        if let (AdWrite::CreateCampaign(_), Some(created)) = (write, &applied.campaign) {
            audit::attach_campaign(&txn, verdict.id, created.id).await?;
        }
        txn.commit().await?;
        Ok(WriteResult {
            verdict: Some(verdict),
            campaign: applied.campaign.or_else(|| prepared.campaign.clone()),
            ad_set: applied.ad_set.or_else(|| prepared.ad_set.clone()),
            ad: applied.ad.or_else(|| prepared.ad.clone()),
            layer: Some(prepared.layer.clone()),
            pending_action: None,
            user_errors: Vec::new(),
        })
    }

    /// The kill switch was tripped after the decision committed: no platform call starts, and the
    /// decision becomes a denial.
    async fn abort(&self, prepared: &Prepared, verdict: VerdictRecord) -> Result<WriteResult, Failure> {
        let mut trace: Vec<String> =
            verdict.trace.iter().filter(|entry| !entry.starts_with("decided_by=")).cloned().collect();
        trace.push("kill_switch=active(before_dispatch)".to_owned());
        trace.push("decided_by=kill_switch".to_owned());
        let denial = Verdict {
            decision: Decision::Deny,
            reason: Some(DenyReason::KillSwitchActive),
            axis: verdict.axis,
            trace,
        };
        let row = audit::record_abort(&self.db, verdict.id, &denial).await?;
        self.announce(vec![Event::write_denied(&row)]).await?;
        Ok(super::gatekeeper::targets(prepared, VerdictRecord::new(verdict.id, &denial, false)))
    }

    async fn record_failure(
        &self,
        prepared: &Prepared,
        verdict: VerdictRecord,
        error: PlatformError,
    ) -> Result<WriteResult, Failure> {
        tracing::warn!(code = error.code(), verdict_id = %verdict.id, "platform refused a write");
        let detail = json!({ "error": error.audit_detail() });
        audit::record_dispatch(&self.db, verdict.id, false, detail).await?;
        let mut result = super::gatekeeper::targets(prepared, verdict);
        result.user_errors.push(UserError::general(
            error.code(),
            format!("the platform did not accept the write: {error}"),
        ));
        Ok(result)
    }
}

fn missing(what: &str) -> Failure {
    Failure::Api(ApiError::internal(format!("dispatch needs {what}")))
}

fn platform_id(id: Option<&String>, what: &str) -> Result<String, Failure> {
    id.cloned().ok_or_else(|| missing(what))
}

/// The normalized platform write for an allowed `write` on `prepared` state.
pub(crate) fn platform_write(write: &AdWrite, prepared: &Prepared) -> Result<PlatformWrite, Failure> {
    let campaign_id = || {
        platform_id(
            prepared.campaign.as_ref().and_then(|c| c.platform_campaign_id.as_ref()),
            "a platform campaign id",
        )
    };
    let ad_set_id = || {
        platform_id(
            prepared.ad_set.as_ref().and_then(|s| s.platform_ad_set_id.as_ref()),
            "a platform ad set id",
        )
    };
    let ad_id =
        || platform_id(prepared.ad.as_ref().and_then(|a| a.platform_ad_id.as_ref()), "a platform ad id");
    let creative_id =
        || prepared.creative.as_ref().map(|c| c.id.to_string()).ok_or_else(|| missing("a creative"));
    Ok(match write {
        AdWrite::CreateCampaign(new) => PlatformWrite::CreateCampaign {
            name: new.name.clone(),
            outcome: new.outcome,
            budget: new.budget,
            bid_strategy: new.bid_strategy,
            bid_amount_cents: new.bid_amount_cents,
            status: EntityStatus::Active,
            start_time: new.start_time,
            end_time: new.end_time,
        },
        AdWrite::CampaignBudget { budget, .. } => {
            PlatformWrite::UpdateCampaignBudget { campaign_id: campaign_id()?, budget: *budget }
        }
        AdWrite::CampaignBidding { bid_strategy, bid_amount_cents, .. } => {
            PlatformWrite::UpdateCampaignBidding {
                campaign_id: campaign_id()?,
                bid_strategy: *bid_strategy,
                bid_amount_cents: *bid_amount_cents,
            }
        }
        AdWrite::CampaignSchedule { start_time, end_time, .. } => PlatformWrite::UpdateCampaignSchedule {
            campaign_id: campaign_id()?,
            start_time: *start_time,
            end_time: *end_time,
        },
        AdWrite::CampaignTargeting { targeting, .. } => PlatformWrite::UpdateCampaignTargeting {
            campaign_id: campaign_id()?,
            targeting: targeting.clone(),
        },
        AdWrite::CampaignStatus { action, .. } => PlatformWrite::SetCampaignStatus {
            campaign_id: campaign_id()?,
            status: next_status(prepared.campaign.as_ref().map(|c| c.status.as_str()), *action)?,
        },
        AdWrite::CreateAdSet { name, daily_budget_cents, targeting, .. } => PlatformWrite::CreateAdSet {
            campaign_id: campaign_id()?,
            name: name.clone(),
            daily_budget_cents: *daily_budget_cents,
            bid_amount_cents: Some(
                prepared
                    .campaign
                    .as_ref()
                    .and_then(|c| c.bid_amount_cents)
                    .unwrap_or(DEFAULT_APPLE_BID_CENTS),
            ),
            targeting: targeting.clone(),
            status: EntityStatus::Active,
        },
        AdWrite::AdSetStatus { action, .. } => PlatformWrite::SetAdSetStatus {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            status: next_status(prepared.ad_set.as_ref().map(|s| s.status.as_str()), *action)?,
        },
        AdWrite::LaunchAd { name, .. } => PlatformWrite::CreateAd {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            name: name.clone(),
            creative_id: creative_id()?,
            status: EntityStatus::Active,
        },
        AdWrite::ReplaceAdCreative { .. } => PlatformWrite::ReplaceAdCreative {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            ad_id: ad_id()?,
            creative_id: creative_id()?,
        },
        AdWrite::PruneAd { .. } => PlatformWrite::SetAdStatus {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            ad_id: ad_id()?,
            status: EntityStatus::Paused,
        },
        AdWrite::AdStatus { action, .. } => PlatformWrite::SetAdStatus {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            ad_id: ad_id()?,
            status: next_status(prepared.ad.as_ref().map(|a| a.status.as_str()), *action)?,
        },
    })
}

/// The status after `action`, for a write the gate already found legal.
pub(crate) fn next_status(current: Option<&str>, action: StatusAction) -> Result<EntityStatus, Failure> {
    let current: EntityStatus = current.ok_or_else(|| missing("a current status"))?.parse()?;
    transition(current, action).map_err(|err| Failure::Api(ApiError::internal(format!("transition: {err}"))))
}
