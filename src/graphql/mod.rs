//! The GraphQL layer: schema, resolvers, DataLoaders, and error codes.
//!
//! Resolvers authenticate, validate input into domain values, call the service layer and wrap
//! what comes back into output types. They decide nothing about the gate themselves.

pub mod context;
pub mod enums;
pub mod errors;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod prefetch;
pub mod query;
pub mod subscription;
pub mod types;

use async_graphql::{Request, Response, SDLExportOptions, Schema};

pub use context::RequestAuth;

use crate::service::Services;
use mutation::MutationRoot;
use query::QueryRoot;
use subscription::SubscriptionRoot;

/// The schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema around `services`.
pub fn build_schema(services: Services) -> AppSchema {
    schema_builder().data(services).finish()
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

/// Runs one request for an authenticated (or anonymous) caller, with per-request loaders.
pub async fn execute(
    schema: &AppSchema,
    services: &Services,
    auth: RequestAuth,
    request: Request,
) -> Response {
    let org = match &auth {
        RequestAuth::Authenticated(caller) => caller.organization_id,
        _ => uuid::Uuid::nil(),
    };
    let request =
        request.data(auth).data(loaders::loaders_with(services.db.clone(), org, services.thresholds));
    errors::with_codes(schema.execute(request).await)
}
