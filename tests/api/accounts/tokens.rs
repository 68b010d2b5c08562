//! A connected account's token on the way to the platform: decrypted only to send, required
//! before the gate, refreshed once before it expires (for concurrent dispatches too), and by the
//! sweeper; a failed refresh marks the account and fails the write as `PLATFORM_AUTH_EXPIRED`.

use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{META_TOKEN, connect_meta, create_meta_campaign, layer_account, live_app, read_budget, stored};
use crate::support::TestApp;

#[tokio::test]
async fn a_live_write_without_a_connected_account_is_a_user_error() {
    let server = MockServer::start().await;
    let (app, calls) = live_app(&server, &[]).await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let before = crate::support::row_totals(&app).await;
    let payload = create_meta_campaign(&app).await;
    assert_eq!(payload["verdict"], Value::Null, "{payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "AD_ACCOUNT_NOT_CONNECTED");
    assert_eq!(payload["userErrors"][0]["field"], json!(["platform"]));
    assert_eq!(crate::support::row_totals(&app).await, before, "nothing written");
    assert!(calls.dispatch_tokens().is_empty(), "nothing dispatched");
}

#[tokio::test]
async fn a_dispatch_gets_the_decrypted_token() {
    let server = MockServer::start().await;
    let (app, calls) = live_app(&server, &[]).await;
    connect_meta(&app, &server, &app.customer(), "code-1").await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let payload = create_meta_campaign(&app).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(calls.dispatch_tokens(), vec![Some(META_TOKEN.to_owned())]);
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
    let (app, calls) = live_app(&server, &[]).await;
    connect_meta(&app, &server, &app.customer(), "code-1").await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    calls.clear();
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
    assert_eq!(calls.dispatch_tokens(), vec![Some("EAAB-refreshed".to_owned()); 2]);
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
    let (app, calls) = live_app(&server, &[]).await;
    connect_meta(&app, &server, &app.customer(), "code-1").await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    calls.clear();
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
    assert!(calls.dispatch_tokens().is_empty(), "no platform write without a valid token");
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
