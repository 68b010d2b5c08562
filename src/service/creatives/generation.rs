//! Generation: starting a draft (new, or regenerated from an existing creative), and the
//! generation workflow reporting a draft completed or failed, by hand (a system actor) or, in
//! sandbox mode, by a background task that completes drafts after a delay.
//!
//! A report moves a container out of `processing` with one compare-and-set update, so two
//! reports (or two sandbox instances) racing on one draft settle in the database: exactly one
//! wins, the other gets `NOT_PROCESSING`.

use std::time::Duration;

use chrono::Utc;
use entity::{ads_content, content_containers, organizations};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{creative_entry, locked_creative, record, snapshot, transition_error};
use crate::domain::gate::Decision;
use crate::domain::lifecycle::{self, Transition};
use crate::error::ApiError;
use crate::service::{Caller, CreativeRows, Failure, Services, WriteResult};

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
        let due = content_containers::Entity::find()
            .filter(content_containers::Column::Status.eq("processing"))
            .filter(content_containers::Column::CreatedAt.lte(cutoff))
            .order_by_asc(content_containers::Column::Id)
            .limit(SANDBOX_BATCH)
            .all(&self.db)
            .await?;
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
    let now = Utc::now();
    let draft = content_containers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        name: Set(name),
        status: Set("processing".to_owned()),
        approval_status: Set(lifecycle::approval_after_generation(requires).to_owned()),
        parent_id: Set(parent_id),
        media_url: Set(None),
        failure_reason: Set(None),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
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
    let now = Utc::now();
    let (status, media_url, reason, completed_at) = match outcome {
        GenerationOutcome::Completed { media_url } => ("completed", Some(media_url.clone()), None, Some(now)),
        GenerationOutcome::Failed { reason } => ("failed", None, Some(reason.clone()), None),
    };
    let moved = content_containers::Entity::update_many()
        .col_expr(content_containers::Column::Status, Expr::value(status))
        .col_expr(content_containers::Column::MediaUrl, Expr::value(media_url))
        .col_expr(content_containers::Column::FailureReason, Expr::value(reason))
        .col_expr(content_containers::Column::CompletedAt, Expr::value(completed_at))
        .col_expr(
            content_containers::Column::ApprovalStatus,
            Expr::value(lifecycle::approval_after_generation(requires)),
        )
        .col_expr(content_containers::Column::UpdatedAt, Expr::value(now))
        .filter(content_containers::Column::Id.eq(id))
        .filter(content_containers::Column::OrganizationId.eq(org))
        .filter(content_containers::Column::Status.eq("processing"))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(transition_error(lifecycle::TransitionError::NotProcessing).into());
    }
    let content = match outcome {
        GenerationOutcome::Completed { .. } => Some(generated_content(org, id).insert(txn).await?),
        GenerationOutcome::Failed { .. } => None,
    };
    let container = content_containers::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("creative vanished while completing"))?;
    Ok((container, content))
}

/// Whether organization `org` requires approval of its content.
async fn requires_approval<C: sea_orm::ConnectionTrait>(conn: &C, org: Uuid) -> Result<bool, Failure> {
    let org = organizations::Entity::find_by_id(org)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("organization missing"))?;
    Ok(org.requires_approval)
}

/// The ads-content row a completed generation creates.
fn generated_content(org: Uuid, container_id: Uuid) -> ads_content::ActiveModel {
    let now = Utc::now();
    ads_content::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        content_container_id: Set(container_id),
        organic_score: Set(7.0),
        scoring_pool: Set("generated".to_owned()),
        override_mode: Set(None),
        flagged_reason: Set(None),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// A regenerated draft's default name: its parent's, marked, within the 255-character limit.
fn regenerated_name(parent: &str) -> String {
    const SUFFIX: &str = " (regenerated)";
    let room = crate::domain::campaign::MAX_NAME_CHARS - SUFFIX.chars().count();
    let base: String = parent.chars().take(room).collect();
    format!("{base}{SUFFIX}")
}
