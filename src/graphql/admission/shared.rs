//! The rate-limit store every instance shares: nothing (one process, SQLite), PostgreSQL
//! (the default on a PostgreSQL database) or Redis (`LAYERS_REDIS_URL`). [`SharedLimiter`]
//! sits behind the in-process gate: a request the local gate refuses never reaches it.
//!
//! **Failure mode: fail open.** When the store errors, or takes longer than its timeout
//! (`LAYERS_RATE_LIMIT_STORE_TIMEOUT_MS`), the request is admitted, the failure is counted in
//! `layers_rate_limit_store_failures_total{store,reason}` and logged at warn (at most once per
//! [`WARN_EVERY`] per process). For [`PAUSE`] after a failure the store is not asked at all
//! (reason `skipped`): a store that is down costs each request nothing, not a timeout, and a
//! struggling database is not pressed harder. A dashboard must not go dark because its limiter is down, and
//! the in-process gate still holds each instance to the quota, so N instances admit at most N
//! times the quota while the store is away. The same rule holds for the WebSocket count
//! (`ws::limits`), which calls [`store_failed`].

use std::fmt::Display;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::DatabaseConnection;

use crate::config::limits::{LimitStore, LimitsConfig};
use crate::store::limits::redis::RedisBuckets;
use crate::store::limits::{self, Rate, Take};

/// At most one warning about the shared store per this long, per process.
pub const WARN_EVERY: Duration = Duration::from_secs(10);

/// How long the store is left alone after it failed.
pub const PAUSE: Duration = Duration::from_secs(1);

/// Where the shared buckets are.
#[derive(Clone)]
enum Store {
    /// Nowhere: the in-process gate is the limit.
    Memory,
    /// PostgreSQL, `limit_buckets`.
    Postgres(DatabaseConnection),
    /// Redis.
    Redis(Arc<RedisBuckets>),
}

/// The rate-limit buckets every instance shares, failing open.
#[derive(Clone)]
pub struct SharedLimiter {
    store: Store,
    timeout: Duration,
    /// Milliseconds since the Unix epoch until which the store is not asked (after a failure).
    paused_until: Arc<AtomicU64>,
}

impl std::fmt::Debug for SharedLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedLimiter").field("store", &self.name()).field("timeout", &self.timeout).finish()
    }
}

impl SharedLimiter {
    /// The store `config` names, for the database `db`.
    pub fn new(config: &LimitsConfig, db: &DatabaseConnection) -> Self {
        let is_postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
        let store = match &config.store {
            LimitStore::Redis(url) => match RedisBuckets::new(url) {
                Ok(buckets) => Store::Redis(Arc::new(buckets)),
                Err(error) => {
                    tracing::error!(%error, "LAYERS_REDIS_URL is not usable; rate limits stay per instance");
                    Store::Memory
                }
            },
            _ if config.rates_in_postgres(is_postgres) => Store::Postgres(db.clone()),
            _ => Store::Memory,
        };
        SharedLimiter { store, timeout: config.timeout, paused_until: Arc::default() }
    }

    /// Nothing shared: the in-process gate alone.
    pub fn memory() -> Self {
        SharedLimiter {
            store: Store::Memory,
            timeout: Duration::from_millis(100),
            paused_until: Arc::default(),
        }
    }

    /// The store's name, as in the metric's `store` label: `memory`, `postgres` or `redis`.
    pub fn name(&self) -> &'static str {
        match self.store {
            Store::Memory => "memory",
            Store::Postgres(_) => "postgres",
            Store::Redis(_) => "redis",
        }
    }

    /// Draws one request from bucket `key`; admitted when the store fails or is too slow, and
    /// for [`PAUSE`] after that.
    pub async fn take(&self, key: &str, rate: Rate) -> Take {
        if matches!(self.store, Store::Memory) {
            return Take::Admitted;
        }
        if now_millis() < self.paused_until.load(Ordering::Relaxed) {
            crate::telemetry::rate_limit_store_failure(self.name(), "skipped");
            return Take::Admitted;
        }
        let answer = match &self.store {
            Store::Memory => return Take::Admitted,
            Store::Postgres(db) => tokio::time::timeout(self.timeout, limits::take(db, key, rate))
                .await
                .map(|r| r.map_err(Failure::from)),
            Store::Redis(redis) => tokio::time::timeout(self.timeout, redis.take(key, rate))
                .await
                .map(|r| r.map_err(Failure::from)),
        };
        match answer {
            Ok(Ok(take)) => return take,
            Ok(Err(error)) => store_failed(self.name(), "error", &error),
            Err(_) => {
                store_failed(self.name(), "timeout", &"no answer within LAYERS_RATE_LIMIT_STORE_TIMEOUT_MS")
            }
        }
        let pause = u64::try_from(PAUSE.as_millis()).unwrap_or(u64::MAX);
        self.paused_until.store(now_millis().saturating_add(pause), Ordering::Relaxed);
        Take::Admitted
    }

    /// Forgets PostgreSQL buckets that are full again (Redis keys expire by themselves).
    pub async fn purge(&self) {
        if let Store::Postgres(db) = &self.store
            && let Err(error) = limits::purge_buckets(db).await
        {
            store_failed("postgres", "error", &error);
        }
    }
}

/// A store's error, whichever store.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Postgres(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

/// Counts a failure of the shared `store` (`error` or `timeout`) and warns, at most once per
/// [`WARN_EVERY`] in this process.
pub(crate) fn store_failed(store: &'static str, reason: &'static str, error: &dyn Display) {
    crate::telemetry::rate_limit_store_failure(store, reason);
    static LAST_WARNED: AtomicU64 = AtomicU64::new(0);
    let now = now_millis();
    let last = LAST_WARNED.load(Ordering::Relaxed);
    let every = u64::try_from(WARN_EVERY.as_millis()).unwrap_or(u64::MAX);
    let due = last == 0 || now >= last.saturating_add(every);
    if due && LAST_WARNED.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        tracing::warn!(store, reason, %error, "shared limit store failed: request let through (fail open)");
    }
}

fn now_millis() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}
