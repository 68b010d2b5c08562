//! The test harness: a fresh database per test (SQLite file, or a PostgreSQL schema when
//! `TEST_DATABASE_URL` names one), the real migrations, and the real router driven in-process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use layers_dashboard::auth::{self, Secret};
use layers_dashboard::domain::Scope;
use layers_dashboard::http::AppState;
use layers_dashboard::service::Services;
use layers_dashboard::{AppConfig, build_state};
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
    Sqlite(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { url, schema } = self {
            let (url, schema) = (url.clone(), schema.clone());
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                runtime.block_on(async {
                    let admin = Database::connect(url).await.map_err(std::io::Error::other)?;
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
        TestDb::Sqlite(_) => "",
    }
}

/// Opens a fresh, migrated database with a pool of `connections` (PostgreSQL only).
pub async fn fresh_db(connections: u32) -> (DatabaseConnection, TestDb) {
    match postgres_url() {
        Some(url) => {
            let schema = format!("t_{}", Uuid::now_v7().simple());
            let admin = Database::connect(url.as_str()).await.expect("PostgreSQL reachable at TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
            admin.close().await.expect("close admin connection");
            let mut options = ConnectOptions::new(url.clone());
            options
                .max_connections(connections)
                .set_schema_search_path(schema.clone())
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
        let (mut db, guard) = fresh_db(connections).await;
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&statements);
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let config = AppConfig {
            jwt_secret: Secret::from(SECRET.to_owned()),
            pending_ttl: chrono::Duration::hours(72),
        };
        let state = build_state(db, &config);
        let org = state.services.create_organization("Test Org").await.expect("create organization").id;
        TestApp { state, org, statements, _db: guard }
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
        let (_, key) = self.services().create_partner_key(self.org, "test partner", scopes).await.expect("partner key");
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
pub const UPDATE_BUDGET: &str = "mutation($input: UpdateCampaignBudgetInput!) { updateCampaignBudget(input: $input) {
    verdict { id decision reason axis trace dryRun }
    campaign { id dailyBudgetCents lifetimeBudgetCents version }
    pendingAction { id status kind targetVersion }
    userErrors { field code message } } }";

/// Reads the audit row of a verdict id.
pub const VERDICT: &str = "query($id: ID!) { verdict(id: $id) {
    verdictId event action decision reason axis trace actorType actorId actorApiKeyId dispatchStatus dispatch request } }";
