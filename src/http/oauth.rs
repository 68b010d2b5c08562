//! `GET /oauth/{platform}/callback`: where the platforms send the customer back after they
//! authorized (or declined) a connection. The signed `state` authenticates the request; no
//! `Authorization` header is involved.
//!
//! Answers JSON: `200 {"status", "platform", "externalAccountId", "connectedAccountId"}` when the
//! connection is stored, otherwise `{"error": {"code", "message"}}` with `400` (state invalid,
//! expired or used, or the customer declined), `404` (unknown platform), `502` (the platform did
//! not exchange the code) or `500`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::ids::{self, NodeKind};
use crate::service::accounts::CallbackError;
use crate::service::accounts::CallbackParams;

/// The redirect's query string.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    auth_code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_reason: Option<String>,
}

/// Completes a connection from the platform's redirect.
pub async fn callback(
    State(state): State<AppState>,
    Path(platform): Path<String>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let params = CallbackParams {
        code: query.code.or(query.auth_code),
        state: query.state,
        error: query.error.or(query.error_reason),
    };
    match state.services.complete_oauth(&platform, params).await {
        Ok(outcome) => {
            let account = outcome.account;
            let body = json!({
                "status": account.status.to_uppercase(),
                "platform": account.platform.to_uppercase(),
                "externalAccountId": account.external_account_id,
                "connectedAccountId": ids::encode(NodeKind::ConnectedAccount, account.id),
            });
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(error) => refusal(&error),
    }
}

fn refusal(error: &CallbackError) -> Response {
    let status = match error {
        CallbackError::UnknownPlatform => StatusCode::NOT_FOUND,
        CallbackError::Exchange(_) => StatusCode::BAD_GATEWAY,
        CallbackError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    match error {
        CallbackError::Internal(detail) => tracing::error!(detail = ?detail, "OAuth callback failed"),
        other => tracing::warn!(code = other.code(), "OAuth callback refused"),
    }
    let message = match error {
        CallbackError::Internal(_) => "internal error".to_owned(),
        other => other.to_string(),
    };
    (status, Json(json!({ "error": { "code": error.code(), "message": message } }))).into_response()
}
