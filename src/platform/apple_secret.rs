//! Apple Search Ads client secrets: an ES256 JWT the server signs with the API user's private
//! key (`LAYERS_APPLE_PRIVATE_KEY`), instead of a pre-made one that expires within 180 days.
//!
//! Claims, as Apple documents them: `sub` the client id, `iss` the team id (both
//! `SEARCHADS.…`), `aud` `https://appleid.apple.com`, `iat` and `exp`; the header names the key
//! (`kid`). Each token request gets a fresh secret valid for [`VALIDITY_SECS`].

use std::fmt;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::auth::Secret;

/// How long a minted client secret is valid.
pub const VALIDITY_SECS: i64 = 3600;

/// Apple's audience for client secrets.
const AUDIENCE: &str = "https://appleid.apple.com";

/// Signs Apple client secrets.
#[derive(Clone)]
pub struct AppleSecretSigner {
    client_id: String,
    team_id: String,
    key_id: String,
    key: EncodingKey,
}

impl fmt::Debug for AppleSecretSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppleSecretSigner")
            .field("client_id", &self.client_id)
            .field("team_id", &self.team_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

impl AppleSecretSigner {
    /// A signer for `client_id` of `team_id`, with key `key_id` given as a PKCS#8 PEM (literal
    /// `\n` sequences, as an environment variable may carry them, are read as line breaks).
    pub fn new(client_id: &str, team_id: &str, key_id: &str, pem: &str) -> Result<Self, String> {
        let pem = pem.replace("\\n", "\n");
        let key = EncodingKey::from_ec_pem(pem.trim().as_bytes())
            .map_err(|_| "LAYERS_APPLE_PRIVATE_KEY is not an EC P-256 private key in PEM".to_owned())?;
        let signer = AppleSecretSigner {
            client_id: client_id.to_owned(),
            team_id: team_id.to_owned(),
            key_id: key_id.to_owned(),
            key,
        };
        signer.mint(0)?;
        Ok(signer)
    }

    /// A client secret issued at `now` (Unix seconds).
    pub fn mint(&self, now: i64) -> Result<Secret, String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let claims = Claims {
            sub: &self.client_id,
            iss: &self.team_id,
            aud: AUDIENCE,
            iat: now,
            exp: now + VALIDITY_SECS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::from)
            .map_err(|err| format!("the Apple client secret could not be signed: {err}"))
    }
}
