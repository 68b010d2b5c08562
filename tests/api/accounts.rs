//! Connected ad accounts: the OAuth flow through GraphQL and the callback endpoint, with a mock
//! server as Meta's, TikTok's and Apple's token endpoints; tokens encrypted at rest; partners
//! start, customers finish; refresh before expiry; the live-mode check before the gate; and the
//! decrypted token reaching the platform adapter.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use http_body_util::BodyExt;
use layers_dashboard::auth::Secret;
use layers_dashboard::auth::oauth_state::{OAUTH_STATE_PURPOSE, OAuthState, StateKeys};
use layers_dashboard::domain::{Platform, Scope};
use layers_dashboard::platform::{
    AccountContext, DispatchReceipt, PlatformAdapter, PlatformError, PlatformProxy, PlatformWrite,
    SandboxAdapter,
};
use layers_dashboard::service::accounts::{AccountsConfig, Clock as AccountsClock};
use reqwest::Url;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use tower::ServiceExt;
use wiremock::matchers::{body_json, body_string_contains, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{SECRET, TestApp};

/// The token every connected Meta account ends up with after the long-lived exchange.
const META_TOKEN: &str = "EAAB-long-lived-meta-token";
/// A 32-byte key, base64.
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Every access token the platform adapters were handed, in order.
pub(crate) type Seen = Arc<Mutex<Vec<Option<String>>>>;

/// The sandbox, remembering the access token of every dispatch.
struct Recording {
    inner: SandboxAdapter,
    seen: Seen,
}

#[async_trait]
impl PlatformAdapter for Recording {
    fn platform(&self) -> Platform {
        self.inner.platform()
    }

    fn check_push(
        &self,
        account: &layers_dashboard::platform::AccountContext,
        media: &layers_dashboard::platform::CreativeMedia,
    ) -> Result<(), layers_dashboard::platform::PlatformError> {
        self.inner.check_push(account, media)
    }

    async fn push_creative(
        &self,
        account: &layers_dashboard::platform::AccountContext,
        media: &layers_dashboard::platform::CreativeMedia,
    ) -> Result<layers_dashboard::platform::PushedCreative, layers_dashboard::platform::PlatformError> {
        self.inner.push_creative(account, media).await
    }

    async fn dispatch(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
    ) -> Result<DispatchReceipt, PlatformError> {
        let token = account.access_token.as_ref().map(|t| t.expose().to_owned());
        self.seen.lock().expect("lock").push(token);
        self.inner.dispatch(account, write).await
    }
}

/// A live-mode app whose OAuth endpoints are `server`, and what its adapters were handed.
async fn live_app(server: &MockServer, extra: &[&str]) -> (TestApp, Seen) {
    live_app_with(server, extra, false).await
}

/// The day the live tests run on: before Apple retires Campaign Management API v5.
pub(crate) fn before_v5_retirement() -> AccountsClock {
    AccountsClock::fixed(chrono::DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z").expect("time").to_utc())
}

/// Like [`live_app`]; with `http`, the real live adapters send to `server` as every platform.
pub(crate) async fn live_app_with(server: &MockServer, extra: &[&str], http: bool) -> (TestApp, Seen) {
    live_app_at(server, extra, http, before_v5_retirement()).await
}

/// Like [`live_app_with`], with connected accounts seeing the time from `clock`.
pub(crate) async fn live_app_at(
    server: &MockServer,
    extra: &[&str],
    http: bool,
    clock: AccountsClock,
) -> (TestApp, Seen) {
    let base = server.uri();
    let mut args = vec![
        "layers-dashboard".to_owned(),
        "--token-encryption-key".to_owned(),
        KEY.to_owned(),
        "--oauth-redirect-base-url".to_owned(),
        "https://dash.example.test".to_owned(),
        "--meta-app-id".to_owned(),
        "meta-app".to_owned(),
        "--meta-app-secret".to_owned(),
        "meta-secret".to_owned(),
        "--meta-base-url".to_owned(),
        base.clone(),
        "--tiktok-app-id".to_owned(),
        "tiktok-app".to_owned(),
        "--tiktok-app-secret".to_owned(),
        "tiktok-secret".to_owned(),
        "--tiktok-base-url".to_owned(),
        base.clone(),
        "--apple-client-id".to_owned(),
        "SEARCHADS.client".to_owned(),
        "--apple-client-secret".to_owned(),
        "apple-client-secret-jwt".to_owned(),
        "--apple-token-url".to_owned(),
        format!("{base}/auth/oauth2/token"),
        "--apple-base-url".to_owned(),
        base.clone(),
        "--apple-ads-base-url".to_owned(),
        base,
    ];
    if extra.contains(&"--apple-private-key") {
        // The server signs Apple's client secrets itself: no pre-made one.
        let at = args.iter().position(|arg| arg == "--apple-client-secret").expect("secret flag");
        args.drain(at..at + 2);
    }
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let cli = layers_dashboard::cli::Cli::try_parse_from(args).expect("settings parse");
    let settings = cli.settings;
    let (accounts, dev_key) = AccountsConfig::from_settings(&settings.accounts, &settings.platforms, true)
        .expect("accounts config");
    assert!(!dev_key);
    let mut config = crate::support::test_config();
    config.accounts = accounts;
    config.accounts.clock = clock;
    let seen: Seen = Arc::default();
    let adapter = |platform| -> Arc<dyn PlatformAdapter> {
        Arc::new(Recording { inner: SandboxAdapter::new(platform), seen: Arc::clone(&seen) })
    };
    let proxy = if http {
        PlatformProxy::live(&settings.platforms).expect("live proxy")
    } else {
        PlatformProxy::from_adapters(
            adapter(Platform::Meta),
            adapter(Platform::Tiktok),
            adapter(Platform::Apple),
        )
        .expect("adapters")
    };
    (TestApp::with_setup(5, config, Arc::new(proxy)).await, seen)
}

const AUTHORIZE: &str = "query($p: Platform!, $a: String) {
    adAccountAuthorizationUrl(platform: $p, externalAccountId: $a) { platform url expiresAt } }";

/// The authorization URL `token` gets for `platform`.
pub(crate) async fn authorization_url(
    app: &TestApp,
    token: &str,
    platform: &str,
    account: Option<&str>,
) -> Url {
    let data = app.ok(token, AUTHORIZE, json!({ "p": platform, "a": account })).await;
    Url::parse(data["adAccountAuthorizationUrl"]["url"].as_str().expect("url")).expect("absolute URL")
}

pub(crate) fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// GETs the callback and returns its status and JSON body.
pub(crate) async fn callback(app: &TestApp, platform: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut url = Url::parse(&format!("http://local/oauth/{platform}/callback")).expect("url");
    url.query_pairs_mut().extend_pairs(query);
    let uri = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Meta's code exchange and long-lived exchange for code `code`.
async fn mock_meta_exchange(server: &MockServer, code: &str) {
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("code", code))
        .and(query_param("client_id", "meta-app"))
        .and(query_param("client_secret", "meta-secret"))
        .and(query_param("redirect_uri", "https://dash.example.test/oauth/meta/callback"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("short-{code}"), "token_type": "bearer", "expires_in": 5400 })))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .and(query_param("fb_exchange_token", format!("short-{code}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": META_TOKEN, "token_type": "bearer", "expires_in": 5_184_000 })))
        .expect(1)
        .mount(server)
        .await;
}

/// Connects a Meta ad account (`act_123`) as `token` and returns the callback's answer.
async fn connect_meta(app: &TestApp, server: &MockServer, token: &str, code: &str) -> Value {
    mock_meta_exchange(server, code).await;
    let url = authorization_url(app, token, "META", Some("act_123")).await;
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(app, "meta", &[("code", code), ("state", &state)]).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    body
}

const LAYER_ACCOUNT: &str = "query($p: Platform!) { layer(platform: $p) { adAccountId connectedAccount {
    id platform externalAccountId status scopes accessTokenExpiresAt connectedAt connectedByType confirmedAt } } }";

async fn layer_account(app: &TestApp, platform: &str) -> Value {
    app.ok(&app.customer(), LAYER_ACCOUNT, json!({ "p": platform })).await["layer"].clone()
}

/// The stored row of the organization's newest Meta connection.
async fn stored(app: &TestApp) -> entity::connected_accounts::Model {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    entity::connected_accounts::Entity::find()
        .filter(entity::connected_accounts::Column::OrganizationId.eq(app.org))
        .order_by_desc(entity::connected_accounts::Column::Id)
        .one(&app.services().db)
        .await
        .expect("query")
        .expect("a connected account")
}

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
async fn a_customer_flow_ends_active_with_the_token_encrypted_at_rest() {
    let server = MockServer::start().await;
    let (app, _) = live_app(&server, &[]).await;
    let body = connect_meta(&app, &server, &app.customer(), "code-1").await;
    assert_eq!((&body["status"], &body["externalAccountId"]), (&json!("ACTIVE"), &json!("123")), "{body:#}");
    let layer = layer_account(&app, "META").await;
    let account = &layer["connectedAccount"];
    assert_eq!(account["status"], "ACTIVE", "{layer:#}");
    assert_eq!(account["id"], body["connectedAccountId"]);
    assert_eq!(account["connectedByType"], "customer");
    assert_eq!(layer["adAccountId"], "123", "the layer now points at the connected account");
    let expires = account["accessTokenExpiresAt"].as_str().expect("an expiry");
    let expires = chrono::DateTime::parse_from_rfc3339(expires).expect("a time");
    assert!(expires > chrono::Utc::now() + chrono::Duration::days(59), "the long-lived token's expiry");

    let row = stored(&app).await;
    let raw = row.access_token.as_deref().expect("a sealed token");
    assert!(raw.starts_with("lyr1."), "{raw}");
    assert!(!raw.contains(META_TOKEN) && !raw.contains("EAAB"), "the plaintext is not stored");
    assert_eq!(row.refresh_token, None, "Meta issues no refresh token");
    let rows =
        crate::support::audit_rows(&app, &app.customer(), json!({ "event": "ad_account.connected" })).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
}

#[tokio::test]
async fn meta_takes_the_first_ad_account_when_none_is_named() {
    let server = MockServer::start().await;
    let (app, _) = live_app(&server, &[]).await;
    mock_meta_exchange(&server, "code-1").await;
    Mock::given(method("GET"))
        .and(path("/v27.0/me/adaccounts"))
        .and(wiremock::matchers::header("authorization", format!("Bearer {META_TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{ "account_id": "987", "id": "act_987" }, { "account_id": "654", "id": "act_654" }] })))
        .expect(1)
        .mount(&server)
        .await;
    let url = authorization_url(&app, &app.customer(), "META", None).await;
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(&app, "meta", &[("code", "code-1"), ("state", &state)]).await;
    assert_eq!((status, &body["externalAccountId"]), (StatusCode::OK, &json!("987")), "{body:#}");
}

#[tokio::test]
async fn tiktok_and_apple_connect_with_their_own_grants() {
    let server = MockServer::start().await;
    let (app, seen) = live_app(&server, &[]).await;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/oauth2/access_token/"))
        .and(body_json(json!({ "app_id": "tiktok-app", "secret": "tiktok-secret", "auth_code": "tt-code" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "message": "OK", "request_id": "r1",
            "data": { "access_token": "tiktok-token", "scope": [4, 5], "advertiser_ids": ["111", "222"] } })))
        .expect(1)
        .mount(&server)
        .await;
    let url = authorization_url(&app, &app.customer(), "TIKTOK", Some("222")).await;
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(&app, "tiktok", &[("auth_code", "tt-code"), ("state", &state)]).await;
    assert_eq!((status, &body["externalAccountId"]), (StatusCode::OK, &json!("222")), "{body:#}");
    let layer = layer_account(&app, "TIKTOK").await;
    assert_eq!(layer["connectedAccount"]["accessTokenExpiresAt"], Value::Null, "TikTok tokens do not expire");

    Mock::given(method("POST"))
        .and(path("/auth/oauth2/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=SEARCHADS.client"))
        .and(body_string_contains("scope=searchadsorg"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "apple-token", "token_type": "Bearer", "expires_in": 3600 })))
        .expect(1)
        .mount(&server)
        .await;
    let url = authorization_url(&app, &app.customer(), "APPLE", Some("40669820")).await;
    assert_eq!(url.path(), "/oauth/apple/callback", "Apple has no consent page: the URL is ours");
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(&app, "apple", &[("state", &state)]).await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("ACTIVE")), "{body:#}");

    let campaign = crate::support::CREATE_CAMPAIGN;
    app.set_defaults("TIKTOK", "AUTO", "AUTO", "AUTO").await;
    let data = app
        .ok(
            &app.customer(),
            campaign,
            json!({ "input": { "platform": "TIKTOK", "name": "T", "dailyBudgetCents": 5000,
            "outcome": "CONVERSIONS", "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" } }),
        )
        .await;
    assert_eq!(data["createCampaign"]["verdict"]["decision"], "ALLOW", "{data:#}");
    assert_eq!(seen.lock().expect("lock").last(), Some(&Some("tiktok-token".to_owned())));
}

#[tokio::test]
async fn a_partner_flow_waits_for_the_customer_who_alone_confirms_and_disconnects() {
    let server = MockServer::start().await;
    let (app, _) = live_app(&server, &[]).await;
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await;
    let body = connect_meta(&app, &server, &partner, "code-p").await;
    assert_eq!(body["status"], "AWAITING_CUSTOMER", "{body:#}");
    let id = body["connectedAccountId"].clone();
    assert_eq!(layer_account(&app, "META").await["connectedAccount"]["status"], "AWAITING_CUSTOMER");
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let refused = create_meta_campaign(&app).await;
    assert_eq!(
        refused["userErrors"][0]["code"], "AD_ACCOUNT_NOT_CONNECTED",
        "not until the customer confirms"
    );

    const CONFIRM: &str = "mutation($id: ID!) { confirmAdAccount(id: $id) {
        verdict { decision reason } connectedAccount { status } userErrors { field code } } }";
    const DISCONNECT: &str = "mutation($id: ID!) { disconnectAdAccount(id: $id) {
        verdict { decision reason } connectedAccount { status } userErrors { field code } } }";
    let denied = app.ok(&partner, CONFIRM, json!({ "id": id })).await["confirmAdAccount"].clone();
    assert_eq!(
        (&denied["verdict"]["decision"], &denied["verdict"]["reason"]),
        (&json!("DENY"), &json!("customer_only"))
    );
    assert_eq!(denied["connectedAccount"]["status"], "AWAITING_CUSTOMER", "{denied:#}");

    let confirmed = app.ok(&app.customer(), CONFIRM, json!({ "id": id })).await["confirmAdAccount"].clone();
    assert_eq!(confirmed["verdict"]["decision"], "ALLOW", "{confirmed:#}");
    assert_eq!(confirmed["connectedAccount"]["status"], "ACTIVE");
    let again = app.ok(&app.customer(), CONFIRM, json!({ "id": id })).await["confirmAdAccount"].clone();
    assert_eq!(again["userErrors"][0]["code"], "ACCOUNT_NOT_AWAITING_CUSTOMER", "{again:#}");
    let created = create_meta_campaign(&app).await;
    assert_eq!(created["verdict"]["decision"], "ALLOW", "{created:#}");

    let denied = app.ok(&partner, DISCONNECT, json!({ "id": id })).await["disconnectAdAccount"].clone();
    assert_eq!(denied["verdict"]["reason"], "customer_only", "{denied:#}");
    let gone = app.ok(&app.customer(), DISCONNECT, json!({ "id": id })).await["disconnectAdAccount"].clone();
    assert_eq!(gone["connectedAccount"]["status"], "DISCONNECTED", "{gone:#}");
    let row = stored(&app).await;
    assert_eq!((row.access_token, row.refresh_token), (None, None), "tokens are erased");
    assert_eq!(layer_account(&app, "META").await["connectedAccount"], Value::Null);
    let bad =
        app.ok(&app.customer(), DISCONNECT, json!({ "id": "nope" })).await["disconnectAdAccount"].clone();
    assert_eq!(bad["userErrors"][0], json!({ "field": ["id"], "code": "INVALID_ID" }));
}

/// Creates a Meta campaign on autopilot as the customer (the layer's defaults must allow it) and
/// returns the payload.
async fn create_meta_campaign(app: &TestApp) -> Value {
    let input = json!({ "platform": "META", "name": "M", "dailyBudgetCents": 5000, "outcome": "CONVERSIONS",
        "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" });
    app.ok(&app.customer(), crate::support::CREATE_CAMPAIGN, json!({ "input": input })).await["createCampaign"].clone()
}

#[tokio::test]
async fn a_live_write_without_a_connected_account_is_a_user_error() {
    let server = MockServer::start().await;
    let (app, seen) = live_app(&server, &[]).await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let before = crate::support::row_totals(&app).await;
    let payload = create_meta_campaign(&app).await;
    assert_eq!(payload["verdict"], Value::Null, "{payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "AD_ACCOUNT_NOT_CONNECTED");
    assert_eq!(payload["userErrors"][0]["field"], json!(["platform"]));
    assert_eq!(crate::support::row_totals(&app).await, before, "nothing written");
    assert!(seen.lock().expect("lock").is_empty(), "nothing dispatched");
}

#[tokio::test]
async fn a_dispatch_gets_the_decrypted_token() {
    let server = MockServer::start().await;
    let (app, seen) = live_app(&server, &[]).await;
    connect_meta(&app, &server, &app.customer(), "code-1").await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let payload = create_meta_campaign(&app).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(*seen.lock().expect("lock"), vec![Some(META_TOKEN.to_owned())]);
}

/// Moves the connected account's expiry to `in_secs` from now.
async fn expire_in(app: &TestApp, in_secs: i64) {
    let row = stored(app).await;
    let mut active: entity::connected_accounts::ActiveModel = row.into();
    active.access_token_expires_at = Set(Some(chrono::Utc::now() + chrono::Duration::seconds(in_secs)));
    active.update(&app.services().db).await.expect("update expiry");
}

/// Meta's re-exchange of the current long-lived token, answering `response` after `delay_ms`.
async fn mock_meta_refresh(server: &MockServer, response: ResponseTemplate, expected: u64) {
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .and(query_param("fb_exchange_token", META_TOKEN))
        .respond_with(response)
        .expect(expected)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_once_for_concurrent_dispatches() {
    let server = MockServer::start().await;
    let (app, seen) = live_app(&server, &[]).await;
    connect_meta(&app, &server, &app.customer(), "code-1").await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    seen.lock().expect("lock").clear();
    expire_in(&app, 120).await;
    let refreshed = ResponseTemplate::new(200)
        .set_body_json(
            json!({ "access_token": "EAAB-refreshed", "token_type": "bearer", "expires_in": 5_184_000 }),
        )
        .set_delay(std::time::Duration::from_millis(300));
    mock_meta_refresh(&server, refreshed, 1).await;
    let budget = |cents: i64| {
        let app = &app;
        let campaign = campaign.clone();
        async move {
            app.ok(
                &app.customer(),
                crate::support::UPDATE_BUDGET,
                json!({ "input": { "campaignId": campaign, "dailyBudgetCents": cents } }),
            )
            .await["updateCampaignBudget"]
                .clone()
        }
    };
    let (first, second) = tokio::join!(budget(6000), budget(7000));
    for payload in [&first, &second] {
        assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    }
    assert_eq!(*seen.lock().expect("lock"), vec![Some("EAAB-refreshed".to_owned()); 2]);
    let row = stored(&app).await;
    assert!(row.last_refreshed_at.is_some());
    assert!(
        row.access_token_expires_at.is_some_and(|at| at > chrono::Utc::now() + chrono::Duration::days(59))
    );
    server.verify().await;
}

#[tokio::test]
async fn a_failed_refresh_marks_the_account_and_the_dispatch_fails_auth_expired() {
    let server = MockServer::start().await;
    let (app, seen) = live_app(&server, &[]).await;
    connect_meta(&app, &server, &app.customer(), "code-1").await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    seen.lock().expect("lock").clear();
    expire_in(&app, -60).await;
    let refused = ResponseTemplate::new(400).set_body_json(json!({ "error": {
        "message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190 } }));
    mock_meta_refresh(&server, refused, 1).await;
    let payload = app
        .ok(
            &app.customer(),
            crate::support::UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
        )
        .await["updateCampaignBudget"]
        .clone();
    assert_eq!(payload["userErrors"][0]["code"], "PLATFORM_AUTH_EXPIRED", "{payload:#}");
    assert!(seen.lock().expect("lock").is_empty(), "no platform write without a valid token");
    let verdict =
        app.ok(&app.customer(), crate::support::VERDICT, json!({ "id": payload["verdict"]["id"] })).await;
    assert_eq!(verdict["verdict"]["dispatchStatus"], "failed", "{verdict:#}");
    assert_eq!(layer_account(&app, "META").await["connectedAccount"]["status"], "REFRESH_FAILED");
    let rows =
        crate::support::audit_rows(&app, &app.customer(), json!({ "event": "ad_account.refresh_failed" }))
            .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(read_budget(&app, &campaign).await, 5000, "local state unchanged");
}

async fn read_budget(app: &TestApp, campaign: &str) -> i64 {
    crate::support::read_campaign(app, campaign).await["dailyBudgetCents"].as_i64().expect("budget")
}

#[tokio::test]
async fn the_sweeper_refreshes_tokens_about_to_expire() {
    let server = MockServer::start().await;
    let (app, _) = live_app(&server, &[]).await;
    connect_meta(&app, &server, &app.customer(), "code-1").await;
    assert_eq!(app.services().refresh_due_tokens().await.expect("sweep"), 0, "nothing due yet");
    expire_in(&app, 300).await;
    let refreshed = ResponseTemplate::new(200).set_body_json(
        json!({ "access_token": "EAAB-swept", "token_type": "bearer", "expires_in": 5_184_000 }),
    );
    mock_meta_refresh(&server, refreshed, 1).await;
    assert_eq!(app.services().refresh_due_tokens().await.expect("sweep"), 1);
    assert_eq!(app.services().refresh_due_tokens().await.expect("sweep"), 0, "fresh now");
    let row = stored(&app).await;
    assert_eq!(row.status, "active");
    server.verify().await;
}

#[tokio::test]
async fn a_live_campaign_reaches_meta_in_its_native_shape_and_a_failed_call_is_retried() {
    let server = MockServer::start().await;
    let fast = [
        "--platform-backoff-base-ms",
        "1",
        "--platform-backoff-cap-ms",
        "5",
        "--platform-timeout-ms",
        "2000",
    ];
    let (app, _) = live_app_with(&server, &fast, true).await;
    connect_meta(&app, &server, &app.customer(), "code-live").await;
    Mock::given(method("POST"))
        .and(path("/v27.0/act_123/campaigns"))
        .and(wiremock::matchers::header("authorization", format!("Bearer {META_TOKEN}").as_str()))
        .and(body_json(json!({
            "name": "M", "objective": "OUTCOME_SALES", "status": "ACTIVE", "special_ad_categories": [],
            "daily_budget": 5000, "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "120200000000000001" })))
        .expect(1)
        .mount(&server)
        .await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let payload = create_meta_campaign(&app).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let campaign = payload["campaign"]["id"].as_str().expect("campaign id").to_owned();

    // A budget change meets a 500, then goes through on the retry: applied once, audited.
    Mock::given(method("POST"))
        .and(path("/v27.0/120200000000000001"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({ "error": {
            "message": "An unknown error occurred", "code": 1, "fbtrace_id": "TRACE500" } })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v27.0/120200000000000001"))
        .and(body_string_contains("\"daily_budget\":6500"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "success": true })))
        .expect(1)
        .mount(&server)
        .await;
    let data = app
        .ok(
            &app.customer(),
            crate::support::UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6500 } }),
        )
        .await;
    assert_eq!(data["updateCampaignBudget"]["verdict"]["decision"], "ALLOW", "{data:#}");
    assert_eq!(data["updateCampaignBudget"]["userErrors"], json!([]), "{data:#}");
    assert_eq!(read_budget(&app, &campaign).await, 6500);
    let log = app
        .ok(
            &app.customer(),
            "{ auditLog(platform: META, first: 10) { nodes { action dispatchStatus dispatch } } }",
            json!({}),
        )
        .await;
    let dispatched: Vec<&Value> = log["auditLog"]["nodes"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|row| row["action"] == "campaign.create" || row["action"] == "campaign.budget")
        .collect();
    assert_eq!(dispatched.len(), 2, "{log:#}");
    assert!(dispatched.iter().all(|row| row["dispatchStatus"] == "succeeded"), "{log:#}");
    let budget = dispatched.iter().find(|row| row["action"] == "campaign.budget").expect("the budget row");
    let earlier = &budget["dispatch"]["earlier_attempts"];
    assert_eq!(earlier.as_array().map(Vec::len), Some(1), "the 500 stays on record: {budget:#}");
    assert_eq!(earlier[0]["native"]["fbtrace_id"], "TRACE500", "{budget:#}");
}

#[tokio::test]
async fn a_live_refusal_keeps_the_platform_trace_in_the_audit_log_and_changes_nothing() {
    let server = MockServer::start().await;
    let (app, _) = live_app_with(&server, &["--platform-max-attempts", "1"], true).await;
    connect_meta(&app, &server, &app.customer(), "code-refused").await;
    Mock::given(method("POST"))
        .and(path("/v27.0/act_123/campaigns"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "error": {
            "message": "Invalid parameter", "code": 100, "error_subcode": 1487930, "fbtrace_id": "TRACE400" } })))
        .expect(1)
        .mount(&server)
        .await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let before = crate::support::row_totals(&app).await;
    let payload = create_meta_campaign(&app).await;
    assert_eq!(payload["campaign"], Value::Null, "{payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "PLATFORM_INVALID_REQUEST", "{payload:#}");
    let (audit, pending, campaigns) = crate::support::row_totals(&app).await;
    assert_eq!((pending, campaigns), (before.1, before.2), "no campaign, nothing queued");
    assert_eq!(audit, before.0 + 1, "one audit row for the decision");
    let log = app
        .ok(
            &app.customer(),
            "{ auditLog(platform: META, first: 1) { nodes { action dispatchStatus dispatch } } }",
            json!({}),
        )
        .await;
    let row = &log["auditLog"]["nodes"][0];
    assert_eq!(row["action"], "campaign.create", "{log:#}");
    assert_eq!(row["dispatchStatus"], "failed", "{log:#}");
    assert!(row["dispatch"].to_string().contains("TRACE400"), "Meta's fbtrace_id is kept: {log:#}");
}

#[tokio::test]
async fn a_live_tiktok_campaign_arrives_in_major_units_and_an_http_200_throttle_is_retried() {
    let server = MockServer::start().await;
    let fast = ["--platform-backoff-base-ms", "1", "--platform-backoff-cap-ms", "5"];
    let (app, _) = live_app_with(&server, &fast, true).await;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/oauth2/access_token/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "message": "OK", "request_id": "r1",
            "data": { "access_token": "tiktok-token", "scope": [4], "advertiser_ids": ["222"] } })))
        .mount(&server)
        .await;
    let url = authorization_url(&app, &app.customer(), "TIKTOK", Some("222")).await;
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(&app, "tiktok", &[("auth_code", "tt-code"), ("state", &state)]).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");

    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/campaign/create/"))
        .and(wiremock::matchers::header("access-token", "tiktok-token"))
        .and(wiremock::matchers::body_partial_json(json!({
            "advertiser_id": "222", "campaign_name": "T", "budget_mode": "BUDGET_MODE_DAY", "budget": 50.0 })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "message": "OK", "request_id": "r2", "data": { "campaign_id": "1800000000000000001" } })))
        .expect(1)
        .mount(&server)
        .await;
    app.set_defaults("TIKTOK", "AUTO", "AUTO", "AUTO").await;
    let input = json!({ "platform": "TIKTOK", "name": "T", "dailyBudgetCents": 5000, "outcome": "CONVERSIONS",
        "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" });
    let data = app.ok(&app.customer(), crate::support::CREATE_CAMPAIGN, json!({ "input": input })).await;
    assert_eq!(data["createCampaign"]["userErrors"], json!([]), "{data:#}");
    let campaign = data["createCampaign"]["campaign"]["id"].as_str().expect("campaign id").to_owned();

    // TikTok throttles under HTTP 200 (code 40100); the retry goes through, in decimal major units.
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/campaign/update/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 40100, "message": "Too many requests", "request_id": "r3", "data": {} })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/campaign/update/"))
        .and(wiremock::matchers::body_partial_json(json!({ "campaign_id": "1800000000000000001", "budget": 62.5 })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "message": "OK", "request_id": "r4", "data": { "campaign_id": "1800000000000000001" } })))
        .expect(1)
        .mount(&server)
        .await;
    let input = json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6250 } });
    let data = app.ok(&app.customer(), crate::support::UPDATE_BUDGET, input).await;
    assert_eq!(data["updateCampaignBudget"]["userErrors"], json!([]), "{data:#}");
    assert_eq!(read_budget(&app, &campaign).await, 6250);
}

/// The Apple org every live Apple test connects.
const APPLE_ORG: &str = "40669820";
/// The token Apple's OAuth server issues for it.
const APPLE_TOKEN: &str = "apple-live-token";
/// The Apple id a created live campaign gets.
const APPLE_CAMPAIGN: &str = "542370642";

/// Connects Apple org [`APPLE_ORG`] through the client-credentials grant (exactly one token call)
/// as a connection made before the Apple Ads Platform API (Campaign Management API v5), and
/// opens the Apple layer's defaults to AUTO.
async fn connect_apple(app: &TestApp, server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/auth/oauth2/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": APPLE_TOKEN, "token_type": "Bearer", "expires_in": 3600 })))
        .expect(1)
        .mount(server)
        .await;
    let url = authorization_url(app, &app.customer(), "APPLE", Some(APPLE_ORG)).await;
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(app, "apple", &[("state", &state)]).await;
    assert_eq!(
        (status, &body["status"], &body["externalAccountId"]),
        (StatusCode::OK, &json!("ACTIVE"), &json!(APPLE_ORG)),
        "{body:#}"
    );
    crate::apple::connected_on_v5(app).await;
    app.set_defaults("APPLE", "AUTO", "AUTO", "AUTO").await;
}

/// A mock of Apple's API at `verb path` that only matches with the connected token and org context.
fn apple_call(verb: &str, at: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(at))
        .and(wiremock::matchers::header("authorization", format!("Bearer {APPLE_TOKEN}").as_str()))
        .and(wiremock::matchers::header("x-ap-context", format!("orgId={APPLE_ORG}").as_str()))
}

/// Creates an app-install campaign of 50.50 USD a day on Apple as the customer and returns the payload.
pub(crate) async fn create_apple_campaign(app: &TestApp) -> Value {
    let input = json!({ "platform": "APPLE", "name": "A", "dailyBudgetCents": 5050, "outcome": "APP_INSTALLS",
        "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" });
    app.ok(&app.customer(), crate::support::CREATE_CAMPAIGN, json!({ "input": input })).await["createCampaign"].clone()
}

/// Mounts Apple's answer to exactly one campaign create in its native shape, creates the campaign
/// and returns the payload (which must carry no user error).
async fn live_apple_campaign(app: &TestApp, server: &MockServer) -> Value {
    apple_call("POST", "/api/v5/campaigns")
        .and(body_json(json!({
            "name": "A",
            "adamId": 1_450_000_000_u64,
            "countriesOrRegions": ["US"],
            "dailyBudgetAmount": { "amount": "50.50", "currency": "USD" },
            "supplySources": ["APPSTORE_SEARCH_RESULTS"],
            "adChannelType": "SEARCH",
            "billingEvent": "TAPS",
            "status": "ENABLED",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {
                "id": 542_370_642_u64, "orgId": 40_669_820_u64, "name": "A", "adamId": 1_450_000_000_u64,
                "dailyBudgetAmount": { "amount": "50.50", "currency": "USD" },
                "countriesOrRegions": ["US"], "status": "ENABLED", "servingStatus": "NOT_RUNNING",
                "deleted": false, "creationTime": "2026-03-01T10:00:00.000",
            },
            "pagination": null,
            "error": null,
        })))
        .expect(1)
        .mount(server)
        .await;
    let payload = create_apple_campaign(app).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload
}

/// The newest Apple audit rows of writes, as (action, dispatchStatus, dispatch).
async fn apple_dispatches(app: &TestApp) -> Vec<Value> {
    let log = app
        .ok(
            &app.customer(),
            "{ auditLog(platform: APPLE, first: 20) { nodes { action dispatchStatus dispatch } } }",
            json!({}),
        )
        .await;
    log["auditLog"]["nodes"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|row| row["action"].as_str().is_some_and(|action| action.starts_with("campaign.")))
        .cloned()
        .collect()
}

/// The (method, path) of every request Apple's API (below `/api/`) received, in order.
async fn apple_requests(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .expect("request recording")
        .into_iter()
        .filter(|request| request.url.path().starts_with("/api/"))
        .map(|request| (request.method.to_string(), request.url.path().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_live_apple_campaign_arrives_with_a_money_object_org_context_adam_id_and_countries() {
    let server = MockServer::start().await;
    let (app, _) = live_app_with(&server, &[], true).await;
    connect_apple(&app, &server).await;
    let payload = live_apple_campaign(&app, &server).await;
    let campaign = &payload["campaign"];
    assert_eq!(campaign["platform"], "APPLE", "{payload:#}");
    assert_eq!(campaign["dailyBudgetCents"], 5050, "{payload:#}");
    assert_eq!(campaign["platformCampaignId"], APPLE_CAMPAIGN, "Apple's data.id is kept: {payload:#}");
    server.verify().await;
    assert_eq!(apple_requests(&server).await, vec![("POST".to_owned(), "/api/v5/campaigns".to_owned())]);
    let rows = apple_dispatches(&app).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        (&rows[0]["action"], &rows[0]["dispatchStatus"]),
        (&json!("campaign.create"), &json!("succeeded"))
    );
}

#[tokio::test]
async fn a_live_apple_429_waits_for_retry_after_and_is_applied_once() {
    let server = MockServer::start().await;
    // Backoff alone would wait a few milliseconds: only Apple's Retry-After makes the retry wait 1 s.
    let fast = ["--platform-backoff-base-ms", "1", "--platform-backoff-cap-ms", "5"];
    let (app, _) = live_app_with(&server, &fast, true).await;
    connect_apple(&app, &server).await;
    let created = live_apple_campaign(&app, &server).await;
    let campaign = created["campaign"]["id"].as_str().expect("campaign id").to_owned();

    let update = format!("/api/v5/campaigns/{APPLE_CAMPAIGN}");
    let body = json!({
        "clearGeoTargetingOnCountryOrRegionChange": false,
        "campaign": { "dailyBudgetAmount": { "amount": "75.25", "currency": "USD" } },
    });
    apple_call("PUT", &update)
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1").set_body_json(json!({
            "data": null,
            "error": { "errors": [{ "messageCode": "RATE_LIMIT_EXCEEDED",
                "message": "Too many requests. Retry after the time in the Retry-After header.", "field": "" }] },
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    apple_call("PUT", &update)
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "id": 542_370_642_u64, "name": "A",
                "dailyBudgetAmount": { "amount": "75.25", "currency": "USD" }, "status": "ENABLED" },
            "pagination": null,
            "error": null,
        })))
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let data = app
        .ok(
            &app.customer(),
            crate::support::UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 7525 } }),
        )
        .await;
    let waited = started.elapsed();
    assert_eq!(data["updateCampaignBudget"]["verdict"]["decision"], "ALLOW", "{data:#}");
    assert_eq!(data["updateCampaignBudget"]["userErrors"], json!([]), "{data:#}");
    assert!(waited >= std::time::Duration::from_secs(1), "the retry waited for Retry-After: {waited:?}");
    server.verify().await;
    let put = ("PUT".to_owned(), update.clone());
    assert_eq!(
        apple_requests(&server).await,
        vec![("POST".to_owned(), "/api/v5/campaigns".to_owned()), put.clone(), put],
        "a throttled call is sent again as is, with no read-back and no third attempt"
    );
    assert_eq!(read_budget(&app, &campaign).await, 7525);
    let rows = apple_dispatches(&app).await;
    let budget: Vec<&Value> = rows.iter().filter(|row| row["action"] == "campaign.budget").collect();
    assert_eq!(budget.len(), 1, "{rows:#?}");
    assert_eq!(budget[0]["dispatchStatus"], "succeeded", "{rows:#?}");
}

#[tokio::test]
async fn a_live_apple_refusal_keeps_its_message_code_in_the_audit_log() {
    let server = MockServer::start().await;
    let (app, _) = live_app_with(&server, &[], true).await;
    connect_apple(&app, &server).await;
    apple_call("POST", "/api/v5/campaigns")
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "data": null,
            "error": { "errors": [{ "messageCode": "INVALID_ATTRIBUTE_TYPE",
                "message": "dailyBudgetAmount must be a money object", "field": "dailyBudgetAmount" }] },
        })))
        .expect(1)
        .mount(&server)
        .await;
    let before = crate::support::row_totals(&app).await;
    let payload = create_apple_campaign(&app).await;
    assert_eq!(payload["campaign"], Value::Null, "{payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "PLATFORM_INVALID_REQUEST", "{payload:#}");
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "dailyBudgetCents"]), "{payload:#}");
    server.verify().await;
    let (audit, pending, campaigns) = crate::support::row_totals(&app).await;
    assert_eq!((pending, campaigns), (before.1, before.2), "no campaign, nothing queued");
    assert_eq!(audit, before.0 + 1, "one audit row for the decision");
    let rows = apple_dispatches(&app).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        (&rows[0]["action"], &rows[0]["dispatchStatus"]),
        (&json!("campaign.create"), &json!("failed"))
    );
    let dispatch = rows[0]["dispatch"].to_string();
    assert!(dispatch.contains("INVALID_ATTRIBUTE_TYPE"), "Apple's messageCode is kept: {dispatch}");
    let error = &rows[0]["dispatch"]["error"];
    assert_eq!(
        error["native"],
        json!({ "platform": "apple", "http_status": 400, "messageCode": "INVALID_ATTRIBUTE_TYPE",
            "field": "dailyBudgetAmount" }),
        "{dispatch}"
    );
    assert_eq!(error["field"], "dailyBudgetCents", "Apple's field, normalized: {dispatch}");
}

#[tokio::test]
async fn a_live_meta_launch_pushes_the_video_once_and_each_ad_names_its_ad_creative() {
    let server = MockServer::start().await;
    let fast = ["--platform-backoff-base-ms", "1", "--platform-backoff-cap-ms", "5"];
    let (app, _) = live_app_with(&server, &fast, true).await;
    connect_meta(&app, &server, &app.customer(), "code-creative").await;
    let bearer = format!("Bearer {META_TOKEN}");
    let bearer = bearer.as_str();
    for (edge, id) in [("campaigns", "120200000000000101"), ("adsets", "120200000000000102")] {
        Mock::given(method("POST"))
            .and(path(format!("/v27.0/act_123/{edge}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": id })))
            .expect(1)
            .mount(&server)
            .await;
    }
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let campaign = create_meta_campaign(&app).await["campaign"]["id"].as_str().expect("campaign").to_owned();
    let pixel = json!({ "input": { "platform": "META", "metaPixelId": "998877" } });
    let set = app
        .ok(
            &app.customer(),
            "mutation($input: UpdateLayerSettingsInput!) { updateLayerSettings(input: $input) { userErrors { code } } }",
            pixel,
        )
        .await;
    assert_eq!(set["updateLayerSettings"]["userErrors"], json!([]), "{set:#}");
    let ad_set = crate::support::create_ad_set(&app, &campaign).await;
    let creative = crate::support::insert_creative(&app, "Spring launch").await;
    let creative_id = layers_dashboard::ids::decode(layers_dashboard::ids::NodeKind::Creative, &creative)
        .expect("creative id");
    let media_url = format!("https://media.example.test/creatives/{creative_id}.mp4");

    // Without the layer's Page and landing page, a live launch is refused before the gate.
    let before = crate::support::row_totals(&app).await;
    let refused = crate::creatives::launch(&app, &ad_set, &creative).await;
    assert_eq!(refused["userErrors"][0]["code"], "LAYER_SETTINGS_REQUIRED", "{refused:#}");
    assert_eq!(crate::support::row_totals(&app).await, before, "nothing decided, nothing sent");
    let settings = json!({ "input": { "platform": "META", "metaPageId": "1122334455",
        "landingPageUrl": "https://shop.example/app" } });
    let set = app
        .ok(
            &app.customer(),
            "mutation($input: UpdateLayerSettingsInput!) {
        updateLayerSettings(input: $input) { userErrors { code } } }",
            settings,
        )
        .await;
    assert_eq!(set["updateLayerSettings"]["userErrors"], json!([]), "{set:#}");

    Mock::given(method("POST"))
        .and(path("/v27.0/act_123/advideos"))
        .and(wiremock::matchers::header("authorization", bearer))
        .and(body_json(json!({ "name": format!("layers-{creative_id}"), "file_url": media_url })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "900100" })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/900100"))
        .and(query_param("fields", "picture"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "900100", "picture": "https://scontent.example/thumb.jpg" })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v27.0/act_123/adcreatives"))
        .and(body_json(json!({ "name": "Spring launch", "object_story_spec": { "page_id": "1122334455",
            "video_data": { "video_id": "900100", "image_url": "https://scontent.example/thumb.jpg",
                "call_to_action": { "type": "LEARN_MORE", "value": { "link": "https://shop.example/app" } } } } })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "120330000000000001" })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v27.0/act_123/ads"))
        .and(body_json(json!({ "name": "Ad", "adset_id": "120200000000000102",
            "creative": { "creative_id": "120330000000000001" }, "status": "ACTIVE" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "120200000000000103" })))
        .expect(2)
        .mount(&server)
        .await;
    for _ in 0..2 {
        let payload = crate::creatives::launch(&app, &ad_set, &creative).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        assert_eq!(payload["ad"]["status"], "ACTIVE", "{payload:#}");
    }
    server.verify().await;
}

#[tokio::test]
async fn an_account_connected_from_a_held_token_is_active_and_its_token_reaches_the_platform() {
    let server = MockServer::start().await;
    let (app, _) = live_app_with(&server, &[], true).await;
    let grant = layers_dashboard::platform::TokenGrant {
        access_token: Secret::from("system-user-token".to_owned()),
        refresh_token: None,
        expires_at: None,
        scopes: Vec::new(),
        account: Some("123".to_owned()),
    };
    let account = app.services().connect_with_token(app.org, Platform::Meta, grant).await.expect("connected");
    assert_eq!((account.status.as_str(), account.connected_by_id.as_str()), ("active", "cli"));
    assert_ne!(account.access_token.as_deref(), Some("system-user-token"), "encrypted at rest");
    let layer = layer_account(&app, "META").await;
    assert_eq!(layer["connectedAccount"]["externalAccountId"], "123", "{layer:#}");

    Mock::given(method("POST"))
        .and(path("/v27.0/act_123/campaigns"))
        .and(wiremock::matchers::header("authorization", "Bearer system-user-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "120200000000000201" })))
        .expect(1)
        .mount(&server)
        .await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let payload = create_meta_campaign(&app).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let rows =
        crate::support::audit_rows(&app, &app.customer(), json!({ "event": "ad_account.connected" })).await;
    assert_eq!((rows.len(), &rows[0]["actorId"]), (1, &json!("cli")), "{rows:#?}");
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

#[tokio::test]
async fn disconnecting_revokes_the_token_at_the_platform_and_records_what_it_said() {
    let server = MockServer::start().await;
    let (app, _) = live_app(&server, &[]).await;
    const DISCONNECT: &str = "mutation($id: ID!) { disconnectAdAccount(id: $id) {
        connectedAccount { status } userErrors { code } } }";
    let connected = connect_meta(&app, &server, &app.customer(), "code-revoke").await;
    Mock::given(method("DELETE"))
        .and(path("/v27.0/me/permissions"))
        .and(wiremock::matchers::header("authorization", format!("Bearer {META_TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "success": true })))
        .expect(1)
        .mount(&server)
        .await;
    let id = connected["connectedAccountId"].clone();
    let gone = app.ok(&app.customer(), DISCONNECT, json!({ "id": id })).await;
    assert_eq!(gone["disconnectAdAccount"]["connectedAccount"]["status"], "DISCONNECTED", "{gone:#}");
    let revoked =
        crate::support::audit_rows(&app, &app.customer(), json!({ "event": "ad_account.token_revoked" }))
            .await;
    assert_eq!(revoked.len(), 1, "{revoked:#?}");
    server.verify().await;

    // TikTok refuses: the account is disconnected all the same, and the refusal is on record.
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/oauth2/access_token/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "message": "OK", "request_id": "r1",
            "data": { "access_token": "tiktok-token", "scope": [4], "advertiser_ids": ["222"] } })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/oauth2/revoke_token/"))
        .and(body_json(
            json!({ "app_id": "tiktok-app", "secret": "tiktok-secret", "access_token": "tiktok-token" }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 40001, "message": "access token is invalid", "request_id": "r9", "data": {} })))
        .expect(1)
        .mount(&server)
        .await;
    let url = authorization_url(&app, &app.customer(), "TIKTOK", Some("222")).await;
    let state = param(&url, "state").expect("state");
    let (_, body) = callback(&app, "tiktok", &[("auth_code", "tt-code"), ("state", &state)]).await;
    let gone = app.ok(&app.customer(), DISCONNECT, json!({ "id": body["connectedAccountId"] })).await;
    assert_eq!(gone["disconnectAdAccount"]["connectedAccount"]["status"], "DISCONNECTED", "{gone:#}");
    let query = "{ auditLog(event: \"ad_account.token_revoke_failed\", first: 5) { nodes { request } } }";
    let failed = app.ok(&app.customer(), query, json!({})).await["auditLog"]["nodes"].clone();
    assert_eq!(failed.as_array().map(Vec::len), Some(1), "{failed:#}");
    assert!(failed[0]["request"]["error"].to_string().contains("access token is invalid"), "{failed:#}");
}
