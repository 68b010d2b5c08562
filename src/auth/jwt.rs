//! Customer JWTs: minting and verifying HS256 tokens signed with the configured secret.
//!
//! Verification accepts HS256 only (a header naming `none` or any other algorithm is refused
//! before any key is used), checks the signature, then requires `sub`, `org`, `exp` and `iat`
//! and enforces `exp`. A token may carry `"act": "system"`: it then stands for Layers' own
//! workflows (the generation workflow) acting for `org`, not for a dashboard user; any other
//! `act` value is refused as malformed. This module must not read configuration, the database or the request:
//! callers pass the keys, the token and (for the testable variant) the current time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

use super::{AuthError, Secret};

/// Clock skew tolerated after `exp`, in seconds: a token stays valid while
/// `now < exp + JWT_LEEWAY_SECS`. Small, because every instance runs on synchronised clocks
/// and tokens are minted by the same service that verifies them.
pub const JWT_LEEWAY_SECS: i64 = 10;

/// The only algorithm a customer token may use, as written in its header.
const ACCEPTED_ALG: &str = "HS256";

/// The signing and verification keys derived from the JWT secret (HS256).
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    /// Keys for HS256 tokens signed with `secret`.
    pub fn from_secret(secret: &Secret) -> JwtKeys {
        let bytes = secret.expose().as_bytes();
        JwtKeys {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation: hs256_validation(),
        }
    }
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtKeys([redacted])")
    }
}

/// The library-side checks: HS256 only, signature, `exp` and `sub` present, no `aud`.
///
/// Expiry itself is enforced by [`verify_customer_token_at`] against the caller's clock, so
/// that one rule (with [`JWT_LEEWAY_SECS`]) decides it.
fn hs256_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation
}

/// The claims of a customer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerClaims {
    /// The dashboard user's id.
    pub sub: String,
    /// The organization the user acts for.
    pub org: Uuid,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, in seconds since the Unix epoch.
    pub iat: i64,
    /// The actor kind when it is not a dashboard user: [`SYSTEM_ACT`] for Layers' own workflows.
    /// Absent on customer tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<String>,
}

/// The `act` claim of a system token.
pub const SYSTEM_ACT: &str = "system";

impl CustomerClaims {
    /// Whether the token stands for a system actor (`"act": "system"`).
    pub fn is_system(&self) -> bool {
        self.act.as_deref() == Some(SYSTEM_ACT)
    }
}

/// Mints a customer token for `user` in `org`, issued at `now_unix` and valid for `ttl_secs`.
///
/// An empty `user` is refused with [`AuthError::Malformed`]: verification would reject it.
pub fn mint_customer_token(
    keys: &JwtKeys,
    org: Uuid,
    user: &str,
    now_unix: i64,
    ttl_secs: i64,
) -> Result<String, AuthError> {
    if user.is_empty() {
        return Err(AuthError::Malformed);
    }
    let claims = CustomerClaims {
        sub: user.to_owned(),
        org,
        exp: now_unix.saturating_add(ttl_secs),
        iat: now_unix,
        act: None,
    };
    encode_claims(keys, &claims)
}

/// Mints a system token (`"act": "system"`) for Layers' own workflow `name` acting for `org`,
/// issued at `now_unix` and valid for `ttl_secs`. An empty `name` is refused like an empty user.
pub fn mint_system_token(
    keys: &JwtKeys,
    org: Uuid,
    name: &str,
    now_unix: i64,
    ttl_secs: i64,
) -> Result<String, AuthError> {
    if name.is_empty() {
        return Err(AuthError::Malformed);
    }
    let claims = CustomerClaims {
        sub: name.to_owned(),
        org,
        exp: now_unix.saturating_add(ttl_secs),
        iat: now_unix,
        act: Some(SYSTEM_ACT.to_owned()),
    };
    encode_claims(keys, &claims)
}

fn encode_claims(keys: &JwtKeys, claims: &CustomerClaims) -> Result<String, AuthError> {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &keys.encoding)
        .map_err(|_| AuthError::Malformed)
}

/// Verifies a customer token against the system clock. See [`verify_customer_token_at`].
pub fn verify_customer_token(keys: &JwtKeys, token: &str) -> Result<CustomerClaims, AuthError> {
    verify_customer_token_at(keys, token, chrono::Utc::now().timestamp())
}

/// Verifies a customer token as of `now_unix` and returns its claims.
///
/// Checks, in order: a token is present; its header names HS256 (anything else, `none`
/// included, is [`AuthError::UnsupportedAlgorithm`]); the signature matches; `sub` (non-empty),
/// `org`, `exp` and `iat` are present and well typed; `act`, if present, is `system`;
/// `now_unix < exp + JWT_LEEWAY_SECS`.
pub fn verify_customer_token_at(
    keys: &JwtKeys,
    token: &str,
    now_unix: i64,
) -> Result<CustomerClaims, AuthError> {
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    ensure_hs256_header(token)?;
    let claims = jsonwebtoken::decode::<CustomerClaims>(token, &keys.decoding, &keys.validation)
        .map_err(map_jwt_error)?
        .claims;
    if claims.sub.is_empty() || claims.act.as_deref().is_some_and(|act| act != SYSTEM_ACT) {
        return Err(AuthError::Malformed);
    }
    ensure_not_expired(claims.exp, now_unix)?;
    Ok(claims)
}

/// The part of a JOSE header this module reads before trusting anything else.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
}

/// Refuses a token whose header is unreadable or names any algorithm but HS256.
fn ensure_hs256_header(token: &str) -> Result<(), AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|_| AuthError::Malformed)?;
    let header: RawHeader = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    if header.alg == ACCEPTED_ALG { Ok(()) } else { Err(AuthError::UnsupportedAlgorithm) }
}

/// Refuses a token at or past `exp + JWT_LEEWAY_SECS`.
fn ensure_not_expired(exp: i64, now_unix: i64) -> Result<(), AuthError> {
    if now_unix < exp.saturating_add(JWT_LEEWAY_SECS) { Ok(()) } else { Err(AuthError::Expired) }
}

/// Maps the library's error onto the client-facing kinds.
fn map_jwt_error(error: JwtError) -> AuthError {
    match error.kind() {
        ErrorKind::InvalidSignature => AuthError::InvalidSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm | ErrorKind::InvalidAlgorithmName => {
            AuthError::UnsupportedAlgorithm
        }
        ErrorKind::ExpiredSignature => AuthError::Expired,
        _ => AuthError::Malformed,
    }
}

#[cfg(test)]
mod tests;
