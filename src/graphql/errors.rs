//! The one place errors become GraphQL errors, each with a stable `extensions.code`.
//!
//! Resolver errors carry their code from [`ApiError`]. Request errors get theirs where
//! async-graphql raises them, through the [`RequestErrorCodes`] extension: a document that does
//! not parse is `GRAPHQL_PARSE_FAILED`; one that breaks a validation rule is
//! `GRAPHQL_VALIDATION_FAILED`, except a value that does not fit its argument's type (an unknown
//! enum value, `null` for a non-null variable, a string for an `Int`): `BAD_USER_INPUT`.
//! [`with_codes`] codes what async-graphql raises outside those phases.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::ApiError;

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ApiError::Internal(detail) = &error {
            tracing::error!(detail = %detail, "internal error");
        }
        async_graphql::Error::new(error.client_message()).extend_with(|_, ext| ext.set("code", error.code()))
    }
}

impl From<crate::store::page::PageError> for ApiError {
    fn from(error: crate::store::page::PageError) -> Self {
        ApiError::BadUserInput(error.to_string())
    }
}

impl From<crate::ids::InvalidId> for ApiError {
    fn from(error: crate::ids::InvalidId) -> Self {
        ApiError::BadUserInput(error.to_string())
    }
}

/// The error of an operation whose execution did not return (it panicked): `INTERNAL`, with
/// nothing of the panic shown to the client (it is logged where it happened).
pub fn internal_error() -> ServerError {
    let mut error = ServerError::new("internal error", None);
    error.extensions.get_or_insert_with(Default::default).set("code", "INTERNAL");
    error
}

/// The schema extension that codes request errors in the phase that raises them.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestErrorCodes;

impl ExtensionFactory for RequestErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for RequestErrorCodes {
    /// Parsing fails with `GRAPHQL_PARSE_FAILED`; a document that parses but nests too deep or
    /// holds too many directives (checked in this phase too) with `GRAPHQL_VALIDATION_FAILED`.
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|error| {
            let parses = async_graphql::parser::parse_query(query).is_ok();
            coded(error, if parses { VALIDATION_FAILED } else { PARSE_FAILED })
        })
    }

    /// Every validation error is `GRAPHQL_VALIDATION_FAILED`, except the argument-type rule's.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let code =
                        if is_argument_value_error(&error) { BAD_USER_INPUT } else { VALIDATION_FAILED };
                    coded(error, code)
                })
                .collect()
        })
    }
}

const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
const BAD_USER_INPUT: &str = "BAD_USER_INPUT";

/// The error of async-graphql's argument-type rule (`ArgumentsOfCorrectType`): the one
/// validation rule about the values a client sent rather than the document it wrote. It has no
/// kind of its own, only this message (`tests/api/inputs.rs` fails if the wording changes).
fn is_argument_value_error(error: &ServerError) -> bool {
    error.message.starts_with("Invalid value for argument")
}

fn coded(mut error: ServerError, code: &'static str) -> ServerError {
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    error
}

/// Gives every error of `response` a code: resolver errors and request errors carry their own
/// (above); what async-graphql raises elsewhere gets one here. Without a path: choosing the
/// operation (`operationName` naming none, or missing among several), `GRAPHQL_VALIDATION_FAILED`.
/// At a path, without a code: an argument whose value failed to coerce as the field ran
/// (`BAD_USER_INPUT`), else an error of ours, `INTERNAL`, its message logged and hidden.
pub fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        if error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some()) {
            continue;
        }
        let code = classify(error);
        if code == "INTERNAL" {
            tracing::error!(message = %error.message, "resolver error without a code");
            error.message = "internal error".to_owned();
        }
        error.extensions.get_or_insert_with(Default::default).set("code", code);
    }
    response
}

fn classify(error: &ServerError) -> &'static str {
    if error.path.is_empty() {
        return VALIDATION_FAILED;
    }
    let message = error.message.as_str();
    if message.starts_with("Failed to parse") || message.starts_with("Invalid value") {
        BAD_USER_INPUT
    } else {
        "INTERNAL"
    }
}
