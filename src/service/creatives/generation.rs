//! Generation: starting a draft (new, or regenerated from an existing creative), and the
//! generation workflow reporting a draft completed or failed, by hand (a system actor) or, in
//! sandbox mode, by a background task that completes drafts after a delay.
//!
//! A report moves a container out of `processing` with one compare-and-set update, so two
//! reports (or two sandbox instances) racing on one draft settle in the database: exactly one
//! wins, the other gets `NOT_PROCESSING`.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use super::{creative_entry, locked_creative, record, snapshot, transition_error};
use crate::domain::gate::Decision;
use crate::domain::lifecycle::{self, Transition};
use crate::error::ApiError;
use crate::service::{Caller, CreativeRows, Failure, Services, WriteResult};
use crate::store::creatives::{self as store, Generated, NewDraft};
use crate::store::organizations;

/// Where the sandbox serves the media of the creatives it generates.
pub const SANDBOX_MEDIA_BASE: &str = "https://media.sandbox.invalid/creatives";

/// How old a draft must be before the sandbox completes it.
pub const SANDBOX_GENERATION_DELAY: Duration = Duration::from_secs(5);

/// The message of the `FORBIDDEN` answer to a generation report from anyone but a system actor.
pub const GENERATION_FORBIDDEN: &str =
    "only the generation workflow (a system actor) reports generation outcomes";

/// How many due drafts one sandbox pass completes at most.
const SANDBOX_BATCH: u64 = 100;

/// What the generation workflow reports for a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerationOutcome {
    /// Generated: the media is served from `media_url`.
    Completed {
        /// Where the finished media is served from.
        media_url: String,
    },
    /// Generation failed, for `reason`.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Services {
    /// Starts a draft named `name` (a `processing` container) for the workflow to generate:
    /// customers, and partners with `ads:write`.
    pub async fn create_creative_draft(
        &self,
        caller: &Caller,
        name: String,
    ) -> Result<WriteResult, ApiError> {
        self.decide(false, async |txn| draft(txn, caller, name, None).await).await
    }

    /// Starts a new draft from creative `parent_id` (completed or failed), its parent; named
    /// `name`, or after the parent.
    pub async fn regenerate_creative(
        &self,
        caller: &Caller,
        parent_id: Uuid,
        name: Option<String>,
    ) -> Result<WriteResult, ApiError> {
        self.decide(false, async |txn| draft(txn, caller, name.unwrap_or_default(), Some(parent_id)).await)
            .await
    }

    /// Records the generation workflow's outcome for draft `id`: a system actor only (anyone
    /// else is `FORBIDDEN`). Completed: the container is `completed`, its ads-content row is
    /// created (score 7.0, pool `generated`), and its approval status follows the organization's
    /// policy now. Failed: the container is `failed` with the reason, and no ads-content row is
    /// made, so the optimizer never sees it. Only a `processing` draft can be reported.
    pub async fn complete_creative_generation(
        &self,
        caller: &Caller,
        id: Uuid,
        outcome: GenerationOutcome,
    ) -> Result<WriteResult, ApiError> {
        let Some(verdict) = lifecycle::decide_generation_report(caller.kind) else {
            return Err(ApiError::Forbidden(GENERATION_FORBIDDEN.to_owned()));
        };
        self.decide(false, async |txn| {
            let org = caller.organization_id;
            let (container, _) = locked_creative(txn, org, id).await?;
            lifecycle::check_completion(&container.status).map_err(transition_error)?;
            let (container, content) = complete(txn, org, id, &outcome).await?;
            let event = if content.is_some() {
                "creative.generation_completed"
            } else {
                "creative.generation_failed"
            };
            let request = json!({
                "before": { "status": "processing" },
                "after": snapshot(&container, content.as_ref()),
                "media_url": container.media_url,
                "failure_reason": container.failure_reason,
            });
            let entry = creative_entry(org, "creative", Some(id), event, &verdict, request);
            let mut result = record(txn, caller, entry, &verdict, false).await?;
            result.creative = Some((container, content));
            Ok(result)
        })
        .await
    }

    /// Completes every draft created at least `delay` ago with a fake media URL, as the sandbox
    /// generation workflow (a system actor), through the same path as a reported completion.
    /// Returns how many it completed.
    pub async fn complete_due_drafts(&self, delay: Duration) -> Result<usize, ApiError> {
        let cutoff = Utc::now() - chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        let due = store::drafts_created_before(&self.db, cutoff, SANDBOX_BATCH).await?;
        let mut completed = 0;
        for draft in due {
            let caller = Caller::system(draft.organization_id, "sandbox-generation");
            let media_url = format!("{SANDBOX_MEDIA_BASE}/{}.mp4", draft.id);
            let outcome = GenerationOutcome::Completed { media_url };
            let result = self.complete_creative_generation(&caller, draft.id, outcome).await?;
            if result.user_errors.is_empty() {
                completed += 1;
            }
        }
        Ok(completed)
    }

    /// Sandbox mode: completes drafts older than `delay` (see [`SANDBOX_GENERATION_DELAY`]),
    /// checking a few times per delay, until the runtime stops. Several instances may run it: each
    /// draft is completed once.
    pub fn spawn_sandbox_generation(&self, delay: Duration) -> tokio::task::JoinHandle<()> {
        let every = (delay / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
        self.spawn_periodic(every, crate::service::periodic::FirstRun::Now, move |services| async move {
            match services.complete_due_drafts(delay).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "sandbox completed creative drafts"),
                Err(error) => tracing::warn!(?error, "sandbox generation pass failed"),
            }
        })
    }
}

/// Starts a draft named `name`, from creative `parent_id` if given, for `caller`: audited, and
/// denied to those who may not change creatives.
async fn draft(
    txn: &DatabaseTransaction,
    caller: &Caller,
    name: String,
    parent_id: Option<Uuid>,
) -> Result<WriteResult, Failure> {
    let org = caller.organization_id;
    let parent = match parent_id {
        Some(id) => Some(locked_creative(txn, org, id).await?.0),
        None => None,
    };
    let verdict = lifecycle::decide_creative_change(caller.kind, &caller.scopes);
    let event = if parent.is_some() { "creative.regenerated" } else { "creative.draft_created" };
    if verdict.decision != Decision::Allow {
        let request = json!({ "name": name, "parent_id": parent_id });
        let entry = creative_entry(org, "creative", parent_id, event, &verdict, request);
        return record(txn, caller, entry, &verdict, false).await;
    }
    let name = match &parent {
        Some(parent) => {
            let facts = lifecycle::TransitionFacts { container_status: &parent.status, ..Default::default() };
            lifecycle::check_transition(&facts, Transition::Regenerate).map_err(transition_error)?;
            if name.is_empty() { regenerated_name(&parent.name) } else { name }
        }
        None => name,
    };
    let requires = requires_approval(txn, org).await?;
    let new = NewDraft {
        organization_id: org,
        name,
        approval_status: lifecycle::approval_after_generation(requires),
        parent_id,
    };
    let draft = store::insert_draft(txn, new).await?;
    let request = json!({ "name": draft.name, "parent_id": parent_id });
    let entry = creative_entry(org, "creative", Some(draft.id), event, &verdict, request);
    let mut result = record(txn, caller, entry, &verdict, false).await?;
    result.creative = Some((draft, None));
    Ok(result)
}

/// Moves draft `id` out of `processing` as `outcome` says, in one compare-and-set update (a
/// second report finds it moved: `NOT_PROCESSING`); a completed draft gets its ads-content row.
async fn complete(
    txn: &DatabaseTransaction,
    org: Uuid,
    id: Uuid,
    outcome: &GenerationOutcome,
) -> Result<CreativeRows, Failure> {
    let requires = requires_approval(txn, org).await?;
    let approval_status = lifecycle::approval_after_generation(requires);
    let generated = match outcome {
        GenerationOutcome::Completed { media_url } => Generated {
            status: "completed",
            media_url: Some(media_url.clone()),
            failure_reason: None,
            completed_at: Some(Utc::now()),
            approval_status,
        },
        GenerationOutcome::Failed { reason } => Generated {
            status: "failed",
            media_url: None,
            failure_reason: Some(reason.clone()),
            completed_at: None,
            approval_status,
        },
    };
    if !store::finish_draft(txn, org, id, generated).await? {
        return Err(transition_error(lifecycle::TransitionError::NotProcessing).into());
    }
    let content = match outcome {
        GenerationOutcome::Completed { .. } => Some(store::insert_generated_content(txn, org, id).await?),
        GenerationOutcome::Failed { .. } => None,
    };
    let container = store::container(txn, org, id)
        .await?
        .ok_or_else(|| ApiError::internal("creative vanished while completing"))?;
    Ok((container, content))
}

/// Whether organization `org` requires approval of its content.
async fn requires_approval<C: ConnectionTrait>(conn: &C, org: Uuid) -> Result<bool, Failure> {
    Ok(organizations::requires_approval(conn, org)
        .await?
        .ok_or_else(|| ApiError::internal("organization missing"))?)
}

/// A regenerated draft's default name: its parent's, marked, within the 255-character limit.
fn regenerated_name(parent: &str) -> String {
    const SUFFIX: &str = " (regenerated)";
    let room = crate::domain::campaign::MAX_NAME_CHARS - SUFFIX.chars().count();
    let base: String = parent.chars().take(room).collect();
    format!("{base}{SUFFIX}")
}
