//! Submitting an ad write through the gate (README.md, "The gate").
//!
//! One transaction reads the state, decides, and records the decision: a denial's audit row, or a
//! queued write's audit row and pending action, or an allowed write's audit row marked in flight.
//! An allowed write is then dispatched outside the transaction.

use sea_orm::{ConnectionTrait, DatabaseTransaction};
use uuid::Uuid;

use super::dispatch::{Dispatch, TARGET_BUSY_WAIT};
use super::prepare::{Prepared, prepare};
use super::write::AdWrite;
use super::{Caller, Failure, Services, VerdictRecord, WriteResult};
use crate::domain::UserErrorCode;
use crate::domain::gate::{self, Decision, Verdict, WriteGateInput};
use crate::domain::money;
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::platform::PlatformError;
use crate::store::audit::{self, AuditEntry};
use crate::store::codes::LayerCodes;
use crate::store::pending::{self, NewPendingAction};

impl Services {
    /// Puts `write` through the gate for `caller`: deny, queue for approval, or dispatch now.
    /// With `dry_run`, the verdict is computed and nothing is written or dispatched.
    pub async fn submit(
        &self,
        caller: &Caller,
        write: AdWrite,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        // Held until the write's dispatch, if any, has settled (`turns`).
        let _turn = match write.object() {
            Some(object) if !dry_run => Some(self.turns.take(object, TARGET_BUSY_WAIT).await),
            _ => None,
        };
        self.decide(dry_run, async |txn| {
            let prepared = prepare(txn, caller.organization_id, caller.kind, &write).await?;
            let connection = self.require_connected_account(txn, &prepared.layer).await?;
            self.pushable(&write, &prepared)?;
            self.expressible(&write, &prepared, connection.as_ref())?;
            let verdict = gate::decide_write(&WriteGateInput {
                actor: caller.kind,
                scopes: &caller.scopes,
                kill_switch_active: prepared.layer.kill_switch_active,
                axis: write.axis(),
                authority: prepared.authority,
                safety: &prepared.safety,
            });
            let record = VerdictRecord::fresh(&verdict, dry_run);
            if dry_run {
                return Ok(targets(&prepared, record));
            }
            self.record_write(txn, caller, write, prepared, &verdict, record).await
        })
        .await
    }

    /// Records the decision on `write`: a denial's audit row; a queued write's audit row and
    /// pending action (superseding the one waiting for the same change); an allowed write's
    /// audit row marked in flight, with its dispatch to follow the commit.
    async fn record_write(
        &self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        write: AdWrite,
        prepared: Prepared,
        verdict: &Verdict,
        record: VerdictRecord,
    ) -> Result<WriteResult, Failure> {
        let mut result = targets(&prepared, record.clone());
        match verdict.decision {
            Decision::Deny => {
                let row =
                    audit::insert(txn, caller, entry(&write, &prepared, record.id, verdict, None)).await?;
                result.events = Event::for_audit_row(&row);
            }
            Decision::QueueForApproval => {
                // Boxed, as the allowed write's recording below.
                let queueing = Box::pin(self.queue(txn, caller, &write, &prepared, record.id, verdict));
                let (queued, row) = queueing.await?;
                result.events = vec![Event::audit(&row), Event::pending_created(&queued.action)];
                result.events.extend(queued.superseded.iter().map(Event::pending_changed));
                result.pending_action = Some(queued.action);
            }
            Decision::Allow => {
                let intent = entry(&write, &prepared, record.id, verdict, None);
                let mut dispatch = Dispatch::new(caller, write, prepared, record, None);
                // Boxed: the deciding future stays small enough for a thread's default stack in
                // unoptimized builds.
                let row = Box::pin(self.record_allowed(txn, caller, intent, &mut dispatch)).await?;
                result.events = vec![Event::audit(&row)];
                result.dispatch = Some(Box::new(dispatch));
            }
        }
        Ok(result)
    }

    async fn queue<C: ConnectionTrait>(
        &self,
        conn: &C,
        caller: &Caller,
        write: &AdWrite,
        prepared: &Prepared,
        verdict_id: Uuid,
        verdict: &Verdict,
    ) -> Result<(pending::Queued, entity::audit::Model), Failure> {
        let action_id = Uuid::now_v7();
        let (action, row) = pending::queue(
            conn,
            caller,
            entry(write, prepared, verdict_id, verdict, Some(action_id)),
            NewPendingAction {
                id: action_id,
                organization_id: caller.organization_id,
                layer_id: prepared.layer.id,
                platform: prepared.layer.platform()?,
                campaign_id: prepared.campaign.as_ref().map(|c| c.id),
                target_type: prepared.target_type,
                target_id: prepared.target_id,
                kind: write.action().to_owned(),
                axis: Some(write.axis()),
                is_policy: false,
                before: prepared.before.clone(),
                after: serde_json::to_value(write)?,
                target_version: prepared.target_version,
                supersede_key: write.supersede_key(),
                verdict_id,
                expires_at: chrono::Utc::now() + self.pending_ttl,
            },
        )
        .await?;
        Ok((action, row))
    }
}

impl Services {
    /// Rejects, before the gate, an ad showing a creative the layer's platform cannot take:
    /// Apple takes no uploaded media, and Meta and TikTok ads need the layer's settings (Page,
    /// identity, landing page) before a creative can be pushed. Malformed for this layer, not a
    /// decision.
    fn pushable(&self, write: &AdWrite, prepared: &Prepared) -> Result<(), Failure> {
        if !matches!(write, AdWrite::LaunchAd { .. } | AdWrite::ReplaceAdCreative { .. }) {
            return Ok(());
        }
        // A creative with no media yet (still rendering, failed) is the gate's to refuse as not
        // eligible: that is a decision, and it is audited.
        let campaign = prepared.campaign.as_ref();
        let Some(media) = prepared
            .creative
            .as_ref()
            .and_then(|creative| super::convert::creative_media(creative, campaign))
        else {
            return Ok(());
        };
        let account = super::convert::account_context(&prepared.layer)?;
        let Err(error) = self.proxy.adapter(account.platform).check_push(&account, &media) else {
            return Ok(());
        };
        let field = error.field().unwrap_or("creativeId").to_owned();
        let code = if is_layer_setting(&field) {
            UserErrorCode::LayerSettingsRequired
        } else {
            UserErrorCode::UnsupportedByPlatform
        };
        let message = match &error {
            PlatformError::InvalidRequest { message, .. } => message.clone(),
            other => other.to_string(),
        };
        Err(UserError::field(&field, code, message).into())
    }
}

impl Services {
    /// Rejects, before the gate, a write the platform cannot express (campaign-level targeting
    /// on Meta, bidding changes on Apple, an amount Meta's unit cannot hold, an ad set missing
    /// what its campaign promotes, ...): it is malformed for that platform, not a decision.
    fn expressible(
        &self,
        write: &AdWrite,
        prepared: &Prepared,
        connection: Option<&entity::connected_accounts::Model>,
    ) -> Result<(), Failure> {
        let mut account = super::convert::account_context(&prepared.layer)?;
        if let Some(row) = connection {
            super::accounts::connect_context(&mut account, row)?;
        }
        if let AdWrite::CampaignBudget { budget, .. } = write {
            crate::domain::campaign::validate_budget_kind(*budget, account.platform)
                .map_err(|err| UserError::field("lifetimeBudgetCents", err.code(), err.to_string()))?;
        }
        if account.platform == crate::domain::Platform::Meta {
            money::meta_offset(account.currency)
                .map_err(|err| UserError::field("currency", err.code(), err.to_string()))?;
        }
        // A status change the gate will refuse as an illegal transition has no platform write yet.
        let Ok(platform_write) = super::dispatch::platform_write(write, prepared) else {
            return Ok(());
        };
        if account.platform == crate::domain::Platform::Meta {
            for (field, cents) in platform_write.amounts() {
                money::to_meta_units(cents, account.currency)
                    .map_err(|err| UserError::field(field, err.code(), err.to_string()))?;
            }
        }
        match self.proxy.adapter(account.platform).check_write(&account, &platform_write) {
            Err(PlatformError::InvalidRequest { field: Some(field), message, .. })
                if is_layer_setting(&field) =>
            {
                Err(UserError::field(&field, UserErrorCode::LayerSettingsRequired, message).into())
            }
            Err(PlatformError::InvalidRequest { message, .. }) => Err(UserError::general(
                UserErrorCode::UnsupportedByPlatform,
                format!("{} cannot take this write: {message}", account.platform),
            )
            .into()),
            _ => Ok(()),
        }
    }
}

/// Whether `field` is a layer setting a write may need (Page, identity, landing page, what the
/// campaign promotes): its absence is `LAYER_SETTINGS_REQUIRED`, naming it.
fn is_layer_setting(field: &str) -> bool {
    matches!(
        field,
        "metaPageId"
            | "tiktokIdentityType"
            | "tiktokIdentityId"
            | "landingPageUrl"
            | "metaPixelId"
            | "metaApplicationId"
            | "appStoreUrl"
            | "tiktokAppId"
            | "tiktokPixelId"
    )
}

/// The audit row of a decision on `write`.
pub(crate) fn entry(
    write: &AdWrite,
    prepared: &Prepared,
    verdict_id: Uuid,
    verdict: &Verdict,
    pending_action_id: Option<Uuid>,
) -> AuditEntry {
    let event = match verdict.decision {
        Decision::Allow => "ads.write.allowed",
        Decision::QueueForApproval => "ads.write.queued",
        Decision::Deny => "ads.write.denied",
    };
    AuditEntry {
        id: verdict_id,
        organization_id: prepared.layer.organization_id,
        layer_id: Some(prepared.layer.id),
        platform: prepared.layer.platform().ok(),
        campaign_id: prepared.campaign.as_ref().map(|c| c.id),
        target_type: Some(prepared.target_type),
        target_id: Some(prepared.target_id),
        event: event.to_owned(),
        action: write.action().to_owned(),
        verdict: verdict.clone(),
        pending_action_id,
        request: serde_json::to_value(write).ok(),
        dispatch_holder: None,
    }
}

/// A result carrying the verdict and the objects the write targeted, as they are now.
pub(crate) fn targets(prepared: &Prepared, verdict: VerdictRecord) -> WriteResult {
    WriteResult {
        campaign: prepared.campaign.clone(),
        ad_set: prepared.ad_set.clone(),
        ad: prepared.ad.clone(),
        layer: Some(prepared.layer.clone()),
        ..WriteResult::decided(verdict)
    }
}
