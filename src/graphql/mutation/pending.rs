//! Approving and rejecting pending actions, one at a time or in bulk.

use async_graphql::{Context, ID, Object};

use super::payloads::{BulkPendingActionPayload, PendingActionResult, RejectPayload};
use super::{WritePayload, answer, validate, writer};
use crate::domain::UserErrorCode;
use crate::error::{ApiError, UserError};
use crate::ids::NodeKind;
use crate::service::WriteResult;

/// The most ids a bulk approval or rejection takes.
pub const MAX_BULK: usize = 100;

/// Approvals and rejections.
#[derive(Default, Debug)]
pub struct PendingMutations;

#[Object]
impl PendingMutations {
    /// Approves a pending action: checked again (kill switch, axis, version, safety), then dispatched.
    /// Of concurrent approvals of one action exactly one wins. Approving a `FAILED` action retries
    /// it: the same checks, a new verdict, and a new dispatch.
    async fn approve_pending_action(
        &self,
        ctx: &Context<'_>,
        id: ID,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<WritePayload> {
        let (caller, services) = writer(ctx)?;
        let id = validate::id(NodeKind::PendingAction, "id", &id).map_err(UserError::at_argument);
        answer(id, async |id| services.approve(caller, id, dry_run.unwrap_or(false)).await).await
    }

    /// Rejects a pending (or `FAILED`) action, with an optional reason.
    async fn reject_pending_action(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
        dry_run: Option<bool>,
    ) -> async_graphql::Result<RejectPayload> {
        let (caller, services) = writer(ctx)?;
        let parsed = validate::id(NodeKind::PendingAction, "id", &id)
            .and_then(|id| Ok((id, validate::note("reason", reason)?)))
            .map_err(UserError::at_argument);
        let dry_run = dry_run.unwrap_or(false);
        answer(parsed, async |(id, reason)| services.reject(caller, id, reason, dry_run).await).await
    }

    /// Approves up to 100 pending actions, one verdict per id, in order.
    async fn approve_pending_actions(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<BulkPendingActionPayload> {
        let (caller, services) = writer(ctx)?;
        if let Some(payload) = too_many(&ids) {
            return Ok(payload);
        }
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            let result =
                match validate::id(NodeKind::PendingAction, "ids", &id).map_err(UserError::at_argument) {
                    Ok(uuid) => item(services.approve(caller, uuid, false).await),
                    Err(error) => WriteResult::rejected(error),
                };
            results.push(PendingActionResult::new(id, result));
        }
        Ok(BulkPendingActionPayload { results, user_errors: Vec::new() })
    }

    /// Rejects up to 100 pending actions, one verdict per id, in order.
    async fn reject_pending_actions(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        reason: Option<String>,
    ) -> async_graphql::Result<BulkPendingActionPayload> {
        let (caller, services) = writer(ctx)?;
        if let Some(payload) = too_many(&ids) {
            return Ok(payload);
        }
        let reason = match validate::note("reason", reason).map_err(UserError::at_argument) {
            Ok(reason) => reason,
            Err(error) => {
                return Ok(BulkPendingActionPayload { results: Vec::new(), user_errors: vec![error.into()] });
            }
        };
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            let result =
                match validate::id(NodeKind::PendingAction, "ids", &id).map_err(UserError::at_argument) {
                    Ok(uuid) => item(services.reject(caller, uuid, reason.clone(), false).await),
                    Err(error) => WriteResult::rejected(error),
                };
            results.push(PendingActionResult::new(id, result));
        }
        Ok(BulkPendingActionPayload { results, user_errors: Vec::new() })
    }
}

/// One item of a bulk call: an error on one item is that item's answer, not the whole call's.
fn item(outcome: Result<WriteResult, ApiError>) -> WriteResult {
    outcome.unwrap_or_else(|error| {
        if let ApiError::Internal(detail) = &error {
            tracing::error!(detail = %detail, "bulk item failed");
        }
        WriteResult::rejected(UserError::general(error.user_error_code(), error.client_message()))
    })
}

fn too_many(ids: &[ID]) -> Option<BulkPendingActionPayload> {
    (ids.len() > MAX_BULK).then(|| BulkPendingActionPayload {
        results: Vec::new(),
        user_errors: vec![
            UserError::argument("ids", UserErrorCode::TooManyIds, format!("at most {MAX_BULK} ids per call"))
                .into(),
        ],
    })
}
