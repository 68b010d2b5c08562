//! Fresh databases for tests: an SQLite file in a temporary directory, or a schema of its own on
//! the PostgreSQL server `TEST_DATABASE_URL` names, migrated with the real migrations and dropped
//! when the guard goes.

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use uuid::Uuid;

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
pub(super) fn tagged(
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
