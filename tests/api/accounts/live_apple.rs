//! Apple writes over HTTP through a connection made on Campaign Management API v5: a money
//! object, the org context, the app and its countries; a 429 waits for `Retry-After`; a refusal
//! keeps Apple's `messageCode` in the audit log.

use axum::http::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{authorization_url, callback, live_app_with, param, read_budget};
use crate::support::TestApp;

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
