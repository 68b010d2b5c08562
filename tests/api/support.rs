//! The test harness: a fresh database per test (SQLite file, or a PostgreSQL schema when
//! `TEST_DATABASE_URL` names one), the real migrations, and the real router driven in-process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use layers_dashboard::AppConfig;
use layers_dashboard::auth::{self, Secret};
use layers_dashboard::domain::Scope;
use layers_dashboard::http::AppState;
use layers_dashboard::service::Services;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

/// The JWT secret every test app uses.
pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A fresh schema on `TEST_DATABASE_URL`.
    Postgres,
}

/// The PostgreSQL URL tests run against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|url| url.starts_with("postgres"))
}

/// The backend of this run.
pub fn backend() -> Backend {
    if postgres_url().is_some() { Backend::Postgres } else { Backend::Sqlite }
}

/// A fresh database that disappears with the test.
pub enum TestDb {
    /// Owned by another `TestApp` on the same database.
    Shared,
    Sqlite(tempfile::TempDir),
    Postgres {
        url: String,
        schema: String,
    },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { url, schema } = self {
            let (url, schema) = (url.clone(), schema.clone());
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                runtime.block_on(async {
                    let admin = Database::connect(url).await.map_err(std::io::Error::other)?;
                    // Connections the test left open (a transaction abandoned by a failing
                    // assertion) would hold locks the drop waits on: end them first.
                    admin
                        .execute_unprepared(&format!(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                             WHERE application_name = '{schema}' AND pid <> pg_backend_pid()"
                        ))
                        .await
                        .map_err(std::io::Error::other)?;
                    admin
                        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await
                        .map_err(std::io::Error::other)?;
                    admin.close().await.map_err(std::io::Error::other)
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop test schema {}", self_schema(self));
            }
        }
    }
}

fn self_schema(db: &TestDb) -> &str {
    match db {
        TestDb::Postgres { schema, .. } => schema,
        TestDb::Sqlite(_) | TestDb::Shared => "",
    }
}

/// Tags a test's PostgreSQL connections with its schema name, so cleanup can find them.
fn tagged(
    schema: &str,
) -> impl Fn(sea_orm::sqlx::postgres::PgConnectOptions) -> sea_orm::sqlx::postgres::PgConnectOptions
+ Send
+ Sync
+ 'static {
    let name = schema.to_owned();
    move |options| options.application_name(&name)
}

/// Opens a fresh, migrated database with a pool of `connections` (PostgreSQL only).
pub async fn fresh_db(connections: u32) -> (DatabaseConnection, TestDb) {
    match postgres_url() {
        Some(url) => {
            let schema = format!("t_{}", Uuid::now_v7().simple());
            let admin =
                Database::connect(url.as_str()).await.expect("PostgreSQL reachable at TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
            admin.close().await.expect("close admin connection");
            let mut options = ConnectOptions::new(url.clone());
            options
                .max_connections(connections)
                .set_schema_search_path(schema.clone())
                .map_sqlx_postgres_opts(tagged(&schema))
                .acquire_timeout(Duration::from_secs(60))
                .sqlx_logging(false);
            let db = Database::connect(options).await.expect("connect to test schema");
            migration::run(&db).await.expect("migrate");
            (db, TestDb::Postgres { url, schema })
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            let db = layers_dashboard::db::connect(&url, 1).await.expect("open SQLite");
            migration::run(&db).await.expect("migrate");
            (db, TestDb::Sqlite(dir))
        }
    }
}

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

/// The create mutation with the fields tests read back.
pub const CREATE_CAMPAIGN: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
    verdict { id decision reason axis trace dryRun }
    campaign { id name platform status dailyBudgetCents lifetimeBudgetCents version platformCampaignId
               authority { creative tactical structural } authoritySource }
    pendingAction { id status kind }
    userErrors { field code message } } }";

/// The budget mutation with the fields tests read back.
pub const UPDATE_BUDGET: &str =
    "mutation($input: UpdateCampaignBudgetInput!) { updateCampaignBudget(input: $input) {
    verdict { id decision reason axis trace dryRun }
    campaign { id dailyBudgetCents lifetimeBudgetCents version }
    pendingAction { id status kind targetVersion }
    userErrors { field code message } } }";

/// Reads the audit row of a verdict id.
pub const VERDICT: &str = "query($id: ID!) { verdict(id: $id) {
    verdictId event action decision reason axis trace actorType actorId actorApiKeyId dispatchStatus dispatch request } }";

/// Inserts a generated, eligible creative (content container + ads-content row) into the app's
/// organization and returns its global id. Creatives have no create mutation: generation makes them.
pub async fn insert_creative(app: &TestApp, name: &str) -> String {
    insert_creative_in(app, app.org, name).await
}

/// An empty database (no migrations applied) and `pools` separate connection pools to it, as
/// `pools` server instances starting together would have.
pub async fn empty_db_pools(pools: usize) -> (Vec<DatabaseConnection>, TestDb) {
    let (url, guard, schema) = match postgres_url() {
        Some(url) => {
            let schema = format!("t_{}", Uuid::now_v7().simple());
            let admin = Database::connect(url.as_str()).await.expect("PostgreSQL reachable");
            admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
            admin.close().await.expect("close admin");
            (url.clone(), TestDb::Postgres { url, schema: schema.clone() }, Some(schema))
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, TestDb::Sqlite(dir), None)
        }
    };
    let mut connections = Vec::new();
    for _ in 0..pools {
        let db = match &schema {
            Some(schema) => {
                let mut options = ConnectOptions::new(url.clone());
                options
                    .max_connections(2)
                    .set_schema_search_path(schema.clone())
                    .map_sqlx_postgres_opts(tagged(schema))
                    .sqlx_logging(false);
                Database::connect(options).await.expect("connect")
            }
            None => layers_dashboard::db::connect(&url, 1).await.expect("open SQLite"),
        };
        connections.push(db);
    }
    (connections, guard)
}

/// Inserts a generated, eligible creative into organization `org` and returns its global id.
pub async fn insert_creative_in(app: &TestApp, org: Uuid, name: &str) -> String {
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    let id = Uuid::now_v7();
    entity::content_containers::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        name: Set(name.to_owned()),
        status: Set("completed".to_owned()),
        approval_status: Set("not_required".to_owned()),
        parent_id: Set(None),
        media_url: Set(Some(format!("https://media.example.test/creatives/{id}.mp4"))),
        failure_reason: Set(None),
        completed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.services().db)
    .await
    .expect("insert creative");
    entity::ads_content::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        content_container_id: Set(id),
        organic_score: Set(7.0),
        scoring_pool: Set("generated".to_owned()),
        override_mode: Set(None),
        flagged_reason: Set(None),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.services().db)
    .await
    .expect("insert ads content");
    layers_dashboard::ids::encode(layers_dashboard::ids::NodeKind::Creative, id)
}

/// Rows written so far across every organization: (audit rows, pending actions, campaigns).
pub async fn row_totals(app: &TestApp) -> (u64, u64, u64) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let db = &app.services().db;
    let audit = entity::audit::Entity::find().count(db).await.expect("count audit rows");
    let pending = entity::pending_actions::Entity::find().count(db).await.expect("count pending actions");
    let campaigns = entity::campaigns::Entity::find().count(db).await.expect("count campaigns");
    (audit, pending, campaigns)
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

/// Sets `campaign`'s own authority row as the customer; `modes` holds the axes to change
/// (`{"tactical": "AUTO"}`), the others stay as they are.
pub async fn set_campaign_authority(app: &TestApp, campaign: &str, modes: Value) {
    let mut input = modes;
    input["campaignId"] = json!(campaign);
    let data = app
        .ok(
            &app.customer(),
            "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) {
                applied campaign { authoritySource } userErrors { code } } }",
            json!({ "input": input }),
        )
        .await;
    let payload = &data["updateCampaignAuthority"];
    assert_eq!(payload["applied"], true, "{payload:#}");
    assert_eq!(payload["campaign"]["authoritySource"], "CAMPAIGN", "{payload:#}");
}

/// Deletes `campaign`'s authority row (no API does), so its layer's defaults apply to it.
pub async fn drop_campaign_authority(app: &TestApp, campaign: &str) {
    use sea_orm::EntityTrait;
    let id = layers_dashboard::ids::decode(layers_dashboard::ids::NodeKind::Campaign, campaign)
        .expect("campaign id");
    let deleted = entity::campaign_authority::Entity::delete_by_id(id)
        .exec(&app.services().db)
        .await
        .expect("delete authority");
    assert_eq!(deleted.rows_affected, 1, "campaign {campaign} had no authority row");
}

/// Trips (`tripped`) or releases `platform`'s kill switch as the customer.
pub async fn set_kill_switch(app: &TestApp, platform: &str, tripped: bool) {
    let query = if tripped {
        "mutation($p: Platform!) { out: tripKillSwitch(platform: $p, reason: \"test\") { layer { killSwitchActive } userErrors { code } } }"
    } else {
        "mutation($p: Platform!) { out: releaseKillSwitch(platform: $p) { layer { killSwitchActive } userErrors { code } } }"
    };
    let data = app.ok(&app.customer(), query, json!({ "p": platform })).await;
    assert_eq!(data["out"]["layer"]["killSwitchActive"], tripped, "{data:#}");
}

/// Creates an ad set under `campaign` as the customer (its structural axis must be `AUTO`) and
/// returns the ad set's global id.
pub async fn create_ad_set(app: &TestApp, campaign: &str) -> String {
    let data = app
        .ok(
            &app.customer(),
            "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) {
                verdict { decision reason } adSet { id } userErrors { code message } } }",
            json!({ "input": { "campaignId": campaign, "name": "Test ad set" } }),
        )
        .await;
    let payload = &data["createAdSet"];
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    payload["adSet"]["id"].as_str().expect("ad set id").to_owned()
}

/// Reads `campaign` back as the customer: budget, status, version, authority and its source.
pub async fn read_campaign(app: &TestApp, campaign: &str) -> Value {
    let data = app
        .ok(
            &app.customer(),
            "query($id: ID!) { campaign(id: $id) { id status dailyBudgetCents version authoritySource
                authority { creative tactical structural } } }",
            json!({ "id": campaign }),
        )
        .await;
    data["campaign"].clone()
}

/// Every audit row `token` can see under the `auditLog` arguments `filter`, following every page.
pub async fn audit_rows(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let query = "query($platform: Platform, $campaignId: ID, $event: String, $decision: Decision, $after: String) {
        auditLog(platform: $platform, campaignId: $campaignId, event: $event, decision: $decision, first: 100, after: $after) {
            nodes { verdictId event decision reason axis actorType actorId actorApiKeyId dispatchStatus pendingActionId }
            pageInfo { hasNextPage endCursor } } }";
    let mut rows = Vec::new();
    let mut variables = filter;
    loop {
        let data = app.ok(token, query, variables.clone()).await;
        let page = &data["auditLog"];
        rows.extend(page["nodes"].as_array().expect("audit nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            return rows;
        }
        variables["after"] = page["pageInfo"]["endCursor"].clone();
    }
}

/// A subscription run in-process for `token`, already listening when returned.
pub async fn subscribe(
    app: &TestApp,
    token: &str,
    query: &str,
) -> std::pin::Pin<Box<dyn futures_util::Stream<Item = async_graphql::Response> + Send>> {
    use futures_util::StreamExt;
    let auth = layers_dashboard::http::authenticate_token(app.services(), &app.state.jwt, token).await;
    let org = match &auth {
        layers_dashboard::graphql::RequestAuth::Authenticated(caller) => caller.organization_id,
        _ => Uuid::nil(),
    };
    let request = async_graphql::Request::new(query)
        .data(auth)
        .data(layers_dashboard::graphql::loaders::loaders(app.services().db.clone(), org));
    let mut stream = app.state.schema.execute_stream(request).boxed();
    // The first poll runs the subscription's resolver, which starts listening.
    if let Ok(Some(response)) = tokio::time::timeout(Duration::from_millis(50), stream.next()).await {
        return futures_util::stream::once(async move { response }).chain(stream).boxed();
    }
    stream
}

/// The next item of a subscription as JSON, or `None` if nothing arrives within `millis`.
pub async fn next_event(
    stream: &mut std::pin::Pin<Box<dyn futures_util::Stream<Item = async_graphql::Response> + Send>>,
    millis: u64,
) -> Option<Value> {
    use futures_util::StreamExt;
    let response = tokio::time::timeout(Duration::from_millis(millis), stream.next()).await.ok()??;
    Some(serde_json::to_value(response).expect("response as JSON"))
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
