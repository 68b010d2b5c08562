//! The command line: `serve` (the default), `check-config`, `migrate`, `org create`, `token`,
//! `partner-key create`, `ad-account connect`, `seed-demo`, `print-schema`.

use std::error::Error;

use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::application::{Application, app_config, open};
use crate::auth::{self, JwtKeys};
use crate::config::Settings;
use crate::config::check::{Problems, database_problems};
use crate::{build_state, graphql, seed};

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
    /// Check the configuration, migrate, seed the demo organization where allowed, and serve GraphQL.
    Serve,
    /// Check every setting and the database (reachable, migrations applied), report every
    /// problem at once, and exit non-zero if there is any. Writes nothing.
    CheckConfig,
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
    let command = cli.command.unwrap_or(Command::Serve);
    if matches!(command, Command::CheckConfig) {
        return check_config(&settings).await;
    }
    settings.validate()?;
    match command {
        Command::CheckConfig => Ok(()),
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
            if !settings.demo_seed_allowed() {
                return Err(format!(
                    "seed-demo writes demo data, which {} refuses",
                    settings.seed_refusal_reason()
                )
                .into());
            }
            let state = state(&settings).await?;
            let org = seed::seed_demo(&state.services).await?;
            println!("{}", org.id);
            Ok(())
        }
    }
}

async fn state(settings: &Settings) -> Result<crate::http::AppState, Box<dyn Error + Send + Sync>> {
    let db = open(settings).await?;
    Ok(build_state(db, &app_config(settings)?))
}

/// `check-config`: the settings' problems and the database's, all printed; non-zero if any.
async fn check_config(settings: &Settings) -> CliResult {
    let mut problems = settings.problems();
    problems.extend(database_problems(settings).await);
    if problems.is_empty() {
        println!("configuration OK");
        return Ok(());
    }
    Err(Problems(problems).into())
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
    let app = Application::build(settings).await?;
    for line in startup_lines(&app, settings).await? {
        println!("{line}");
    }
    app.run_until_stopped(shutdown_signal()).await
}

/// What `serve` prints once it is ready: the GraphiQL URL, if it is served; and in development
/// with the development secret, a customer token for the oldest organization, with the GraphiQL
/// link carrying it in its fragment (GraphiQL opens authenticated). Never a token otherwise.
pub async fn startup_lines(
    app: &Application,
    settings: &Settings,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let url = app.graphiql_url();
    let development = settings.environment == crate::config::Environment::Development;
    let token = match settings.jwt_secret() {
        (_, true) if development => dev_token(app).await?,
        _ => None,
    };
    let mut lines = Vec::new();
    match (&url, &token) {
        (Some(url), Some((_, token))) => {
            lines.push(format!("GraphiQL: {}", crate::http::graphiql_link(url, token)))
        }
        (Some(url), None) => lines.push(format!("GraphiQL: {url}")),
        (None, _) => {}
    }
    if let Some((org, token)) = token {
        lines.push(format!("Dev token for {} ({}):\n{token}", org.name, org.id));
    }
    Ok(lines)
}

/// A customer token for the oldest organization, signed with the development secret.
async fn dev_token(
    app: &Application,
) -> Result<Option<(entity::organizations::Model, String)>, Box<dyn Error + Send + Sync>> {
    let state = app.state();
    let oldest = crate::store::organizations::oldest(&state.services.db).await?;
    let Some(org) = oldest else { return Ok(None) };
    let token = mint(&state.jwt, org.id, "dev-user", 24 * 3600)?;
    Ok(Some((org, token)))
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
