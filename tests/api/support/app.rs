//! The app under test: a [`TestApp`] on a fresh database with one organization, its router
//! driven in-process (or served on a local port for real WebSocket clients), and the tokens of
//! the callers that act on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use layers_dashboard::AppConfig;
use layers_dashboard::auth::{self, Secret};
use layers_dashboard::domain::Scope;
use layers_dashboard::http::AppState;
use layers_dashboard::service::Services;
use sea_orm::{ConnectOptions, Database};
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

use super::CREATE_CAMPAIGN;
use super::db::{TestDb, fresh_db, tagged};

/// The JWT secret every test app uses.
pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

/// One app on a fresh database, with an organization to act for.
pub struct TestApp {
    pub state: AppState,
    pub org: Uuid,
    pub statements: Arc<AtomicUsize>,
    _db: TestDb,
}

impl TestApp {
    /// An app with one organization (every axis `draft`, kill switch released).
    pub async fn new() -> Self {
        Self::with_connections(5).await
    }

    /// An app whose PostgreSQL pool has `connections` connections.
    pub async fn with_connections(connections: u32) -> Self {
        let config = test_config();
        let proxy = Arc::new(layers_dashboard::platform::PlatformProxy::sandbox());
        Self::with_setup(connections, config, proxy).await
    }

    /// An app built with `config` (its `jwt_secret` is replaced by [`SECRET`]) and `proxy`.
    pub async fn with_setup(
        connections: u32,
        mut config: AppConfig,
        proxy: Arc<layers_dashboard::platform::PlatformProxy>,
    ) -> Self {
        config.jwt_secret = Secret::from(SECRET.to_owned());
        let (mut db, guard) = fresh_db(connections).await;
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&statements);
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let state = layers_dashboard::build_state_with_proxy(db, &config, proxy);
        let org = state.services.create_organization("Test Org").await.expect("create organization").id;
        TestApp { state, org, statements, _db: guard }
    }

    /// The PostgreSQL schema this app's database lives in (its connections carry it as their
    /// `application_name`); `None` on SQLite.
    pub fn postgres_schema(&self) -> Option<&str> {
        match &self._db {
            TestDb::Postgres { schema, .. } => Some(schema),
            TestDb::Sqlite(_) | TestDb::Shared => None,
        }
    }

    /// The services, for set-up that has no API.
    pub fn services(&self) -> &Services {
        &self.state.services
    }

    /// A customer token for the app's organization.
    pub fn customer(&self) -> String {
        self.token_for(self.org)
    }

    /// A customer token for `org`.
    pub fn token_for(&self, org: Uuid) -> String {
        auth::mint_customer_token(&self.state.jwt, org, "user-1", chrono::Utc::now().timestamp(), 3600)
            .expect("mint token")
    }

    /// A partner key for the app's organization with `scopes`.
    pub async fn partner(&self, scopes: &[Scope]) -> String {
        let (_, key) =
            self.services().create_partner_key(self.org, "test partner", scopes).await.expect("partner key");
        key.plaintext.expose().to_owned()
    }

    /// Another organization and a customer token for it.
    pub async fn other_org(&self) -> (Uuid, String) {
        let org = self.services().create_organization("Other Org").await.expect("other org").id;
        (org, self.token_for(org))
    }

    /// How many SQL statements have run so far.
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// POSTs a GraphQL request through the real router and returns the JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables });
        let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request.body(Body::from(body.to_string())).expect("request");
        let response = layers_dashboard::app(self.state.clone()).oneshot(request).await.expect("response");
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        serde_json::from_slice(&bytes).expect("JSON response")
    }

    /// Like `gql`, asserting that the response has no top-level errors, and returning `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.gql(Some(token), query, variables).await;
        assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
        response["data"].clone()
    }

    /// Sets the defaults of `platform`'s layer as the customer.
    pub async fn set_defaults(&self, platform: &str, creative: &str, tactical: &str, structural: &str) {
        let data = self
            .ok(
                &self.customer(),
                "mutation($input: UpdateLayerDefaultsInput!) { updateLayerDefaults(input: $input) { applied userErrors { code } } }",
                json!({ "input": { "platform": platform, "creative": creative, "tactical": tactical, "structural": structural } }),
            )
            .await;
        assert_eq!(data["updateLayerDefaults"]["applied"], true, "{data:#}");
    }

    /// Creates a campaign as the customer with structural defaults opened up for the create, and
    /// returns its global id. `modes` are (campaignManagementMode, creativeMode).
    pub async fn campaign(&self, platform: &str, modes: (&str, &str)) -> String {
        self.set_defaults(platform, "AUTO", "AUTO", "AUTO").await;
        let outcome = if platform == "APPLE" { "APP_INSTALLS" } else { "CONVERSIONS" };
        let data = self
            .ok(
                &self.customer(),
                CREATE_CAMPAIGN,
                json!({ "input": {
                    "platform": platform, "name": "Test campaign", "dailyBudgetCents": 5000, "outcome": outcome,
                    "campaignManagementMode": modes.0, "creativeMode": modes.1,
                } }),
            )
            .await;
        let payload = &data["createCampaign"];
        assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
        payload["campaign"]["id"].as_str().expect("campaign id").to_owned()
    }
}

impl TestApp {
    /// The same app (database, organization) rebuilt with `config`.
    pub fn with_config(mut self, config: &AppConfig) -> Self {
        let db = self.state.services.db.clone();
        self.state = layers_dashboard::build_state(db, config);
        self
    }

    /// The same app with event bus `events` (e.g. one listening on PostgreSQL).
    pub fn with_bus(mut self, events: layers_dashboard::events::EventBus) -> Self {
        let db = self.state.services.db.clone();
        let config = test_config();
        self.state = layers_dashboard::build_state_with(
            db,
            &config,
            std::sync::Arc::new(layers_dashboard::platform::PlatformProxy::sandbox()),
            events,
        );
        self
    }

    /// A second server instance on the same database and organization, with its own pool and
    /// event bus `events`.
    pub async fn second_instance(&self, events: layers_dashboard::events::EventBus) -> TestApp {
        let TestDb::Postgres { url, schema } = &self._db else {
            panic!("a second instance needs PostgreSQL")
        };
        let mut options = ConnectOptions::new(url.clone());
        options
            .max_connections(5)
            .set_schema_search_path(schema.clone())
            .map_sqlx_postgres_opts(tagged(schema))
            .sqlx_logging(false);
        let db = Database::connect(options).await.expect("second pool");
        let config = test_config();
        let state = layers_dashboard::build_state_with(
            db,
            &config,
            std::sync::Arc::new(layers_dashboard::platform::PlatformProxy::sandbox()),
            events,
        );
        TestApp { state, org: self.org, statements: Arc::new(AtomicUsize::new(0)), _db: TestDb::Shared }
    }
}

impl TestApp {
    /// Another server instance built with `config` on this app's database (the same pool) and
    /// organization: its own schema, rate-limit state and caches.
    pub fn another_instance(&self, config: &AppConfig) -> TestApp {
        let state = layers_dashboard::build_state(self.state.services.db.clone(), config);
        TestApp { state, org: self.org, statements: Arc::new(AtomicUsize::new(0)), _db: TestDb::Shared }
    }
}

/// Serves the app's real router (default WebSocket settings) on 127.0.0.1:0, for real
/// WebSocket clients, and returns its address. The server lives as long as the test's runtime.
pub async fn serve(app: &TestApp) -> std::net::SocketAddr {
    serve_with(app, layers_dashboard::ws::WsHub::default()).await
}

/// Like `serve`, with the WebSocket settings and counters of `hub`.
pub async fn serve_with(app: &TestApp, hub: layers_dashboard::ws::WsHub) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    let router = layers_dashboard::http::router_with_ws(app.state.clone(), hub);
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    address
}

/// The app configuration tests run with: the defaults, without rate limits (tests that are about
/// rate limits set their own).
pub fn test_config() -> AppConfig {
    let mut config = AppConfig::new(Secret::from(SECRET.to_owned()));
    config.schema.admission.per_organization = None;
    config.schema.admission.per_partner_key = None;
    config.schema.admission.subscriptions = None;
    config
}

/// POSTs `body` to `/graphql` with `authorization` as the raw `Authorization` header (if any) and
/// returns the HTTP status, the `Content-Type` and the body parsed as JSON (`Value::Null` when
/// the body is not JSON).
pub async fn post_raw(
    app: &TestApp,
    authorization: Option<&str>,
    body: String,
) -> (axum::http::StatusCode, String, Value) {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let request = request.body(Body::from(body)).expect("request");
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.expect("response");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, content_type, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}
