//! The OAuth `state` of an ad account connection: a signed, expiring, single-use token.
//!
//! Signed HS256 with the JWT secret, under a purpose claim (`"purpose": "oauth_state"`) that
//! customer tokens never carry, so neither can stand in for the other: a state has no `org`
//! claim (a customer token needs one), and verification here requires the purpose. It names the
//! organization, the platform, who started the flow (kind and id), the account the caller asked
//! for (if any), a random nonce (what makes it single-use: the store records each nonce once)
//! and its expiry. Pure: no clock, database or configuration reading.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Secret;

/// The purpose claim of every state.
pub const OAUTH_STATE_PURPOSE: &str = "oauth_state";

/// What a state says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthState {
    /// Always [`OAUTH_STATE_PURPOSE`].
    pub purpose: String,
    /// The organization the account is connected to.
    pub tenant: Uuid,
    /// The platform code (`meta`, `tiktok`, `apple`).
    pub platform: String,
    /// Who started the flow: `customer` or `partner`.
    pub initiator_kind: String,
    /// The user id (customers) or partner key id (partners).
    pub initiator_id: String,
    /// The platform account the caller asked for (Meta ad account, TikTok advertiser, Apple org).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Random, single-use.
    pub nonce: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
}

/// Why a state was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Not a state signed by this server for this purpose.
    #[error("the state is not valid")]
    Invalid,
    /// Past its expiry.
    #[error("the state has expired: start the connection again")]
    Expired,
}

/// Signs and verifies states.
#[derive(Clone)]
pub struct StateKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for StateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKeys([redacted])")
    }
}

/// A random nonce: 16 bytes, base64url.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl StateKeys {
    /// Keys over the JWT secret.
    pub fn from_secret(secret: &Secret) -> Self {
        let bytes = secret.expose().as_bytes();
        StateKeys { encoding: EncodingKey::from_secret(bytes), decoding: DecodingKey::from_secret(bytes) }
    }

    /// Signs `state`.
    pub fn sign(&self, state: &OAuthState) -> Result<String, StateError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), state, &self.encoding)
            .map_err(|_| StateError::Invalid)
    }

    /// Verifies a state as of `now_unix`: HS256, signature, purpose, expiry (no leeway).
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<OAuthState, StateError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        let state = jsonwebtoken::decode::<OAuthState>(token, &self.decoding, &validation)
            .map_err(|_| StateError::Invalid)?
            .claims;
        if state.purpose != OAUTH_STATE_PURPOSE || state.nonce.is_empty() {
            return Err(StateError::Invalid);
        }
        if now_unix >= state.exp {
            return Err(StateError::Expired);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> StateKeys {
        StateKeys::from_secret(&Secret::from(secret.to_owned()))
    }

    fn state(exp: i64) -> OAuthState {
        OAuthState {
            purpose: OAUTH_STATE_PURPOSE.to_owned(),
            tenant: Uuid::from_u128(5),
            platform: "meta".to_owned(),
            initiator_kind: "customer".to_owned(),
            initiator_id: "user-1".to_owned(),
            account: None,
            nonce: new_nonce(),
            exp,
        }
    }

    #[test]
    fn signed_states_verify_until_they_expire() {
        let signed = keys("a-secret-long-enough-for-the-test!!").sign(&state(1_000)).expect("sign");
        assert_eq!(
            keys("a-secret-long-enough-for-the-test!!").verify(&signed, 999).expect("valid").tenant,
            Uuid::from_u128(5)
        );
        assert_eq!(
            keys("a-secret-long-enough-for-the-test!!").verify(&signed, 1_000),
            Err(StateError::Expired)
        );
    }

    #[test]
    fn another_secret_or_purpose_is_invalid() {
        let signed = keys("a-secret-long-enough-for-the-test!!").sign(&state(1_000)).expect("sign");
        assert_eq!(keys("another-secret-long-enough-for-it!!").verify(&signed, 0), Err(StateError::Invalid));
        let mut other = state(1_000);
        other.purpose = "login".to_owned();
        let signed = keys("k").sign(&other).expect("sign");
        assert_eq!(keys("k").verify(&signed, 0), Err(StateError::Invalid));
    }

    #[test]
    fn a_customer_token_is_not_a_state() {
        let secret = Secret::from("a-secret-long-enough-for-the-test!!".to_owned());
        let jwt = super::super::JwtKeys::from_secret(&secret);
        let token =
            super::super::mint_customer_token(&jwt, Uuid::from_u128(5), "user", 0, 3600).expect("mint");
        assert_eq!(StateKeys::from_secret(&secret).verify(&token, 1), Err(StateError::Invalid));
        let signed = StateKeys::from_secret(&secret).sign(&state(3600)).expect("sign");
        assert!(super::super::verify_customer_token_at(&jwt, &signed, 1).is_err());
    }
}
