//! Typed configuration, from `LAYERS_*` environment variables and command-line flags.
//!
//! Every setting the server reads is listed here, with its default:
//!
//! | variable | flag | default | meaning |
//! | --- | --- | --- | --- |
//! | `LAYERS_DATABASE_URL` | `--database-url` | `sqlite://layers-dashboard.db?mode=rwc` | SQLite file or `postgres://` URL |
//! | `LAYERS_LISTEN` | `--listen` | `127.0.0.1:8080` | address the HTTP server binds |
//! | `LAYERS_JWT_SECRET` | `--jwt-secret` | a development secret, with a warning | HS256 secret for customer tokens |
//! | `LAYERS_PLATFORM_MODE` | `--platform-mode` | `sandbox` | `sandbox` (embedded platforms) or `live` |
//! | `LAYERS_SEED_DEMO` | `--seed-demo` | `auto` | `auto` seeds a demo organization into an empty database in development with the sandbox only; `always` (refused in production and live mode); `never` |
//! | `LAYERS_GRAPHIQL` | `--graphiql` | `on` in development, `off` in production | whether `/graphiql` serves GraphiQL (404 when off) |
//! | `LAYERS_PENDING_TTL_HOURS` | `--pending-ttl-hours` | `72` | how long a pending action waits for approval |
//! | `LAYERS_EXPIRY_SWEEP_SECS` | `--expiry-sweep-secs` | `60` | seconds between sweeps expiring pending actions |
//! | `LAYERS_CLASSIFICATION` | `--thresholds` | the documented defaults | ad classification thresholds as JSON, field by field |
//! | `LAYERS_SANDBOX_GENERATION_DELAY_SECS` | `--sandbox-generation-delay-secs` | `5` | sandbox: seconds until a draft creative completes |
//! | `LAYERS_OPTIMIZER_INTERVAL_SECS` | `--optimizer-interval-secs` | `3600` | seconds between scheduled optimizer cycles |
//! | `LAYERS_WS_INIT_TIMEOUT_SECS` | `--ws-init-timeout-secs` | `10` | seconds a WebSocket may take to send `connection_init` |
//! | `LAYERS_WS_KEEPALIVE_SECS` | `--ws-keepalive-secs` | `15` | seconds of silence before the server pings a WebSocket |
//! | `LAYERS_WS_MAX_SUBSCRIPTIONS` | `--ws-max-subscriptions` | `100` | subscriptions per WebSocket |
//! | `LAYERS_WS_MAX_CONNECTIONS_PER_ORG` | `--ws-max-connections-per-org` | `1000` | WebSockets per organization, across every instance on PostgreSQL (per instance with the `memory` store or SQLite) |
//! | `LAYERS_DB_MAX_CONNECTIONS` | `--db-max-connections` | `10` (PostgreSQL; SQLite always uses 1) | connection pool size |
//! | `LAYERS_LOG` | `--log` | `info` | log filter (`tracing` env-filter syntax) |
//! | `LAYERS_LOG_FORMAT` | `--log-format` | `human` | `human` or `json` |
//! | `LAYERS_ENV` | `--environment` | `development` | `production`: introspection and suggestions off by default, a real JWT secret required |
//! | `LAYERS_METRICS_TOKEN` | `--metrics-token` | unset (open) | bearer token `/metrics` requires |
//! | `LAYERS_HTTP_MAX_BODY_BYTES` | `--http-max-body-bytes` | `1048576` | largest `/graphql` request body |
//! | `LAYERS_GRAPHQL_MAX_*` | `--graphql-max-*` | see `graphql::settings` | document bytes 32768, tokens 1000, fields 250, aliases 15, directives 5 per field / 50, depth 6, cost 5000 |
//! | `LAYERS_GRAPHQL_INTROSPECTION` | `--graphql-introspection` | `authenticated` (production `off`) | who may introspect |
//! | `LAYERS_GRAPHQL_SUGGESTIONS` | `--graphql-suggestions` | `true` (production `false`) | "Did you mean" in validation errors |
//! | `LAYERS_RATE_LIMIT_ORG_PER_MINUTE` / `_BURST` | `--rate-limit-org-*` | `600` / `100` | customer requests per organization |
//! | `LAYERS_RATE_LIMIT_PARTNER_KEY_PER_MINUTE` / `_BURST` | `--rate-limit-partner-key-*` | `300` / `50` | requests per partner key |
//! | `LAYERS_RATE_LIMIT_SUBSCRIBE_PER_MINUTE` / `_BURST` | `--rate-limit-subscribe-*` | `3000` / `3000` | subscription starts per organization or partner key, apart from queries |
//! | `LAYERS_RATE_LIMIT_STORE` | `--rate-limit-store` | `redis` when `LAYERS_REDIS_URL` is set, else `postgres` on PostgreSQL, else `memory` | where rate limits are shared by every instance (`memory`: each instance counts its own traffic, WebSockets too) |
//! | `LAYERS_REDIS_URL` | `--redis-url` | unset | Redis for the rate limits of every instance (`redis://host:6379/0`) |
//! | `LAYERS_RATE_LIMIT_STORE_TIMEOUT_MS` | `--rate-limit-store-timeout-ms` | `100` | milliseconds the shared store may take; slower or failing, the request goes through (fail open, counted in `layers_rate_limit_store_failures_total`) |
//! | `LAYERS_INSTANCE_HEARTBEAT_SECS` | `--instance-heartbeat-secs` | `10` | PostgreSQL: seconds between this instance's heartbeats |
//! | `LAYERS_INSTANCE_EXPIRY_SECS` | `--instance-expiry-secs` | `30` | PostgreSQL: an instance silent this long (crashed) no longer counts toward WebSocket caps |
//! | `LAYERS_DISPATCH_LEASE_SECS` | `--dispatch-lease-secs` | `300` | seconds a dispatch may take before a reconciler may settle it instead (longer than any platform call with its retries) |
//! | `LAYERS_RECONCILE_INTERVAL_SECS` | `--reconcile-interval-secs` | `15` | seconds between reconciler runs (one also runs at start-up) settling dispatches left in flight |
//! | `LAYERS_INSTANCE_ID` | `--instance-id` | `<hostname>:<port>` | this instance's name, unique among running instances and stable across its restarts (a restarted instance settles its previous process's dispatches at once) |
//! | `LAYERS_META_BASE_URL` | `--meta-base-url` | `https://graph.facebook.com` | live: Meta Marketing API host |
//! | `LAYERS_META_API_VERSION` | `--meta-api-version` | `v27.0` | live: Graph API version in every Meta path |
//! | `LAYERS_TIKTOK_BASE_URL` | `--tiktok-base-url` | `https://business-api.tiktok.com` | live: TikTok Business API host |
//! | `LAYERS_APPLE_BASE_URL` | `--apple-base-url` | `https://api.searchads.apple.com` | live: Apple Search Ads Campaign Management API v5 host (accounts connected on v5) |
//! | `LAYERS_APPLE_ADS_BASE_URL` | `--apple-ads-base-url` | `https://api.ads.apple.com` | live: Apple Ads Platform API host (`/v1/…`; new Apple connections) |
//! | `LAYERS_PLATFORM_TIMEOUT_MS` | `--platform-timeout-ms` | `30000` | live: milliseconds one platform call may take |
//! | `LAYERS_PLATFORM_MAX_ATTEMPTS` | `--platform-max-attempts` | `5` | live: attempts per write (1–10); only transient failures and rate limits are retried |
//! | `LAYERS_PLATFORM_BACKOFF_BASE_MS` | `--platform-backoff-base-ms` | `500` | live: first retry's backoff ceiling, doubled per attempt, equal jitter |
//! | `LAYERS_PLATFORM_BACKOFF_CAP_MS` | `--platform-backoff-cap-ms` | `20000` | live: longest backoff (not below the base) |
//! | `LAYERS_PLATFORM_RETRY_AFTER_CAP_SECS` | `--platform-retry-after-cap-secs` | `60` | live: longest `Retry-After` waited for; a longer one fails as rate limited |
//! | `LAYERS_TOKEN_ENCRYPTION_KEY` | `--token-encryption-key` | live: required; sandbox: a development key, with a warning | 32 bytes, base64: encrypts connected accounts' OAuth tokens at rest |
//! | `LAYERS_OAUTH_REDIRECT_BASE_URL` | `--oauth-redirect-base-url` | `http://127.0.0.1:8080` | public base URL the platforms redirect to (`/oauth/<platform>/callback`) |
//! | `LAYERS_OAUTH_STATE_TTL_SECS` | `--oauth-state-ttl-secs` | `900` | seconds an authorization URL's `state` stays valid |
//! | `LAYERS_TOKEN_REFRESH_MARGIN_SECS` | `--token-refresh-margin-secs` | `600` | a token expiring within this margin is refreshed before a dispatch |
//! | `LAYERS_TOKEN_REFRESH_SWEEP_SECS` | `--token-refresh-sweep-secs` | `300` | seconds between sweeps refreshing tokens about to expire |
//! | `LAYERS_META_APP_ID` / `LAYERS_META_APP_SECRET` | `--meta-app-id` / `--meta-app-secret` | unset (Meta cannot be connected) | the Meta app accounts are connected through |
//! | `LAYERS_META_DIALOG_BASE_URL` | `--meta-dialog-base-url` | `https://www.facebook.com` | host of Meta's login dialog |
//! | `LAYERS_META_OAUTH_SCOPES` | `--meta-oauth-scopes` | `ads_management,ads_read` | permissions asked of Meta |
//! | `LAYERS_TIKTOK_APP_ID` / `LAYERS_TIKTOK_APP_SECRET` | `--tiktok-app-id` / `--tiktok-app-secret` | unset (TikTok cannot be connected) | the TikTok for Business app |
//! | `LAYERS_TIKTOK_AUTHORIZE_URL` | `--tiktok-authorize-url` | `https://business-api.tiktok.com/portal/auth` | TikTok's advertiser authorization page |
//! | `LAYERS_APPLE_CLIENT_ID` / `LAYERS_APPLE_CLIENT_SECRET` | `--apple-client-id` / `--apple-client-secret` | unset (Apple cannot be connected) | the Apple Search Ads API client and its ES256 client secret |
//! | `LAYERS_APPLE_TOKEN_URL` | `--apple-token-url` | `https://appleid.apple.com/auth/oauth2/token` | Apple's OAuth token endpoint (v5 connections, and v1 unless the next row is set) |
//! | `LAYERS_APPLE_ADS_TOKEN_URL` | `--apple-ads-token-url` | unset: `LAYERS_APPLE_TOKEN_URL` | the token endpoint of Apple Ads Platform API connections |
//! | `LAYERS_APPLE_ADS_OAUTH_SCOPE` | `--apple-ads-oauth-scope` | `searchadsorg` | the scope asked for Apple Ads Platform API tokens |
//!
//! This module parses and validates (`check`: every problem at once); only
//! [`check::database_problems`] opens a connection, and nothing here binds sockets.

pub mod accounts;
pub mod check;
pub mod limits;

use std::net::SocketAddr;

use clap::{Args, ValueEnum};

use crate::auth::Secret;

/// The HS256 secret used when none is configured. Tokens signed with it are worthless outside development.
pub const DEV_JWT_SECRET: &str = "layers-dev-secret-do-not-use-in-production";

/// The default database: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://layers-dashboard.db?mode=rwc";

/// Where the server gets its data and how it reaches the ad platforms.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://file.db?mode=rwc` (embedded) or `postgres://user@host/db`.
    #[arg(long, env = "LAYERS_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// HS256 secret for customer JWTs. Without it a development secret is used, with a warning.
    #[arg(long, env = "LAYERS_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// `sandbox` simulates every platform in-process; `live` calls the real platform APIs.
    #[arg(long, env = "LAYERS_PLATFORM_MODE", value_enum, default_value_t = PlatformMode::Sandbox, global = true)]
    pub platform_mode: PlatformMode,

    /// How many hours a pending action waits for approval before it expires.
    #[arg(long, env = "LAYERS_PENDING_TTL_HOURS", default_value_t = 72, value_parser = clap::value_parser!(u32).range(1..=8760), global = true)]
    pub pending_ttl_hours: u32,

    /// Seconds between sweeps that expire pending actions past their time.
    #[arg(long, env = "LAYERS_EXPIRY_SWEEP_SECS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=86_400), global = true)]
    pub expiry_sweep_secs: u32,

    /// Ad classification thresholds, as JSON overriding the defaults field by field
    /// (e.g. `{"fatigue_frequency": 2.5}`; every field in `domain::classification::Thresholds`).
    #[arg(long, env = "LAYERS_CLASSIFICATION", value_parser = parse_thresholds, global = true)]
    pub thresholds: Option<crate::domain::classification::Thresholds>,

    /// Sandbox mode: seconds after which the embedded generation workflow completes a draft.
    #[arg(long, env = "LAYERS_SANDBOX_GENERATION_DELAY_SECS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=86_400), global = true)]
    pub sandbox_generation_delay_secs: u32,

    /// Seconds between scheduled optimizer cycles (every organization).
    #[arg(long, env = "LAYERS_OPTIMIZER_INTERVAL_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u32).range(10..=604_800), global = true)]
    pub optimizer_interval_secs: u32,

    /// Seconds a new WebSocket may take to send `connection_init` before it is closed (4408).
    #[arg(long, env = "LAYERS_WS_INIT_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=600), global = true)]
    pub ws_init_timeout_secs: u32,

    /// Seconds of silence after which the server pings a WebSocket.
    #[arg(long, env = "LAYERS_WS_KEEPALIVE_SECS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=3600), global = true)]
    pub ws_keepalive_secs: u32,

    /// Subscriptions one WebSocket may run at once.
    #[arg(long, env = "LAYERS_WS_MAX_SUBSCRIPTIONS", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub ws_max_subscriptions: u32,

    /// WebSocket connections one organization may hold (across instances on PostgreSQL).
    #[arg(long, env = "LAYERS_WS_MAX_CONNECTIONS_PER_ORG", default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub ws_max_connections_per_org: u32,

    /// Connection pool size on PostgreSQL (SQLite always uses a single connection).
    #[arg(long, env = "LAYERS_DB_MAX_CONNECTIONS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_max_connections: u32,

    /// Log filter, in `tracing` env-filter syntax (`info`, `layers_dashboard=debug`).
    #[arg(long, env = "LAYERS_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format.
    #[arg(long, env = "LAYERS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,

    /// Address the server listens on.
    #[arg(long, env = "LAYERS_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,

    /// Whether `serve` seeds a demo organization on start: `auto` seeds an empty database in
    /// development with the sandbox only; `always` is refused in production and in live mode.
    #[arg(long, env = "LAYERS_SEED_DEMO", value_enum, default_value_t = SeedDemo::Auto, global = true)]
    pub seed_demo: SeedDemo,

    /// Whether `/graphiql` serves GraphiQL: `on` or `off` (default: on in development, off in production).
    #[arg(long, env = "LAYERS_GRAPHIQL", value_enum, global = true)]
    pub graphiql: Option<Switch>,

    /// `development` (the default) or `production`: production turns introspection and field
    /// suggestions off unless set explicitly, and refuses the development JWT secret.
    #[arg(long, env = "LAYERS_ENV", value_enum, default_value_t = Environment::Development, global = true)]
    pub environment: Environment,

    /// GraphQL limits, rate limits, introspection and suggestions (`LAYERS_GRAPHQL_*`, `LAYERS_RATE_LIMIT_*`).
    #[command(flatten)]
    pub graphql: crate::graphql::settings::GraphqlSettings,

    /// A bearer token `/metrics` requires (unset: `/metrics` is served to anyone who reaches it).
    #[arg(long, env = "LAYERS_METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<String>,
    /// Dispatch leases and the reconciler (`LAYERS_DISPATCH_LEASE_SECS`, `LAYERS_RECONCILE_INTERVAL_SECS`).
    #[command(flatten)]
    pub dispatch: crate::service::reconcile::DispatchSettings,

    /// Live platform endpoints (`LAYERS_META_*`, `LAYERS_TIKTOK_*`, `LAYERS_APPLE_*`).
    #[command(flatten)]
    pub platforms: crate::platform::PlatformSettings,

    /// Connected ad accounts: token encryption, OAuth apps, refresh (`LAYERS_TOKEN_*`, `LAYERS_OAUTH_*`, app ids).
    #[command(flatten)]
    pub accounts: accounts::AccountSettings,

    /// Limits shared across instances: the rate-limit store and the instance heartbeat.
    #[command(flatten)]
    pub limits: limits::LimitSettings,
}

/// How writes reach the ad platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformMode {
    /// Embedded simulation of Meta, TikTok and Apple Search Ads.
    Sandbox,
    /// Real HTTP calls to the platforms.
    Live,
}

/// Where the server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// A developer's machine: introspection for authenticated callers, suggestions on.
    Development,
    /// The internet: introspection and suggestions off by default, a real JWT secret required.
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// A feature turned on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

impl Switch {
    /// Whether it is on.
    pub fn is_on(self) -> bool {
        self == Switch::On
    }
}

/// When the demo organization is seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeedDemo {
    /// Seed when the database holds no organization yet, in development with the sandbox only.
    Auto,
    /// Seed another demo organization on every start (development with the sandbox only).
    Always,
    /// Never seed.
    Never,
}

impl Settings {
    /// The WebSocket settings.
    pub fn ws_config(&self) -> crate::ws::WsConfig {
        crate::ws::WsConfig {
            init_timeout: std::time::Duration::from_secs(u64::from(self.ws_init_timeout_secs)),
            keep_alive: std::time::Duration::from_secs(u64::from(self.ws_keepalive_secs)),
            max_operations: self.ws_max_subscriptions as usize,
            max_connections_per_org: self.ws_max_connections_per_org as usize,
            ..crate::ws::WsConfig::default()
        }
    }

    /// The JWT secret in force, and whether it is the development default.
    pub fn jwt_secret(&self) -> (Secret, bool) {
        match &self.jwt_secret {
            Some(secret) if !secret.is_empty() => (Secret::from(secret.clone()), false),
            _ => (Secret::from(DEV_JWT_SECRET.to_owned()), true),
        }
    }

    /// Checks the settings that clap cannot check on its own, reporting every problem at once.
    pub fn validate(&self) -> Result<(), check::Problems> {
        let problems = self.problems();
        if problems.is_empty() { Ok(()) } else { Err(check::Problems(problems)) }
    }
}

/// Parses classification thresholds from JSON, rejecting unknown fields and contradictions.
fn parse_thresholds(json: &str) -> Result<crate::domain::classification::Thresholds, String> {
    let thresholds: crate::domain::classification::Thresholds =
        serde_json::from_str(json).map_err(|e| format!("not valid thresholds JSON: {e}"))?;
    thresholds.validate().map_err(|e| e.to_string())?;
    Ok(thresholds)
}
