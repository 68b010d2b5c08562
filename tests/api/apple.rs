//! Apple's move to the Apple Ads Platform API (v1): new connections speak v1 (both headers,
//! `CampaignCreate`, flat updates of the fields Apple lets change, its error envelope typed in the
//! audit row); a connection made on Campaign Management API v5 keeps working until Apple retires
//! v5, its owner sees (on the account and, once, in the audit log) that it must reconnect, and
//! after the date its writes are refused before any call.

use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::accounts::{
    authorization_url, before_v5_retirement, callback, create_apple_campaign, live_app_at, live_app_with,
    param,
};
use crate::support::TestApp;
use layers_dashboard::service::accounts::Clock;

/// The Apple ad account every test connects.
const AD_ACCOUNT: &str = "7654321";
/// The token Apple's OAuth server issues.
const TOKEN: &str = "apple-ads-token";
/// The id Apple gives a created campaign.
const CAMPAIGN: u64 = 111_222_333;

/// Marks the app's Apple connection as made on Campaign Management API v5, as every Apple
/// connection made before the Apple Ads Platform API is.
pub(crate) async fn connected_on_v5(app: &TestApp) {
    entity::connected_accounts::Entity::update_many()
        .col_expr(entity::connected_accounts::Column::ApiVersion, Expr::value("v5"))
        .filter(entity::connected_accounts::Column::OrganizationId.eq(app.org))
        .filter(entity::connected_accounts::Column::Platform.eq("apple"))
        .exec(&app.services().db)
        .await
        .expect("mark v5");
}

/// Connects Apple ad account [`AD_ACCOUNT`] (one client-credentials token call) and opens the
/// Apple layer's defaults to AUTO.
async fn connect(app: &TestApp, server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/auth/oauth2/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("scope=searchadsorg"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600 })))
        .mount(server)
        .await;
    let url = authorization_url(app, &app.customer(), "APPLE", Some(AD_ACCOUNT)).await;
    let state = param(&url, "state").expect("state");
    let (status, body) = callback(app, "apple", &[("state", &state)]).await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("ACTIVE")), "{body:#}");
    app.set_defaults("APPLE", "AUTO", "AUTO", "AUTO").await;
}

/// A mock of Apple's v1 API at `verb path`, matching only with both headers.
fn v1_call(verb: &str, at: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(at))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("x-ap-context", format!("adAccountId={AD_ACCOUNT}").as_str()))
}

/// The request Apple's v1 API receives for the customer's 50.50 USD a day app-install campaign.
fn campaign_create() -> Value {
    json!({
        "name": "A",
        "promotedObjectType": "APPSTORE_APP",
        "promotedObjectId": "1450000000",
        "billingEvent": "TAPS",
        "dailyBudget": { "value": { "amount": "50.50", "currency": "USD" } },
        "targeting": {
            "countryOrRegion": { "include": ["US"] },
            "supplyPlacement": { "include": ["APPSTORE_SEARCH_RESULTS"] },
        },
        "bidStrategy": { "bidStrategyType": "MANUAL_CPT", "bidStrategyGoal": "TAP" },
        "status": "ENABLED",
    })
}

/// Mounts Apple's answer to exactly one v1 campaign create and creates the campaign.
async fn live_campaign(app: &TestApp, server: &MockServer) -> Value {
    v1_call("POST", "/v1/campaigns")
        .and(body_json(campaign_create()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "result": {
            "id": CAMPAIGN, "name": "A", "adAccountId": 7_654_321_u64, "promotedObjectType": "APPSTORE_APP",
            "promotedObjectId": "1450000000", "status": "ENABLED", "billingEvent": "TAPS", "deleted": false,
            "dailyBudget": { "value": { "amount": "50.50", "currency": "USD" } },
            "creationTime": "2026-12-06T12:00:00.000",
        } })))
        .expect(1)
        .mount(server)
        .await;
    let payload = create_apple_campaign(app).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload
}

/// The (method, path) of every request Apple's campaign APIs received, in order.
async fn api_requests(server: &MockServer) -> Vec<(String, String)> {
    let received = server.received_requests().await.expect("request recording");
    received
        .into_iter()
        .filter(|request| !request.url.path().starts_with("/auth/"))
        .map(|request| (request.method.to_string(), request.url.path().to_owned()))
        .collect()
}

/// The Apple layer's connected account, with its API and reconnect fields.
async fn account(app: &TestApp) -> Value {
    let query = "{ layer(platform: APPLE) { connectedAccount {
        externalAccountId apiVersion mustReconnect reconnectRequiredBy } } }";
    app.ok(&app.customer(), query, json!({})).await["layer"]["connectedAccount"].clone()
}

#[tokio::test]
async fn a_new_apple_connection_creates_campaigns_in_the_platform_api_shape_with_both_headers() {
    let server = MockServer::start().await;
    let (app, _) = live_app_with(&server, &[], true).await;
    let query =
        "query($a: String) { adAccountAuthorizationUrl(platform: APPLE, externalAccountId: $a) { url } }";
    let named = app.gql(Some(&app.customer()), query, json!({ "a": "acct-7654321" })).await;
    assert_eq!(
        named["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "Apple ad account ids are numbers"
    );
    connect(&app, &server).await;
    assert_eq!(
        account(&app).await,
        json!({ "externalAccountId": AD_ACCOUNT, "apiVersion": "v1", "mustReconnect": false,
            "reconnectRequiredBy": null })
    );
    let payload = live_campaign(&app, &server).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["campaign"]["platformCampaignId"], CAMPAIGN.to_string(), "Apple's result.id is kept");
    assert_eq!(payload["campaign"]["dailyBudgetCents"], 5050);
    server.verify().await;
    assert_eq!(api_requests(&server).await, vec![("POST".to_owned(), "/v1/campaigns".to_owned())]);
}

#[tokio::test]
async fn the_platform_api_error_envelope_is_a_typed_error_in_the_audit_row() {
    let server = MockServer::start().await;
    let (app, _) = live_app_with(&server, &[], true).await;
    connect(&app, &server).await;
    v1_call("POST", "/v1/campaigns")
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "error": {
            "code": "INVALID_ARGUMENT",
            "message": "The request could not be processed because of missing or invalid fields.",
            "details": [{ "code": "INVALID_VALUE", "message": "dailyBudget.value.amount is below the minimum",
                "info": { "field": "dailyBudget.value.amount" } }],
        } })))
        .expect(1)
        .mount(&server)
        .await;
    let payload = create_apple_campaign(&app).await;
    assert_eq!(payload["campaign"], Value::Null, "{payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "PLATFORM_INVALID_REQUEST", "{payload:#}");
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "dailyBudgetCents"]), "{payload:#}");
    server.verify().await;
    let verdict =
        app.ok(&app.customer(), crate::support::VERDICT, json!({ "id": payload["verdict"]["id"] })).await;
    let row = &verdict["verdict"];
    assert_eq!(row["dispatchStatus"], "failed", "{row:#}");
    let error = &row["dispatch"]["error"];
    assert_eq!(error["code"], "PLATFORM_INVALID_REQUEST", "{row:#}");
    assert_eq!(error["field"], "dailyBudgetCents", "{row:#}");
    assert_eq!(
        error["native"],
        json!({ "platform": "apple", "http_status": 400, "messageCode": "INVALID_ARGUMENT",
            "field": "dailyBudget.value.amount", "detailCode": "INVALID_VALUE" }),
        "{row:#}"
    );
}

#[tokio::test]
async fn a_v5_connection_shows_it_must_reconnect_and_its_owner_is_told_once() {
    let server = MockServer::start().await;
    let (app, _) = live_app_with(&server, &[], true).await;
    connect(&app, &server).await;
    connected_on_v5(&app).await;
    assert_eq!(
        account(&app).await,
        json!({ "externalAccountId": AD_ACCOUNT, "apiVersion": "v5", "mustReconnect": true,
            "reconnectRequiredBy": "2027-01-26T00:00:00+00:00" })
    );
    for _ in 0..2 {
        app.services().refresh_due_tokens().await.expect("sweep");
    }
    let rows = crate::support::audit_rows(
        &app,
        &app.customer(),
        json!({ "event": "ad_account.reconnect_required" }),
    )
    .await;
    assert_eq!(rows.len(), 1, "told once: {rows:#?}");
    let row = app.ok(&app.customer(), crate::support::VERDICT, json!({ "id": rows[0]["verdictId"] })).await;
    let request = &row["verdict"]["request"];
    assert_eq!(request["apiVersion"], "v5", "{row:#}");
    assert!(request["message"].as_str().is_some_and(|m| m.contains("2027-01-26")), "names the date: {row:#}");

    // Until the date, the v5 connection keeps writing through v5 with its org context.
    Mock::given(method("POST"))
        .and(path("/api/v5/campaigns"))
        .and(header("x-ap-context", format!("orgId={AD_ACCOUNT}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": { "id": 9, "name": "A" } })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(create_apple_campaign(&app).await["userErrors"], json!([]));
    server.verify().await;
}

#[tokio::test]
async fn after_apple_retires_v5_a_v5_write_is_refused_before_any_call_until_the_account_is_reconnected() {
    let server = MockServer::start().await;
    let after =
        Clock::fixed(chrono::DateTime::parse_from_rfc3339("2027-01-26T00:00:00Z").expect("time").to_utc());
    let (app, _) = live_app_at(&server, &[], true, after).await;
    connect(&app, &server).await;
    connected_on_v5(&app).await;
    let before = crate::support::row_totals(&app).await;
    let payload = create_apple_campaign(&app).await;
    assert_eq!(payload["verdict"], Value::Null, "refused before the gate: {payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "APPLE_API_RETIRED", "{payload:#}");
    assert_eq!(payload["userErrors"][0]["field"], json!(["platform"]), "{payload:#}");
    let message = payload["userErrors"][0]["message"].as_str().expect("message");
    assert!(message.contains("2027-01-26") && message.contains("reconnect"), "{message}");
    assert_eq!(crate::support::row_totals(&app).await, before, "nothing written");
    assert_eq!(api_requests(&server).await, Vec::<(String, String)>::new(), "nothing sent to Apple");

    connect(&app, &server).await;
    assert_eq!(account(&app).await["apiVersion"], "v1", "reconnecting moves the account to v1");
    live_campaign(&app, &server).await;
    server.verify().await;
}

#[tokio::test]
async fn a_schedule_change_sends_only_the_fields_apple_lets_an_update_change() {
    let server = MockServer::start().await;
    let (app, _) = live_app_at(&server, &[], true, before_v5_retirement()).await;
    connect(&app, &server).await;
    let campaign = live_campaign(&app, &server).await["campaign"]["id"].as_str().expect("id").to_owned();
    v1_call("PUT", &format!("/v1/campaigns/{CAMPAIGN}"))
        .and(body_json(
            json!({ "startTime": "2027-02-01T00:00:00.000", "endTime": "2027-03-01T00:00:00.000" }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "result": { "id": CAMPAIGN,
            "startTime": "2027-02-01T00:00:00.000", "endTime": "2027-03-01T00:00:00.000" } })))
        .expect(1)
        .mount(&server)
        .await;
    let schedule = "mutation($input: UpdateCampaignScheduleInput!) { updateCampaignSchedule(input: $input) {
        verdict { decision } userErrors { field code message } } }";
    let input = json!({ "campaignId": campaign, "startTime": "2027-02-01T00:00:00Z", "endTime": "2027-03-01T00:00:00Z" });
    let data = app.ok(&app.customer(), schedule, json!({ "input": input.clone() })).await;
    assert_eq!(data["updateCampaignSchedule"]["userErrors"], json!([]), "{data:#}");
    server.verify().await;

    // A v5 campaign update takes no schedule: refused before the gate, nothing sent.
    connected_on_v5(&app).await;
    let sent = api_requests(&server).await.len();
    let data = app.ok(&app.customer(), schedule, json!({ "input": input })).await;
    let refused = &data["updateCampaignSchedule"];
    assert_eq!(refused["verdict"], Value::Null, "{data:#}");
    assert_eq!(refused["userErrors"][0]["code"], "UNSUPPORTED_BY_PLATFORM", "{data:#}");
    assert!(refused["userErrors"][0]["message"].as_str().is_some_and(|m| m.contains("schedule")), "{data:#}");
    assert_eq!(api_requests(&server).await.len(), sent, "no v5 PUT carries startTime/endTime");
}
