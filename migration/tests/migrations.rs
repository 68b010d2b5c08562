//! Applies, rolls back and re-applies the real migrations on SQLite and on a fresh PostgreSQL
//! schema, and proves that instances starting together migrate once without failing.
//!
//! PostgreSQL comes from `LAYERS_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When it is unreachable the PostgreSQL tests print
//! a message and pass, unless `CI=true`, where they fail.

#![allow(clippy::unwrap_used)] // a failed step should fail the test loudly

use migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use migration::{Migrator, MigratorTrait, pending_count, run};
use std::time::Duration;

/// Every table the migrations create.
const TABLES: [&str; 11] = [
    "organizations",
    "partner_keys",
    "layers",
    "campaigns",
    "campaign_authority",
    "ad_sets",
    "content_containers",
    "ads_content",
    "ads",
    "optimizer_pending_actions",
    "layer_ads_audit",
];

fn postgres_url() -> String {
    std::env::var("LAYERS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A PostgreSQL schema created for one test and dropped when the test ends.
struct PgSchema {
    admin: DatabaseConnection,
    name: String,
}

impl PgSchema {
    /// Creates a fresh schema, or `None` (after saying why) when PostgreSQL is unreachable.
    async fn create(test: &str) -> Option<Self> {
        let mut probe = ConnectOptions::new(postgres_url());
        probe
            .connect_timeout(Duration::from_secs(3))
            .acquire_timeout(Duration::from_secs(3))
            .sqlx_logging(false);
        let admin = match Database::connect(probe).await {
            Ok(admin) => admin,
            Err(err) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("PostgreSQL unreachable with CI=true: {err}")
            }
            Err(err) => {
                eprintln!("skipping {test}: PostgreSQL unreachable ({err})");
                return None;
            }
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("mig_{test}_{}_{nanos}", std::process::id());
        exec(&admin, &format!("CREATE SCHEMA \"{name}\"")).await;
        Some(Self { admin, name })
    }

    /// A new pool whose connections use this schema, as a separate instance would open.
    async fn connect(&self) -> DatabaseConnection {
        let mut options = ConnectOptions::new(postgres_url());
        options
            .max_connections(2)
            .sqlx_logging(false)
            .set_schema_search_path(self.name.clone());
        Database::connect(options).await.unwrap()
    }

    async fn drop(self) {
        exec(
            &self.admin,
            &format!("DROP SCHEMA \"{}\" CASCADE", self.name),
        )
        .await;
    }
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
}

async fn sqlite() -> DatabaseConnection {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await.unwrap()
}

/// Names of the tables present in the connection's schema, migration bookkeeping excluded.
async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1",
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    let mut names: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .filter(|name| name != "seaql_migrations" && !name.starts_with("sqlite_"))
        .collect();
    names.sort();
    names
}

fn expected_tables() -> Vec<String> {
    let mut names: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    names.sort();
    names
}

/// up, down to nothing, refresh, and an idempotent second `run`.
async fn round_trip(db: &DatabaseConnection) {
    let total = Migrator::migrations().len();
    assert_eq!(pending_count(db).await.unwrap(), total);
    run(db).await.unwrap();
    assert_eq!(pending_count(db).await.unwrap(), 0);
    assert_eq!(tables(db).await, expected_tables());

    Migrator::down(db, None).await.unwrap();
    assert_eq!(pending_count(db).await.unwrap(), total);
    assert!(tables(db).await.is_empty());

    Migrator::refresh(db).await.unwrap();
    run(db).await.unwrap();
    assert_eq!(pending_count(db).await.unwrap(), 0);
    assert_eq!(tables(db).await, expected_tables());
}

#[tokio::test]
async fn sqlite_up_down_refresh() {
    round_trip(&sqlite().await).await;
}

#[tokio::test]
async fn postgres_up_down_refresh() {
    let Some(schema) = PgSchema::create("round_trip").await else {
        return;
    };
    round_trip(&schema.connect().await).await;
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_start_migrates_once() {
    let Some(schema) = PgSchema::create("concurrent").await else {
        return;
    };
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(schema.connect().await);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(instances.len()));
    let tasks: Vec<_> = instances
        .into_iter()
        .map(|db| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                run(&db).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let db = schema.connect().await;
    assert_eq!(pending_count(&db).await.unwrap(), 0);
    assert_eq!(tables(&db).await, expected_tables());
    let applied = Migrator::get_applied_migrations(&db).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());
    schema.drop().await;
}
