//! The configuration check `layers-dashboard check-config` runs, and `serve` runs before it
//! serves: every setting validated, every problem reported at once, so a deployment fails before
//! it takes traffic instead of one misconfiguration at a time.
//!
//! [`Settings::problems`] is pure (secrets, modes, contradictory limits); [`database_problems`]
//! opens the configured database to tell whether it answers and whether migrations are pending.
//! Neither writes anything.

use super::{Environment, PlatformMode, SeedDemo, Settings};

/// Fewest distinct characters a secret may be made of: `aaaa…` or `0101…` is guessable at any length.
const MIN_DISTINCT_SECRET_CHARS: usize = 10;

/// Shortest `LAYERS_METRICS_TOKEN`.
const MIN_METRICS_TOKEN_LEN: usize = 16;

/// Every problem with a set of settings, each a sentence naming the variable to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the configuration has {} problem(s):\n{}", .0.len(), list(.0))]
pub struct Problems(pub Vec<String>);

fn list(problems: &[String]) -> String {
    problems.iter().map(|problem| format!("  - {problem}")).collect::<Vec<_>>().join("\n")
}

impl Settings {
    /// Whether the demo organization may be seeded: only in development with the sandbox, where
    /// its writes reach nothing real.
    pub fn demo_seed_allowed(&self) -> bool {
        self.environment == Environment::Development && self.platform_mode == PlatformMode::Sandbox
    }

    /// Whether `/graphiql` serves GraphiQL: `LAYERS_GRAPHIQL`, else on in development only.
    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql.map_or(self.environment == Environment::Development, super::Switch::is_on)
    }

    /// Every problem these settings have, without touching the network or the database.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        self.database_url_problems(&mut problems);
        self.secret_problems(&mut problems);
        self.mode_problems(&mut problems);
        self.limit_problems(&mut problems);
        problems.extend(self.accounts.problems(self.platform_mode == PlatformMode::Live));
        problems.extend(self.platforms.problems());
        problems.extend(self.limits.problems(crate::db::is_postgres(&self.database_url)));
        problems
    }

    fn database_url_problems(&self, problems: &mut Vec<String>) {
        let url = self.database_url.as_str();
        if !(url.starts_with("sqlite:") || crate::db::is_postgres(url)) {
            problems.push("LAYERS_DATABASE_URL must start with `sqlite:` or `postgres://`".to_owned());
        }
    }

    fn secret_problems(&self, problems: &mut Vec<String>) {
        let production = self.environment == Environment::Production;
        match self.jwt_secret.as_deref().filter(|secret| !secret.is_empty()) {
            None if production => problems.push(
                "LAYERS_ENV=production needs LAYERS_JWT_SECRET (at least 32 characters); the development \
                 secret is refused"
                    .to_owned(),
            ),
            None => {}
            Some(secret) if secret == super::DEV_JWT_SECRET && production => {
                problems.push("LAYERS_JWT_SECRET is the published development secret".to_owned());
            }
            Some(secret) if secret.len() < 32 => {
                problems.push("LAYERS_JWT_SECRET must be at least 32 characters".to_owned());
            }
            Some(secret) if distinct_chars(secret) < MIN_DISTINCT_SECRET_CHARS => problems.push(format!(
                "LAYERS_JWT_SECRET is too regular to be secret (fewer than {MIN_DISTINCT_SECRET_CHARS} distinct \
                 characters): use random bytes, e.g. `openssl rand -hex 32`"
            )),
            Some(_) => {}
        }
        if production && self.accounts.token_encryption_key.as_deref().is_none_or(str::is_empty) {
            problems.push(
                "LAYERS_ENV=production needs LAYERS_TOKEN_ENCRYPTION_KEY (32 random bytes, base64): the \
                 development key seals connected accounts' tokens with a published key"
                    .to_owned(),
            );
        }
        if self
            .metrics_token
            .as_deref()
            .is_some_and(|token| !token.is_empty() && token.len() < MIN_METRICS_TOKEN_LEN)
        {
            problems
                .push(format!("LAYERS_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LEN} characters"));
        }
    }

    fn mode_problems(&self, problems: &mut Vec<String>) {
        if self.seed_demo == SeedDemo::Always && !self.demo_seed_allowed() {
            problems.push(format!(
                "LAYERS_SEED_DEMO=always seeds demo data, which {} refuses: set LAYERS_SEED_DEMO=never (or auto, \
                 which seeds only in development with the sandbox)",
                self.seed_refusal_reason()
            ));
        }
    }

    /// Which setting forbids demo data, for messages.
    pub fn seed_refusal_reason(&self) -> &'static str {
        match (self.environment, self.platform_mode) {
            (Environment::Production, PlatformMode::Live) => {
                "LAYERS_ENV=production with LAYERS_PLATFORM_MODE=live"
            }
            (Environment::Production, PlatformMode::Sandbox) => "LAYERS_ENV=production",
            (Environment::Development, _) => {
                "LAYERS_PLATFORM_MODE=live (its writes would reach real ad accounts)"
            }
        }
    }

    fn limit_problems(&self, problems: &mut Vec<String>) {
        let graphql = &self.graphql;
        let mut contradiction = |holds: bool, message: &str| {
            if holds {
                problems.push(message.to_owned());
            }
        };
        contradiction(
            graphql.graphql_max_directives_per_field > graphql.graphql_max_directives,
            "LAYERS_GRAPHQL_MAX_DIRECTIVES_PER_FIELD exceeds LAYERS_GRAPHQL_MAX_DIRECTIVES",
        );
        contradiction(
            graphql.graphql_max_aliases > graphql.graphql_max_fields,
            "LAYERS_GRAPHQL_MAX_ALIASES exceeds LAYERS_GRAPHQL_MAX_FIELDS (every alias is a field)",
        );
        contradiction(
            graphql.graphql_max_document_bytes > graphql.http_max_body_bytes,
            "LAYERS_GRAPHQL_MAX_DOCUMENT_BYTES exceeds LAYERS_HTTP_MAX_BODY_BYTES (no request could carry such a document)",
        );
        let accounts = &self.accounts;
        contradiction(
            accounts.token_refresh_margin_secs > 0
                && accounts.token_refresh_sweep_secs > accounts.token_refresh_margin_secs,
            "LAYERS_TOKEN_REFRESH_SWEEP_SECS exceeds LAYERS_TOKEN_REFRESH_MARGIN_SECS: a token could expire between two sweeps",
        );
        let platforms = &self.platforms;
        let call_ms =
            platforms.platform_timeout_ms.saturating_mul(u64::from(platforms.platform_max_attempts));
        contradiction(
            self.platform_mode == PlatformMode::Live
                && call_ms >= u64::from(self.dispatch.dispatch_lease_secs) * 1000,
            "LAYERS_DISPATCH_LEASE_SECS is not longer than LAYERS_PLATFORM_TIMEOUT_MS × LAYERS_PLATFORM_MAX_ATTEMPTS: \
             a dispatch would outlive its lease while the platform is still answering",
        );
    }
}

/// The database's problems: unreachable, or migrations pending (`layers-dashboard migrate`
/// applies them; `serve` does too). Opens one connection and closes it; writes nothing.
pub async fn database_problems(settings: &Settings) -> Vec<String> {
    let db = match crate::db::connect(&settings.database_url, 1).await {
        Ok(db) => db,
        Err(error) => return vec![format!("the database at LAYERS_DATABASE_URL cannot be reached: {error}")],
    };
    let problem = match migration::pending_count(&db).await {
        Ok(0) => None,
        Ok(pending) => {
            Some(format!("{pending} database migration(s) are pending: run `layers-dashboard migrate`"))
        }
        Err(error) => Some(format!("the database's migrations cannot be read: {error}")),
    };
    let _ = db.close().await;
    problem.into_iter().collect()
}

fn distinct_chars(text: &str) -> usize {
    let mut chars: Vec<char> = text.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    chars.len()
}

#[cfg(test)]
mod tests;
