//! SQL literals for SQLite and PostgreSQL as the server stores them, and batched multi-row
//! INSERTs.
//!
//! The server writes UUIDs as 16-byte blobs on SQLite and as `uuid` on PostgreSQL, timestamps
//! as RFC 3339 text with nanoseconds and `+00:00` (SQLite) or `timestamptz` (PostgreSQL),
//! booleans as 0/1 or `boolean`, JSON as text or `jsonb`. The seeder writes the same shapes.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};
use uuid::Uuid;

/// How many rows one INSERT carries.
const BATCH_ROWS: usize = 500;

/// Which database the literals are for.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// PostgreSQL (else SQLite).
    pub postgres: bool,
}

impl Dialect {
    /// A UUID.
    pub fn uuid(self, id: Uuid) -> String {
        if self.postgres { format!("'{id}'") } else { format!("X'{}'", id.simple()) }
    }

    /// An optional UUID.
    pub fn uuid_opt(self, id: Option<Uuid>) -> String {
        id.map_or_else(|| "NULL".to_owned(), |id| self.uuid(id))
    }

    /// A timestamp with time zone.
    pub fn ts(self, at: DateTime<Utc>) -> String {
        format!("'{}'", at.to_rfc3339_opts(SecondsFormat::Nanos, false))
    }

    /// A date.
    pub fn date(self, day: NaiveDate) -> String {
        format!("'{day}'")
    }

    /// A boolean.
    pub fn bool(self, value: bool) -> String {
        match (self.postgres, value) {
            (true, true) => "true".to_owned(),
            (true, false) => "false".to_owned(),
            (false, true) => "1".to_owned(),
            (false, false) => "0".to_owned(),
        }
    }

    /// A JSON document.
    pub fn json(self, value: &serde_json::Value) -> String {
        text(&value.to_string())
    }
}

/// A text literal.
pub fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Rows waiting to be inserted into one table; [`Batch::flush`] sends them.
#[derive(Debug)]
pub struct Batch {
    head: String,
    rows: Vec<String>,
    /// Rows inserted so far.
    pub inserted: usize,
}

impl Batch {
    /// A batch for `table(columns)`.
    pub fn new(table: &str, columns: &str) -> Self {
        Batch { head: format!("INSERT INTO {table} ({columns}) VALUES "), rows: Vec::new(), inserted: 0 }
    }

    /// Adds one row of literals.
    pub fn push(&mut self, values: &[String]) {
        self.rows.push(format!("({})", values.join(", ")));
    }

    /// Inserts what is waiting, `BATCH_ROWS` rows per statement.
    pub async fn flush(&mut self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        for chunk in self.rows.chunks(BATCH_ROWS) {
            let sql = format!("{}{}", self.head, chunk.join(", "));
            txn.execute_unprepared(&sql).await?;
            self.inserted += chunk.len();
        }
        self.rows.clear();
        Ok(())
    }
}
