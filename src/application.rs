//! The serving application, as `layers-dashboard serve` runs it and tests start it on port 0:
//! settings checked (every problem at once), the database opened and migrated, the demo
//! organization seeded where that is allowed, the background jobs started and the listener bound
//! ([`Application::build`]); then [`Application::run_until_stopped`] serves until its shutdown
//! future completes, drains HTTP, closes WebSockets with 1001 and stops the jobs.
//!
//! On PostgreSQL the instance joins the shared WebSocket count at start (a heartbeat job keeps
//! it live and purges what crashed instances left) and leaves it at shutdown.

use std::error::Error;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;

use crate::config::{Environment, PlatformMode, SeedDemo, Settings, check::Problems};
use crate::events::EventBus;
use crate::http::AppState;
use crate::ws::{SharedConnections, WsHub};
use crate::{AppConfig, build_state_with_reads, db, seed};

/// A start-up or serving failure.
pub type AppError = Box<dyn Error + Send + Sync>;

/// How long shutdown waits for WebSockets to close after the 1001 close frame.
const WS_DRAIN: Duration = Duration::from_secs(5);

/// A server ready to serve: migrated, seeded as configured, jobs running, listener bound.
pub struct Application {
    listener: tokio::net::TcpListener,
    state: AppState,
    hub: WsHub,
    graphiql: bool,
    seeded: Option<entity::organizations::Model>,
    _jobs: Jobs,
}

/// Background jobs, stopped when the application is dropped.
struct Jobs(Vec<JoinHandle<()>>);

impl Drop for Jobs {
    fn drop(&mut self) {
        for job in &self.0 {
            job.abort();
        }
    }
}

impl Application {
    /// Checks `settings` and the database, migrates, seeds the demo organization if allowed and
    /// asked for, starts the background jobs and binds `LAYERS_LISTEN` (port 0: any free port).
    /// A configuration with problems fails here, naming all of them, before anything is written.
    pub async fn build(settings: &Settings) -> Result<Self, AppError> {
        let mut problems = settings.problems();
        let db = match db::connect(&settings.database_url, settings.db_max_connections).await {
            Ok(db) => Some(db),
            Err(error) => {
                problems.push(format!("the database at LAYERS_DATABASE_URL cannot be reached: {error}"));
                None
            }
        };
        let db = match db {
            Some(db) if problems.is_empty() => db,
            _ => return Err(Problems(problems).into()),
        };
        migration::run(&db).await?;
        let thresholds = settings.thresholds.unwrap_or_default();
        let refreshed = crate::store::metrics::refresh_stale_summaries(&db, &thresholds).await?;
        if refreshed > 0 {
            tracing::info!(
                ads = refreshed,
                "ad metric summaries computed for other windows or missing: recomputed"
            );
        }
        let state = serving_state(settings, db).await?;
        let seeded = seed_if_asked(settings, &state).await?;
        let hub = ws_hub(settings, &state).await?;
        let mut jobs = start_jobs(settings, &state);
        jobs.0.push(spawn_limits_upkeep(&state, &hub, settings.limits.config().heartbeat));
        let listener = tokio::net::TcpListener::bind(settings.listen).await?;
        Ok(Application { listener, state, hub, graphiql: settings.graphiql_enabled(), seeded, _jobs: jobs })
    }

    /// The address the server listens on.
    pub fn address(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The services and schema it serves.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The demo organization seeded at this start, if any.
    pub fn seeded(&self) -> Option<&entity::organizations::Model> {
        self.seeded.as_ref()
    }

    /// GraphiQL's URL, when it is served.
    pub fn graphiql_url(&self) -> Option<String> {
        let address = self.address().ok()?;
        self.graphiql.then(|| format!("http://{address}/graphiql"))
    }

    /// Serves until `shutdown` completes, then drains HTTP requests, closes every WebSocket with
    /// 1001, waits up to 5 s for them, leaves the shared WebSocket count, waits for detached
    /// writes (their dispatches and settlements, up to the dispatch lease), sends the events
    /// their commits announced and stops the background jobs.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let Application { listener, state, hub, _jobs, .. } = self;
        let services = state.services.clone();
        let router = crate::http::router_with_ws(state, hub.clone());
        let closing = hub.clone();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: draining HTTP requests, closing WebSockets with 1001");
            closing.shutdown();
        };
        axum::serve(listener, router).with_graceful_shutdown(signal).await?;
        if !hub.drained(WS_DRAIN).await {
            tracing::warn!(open = hub.open_connections(), "WebSockets still open after 5 s; closing anyway");
        }
        if let Some(shared) = hub.shared_connections()
            && let Err(error) = shared.leave().await
        {
            tracing::warn!(%error, "could not remove this instance's WebSocket count; it expires with its heartbeat");
        }
        let lease = services.dispatch_lease.to_std().unwrap_or(WS_DRAIN);
        if !services.detached.drain(lease).await {
            tracing::warn!(
                running = services.detached.running(),
                "writes still running after the dispatch lease; the reconciler settles them at the next start"
            );
        }
        services.events.flush().await;
        Ok(())
    }
}

/// Opens the database and applies pending migrations (the admin commands' way in).
pub async fn open(settings: &Settings) -> Result<DatabaseConnection, AppError> {
    let db = db::connect(&settings.database_url, settings.db_max_connections).await?;
    migration::run(&db).await?;
    Ok(db)
}

/// The application configuration the settings describe.
pub fn app_config(settings: &Settings) -> Result<AppConfig, AppError> {
    let (jwt_secret, _) = settings.jwt_secret();
    let live = settings.platform_mode == PlatformMode::Live;
    let (accounts, _) = crate::service::accounts::AccountsConfig::from_settings(
        &settings.accounts,
        &settings.platforms,
        live,
    )?;
    Ok(AppConfig {
        jwt_secret,
        pending_ttl: chrono::Duration::hours(i64::from(settings.pending_ttl_hours)),
        thresholds: settings.thresholds.unwrap_or_default(),
        schema: settings.graphql.schema_config(settings.environment == Environment::Production),
        max_body_bytes: settings.graphql.http_max_body_bytes as usize,
        metrics_token: settings
            .metrics_token
            .clone()
            .filter(|token| !token.is_empty())
            .map(crate::auth::Secret::from),
        accounts,
        dispatch_lease: settings.dispatch.lease(),
        dispatch_settle: settings.dispatch.settle(),
        instance: settings.dispatch.instance(settings.listen),
        graphiql: settings.graphiql_enabled(),
        limits: settings.limits.config(),
    })
}

/// The serving state: on PostgreSQL its event bus listens for every instance's events.
async fn serving_state(settings: &Settings, db: DatabaseConnection) -> Result<AppState, AppError> {
    let events = if db::is_postgres(&settings.database_url) {
        EventBus::postgres(&settings.database_url).await?
    } else {
        EventBus::in_process()
    };
    let proxy = std::sync::Arc::new(match settings.platform_mode {
        PlatformMode::Sandbox => crate::platform::PlatformProxy::sandbox(),
        PlatformMode::Live => crate::platform::PlatformProxy::live(&settings.platforms)?,
    });
    let reads = db::connect_reads(&settings.database_url, &db, settings.db_max_connections).await?;
    Ok(build_state_with_reads(db, reads, &app_config(settings)?, proxy, events))
}

/// The WebSocket hub: on PostgreSQL (unless `LAYERS_RATE_LIMIT_STORE=memory`) its
/// per-organization cap is shared with every instance.
async fn ws_hub(settings: &Settings, state: &AppState) -> Result<WsHub, AppError> {
    let limits = settings.limits.config();
    if !limits.connections_in_postgres(db::is_postgres(&settings.database_url)) {
        return Ok(WsHub::new(settings.ws_config()));
    }
    let name = settings.dispatch.instance(settings.listen);
    let shared = SharedConnections::join(state.services.db.clone(), &name, &limits).await?;
    Ok(WsHub::shared(settings.ws_config(), shared))
}

/// Every `every`: the instance heartbeat (shared WebSocket count), and forgetting rate-limit
/// buckets that are full again, in memory and in the shared store.
fn spawn_limits_upkeep(state: &AppState, hub: &WsHub, every: Duration) -> JoinHandle<()> {
    let admission = state.schema.data::<crate::graphql::Admission>().cloned();
    let shared = hub.shared_connections().cloned();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Some(shared) = &shared
                && let Err(error) = shared.heartbeat().await
            {
                crate::graphql::admission::store_failed("postgres", "error", &error);
            }
            if let Some(admission) = &admission {
                admission.forget_idle().await;
            }
        }
    })
}

/// Seeds the demo organization when `LAYERS_SEED_DEMO` asks for it and the settings allow it
/// (development with the sandbox; `always` elsewhere never gets here: the checks refuse it).
async fn seed_if_asked(
    settings: &Settings,
    state: &AppState,
) -> Result<Option<entity::organizations::Model>, AppError> {
    let services = &state.services;
    let wanted = settings.demo_seed_allowed()
        && match settings.seed_demo {
            SeedDemo::Always => true,
            SeedDemo::Auto => services.organization_count().await? == 0,
            SeedDemo::Never => false,
        };
    if !wanted {
        return Ok(None);
    }
    let org = seed::seed_demo(services).await?;
    tracing::info!(organization_id = %org.id, "seeded the demo organization");
    Ok(Some(org))
}

/// Token refresh, the optimizer schedule, pending-action expiry, the reconciler and (sandbox)
/// draft generation.
fn start_jobs(settings: &Settings, state: &AppState) -> Jobs {
    let services = &state.services;
    let secs = |secs: u32| Duration::from_secs(u64::from(secs));
    let mut jobs = vec![
        services.spawn_token_refresher(secs(settings.accounts.token_refresh_sweep_secs)),
        services.spawn_optimizer_schedule(secs(settings.optimizer_interval_secs)),
        services.spawn_expiry_sweeper(secs(settings.expiry_sweep_secs)),
        services.spawn_reconciler(settings.dispatch.reconcile_interval()),
    ];
    if settings.platform_mode == PlatformMode::Sandbox {
        jobs.push(services.spawn_sandbox_generation(secs(settings.sandbox_generation_delay_secs)));
    }
    Jobs(jobs)
}
