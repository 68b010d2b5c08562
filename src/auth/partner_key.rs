//! Partner API keys: generation, hashing and recognition.
//!
//! A key is `lyr_pk_` followed by 32 random bytes from the operating system, base64url without
//! padding. Only its SHA-256 hash is stored; the plaintext is shown once at creation. This
//! module must not store, look up or log keys: it only makes and hashes them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rngs::OsRng;
use rand::{RngCore as _, TryRngCore as _};
use sha2::{Digest, Sha256};

use super::Secret;

/// What every partner key starts with; it tells a partner key from a customer JWT.
pub const PARTNER_KEY_PREFIX: &str = "lyr_pk_";

/// How many leading characters of a key are safe to display (the prefix plus five random ones).
pub const PARTNER_KEY_DISPLAY_LEN: usize = 12;

/// Random bytes in a key: 256 bits of entropy.
const KEY_BYTES: usize = 32;

/// A freshly generated partner key.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// The full key: shown to the customer once, never stored.
    pub plaintext: Secret,
    /// The first [`PARTNER_KEY_DISPLAY_LEN`] characters, stored and displayed to tell keys apart.
    pub prefix: String,
    /// Lowercase hex SHA-256 of the plaintext, the only form that is stored.
    pub hash: String,
}

/// Generates a new partner key from the operating system's random source.
///
/// # Panics
///
/// Only if the operating system cannot provide random bytes, which leaves no safe way to
/// make a key.
pub fn generate_partner_key() -> GeneratedKey {
    let mut bytes = [0u8; KEY_BYTES];
    OsRng.unwrap_err().fill_bytes(&mut bytes);
    let plaintext = format!("{PARTNER_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    GeneratedKey {
        prefix: plaintext.chars().take(PARTNER_KEY_DISPLAY_LEN).collect(),
        hash: hash_partner_key(&plaintext),
        plaintext: Secret::from(plaintext),
    }
}

/// The stored form of a partner key: lowercase hex SHA-256 of the plaintext.
///
/// A fast, unsalted hash is the right choice here: a key carries 256 bits of entropy, so
/// neither brute force nor precomputed tables are feasible, and a deterministic hash lets a
/// request's key be found by an indexed equality lookup. Slow password hashes exist for
/// low-entropy human secrets, which these are not.
pub fn hash_partner_key(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// Whether `token` looks like a partner key (by its prefix) rather than a customer JWT.
pub fn is_partner_key(token: &str) -> bool {
    token.starts_with(PARTNER_KEY_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_has_the_documented_format() {
        let key = generate_partner_key();
        let plaintext = key.plaintext.expose();
        let random = plaintext.strip_prefix(PARTNER_KEY_PREFIX).expect("prefix");
        assert_eq!(random.len(), 43, "32 bytes in unpadded base64");
        let decoded = URL_SAFE_NO_PAD.decode(random).expect("base64url");
        assert_eq!(decoded.len(), KEY_BYTES);
        assert!(is_partner_key(plaintext));
    }

    #[test]
    fn prefix_is_the_first_twelve_characters() {
        let key = generate_partner_key();
        assert_eq!(key.prefix.len(), PARTNER_KEY_DISPLAY_LEN);
        assert!(key.plaintext.expose().starts_with(&key.prefix));
        assert!(key.prefix.starts_with(PARTNER_KEY_PREFIX));
    }

    #[test]
    fn hash_is_the_hex_sha256_of_the_plaintext() {
        let key = generate_partner_key();
        assert_eq!(key.hash, hash_partner_key(key.plaintext.expose()));
        assert_eq!(key.hash.len(), 64);
        assert!(key.hash.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn hash_is_stable() {
        // SHA-256("abc") from FIPS 180-2.
        assert_eq!(
            hash_partner_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash_partner_key("lyr_pk_x"), hash_partner_key("lyr_pk_x"));
        assert_ne!(hash_partner_key("lyr_pk_x"), hash_partner_key("lyr_pk_y"));
    }

    #[test]
    fn keys_are_unique() {
        let first = generate_partner_key();
        let second = generate_partner_key();
        assert_ne!(first.plaintext.expose(), second.plaintext.expose());
        assert_ne!(first.hash, second.hash);
    }

    #[test]
    fn debug_does_not_print_the_plaintext() {
        let key = generate_partner_key();
        let printed = format!("{key:?}");
        assert!(!printed.contains(key.plaintext.expose()));
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn recognises_keys_by_prefix_only() {
        assert!(is_partner_key("lyr_pk_abc"));
        assert!(!is_partner_key("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
        assert!(!is_partner_key("LYR_PK_abc"));
        assert!(!is_partner_key(""));
    }
}
