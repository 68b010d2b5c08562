//! The creative library (spec `creative-lifecycle.md`): the organization's approval policy, the
//! manual transitions (approve, un-approve, reject, include/exclude override, archive), and, in
//! `generation`, drafts, regeneration and the generation workflow's report; `listing` reads the
//! library by derived state.
//!
//! Each change reads the creative locked inside a transaction, asks `domain::lifecycle` who may
//! make it and whether it is legal from there, then writes it with its audit row (event and
//! action `creative.<what>`, decision `allow`, or `deny` with the reason) in the same
//! transaction. An illegal transition is a user error and writes nothing. This module must not
//! talk to the platform proxy: no creative change is an ad write.

mod generation;
mod listing;

use entity::{ads_content, content_containers};
use sea_orm::DatabaseTransaction;
use serde_json::{Value, json};
use uuid::Uuid;

pub use generation::{GENERATION_FORBIDDEN, GenerationOutcome, SANDBOX_GENERATION_DELAY, SANDBOX_MEDIA_BASE};

use super::{Caller, CreativeRows, Failure, Services, VerdictRecord, WriteResult};
use crate::domain::gate::{Decision, Verdict};
use crate::domain::lifecycle::{self, OverrideMode, Transition, TransitionError, TransitionFacts};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::store::audit::{self, AuditEntry};
use crate::store::{ads, creatives as store, organizations};

/// A manual change to an existing creative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreativeChange {
    /// Approve it.
    Approve,
    /// Take its approval back (`approved` → `pending`).
    Unapprove,
    /// Reject it.
    Reject,
    /// Set (`Some`) or clear (`None`) the include/exclude override.
    SetOverride(Option<OverrideMode>),
    /// Archive it for ads.
    Archive,
}

impl CreativeChange {
    fn transition(self) -> Transition {
        match self {
            CreativeChange::Approve => Transition::Approve,
            CreativeChange::Unapprove => Transition::Unapprove,
            CreativeChange::Reject => Transition::Reject,
            CreativeChange::SetOverride(_) => Transition::SetOverride,
            CreativeChange::Archive => Transition::Archive,
        }
    }

    /// The audit row's event and action.
    fn event(self) -> &'static str {
        match self {
            CreativeChange::Approve => "creative.approved",
            CreativeChange::Unapprove => "creative.unapproved",
            CreativeChange::Reject => "creative.rejected",
            CreativeChange::SetOverride(_) => "creative.override_set",
            CreativeChange::Archive => "creative.archived",
        }
    }
}

impl Services {
    /// Sets whether organization content needs approval before ads may use it. Customer only
    /// (everyone else: `deny`, `customer_only`). It applies to creatives generated from now on.
    pub async fn update_approval_policy(
        &self,
        caller: &Caller,
        requires: bool,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        let org = caller.organization_id;
        self.decide(dry_run, async |txn| {
            let current = organizations::find_for_update(txn, org)
                .await?
                .ok_or_else(|| ApiError::Forbidden("the organization no longer exists".to_owned()))?;
            let verdict = lifecycle::decide_approval_policy(caller.kind);
            let request = json!({ "requires_approval": requires, "before": current.requires_approval });
            let entry = creative_entry(
                org,
                "organization",
                Some(org),
                "creative.approval_policy_updated",
                &verdict,
                request,
            );
            let mut result = record(txn, caller, entry, &verdict, dry_run).await?;
            if result.applied {
                organizations::set_requires_approval(txn, org, requires).await?;
            }
            result.requires_approval =
                Some(if result.applied { requires } else { current.requires_approval });
            Ok(result)
        })
        .await
    }

    /// Applies a manual `change` to creative `id` of the caller's organization: customers, and
    /// partners with `ads:write`.
    pub async fn change_creative(
        &self,
        caller: &Caller,
        id: Uuid,
        change: CreativeChange,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        let org = caller.organization_id;
        self.decide(dry_run, async |txn| {
            let (container, content) = locked_creative(txn, org, id).await?;
            let verdict = lifecycle::decide_creative_change(caller.kind, &caller.scopes);
            let before = snapshot(&container, content.as_ref());
            let (creative, request) = if verdict.decision == Decision::Allow {
                let changed = changed_creative(txn, org, change, (container, content)).await?;
                let request = json!({ "before": before, "after": snapshot(&changed.0, changed.1.as_ref()) });
                (changed, request)
            } else {
                ((container, content), before)
            };
            let entry = creative_entry(org, "creative", Some(id), change.event(), &verdict, request);
            let mut result = record(txn, caller, entry, &verdict, dry_run).await?;
            result.creative = Some(creative);
            Ok(result)
        })
        .await
    }
}

/// Makes `change` to `creative` (locked), if the lifecycle allows it from where it is;
/// returns it as changed.
async fn changed_creative(
    txn: &DatabaseTransaction,
    org: Uuid,
    change: CreativeChange,
    (container, content): CreativeRows,
) -> Result<CreativeRows, Failure> {
    let id = container.id;
    let facts = TransitionFacts {
        container_status: &container.status,
        approval_status: &container.approval_status,
        archived: content.as_ref().is_some_and(|c| c.archived_at.is_some()),
        active_ads: active_ads(txn, org, id).await?,
    };
    lifecycle::check_transition(&facts, change.transition()).map_err(transition_error)?;
    let container = match change.transition().target_approval() {
        Some(approval) => store::set_approval(txn, id, approval).await?,
        None => container,
    };
    let content = match (change, content) {
        (CreativeChange::SetOverride(mode), Some(content)) => {
            Some(store::set_override(txn, content.id, mode).await?)
        }
        (CreativeChange::Archive, Some(content)) => Some(store::archive(txn, content.id).await?),
        (CreativeChange::SetOverride(_) | CreativeChange::Archive, None) => {
            return Err(ApiError::internal(format!("completed creative {id} has no ads content")).into());
        }
        (_, content) => content,
    };
    Ok((container, content))
}

/// Answers a decision on the creative library with its verdict: recorded in `entry`'s audit row,
/// or, for a dry run, under an id never stored; `applied` when the change is allowed and to be
/// made now.
async fn record(
    txn: &DatabaseTransaction,
    caller: &Caller,
    entry: AuditEntry,
    verdict: &Verdict,
    dry_run: bool,
) -> Result<WriteResult, Failure> {
    if dry_run {
        return Ok(WriteResult::decided(VerdictRecord::fresh(verdict, true)));
    }
    let row = audit::insert(txn, caller, entry).await?;
    let mut result = WriteResult::decided(VerdictRecord::new(row.id, verdict, false));
    result.events = Event::for_audit_row(&row);
    result.applied = verdict.decision == Decision::Allow;
    Ok(result)
}

/// Creative `id` of `org` with its ads-content row, the container locked for update on
/// PostgreSQL (changes to one creative queue up here); not found is a user error.
async fn locked_creative(txn: &DatabaseTransaction, org: Uuid, id: Uuid) -> Result<CreativeRows, Failure> {
    Ok(store::find_for_update(txn, org, id)
        .await?
        .ok_or_else(|| UserError::not_found("creativeId", "creative"))?)
}

/// How many active ads show creative `id`.
async fn active_ads(txn: &DatabaseTransaction, org: Uuid, id: Uuid) -> Result<u32, Failure> {
    let count = ads::active_showing(txn, org, id).await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// The facts of a creative an audit row records before and after a change.
fn snapshot(container: &content_containers::Model, content: Option<&ads_content::Model>) -> Value {
    json!({
        "status": container.status,
        "approval_status": container.approval_status,
        "override_mode": content.and_then(|c| c.override_mode.as_deref()),
        "archived_at": content.and_then(|c| c.archived_at),
    })
}

/// The audit row of a creative library decision: event and action are both `event`.
fn creative_entry(
    org: Uuid,
    target_type: &'static str,
    target_id: Option<Uuid>,
    event: &str,
    verdict: &Verdict,
    request: Value,
) -> AuditEntry {
    AuditEntry {
        id: Uuid::now_v7(),
        organization_id: org,
        layer_id: None,
        platform: None,
        campaign_id: None,
        target_type: Some(target_type),
        target_id,
        event: event.to_owned(),
        action: event.to_owned(),
        verdict: verdict.clone(),
        pending_action_id: None,
        request: Some(request),
        dispatch_holder: None,
    }
}

/// An illegal transition as a user error on `creativeId`.
fn transition_error(error: TransitionError) -> UserError {
    UserError::field("creativeId", error.code(), error.to_string())
}
