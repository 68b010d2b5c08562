//! Opening the database: SQLite (embedded, WAL: one writing connection and a pool of read-only
//! ones) or PostgreSQL (one pool for both).
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
        // No check before handing a connection out (the driver's default is a ping): every
        // connection comes back outside any transaction (`store::begin`), and the driver
        // already pings each one as it comes back.
        options.max_connections(max_connections).test_before_acquire(false);
    }
    Database::connect(options).await
}

/// Opens the pool that reads outside any transaction (GraphQL queries, subscription re-reads)
/// use, for `url`, next to the pool `writes` that [`connect`] opened.
///
/// On a SQLite file: `readers` read-only connections. In WAL mode readers never wait for the
/// writer nor for each other, so the dashboard's reads run on every core while the one writing
/// connection keeps its transactions serialized. Elsewhere (PostgreSQL, an in-memory SQLite
/// database that other connections cannot see) the reads share `writes`.
pub async fn connect_reads(
    url: &str,
    writes: &DatabaseConnection,
    readers: u32,
) -> Result<DatabaseConnection, DbErr> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(writes.clone());
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(readers.max(1))
        .min_connections(1)
        .map_sqlx_sqlite_opts(|opts| {
            opts.read_only(true)
                .create_if_missing(false)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .row_buffer_size(READ_ROW_BUFFER)
                .pragma("mmap_size", READ_MMAP_BYTES.to_string())
        });
    Database::connect(options).await
}

/// How many rows a SQLite reader thread may step ahead of the task reading them. sqlx runs each
/// SQLite connection on a thread of its own and hands rows over one by one through a bounded
/// channel; at its default of 50 the thread and the task take turns every few rows, two context
/// switches each time, and a dashboard page reads a few thousand rows.
const READ_ROW_BUFFER: usize = 4096;

/// How much of the database file a SQLite reader maps into memory: its pages are then read in
/// place instead of being copied into the connection's page cache (2 MB by default, a fraction
/// of a dashboard's working set) through a `read` call each. Address space only: the kernel
/// shares the mapped pages between the reader threads and with its own file cache.
const READ_MMAP_BYTES: u64 = 256 * 1024 * 1024;

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
