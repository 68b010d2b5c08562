//! Typed configuration, from `LAYERS_*` environment variables and command-line flags (flags win).
//!
//! Every settings struct lives in this module and its children, each default written once, as a
//! constant its clap attribute and its `Default` use: [`Settings`] (here), [`ws::WsSettings`],
//! [`graphql::GraphqlSettings`], [`dispatch::DispatchSettings`], [`platforms::PlatformSettings`]
//! and [`accounts::AccountSettings`]. Every variable the binary reads is in this table, which
//! is the README's "Configuration" table row for row (a test in `tests/api/config.rs` fails when a
//! variable the command line accepts is missing from either, or when they differ):
//!
//! | variable | flag | default | meaning |
//! | --- | --- | --- | --- |
//! | `LAYERS_DATABASE_URL` | `--database-url` | `sqlite://layers-dashboard.db?mode=rwc` | SQLite file (embedded, WAL mode) or `postgres://user@host/db` (TLS when the server offers it; `?sslmode=require` insists on it, `?sslmode=disable` turns it off) |
//! | `LAYERS_LISTEN` | `--listen` | `127.0.0.1:8080` | address the server binds |
//! | `LAYERS_JWT_SECRET` | `--jwt-secret` | a development secret, with a warning | HS256 secret for customer tokens (at least 32 characters) |
//! | `LAYERS_PLATFORM_MODE` | `--platform-mode` | `sandbox` | `sandbox` simulates the platforms in-process; `live` calls the real platform APIs (README: Live mode) |
//! | `LAYERS_SEED_DEMO` | `--seed-demo` | `auto` | `auto` seeds a demo organization into an empty database, in development with the sandbox only; `always` seeds on every start (refused in production and live mode); `never` |
//! | `LAYERS_GRAPHIQL` | `--graphiql` | `on` in development, `off` in production | whether `/graphiql` serves GraphiQL (404 when off) |
//! | `LAYERS_PENDING_TTL_HOURS` | `--pending-ttl-hours` | `72` | how long a pending action waits for approval before it expires |
//! | `LAYERS_EXPIRY_SWEEP_SECS` | `--expiry-sweep-secs` | `60` | seconds between sweeps that expire pending actions |
//! | `LAYERS_CLASSIFICATION` | `--thresholds` | the defaults in `src/domain/classification/thresholds.rs` | ad classification thresholds as JSON, field by field, e.g. `{"fatigue_frequency": 2.5}` |
//! | `LAYERS_SANDBOX_GENERATION_DELAY_SECS` | `--sandbox-generation-delay-secs` | `5` | sandbox: seconds until a draft creative completes by itself |
//! | `LAYERS_OPTIMIZER_INTERVAL_SECS` | `--optimizer-interval-secs` | `3600` | seconds between scheduled optimizer cycles (one instance runs each organization's cycle) |
//! | `LAYERS_WS_INIT_TIMEOUT_SECS` | `--ws-init-timeout-secs` | `10` | seconds a WebSocket may take to send `connection_init` (then closed 4408) |
//! | `LAYERS_WS_KEEPALIVE_SECS` | `--ws-keepalive-secs` | `15` | seconds of silence before the server pings a WebSocket |
//! | `LAYERS_WS_MAX_SUBSCRIPTIONS` | `--ws-max-subscriptions` | `100` | subscriptions one WebSocket may run (one more gets `TOO_MANY_SUBSCRIPTIONS`) |
//! | `LAYERS_WS_MAX_CONNECTIONS_PER_ORG` | `--ws-max-connections-per-org` | `1000` | WebSockets one organization may hold, across every instance on PostgreSQL (per instance with the `memory` store or on SQLite); one more is closed 4403; a team of a hundred with several tabs each stays well under it |
//! | `LAYERS_DB_MAX_CONNECTIONS` | `--db-max-connections` | `10` | PostgreSQL pool size; on a SQLite file, read-only connections beside the one writer (each maps up to 256 MiB of the file into memory) |
//! | `LAYERS_DISPATCH_LEASE_SECS` | `--dispatch-lease-secs` | `300` | seconds a dispatch may take (its platform call with every retry) before the reconciler may settle it instead (10 to 86400) |
//! | `LAYERS_DISPATCH_SETTLE_SECS` | `--dispatch-settle-secs` | `60` | seconds after a dispatch's call started before the platform showing no trace of it is believed (it may still be processing a call it did not answer); until then the reconciler asks again at every run (0 to 3600) |
//! | `LAYERS_RECONCILE_INTERVAL_SECS` | `--reconcile-interval-secs` | `15` | seconds between reconciler runs (one also runs at start-up) settling dispatches left in flight (1 to 86400) |
//! | `LAYERS_INSTANCE_ID` | `--instance-id` | `<hostname>:<port>` | this server instance's name: unique among running instances, the same across restarts of one (a StatefulSet pod name); a restarted instance settles at once the dispatches its previous process left in flight |
//! | `LAYERS_LOG` | `--log` | `info` | log filter, `tracing` env-filter syntax |
//! | `LAYERS_LOG_FORMAT` | `--log-format` | `human` | `human` or `json` |
//! | `LAYERS_META_BASE_URL` | `--meta-base-url` | `https://graph.facebook.com` | live: Meta Marketing API host |
//! | `LAYERS_META_API_VERSION` | `--meta-api-version` | `v27.0` | live: Graph API version every Meta path starts with |
//! | `LAYERS_TIKTOK_BASE_URL` | `--tiktok-base-url` | `https://business-api.tiktok.com` | live: TikTok Business API host |
//! | `LAYERS_APPLE_BASE_URL` | `--apple-base-url` | `https://api.searchads.apple.com` | live: Apple Search Ads Campaign Management API v5 host (accounts connected on v5, until 2027-01-26) |
//! | `LAYERS_APPLE_ADS_BASE_URL` | `--apple-ads-base-url` | `https://api.ads.apple.com` | live: Apple Ads Platform API host (paths `/v1/…`; new Apple connections) |
//! | `LAYERS_PLATFORM_TIMEOUT_MS` | `--platform-timeout-ms` | `30000` | live: milliseconds one platform call may take |
//! | `LAYERS_PLATFORM_MAX_ATTEMPTS` | `--platform-max-attempts` | `5` | live: attempts per write, 1–10 |
//! | `LAYERS_PLATFORM_BACKOFF_BASE_MS` | `--platform-backoff-base-ms` | `500` | live: backoff ceiling before the first retry, doubled per attempt |
//! | `LAYERS_PLATFORM_BACKOFF_CAP_MS` | `--platform-backoff-cap-ms` | `20000` | live: longest backoff (not below the base) |
//! | `LAYERS_PLATFORM_RETRY_AFTER_CAP_SECS` | `--platform-retry-after-cap-secs` | `60` | live: longest `Retry-After` waited for |
//! | `LAYERS_TOKEN_ENCRYPTION_KEY` | `--token-encryption-key` | live: required; sandbox: a development key, with a warning | 32 bytes, base64: encrypts connected accounts' tokens at rest |
//! | `LAYERS_OAUTH_REDIRECT_BASE_URL` | `--oauth-redirect-base-url` | `http://127.0.0.1:8080` | this server's public base URL; the platforms redirect to `<it>/oauth/<platform>/callback` |
//! | `LAYERS_OAUTH_RETURN_URL` | `--oauth-return-url` | unset: the callback answers JSON | the dashboard page the callback sends the browser back to (`303`, with `platform` and `status` + `connectedAccountId`, or `error`) |
//! | `LAYERS_OAUTH_STATE_TTL_SECS` | `--oauth-state-ttl-secs` | `900` | seconds an authorization URL stays valid (60–86400) |
//! | `LAYERS_TOKEN_REFRESH_MARGIN_SECS` | `--token-refresh-margin-secs` | `600` | a token expiring within this margin is refreshed before a dispatch uses it |
//! | `LAYERS_TOKEN_REFRESH_SWEEP_SECS` | `--token-refresh-sweep-secs` | `300` | seconds between sweeps refreshing tokens about to expire |
//! | `LAYERS_META_APP_ID` / `LAYERS_META_APP_SECRET` | `--meta-app-id` / `--meta-app-secret` | unset: Meta accounts cannot be connected | the Meta app |
//! | `LAYERS_META_DIALOG_BASE_URL` | `--meta-dialog-base-url` | `https://www.facebook.com` | host of Meta's login dialog (`/<version>/dialog/oauth`) |
//! | `LAYERS_META_OAUTH_SCOPES` | `--meta-oauth-scopes` | `ads_management,ads_read` | permissions asked of Meta |
//! | `LAYERS_TIKTOK_APP_ID` / `LAYERS_TIKTOK_APP_SECRET` | `--tiktok-app-id` / `--tiktok-app-secret` | unset: TikTok accounts cannot be connected | the TikTok for Business app |
//! | `LAYERS_TIKTOK_AUTHORIZE_URL` | `--tiktok-authorize-url` | `https://business-api.tiktok.com/portal/auth` | TikTok's advertiser authorization page |
//! | `LAYERS_APPLE_CLIENT_ID` / `LAYERS_APPLE_CLIENT_SECRET` | `--apple-client-id` / `--apple-client-secret` | unset: Apple accounts cannot be connected | Layers' Apple Search Ads API client and its client secret |
//! | `LAYERS_APPLE_TEAM_ID` / `LAYERS_APPLE_KEY_ID` / `LAYERS_APPLE_PRIVATE_KEY` | `--apple-team-id` / `--apple-key-id` / `--apple-private-key` | unset | the API user's team id, key id and EC P-256 private key (PEM): the server signs Apple client secrets itself (all three with the client id, instead of `LAYERS_APPLE_CLIENT_SECRET`) |
//! | `LAYERS_APPLE_TOKEN_URL` | `--apple-token-url` | `https://appleid.apple.com/auth/oauth2/token` | Apple's OAuth token endpoint (v5 connections; Apple Ads Platform API ones too unless the next row is set) |
//! | `LAYERS_APPLE_ADS_TOKEN_URL` | `--apple-ads-token-url` | unset: `LAYERS_APPLE_TOKEN_URL` | the token endpoint of Apple Ads Platform API connections (new Apple connections) |
//! | `LAYERS_APPLE_ADS_OAUTH_SCOPE` | `--apple-ads-oauth-scope` | `searchadsorg` | the scope asked for Apple Ads Platform API tokens |
//! | `LAYERS_ENV` | `--environment` | `development` | `development` or `production` (introspection, suggestions, GraphiQL and demo data off; a real JWT secret and token key required: README, Production) |
//! | `LAYERS_METRICS_TOKEN` | `--metrics-token` | unset: `/metrics` is open | bearer token the Prometheus scraper must send |
//! | `LAYERS_HTTP_MAX_BODY_BYTES` | `--http-max-body-bytes` | `1048576` | largest request body `/graphql` reads (413 beyond) |
//! | `LAYERS_GRAPHQL_MAX_DOCUMENT_BYTES` | `--graphql-max-document-bytes` | `32768` | largest GraphQL document |
//! | `LAYERS_GRAPHQL_MAX_TOKENS` | `--graphql-max-tokens` | `1000` | most lexical tokens in a document |
//! | `LAYERS_GRAPHQL_MAX_FIELDS` | `--graphql-max-fields` | `250` | most field selections, as written |
//! | `LAYERS_GRAPHQL_MAX_ALIASES` | `--graphql-max-aliases` | `15` | most aliases |
//! | `LAYERS_GRAPHQL_MAX_DIRECTIVES_PER_FIELD` | `--graphql-max-directives-per-field` | `5` | most directives on one field |
//! | `LAYERS_GRAPHQL_MAX_DIRECTIVES` | `--graphql-max-directives` | `50` | most directives in a document |
//! | `LAYERS_GRAPHQL_MAX_DEPTH` | `--graphql-max-depth` | `6` | deepest field nesting (connection plumbing free) |
//! | `LAYERS_GRAPHQL_MAX_COST` | `--graphql-max-cost` | `5000` | most objects an operation may return |
//! | `LAYERS_GRAPHQL_INTROSPECTION` | `--graphql-introspection` | `authenticated` (production: `off`) | `on`, `authenticated` or `off` |
//! | `LAYERS_GRAPHQL_SUGGESTIONS` | `--graphql-suggestions` | `true` (production: `false`) | "Did you mean" in validation errors |
//! | `LAYERS_RATE_LIMIT_ORG_PER_MINUTE` / `LAYERS_RATE_LIMIT_ORG_BURST` | `--rate-limit-org-per-minute` / `--rate-limit-org-burst` | `600` / `100` | customer requests per organization (0: no limit) |
//! | `LAYERS_RATE_LIMIT_PARTNER_KEY_PER_MINUTE` / `LAYERS_RATE_LIMIT_PARTNER_KEY_BURST` | `--rate-limit-partner-key-per-minute` / `--rate-limit-partner-key-burst` | `300` / `50` | requests per partner key (0: no limit) |
//! | `LAYERS_RATE_LIMIT_SUBSCRIBE_PER_MINUTE` / `LAYERS_RATE_LIMIT_SUBSCRIBE_BURST` | `--rate-limit-subscribe-per-minute` / `--rate-limit-subscribe-burst` | `3000` / `3000` | subscription starts per organization (customers) or partner key, counted apart from queries and mutations: a burst admits every tab of an organization at its WebSocket cap reconnecting three feeds after a deploy (0: no limit) |
//! | `LAYERS_RATE_LIMIT_STORE` | `--rate-limit-store` | `redis` when `LAYERS_REDIS_URL` is set, else `postgres` on PostgreSQL, else `memory` | where every instance shares its rate limits; `memory`: each instance limits the traffic it sees (WebSocket caps too) |
//! | `LAYERS_REDIS_URL` | `--redis-url` | unset | Redis for the rate limits of every instance (`redis://host:6379/0`); WebSocket caps stay in PostgreSQL |
//! | `LAYERS_RATE_LIMIT_STORE_TIMEOUT_MS` | `--rate-limit-store-timeout-ms` | `100` | how long the shared store may take; slower or failing, the request goes through (fail open, counted in `layers_rate_limit_store_failures_total`) |
//! | `LAYERS_INSTANCE_HEARTBEAT_SECS` | `--instance-heartbeat-secs` | `10` | PostgreSQL: seconds between this instance's heartbeats (its WebSockets keep counting toward the cap) |
//! | `LAYERS_INSTANCE_EXPIRY_SECS` | `--instance-expiry-secs` | `30` | PostgreSQL: an instance silent this long (crashed) no longer counts toward WebSocket caps; longer than the heartbeat |
//! | `LAYERS_AD_ACCOUNT_TOKEN` | none (standard input instead) | unset: read from standard input | `ad-account connect` only: the token of the account being connected |
//!
//! This module parses and validates (`check`: every problem at once); only
//! [`check::database_problems`] opens a connection, and nothing here binds sockets.

pub mod accounts;
pub mod check;
pub mod dispatch;
pub mod graphql;
pub mod limits;
pub mod platforms;
pub mod ws;

use std::net::SocketAddr;

use clap::{Args, ValueEnum};

use crate::auth::Secret;

/// The HS256 secret used when none is configured. Tokens signed with it are worthless outside development.
pub const DEV_JWT_SECRET: &str = "layers-dev-secret-do-not-use-in-production";

/// The default database: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://layers-dashboard.db?mode=rwc";

/// Default `LAYERS_LISTEN`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Default `LAYERS_PENDING_TTL_HOURS`: three days.
pub const DEFAULT_PENDING_TTL_HOURS: u32 = 72;

/// Default `LAYERS_EXPIRY_SWEEP_SECS`.
pub const DEFAULT_EXPIRY_SWEEP_SECS: u32 = 60;

/// Default `LAYERS_SANDBOX_GENERATION_DELAY_SECS`.
pub const DEFAULT_SANDBOX_GENERATION_DELAY_SECS: u32 = 5;

/// Default `LAYERS_OPTIMIZER_INTERVAL_SECS`: hourly.
pub const DEFAULT_OPTIMIZER_INTERVAL_SECS: u32 = 3600;

/// Default `LAYERS_DB_MAX_CONNECTIONS`.
pub const DEFAULT_DB_MAX_CONNECTIONS: u32 = 10;

/// Default `LAYERS_LOG`.
pub const DEFAULT_LOG: &str = "info";

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
    #[arg(long, env = "LAYERS_PENDING_TTL_HOURS", default_value_t = DEFAULT_PENDING_TTL_HOURS, value_parser = clap::value_parser!(u32).range(1..=8760), global = true)]
    pub pending_ttl_hours: u32,

    /// Seconds between sweeps that expire pending actions past their time.
    #[arg(long, env = "LAYERS_EXPIRY_SWEEP_SECS", default_value_t = DEFAULT_EXPIRY_SWEEP_SECS, value_parser = clap::value_parser!(u32).range(1..=86_400), global = true)]
    pub expiry_sweep_secs: u32,

    /// Ad classification thresholds, as JSON overriding the defaults field by field
    /// (e.g. `{"fatigue_frequency": 2.5}`; every field in `domain::classification::Thresholds`).
    #[arg(long, env = "LAYERS_CLASSIFICATION", value_parser = parse_thresholds, global = true)]
    pub thresholds: Option<crate::domain::classification::Thresholds>,

    /// Sandbox mode: seconds after which the embedded generation workflow completes a draft.
    #[arg(long, env = "LAYERS_SANDBOX_GENERATION_DELAY_SECS", default_value_t = DEFAULT_SANDBOX_GENERATION_DELAY_SECS, value_parser = clap::value_parser!(u32).range(1..=86_400), global = true)]
    pub sandbox_generation_delay_secs: u32,

    /// Seconds between scheduled optimizer cycles (every organization).
    #[arg(long, env = "LAYERS_OPTIMIZER_INTERVAL_SECS", default_value_t = DEFAULT_OPTIMIZER_INTERVAL_SECS, value_parser = clap::value_parser!(u32).range(10..=604_800), global = true)]
    pub optimizer_interval_secs: u32,

    /// Connection pool size on PostgreSQL; on a SQLite file, the read-only connections queries use
    /// beside the one writing connection.
    #[arg(long, env = "LAYERS_DB_MAX_CONNECTIONS", default_value_t = DEFAULT_DB_MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_max_connections: u32,

    /// Log filter, in `tracing` env-filter syntax (`info`, `layers_dashboard=debug`).
    #[arg(long, env = "LAYERS_LOG", default_value = DEFAULT_LOG, global = true)]
    pub log: String,

    /// Log format.
    #[arg(long, env = "LAYERS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,

    /// Address the server listens on.
    #[arg(long, env = "LAYERS_LISTEN", default_value = DEFAULT_LISTEN, global = true)]
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

    /// WebSocket timers and limits (`LAYERS_WS_*`).
    #[command(flatten)]
    pub ws: ws::WsSettings,

    /// GraphQL limits, rate limits, introspection and suggestions (`LAYERS_GRAPHQL_*`, `LAYERS_RATE_LIMIT_*`).
    #[command(flatten)]
    pub graphql: graphql::GraphqlSettings,

    /// A bearer token `/metrics` requires (unset: `/metrics` is served to anyone who reaches it).
    #[arg(long, env = "LAYERS_METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<String>,

    /// Dispatch leases and the reconciler (`LAYERS_DISPATCH_LEASE_SECS`, `LAYERS_RECONCILE_INTERVAL_SECS`).
    #[command(flatten)]
    pub dispatch: dispatch::DispatchSettings,

    /// Live platform endpoints (`LAYERS_META_*`, `LAYERS_TIKTOK_*`, `LAYERS_APPLE_*`).
    #[command(flatten)]
    pub platforms: platforms::PlatformSettings,

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
        self.ws.ws_config()
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
