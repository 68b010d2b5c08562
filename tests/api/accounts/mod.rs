//! Connected ad accounts: the OAuth flow through GraphQL and the callback endpoint, with a mock
//! server as Meta's, TikTok's and Apple's token endpoints; tokens encrypted at rest; partners
//! start, customers finish; refresh before expiry; the live-mode check before the gate; and the
//! decrypted token reaching the platform adapter.
//!
//! This module holds the live-mode app the tests share and the steps of a connection; the tests
//! are grouped by behaviour:
//!
//! - [`oauth`]: the authorization URL, the callback's checks of its state, the redirect back to
//!   the dashboard, Apple's client secrets;
//! - [`connect`]: each platform's grant ending in an active, encrypted connection;
//! - [`disconnect`]: who confirms and who disconnects an account, and the revocation at the
//!   platform;
//! - [`tokens`]: the decrypted token reaching the adapter, refresh before expiry, the sweeper;
//! - [`live_writes`]: Meta and TikTok writes over HTTP through a connected account;
//! - [`live_apple`]: Apple writes over HTTP through a connection made on v5.

mod connect;
mod disconnect;
mod live_apple;
mod live_writes;
mod oauth;
mod tokens;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use http_body_util::BodyExt;
use layers_dashboard::domain::Platform;
use layers_dashboard::platform::{PlatformAdapter, PlatformProxy};
use layers_dashboard::service::accounts::{AccountsConfig, Clock as AccountsClock};
use reqwest::Url;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tower::ServiceExt;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CallLog, FakePlatform, TestApp};

pub(crate) use live_apple::create_apple_campaign;

/// The token every connected Meta account ends up with after the long-lived exchange.
const META_TOKEN: &str = "EAAB-long-lived-meta-token";
/// A 32-byte key, base64.
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// A live-mode app whose OAuth endpoints are `server`, with fake platforms recording every call
/// (and the access token it was handed) in the log returned.
async fn live_app(server: &MockServer, extra: &[&str]) -> (TestApp, CallLog) {
    live_app_with(server, extra, false).await
}

/// The day the live tests run on: before Apple retires Campaign Management API v5.
pub(crate) fn before_v5_retirement() -> AccountsClock {
    AccountsClock::fixed(chrono::DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z").expect("time").to_utc())
}

/// Like [`live_app`]; with `http`, the real live adapters send to `server` as every platform.
pub(crate) async fn live_app_with(server: &MockServer, extra: &[&str], http: bool) -> (TestApp, CallLog) {
    live_app_at(server, extra, http, before_v5_retirement()).await
}

/// Like [`live_app_with`], with connected accounts seeing the time from `clock`.
pub(crate) async fn live_app_at(
    server: &MockServer,
    extra: &[&str],
    http: bool,
    clock: AccountsClock,
) -> (TestApp, CallLog) {
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
    let calls = CallLog::default();
    let adapter =
        |platform| -> Arc<dyn PlatformAdapter> { Arc::new(FakePlatform::new(platform).logging_to(&calls)) };
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
    (TestApp::with_setup(5, config, Arc::new(proxy)).await, calls)
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

/// Creates a Meta campaign on autopilot as the customer (the layer's defaults must allow it) and
/// returns the payload.
async fn create_meta_campaign(app: &TestApp) -> Value {
    let input = json!({ "platform": "META", "name": "M", "dailyBudgetCents": 5000, "outcome": "CONVERSIONS",
        "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" });
    app.ok(&app.customer(), crate::support::CREATE_CAMPAIGN, json!({ "input": input })).await["createCampaign"].clone()
}

async fn read_budget(app: &TestApp, campaign: &str) -> i64 {
    crate::support::read_campaign(app, campaign).await["dailyBudgetCents"].as_i64().expect("budget")
}
