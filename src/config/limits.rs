//! Where limits are kept when several instances serve one database: the rate-limit store
//! (`LAYERS_RATE_LIMIT_STORE`, `LAYERS_REDIS_URL`), how long the shared store may take before a
//! request goes through without it, and the instance heartbeat that lets a crashed instance's
//! WebSocket count expire.
//!
//! Flattened into [`crate::config::Settings`]; [`LimitSettings::config`] gives the
//! [`LimitsConfig`] the application is built with.

use std::time::Duration;

use clap::{Args, ValueEnum};

/// Shared limit settings.
#[derive(Debug, Clone, Args)]
pub struct LimitSettings {
    /// Where rate limits are kept: `memory` (this process only), `postgres` or `redis`. Default:
    /// `redis` when `LAYERS_REDIS_URL` is set, else `postgres` on PostgreSQL, else `memory`.
    #[arg(long, env = "LAYERS_RATE_LIMIT_STORE", value_enum, global = true)]
    pub rate_limit_store: Option<StoreKind>,

    /// Redis URL (`redis://host:6379/0`) for the rate limits of every instance.
    #[arg(long, env = "LAYERS_REDIS_URL", hide_env_values = true, global = true)]
    pub redis_url: Option<String>,

    /// Milliseconds the shared store may take to answer; then the request goes through, counted
    /// in `layers_rate_limit_store_failures_total`.
    #[arg(long, env = "LAYERS_RATE_LIMIT_STORE_TIMEOUT_MS", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub rate_limit_store_timeout_ms: u32,

    /// Seconds between this instance's heartbeats (PostgreSQL: its WebSocket count stays live).
    #[arg(long, env = "LAYERS_INSTANCE_HEARTBEAT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=3_600), global = true)]
    pub instance_heartbeat_secs: u32,

    /// Seconds without a heartbeat after which an instance's WebSockets stop counting (a crashed
    /// instance); more than the heartbeat interval.
    #[arg(long, env = "LAYERS_INSTANCE_EXPIRY_SECS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(2..=86_400), global = true)]
    pub instance_expiry_secs: u32,
}

/// A rate-limit store named by `LAYERS_RATE_LIMIT_STORE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// This process's memory: each instance limits the traffic it sees.
    Memory,
    /// PostgreSQL (`LAYERS_DATABASE_URL`), shared by every instance.
    Postgres,
    /// Redis (`LAYERS_REDIS_URL`), shared by every instance.
    Redis,
}

/// Where rate limits are kept, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitStore {
    /// PostgreSQL when the database is PostgreSQL, memory otherwise.
    ByDatabase,
    /// This process's memory only (WebSocket counts too).
    Memory,
    /// The PostgreSQL database.
    Postgres,
    /// The Redis server at this URL (WebSocket counts stay in PostgreSQL when the database is).
    Redis(String),
}

/// How the shared limits behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Where rate limits are kept.
    pub store: LimitStore,
    /// How long the shared store may take before a request goes through without it.
    pub timeout: Duration,
    /// Time between instance heartbeats.
    pub heartbeat: Duration,
    /// Heartbeat age after which an instance's WebSockets stop counting.
    pub expiry: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            store: LimitStore::ByDatabase,
            timeout: Duration::from_millis(100),
            heartbeat: Duration::from_secs(10),
            expiry: Duration::from_secs(30),
        }
    }
}

impl LimitsConfig {
    /// Whether rate limits are kept in PostgreSQL, for a database that `is_postgres` or not.
    pub fn rates_in_postgres(&self, is_postgres: bool) -> bool {
        match self.store {
            LimitStore::ByDatabase => is_postgres,
            LimitStore::Postgres => true,
            LimitStore::Memory | LimitStore::Redis(_) => false,
        }
    }

    /// Whether WebSocket counts are shared through PostgreSQL: on a PostgreSQL database, unless
    /// the store is `memory`.
    pub fn connections_in_postgres(&self, is_postgres: bool) -> bool {
        is_postgres && self.store != LimitStore::Memory
    }
}

impl LimitSettings {
    /// The configuration these settings describe.
    pub fn config(&self) -> LimitsConfig {
        let redis = || LimitStore::Redis(self.redis_url.clone().unwrap_or_default());
        let store = match self.rate_limit_store {
            None if self.redis_url.is_some() => redis(),
            None => LimitStore::ByDatabase,
            Some(StoreKind::Memory) => LimitStore::Memory,
            Some(StoreKind::Postgres) => LimitStore::Postgres,
            Some(StoreKind::Redis) => redis(),
        };
        LimitsConfig {
            store,
            timeout: Duration::from_millis(u64::from(self.rate_limit_store_timeout_ms)),
            heartbeat: Duration::from_secs(u64::from(self.instance_heartbeat_secs)),
            expiry: Duration::from_secs(u64::from(self.instance_expiry_secs)),
        }
    }

    /// Every problem with these settings, for a database that `is_postgres` or not.
    pub fn problems(&self, is_postgres: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if self.rate_limit_store == Some(StoreKind::Postgres) && !is_postgres {
            problems
                .push("LAYERS_RATE_LIMIT_STORE=postgres needs a PostgreSQL LAYERS_DATABASE_URL".to_owned());
        }
        match self.redis_url.as_deref() {
            None if self.rate_limit_store == Some(StoreKind::Redis) => {
                problems.push("LAYERS_RATE_LIMIT_STORE=redis needs LAYERS_REDIS_URL".to_owned());
            }
            Some(url) if redis::Client::open(url).is_err() => {
                problems.push("LAYERS_REDIS_URL is not a Redis URL (redis://host:port/db)".to_owned());
            }
            _ => {}
        }
        if self.instance_expiry_secs <= self.instance_heartbeat_secs {
            problems.push(
                "LAYERS_INSTANCE_EXPIRY_SECS must be longer than LAYERS_INSTANCE_HEARTBEAT_SECS".to_owned(),
            );
        }
        problems
    }
}
