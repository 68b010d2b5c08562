//! Connecting an ad account: each platform's grant (Meta's code and long-lived exchange, TikTok's
//! auth code, Apple's client credentials, a token held already) ends in an active connection
//! whose token is stored encrypted and reaches the platform.

use axum::http::StatusCode;
use layers_dashboard::auth::Secret;
use layers_dashboard::domain::Platform;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    META_TOKEN, authorization_url, callback, connect_meta, create_meta_campaign, layer_account, live_app,
    live_app_with, mock_meta_exchange, param, stored,
};

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
    let (app, calls) = live_app(&server, &[]).await;
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
    assert_eq!(calls.dispatch_tokens().last(), Some(&Some("tiktok-token".to_owned())));
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
