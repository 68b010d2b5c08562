//! The HTTP surface: `/graphql` (POST and GET; a GET that asks for a WebSocket upgrade goes to
//! `ws`), `/graphiql`, `/healthz`.
//!
//! Authenticates each request from its `Authorization` header and hands it to the GraphQL layer.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::auth::{self, AuthError, JwtKeys};
use crate::graphql::{self, AppSchema, RequestAuth};
use crate::service::{Caller, Services};
use crate::ws::WsHub;

/// What every handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The schema.
    pub schema: AppSchema,
    /// The services.
    pub services: Services,
    /// Customer token keys.
    pub jwt: std::sync::Arc<JwtKeys>,
}

/// The router, with the default WebSocket settings.
pub fn router(state: AppState) -> Router {
    router_with_ws(state, WsHub::default())
}

/// The router, serving WebSockets with `ws` (its settings and this instance's counters).
pub fn router_with_ws(state: AppState, ws: WsHub) -> Router {
    Router::new()
        .route("/graphql", get(graphql_handler).post(graphql_handler))
        .route("/graphiql", get(graphiql))
        .route("/healthz", get(|| async { "ok" }))
        .layer(Extension(ws))
        .with_state(state)
}

async fn graphql_handler(
    State(state): State<AppState>,
    Extension(ws): Extension<WsHub>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    if let Ok(upgrade) = upgrade {
        return crate::ws::upgrade(upgrade, &state, &ws);
    }
    let request = match request {
        Ok(request) => request,
        Err(rejection) => return unreadable(rejection),
    };
    let auth = authenticate(&state, &headers).await;
    GraphQLResponse::from(graphql::execute(&state.schema, &state.services, auth, request.into_inner()).await)
        .into_response()
}

/// A request body that is not a GraphQL request: a 400 with a GraphQL-shaped error body.
fn unreadable(rejection: GraphQLRejection) -> Response {
    let message = match &rejection.0 {
        async_graphql::ParseRequestError::PayloadTooLarge => "the request body is too large".to_owned(),
        other => format!("the request is not a GraphQL request: {other}"),
    };
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

async fn graphiql() -> impl IntoResponse {
    // Subscriptions run over WebSocket on `/graphql` too; GraphiQL sends its headers pane as the
    // `connection_init` payload (so `Authorization` works there as on HTTP).
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql")
            .title("Layers dashboard API")
            .finish(),
    )
}

/// Resolves the caller from the `Authorization` header.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> RequestAuth {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return RequestAuth::Anonymous;
    };
    let Some(token) = value.to_str().ok().and_then(auth::bearer_token) else {
        return RequestAuth::Rejected(AuthError::Malformed);
    };
    authenticate_token(&state.services, &state.jwt, token).await
}

/// Resolves the caller of a bearer token: a partner key, or a JWT: a customer's, or a system
/// actor's when it carries `"act": "system"`.
pub async fn authenticate_token(services: &Services, jwt: &JwtKeys, token: &str) -> RequestAuth {
    if auth::is_partner_key(token) {
        return match services.authenticate_partner_key(token).await {
            Ok(Ok(caller)) => RequestAuth::Authenticated(caller),
            Ok(Err(error)) => RequestAuth::Rejected(error),
            Err(error) => {
                tracing::error!(%error, "partner key lookup failed");
                RequestAuth::Unavailable
            }
        };
    }
    match auth::verify_customer_token(jwt, token) {
        Ok(claims) if claims.is_system() => {
            RequestAuth::Authenticated(Caller::system(claims.org, claims.sub))
        }
        Ok(claims) => RequestAuth::Authenticated(Caller::customer(claims.org, claims.sub)),
        Err(error) => RequestAuth::Rejected(error),
    }
}
