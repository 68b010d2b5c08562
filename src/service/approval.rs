//! Approving and rejecting pending actions (README.md, "The gate": approving a pending action is gated again).
//!
//! The action row is locked for the length of the deciding transaction, so concurrent approvals
//! of one action queue up: the first moves it out of `pending`, every later one sees that and is
//! denied `not_pending`. A winning approval of an ad write is dispatched after the commit.

use chrono::Utc;
use entity::pending_actions;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::dispatch::Dispatch;
use super::prepare::prepare;
use super::write::AdWrite;
use super::{Caller, Failure, Services, VerdictRecord, WriteResult};
use crate::domain::authority::Axis;
use crate::domain::gate::{self, ApprovalInput, ApprovalVerdict, Decision, PendingStatus};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::store::audit::{self, AuditEntry};
use crate::store::codes::PendingCodes;
use crate::store::pending::{self, Resolution};

impl Services {
    /// Approves pending action `id`: checks it again and, if it still holds, dispatches it.
    /// With `dry_run`, only the verdict is computed.
    pub async fn approve(&self, caller: &Caller, id: Uuid, dry_run: bool) -> Result<WriteResult, ApiError> {
        self.decide(dry_run, async |txn| {
            let (action, status) = self.load_for_resolution(txn, caller, id).await?;
            if action.is_policy {
                return self.approve_policy(txn, caller, action, status, dry_run).await;
            }
            let write: AdWrite = serde_json::from_value(action.after.clone())?;
            let proposer = action.proposed_by()?;
            let prepared = match prepare(txn, caller.organization_id, proposer, &write).await {
                Ok(prepared) => prepared,
                Err(Failure::User(error)) if error.code == crate::domain::UserErrorCode::NotFound => {
                    let decided = target_gone(caller, status, action.axis()?);
                    let resolution = Resolving { action, status, decided, dry_run };
                    return self
                        .resolve(txn, caller, resolution, "pending_action.approval_denied", None)
                        .await;
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
            let record = VerdictRecord::fresh(&decided.verdict, dry_run);
            let mut result = super::gatekeeper::targets(&prepared, record.clone());
            if dry_run {
                result.pending_action = Some(action);
                return Ok(result);
            }
            let allowed = decided.verdict.decision == Decision::Allow;
            let mut entry =
                super::gatekeeper::entry(&write, &prepared, record.id, &decided.verdict, Some(action.id));
            entry.event = approval_event(&decided).to_owned();
            if allowed {
                entry.dispatch_holder = Some(self.holder.clone());
            }
            let resolving = Resolving { action, status, decided, dry_run };
            let (action, events) = settle(txn, caller, &resolving, entry, None).await?;
            result.events = events;
            if allowed {
                // The dispatch moves the action on (dispatched, failed, or pending again when the
                // kill switch was tripped meanwhile) in the transaction that records its outcome.
                result.dispatch =
                    Some(Box::new(Dispatch::new(caller, write, prepared, record, Some(action.id))));
            }
            result.pending_action = Some(action);
            Ok(result)
        })
        .await
    }

    /// Rejects pending action `id`, with an optional note. With `dry_run`, only the verdict is computed.
    pub async fn reject(
        &self,
        caller: &Caller,
        id: Uuid,
        note: Option<String>,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        self.decide(dry_run, async |txn| {
            let (action, status) = self.load_for_resolution(txn, caller, id).await?;
            let decided = gate::decide_rejection(caller.kind, &caller.scopes, status, action.is_policy);
            let event = if decided.verdict.decision == Decision::Allow {
                "pending_action.rejected"
            } else {
                "pending_action.rejection_denied"
            };
            self.resolve(txn, caller, Resolving { action, status, decided, dry_run }, event, note).await
        })
        .await
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
        let mut status = action.status()?;
        if status == PendingStatus::Pending && action.expires_at.to_utc() <= Utc::now() {
            pending::transition(txn, action.id, PendingStatus::Pending, PendingStatus::Expired, None).await?;
            status = PendingStatus::Expired;
        }
        Ok((action, status))
    }

    /// Records a resolution decided on the action alone (a rejection, an approval refused
    /// without the write's target state, a policy change) as `event`, with `note` as the
    /// reason. A dry run records nothing.
    pub(crate) async fn resolve(
        &self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        resolving: Resolving,
        event: &str,
        note: Option<String>,
    ) -> Result<WriteResult, Failure> {
        let record = VerdictRecord::fresh(&resolving.decided.verdict, resolving.dry_run);
        let verdict_id = record.id;
        let mut result = WriteResult::decided(record);
        if resolving.dry_run {
            result.pending_action = Some(resolving.action);
            return Ok(result);
        }
        let entry = resolution_entry(&resolving.action, verdict_id, &resolving.decided, event)?;
        let (action, events) = settle(txn, caller, &resolving, entry, note).await?;
        result.events = events;
        result.pending_action = Some(action);
        Ok(result)
    }
}

/// Records a resolution: its audit row `entry`, and the action moved to the verdict's next
/// status with who resolved it (and `note`, or the verdict's reason). Returns the action as it
/// is now, and the events of both.
async fn settle(
    txn: &DatabaseTransaction,
    caller: &Caller,
    resolving: &Resolving,
    entry: AuditEntry,
    note: Option<String>,
) -> Result<(pending_actions::Model, Vec<Event>), Failure> {
    let Resolving { action, status, decided, .. } = resolving;
    let before = action.status()?;
    let row = audit::insert(txn, caller, entry).await?;
    if decided.next_status != *status {
        let reason = note.or_else(|| decided.verdict.reason_code());
        let resolution = Resolution { caller, verdict_id: row.id, reason };
        pending::transition(txn, action.id, *status, decided.next_status, Some(resolution)).await?;
    }
    let action = pending::find(txn, caller.organization_id, action.id)
        .await?
        .ok_or_else(|| Failure::Api(ApiError::internal("pending action vanished")))?;
    let mut events = Event::for_audit_row(&row);
    if action.status != before.as_str() {
        events.push(Event::pending_changed(&action));
    }
    Ok((action, events))
}

/// A pending action being resolved: as loaded (locked), its status now, and the verdict on it.
pub(crate) struct Resolving {
    pub action: pending_actions::Model,
    pub status: PendingStatus,
    pub decided: ApprovalVerdict,
    pub dry_run: bool,
}

/// The verdict on approving an action whose target no longer exists: the approver and status
/// checks still come first; past them the action can never apply, so it is cancelled.
fn target_gone(caller: &Caller, status: PendingStatus, axis: Option<Axis>) -> ApprovalVerdict {
    let checked = gate::decide_rejection(caller.kind, &caller.scopes, status, false);
    if checked.verdict.decision == Decision::Deny {
        return ApprovalVerdict { next_status: status, ..checked };
    }
    let verdict = gate::Verdict {
        decision: Decision::Deny,
        reason: Some(gate::DenyReason::TargetMissing),
        axis,
        trace: vec![
            "tenancy=target_missing".to_owned(),
            format!("pending_status={}", status.as_str()),
            "decided_by=tenancy".to_owned(),
        ],
    };
    ApprovalVerdict { verdict, next_status: PendingStatus::Cancelled }
}

fn approval_event(decided: &ApprovalVerdict) -> &'static str {
    match decided.verdict.decision {
        Decision::Allow => "pending_action.approved",
        _ => "pending_action.approval_denied",
    }
}

/// The audit row of a resolution decided on the action alone.
fn resolution_entry(
    action: &pending_actions::Model,
    verdict_id: Uuid,
    decided: &ApprovalVerdict,
    event: &str,
) -> Result<AuditEntry, Failure> {
    let platform = action.platform()?;
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
