//! The one place errors become GraphQL errors, each with a stable `extensions.code`.
//!
//! Resolver errors carry their code from [`ApiError`]. A document that does not parse is
//! `GRAPHQL_PARSE_FAILED`, answered by [`unparsable`] before execution starts. What async-graphql
//! raises before execution (an error at no path: a broken validation rule, a document nesting too
//! deep, an unknown operation name) is `GRAPHQL_VALIDATION_FAILED`, except a value that does not
//! fit its argument's type (an unknown enum value, `null` for a non-null variable, a string for an
//! `Int`): `BAD_USER_INPUT`. [`with_codes`] gives those, and errors raised at a path without a
//! code of their own, their code.

use async_graphql::{ErrorExtensions, Request, Response, ServerError};

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

/// The answer to a request whose document does not parse: one `GRAPHQL_PARSE_FAILED` error,
/// coded here, where the document is parsed. `None` when it parses; the parsed document then stays
/// in the request, so execution does not parse it again.
///
/// Coding parse errors here rather than in a schema extension keeps the schema free of
/// extensions: with one, async-graphql runs every field of every response through the extension
/// chain (a boxed future and a registry lookup per field), a cost a page of a few thousand
/// fields pays on every request.
pub fn unparsable(request: &mut Request) -> Option<Response> {
    let error = request.parsed_query().err()?;
    Some(Response::from_errors(vec![coded(error, PARSE_FAILED)]))
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

/// Gives every error of `response` a code: resolver errors carry their own; the rest get one here.
/// Without a path (raised before execution: validation, nesting depth, choosing the operation),
/// `GRAPHQL_VALIDATION_FAILED`, or `BAD_USER_INPUT` for the argument-type rule. At a path, without
/// a code: an argument whose value failed to coerce as the field ran (`BAD_USER_INPUT`), else an
/// error of ours, `INTERNAL`, its message logged and hidden.
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
        return if is_argument_value_error(error) { BAD_USER_INPUT } else { VALIDATION_FAILED };
    }
    let message = error.message.as_str();
    if message.starts_with("Failed to parse") || message.starts_with("Invalid value") {
        BAD_USER_INPUT
    } else {
        "INTERNAL"
    }
}
