//! Approving and rejecting pending actions (README.md, "The gate": approving a pending action is gated again).
//!
//! The action row is locked for the length of the deciding transaction, so concurrent approvals
//! of one action queue up: the first moves it out of `pending`, every later one sees that and is
//! denied `not_pending`. A winning approval of an ad write is dispatched after the commit.

use chrono::Utc;
use entity::pending_actions;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use super::prepare::prepare;
use super::write::AdWrite;
use super::{Caller, Failure, Services, VerdictRecord, WriteResult, settle};
use crate::domain::gate::{self, ApprovalInput, ApprovalVerdict, Decision, PendingStatus};
use crate::domain::{ActorKind, Platform};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::store::audit::{self, AuditEntry};
use crate::store::pending::{self, Resolution};

impl Services {
    /// Approves pending action `id`: checks it again and, if it still holds, dispatches it.
    /// With `dry_run`, only the verdict is computed.
    pub async fn approve(&self, caller: &Caller, id: Uuid, dry_run: bool) -> Result<WriteResult, ApiError> {
        settle(self.approve_inner(caller, id, dry_run).await)
    }

    /// Rejects pending action `id`, with an optional note. With `dry_run`, only the verdict is computed.
    pub async fn reject(
        &self,
        caller: &Caller,
        id: Uuid,
        note: Option<String>,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        settle(self.reject_inner(caller, id, note, dry_run).await)
    }

    async fn approve_inner(&self, caller: &Caller, id: Uuid, dry_run: bool) -> Result<WriteResult, Failure> {
        let txn = self.db.begin().await?;
        let (action, status) = self.load_for_resolution(&txn, caller, id).await?;
        let before: PendingStatus = action.status.parse()?;
        if is_policy_change(&action) {
            return self.approve_policy(txn, caller, action, status, dry_run).await;
        }
        let write: AdWrite = serde_json::from_value(action.after.clone())?;
        let proposer: ActorKind = action.proposed_by_type.parse()?;
        let prepared = match prepare(&txn, caller.organization_id, proposer, &write).await {
            Ok(prepared) => prepared,
            Err(Failure::User(error)) if error.code == crate::domain::UserErrorCode::NotFound => {
                let decided = target_gone(caller, status, action.axis.as_deref())?;
                return self.refuse(txn, caller, action, status, decided, dry_run).await;
            }
            Err(other) => return Err(other),
        };
        let decided = gate::decide_approval(&ApprovalInput {
            actor: caller.kind,
            scopes: &caller.scopes,
            status,
            is_policy: false,
            kill_switch_active: prepared.layer.kill_switch_active,
            axis: Some(write.axis()),
            authority: Some(prepared.authority),
            version_matches: prepared.target_version == action.target_version,
            safety: &prepared.safety,
        });
        if dry_run {
            txn.rollback().await?;
            let record = VerdictRecord::new(Uuid::now_v7(), &decided.verdict, true);
            let mut result = super::gatekeeper::targets(&prepared, record);
            result.pending_action = Some(action);
            return Ok(result);
        }
        let verdict_id = Uuid::now_v7();
        let mut entry =
            super::gatekeeper::entry(&write, &prepared, verdict_id, &decided.verdict, Some(action.id));
        entry.event = approval_event(&decided).to_owned();
        let allowed = decided.verdict.decision == Decision::Allow;
        if allowed {
            entry.dispatch_holder = Some(self.holder.clone());
        }
        let row = audit::insert(&txn, caller, entry).await?;
        let action = self.settle_status(&txn, caller, &action, status, &decided, verdict_id, None).await?;
        let mut events = Event::for_audit_row(&row);
        events.extend(status_events(&action, before));
        self.commit(txn, events).await?;
        let record = VerdictRecord::new(verdict_id, &decided.verdict, false);
        if !allowed {
            let mut result = super::gatekeeper::targets(&prepared, record);
            result.pending_action = Some(action);
            return Ok(result);
        }
        // The dispatch moves the action on (dispatched, failed, or pending again when the kill
        // switch was tripped meanwhile) in the transaction that records its outcome.
        let dispatched = self.dispatch(caller, &write, &prepared, record, Some(action.id)).await;
        let action = pending::find(&self.db, caller.organization_id, action.id).await?;
        let mut result = dispatched?;
        result.pending_action = action;
        Ok(result)
    }

    async fn reject_inner(
        &self,
        caller: &Caller,
        id: Uuid,
        note: Option<String>,
        dry_run: bool,
    ) -> Result<WriteResult, Failure> {
        let txn = self.db.begin().await?;
        let (action, status) = self.load_for_resolution(&txn, caller, id).await?;
        let before: PendingStatus = action.status.parse()?;
        let decided = gate::decide_rejection(caller.kind, &caller.scopes, status, action.is_policy);
        if dry_run {
            txn.rollback().await?;
            return Ok(WriteResult {
                verdict: Some(VerdictRecord::new(Uuid::now_v7(), &decided.verdict, true)),
                pending_action: Some(action),
                ..Default::default()
            });
        }
        let verdict_id = Uuid::now_v7();
        let event = if decided.verdict.decision == Decision::Allow {
            "pending_action.rejected"
        } else {
            "pending_action.rejection_denied"
        };
        let row =
            audit::insert(&txn, caller, resolution_entry(&action, verdict_id, &decided, event)?).await?;
        let action = self.settle_status(&txn, caller, &action, status, &decided, verdict_id, note).await?;
        let mut events = Event::for_audit_row(&row);
        events.extend(status_events(&action, before));
        self.commit(txn, events).await?;
        Ok(WriteResult {
            verdict: Some(VerdictRecord::new(verdict_id, &decided.verdict, false)),
            pending_action: Some(action),
            ..Default::default()
        })
    }

    /// Locks action `id` and returns it with its status, expiring it first if its time is up.
    pub(crate) async fn load_for_resolution(
        &self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(pending_actions::Model, PendingStatus), Failure> {
        let action = pending::find_for_update(txn, caller.organization_id, id)
            .await?
            .ok_or_else(|| UserError::not_found("id", "pending action").at_argument())?;
        let mut status: PendingStatus = action.status.parse()?;
        if status == PendingStatus::Pending && action.expires_at.to_utc() <= Utc::now() {
            pending::transition(txn, action.id, PendingStatus::Pending, PendingStatus::Expired, None).await?;
            status = PendingStatus::Expired;
        }
        Ok((action, status))
    }

    /// Moves the action to the verdict's next status, recording who resolved it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn settle_status(
        &self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        action: &pending_actions::Model,
        status: PendingStatus,
        decided: &ApprovalVerdict,
        verdict_id: Uuid,
        note: Option<String>,
    ) -> Result<pending_actions::Model, Failure> {
        if decided.next_status != status {
            let reason = note.or_else(|| decided.verdict.reason_code());
            let resolution = Resolution { caller, verdict_id, reason };
            pending::transition(txn, action.id, status, decided.next_status, Some(resolution)).await?;
        }
        pending::find(txn, caller.organization_id, action.id)
            .await?
            .ok_or_else(|| Failure::Api(ApiError::internal("pending action vanished")))
    }

    /// Records a refusal decided without the write's target state (the approver may not
    /// approve it, or the target is gone) and answers it.
    async fn refuse(
        &self,
        txn: DatabaseTransaction,
        caller: &Caller,
        action: pending_actions::Model,
        status: PendingStatus,
        decided: ApprovalVerdict,
        dry_run: bool,
    ) -> Result<WriteResult, Failure> {
        let before: PendingStatus = action.status.parse()?;
        if dry_run {
            txn.rollback().await?;
            return Ok(WriteResult {
                verdict: Some(VerdictRecord::new(Uuid::now_v7(), &decided.verdict, true)),
                pending_action: Some(action),
                ..Default::default()
            });
        }
        let verdict_id = Uuid::now_v7();
        let entry = resolution_entry(&action, verdict_id, &decided, "pending_action.approval_denied")?;
        let row = audit::insert(&txn, caller, entry).await?;
        let action = self.settle_status(&txn, caller, &action, status, &decided, verdict_id, None).await?;
        let mut events = Event::for_audit_row(&row);
        events.extend(status_events(&action, before));
        self.commit(txn, events).await?;
        Ok(WriteResult {
            verdict: Some(VerdictRecord::new(verdict_id, &decided.verdict, false)),
            pending_action: Some(action),
            ..Default::default()
        })
    }
}

/// The event of the action's new status, if it changed from `before`.
pub(crate) fn status_events(action: &pending_actions::Model, before: PendingStatus) -> Vec<Event> {
    if action.status == before.as_str() { Vec::new() } else { vec![Event::pending_changed(action)] }
}

/// Whether `action` changes policy (authority or defaults) rather than an ad object.
fn is_policy_change(action: &pending_actions::Model) -> bool {
    action.is_policy
}

/// The verdict on approving an action whose target no longer exists: the approver and status
/// checks still come first; past them the action can never apply, so it is cancelled.
fn target_gone(
    caller: &Caller,
    status: PendingStatus,
    axis: Option<&str>,
) -> Result<ApprovalVerdict, Failure> {
    let checked = gate::decide_rejection(caller.kind, &caller.scopes, status, false);
    if checked.verdict.decision == Decision::Deny {
        return Ok(ApprovalVerdict { next_status: status, ..checked });
    }
    let verdict = gate::Verdict {
        decision: Decision::Deny,
        reason: Some(gate::DenyReason::TargetMissing),
        axis: axis.map(str::parse).transpose()?,
        trace: vec![
            "tenancy=target_missing".to_owned(),
            format!("pending_status={}", status.as_str()),
            "decided_by=tenancy".to_owned(),
        ],
    };
    Ok(ApprovalVerdict { verdict, next_status: PendingStatus::Cancelled })
}

fn approval_event(decided: &ApprovalVerdict) -> &'static str {
    match decided.verdict.decision {
        Decision::Allow => "pending_action.approved",
        _ => "pending_action.approval_denied",
    }
}

/// The audit row of a resolution decided on the action alone.
pub(crate) fn resolution_entry(
    action: &pending_actions::Model,
    verdict_id: Uuid,
    decided: &ApprovalVerdict,
    event: &str,
) -> Result<AuditEntry, Failure> {
    let platform: Platform = action.platform.parse()?;
    Ok(AuditEntry {
        id: verdict_id,
        organization_id: action.organization_id,
        layer_id: Some(action.layer_id),
        platform: Some(platform),
        campaign_id: action.campaign_id,
        target_type: Some("pending_action"),
        target_id: Some(action.id),
        event: event.to_owned(),
        action: action.kind.clone(),
        verdict: decided.verdict.clone(),
        pending_action_id: Some(action.id),
        request: None,
        dispatch_holder: None,
    })
}
