//! Policy writes (README.md, "The gate": policy writes): campaign authority, layer defaults and the kill switch.
//!
//! A customer's policy change applies at once. A partner needs `ads:write:policy`; a change that
//! only lowers modes (or the cap) applies at once, any raise is queued as a policy pending action
//! that only the customer can approve. The kill switch is customer-only.

use chrono::Utc;
use entity::{layers, pending_actions};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::approval::Resolving;
use super::convert::resolved_authority;
use super::{Caller, Failure, Services, VerdictRecord, WriteResult};
use crate::domain::Platform;
use crate::domain::authority::{AuthorityBlock, AuthorityChange};
use crate::domain::gate::{self, ApprovalInput, Decision, PendingStatus, Verdict};
use crate::domain::policy::{self, PolicyGateInput};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::store::audit::{self, AuditEntry};
use crate::store::campaigns as store_campaigns;
use crate::store::codes::{AuthorityCodes, LayerCodes};
use crate::store::layers::{self as store_layers, KillSwitch};
use crate::store::pending::{self, NewPendingAction};
use crate::store::tenancy;

/// A change to a layer's defaults block and cap. `max_daily_budget_cents`: `None` leaves the cap,
/// `Some(None)` removes it, `Some(Some(n))` sets it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerDefaultsChange {
    /// Axis modes to change.
    pub authority: AuthorityChange,
    /// The cap change, if any.
    pub max_daily_budget_cents: Option<Option<i64>>,
}

/// A policy change as stored on a policy pending action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum PolicyChange {
    /// `block: None` removes the campaign's row, so it follows its layer's defaults.
    CampaignAuthority {
        campaign_id: Uuid,
        block: Option<AuthorityBlock>,
    },
    LayerDefaults {
        layer_id: Uuid,
        block: AuthorityBlock,
        max_daily_budget_cents: Option<i64>,
    },
}

impl Services {
    /// Changes campaign `campaign_id`'s authority block, or (`inherit_defaults`) removes its own
    /// row so that its layer's defaults apply. Raises and lowers are judged on the authority in
    /// force before and after.
    pub async fn update_campaign_authority(
        &self,
        caller: &Caller,
        campaign_id: Uuid,
        change: AuthorityChange,
        inherit_defaults: bool,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        let org = caller.organization_id;
        self.decide(dry_run, async |txn| {
            let campaign = tenancy::campaign_for_update(txn, org, campaign_id)
                .await?
                .ok_or_else(|| UserError::not_found("campaignId", "campaign"))?;
            let layer = tenancy::layer_for_decision(txn, org, campaign.layer_id)
                .await?
                .ok_or_else(|| ApiError::internal("campaign without layer"))?;
            let row = tenancy::campaign_authority(txn, org, campaign_id).await?;
            let current = resolved_authority(row.as_ref(), &layer)?.block;
            let own = (!inherit_defaults).then(|| current.apply(&change));
            let proposed = own.unwrap_or(layer.defaults()?);
            let verdict = policy::decide_policy_change(&PolicyGateInput {
                actor: caller.kind,
                scopes: &caller.scopes,
                raises: policy::is_raise(&current, &proposed),
            });
            let stored = PolicyChange::CampaignAuthority { campaign_id, block: own };
            let target = PolicyTarget {
                layer: &layer,
                campaign_id: Some(campaign_id),
                target_type: "campaign",
                target_id: campaign_id,
                before: json!(current),
            };
            let mut result = self.decide_policy(txn, caller, &target, &stored, &verdict, dry_run).await?;
            if result.applied {
                write_campaign_authority(txn, caller, campaign_id, own).await?;
            }
            result.campaign = tenancy::campaign(txn, org, campaign_id).await?;
            result.layer = Some(layer);
            Ok(result)
        })
        .await
    }

    /// Changes the defaults block (and cap) of `platform`'s layer.
    pub async fn update_layer_defaults(
        &self,
        caller: &Caller,
        platform: Platform,
        change: LayerDefaultsChange,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        let org = caller.organization_id;
        self.decide(dry_run, async |txn| {
            let layer = self.layer_locked(txn, org, platform).await?;
            let current = layer.defaults()?;
            let proposed = current.apply(&change.authority);
            let cap = change.max_daily_budget_cents.unwrap_or(layer.max_daily_budget_cents);
            let raises = policy::is_raise(&current, &proposed)
                || policy::cap_is_raise(layer.max_daily_budget_cents, cap);
            let verdict = policy::decide_policy_change(&PolicyGateInput {
                actor: caller.kind,
                scopes: &caller.scopes,
                raises,
            });
            let stored = PolicyChange::LayerDefaults {
                layer_id: layer.id,
                block: proposed,
                max_daily_budget_cents: cap,
            };
            let before = json!({ "block": current, "max_daily_budget_cents": layer.max_daily_budget_cents });
            let target = PolicyTarget { before, ..PolicyTarget::layer(&layer) };
            let mut result = self.decide_policy(txn, caller, &target, &stored, &verdict, dry_run).await?;
            if result.applied {
                store_layers::set_defaults(txn, &layer, proposed, cap).await?;
            }
            result.layer = tenancy::layer_by_platform(txn, org, platform).await?;
            Ok(result)
        })
        .await
    }

    /// Trips (`active = true`) or releases the kill switch of `platform`'s layer. Customer only.
    /// With `dry_run`, only the verdict is computed.
    pub async fn set_kill_switch(
        &self,
        caller: &Caller,
        platform: Platform,
        active: bool,
        reason: Option<String>,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        self.decide(dry_run, async |txn| {
            let layer = self.layer_locked(txn, caller.organization_id, platform).await?;
            let verdict = policy::decide_kill_switch(caller.kind);
            let event = match (verdict.decision == Decision::Allow, active) {
                (true, true) => "kill_switch.tripped",
                (true, false) => "kill_switch.released",
                (false, true) => "kill_switch.trip_denied",
                (false, false) => "kill_switch.release_denied",
            };
            let request = json!({ "active": active, "reason": reason });
            let change =
                LayerChange { layer: &layer, verdict: &verdict, action: "kill_switch", event, request };
            let mut result = record_layer_change(txn, caller, change, dry_run).await?;
            let layer = if result.applied {
                let layer = write_kill_switch(txn, caller, &layer, active, reason).await?;
                result.events.push(Event::kill_switch(&layer, active));
                layer
            } else {
                layer
            };
            result.layer = Some(layer);
            Ok(result)
        })
        .await
    }

    pub(super) async fn layer_locked(
        &self,
        txn: &DatabaseTransaction,
        org: Uuid,
        platform: Platform,
    ) -> Result<layers::Model, Failure> {
        let layer = tenancy::layer_by_platform(txn, org, platform)
            .await?
            .ok_or_else(|| UserError::not_found("platform", "layer"))?;
        Ok(tenancy::layer_for_update(txn, org, layer.id).await?.unwrap_or(layer))
    }

    /// Records a policy decision: the audit row, and a policy pending action for a queued raise.
    async fn decide_policy(
        &self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        target: &PolicyTarget<'_>,
        change: &PolicyChange,
        verdict: &Verdict,
        dry_run: bool,
    ) -> Result<WriteResult, Failure> {
        let record = VerdictRecord::fresh(verdict, dry_run);
        let verdict_id = record.id;
        let mut result = WriteResult::decided(record);
        if dry_run {
            return Ok(result);
        }
        result.applied = verdict.decision == Decision::Allow;
        let action_name = policy_action_name(change);
        let event = match verdict.decision {
            Decision::Allow => "policy.updated",
            Decision::QueueForApproval => "policy.queued",
            Decision::Deny => "policy.denied",
        };
        let queued_id = (verdict.decision == Decision::QueueForApproval).then(Uuid::now_v7);
        let request = Some(serde_json::to_value(change)?);
        let entry = policy_entry(target, verdict_id, event, action_name, verdict, queued_id, request);
        let Some(action_id) = queued_id else {
            let row = audit::insert(txn, caller, entry).await?;
            result.events.extend(Event::for_audit_row(&row));
            return Ok(result);
        };
        let (queued, row) = pending::queue(
            txn,
            caller,
            entry,
            NewPendingAction {
                id: action_id,
                organization_id: caller.organization_id,
                layer_id: target.layer.id,
                platform: target.layer.platform()?,
                campaign_id: target.campaign_id,
                target_type: target.target_type,
                target_id: target.target_id,
                kind: action_name.to_owned(),
                axis: None,
                is_policy: true,
                before: target.before.clone(),
                after: serde_json::to_value(change)?,
                target_version: None,
                // Policy changes touch several axes at once: each proposal stands alone.
                supersede_key: None,
                verdict_id,
                expires_at: Utc::now() + self.pending_ttl,
            },
        )
        .await?;
        result.events.extend(Event::for_audit_row(&row));
        result.events.push(Event::pending_created(&queued.action));
        result.pending_action = Some(queued.action);
        Ok(result)
    }

    /// Approves a policy pending action: customer only; stale if the policy moved since queueing.
    /// An approved change applies at once, and its action is dispatched with the approval.
    pub(crate) async fn approve_policy(
        &self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        action: pending_actions::Model,
        status: PendingStatus,
        dry_run: bool,
    ) -> Result<WriteResult, Failure> {
        let change: PolicyChange = serde_json::from_value(action.after.clone())?;
        let current = current_policy(txn, caller.organization_id, &change).await?;
        let mut decided = gate::decide_approval(&ApprovalInput {
            actor: caller.kind,
            scopes: &caller.scopes,
            status,
            is_policy: true,
            kill_switch_active: false,
            axis: None,
            authority: None,
            version_matches: current.as_ref() == Some(&action.before),
            safety: &[],
        });
        let allowed = decided.verdict.decision == Decision::Allow;
        if allowed && !dry_run {
            // Nothing waits on a platform: the change applies now, and its action is carried out.
            apply_policy(txn, caller, &change).await?;
            decided.next_status = PendingStatus::Dispatched;
        }
        let event = if allowed { "policy.updated" } else { "pending_action.approval_denied" };
        let resolving = Resolving { action, status, decided, dry_run };
        self.resolve(txn, caller, resolving, event, None).await
    }
}

/// What a policy change is about, as its audit row and pending action name it.
struct PolicyTarget<'a> {
    layer: &'a layers::Model,
    campaign_id: Option<Uuid>,
    target_type: &'static str,
    target_id: Uuid,
    /// The policy in force, as a queued change stores it.
    before: Value,
}

impl<'a> PolicyTarget<'a> {
    /// The layer itself.
    fn layer(layer: &'a layers::Model) -> Self {
        PolicyTarget {
            layer,
            campaign_id: None,
            target_type: "layer",
            target_id: layer.id,
            before: Value::Null,
        }
    }
}

/// A change to a layer decided on who the caller is (its kill switch, its settings).
pub(super) struct LayerChange<'a> {
    pub layer: &'a layers::Model,
    pub verdict: &'a Verdict,
    /// The audit row's action (`kill_switch`, `layer_settings`).
    pub action: &'static str,
    /// The audit row's event.
    pub event: &'static str,
    /// What the audit row records as the request.
    pub request: Value,
}

/// The verdict on `change` and, unless a dry run, its audit row; `applied` when the change is
/// allowed and to be made now.
pub(super) async fn record_layer_change(
    txn: &DatabaseTransaction,
    caller: &Caller,
    change: LayerChange<'_>,
    dry_run: bool,
) -> Result<WriteResult, Failure> {
    let record = VerdictRecord::fresh(change.verdict, dry_run);
    let verdict_id = record.id;
    let mut result = WriteResult::decided(record);
    if dry_run {
        return Ok(result);
    }
    let target = PolicyTarget::layer(change.layer);
    let entry = policy_entry(
        &target,
        verdict_id,
        change.event,
        change.action,
        change.verdict,
        None,
        Some(change.request),
    );
    let row = audit::insert(txn, caller, entry).await?;
    result.events = Event::for_audit_row(&row);
    result.applied = change.verdict.decision == Decision::Allow;
    Ok(result)
}

fn policy_action_name(change: &PolicyChange) -> &'static str {
    match change {
        PolicyChange::CampaignAuthority { .. } => "policy.campaign_authority",
        PolicyChange::LayerDefaults { .. } => "policy.layer_defaults",
    }
}

/// The policy a change would replace, in the shape stored as the action's `before`.
async fn current_policy<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    change: &PolicyChange,
) -> Result<Option<Value>, Failure> {
    Ok(match change {
        PolicyChange::CampaignAuthority { campaign_id, .. } => {
            let Some(campaign) = tenancy::campaign_for_update(conn, org, *campaign_id).await? else {
                return Ok(None);
            };
            let Some(layer) = tenancy::layer_for_decision(conn, org, campaign.layer_id).await? else {
                return Ok(None);
            };
            let row = tenancy::campaign_authority(conn, org, *campaign_id).await?;
            Some(json!(resolved_authority(row.as_ref(), &layer)?.block))
        }
        PolicyChange::LayerDefaults { layer_id, .. } => {
            let Some(layer) = tenancy::layer_for_update(conn, org, *layer_id).await? else { return Ok(None) };
            Some(
                json!({ "block": layer.defaults()?, "max_daily_budget_cents": layer.max_daily_budget_cents }),
            )
        }
    })
}

async fn apply_policy<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    change: &PolicyChange,
) -> Result<(), Failure> {
    match change {
        PolicyChange::CampaignAuthority { campaign_id, block } => {
            write_campaign_authority(conn, caller, *campaign_id, *block).await
        }
        PolicyChange::LayerDefaults { layer_id, block, max_daily_budget_cents } => {
            let layer = tenancy::layer_for_update(conn, caller.organization_id, *layer_id)
                .await?
                .ok_or_else(|| ApiError::internal("layer vanished"))?;
            store_layers::set_defaults(conn, &layer, *block, *max_daily_budget_cents).await?;
            Ok(())
        }
    }
}

/// Writes a campaign's own authority row, or deletes it (`None`) so its layer's defaults apply.
async fn write_campaign_authority<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    campaign_id: Uuid,
    block: Option<AuthorityBlock>,
) -> Result<(), Failure> {
    let org = caller.organization_id;
    let existing = tenancy::campaign_authority(conn, org, campaign_id).await?;
    match (block, existing) {
        (None, Some(_)) => store_campaigns::delete_authority(conn, org, campaign_id).await?,
        (None, None) => {}
        (Some(block), Some(existing)) if existing.block()? == block => {}
        (Some(block), Some(_)) => {
            store_campaigns::update_authority(conn, org, campaign_id, block, caller.label()).await?;
        }
        (Some(block), None) => {
            store_campaigns::insert_authority(conn, org, campaign_id, block, caller.label()).await?;
        }
    }
    Ok(())
}

async fn write_kill_switch<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    layer: &layers::Model,
    active: bool,
    reason: Option<String>,
) -> Result<layers::Model, Failure> {
    let switch = KillSwitch { active, tripped_by: Some(caller.label()), reason, at: Utc::now() };
    Ok(store_layers::set_kill_switch(conn, layer, switch).await?)
}

/// The audit row of a policy decision on `target`.
fn policy_entry(
    target: &PolicyTarget<'_>,
    verdict_id: Uuid,
    event: &str,
    action: &str,
    verdict: &Verdict,
    pending_action_id: Option<Uuid>,
    request: Option<Value>,
) -> AuditEntry {
    let layer = target.layer;
    AuditEntry {
        id: verdict_id,
        organization_id: layer.organization_id,
        layer_id: Some(layer.id),
        platform: layer.platform().ok(),
        campaign_id: target.campaign_id,
        target_type: Some(target.target_type),
        target_id: Some(target.target_id),
        event: event.to_owned(),
        action: action.to_owned(),
        verdict: verdict.clone(),
        pending_action_id,
        request,
        dispatch_holder: None,
    }
}
