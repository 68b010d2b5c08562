//! The HTTP surface: `/graphql` (POST and GET; a GET that asks for a WebSocket upgrade goes to
//! `ws`), `/graphiql`, `/healthz`, and `/oauth/{platform}/callback` (connected ad accounts).
//!
//! Authenticates each request from its `Authorization` header and hands it to the GraphQL layer;
//! `graphql_http` holds the GraphQL-over-HTTP rules (content negotiation, GET and POST, status
//! codes).

pub mod graphql_http;
pub mod oauth;

use async_graphql::http::GraphiQLSource;
use axum::Extension;
use axum::Router;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use graphql_http::{Incoming, Refusal};

use crate::auth::{self, AuthError, JwtKeys};
use crate::graphql::{self, AppSchema, RequestAuth};
use crate::service::{Caller, Services};
use crate::telemetry;
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
    /// The largest request body read, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// The bearer token `/metrics` requires, if any.
    pub metrics_token: Option<crate::auth::Secret>,
    /// Whether `/graphiql` serves GraphiQL (`LAYERS_GRAPHIQL`; off: 404).
    pub graphiql: bool,
}

/// The router, with the default WebSocket settings.
pub fn router(state: AppState) -> Router {
    router_with_ws(state, WsHub::default())
}

/// The router, serving WebSockets with `ws` (its settings and this instance's counters).
pub fn router_with_ws(state: AppState, ws: WsHub) -> Router {
    telemetry::install();
    let router = Router::new().route("/graphql", any(graphql_handler));
    let router = if state.graphiql { router.route("/graphiql", get(graphiql)) } else { router };
    router
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(axum::extract::DefaultBodyLimit::max(state.max_body_bytes))
        .route("/oauth/{platform}/callback", get(oauth::callback))
        .layer(Extension(ws))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span as fn(&_) -> _))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The span of one request: its id (`x-request-id`, kept if the client sent one), method and
/// path, so every log line of a request names it.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|value| value.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
}

/// The Prometheus exposition (`text/plain; version=0.0.4`). With a metrics token configured,
/// only a request bearing it is served (401 otherwise).
async fn metrics(
    State(state): State<AppState>,
    Extension(ws): Extension<WsHub>,
    headers: HeaderMap,
) -> Response {
    if let Some(expected) = &state.metrics_token {
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(auth::bearer_token);
        // Comparing digests keeps the comparison's timing independent of where the tokens differ.
        let digest = |value: &str| <sha2::Sha256 as sha2::Digest>::digest(value.as_bytes());
        if presented.is_none_or(|token| digest(token) != digest(expected.expose())) {
            return (axum::http::StatusCode::UNAUTHORIZED, "a metrics token is required\n").into_response();
        }
    }
    match telemetry::render(ws.open_connections(), ws.active_subscriptions()) {
        Some(body) => {
            ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
                .into_response()
        }
        None => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "metrics are not available\n").into_response(),
    }
}

/// Ready when the database answers and every migration is applied; 503 with the reason otherwise.
async fn readyz(State(state): State<AppState>) -> Response {
    let db = &state.services.db;
    let ready = match db.ping().await {
        Err(error) => {
            tracing::warn!(%error, "readiness: database unreachable");
            Err("database unreachable")
        }
        Ok(()) => match migration::pending_count(db).await {
            Ok(0) => Ok(()),
            Ok(_) => Err("migrations pending"),
            Err(error) => {
                tracing::warn!(%error, "readiness: migrations unreadable");
                Err("migrations unreadable")
            }
        },
    };
    match ready {
        Ok(()) => {
            (axum::http::StatusCode::OK, axum::Json(serde_json::json!({ "status": "ready" }))).into_response()
        }
        Err(reason) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "unavailable", "reason": reason })),
        )
            .into_response(),
    }
}

/// `/graphql`: a WebSocket upgrade goes to `ws`; GET and POST are read by
/// [`graphql_http::read`], authenticated, admitted and executed.
async fn graphql_handler(
    State(state): State<AppState>,
    Extension(ws): Extension<WsHub>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    request: Request,
) -> Response {
    if let Ok(upgrade) = upgrade {
        return crate::ws::upgrade(upgrade, &state, &ws);
    }
    let headers = request.headers().clone();
    let Incoming { mut request, media, get } = match graphql_http::read(request).await {
        Ok(incoming) => incoming,
        Err(refusal) => return refusal.into_response(),
    };
    let auth = authenticate(&state, &headers).await;
    if get && matches!(auth, RequestAuth::Anonymous) {
        return Refusal::anonymous_get().sent_as(media).into_response();
    }
    let started = std::time::Instant::now();
    let admitted = graphql::admit(&state.schema, &auth, &mut request).await;
    let (operation, kind) = graphql::operation_of(&mut request);
    if let Err(refused) = admitted {
        telemetry::graphql_request(operation.as_deref(), kind, "refused", started.elapsed());
        return Refusal::refused(&refused, media).into_response();
    }
    let executed = graphql::try_execute(&state.schema, &state.services, auth, request).await;
    let outcome = match &executed {
        Ok(response) if response.is_ok() => "ok",
        _ => "error",
    };
    telemetry::graphql_request(operation.as_deref(), kind, outcome, started.elapsed());
    match executed {
        Ok(response) => graphql_http::respond(response, media),
        Err(graphql::Panicked) => Refusal::internal().sent_as(media).into_response(),
    }
}

/// GraphiQL, from async-graphql's page. Subscriptions run over WebSocket on `/graphql` too;
/// GraphiQL sends its headers pane as the `connection_init` payload (so `Authorization` works
/// there as on HTTP). A `#token=<jwt>` fragment (the link `serve` prints in development) fills the
/// headers pane before GraphiQL first fetches the schema (see [`GRAPHIQL_TOKEN_SCRIPT`]).
async fn graphiql() -> impl IntoResponse {
    let plugins = [async_graphql::http::GraphiQLPlugin {
        name: "layersTokenFromFragment",
        body_assets: Some(GRAPHIQL_TOKEN_SCRIPT),
        ..Default::default()
    }];
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql")
            .title("Layers dashboard API")
            .plugins(&plugins)
            .finish(),
    )
}

/// Served with GraphiQL, before it renders: a `#token=<jwt>` fragment becomes the headers
/// pane's `Authorization: Bearer <jwt>`, so the docs explorer's schema introspection (answered
/// to authenticated callers only) works on first open; the fragment is then removed from the
/// address bar. A fragment never reaches a server or its logs.
pub const GRAPHIQL_TOKEN_SCRIPT: &str = r#"<script>
      (function () {
        var token = new URLSearchParams(window.location.hash.slice(1)).get('token');
        if (!token || !window.GraphiQL) return;
        history.replaceState(null, '', window.location.pathname + window.location.search);
        var headers = JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2);
        var Inner = window.GraphiQL;
        var WithToken = function (props) {
          return React.createElement(Inner, Object.assign({ defaultHeaders: headers }, props));
        };
        Object.assign(WithToken, Inner);
        WithToken.createFetcher = Inner.createFetcher;
        window.GraphiQL = WithToken;
      })();
    </script>"#;

/// The GraphiQL link that opens with `token` in its headers pane (`/graphiql#token=<token>`):
/// for development only, where the token is a development one.
pub fn graphiql_link(graphiql_url: &str, token: &str) -> String {
    format!("{graphiql_url}#token={token}")
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
