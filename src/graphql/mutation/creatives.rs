//! The creative library: the approval policy, drafts and regeneration, the generation
//! workflow's report, and the manual transitions of `creative-lifecycle.md`.
//!
//! Input is validated here; who may do what, and which transitions are legal, is decided by the
//! service (`service::creatives`) and answered as a verdict or `userErrors`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::payloads::{UserError as ApiUserError, Verdict};
use super::{answer, validate, writer};
use crate::domain::ActorKind;
use crate::domain::UserErrorCode;
use crate::domain::lifecycle::OverrideMode;
use crate::error::{ApiError, UserError};
use crate::graphql::types::Creative;
use crate::ids::NodeKind;
use crate::service::WriteResult;
use crate::service::creatives::{CreativeChange, GENERATION_FORBIDDEN, GenerationOutcome};

/// The longest media URL accepted.
const MAX_MEDIA_URL_CHARS: usize = 2048;

/// A manual override of the eligible pool.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreativeOverride {
    /// Keep it in the eligible pool (whatever its score).
    Include,
    /// Keep it out of the eligible pool.
    Exclude,
    /// No override.
    None,
}

/// A new draft for the generation workflow.
#[derive(InputObject, Debug, Clone)]
pub struct CreateCreativeDraftInput {
    /// Its name.
    pub name: String,
}

/// The generation workflow's report on a draft.
#[derive(InputObject, Debug, Clone)]
pub struct CompleteCreativeGenerationInput {
    /// The draft.
    pub creative_id: ID,
    /// Whether generation succeeded.
    pub succeeded: bool,
    /// Where the finished media is served from (`http(s)://`); required when it succeeded.
    pub media_url: Option<String>,
    /// Why it failed; required when it did not succeed.
    pub failure_reason: Option<String>,
}

/// The answer to a creative library change.
#[derive(SimpleObject, Debug, Clone)]
pub struct CreativePayload {
    /// Who may make the change, as recorded in the audit row (null when the input was rejected).
    pub verdict: Option<Verdict>,
    /// The creative as it is now (for `regenerateCreative` and `createCreativeDraft`: the new draft).
    pub creative: Option<Creative>,
    /// Expected failures: bad input, an unknown creative, an illegal transition.
    pub user_errors: Vec<ApiUserError>,
}

impl From<WriteResult> for CreativePayload {
    fn from(r: WriteResult) -> Self {
        CreativePayload {
            verdict: r.verdict.map(Into::into),
            creative: r.creative.map(Creative::from),
            user_errors: r.user_errors.into_iter().map(Into::into).collect(),
        }
    }
}

/// The answer to an approval policy change.
#[derive(SimpleObject, Debug, Clone)]
pub struct ApprovalPolicyPayload {
    /// The decision (`customer_only` denials for everyone but the customer).
    pub verdict: Option<Verdict>,
    /// Whether creatives generated from now on need approval, as it is now.
    pub requires_approval: Option<bool>,
    /// Expected failures.
    pub user_errors: Vec<ApiUserError>,
}

impl From<WriteResult> for ApprovalPolicyPayload {
    fn from(r: WriteResult) -> Self {
        ApprovalPolicyPayload {
            verdict: r.verdict.map(Into::into),
            requires_approval: r.requires_approval,
            user_errors: r.user_errors.into_iter().map(Into::into).collect(),
        }
    }
}

/// The creative library.
#[derive(Default, Debug)]
pub struct CreativeMutations;

#[Object]
impl CreativeMutations {
    /// Sets whether creatives need approval before ads may use them (customer only). Creatives
    /// generated from now on start `pending` (or `not_required`); existing ones keep their status.
    async fn update_approval_policy(
        &self,
        ctx: &Context<'_>,
        requires_approval: bool,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<ApprovalPolicyPayload> {
        let (caller, services) = writer(ctx)?;
        Ok(services.update_approval_policy(caller, requires_approval, dry_run.unwrap_or(false)).await?.into())
    }

    /// Starts a draft (a `processing` creative) for the generation workflow. Customers, and
    /// partners with `ads:write`.
    async fn create_creative_draft(
        &self,
        ctx: &Context<'_>,
        input: CreateCreativeDraftInput,
    ) -> async_graphql::Result<CreativePayload> {
        let (caller, services) = writer(ctx)?;
        let name = validate::name("name", &input.name);
        answer(name, async |name| services.create_creative_draft(caller, name).await).await
    }

    /// The generation workflow reports a draft completed or failed. Only a system actor (a token
    /// minted with `token --system`) may: anyone else gets a top-level `FORBIDDEN`. Only a
    /// `processing` draft can be reported (`NOT_PROCESSING`).
    async fn complete_creative_generation(
        &self,
        ctx: &Context<'_>,
        input: CompleteCreativeGenerationInput,
    ) -> async_graphql::Result<CreativePayload> {
        let (caller, services) = writer(ctx)?;
        if caller.kind != ActorKind::System {
            return Err(ApiError::Forbidden(GENERATION_FORBIDDEN.to_owned()).into());
        }
        let parsed = validate::id(NodeKind::Creative, "creativeId", &input.creative_id)
            .and_then(|id| Ok((id, outcome(&input)?)));
        answer(parsed, async |(id, outcome)| services.complete_creative_generation(caller, id, outcome).await)
            .await
    }

    /// Approves a generated creative (`pending` or `rejected` → `approved`): it becomes eligible.
    async fn approve_creative(
        &self,
        ctx: &Context<'_>,
        id: ID,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<CreativePayload> {
        change(ctx, &id, CreativeChange::Approve, dry_run).await
    }

    /// Takes a creative's approval back (`approved` → `pending`): out of the eligible pool until
    /// approved again.
    async fn unapprove_creative(
        &self,
        ctx: &Context<'_>,
        id: ID,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<CreativePayload> {
        change(ctx, &id, CreativeChange::Unapprove, dry_run).await
    }

    /// Rejects a generated creative: never eligible unless approved later.
    async fn reject_creative(
        &self,
        ctx: &Context<'_>,
        id: ID,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<CreativePayload> {
        change(ctx, &id, CreativeChange::Reject, dry_run).await
    }

    /// Keeps a creative permanently in (`INCLUDE`) or out of (`EXCLUDE`) the eligible pool, or
    /// clears the override (`NONE`). `INCLUDE` does not approve it.
    async fn set_creative_override(
        &self,
        ctx: &Context<'_>,
        id: ID,
        mode: CreativeOverride,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<CreativePayload> {
        let mode = match mode {
            CreativeOverride::Include => Some(OverrideMode::Include),
            CreativeOverride::Exclude => Some(OverrideMode::Exclude),
            CreativeOverride::None => None,
        };
        change(ctx, &id, CreativeChange::SetOverride(mode), dry_run).await
    }

    /// Archives a creative for ads: never eligible again, kept for reporting. Its ads must be
    /// paused first (`CREATIVE_HAS_ACTIVE_ADS`).
    async fn archive_creative(
        &self,
        ctx: &Context<'_>,
        id: ID,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<CreativePayload> {
        change(ctx, &id, CreativeChange::Archive, dry_run).await
    }

    /// Starts a new draft from a creative (completed or failed), its parent; returns the draft.
    /// Named `name`, or after its parent.
    async fn regenerate_creative(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
    ) -> async_graphql::Result<CreativePayload> {
        let (caller, services) = writer(ctx)?;
        let parsed = validate::id(NodeKind::Creative, "id", &id)
            .and_then(|id| Ok((id, name.as_deref().map(|n| validate::name("name", n)).transpose()?)));
        answer(parsed.map_err(UserError::at_argument), async |(parent, name)| {
            Ok(at_id(services.regenerate_creative(caller, parent, name).await?))
        })
        .await
    }
}

/// Applies `change` to creative `id` for the caller.
async fn change(
    ctx: &Context<'_>,
    id: &ID,
    change: CreativeChange,
    dry_run: Option<bool>,
) -> async_graphql::Result<CreativePayload> {
    let (caller, services) = writer(ctx)?;
    let id = validate::id(NodeKind::Creative, "id", id).map_err(UserError::at_argument);
    answer(id, async |id| {
        Ok(at_id(services.change_creative(caller, id, change, dry_run.unwrap_or(false)).await?))
    })
    .await
}

/// The service names the creative `input.creativeId`; these mutations take it as argument `id`.
fn at_id(mut result: WriteResult) -> WriteResult {
    for error in &mut result.user_errors {
        if error.field.as_deref() == Some(&["input".to_owned(), "creativeId".to_owned()][..]) {
            error.field = Some(vec!["id".to_owned()]);
        }
    }
    result
}

/// The outcome a report describes, or what is wrong with it.
fn outcome(input: &CompleteCreativeGenerationInput) -> Result<GenerationOutcome, UserError> {
    let reason = validate::note("failureReason", input.failure_reason.clone())?;
    let media_url = input.media_url.as_deref().map(str::trim).filter(|url| !url.is_empty());
    if input.succeeded {
        if reason.is_some() {
            return Err(conflict("failureReason", "a successful generation has no failure reason"));
        }
        let url = media_url.ok_or_else(|| {
            UserError::field(
                "mediaUrl",
                UserErrorCode::MediaUrlRequired,
                "a completed creative needs its media URL",
            )
        })?;
        Ok(GenerationOutcome::Completed { media_url: media_url_checked(url)? })
    } else {
        if media_url.is_some() {
            return Err(conflict("mediaUrl", "a failed generation has no media URL"));
        }
        let reason = reason.ok_or_else(|| {
            UserError::field(
                "failureReason",
                UserErrorCode::FailureReasonRequired,
                "a failed generation needs its reason",
            )
        })?;
        Ok(GenerationOutcome::Failed { reason })
    }
}

/// An `http://` or `https://` URL without whitespace, at most 2,048 characters.
fn media_url_checked(url: &str) -> Result<String, UserError> {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if scheme_ok && clean && url.chars().count() <= MAX_MEDIA_URL_CHARS && url.len() > "https://".len() {
        Ok(url.to_owned())
    } else {
        Err(UserError::field(
            "mediaUrl",
            UserErrorCode::MediaUrlInvalid,
            "the media URL must be an http(s) URL of at most 2048 characters",
        ))
    }
}

fn conflict(field: &str, message: &str) -> UserError {
    UserError::field(field, UserErrorCode::OutcomeConflict, message)
}
