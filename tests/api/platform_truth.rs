//! What reaches Meta and TikTok is what they document: Meta's money in its own unit per currency
//! (HUF whole forints, BHD hundredths), no Meta layer in a currency Meta does not hold, conversion
//! ad sets with their `promoted_object`, a pause before Meta throttles; TikTok app campaigns with
//! `app_promotion_type` and an idempotency key, and TikTok's minimum budget per currency. The
//! live adapters send to a mock server; the writes go through the public API.

use std::sync::Arc;

use clap::Parser;
use layers_dashboard::auth::Secret;
use layers_dashboard::domain::Platform;
use layers_dashboard::platform::{PlatformProxy, TokenGrant};
use layers_dashboard::service::accounts::AccountsConfig;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CREATE_CAMPAIGN, TestApp, row_totals};

/// A 32-byte key, base64.
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
/// Where Meta campaigns are created for the connected account `act_123`.
const META_CAMPAIGNS: &str = "/v27.0/act_123/campaigns";

/// A live-mode app whose live adapters send every platform's calls to `server`, with `platform`
/// connected (Meta `act_123`, TikTok advertiser `222`) and its layer's defaults on AUTO.
pub(crate) async fn live(server: &MockServer, platform: Platform) -> TestApp {
    let base = server.uri();
    let args = [
        "layers-dashboard",
        "--token-encryption-key",
        KEY,
        "--meta-base-url",
        &base,
        "--tiktok-base-url",
        &base,
        "--platform-max-attempts",
        "2",
        "--platform-backoff-base-ms",
        "1",
        "--platform-backoff-cap-ms",
        "5",
    ];
    let settings = layers_dashboard::cli::Cli::try_parse_from(args).expect("settings parse").settings;
    let (accounts, _) = AccountsConfig::from_settings(&settings.accounts, &settings.platforms, true)
        .expect("accounts config");
    let mut config = crate::support::test_config();
    config.accounts = accounts;
    let proxy = PlatformProxy::live(&settings.platforms).expect("live proxy");
    let app = TestApp::with_setup(5, config, Arc::new(proxy)).await;
    let account = if platform == Platform::Meta { "123" } else { "222" };
    let grant = TokenGrant {
        access_token: Secret::from("live-token".to_owned()),
        refresh_token: None,
        expires_at: None,
        scopes: Vec::new(),
        account: Some(account.to_owned()),
    };
    app.services().connect_with_token(app.org, platform, grant).await.expect("connected");
    app.set_defaults(&platform.to_string().to_uppercase(), "AUTO", "AUTO", "AUTO").await;
    app
}

/// Changes the layer settings of `platform` as the customer and returns the payload.
pub(crate) async fn settings(app: &TestApp, platform: &str, input: Value) -> Value {
    let mut input = input;
    input["platform"] = json!(platform);
    let data = app
        .ok(
            &app.customer(),
            "mutation($input: UpdateLayerSettingsInput!) { updateLayerSettings(input: $input) {
                layer { currency metaPixelId metaCustomEventType tiktokAppId appStoreUrl tiktokPixelId tiktokOptimizationEvent }
                userErrors { field code message } } }",
            json!({ "input": input }),
        )
        .await;
    data["updateLayerSettings"].clone()
}

/// Creates a campaign as the customer and returns the payload.
pub(crate) async fn create(app: &TestApp, platform: &str, outcome: &str, daily_cents: i64) -> Value {
    let input = json!({ "platform": platform, "name": "Truth", "dailyBudgetCents": daily_cents,
        "outcome": outcome, "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" });
    app.ok(&app.customer(), CREATE_CAMPAIGN, json!({ "input": input })).await["createCampaign"].clone()
}

/// Answers Meta's campaign create whose body holds `partial`, exactly once.
async fn expect_meta_create(server: &MockServer, partial: Value, id: &str) {
    Mock::given(method("POST"))
        .and(path(META_CAMPAIGNS))
        .and(body_partial_json(partial))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": id })))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn truth_a_huf_budget_reaches_meta_in_whole_forints_and_fillers_are_refused_before_the_gate() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Meta).await;
    assert_eq!(settings(&app, "META", json!({ "currency": "HUF" })).await["userErrors"], json!([]));
    expect_meta_create(&server, json!({ "daily_budget": 5000 }), "120200000000000301").await;
    let payload = create(&app, "META", "TRAFFIC", 500_000).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    assert_eq!(payload["campaign"]["dailyBudgetCents"], 500_000, "the API keeps ISO minor units");

    let before = row_totals(&app).await;
    let refused = create(&app, "META", "TRAFFIC", 500_050).await;
    assert_eq!(refused["verdict"], Value::Null, "{refused:#}");
    let error = &refused["userErrors"][0];
    assert_eq!(
        (&error["code"], &error["field"]),
        (&json!("MONEY_NOT_EXPRESSIBLE"), &json!(["input", "dailyBudgetCents"]))
    );
    assert_eq!(row_totals(&app).await, before, "nothing written");
    server.verify().await;
}

#[tokio::test]
async fn truth_a_bhd_budget_reaches_meta_in_hundredths() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Meta).await;
    assert_eq!(settings(&app, "META", json!({ "currency": "BHD" })).await["userErrors"], json!([]));
    expect_meta_create(&server, json!({ "daily_budget": 1234 }), "120200000000000302").await;
    let payload = create(&app, "META", "TRAFFIC", 12_340).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let refused = create(&app, "META", "TRAFFIC", 12_345).await;
    assert_eq!(refused["userErrors"][0]["code"], "MONEY_NOT_EXPRESSIBLE", "{refused:#}");
    server.verify().await;
}

#[tokio::test]
async fn truth_a_kwd_meta_layer_is_refused_when_set_and_when_written() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Meta).await;
    let refused = settings(&app, "META", json!({ "currency": "KWD" })).await;
    let error = &refused["userErrors"][0];
    assert_eq!(
        (&error["code"], &error["field"]),
        (&json!("CURRENCY_NOT_SUPPORTED"), &json!(["input", "currency"]))
    );
    assert_eq!(refused["layer"], Value::Null, "{refused:#}");
    let tiktok = settings(&app, "TIKTOK", json!({ "currency": "KWD" })).await;
    assert_eq!(tiktok["userErrors"], json!([]), "TikTok takes KWD: {tiktok:#}");

    // A Meta layer that holds KWD from before is refused at write time too, before anything is written.
    let layer = entity::layers::Entity::find()
        .filter(entity::layers::Column::OrganizationId.eq(app.org))
        .filter(entity::layers::Column::Platform.eq("meta"))
        .one(&app.services().db)
        .await
        .expect("query")
        .expect("the Meta layer");
    let mut row: entity::layers::ActiveModel = layer.into();
    row.currency = Set("KWD".to_owned());
    row.update(&app.services().db).await.expect("set KWD");
    let before = row_totals(&app).await;
    let payload = create(&app, "META", "TRAFFIC", 10_000).await;
    let error = &payload["userErrors"][0];
    assert_eq!(
        (&error["code"], &error["field"]),
        (&json!("CURRENCY_NOT_SUPPORTED"), &json!(["input", "currency"]))
    );
    assert_eq!(row_totals(&app).await, before, "nothing written");
    assert!(server.received_requests().await.unwrap_or_default().is_empty(), "nothing sent");
}

#[tokio::test]
async fn truth_a_meta_conversions_ad_set_carries_the_pixel_and_is_refused_without_it() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Meta).await;
    expect_meta_create(&server, json!({ "objective": "OUTCOME_SALES" }), "120200000000000303").await;
    let campaign = create(&app, "META", "CONVERSIONS", 5000).await["campaign"]["id"].clone();
    let ad_set = "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) {
        verdict { decision } adSet { id } userErrors { field code message } } }";
    let input = json!({ "input": { "campaignId": campaign, "name": "Buyers" } });

    let before = row_totals(&app).await;
    let refused = app.ok(&app.customer(), ad_set, input.clone()).await["createAdSet"].clone();
    let error = &refused["userErrors"][0];
    assert_eq!(
        (&error["code"], &error["field"]),
        (&json!("LAYER_SETTINGS_REQUIRED"), &json!(["input", "metaPixelId"]))
    );
    assert_eq!(refused["verdict"], Value::Null, "refused before the gate: {refused:#}");
    assert_eq!(row_totals(&app).await, before, "nothing written");

    let set = settings(&app, "META", json!({ "metaPixelId": "998877", "metaCustomEventType": "lead" })).await;
    assert_eq!(set["layer"]["metaCustomEventType"], "LEAD", "{set:#}");
    Mock::given(method("POST"))
        .and(path("/v27.0/act_123/adsets"))
        .and(body_partial_json(json!({ "optimization_goal": "OFFSITE_CONVERSIONS",
            "promoted_object": { "pixel_id": "998877", "custom_event_type": "LEAD" } })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "120200000000000304" })))
        .expect(1)
        .mount(&server)
        .await;
    let created = app.ok(&app.customer(), ad_set, input).await["createAdSet"].clone();
    assert_eq!(created["userErrors"], json!([]), "{created:#}");
    let rows =
        crate::support::audit_rows(&app, &app.customer(), json!({ "event": "layer.settings.updated" })).await;
    assert_eq!(rows.len(), 1, "the pixel setting is audited: {rows:#?}");
    server.verify().await;
}

#[tokio::test]
async fn truth_meta_usage_near_its_limit_holds_the_next_call_back() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Meta).await;
    // Meta says the account regains access in 5 minutes: beyond the Retry-After cap (60 s).
    let usage = r#"{"123": [{"type": "ads_management", "call_count": 100, "total_cputime": 40, "total_time": 40, "estimated_time_to_regain_access": 5}]}"#;
    Mock::given(method("POST"))
        .and(path(META_CAMPAIGNS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "id": "120200000000000305" }))
                .insert_header("X-Business-Use-Case-Usage", usage),
        )
        .expect(1)
        .mount(&server)
        .await;
    let first = create(&app, "META", "TRAFFIC", 5000).await;
    assert_eq!(first["userErrors"], json!([]), "{first:#}");
    let second = create(&app, "META", "TRAFFIC", 5000).await;
    assert_eq!(second["userErrors"][0]["code"], "PLATFORM_RATE_LIMITED", "{second:#}");
    server.verify().await;
}

#[tokio::test]
async fn truth_a_tiktok_app_install_campaign_is_app_promotion_with_its_type_and_key() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Tiktok).await;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/campaign/create/"))
        .and(body_partial_json(json!({ "advertiser_id": "222", "objective_type": "APP_PROMOTION",
            "app_promotion_type": "APP_INSTALL", "budget": 50.0 })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "code": 0, "message": "OK",
            "request_id": "r1", "data": { "campaign_id": "1800000000000000401" } })))
        .expect(1)
        .mount(&server)
        .await;
    let payload = create(&app, "TIKTOK", "APP_INSTALLS", 5000).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let verdict: uuid::Uuid = payload["verdict"]["id"].as_str().expect("verdict id").parse().expect("uuid");
    let sent = server.received_requests().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&sent[0].body).expect("json body");
    assert_eq!(body["request_id"], json!(layers_dashboard::platform::dispatch_key(verdict)), "{body:#}");
    server.verify().await;
}

#[tokio::test]
async fn truth_tiktok_minimum_budgets_follow_the_currency() {
    let app = TestApp::new().await;
    app.set_defaults("TIKTOK", "AUTO", "AUTO", "AUTO").await;
    assert_eq!(settings(&app, "TIKTOK", json!({ "currency": "JPY" })).await["userErrors"], json!([]));
    let low = create(&app, "TIKTOK", "CONVERSIONS", 50).await;
    assert_eq!(low["verdict"]["decision"], "DENY", "{low:#}");
    assert_eq!(low["verdict"]["reason"], "safety_check_failed:budget_below_minimum");
    let valid = create(&app, "TIKTOK", "CONVERSIONS", 10_000).await;
    assert_eq!(valid["verdict"]["decision"], "ALLOW", "10,000 JPY is enough: {valid:#}");
}
