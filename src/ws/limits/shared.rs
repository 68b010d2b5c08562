//! The per-organization WebSocket count every instance shares through PostgreSQL: one row per
//! authenticated connection (`limit_ws_connections`), held by an instance (`limit_instances`,
//! one row per process boot) whose heartbeat keeps its rows counting.
//!
//! - A claim takes the organization's advisory lock and inserts the row only while the
//!   organization holds fewer than the cap on live instances: race-free across instances.
//! - A closed connection deletes its row. Shutdown deletes the instance and its rows.
//! - A crashed instance stops heartbeating: after `LAYERS_INSTANCE_EXPIRY_SECS` its rows stop
//!   counting, and the next heartbeat of any instance deletes them.
//! - Each heartbeat also deletes this instance's rows no connection holds any more (a release
//!   that failed, a claim whose answer timed out), so a lost delete never keeps a slot taken.
//!
//! Failures fail open, as for rate limits (`graphql::admission::shared`): a claim the database
//! cannot answer in time admits the connection without a row, and the in-process cap still
//! bounds this instance.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::config::limits::LimitsConfig;
use crate::graphql::admission::store_failed;
use crate::store::limits as store;

/// This instance's part in the shared WebSocket count. Cheap to clone.
#[derive(Clone)]
pub struct SharedConnections {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    instance: Uuid,
    name: String,
    expiry: Duration,
    timeout: Duration,
    /// Rows this instance's connections hold (or are claiming) now.
    live: Mutex<HashSet<Uuid>>,
    /// Set once the instance left: a late heartbeat must not bring it back.
    left: AtomicBool,
}

impl std::fmt::Debug for SharedConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedConnections")
            .field("instance", &self.inner.instance)
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

/// What a claim got.
pub(crate) enum Claimed {
    /// A slot, held by this row.
    Row(Uuid),
    /// The organization holds its cap across instances.
    Full,
    /// The database did not answer (in time): admitted without a row.
    Unavailable,
}

impl SharedConnections {
    /// Records a new boot of instance `name` as alive in `db` (PostgreSQL), with the expiry and
    /// store timeout of `config`.
    pub async fn join(db: DatabaseConnection, name: &str, config: &LimitsConfig) -> Result<Self, DbErr> {
        let instance = Uuid::now_v7();
        store::heartbeat(&db, instance, name).await?;
        let inner = Inner {
            db,
            instance,
            name: name.to_owned(),
            expiry: config.expiry,
            timeout: config.timeout,
            live: Mutex::new(HashSet::new()),
            left: AtomicBool::new(false),
        };
        Ok(SharedConnections { inner: Arc::new(inner) })
    }

    /// This process's instance id (its rows in `limit_instances` and `limit_ws_connections`).
    pub fn instance(&self) -> Uuid {
        self.inner.instance
    }

    /// Refreshes this instance's heartbeat, deletes its rows no connection holds, and removes
    /// expired instances with their rows. Does nothing once the instance left.
    pub async fn heartbeat(&self) -> Result<(), DbErr> {
        if self.inner.left.load(Ordering::SeqCst) {
            return Ok(());
        }
        let db = &self.inner.db;
        store::heartbeat(db, self.inner.instance, &self.inner.name).await?;
        let live: Vec<Uuid> = self.live().iter().copied().collect();
        store::keep_only(db, self.inner.instance, &live).await?;
        store::purge_instances(db, self.inner.expiry).await?;
        Ok(())
    }

    /// Removes this instance and its rows (it is shutting down).
    pub async fn leave(&self) -> Result<(), DbErr> {
        self.inner.left.store(true, Ordering::SeqCst);
        store::leave(&self.inner.db, self.inner.instance).await
    }

    /// Connections `org` holds on every live instance.
    pub async fn organization_connections(&self, org: Uuid) -> Result<u64, DbErr> {
        store::organization_connections(&self.inner.db, org, self.inner.expiry).await
    }

    /// Claims one of `org`'s `max` slots across instances.
    pub(crate) async fn claim(&self, org: Uuid, max: usize) -> Claimed {
        let row = Uuid::now_v7();
        self.live().insert(row);
        let claim = store::Claim {
            connection: row,
            instance: self.inner.instance,
            organization: org,
            max: u64::try_from(max).unwrap_or(u64::MAX),
            expiry: self.inner.expiry,
        };
        let answer = tokio::time::timeout(self.inner.timeout, store::claim(&self.inner.db, claim)).await;
        let claimed = match answer {
            Ok(Ok(true)) => return Claimed::Row(row),
            Ok(Ok(false)) => Claimed::Full,
            Ok(Err(error)) => {
                store_failed("postgres", "error", &error);
                Claimed::Unavailable
            }
            Err(_) => {
                store_failed("postgres", "timeout", &"no answer within LAYERS_RATE_LIMIT_STORE_TIMEOUT_MS");
                Claimed::Unavailable
            }
        };
        // A claim that timed out may still have been recorded: the next heartbeat deletes it.
        self.live().remove(&row);
        claimed
    }

    /// Gives `row`'s slot back, in the background (called from a guard's `drop`).
    pub(crate) fn release(&self, row: Uuid) {
        let shared = self.clone();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            shared.live().remove(&row);
            return;
        };
        runtime.spawn(async move {
            if let Err(error) = store::release(&shared.inner.db, row).await {
                store_failed("postgres", "error", &error);
            }
            shared.live().remove(&row);
        });
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        // The set is consistent after every statement, so a poisoned lock is still usable.
        self.inner.live.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
