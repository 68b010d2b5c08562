//! Opening the database: SQLite (embedded, WAL, one connection) or PostgreSQL (a pool).
//!
//! Only connection setup lives here; queries live in `store`.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// How long a SQLite statement waits for a lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a connection pool for `url`.
///
/// SQLite runs in WAL mode with a busy timeout and foreign keys on, through a single connection:
/// SQLite serializes writers anyway, and one connection means a read-then-write transaction never
/// fails to upgrade its lock. PostgreSQL gets a pool of `max_connections`.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        options.max_connections(1).min_connections(1).map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else {
        options.max_connections(max_connections);
    }
    Database::connect(options).await
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
