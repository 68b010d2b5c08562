//! The server as `layers-dashboard serve` starts it (`Application`), on port 0 and a fresh
//! database: what a production start writes and serves, what development seeds, and a
//! misconfiguration failing before anything is written.

use clap::Parser;
use layers_dashboard::application::Application;
use layers_dashboard::auth::JwtKeys;
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Database};

use crate::support::TestDb;

const STRONG_SECRET: &str = "k3J9x-Qm2vR8pLw4Zt6Yc1Nb7Hs5Dg0F";
const TOKEN_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// An empty database (no tables) of this run's backend, as a URL the server can be given.
async fn empty_database() -> (String, TestDb) {
    match crate::support::postgres_url() {
        Some(url) => {
            let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(url.as_str()).await.expect("PostgreSQL reachable");
            admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
            admin.close().await.expect("close");
            let separator = if url.contains('?') { '&' } else { '?' };
            let scoped =
                format!("{url}{separator}options=-c%20search_path%3D{schema}&application_name={schema}");
            (scoped, TestDb::Postgres { url, schema })
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("serve.db").display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

fn settings(database_url: &str, args: &[&str]) -> layers_dashboard::config::Settings {
    let mut argv = vec!["layers-dashboard", "--database-url", database_url, "--listen", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    layers_dashboard::cli::Cli::try_parse_from(argv).expect("settings parse").settings
}

fn production(database_url: &str, extra: &[&str]) -> layers_dashboard::config::Settings {
    let mut args = vec![
        "--environment",
        "production",
        "--jwt-secret",
        STRONG_SECRET,
        "--token-encryption-key",
        TOKEN_KEY,
    ];
    args.extend_from_slice(extra);
    settings(database_url, &args)
}

/// Serves `app` on its port until the returned sender fires; answers GET `path`'s status.
struct Running {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
}

impl Running {
    fn start(app: Application) -> Self {
        let base = format!("http://{}", app.address().expect("bound"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(async move {
            app.run_until_stopped(async move {
                let _ = stopped.await;
            })
            .await
            .expect("serves until stopped");
        });
        Running { base, stop, served }
    }

    async fn status(&self, path: &str) -> u16 {
        reqwest::get(format!("{}{path}", self.base)).await.expect("request").status().as_u16()
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.served.await.expect("shuts down cleanly");
    }
}

#[tokio::test]
async fn a_production_start_on_an_empty_database_writes_no_organization_and_serves_no_graphiql() {
    let (url, _db) = empty_database().await;
    let app = Application::build(&production(&url, &[])).await.expect("starts");
    assert!(app.seeded().is_none());
    assert_eq!(app.graphiql_url(), None);
    assert_eq!(app.state().services.organization_count().await.expect("count"), 0);
    let running = Running::start(app);
    assert_eq!(running.status("/graphiql").await, 404);
    assert_eq!(running.status("/healthz").await, 200);
    assert_eq!(running.status("/readyz").await, 200, "migrated at start");
    running.stop().await;
}

#[tokio::test]
async fn production_serves_graphiql_only_when_asked() {
    let (url, _db) = empty_database().await;
    let app = Application::build(&production(&url, &["--graphiql", "on"])).await.expect("starts");
    let running = Running::start(app);
    assert_eq!(running.status("/graphiql").await, 200);
    running.stop().await;
}

#[tokio::test]
async fn development_seeds_an_empty_database_once_and_serves_graphiql() {
    let (url, _db) = empty_database().await;
    let app = Application::build(&settings(&url, &[])).await.expect("starts");
    let seeded = app.seeded().expect("seeded the demo organization").name.clone();
    assert_eq!(seeded, "Demo Co");
    assert!(app.graphiql_url().expect("GraphiQL on").ends_with("/graphiql"));
    let running = Running::start(app);
    assert_eq!(running.status("/graphiql").await, 200);
    running.stop().await;
    let again = Application::build(&settings(&url, &[])).await.expect("restarts");
    assert!(again.seeded().is_none(), "auto seeds an empty database only");
    assert_eq!(again.state().services.organization_count().await.expect("count"), 1);
}

#[tokio::test]
async fn live_mode_never_seeds_even_an_empty_development_database() {
    let (url, _db) = empty_database().await;
    let live = settings(&url, &["--platform-mode", "live", "--token-encryption-key", TOKEN_KEY]);
    let app = Application::build(&live).await.expect("starts");
    assert!(app.seeded().is_none());
    assert_eq!(app.state().services.organization_count().await.expect("count"), 0);
}

#[tokio::test]
async fn a_misconfigured_start_names_every_problem_and_writes_nothing() {
    let (url, _db) = empty_database().await;
    let broken =
        settings(&url, &["--environment", "production", "--seed-demo", "always", "--metrics-token", "short"]);
    let error = Application::build(&broken).await.err().expect("refused").to_string();
    for named in [
        "LAYERS_JWT_SECRET",
        "LAYERS_TOKEN_ENCRYPTION_KEY",
        "LAYERS_SEED_DEMO=always",
        "LAYERS_METRICS_TOKEN",
    ] {
        assert!(error.contains(named), "{named} not named in: {error}");
    }
    let db = layers_dashboard::db::connect(&url, 1).await.expect("open");
    let pending = migration::pending_count(&db).await.expect("read migrations");
    assert_eq!(pending, migration::Migrator::migrations().len(), "nothing migrated, nothing written");
}

#[tokio::test]
async fn an_unreachable_database_is_named_with_the_other_problems() {
    let broken = settings(
        "sqlite:///nonexistent-directory/layers.db?mode=rwc",
        &["--environment", "production", "--jwt-secret", STRONG_SECRET],
    );
    let error = Application::build(&broken).await.err().expect("refused").to_string();
    assert!(error.contains("cannot be reached"), "{error}");
    assert!(error.contains("LAYERS_TOKEN_ENCRYPTION_KEY"), "{error}");
}

/// POSTs `query` to the running server as a customer of `org`.
async fn query(running: &Running, jwt: &JwtKeys, org: uuid::Uuid, query: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    let token = layers_dashboard::auth::mint_customer_token(jwt, org, "user-1", now, 600).expect("token");
    reqwest::Client::new()
        .post(format!("{}/graphql", running.base))
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON answer")
}

#[tokio::test]
async fn queries_answer_while_a_write_transaction_is_open_and_see_only_what_committed() {
    let (url, _db) = empty_database().await;
    let app = Application::build(&settings(&url, &[])).await.expect("starts");
    let org = app.seeded().expect("seeded").id;
    let (writes, jwt) = (app.state().services.db.clone(), app.state().jwt.clone());
    let running = Running::start(app);
    let rename = "UPDATE organizations SET name = 'Renamed Co'";
    let txn = layers_dashboard::store::begin(&writes).await.expect("begin on the writing connection");
    txn.execute_unprepared(rename).await.expect("uncommitted rename");
    let read = "{ viewer { organizationName } }";
    let during = tokio::time::timeout(std::time::Duration::from_secs(5), query(&running, &jwt, org, read))
        .await
        .expect("a query does not wait for the open write transaction");
    assert_eq!(during["data"]["viewer"]["organizationName"], "Demo Co", "{during}");
    txn.commit().await.expect("commit");
    let after = query(&running, &jwt, org, read).await;
    assert_eq!(after["data"]["viewer"]["organizationName"], "Renamed Co", "{after}");
    running.stop().await;
}
