//! The command line: `serve` (the default), `migrate`, `org create`, `token`,
//! `partner-key create`, `seed-demo`, `print-schema`.

use std::error::Error;

use clap::{Parser, Subcommand};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use uuid::Uuid;

use crate::auth::{self, JwtKeys, Secret};
use crate::config::{SeedDemo, Settings};
use crate::events::EventBus;
use crate::{AppConfig, build_state, build_state_with, db, graphql, seed};

/// Layers dashboard API server and administration commands.
#[derive(Debug, Parser)]
#[command(name = "layers-dashboard", version, about)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub settings: Settings,
    /// What to do (default: `serve`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// A command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, seed the demo organization if the database is empty, and serve GraphQL.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Print a customer JWT for an organization (or, with `--system`, a system actor's).
    Token {
        /// The organization id.
        #[arg(long)]
        org: Uuid,
        /// The user id (`sub`; default `dev-user`, or `generation` with `--system`).
        #[arg(long)]
        user: Option<String>,
        /// Mint a system token (`"act": "system"`) for Layers' own workflows, such as the
        /// generation workflow reporting `completeCreativeGeneration`.
        #[arg(long)]
        system: bool,
        /// Hours until the token expires.
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
        ttl_hours: u32,
    },
    /// Manage partner keys.
    #[command(subcommand, name = "partner-key")]
    PartnerKey(PartnerKeyCommand),
    /// Manage connected ad accounts.
    #[command(subcommand, name = "ad-account")]
    AdAccount(AdAccountCommand),
    /// Seed a demo organization (three layers, campaigns, pending actions, audit rows).
    SeedDemo,
    /// Print the GraphQL schema (SDL, sorted).
    PrintSchema,
}

/// Organization commands.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization with its three layers; prints its id.
    Create {
        /// Its name.
        #[arg(long)]
        name: String,
    },
}

/// Partner key commands.
#[derive(Debug, Subcommand)]
pub enum PartnerKeyCommand {
    /// Create a partner key bound to one organization; prints the key once.
    Create {
        /// The organization id.
        #[arg(long)]
        org: Uuid,
        /// Comma-separated scopes: `ads:read`, `ads:write`, `ads:write:pending`, `ads:write:policy`.
        #[arg(long)]
        scopes: String,
        /// A name to recognize the key by.
        #[arg(long, default_value = "partner")]
        name: String,
    },
}

/// Connected ad account commands.
#[derive(Debug, Subcommand)]
pub enum AdAccountCommand {
    /// Connect an ad account from a token the customer already holds (a Meta system user's
    /// token, a TikTok long-term token), without the OAuth dialog, acting as the customer (user
    /// `cli`). The token is read from `LAYERS_AD_ACCOUNT_TOKEN`, else from standard input, and
    /// stored encrypted; prints the connected account's id.
    Connect {
        /// The organization id.
        #[arg(long)]
        org: Uuid,
        /// `meta`, `tiktok` or `apple`.
        #[arg(long)]
        platform: crate::domain::Platform,
        /// The platform's account id: Meta ad account (`act_` optional), TikTok advertiser id,
        /// Apple Search Ads organization id.
        #[arg(long)]
        account: String,
        /// Seconds until the token expires; omitted for tokens that do not (it is then never
        /// refreshed).
        #[arg(long, value_parser = clap::value_parser!(u32).range(60..))]
        expires_in_secs: Option<u32>,
    },
}

type CliResult = Result<(), Box<dyn Error + Send + Sync>>;

/// Runs the command.
pub async fn run(cli: Cli) -> CliResult {
    let settings = cli.settings;
    settings.validate()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::PrintSchema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Serve => serve(&settings).await,
        Command::Migrate => {
            let db = open(&settings).await?;
            println!("migrations applied");
            db.close().await?;
            Ok(())
        }
        Command::Org(OrgCommand::Create { name }) => {
            let name = crate::domain::campaign::validate_name(&name).map_err(|e| e.to_string())?;
            let state = state(&settings).await?;
            let org = state.services.create_organization(&name).await?;
            println!("{}", org.id);
            Ok(())
        }
        Command::Token { org, user, system, ttl_hours } => {
            let state = state(&settings).await?;
            if state.services.organization(org).await?.is_none() {
                return Err(format!("no organization {org}").into());
            }
            let ttl_secs = i64::from(ttl_hours) * 3600;
            let token = if system {
                let name = user.as_deref().unwrap_or("generation");
                auth::mint_system_token(&state.jwt, org, name, chrono::Utc::now().timestamp(), ttl_secs)
                    .map_err(|e| e.message())?
            } else {
                mint(&state.jwt, org, user.as_deref().unwrap_or("dev-user"), ttl_secs)?
            };
            println!("{token}");
            Ok(())
        }
        Command::AdAccount(AdAccountCommand::Connect { org, platform, account, expires_in_secs }) => {
            let account = account.trim().strip_prefix("act_").unwrap_or(account.trim()).to_owned();
            if account.is_empty() {
                return Err("--account is empty".into());
            }
            let token = match std::env::var("LAYERS_AD_ACCOUNT_TOKEN") {
                Ok(token) => token,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line
                }
            };
            let token = token.trim();
            if token.is_empty() {
                return Err("no token: set LAYERS_AD_ACCOUNT_TOKEN or pass it on standard input".into());
            }
            let state = state(&settings).await?;
            if state.services.organization(org).await?.is_none() {
                return Err(format!("no organization {org}").into());
            }
            let grant = crate::platform::TokenGrant {
                access_token: crate::auth::Secret::from(token.to_owned()),
                refresh_token: None,
                expires_at: expires_in_secs
                    .map(|secs| chrono::Utc::now() + chrono::Duration::seconds(secs.into())),
                scopes: Vec::new(),
                account: Some(account),
            };
            let connected = state
                .services
                .connect_with_token(org, platform, grant)
                .await
                .map_err(|e| format!("{}: {e}", e.code()))?;
            println!("{}", connected.id);
            Ok(())
        }
        Command::PartnerKey(PartnerKeyCommand::Create { org, scopes, name }) => {
            let scopes = auth::parse_scopes(&scopes).map_err(|e| format!("scopes: {e}"))?;
            let state = state(&settings).await?;
            if state.services.organization(org).await?.is_none() {
                return Err(format!("no organization {org}").into());
            }
            let (_, key) = state.services.create_partner_key(org, &name, &scopes).await?;
            println!("{}", key.plaintext.expose());
            Ok(())
        }
        Command::SeedDemo => {
            let state = state(&settings).await?;
            let org = seed::seed_demo(&state.services).await?;
            println!("{}", org.id);
            Ok(())
        }
    }
}

async fn open(settings: &Settings) -> Result<DatabaseConnection, Box<dyn Error + Send + Sync>> {
    let db = db::connect(&settings.database_url, settings.db_max_connections).await?;
    migration::run(&db).await?;
    Ok(db)
}

async fn state(settings: &Settings) -> Result<crate::http::AppState, Box<dyn Error + Send + Sync>> {
    let db = open(settings).await?;
    Ok(build_state(db, &app_config(settings)?))
}

fn app_config(settings: &Settings) -> Result<AppConfig, Box<dyn Error + Send + Sync>> {
    let (jwt_secret, _) = settings.jwt_secret();
    let live = settings.platform_mode == crate::config::PlatformMode::Live;
    let (accounts, _) = crate::service::accounts::AccountsConfig::from_settings(
        &settings.accounts,
        &settings.platforms,
        live,
    )?;
    Ok(AppConfig {
        jwt_secret,
        pending_ttl: chrono::Duration::hours(i64::from(settings.pending_ttl_hours)),
        thresholds: settings.thresholds.unwrap_or_default(),
        schema: settings
            .graphql
            .schema_config(settings.environment == crate::config::Environment::Production),
        max_body_bytes: settings.graphql.http_max_body_bytes as usize,
        metrics_token: settings.metrics_token.clone().filter(|token| !token.is_empty()).map(Secret::from),
        accounts,
        dispatch_lease: settings.dispatch.lease(),
        dispatch_settle: settings.dispatch.settle(),
        instance: settings.dispatch.instance(settings.listen),
    })
}

/// The serving state: on PostgreSQL its event bus listens for every instance's events.
async fn serving_state(settings: &Settings) -> Result<crate::http::AppState, Box<dyn Error + Send + Sync>> {
    let db = open(settings).await?;
    let events = if db::is_postgres(&settings.database_url) {
        EventBus::postgres(&settings.database_url).await?
    } else {
        EventBus::in_process()
    };
    let proxy = std::sync::Arc::new(match settings.platform_mode {
        crate::config::PlatformMode::Sandbox => crate::platform::PlatformProxy::sandbox(),
        crate::config::PlatformMode::Live => crate::platform::PlatformProxy::live(&settings.platforms)?,
    });
    Ok(build_state_with(db, &app_config(settings)?, proxy, events))
}

fn mint(
    keys: &JwtKeys,
    org: Uuid,
    user: &str,
    ttl_secs: i64,
) -> Result<String, Box<dyn Error + Send + Sync>> {
    Ok(auth::mint_customer_token(keys, org, user, chrono::Utc::now().timestamp(), ttl_secs)
        .map_err(|e| e.message())?)
}

async fn serve(settings: &Settings) -> CliResult {
    let (_, dev_secret) = settings.jwt_secret();
    if dev_secret {
        tracing::warn!(
            "LAYERS_JWT_SECRET is not set: using the development secret; tokens it signs are worthless outside development"
        );
    }
    let live = settings.platform_mode == crate::config::PlatformMode::Live;
    if settings.accounts.cipher(live)?.1 {
        tracing::warn!(
            "LAYERS_TOKEN_ENCRYPTION_KEY is not set: connected account tokens are sealed with the development key; set a key before connecting real accounts"
        );
    }
    let state = serving_state(settings).await?;
    let services = &state.services;
    let refresher = services.spawn_token_refresher(std::time::Duration::from_secs(u64::from(
        settings.accounts.token_refresh_sweep_secs,
    )));
    let optimizer = services.spawn_optimizer_schedule(std::time::Duration::from_secs(u64::from(
        settings.optimizer_interval_secs,
    )));
    let sweeper =
        services.spawn_expiry_sweeper(std::time::Duration::from_secs(u64::from(settings.expiry_sweep_secs)));
    let reconciler = services.spawn_reconciler(settings.dispatch.reconcile_interval());
    let generation = (settings.platform_mode == crate::config::PlatformMode::Sandbox).then(|| {
        services.spawn_sandbox_generation(std::time::Duration::from_secs(u64::from(
            settings.sandbox_generation_delay_secs,
        )))
    });
    let seeded = match settings.seed_demo {
        SeedDemo::Always => true,
        SeedDemo::Auto => services.organization_count().await? == 0,
        SeedDemo::Never => false,
    };
    if seeded {
        let org = seed::seed_demo(services).await?;
        tracing::info!(organization_id = %org.id, "seeded the demo organization");
    }
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let address = listener.local_addr()?;
    println!("GraphiQL: http://{address}/graphiql");
    if dev_secret {
        let oldest = entity::organizations::Entity::find()
            .order_by_asc(entity::organizations::Column::Id)
            .one(&services.db)
            .await?;
        if let Some(org) = oldest {
            println!(
                "Dev token for {} ({}):\n{}",
                org.name,
                org.id,
                mint(&state.jwt, org.id, "dev-user", 24 * 3600)?
            );
        }
    }
    let hub = crate::ws::WsHub::new(settings.ws_config());
    let router = crate::http::router_with_ws(state, hub.clone());
    let closing = hub.clone();
    let signal = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: draining HTTP requests, closing WebSockets with 1001");
        closing.shutdown();
    };
    axum::serve(listener, router).with_graceful_shutdown(signal).await?;
    if !hub.drained(std::time::Duration::from_secs(5)).await {
        tracing::warn!(open = hub.open_connections(), "WebSockets still open after 5 s; closing anyway");
    }
    sweeper.abort();
    refresher.abort();
    reconciler.abort();
    if let Some(generation) = generation {
        generation.abort();
    }
    optimizer.abort();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
