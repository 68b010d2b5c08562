//! Who is asking: the request's authentication, read by every resolver.

use async_graphql::Context;

use crate::auth::AuthError;
use crate::domain::Scope;
use crate::error::ApiError;
use crate::service::{Caller, Services};

/// The outcome of authenticating a request, put into its GraphQL context.
#[derive(Debug, Clone)]
pub enum RequestAuth {
    /// No credentials were sent.
    Anonymous,
    /// A customer token or partner key that verified.
    Authenticated(Caller),
    /// Credentials that did not verify.
    Rejected(AuthError),
    /// Credentials that could not be checked (the database did not answer).
    Unavailable,
}

/// The authenticated caller, or `UNAUTHENTICATED`.
pub fn caller<'a>(ctx: &'a Context<'_>) -> Result<&'a Caller, ApiError> {
    match ctx.data_opt::<RequestAuth>() {
        Some(RequestAuth::Authenticated(caller)) => Ok(caller),
        Some(RequestAuth::Rejected(error)) => Err(ApiError::Unauthenticated(error.message().to_owned())),
        Some(RequestAuth::Unavailable) => Err(ApiError::internal("credentials could not be checked")),
        Some(RequestAuth::Anonymous) | None => Err(ApiError::Unauthenticated(
            "authentication required: send `Authorization: Bearer <token>`".to_owned(),
        )),
    }
}

/// The authenticated caller, who must be allowed to read (`ads:read` for partners).
pub fn reader<'a>(ctx: &'a Context<'_>) -> Result<&'a Caller, ApiError> {
    let caller = caller(ctx)?;
    if caller.has_scope(Scope::AdsRead) {
        Ok(caller)
    } else {
        Err(ApiError::Forbidden("this partner key lacks the `ads:read` scope".to_owned()))
    }
}

/// The request's DataLoaders.
pub fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a crate::graphql::loaders::Loaders, ApiError> {
    ctx.data::<crate::graphql::loaders::Loaders>().map_err(|_| ApiError::internal("request without loaders"))
}

/// The services.
pub fn services<'a>(ctx: &'a Context<'_>) -> Result<&'a Services, ApiError> {
    ctx.data::<Services>().map_err(|_| ApiError::internal("schema without services"))
}
