//! Confirming and disconnecting an account: a partner's connection waits for the customer, who
//! alone confirms and disconnects it; disconnecting erases the tokens and revokes them at the
//! platform, keeping what the platform said on record.

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    META_TOKEN, authorization_url, callback, connect_meta, create_meta_campaign, layer_account, live_app,
    param, stored,
};

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
