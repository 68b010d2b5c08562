//! Unit tests for customer token minting and verification.

use super::*;
use serde_json::json;

const SECRET: &str = "test-secret-with-enough-bytes-for-hs256";
const NOW: i64 = 1_750_000_000;
const TTL: i64 = 3_600;

fn keys() -> JwtKeys {
    JwtKeys::from_secret(&Secret::from(SECRET.to_owned()))
}

fn org() -> Uuid {
    Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)
}

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Signs arbitrary claims with the test secret and the given algorithm.
fn sign(alg: Algorithm, claims: &serde_json::Value) -> String {
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&Header::new(alg), claims, &key).expect("signing succeeds")
}

fn valid_claims() -> serde_json::Value {
    json!({ "sub": "user-1", "org": org(), "exp": NOW + TTL, "iat": NOW })
}

#[test]
fn round_trip_returns_the_minted_claims() {
    let token = mint_customer_token(&keys(), org(), "user-1", NOW, TTL).expect("mint");
    let claims = verify_customer_token_at(&keys(), &token, NOW + 1).expect("verify");
    let expected =
        CustomerClaims { sub: "user-1".to_owned(), org: org(), exp: NOW + TTL, iat: NOW, act: None };
    assert_eq!(claims, expected);
}

#[test]
fn round_trip_against_the_system_clock() {
    let now = chrono::Utc::now().timestamp();
    let token = mint_customer_token(&keys(), org(), "user-1", now, TTL).expect("mint");
    let claims = verify_customer_token(&keys(), &token).expect("verify");
    assert_eq!(claims.org, org());
    assert_eq!(claims.sub, "user-1");
}

#[test]
fn minted_header_is_hs256_jwt() {
    let token = mint_customer_token(&keys(), org(), "user-1", NOW, TTL).expect("mint");
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
}

#[test]
fn expiry_is_enforced_with_the_documented_leeway() {
    let token = mint_customer_token(&keys(), org(), "user-1", NOW, TTL).expect("mint");
    let exp = NOW + TTL;
    let last_valid = exp + JWT_LEEWAY_SECS - 1;
    assert!(verify_customer_token_at(&keys(), &token, last_valid).is_ok());
    let first_invalid = exp + JWT_LEEWAY_SECS;
    assert_eq!(verify_customer_token_at(&keys(), &token, first_invalid), Err(AuthError::Expired));
}

#[test]
fn an_old_token_is_expired_against_the_system_clock() {
    let token = mint_customer_token(&keys(), org(), "user-1", NOW - 10 * TTL, TTL).expect("mint");
    assert_eq!(verify_customer_token(&keys(), &token), Err(AuthError::Expired));
}

#[test]
fn leeway_is_within_the_allowed_range() {
    assert!((0..=30).contains(&JWT_LEEWAY_SECS));
}

#[test]
fn wrong_secret_is_an_invalid_signature() {
    let other = JwtKeys::from_secret(&Secret::from("another-secret".to_owned()));
    let token = mint_customer_token(&other, org(), "user-1", NOW, TTL).expect("mint");
    assert_eq!(verify_customer_token_at(&keys(), &token, NOW), Err(AuthError::InvalidSignature));
}

#[test]
fn tampered_payload_is_an_invalid_signature() {
    let token = mint_customer_token(&keys(), org(), "user-1", NOW, TTL).expect("mint");
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = b64(&json!({ "sub": "admin", "org": org(), "exp": NOW + TTL, "iat": NOW }));
    parts[1] = &forged;
    assert_eq!(verify_customer_token_at(&keys(), &parts.join("."), NOW), Err(AuthError::InvalidSignature));
}

#[test]
fn alg_none_token_is_rejected() {
    let header = b64(&json!({ "alg": "none", "typ": "JWT" }));
    let payload = b64(&valid_claims());
    let unsigned = format!("{header}.{payload}.");
    assert_eq!(verify_customer_token_at(&keys(), &unsigned, NOW), Err(AuthError::UnsupportedAlgorithm));
    // The library refuses it too, independently of the header pre-check.
    let library = jsonwebtoken::decode::<CustomerClaims>(&unsigned, &keys().decoding, &hs256_validation());
    assert!(library.is_err());
}

#[test]
fn alg_none_in_other_spellings_is_rejected() {
    for alg in ["None", "NONE", "nOnE", ""] {
        let header = b64(&json!({ "alg": alg, "typ": "JWT" }));
        let token = format!("{header}.{}.", b64(&valid_claims()));
        assert_eq!(
            verify_customer_token_at(&keys(), &token, NOW),
            Err(AuthError::UnsupportedAlgorithm),
            "alg {alg:?}"
        );
    }
}

#[test]
fn other_hmac_algorithms_with_the_right_secret_are_rejected() {
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let token = sign(alg, &valid_claims());
        assert_eq!(
            verify_customer_token_at(&keys(), &token, NOW),
            Err(AuthError::UnsupportedAlgorithm),
            "{alg:?}"
        );
    }
}

#[test]
fn missing_org_is_malformed() {
    let token = sign(Algorithm::HS256, &json!({ "sub": "user-1", "exp": NOW + TTL, "iat": NOW }));
    assert_eq!(verify_customer_token_at(&keys(), &token, NOW), Err(AuthError::Malformed));
}

#[test]
fn missing_or_empty_sub_is_malformed() {
    let missing = json!({ "org": org(), "exp": NOW + TTL, "iat": NOW });
    let empty = json!({ "sub": "", "org": org(), "exp": NOW + TTL, "iat": NOW });
    for claims in [missing, empty] {
        let token = sign(Algorithm::HS256, &claims);
        assert_eq!(verify_customer_token_at(&keys(), &token, NOW), Err(AuthError::Malformed));
    }
}

#[test]
fn missing_or_mistyped_exp_is_malformed() {
    let missing = json!({ "sub": "user-1", "org": org(), "iat": NOW });
    let text = json!({ "sub": "user-1", "org": org(), "exp": "never", "iat": NOW });
    let fraction = json!({ "sub": "user-1", "org": org(), "exp": 1.5e10, "iat": NOW });
    for claims in [missing, text, fraction] {
        let token = sign(Algorithm::HS256, &claims);
        assert_eq!(verify_customer_token_at(&keys(), &token, NOW), Err(AuthError::Malformed), "{claims}");
    }
}

#[test]
fn org_that_is_not_a_uuid_is_malformed() {
    let claims = json!({ "sub": "user-1", "org": "acme", "exp": NOW + TTL, "iat": NOW });
    let token = sign(Algorithm::HS256, &claims);
    assert_eq!(verify_customer_token_at(&keys(), &token, NOW), Err(AuthError::Malformed));
}

#[test]
fn token_with_an_audience_is_malformed() {
    let mut claims = valid_claims();
    claims["aud"] = json!("someone-else");
    let token = sign(Algorithm::HS256, &claims);
    assert_eq!(verify_customer_token_at(&keys(), &token, NOW), Err(AuthError::Malformed));
}

#[test]
fn empty_token_is_missing_and_garbage_is_malformed() {
    assert_eq!(verify_customer_token_at(&keys(), "", NOW), Err(AuthError::Missing));
    for garbage in ["abc", "a.b", "a.b.c.d", "!!!.e30.", "e30.e30.sig", "lyr_pk_abc"] {
        assert_eq!(verify_customer_token_at(&keys(), garbage, NOW), Err(AuthError::Malformed), "{garbage}");
    }
}

#[test]
fn empty_user_cannot_be_minted() {
    assert_eq!(mint_customer_token(&keys(), org(), "", NOW, TTL), Err(AuthError::Malformed));
}

#[test]
fn keys_do_not_print_the_secret() {
    let printed = format!("{:?}", keys());
    assert!(!printed.contains(SECRET));
    assert_eq!(printed, "JwtKeys([redacted])");
}

#[test]
fn system_tokens_carry_act_system() {
    let token = mint_system_token(&keys(), org(), "generation", NOW, TTL).expect("mint");
    let claims = verify_customer_token_at(&keys(), &token, NOW + 1).expect("verify");
    assert_eq!(claims.act.as_deref(), Some("system"));
    assert!(claims.is_system());
    assert_eq!(claims.sub, "generation");
    let customer = mint_customer_token(&keys(), org(), "user-1", NOW, TTL).expect("mint");
    let claims = verify_customer_token_at(&keys(), &customer, NOW + 1).expect("verify");
    assert!(!claims.is_system());
    let payload = customer.split('.').nth(1).expect("payload");
    let payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json");
    assert!(payload.get("act").is_none(), "customer tokens stay as they were: {payload}");
    assert_eq!(mint_system_token(&keys(), org(), "", NOW, TTL), Err(AuthError::Malformed));
}

#[test]
fn unknown_act_claims_are_malformed() {
    let claims = json!({ "sub": "user-1", "org": org(), "exp": NOW + TTL, "iat": NOW, "act": "optimizer" });
    let token = sign(Algorithm::HS256, &claims);
    assert_eq!(verify_customer_token_at(&keys(), &token, NOW), Err(AuthError::Malformed));
}
