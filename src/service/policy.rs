//! Policy writes (README.md, "The gate": policy writes): campaign authority, layer defaults and the kill switch.
//!
//! A customer's policy change applies at once. A partner needs `ads:write:policy`; a change that
//! only lowers modes (or the cap) applies at once, any raise is queued as a policy pending action
//! that only the customer can approve. The kill switch is customer-only.

use chrono::Utc;
use entity::{campaign_authority, layers, pending_actions};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, ModelTrait, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::convert::{self, campaign_block, layer_defaults, resolved_authority};
use super::{Caller, Failure, Services, VerdictRecord, WriteResult};
use crate::domain::Platform;
use crate::domain::authority::{AuthorityBlock, AuthorityChange};
use crate::domain::gate::{self, ApprovalInput, Decision, PendingStatus, Verdict};
use crate::domain::policy::{self, PolicyGateInput};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::store::audit::{self, AuditEntry};
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

/// What a policy write answered.
#[derive(Debug, Clone, Default)]
pub struct PolicyResult {
    /// The decision.
    pub verdict: Option<VerdictRecord>,
    /// Whether the change took effect now.
    pub applied: bool,
    /// The policy pending action, when a raise was queued.
    pub pending_action: Option<pending_actions::Model>,
    /// The campaign whose authority changed.
    pub campaign: Option<entity::campaigns::Model>,
    /// The layer whose defaults or kill switch changed.
    pub layer: Option<layers::Model>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
    /// Events to publish once the change has committed.
    pub(super) events: Vec<Event>,
}

impl PolicyResult {
    /// A result that is only a user error.
    pub fn rejected(error: UserError) -> Self {
        PolicyResult { user_errors: vec![error], ..Default::default() }
    }
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
    ) -> Result<PolicyResult, ApiError> {
        policy_settle(
            self.campaign_authority_inner(caller, campaign_id, change, inherit_defaults, dry_run).await,
        )
    }

    async fn campaign_authority_inner(
        &self,
        caller: &Caller,
        campaign_id: Uuid,
        change: AuthorityChange,
        inherit_defaults: bool,
        dry_run: bool,
    ) -> Result<PolicyResult, Failure> {
        let org = caller.organization_id;
        let txn = self.db.begin().await?;
        let campaign = tenancy::campaign_for_update(&txn, org, campaign_id)
            .await?
            .ok_or_else(|| UserError::not_found("campaignId", "campaign"))?;
        let layer = tenancy::layer_for_decision(&txn, org, campaign.layer_id)
            .await?
            .ok_or_else(|| ApiError::internal("campaign without layer"))?;
        let row = tenancy::campaign_authority(&txn, org, campaign_id).await?;
        let current = resolved_authority(row.as_ref(), &layer)?.block;
        let own = (!inherit_defaults).then(|| current.apply(&change));
        let proposed = own.unwrap_or(layer_defaults(&layer)?);
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
        let mut result = self.decide_policy(&txn, caller, &target, &stored, &verdict, dry_run).await?;
        if result.applied {
            write_campaign_authority(&txn, caller, campaign_id, own).await?;
        }
        let events = std::mem::take(&mut result.events);
        if dry_run {
            txn.rollback().await?;
        } else {
            self.commit(txn, events).await?;
        }
        result.campaign = tenancy::campaign(&self.db, org, campaign_id).await?;
        result.layer = Some(layer);
        Ok(result)
    }

    /// Changes the defaults block (and cap) of `platform`'s layer.
    pub async fn update_layer_defaults(
        &self,
        caller: &Caller,
        platform: Platform,
        change: LayerDefaultsChange,
        dry_run: bool,
    ) -> Result<PolicyResult, ApiError> {
        policy_settle(self.layer_defaults_inner(caller, platform, change, dry_run).await)
    }

    async fn layer_defaults_inner(
        &self,
        caller: &Caller,
        platform: Platform,
        change: LayerDefaultsChange,
        dry_run: bool,
    ) -> Result<PolicyResult, Failure> {
        let org = caller.organization_id;
        let txn = self.db.begin().await?;
        let layer = self.layer_locked(&txn, org, platform).await?;
        let current = layer_defaults(&layer)?;
        let proposed = current.apply(&change.authority);
        let cap = change.max_daily_budget_cents.unwrap_or(layer.max_daily_budget_cents);
        let raises =
            policy::is_raise(&current, &proposed) || policy::cap_is_raise(layer.max_daily_budget_cents, cap);
        let verdict = policy::decide_policy_change(&PolicyGateInput {
            actor: caller.kind,
            scopes: &caller.scopes,
            raises,
        });
        let stored =
            PolicyChange::LayerDefaults { layer_id: layer.id, block: proposed, max_daily_budget_cents: cap };
        let before = json!({ "block": current, "max_daily_budget_cents": layer.max_daily_budget_cents });
        let target = PolicyTarget {
            layer: &layer,
            campaign_id: None,
            target_type: "layer",
            target_id: layer.id,
            before,
        };
        let mut result = self.decide_policy(&txn, caller, &target, &stored, &verdict, dry_run).await?;
        if result.applied {
            write_layer_defaults(&txn, &layer, proposed, cap).await?;
        }
        let events = std::mem::take(&mut result.events);
        if dry_run {
            txn.rollback().await?;
        } else {
            self.commit(txn, events).await?;
        }
        result.layer = tenancy::layer_by_platform(&self.db, org, platform).await?;
        Ok(result)
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
    ) -> Result<PolicyResult, ApiError> {
        policy_settle(self.kill_switch_inner(caller, platform, active, reason, dry_run).await)
    }

    async fn kill_switch_inner(
        &self,
        caller: &Caller,
        platform: Platform,
        active: bool,
        reason: Option<String>,
        dry_run: bool,
    ) -> Result<PolicyResult, Failure> {
        let org = caller.organization_id;
        let txn = self.db.begin().await?;
        let layer = self.layer_locked(&txn, org, platform).await?;
        let verdict = policy::decide_kill_switch(caller.kind);
        if dry_run {
            txn.rollback().await?;
            return Ok(PolicyResult {
                verdict: Some(VerdictRecord::new(Uuid::now_v7(), &verdict, true)),
                layer: Some(layer),
                ..Default::default()
            });
        }
        let allowed = verdict.decision == Decision::Allow;
        let event = match (allowed, active) {
            (true, true) => "kill_switch.tripped",
            (true, false) => "kill_switch.released",
            (false, true) => "kill_switch.trip_denied",
            (false, false) => "kill_switch.release_denied",
        };
        let verdict_id = Uuid::now_v7();
        let request = json!({ "active": active, "reason": reason });
        let entry = policy_entry(
            &layer,
            None,
            "layer",
            layer.id,
            verdict_id,
            event,
            "kill_switch",
            &verdict,
            None,
            Some(request),
        );
        let row = audit::insert(&txn, caller, entry).await?;
        let layer =
            if allowed { write_kill_switch(&txn, caller, &layer, active, reason).await? } else { layer };
        let mut events = Event::for_audit_row(&row);
        if allowed {
            events.push(Event::kill_switch(&layer, active));
        }
        self.commit(txn, events).await?;
        Ok(PolicyResult {
            verdict: Some(VerdictRecord::new(verdict_id, &verdict, false)),
            applied: allowed,
            layer: Some(layer),
            ..Default::default()
        })
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
    ) -> Result<PolicyResult, Failure> {
        let verdict_id = Uuid::now_v7();
        let applied = verdict.decision == Decision::Allow;
        let mut result = PolicyResult {
            verdict: Some(VerdictRecord::new(verdict_id, verdict, dry_run)),
            applied: applied && !dry_run,
            ..Default::default()
        };
        if dry_run {
            return Ok(result);
        }
        let action_name = policy_action_name(change);
        let event = match verdict.decision {
            Decision::Allow => "policy.updated",
            Decision::QueueForApproval => "policy.queued",
            Decision::Deny => "policy.denied",
        };
        let queued_id = (verdict.decision == Decision::QueueForApproval).then(Uuid::now_v7);
        let entry = policy_entry(
            target.layer,
            target.campaign_id,
            target.target_type,
            target.target_id,
            verdict_id,
            event,
            action_name,
            verdict,
            queued_id,
            Some(serde_json::to_value(change)?),
        );
        let row = audit::insert(txn, caller, entry).await?;
        result.events.extend(Event::for_audit_row(&row));
        if let Some(action_id) = queued_id {
            let queued = pending::insert(
                txn,
                caller,
                NewPendingAction {
                    id: action_id,
                    organization_id: caller.organization_id,
                    layer_id: target.layer.id,
                    platform: convert::platform(target.layer)?,
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
            result.events.push(Event::pending_created(&queued.action));
            result.pending_action = Some(queued.action);
        }
        Ok(result)
    }

    /// Approves a policy pending action: customer only; stale if the policy moved since queueing.
    pub(crate) async fn approve_policy(
        &self,
        txn: DatabaseTransaction,
        caller: &Caller,
        action: pending_actions::Model,
        status: PendingStatus,
        dry_run: bool,
    ) -> Result<WriteResult, Failure> {
        let before: PendingStatus = action.status.parse()?;
        let change: PolicyChange = serde_json::from_value(action.after.clone())?;
        let current = current_policy(&txn, caller.organization_id, &change).await?;
        let decided = gate::decide_approval(&ApprovalInput {
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
        if dry_run {
            txn.rollback().await?;
            return Ok(WriteResult {
                verdict: Some(VerdictRecord::new(Uuid::now_v7(), &decided.verdict, true)),
                pending_action: Some(action),
                ..Default::default()
            });
        }
        let verdict_id = Uuid::now_v7();
        let allowed = decided.verdict.decision == Decision::Allow;
        let event = if allowed { "policy.updated" } else { "pending_action.approval_denied" };
        let row = audit::insert(
            &txn,
            caller,
            super::approval::resolution_entry(&action, verdict_id, &decided, event)?,
        )
        .await?;
        if allowed {
            apply_policy(&txn, caller, &change).await?;
        }
        let mut action =
            self.settle_status(&txn, caller, &action, status, &decided, verdict_id, None).await?;
        if allowed
            && pending::transition(&txn, action.id, PendingStatus::Approved, PendingStatus::Dispatched, None)
                .await?
        {
            action.status = PendingStatus::Dispatched.as_str().to_owned();
        }
        let mut events = Event::for_audit_row(&row);
        events.extend(super::approval::status_events(&action, before));
        self.commit(txn, events).await?;
        Ok(WriteResult {
            verdict: Some(VerdictRecord::new(verdict_id, &decided.verdict, false)),
            pending_action: Some(action),
            ..Default::default()
        })
    }
}

struct PolicyTarget<'a> {
    layer: &'a layers::Model,
    campaign_id: Option<Uuid>,
    target_type: &'static str,
    target_id: Uuid,
    before: Value,
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
                json!({ "block": layer_defaults(&layer)?, "max_daily_budget_cents": layer.max_daily_budget_cents }),
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
            write_layer_defaults(conn, &layer, *block, *max_daily_budget_cents).await
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
    let now = Utc::now();
    let existing = tenancy::campaign_authority(conn, caller.organization_id, campaign_id).await?;
    let Some(block) = block else {
        if let Some(existing) = existing {
            existing.delete(conn).await?;
        }
        return Ok(());
    };
    let mut row = campaign_authority::ActiveModel {
        campaign_id: Set(campaign_id),
        organization_id: Set(caller.organization_id),
        creative: Set(block.creative.as_str().to_owned()),
        tactical: Set(block.tactical.as_str().to_owned()),
        structural: Set(block.structural.as_str().to_owned()),
        updated_by: Set(Some(format!("{}:{}", caller.kind.as_str(), caller.actor_id))),
        updated_at: Set(now),
        ..Default::default()
    };
    match existing {
        Some(existing) if campaign_block(&existing)? == block => {}
        Some(_) => {
            row.update(conn).await?;
        }
        None => {
            row.created_at = Set(now);
            row.insert(conn).await?;
        }
    }
    Ok(())
}

async fn write_layer_defaults<C: ConnectionTrait>(
    conn: &C,
    layer: &layers::Model,
    block: AuthorityBlock,
    cap: Option<i64>,
) -> Result<(), Failure> {
    layers::ActiveModel {
        id: Set(layer.id),
        default_creative: Set(block.creative.as_str().to_owned()),
        default_tactical: Set(block.tactical.as_str().to_owned()),
        default_structural: Set(block.structural.as_str().to_owned()),
        max_daily_budget_cents: Set(cap),
        version: Set(layer.version + 1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

async fn write_kill_switch<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    layer: &layers::Model,
    active: bool,
    reason: Option<String>,
) -> Result<layers::Model, Failure> {
    let now = Utc::now();
    let by = format!("{}:{}", caller.kind.as_str(), caller.actor_id);
    Ok(layers::ActiveModel {
        id: Set(layer.id),
        kill_switch_active: Set(active),
        kill_switch_tripped_at: Set(active.then_some(now)),
        kill_switch_tripped_by: Set(active.then_some(by)),
        kill_switch_reason: Set(if active { reason } else { None }),
        version: Set(layer.version + 1),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await?)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn policy_entry(
    layer: &layers::Model,
    campaign_id: Option<Uuid>,
    target_type: &'static str,
    target_id: Uuid,
    verdict_id: Uuid,
    event: &str,
    action: &str,
    verdict: &Verdict,
    pending_action_id: Option<Uuid>,
    request: Option<Value>,
) -> AuditEntry {
    AuditEntry {
        id: verdict_id,
        organization_id: layer.organization_id,
        layer_id: Some(layer.id),
        platform: layer.platform.parse().ok(),
        campaign_id,
        target_type: Some(target_type),
        target_id: Some(target_id),
        event: event.to_owned(),
        action: action.to_owned(),
        verdict: verdict.clone(),
        pending_action_id,
        request,
        dispatch_holder: None,
    }
}

pub(super) fn policy_settle(outcome: Result<PolicyResult, Failure>) -> Result<PolicyResult, ApiError> {
    match outcome {
        Ok(result) => Ok(result),
        Err(Failure::User(error)) => Ok(PolicyResult::rejected(error)),
        Err(Failure::Api(error)) => Err(error),
    }
}
