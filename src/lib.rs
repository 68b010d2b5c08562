//! Layers dashboard API: the GraphQL backend of the Layers customer dashboard.
//!
//! Every ad write goes through one gate (`domain::gate`, driven by `service`): per campaign three
//! authority axes, layer defaults, a customer-only kill switch and an audit row per decision.
//!
//! Layout, inside out:
//! - `domain`: pure rules (authority, gate, policy, money, status, lifecycle); no I/O.
//! - `store`: organization-scoped queries; `platform`: the proxy to Meta, TikTok and Apple;
//!   `events`: the bus committed changes are announced on.
//! - `service`: the gate's I/O around the domain (read, decide, record, dispatch).
//! - `graphql` and `http`: the API surface; `application`: the server as `serve` runs it;
//!   `cli` and `config`: the binary's command line and settings.

pub mod application;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod platform;
pub mod seed;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod ws;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::{JwtKeys, Secret};
use crate::events::EventBus;
use crate::http::AppState;
use crate::platform::PlatformProxy;
use crate::service::Services;

/// The default for [`AppConfig::max_body_bytes`]: `LAYERS_HTTP_MAX_BODY_BYTES`'s, 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = config::graphql::DEFAULT_HTTP_MAX_BODY_BYTES as usize;

/// How to build an app around an open database.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// HS256 secret for customer tokens.
    pub jwt_secret: Secret,
    /// How long pending actions wait for approval.
    pub pending_ttl: chrono::Duration,
    /// The thresholds ads are classified by.
    pub thresholds: domain::classification::Thresholds,
    /// Admission rules and error suggestions.
    pub schema: graphql::SchemaConfig,
    /// The largest request body `/graphql` reads, in bytes.
    pub max_body_bytes: usize,
    /// The bearer token `/metrics` requires; `None` serves it to anyone who can reach it.
    pub metrics_token: Option<Secret>,
    /// Connected ad accounts: platform mode, token key, OAuth apps, refresh margin.
    pub accounts: service::accounts::AccountsConfig,
    /// How long a dispatch's holder may take before a reconciler may settle it instead.
    pub dispatch_lease: chrono::Duration,
    /// How long after a call started the platform showing no trace of it is believed.
    pub dispatch_settle: chrono::Duration,
    /// This server instance's name, stable across its restarts (`LAYERS_INSTANCE_ID`): a process
    /// settles the dispatches an earlier boot of its instance left in flight at once.
    pub instance: String,
    /// Whether `/graphiql` serves GraphiQL (404 otherwise).
    pub graphiql: bool,
    /// Where rate limits and WebSocket counts are shared between instances.
    pub limits: config::limits::LimitsConfig,
}

impl AppConfig {
    /// The defaults, with `jwt_secret`: sandbox mode, the development token key, no OAuth apps,
    /// and an instance name of its own (no other process shares it).
    pub fn new(jwt_secret: Secret) -> Self {
        AppConfig {
            jwt_secret,
            pending_ttl: chrono::Duration::hours(i64::from(config::DEFAULT_PENDING_TTL_HOURS)),
            thresholds: domain::classification::Thresholds::default(),
            schema: graphql::SchemaConfig::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            metrics_token: None,
            accounts: service::accounts::AccountsConfig::sandbox(),
            dispatch_lease: chrono::Duration::seconds(i64::from(
                config::dispatch::DEFAULT_DISPATCH_LEASE_SECS,
            )),
            dispatch_settle: chrono::Duration::seconds(i64::from(
                config::dispatch::DEFAULT_DISPATCH_SETTLE_SECS,
            )),
            instance: format!("instance-{}", uuid::Uuid::now_v7()),
            graphiql: true,
            limits: config::limits::LimitsConfig::default(),
        }
    }
}

/// Builds the services and HTTP state around `db`, with the sandbox platform proxy.
pub fn build_state(db: DatabaseConnection, config: &AppConfig) -> AppState {
    build_state_with_proxy(db, config, Arc::new(PlatformProxy::sandbox()))
}

/// Builds the services and HTTP state around `db` and `proxy`, with an in-process event bus.
pub fn build_state_with_proxy(
    db: DatabaseConnection,
    config: &AppConfig,
    proxy: Arc<PlatformProxy>,
) -> AppState {
    build_state_with(db, config, proxy, EventBus::in_process())
}

/// Builds the services and HTTP state around `db`, `proxy` and the event bus `events` (shared by
/// every instance on PostgreSQL: see `EventBus::postgres`).
pub fn build_state_with(
    db: DatabaseConnection,
    config: &AppConfig,
    proxy: Arc<PlatformProxy>,
    events: EventBus,
) -> AppState {
    build_state_with_reads(db.clone(), db, config, proxy, events)
}

/// [`build_state_with`], with queries reading through `reads` (see `db::connect_reads`).
pub fn build_state_with_reads(
    db: DatabaseConnection,
    reads: DatabaseConnection,
    config: &AppConfig,
    proxy: Arc<PlatformProxy>,
    events: EventBus,
) -> AppState {
    let services = Services {
        db,
        reads,
        proxy,
        events,
        pending_ttl: config.pending_ttl,
        thresholds: config.thresholds,
        accounts: service::accounts::ConnectedAccounts::new(config.accounts.clone(), &config.jwt_secret),
        dispatch_lease: config.dispatch_lease,
        dispatch_settle: config.dispatch_settle,
        holder: store::audit::ledger::Holder::boot(config.instance.clone()),
        detached: service::Detached::default(),
        turns: Default::default(),
    };
    AppState {
        schema: graphql::build_schema(services.clone(), &config.schema, &config.limits),
        max_body_bytes: config.max_body_bytes,
        metrics_token: config.metrics_token.clone(),
        graphiql: config.graphiql,
        services,
        jwt: Arc::new(JwtKeys::from_secret(&config.jwt_secret)),
    }
}

/// The application router for `state`.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}
