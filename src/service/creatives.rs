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

use chrono::Utc;
use entity::{ads, ads_content, content_containers, organizations};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

pub use generation::{GENERATION_FORBIDDEN, GenerationOutcome, SANDBOX_GENERATION_DELAY, SANDBOX_MEDIA_BASE};

use super::{Caller, Failure, Services, VerdictRecord};
use crate::domain::gate::{Decision, Verdict};
use crate::domain::lifecycle::{self, OverrideMode, Transition, TransitionError, TransitionFacts};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::store::audit::{self, AuditEntry};

/// A creative as stored: its content container and, once generated, its ads-content row.
pub type CreativeRows = (content_containers::Model, Option<ads_content::Model>);

/// What a creative library change answered.
#[derive(Debug, Clone, Default)]
pub struct CreativeResult {
    /// The decision on who may make the change; absent when the input was rejected first.
    pub verdict: Option<VerdictRecord>,
    /// The creative changed (or created), as it is now.
    pub creative: Option<CreativeRows>,
    /// The organization's approval policy as it is now, for policy changes.
    pub requires_approval: Option<bool>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
}

impl CreativeResult {
    /// A result that is only a user error.
    pub fn rejected(error: UserError) -> Self {
        CreativeResult { user_errors: vec![error], ..Default::default() }
    }
}

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
        requires_approval: bool,
        dry_run: bool,
    ) -> Result<CreativeResult, ApiError> {
        settle(self.approval_policy_inner(caller, requires_approval, dry_run).await)
    }

    async fn approval_policy_inner(
        &self,
        caller: &Caller,
        requires: bool,
        dry_run: bool,
    ) -> Result<CreativeResult, Failure> {
        let org = caller.organization_id;
        let txn = self.db.begin().await?;
        let current = organizations::Entity::find_by_id(org)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::Forbidden("the organization no longer exists".to_owned()))?;
        let verdict = lifecycle::decide_approval_policy(caller.kind);
        let allowed = verdict.decision == Decision::Allow;
        if dry_run {
            txn.rollback().await?;
            return Ok(CreativeResult {
                verdict: Some(VerdictRecord::new(Uuid::now_v7(), &verdict, true)),
                requires_approval: Some(current.requires_approval),
                ..Default::default()
            });
        }
        let request = json!({ "requires_approval": requires, "before": current.requires_approval });
        let entry = creative_entry(
            org,
            "organization",
            Some(org),
            "creative.approval_policy_updated",
            &verdict,
            request,
        );
        let row = audit::insert(&txn, caller, entry).await?;
        if allowed {
            organizations::ActiveModel {
                id: Set(org),
                requires_approval: Set(requires),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
        self.commit(txn, Event::for_audit_row(&row)).await?;
        Ok(CreativeResult {
            verdict: Some(VerdictRecord::new(row.id, &verdict, false)),
            requires_approval: Some(if allowed { requires } else { current.requires_approval }),
            ..Default::default()
        })
    }

    /// Applies a manual `change` to creative `id` of the caller's organization: customers, and
    /// partners with `ads:write`.
    pub async fn change_creative(
        &self,
        caller: &Caller,
        id: Uuid,
        change: CreativeChange,
        dry_run: bool,
    ) -> Result<CreativeResult, ApiError> {
        settle(self.change_creative_inner(caller, id, change, dry_run).await)
    }

    async fn change_creative_inner(
        &self,
        caller: &Caller,
        id: Uuid,
        change: CreativeChange,
        dry_run: bool,
    ) -> Result<CreativeResult, Failure> {
        let org = caller.organization_id;
        let txn = self.db.begin().await?;
        let (container, content) = locked_creative(&txn, org, id).await?;
        let verdict = lifecycle::decide_creative_change(caller.kind, &caller.scopes);
        let before = snapshot(&container, content.as_ref());
        if verdict.decision != Decision::Allow {
            let entry = creative_entry(org, "creative", Some(id), change.event(), &verdict, before);
            return self.record(txn, caller, entry, &verdict, (container, content), dry_run).await;
        }
        let facts = TransitionFacts {
            container_status: &container.status,
            approval_status: &container.approval_status,
            archived: content.as_ref().is_some_and(|c| c.archived_at.is_some()),
            active_ads: active_ads(&txn, org, id).await?,
        };
        lifecycle::check_transition(&facts, change.transition()).map_err(transition_error)?;
        let now = Utc::now();
        let mut container = container;
        if let Some(approval) = change.transition().target_approval() {
            container = content_containers::ActiveModel {
                id: Set(id),
                approval_status: Set(approval.to_owned()),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
        let content = match (change, content) {
            (CreativeChange::SetOverride(mode), Some(content)) => Some(
                ads_content::ActiveModel {
                    id: Set(content.id),
                    override_mode: Set(mode.map(|m| m.as_str().to_owned())),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .update(&txn)
                .await?,
            ),
            (CreativeChange::Archive, Some(content)) => Some(
                ads_content::ActiveModel {
                    id: Set(content.id),
                    archived_at: Set(Some(now)),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .update(&txn)
                .await?,
            ),
            (CreativeChange::SetOverride(_) | CreativeChange::Archive, None) => {
                return Err(ApiError::internal(format!("completed creative {id} has no ads content")).into());
            }
            (_, content) => content,
        };
        let request = json!({ "before": before, "after": snapshot(&container, content.as_ref()) });
        let entry = creative_entry(org, "creative", Some(id), change.event(), &verdict, request);
        self.record(txn, caller, entry, &verdict, (container, content), dry_run).await
    }

    /// Writes the audit row of a decision on a creative, commits, and answers with the creative.
    /// A dry run rolls everything back and answers with the creative as the change would leave it.
    async fn record(
        &self,
        txn: DatabaseTransaction,
        caller: &Caller,
        entry: AuditEntry,
        verdict: &Verdict,
        creative: CreativeRows,
        dry_run: bool,
    ) -> Result<CreativeResult, Failure> {
        if dry_run {
            txn.rollback().await?;
            return Ok(CreativeResult {
                verdict: Some(VerdictRecord::new(Uuid::now_v7(), verdict, true)),
                creative: Some(creative),
                ..Default::default()
            });
        }
        let row = audit::insert(&txn, caller, entry).await?;
        self.commit(txn, Event::for_audit_row(&row)).await?;
        Ok(CreativeResult {
            verdict: Some(VerdictRecord::new(row.id, verdict, false)),
            creative: Some(creative),
            ..Default::default()
        })
    }
}

/// Creative `id` of `org` with its ads-content row, the container locked for update on
/// PostgreSQL (changes to one creative queue up here); not found is a user error.
async fn locked_creative(txn: &DatabaseTransaction, org: Uuid, id: Uuid) -> Result<CreativeRows, Failure> {
    let container = content_containers::Entity::find_by_id(id)
        .filter(content_containers::Column::OrganizationId.eq(org))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| UserError::not_found("creativeId", "creative"))?;
    let content =
        ads_content::Entity::find().filter(ads_content::Column::ContentContainerId.eq(id)).one(txn).await?;
    Ok((container, content))
}

/// How many active ads show creative `id`.
async fn active_ads(txn: &DatabaseTransaction, org: Uuid, id: Uuid) -> Result<u32, Failure> {
    let count = ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::ContentContainerId.eq(id))
        .filter(ads::Column::Status.eq("active"))
        .count(txn)
        .await?;
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

fn settle(outcome: Result<CreativeResult, Failure>) -> Result<CreativeResult, ApiError> {
    match outcome {
        Ok(result) => Ok(result),
        Err(Failure::User(error)) => Ok(CreativeResult::rejected(error)),
        Err(Failure::Api(error)) => Err(error),
    }
}
