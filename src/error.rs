//! The one error type of the service boundary, with a stable code per variant.
//!
//! Expected failures of a mutation are not errors: they are `UserError` data in the payload.
//! `ApiError` is for what stops a request outright. It is turned into a GraphQL error with
//! `extensions.code` in exactly one place (`graphql::errors`). Internal errors are logged in full
//! where they are converted and answered with a generic message.

use sea_orm::DbErr;

use crate::domain::UserErrorCode;

/// A failure that ends a request.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a GraphQL error
/// without a code, so `ApiError` goes through its own conversion (`graphql::errors`) instead.
#[derive(Debug)]
pub enum ApiError {
    /// No credentials, or credentials that do not verify.
    Unauthenticated(String),
    /// Authenticated, but not allowed to do this.
    Forbidden(String),
    /// Input that cannot be used.
    BadUserInput(String),
    /// Something went wrong on our side; the detail is logged, never shown.
    Internal(String),
}

impl ApiError {
    /// The stable code carried in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::BadUserInput(_) => "BAD_USER_INPUT",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The same code, for a `userErrors` entry.
    pub fn user_error_code(&self) -> UserErrorCode {
        match self {
            ApiError::Unauthenticated(_) => UserErrorCode::Unauthenticated,
            ApiError::Forbidden(_) => UserErrorCode::Forbidden,
            ApiError::BadUserInput(_) => UserErrorCode::BadUserInput,
            ApiError::Internal(_) => UserErrorCode::Internal,
        }
    }

    /// The message a client may see.
    pub fn client_message(&self) -> &str {
        match self {
            ApiError::Unauthenticated(message)
            | ApiError::Forbidden(message)
            | ApiError::BadUserInput(message) => message,
            ApiError::Internal(_) => "internal error",
        }
    }

    /// An internal error with context for the log.
    pub fn internal(context: impl std::fmt::Display) -> Self {
        ApiError::Internal(context.to_string())
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        ApiError::Internal(format!("database: {err}"))
    }
}

impl From<crate::domain::UnknownCode> for ApiError {
    fn from(err: crate::domain::UnknownCode) -> Self {
        ApiError::Internal(format!("stored value: {err}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        ApiError::Internal(format!("stored json: {err}"))
    }
}

/// An expected failure of a mutation, returned as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// Path to the input field at fault (`["input", "dailyBudgetCents"]`), if one is.
    pub field: Option<Vec<String>>,
    /// Its stable code.
    pub code: UserErrorCode,
    /// A sentence for the dashboard user.
    pub message: String,
}

impl UserError {
    /// A user error about one input field.
    pub fn field(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        UserError { field: Some(vec!["input".to_owned(), field.to_owned()]), code, message: message.into() }
    }

    /// A user error about a mutation's own argument (`id`, `ids`, `reason`) rather than a field
    /// of its `input`.
    pub fn argument(name: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        UserError { field: Some(vec![name.to_owned()]), code, message: message.into() }
    }

    /// The same error, about a mutation's own argument of that name rather than an `input` field.
    pub fn at_argument(mut self) -> Self {
        if let Some(path) = &mut self.field
            && path.first().map(String::as_str) == Some("input")
        {
            path.remove(0);
        }
        self
    }

    /// A user error about the request as a whole.
    pub fn general(code: UserErrorCode, message: impl Into<String>) -> Self {
        UserError { field: None, code, message: message.into() }
    }

    /// The target does not exist or belongs to another organization (the two are indistinguishable).
    pub fn not_found(field: &str, what: &str) -> Self {
        UserError::field(field, UserErrorCode::NotFound, format!("{what} not found"))
    }
}
