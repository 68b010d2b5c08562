//! `GET /oauth/{platform}/callback`: where the platforms send the customer back after they
//! authorized (or declined) a connection. The signed `state` authenticates the request; no
//! `Authorization` header is involved.
//!
//! Answers JSON: `200 {"status", "platform", "externalAccountId", "connectedAccountId"}` when the
//! connection is stored, otherwise `{"error": {"code", "message"}}` with `400` (state invalid,
//! expired or used, or the customer declined), `404` (unknown platform), `502` (the platform did
//! not exchange the code) or `500`. With `LAYERS_OAUTH_RETURN_URL` set, the customer's browser is
//! sent back to the dashboard instead (`303 See Other`): `<return url>?platform=meta&status=ACTIVE
//! &connectedAccountId=…` or `?platform=meta&error=OAUTH_STATE_EXPIRED`.

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
    // Detached: the browser leaving mid-exchange must not drop a connection half-stored.
    let (services, path) = (state.services.clone(), platform.clone());
    let outcome = state
        .services
        .detached
        .run(async move { services.complete_oauth(&path, params).await })
        .await
        .unwrap_or_else(|error| {
            Err(CallbackError::Internal(crate::error::ApiError::Internal(error.to_string())))
        });
    if let Some(return_url) = &state.services.accounts.config.return_url {
        return back_to_dashboard(return_url, &platform, &outcome);
    }
    match outcome {
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

/// Sends the browser back to the dashboard with the outcome in the query string.
fn back_to_dashboard(
    return_url: &str,
    platform: &str,
    outcome: &Result<crate::service::accounts::CallbackOutcome, CallbackError>,
) -> Response {
    let Ok(mut url) = reqwest::Url::parse(return_url) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the return URL is not valid").into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("platform", &platform.to_ascii_uppercase());
        match outcome {
            Ok(outcome) => {
                query.append_pair("status", &outcome.account.status.to_uppercase());
                query.append_pair(
                    "connectedAccountId",
                    &ids::encode(NodeKind::ConnectedAccount, outcome.account.id),
                );
            }
            Err(error) => {
                log_refusal(error);
                query.append_pair("error", error.code());
            }
        }
    }
    (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, url.to_string())]).into_response()
}

fn log_refusal(error: &CallbackError) {
    match error {
        CallbackError::Internal(detail) => tracing::error!(detail = ?detail, "OAuth callback failed"),
        other => tracing::warn!(code = other.code(), "OAuth callback refused"),
    }
}

fn refusal(error: &CallbackError) -> Response {
    let status = match error {
        CallbackError::UnknownPlatform => StatusCode::NOT_FOUND,
        CallbackError::Exchange(_) => StatusCode::BAD_GATEWAY,
        CallbackError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    log_refusal(error);
    let message = match error {
        CallbackError::Internal(_) => "internal error".to_owned(),
        other => other.to_string(),
    };
    (status, Json(json!({ "error": { "code": error.code(), "message": message } }))).into_response()
}
