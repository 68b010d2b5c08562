//! Encryption at rest for connected ad accounts' OAuth tokens (XChaCha20-Poly1305 AEAD).
//!
//! A stored token reads `lyr1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`: a format version,
//! the id of the key that sealed it (the first 8 hex digits of a SHA-256 of the key, so a token
//! sealed under another key is refused with a clear error instead of a bare authentication
//! failure), and a random 24-byte nonce per seal. The associated data binds the ciphertext to its
//! row — organization, platform, account row id and which token (access or refresh) — so a
//! ciphertext copied into another row or column does not decrypt.
//!
//! Pure: no I/O, no configuration reading. Plaintexts go in and come out as [`Secret`]s and are
//! never formatted.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Secret;

/// The format version every sealed token starts with.
const VERSION: &str = "lyr1";
/// Bytes of an XChaCha20 nonce.
const NONCE_LEN: usize = 24;
/// Bytes of a key.
pub const KEY_LEN: usize = 32;

/// Which of an account's tokens a ciphertext holds (part of its associated data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The access token sent to the platform.
    Access,
    /// The refresh token (or, on Meta, nothing: Meta has none).
    Refresh,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

/// The row a ciphertext belongs to: its associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBinding<'a> {
    /// The owning organization.
    pub organization_id: Uuid,
    /// The platform code (`meta`, `tiktok`, `apple`).
    pub platform: &'a str,
    /// The connected account row.
    pub account_id: Uuid,
    /// Access or refresh token.
    pub kind: TokenKind,
}

impl TokenBinding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "layers.connected_account.{VERSION}|{}|{}|{}|{}",
            self.organization_id,
            self.platform,
            self.account_id,
            self.kind.as_str()
        )
        .into_bytes()
    }
}

/// Why a key or a stored token cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The configured key is not 32 bytes of base64.
    #[error("LAYERS_TOKEN_ENCRYPTION_KEY must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)")]
    BadKey,
    /// The stored value is not a sealed token of a known version.
    #[error("the stored token is not in a known format")]
    Malformed,
    /// The token was sealed under another key.
    #[error("the stored token was sealed under key {0}, not the configured key")]
    OtherKey(String),
    /// Authentication failed: tampered, or bound to another row.
    #[error("the stored token does not authenticate for this row")]
    Unauthentic,
}

/// Seals and opens tokens with one key.
#[derive(Clone)]
pub struct TokenCipher {
    cipher: XChaCha20Poly1305,
    key_id: String,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCipher").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl TokenCipher {
    /// A cipher over a base64 (standard or URL-safe) encoded 32-byte key.
    pub fn from_base64(encoded: &Secret) -> Result<Self, CipherError> {
        let text = encoded.expose().trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| CipherError::BadKey)?;
        Self::from_bytes(&bytes)
    }

    /// A cipher over raw key bytes (exactly 32).
    pub fn from_bytes(key: &[u8]) -> Result<Self, CipherError> {
        if key.len() != KEY_LEN {
            return Err(CipherError::BadKey);
        }
        let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| CipherError::BadKey)?;
        let digest = Sha256::new().chain_update(b"layers-token-key:").chain_update(key).finalize();
        Ok(TokenCipher { cipher, key_id: hex::encode(&digest[..4]) })
    }

    /// The id of this key, as written into every token it seals.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Seals `plaintext` for the row `binding`, with a fresh random nonce.
    pub fn seal(&self, plaintext: &Secret, binding: &TokenBinding<'_>) -> Result<String, CipherError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = binding.associated_data();
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext.expose().as_bytes(), aad: &aad })
            .map_err(|_| CipherError::Unauthentic)?;
        let mut body = Vec::with_capacity(NONCE_LEN + sealed.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&sealed);
        Ok(format!("{VERSION}.{}.{}", self.key_id, URL_SAFE_NO_PAD.encode(body)))
    }

    /// Opens a token sealed by [`TokenCipher::seal`] for the same row.
    pub fn open(&self, stored: &str, binding: &TokenBinding<'_>) -> Result<Secret, CipherError> {
        let mut parts = stored.splitn(3, '.');
        let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CipherError::Malformed);
        };
        if key_id != self.key_id {
            return Err(CipherError::OtherKey(key_id.to_owned()));
        }
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| CipherError::Malformed)?;
        if body.len() < NONCE_LEN {
            return Err(CipherError::Malformed);
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CipherError::Malformed)?;
        let aad = binding.associated_data();
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: &aad })
            .map_err(|_| CipherError::Unauthentic)?;
        String::from_utf8(plain).map(Secret::from).map_err(|_| CipherError::Unauthentic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> TokenCipher {
        TokenCipher::from_bytes(&[byte; KEY_LEN]).expect("key")
    }

    fn binding(account_id: Uuid, kind: TokenKind) -> TokenBinding<'static> {
        TokenBinding { organization_id: Uuid::from_u128(1), platform: "meta", account_id, kind }
    }

    fn token() -> Secret {
        Secret::from("EAAB-the-access-token".to_owned())
    }

    #[test]
    fn round_trips_and_never_shows_the_plaintext() {
        let row = binding(Uuid::from_u128(7), TokenKind::Access);
        let sealed = cipher(1).seal(&token(), &row).expect("seal");
        assert!(sealed.starts_with(&format!("lyr1.{}.", cipher(1).key_id())), "{sealed}");
        assert!(!sealed.contains("EAAB"));
        assert_eq!(cipher(1).open(&sealed, &row).expect("open").expose(), "EAAB-the-access-token");
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let row = binding(Uuid::from_u128(7), TokenKind::Access);
        assert_ne!(
            cipher(1).seal(&token(), &row).expect("seal"),
            cipher(1).seal(&token(), &row).expect("seal")
        );
    }

    #[test]
    fn another_row_or_column_does_not_decrypt() {
        let row = binding(Uuid::from_u128(7), TokenKind::Access);
        let sealed = cipher(1).seal(&token(), &row).expect("seal");
        let other_row = binding(Uuid::from_u128(8), TokenKind::Access);
        let other_column = binding(Uuid::from_u128(7), TokenKind::Refresh);
        let other_platform = TokenBinding { platform: "tiktok", ..row };
        let other_org = TokenBinding { organization_id: Uuid::from_u128(2), ..row };
        for wrong in [other_row, other_column, other_platform, other_org] {
            assert_eq!(cipher(1).open(&sealed, &wrong).err(), Some(CipherError::Unauthentic), "{wrong:?}");
        }
    }

    #[test]
    fn tampering_fails() {
        let row = binding(Uuid::from_u128(7), TokenKind::Access);
        let sealed = cipher(1).seal(&token(), &row).expect("seal");
        let (head, body) = sealed.rsplit_once('.').expect("three parts");
        let mut bytes = URL_SAFE_NO_PAD.decode(body).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&bytes));
        assert_eq!(cipher(1).open(&tampered, &row).err(), Some(CipherError::Unauthentic));
        bytes[last] ^= 1;
        bytes[NONCE_LEN] ^= 0x80;
        let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&bytes));
        assert_eq!(cipher(1).open(&tampered, &row).err(), Some(CipherError::Unauthentic));
    }

    #[test]
    fn another_key_or_format_is_refused_clearly() {
        let row = binding(Uuid::from_u128(7), TokenKind::Access);
        let sealed = cipher(1).seal(&token(), &row).expect("seal");
        assert!(matches!(cipher(2).open(&sealed, &row), Err(CipherError::OtherKey(_))));
        assert_eq!(cipher(1).open("plaintext-token", &row).err(), Some(CipherError::Malformed));
        let forged = sealed.replacen(cipher(1).key_id(), cipher(2).key_id(), 1);
        assert_eq!(cipher(2).open(&forged, &row).err(), Some(CipherError::Unauthentic));
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        let good = Secret::from(STANDARD.encode([9u8; KEY_LEN]));
        assert!(TokenCipher::from_base64(&good).is_ok());
        let short = Secret::from(STANDARD.encode([9u8; 16]));
        assert_eq!(TokenCipher::from_base64(&short).err(), Some(CipherError::BadKey));
        assert_eq!(
            TokenCipher::from_base64(&Secret::from("not base64!".to_owned())).err(),
            Some(CipherError::BadKey)
        );
    }
}
