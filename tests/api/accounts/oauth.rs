//! The OAuth flow's edges: the authorization URL each platform's consent page gets, the
//! callback refusing forged, expired, reused and misrouted states, the redirect back to the
//! dashboard, and Apple's client secrets signed by the server.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use layers_dashboard::auth::Secret;
use layers_dashboard::auth::oauth_state::{OAUTH_STATE_PURPOSE, OAuthState, StateKeys};
use layers_dashboard::domain::Scope;
use reqwest::Url;
use serde_json::{Value, json};
use tower::ServiceExt;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{AUTHORIZE, authorization_url, callback, live_app, mock_meta_exchange, param};
use crate::support::SECRET;

#[tokio::test]
async fn the_authorization_url_names_the_app_the_redirect_and_a_signed_state() {
    let server = MockServer::start().await;
    let (app, _) = live_app(&server, &[]).await;
    let meta = authorization_url(&app, &app.customer(), "META", None).await;
    assert_eq!(meta.path(), "/v27.0/dialog/oauth");
    assert_eq!(meta.host_str(), Some("www.facebook.com"));
    assert_eq!(param(&meta, "client_id").as_deref(), Some("meta-app"));
    assert_eq!(
        param(&meta, "redirect_uri").as_deref(),
        Some("https://dash.example.test/oauth/meta/callback")
    );
    assert_eq!(param(&meta, "response_type").as_deref(), Some("code"));
    assert_eq!(param(&meta, "scope").as_deref(), Some("ads_management,ads_read"));
    let state = param(&meta, "state").expect("state");
    let claims = StateKeys::from_secret(&Secret::from(SECRET.to_owned()))
        .verify(&state, chrono::Utc::now().timestamp())
        .expect("a state signed with the server's secret");
    assert_eq!(
        (claims.tenant, claims.platform.as_str(), claims.initiator_kind.as_str()),
        (app.org, "meta", "customer")
    );

    let tiktok = authorization_url(&app, &app.customer(), "TIKTOK", None).await;
    assert_eq!(tiktok.path(), "/portal/auth");
    assert_eq!(param(&tiktok, "app_id").as_deref(), Some("tiktok-app"));
    assert_eq!(
        param(&tiktok, "redirect_uri").as_deref(),
        Some("https://dash.example.test/oauth/tiktok/callback")
    );
    assert_ne!(param(&tiktok, "state"), Some(state), "every URL has its own state");

    let writer = app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await;
    let partner = authorization_url(&app, &writer, "META", None).await;
    assert!(param(&partner, "state").is_some());
    let reader = app.partner(&[Scope::AdsRead]).await;
    let refused = app.gql(Some(&reader), AUTHORIZE, json!({ "p": "META" })).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused:#}");
    let apple = app.gql(Some(&app.customer()), AUTHORIZE, json!({ "p": "APPLE" })).await;
    assert_eq!(
        apple["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "Apple needs the org id: {apple:#}"
    );
}

#[tokio::test]
async fn the_callback_refuses_bad_expired_and_reused_states() {
    let server = MockServer::start().await;
    let (app, _) = live_app(&server, &[]).await;
    let (status, body) = callback(&app, "meta", &[("code", "c"), ("state", "not-a-state")]).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::BAD_REQUEST, &json!("OAUTH_STATE_INVALID")));
    let (status, _) = callback(&app, "meta", &[("code", "c")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let keys = StateKeys::from_secret(&Secret::from(SECRET.to_owned()));
    let expired = OAuthState {
        purpose: OAUTH_STATE_PURPOSE.to_owned(),
        tenant: app.org,
        platform: "meta".to_owned(),
        initiator_kind: "customer".to_owned(),
        initiator_id: "user-1".to_owned(),
        account: None,
        nonce: "expired-nonce".to_owned(),
        exp: chrono::Utc::now().timestamp() - 1,
    };
    let signed = keys.sign(&expired).expect("sign");
    let (status, body) = callback(&app, "meta", &[("code", "c"), ("state", &signed)]).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::BAD_REQUEST, &json!("OAUTH_STATE_EXPIRED")));
    let forged = StateKeys::from_secret(&Secret::from("another-secret-that-is-long-enough!!".to_owned()))
        .sign(&OAuthState { exp: chrono::Utc::now().timestamp() + 600, ..expired })
        .expect("sign");
    let (_, body) = callback(&app, "meta", &[("code", "c"), ("state", &forged)]).await;
    assert_eq!(body["error"]["code"], "OAUTH_STATE_INVALID");

    let url = authorization_url(&app, &app.customer(), "META", Some("act_123")).await;
    let state = param(&url, "state").expect("state");
    let (_, body) = callback(&app, "tiktok", &[("code", "c"), ("state", &state)]).await;
    assert_eq!(body["error"]["code"], "OAUTH_STATE_INVALID", "a Meta state is not TikTok's");
    mock_meta_exchange(&server, "code-1").await;
    let (status, body) = callback(&app, "meta", &[("code", "code-1"), ("state", &state)]).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let (status, body) = callback(&app, "meta", &[("code", "code-1"), ("state", &state)]).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::BAD_REQUEST, &json!("OAUTH_STATE_USED")));
    let (status, body) = callback(&app, "myspace", &[("code", "c"), ("state", &state)]).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::NOT_FOUND, &json!("NOT_FOUND")));
}

#[tokio::test]
async fn with_a_return_url_the_callback_sends_the_browser_back_to_the_dashboard() {
    let server = MockServer::start().await;
    let (app, _) =
        live_app(&server, &["--oauth-return-url", "https://dash.example.test/settings/accounts"]).await;
    mock_meta_exchange(&server, "code-return").await;
    let url = authorization_url(&app, &app.customer(), "META", Some("act_123")).await;
    let state = param(&url, "state").expect("state");
    let location = |query: &[(&str, &str)]| {
        let mut url = Url::parse("http://local/oauth/meta/callback").expect("url");
        url.query_pairs_mut().extend_pairs(query);
        let uri = format!("{}?{}", url.path(), url.query().unwrap_or_default());
        let app = layers_dashboard::app(app.state.clone());
        async move {
            let response =
                app.oneshot(Request::get(uri).body(Body::empty()).expect("request")).await.expect("response");
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
            let location = response.headers()["location"].to_str().expect("location").to_owned();
            Url::parse(&location).expect("absolute location")
        }
    };
    let back = location(&[("code", "code-return"), ("state", &state)]).await;
    assert_eq!(back.path(), "/settings/accounts");
    assert_eq!(param(&back, "platform").as_deref(), Some("META"));
    assert_eq!(param(&back, "status").as_deref(), Some("ACTIVE"));
    assert!(param(&back, "connectedAccountId").is_some(), "{back}");

    let again = location(&[("code", "code-return"), ("state", &state)]).await;
    assert_eq!(param(&again, "error").as_deref(), Some("OAUTH_STATE_USED"), "{again}");
    assert_eq!(param(&again, "status"), None);
}

/// A test-only EC P-256 key pair (PKCS#8 private key, SPKI public key).
const APPLE_TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgObi+4Fw+bC+ByIas
SciXxMFE1yA3xYYOcGaVoxBpjhChRANCAATYq8kYTt0u55L/Sj4sZV+JMagGHLsy
X9ePLzY0UwMXmB9UE7LxCwmU45D+0XxAqcsCaWjXx9ONAOQm6GzHDx3w
-----END PRIVATE KEY-----";
const APPLE_TEST_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2KvJGE7dLueS/0o+LGVfiTGoBhy7
Ml/Xjy82NFMDF5gfVBOy8QsJlOOQ/tF8QKnLAmlo18fTjQDkJuhsxw8d8A==
-----END PUBLIC KEY-----";

#[tokio::test]
async fn apple_client_secrets_are_signed_by_the_server_with_the_api_users_key() {
    let server = MockServer::start().await;
    let key = APPLE_TEST_KEY.replace('\n', "\\n");
    let extra =
        ["--apple-team-id", "SEARCHADS.team", "--apple-key-id", "KEY123", "--apple-private-key", &key];
    let (app, _) = live_app(&server, &extra).await;
    Mock::given(method("POST"))
        .and(path("/auth/oauth2/token"))
        .and(body_string_contains("client_id=SEARCHADS.client"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "apple-token", "token_type": "Bearer", "expires_in": 3600 })))
        .expect(1)
        .mount(&server)
        .await;
    let url = authorization_url(&app, &app.customer(), "APPLE", Some("40669820")).await;
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(&app, "apple", &[("state", &state)]).await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("ACTIVE")), "{body:#}");

    let requests = server.received_requests().await.expect("recorded");
    let form = String::from_utf8(requests.last().expect("the token request").body.clone()).expect("utf-8");
    let secret = Url::parse(&format!("http://x/?{form}"))
        .expect("form")
        .query_pairs()
        .find(|(key, _)| key == "client_secret")
        .map(|(_, value)| value.into_owned())
        .expect("a client secret");
    let header = jsonwebtoken::decode_header(&secret).expect("a JWT");
    assert_eq!((header.alg, header.kid.as_deref()), (jsonwebtoken::Algorithm::ES256, Some("KEY123")));
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&["https://appleid.apple.com"]);
    validation.set_issuer(&["SEARCHADS.team"]);
    let public =
        jsonwebtoken::DecodingKey::from_ec_pem(APPLE_TEST_PUBLIC_KEY.as_bytes()).expect("public key");
    let claims =
        jsonwebtoken::decode::<Value>(&secret, &public, &validation).expect("signed by the key").claims;
    assert_eq!(claims["sub"], "SEARCHADS.client");
    let lifetime = claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat");
    assert!(lifetime > 0 && lifetime <= 15_777_000, "Apple accepts up to 180 days: {lifetime}");
}

#[test]
fn apple_signing_settings_go_together_and_the_key_must_parse() {
    let parse = |extra: &[&str]| {
        let mut args = vec!["layers-dashboard", "--apple-client-id", "SEARCHADS.client"];
        args.extend_from_slice(extra);
        let cli = layers_dashboard::cli::Cli::try_parse_from(args).expect("settings parse");
        let problems = cli.settings.accounts.problems(false);
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    };
    assert!(
        parse(&["--apple-team-id", "T", "--apple-key-id", "K", "--apple-private-key", APPLE_TEST_KEY])
            .is_ok()
    );
    let half =
        parse(&["--apple-team-id", "T", "--apple-private-key", APPLE_TEST_KEY]).expect_err("no key id");
    assert!(half.contains("together"), "{half}");
    let bad = parse(&["--apple-team-id", "T", "--apple-key-id", "K", "--apple-private-key", "not a key"]);
    assert!(bad.expect_err("unreadable").contains("PEM"));
    let both = parse(&[
        "--apple-client-secret",
        "jwt",
        "--apple-team-id",
        "T",
        "--apple-key-id",
        "K",
        "--apple-private-key",
        APPLE_TEST_KEY,
    ]);
    assert!(both.expect_err("both").contains("not both"));
}
