//! Authentication primitives: customer JWTs, partner API keys, scope lists and secrets.
//!
//! Pure logic only. This module turns credentials into verified claims (or a typed
//! [`AuthError`]) and mints new ones; it must not touch the database, an HTTP framework or
//! GraphQL types, and it must never log or format a secret. Looking a partner key's hash up
//! and deciding what an authenticated actor may do belong to the layers around it.

mod jwt;
pub mod oauth_state;
mod partner_key;
mod scopes;
mod secret;
pub mod token_cipher;

pub use jwt::{
    CustomerClaims, JWT_LEEWAY_SECS, JwtKeys, SYSTEM_ACT, mint_customer_token, mint_system_token,
    verify_customer_token, verify_customer_token_at,
};
pub use partner_key::{
    GeneratedKey, PARTNER_KEY_DISPLAY_LEN, PARTNER_KEY_PREFIX, generate_partner_key, hash_partner_key,
    is_partner_key,
};
pub use scopes::{format_scopes, parse_scopes};
pub use secret::Secret;

/// Why a request could not be authenticated.
///
/// Every variant is answered with `UNAUTHENTICATED`; [`AuthError::message`] is the text a
/// client may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials were presented.
    #[error("authentication required")]
    Missing,
    /// The credentials are not a well-formed token or key, or lack a required claim.
    #[error("malformed credentials")]
    Malformed,
    /// The token's `exp` has passed.
    #[error("token expired")]
    Expired,
    /// The token's signature does not match the configured secret.
    #[error("invalid token signature")]
    InvalidSignature,
    /// The token is signed with an algorithm other than HS256 (including `none`).
    #[error("unsupported token algorithm")]
    UnsupportedAlgorithm,
    /// No partner key with this value exists.
    #[error("unknown API key")]
    UnknownKey,
    /// The partner key exists but has been revoked.
    #[error("API key revoked")]
    RevokedKey,
}

impl AuthError {
    /// A short message that is safe to show to the client.
    pub fn message(self) -> &'static str {
        match self {
            AuthError::Missing => "authentication required",
            AuthError::Malformed => "malformed credentials",
            AuthError::Expired => "token expired",
            AuthError::InvalidSignature => "invalid token signature",
            AuthError::UnsupportedAlgorithm => "unsupported token algorithm",
            AuthError::UnknownKey => "unknown API key",
            AuthError::RevokedKey => "API key revoked",
        }
    }
}

/// The token of an `Authorization` header value of the form `Bearer <token>`.
///
/// The scheme is case-insensitive and surrounding whitespace is ignored. Any other scheme,
/// a missing or empty token, or a token containing whitespace gives `None`.
pub fn bearer_token(header_value: &str) -> Option<&str> {
    let (scheme, rest) = header_value.trim().split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    let well_formed = !token.is_empty() && !token.contains(char::is_whitespace);
    well_formed.then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_accepts_any_scheme_case_and_trims() {
        assert_eq!(bearer_token("Bearer abc.def"), Some("abc.def"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER abc"), Some("abc"));
        assert_eq!(bearer_token("  Bearer \t abc  "), Some("abc"));
    }

    #[test]
    fn bearer_rejects_other_shapes() {
        assert_eq!(bearer_token(""), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer   "), None);
        assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
        assert_eq!(bearer_token("abc"), None);
        assert_eq!(bearer_token("Bearer a b"), None);
    }

    #[test]
    fn every_error_has_a_client_message_matching_display() {
        let all = [
            AuthError::Missing,
            AuthError::Malformed,
            AuthError::Expired,
            AuthError::InvalidSignature,
            AuthError::UnsupportedAlgorithm,
            AuthError::UnknownKey,
            AuthError::RevokedKey,
        ];
        for error in all {
            assert!(!error.message().is_empty());
            assert_eq!(error.to_string(), error.message());
        }
    }
}
