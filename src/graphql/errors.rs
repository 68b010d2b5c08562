//! The one place errors become GraphQL errors, each with a stable `extensions.code`.

use async_graphql::{ErrorExtensions, Response, ServerError};

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

/// Gives every error of `response` a code: errors raised by resolvers carry their own; errors
/// from parsing, validation or variable coercion get `GRAPHQL_PARSE_FAILED`,
/// `GRAPHQL_VALIDATION_FAILED` or `BAD_USER_INPUT`.
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
    let message = error.message.as_str();
    if !error.path.is_empty() {
        // A resolver error without a code: an argument that failed to parse (an unknown enum
        // value, an out-of-range Int) is the client's fault; anything else is ours.
        if message.starts_with("Failed to parse") || message.starts_with("Invalid value") {
            "BAD_USER_INPUT"
        } else {
            "INTERNAL"
        }
    } else if message.starts_with(" --> ")
        || message.contains("expected") && error.locations.len() <= 1 && message.contains("-->")
    {
        "GRAPHQL_PARSE_FAILED"
    } else if message.starts_with("Invalid value for argument") || message.contains("variable") {
        "BAD_USER_INPUT"
    } else {
        "GRAPHQL_VALIDATION_FAILED"
    }
}
