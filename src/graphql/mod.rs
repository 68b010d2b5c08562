//! The GraphQL layer: schema, resolvers, DataLoaders, and error codes.
//!
//! Resolvers authenticate, validate input into domain values, call the service layer and wrap
//! what comes back into output types. They decide nothing about the gate themselves.

pub mod admission;
pub mod context;
pub mod documents;
pub mod enums;
pub mod errors;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod prefetch;
pub mod query;
pub mod shared_loads;
mod shared_reads;
pub mod subscription;
pub mod types;

use async_graphql::{Request, Response, SDLExportOptions, Schema};
use futures_util::FutureExt;

pub use admission::{Admission, AdmissionConfig, Refused};

pub use context::RequestAuth;

use crate::config::limits::LimitsConfig;
use crate::service::Services;
use mutation::MutationRoot;
use query::QueryRoot;
use subscription::SubscriptionRoot;

/// The schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// How the schema answers callers: admission rules and whether errors suggest field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaConfig {
    /// Rate limits, introspection policy and query limits.
    pub admission: AdmissionConfig,
    /// Whether validation errors suggest similar names ("Did you mean …?"); off in production.
    pub suggestions: bool,
}

impl Default for SchemaConfig {
    fn default() -> Self {
        SchemaConfig { admission: AdmissionConfig::default(), suggestions: true }
    }
}

/// Builds the schema around `services`, its rate limits shared as `limits` says.
pub fn build_schema(services: Services, config: &SchemaConfig, limits: &LimitsConfig) -> AppSchema {
    let shared = admission::SharedLimiter::new(limits, &services.db);
    let mut builder = schema_builder()
        .limit_directives(config.admission.limits.max_directives_per_field)
        .data(services)
        .data(Admission::new(config.admission, shared));
    if !config.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// Applies the schema's admission rules to `request` for `auth` (see [`admission`]).
pub async fn admit(schema: &AppSchema, auth: &RequestAuth, request: &mut Request) -> Result<(), Refused> {
    match schema.data::<Admission>() {
        Some(admission) => admission.admit(auth, request).await,
        None => Ok(()),
    }
}

fn schema_builder() -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot)
        .limit_depth(16)
        .limit_complexity(5_000)
}

/// The schema as SDL, sorted, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let schema = schema_builder().finish();
    schema.sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_arguments().sorted_enum_items())
}

/// The selected operation's name and type (`query`, `mutation`, `subscription`), for metrics;
/// `unknown` when the document does not parse or names no such operation.
pub fn operation_of(request: &mut Request) -> (Option<String>, &'static str) {
    let wanted = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return (wanted, "unknown");
    };
    let selected = document.operations.iter().find(|(name, _)| match (&wanted, name) {
        (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
        (None, _) => true,
        (Some(_), None) => false,
    });
    match selected {
        Some((name, operation)) => (
            name.map(|name| name.to_string()),
            match operation.node.ty {
                async_graphql::parser::types::OperationType::Query => "query",
                async_graphql::parser::types::OperationType::Mutation => "mutation",
                async_graphql::parser::types::OperationType::Subscription => "subscription",
            },
        ),
        None => (wanted, "unknown"),
    }
}

/// An operation whose execution did not return: it panicked. The panic is logged; the client is
/// told only `INTERNAL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panicked;

/// Runs one request for an authenticated (or anonymous) caller, with per-request loaders; an
/// operation that panicked answers one `INTERNAL` error (see [`try_execute`]).
pub async fn execute(
    schema: &AppSchema,
    services: &Services,
    auth: RequestAuth,
    request: Request,
) -> Response {
    try_execute(schema, services, auth, request)
        .await
        .unwrap_or_else(|Panicked| Response::from_errors(vec![errors::internal_error()]))
}

/// Runs one request for an authenticated (or anonymous) caller, with per-request loaders, telling
/// an operation that panicked apart (HTTP answers it with a 500).
///
/// A mutation runs detached (`Services::detached`): once it has started, it runs to its end even
/// if the caller hangs up and this future is dropped, so no write stops half-way. A query runs
/// here, its panic caught.
pub async fn try_execute(
    schema: &AppSchema,
    services: &Services,
    auth: RequestAuth,
    mut request: Request,
) -> Result<Response, Panicked> {
    let org = match &auth {
        RequestAuth::Authenticated(caller) => caller.organization_id,
        _ => uuid::Uuid::nil(),
    };
    if let Some(response) = errors::unparsable(&mut request) {
        return Ok(response);
    }
    let mutation = operation_of(&mut request).1 == "mutation";
    let request =
        request.data(auth).data(loaders::loaders_with(services.reads.clone(), org, services.thresholds));
    if mutation {
        return try_execute_detached(schema, services, request).await;
    }
    match std::panic::AssertUnwindSafe(schema.execute(request)).catch_unwind().await {
        Ok(response) => Ok(errors::with_codes(response)),
        Err(_) => {
            tracing::error!("an operation panicked");
            Err(Panicked)
        }
    }
}

/// Runs `request` (a mutation, with its data attached) detached: to its end whatever happens to
/// the future awaiting it; a panic answers `INTERNAL`.
pub async fn execute_detached(schema: &AppSchema, services: &Services, request: Request) -> Response {
    try_execute_detached(schema, services, request)
        .await
        .unwrap_or_else(|Panicked| Response::from_errors(vec![errors::internal_error()]))
}

async fn try_execute_detached(
    schema: &AppSchema,
    services: &Services,
    request: Request,
) -> Result<Response, Panicked> {
    let schema = schema.clone();
    match services.detached.run(async move { schema.execute(request).await }).await {
        Ok(response) => Ok(errors::with_codes(response)),
        Err(_) => Err(Panicked),
    }
}
