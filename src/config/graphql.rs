//! The GraphQL endpoint's settings (`LAYERS_GRAPHQL_*`, `LAYERS_RATE_LIMIT_*`,
//! `LAYERS_HTTP_MAX_BODY_BYTES`): query limits, rate limits, introspection, suggestions and the
//! request body limit. Flattened into [`crate::config::Settings`]; every default is a constant
//! here, documented in the table of [`crate::config`] and the README.

use std::num::NonZeroU32;

use clap::Args;

use crate::graphql::SchemaConfig;
use crate::graphql::admission::{AdmissionConfig, Introspection, RateLimit};
use crate::graphql::limits::QueryLimits;

/// Default `LAYERS_GRAPHQL_MAX_DOCUMENT_BYTES`: 32 KiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u32 = 32 * 1024;
/// Default `LAYERS_GRAPHQL_MAX_TOKENS`.
pub const DEFAULT_MAX_TOKENS: u32 = 1_000;
/// Default `LAYERS_GRAPHQL_MAX_FIELDS`.
pub const DEFAULT_MAX_FIELDS: u32 = 250;
/// Default `LAYERS_GRAPHQL_MAX_ALIASES`.
pub const DEFAULT_MAX_ALIASES: u32 = 15;
/// Default `LAYERS_GRAPHQL_MAX_DIRECTIVES_PER_FIELD`.
pub const DEFAULT_MAX_DIRECTIVES_PER_FIELD: u32 = 5;
/// Default `LAYERS_GRAPHQL_MAX_DIRECTIVES`.
pub const DEFAULT_MAX_DIRECTIVES: u32 = 50;
/// Default `LAYERS_GRAPHQL_MAX_DEPTH`.
pub const DEFAULT_MAX_DEPTH: u32 = 6;
/// Default `LAYERS_GRAPHQL_MAX_COST`.
pub const DEFAULT_MAX_COST: u64 = 5_000;
/// Default `LAYERS_RATE_LIMIT_ORG_PER_MINUTE`.
pub const DEFAULT_ORG_PER_MINUTE: u32 = 600;
/// Default `LAYERS_RATE_LIMIT_ORG_BURST`.
pub const DEFAULT_ORG_BURST: u32 = 100;
/// Default `LAYERS_RATE_LIMIT_PARTNER_KEY_PER_MINUTE`.
pub const DEFAULT_PARTNER_KEY_PER_MINUTE: u32 = 300;
/// Default `LAYERS_RATE_LIMIT_PARTNER_KEY_BURST`.
pub const DEFAULT_PARTNER_KEY_BURST: u32 = 50;
/// Default `LAYERS_RATE_LIMIT_SUBSCRIBE_PER_MINUTE`: every tab of an organization at its
/// WebSocket cap reconnecting three feeds after a deploy.
pub const DEFAULT_SUBSCRIBE_PER_MINUTE: u32 = 3_000;
/// Default `LAYERS_RATE_LIMIT_SUBSCRIBE_BURST`.
pub const DEFAULT_SUBSCRIBE_BURST: u32 = 3_000;
/// Default `LAYERS_HTTP_MAX_BODY_BYTES`: 1 MiB.
pub const DEFAULT_HTTP_MAX_BODY_BYTES: u32 = 1024 * 1024;

/// GraphQL endpoint settings.
#[derive(Debug, Clone, Args)]
pub struct GraphqlSettings {
    /// Largest document, in bytes.
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_DOCUMENT_BYTES", default_value_t = DEFAULT_MAX_DOCUMENT_BYTES, value_parser = clap::value_parser!(u32).range(64..=1_048_576), global = true)]
    pub graphql_max_document_bytes: u32,

    /// Most lexical tokens in a document.
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_TOKENS", default_value_t = DEFAULT_MAX_TOKENS, value_parser = clap::value_parser!(u32).range(16..=100_000), global = true)]
    pub graphql_max_tokens: u32,

    /// Most field selections in a document, as written.
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_FIELDS", default_value_t = DEFAULT_MAX_FIELDS, value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub graphql_max_fields: u32,

    /// Most aliases in a document.
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_ALIASES", default_value_t = DEFAULT_MAX_ALIASES, value_parser = clap::value_parser!(u32).range(0..=10_000), global = true)]
    pub graphql_max_aliases: u32,

    /// Most directives on one field.
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_DIRECTIVES_PER_FIELD", default_value_t = DEFAULT_MAX_DIRECTIVES_PER_FIELD, value_parser = clap::value_parser!(u32).range(1..=1_000), global = true)]
    pub graphql_max_directives_per_field: u32,

    /// Most directives in a document.
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_DIRECTIVES", default_value_t = DEFAULT_MAX_DIRECTIVES, value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub graphql_max_directives: u32,

    /// Deepest nesting of fields (connection `edges`/`node`/`nodes`/`pageInfo` are free).
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_DEPTH", default_value_t = DEFAULT_MAX_DEPTH, value_parser = clap::value_parser!(u32).range(1..=100), global = true)]
    pub graphql_max_depth: u32,

    /// Most objects an operation may return in the worst case (page sizes multiplied).
    #[arg(long, env = "LAYERS_GRAPHQL_MAX_COST", default_value_t = DEFAULT_MAX_COST, value_parser = clap::value_parser!(u64).range(1..=100_000_000), global = true)]
    pub graphql_max_cost: u64,

    /// Who may introspect: `on`, `authenticated` or `off` (default: `authenticated` in development, `off` in production).
    #[arg(long, env = "LAYERS_GRAPHQL_INTROSPECTION", value_enum, global = true)]
    pub graphql_introspection: Option<Introspection>,

    /// Whether validation errors suggest similar names (default: on in development, off in production).
    #[arg(long, env = "LAYERS_GRAPHQL_SUGGESTIONS", global = true)]
    pub graphql_suggestions: Option<bool>,

    /// Requests per minute per organization, for customer tokens (0 turns the limit off).
    #[arg(long, env = "LAYERS_RATE_LIMIT_ORG_PER_MINUTE", default_value_t = DEFAULT_ORG_PER_MINUTE, global = true)]
    pub rate_limit_org_per_minute: u32,

    /// Requests an organization may send at once before the per-minute rate applies.
    #[arg(long, env = "LAYERS_RATE_LIMIT_ORG_BURST", default_value_t = DEFAULT_ORG_BURST, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub rate_limit_org_burst: u32,

    /// Requests per minute per partner key (0 turns the limit off).
    #[arg(long, env = "LAYERS_RATE_LIMIT_PARTNER_KEY_PER_MINUTE", default_value_t = DEFAULT_PARTNER_KEY_PER_MINUTE, global = true)]
    pub rate_limit_partner_key_per_minute: u32,

    /// Requests a partner key may send at once before the per-minute rate applies.
    #[arg(long, env = "LAYERS_RATE_LIMIT_PARTNER_KEY_BURST", default_value_t = DEFAULT_PARTNER_KEY_BURST, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub rate_limit_partner_key_burst: u32,

    /// Subscription starts per minute per organization (customers) or partner key, counted apart
    /// from queries and mutations (0 turns the limit off).
    #[arg(long, env = "LAYERS_RATE_LIMIT_SUBSCRIBE_PER_MINUTE", default_value_t = DEFAULT_SUBSCRIBE_PER_MINUTE, global = true)]
    pub rate_limit_subscribe_per_minute: u32,

    /// Subscription starts an organization or partner key may make at once (a dashboard's
    /// tabs reconnecting their feeds after a deploy).
    #[arg(long, env = "LAYERS_RATE_LIMIT_SUBSCRIBE_BURST", default_value_t = DEFAULT_SUBSCRIBE_BURST, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub rate_limit_subscribe_burst: u32,

    /// Largest request body `/graphql` reads, in bytes (413 beyond).
    #[arg(long, env = "LAYERS_HTTP_MAX_BODY_BYTES", default_value_t = DEFAULT_HTTP_MAX_BODY_BYTES, value_parser = clap::value_parser!(u32).range(1024..=67_108_864), global = true)]
    pub http_max_body_bytes: u32,
}

impl GraphqlSettings {
    /// The schema configuration, with the defaults of a production or development setup.
    pub fn schema_config(&self, production: bool) -> SchemaConfig {
        let limit = |per_minute: u32, burst: u32| {
            Some(RateLimit { per_minute: NonZeroU32::new(per_minute)?, burst: NonZeroU32::new(burst)? })
        };
        SchemaConfig {
            admission: AdmissionConfig {
                limits: QueryLimits {
                    max_document_bytes: self.graphql_max_document_bytes as usize,
                    max_tokens: self.graphql_max_tokens as usize,
                    max_fields: self.graphql_max_fields as usize,
                    max_aliases: self.graphql_max_aliases as usize,
                    max_directives_per_field: self.graphql_max_directives_per_field as usize,
                    max_directives: self.graphql_max_directives as usize,
                    max_depth: self.graphql_max_depth as usize,
                    max_cost: self.graphql_max_cost,
                },
                introspection: self.graphql_introspection.unwrap_or(if production {
                    Introspection::Off
                } else {
                    Introspection::Authenticated
                }),
                per_organization: limit(self.rate_limit_org_per_minute, self.rate_limit_org_burst),
                per_partner_key: limit(
                    self.rate_limit_partner_key_per_minute,
                    self.rate_limit_partner_key_burst,
                ),
                subscriptions: limit(self.rate_limit_subscribe_per_minute, self.rate_limit_subscribe_burst),
            },
            suggestions: self.graphql_suggestions.unwrap_or(!production),
        }
    }
}

impl Default for GraphqlSettings {
    /// The documented defaults (the constants above), introspection and suggestions left to the
    /// environment.
    fn default() -> Self {
        GraphqlSettings {
            graphql_max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            graphql_max_tokens: DEFAULT_MAX_TOKENS,
            graphql_max_fields: DEFAULT_MAX_FIELDS,
            graphql_max_aliases: DEFAULT_MAX_ALIASES,
            graphql_max_directives_per_field: DEFAULT_MAX_DIRECTIVES_PER_FIELD,
            graphql_max_directives: DEFAULT_MAX_DIRECTIVES,
            graphql_max_depth: DEFAULT_MAX_DEPTH,
            graphql_max_cost: DEFAULT_MAX_COST,
            graphql_introspection: None,
            graphql_suggestions: None,
            rate_limit_org_per_minute: DEFAULT_ORG_PER_MINUTE,
            rate_limit_org_burst: DEFAULT_ORG_BURST,
            rate_limit_partner_key_per_minute: DEFAULT_PARTNER_KEY_PER_MINUTE,
            rate_limit_partner_key_burst: DEFAULT_PARTNER_KEY_BURST,
            rate_limit_subscribe_per_minute: DEFAULT_SUBSCRIBE_PER_MINUTE,
            rate_limit_subscribe_burst: DEFAULT_SUBSCRIBE_BURST,
            http_max_body_bytes: DEFAULT_HTTP_MAX_BODY_BYTES,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::GraphqlSettings;
    use crate::graphql::SchemaConfig;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        graphql: GraphqlSettings,
    }

    #[test]
    fn the_schema_defaults_are_the_settings_defaults() {
        let parsed = Cli::parse_from(["layers"]).graphql;
        assert_eq!(format!("{parsed:?}"), format!("{:?}", GraphqlSettings::default()));
        assert_eq!(GraphqlSettings::default().schema_config(false), SchemaConfig::default());
        assert_eq!(GraphqlSettings::default().http_max_body_bytes as usize, crate::DEFAULT_MAX_BODY_BYTES);
    }
}
