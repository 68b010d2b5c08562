//! What conversion and app-install ads send is what TikTok and Meta document: a TikTok
//! conversions ad group names the layer's pixel and its optimization event (and is refused
//! before the gate without the pixel); a Meta app-install ad's creative leads to the app's store
//! page with an install call to action (and is refused before the gate without the store URL).
//! The live adapters send to a mock server; the writes go through the public API.

use layers_dashboard::domain::Platform;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::platform_truth::{create, live, settings};
use crate::support::{TestApp, row_totals};

/// The promoted app's store page.
const STORE: &str = "https://apps.apple.com/app/id835599320";

/// Answers `POST path` whose body holds `partial` with `answer`, exactly `times` times.
async fn expect(server: &MockServer, path_: &str, partial: Value, answer: Value, times: u64) {
    Mock::given(method("POST"))
        .and(path(path_))
        .and(body_partial_json(partial))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(times)
        .mount(server)
        .await;
}

/// Creates an ad set under `campaign` as the customer and returns the payload.
async fn create_ad_set(app: &TestApp, campaign: &Value) -> Value {
    let mutation = "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) {
        verdict { decision } adSet { id } userErrors { field code message } } }";
    let input = json!({ "input": { "campaignId": campaign, "name": "Buyers" } });
    app.ok(&app.customer(), mutation, input).await["createAdSet"].clone()
}

/// Launches `creative` into `ad_set` as the customer and returns the payload.
async fn launch(app: &TestApp, ad_set: &Value, creative: &str) -> Value {
    let mutation = "mutation($input: LaunchAdInput!) { launchAd(input: $input) {
        verdict { decision } ad { id status } userErrors { field code message } } }";
    let input = json!({ "input": { "adSetId": ad_set, "creativeId": creative, "name": "Ad" } });
    app.ok(&app.customer(), mutation, input).await["launchAd"].clone()
}

/// Asserts `payload` was refused before the gate for want of the layer's `field`, and that
/// nothing was written since `before`.
async fn assert_setting_required(app: &TestApp, payload: &Value, field: &str, before: (u64, u64, u64)) {
    let error = &payload["userErrors"][0];
    assert_eq!(
        (&error["code"], &error["field"]),
        (&json!("LAYER_SETTINGS_REQUIRED"), &json!(["input", field]))
    );
    assert_eq!(payload["verdict"], Value::Null, "refused before the gate: {payload:#}");
    assert_eq!(row_totals(app).await, before, "nothing written");
}

#[tokio::test]
async fn truth_a_tiktok_conversions_ad_group_names_the_pixel_and_event_and_is_refused_without_them() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Tiktok).await;
    let ok = |data: Value| json!({ "code": 0, "message": "OK", "request_id": "r1", "data": data });
    expect(
        &server,
        "/open_api/v1.3/campaign/create/",
        json!({ "objective_type": "WEB_CONVERSIONS" }),
        ok(json!({ "campaign_id": "1800000000000000501" })),
        1,
    )
    .await;
    let campaign = create(&app, "TIKTOK", "CONVERSIONS", 5000).await["campaign"]["id"].clone();

    let before = row_totals(&app).await;
    let refused = create_ad_set(&app, &campaign).await;
    assert_setting_required(&app, &refused, "tiktokPixelId", before).await;

    let set = settings(&app, "TIKTOK", json!({ "tiktokPixelId": "7012345679" })).await;
    assert_eq!(set["userErrors"], json!([]), "{set:#}");
    assert_eq!(set["layer"]["tiktokOptimizationEvent"], Value::Null, "{set:#}");
    expect(
        &server,
        "/open_api/v1.3/adgroup/create/",
        json!({ "campaign_id": "1800000000000000501", "optimization_goal": "CONVERT",
            "promotion_type": "WEBSITE", "pixel_id": "7012345679", "optimization_event": "SHOPPING" }),
        ok(json!({ "adgroup_id": "1800000000000000502" })),
        1,
    )
    .await;
    let created = create_ad_set(&app, &campaign).await;
    assert_eq!(created["userErrors"], json!([]), "{created:#}");
    assert_eq!(created["verdict"]["decision"], "ALLOW", "{created:#}");

    let set = settings(&app, "TIKTOK", json!({ "tiktokOptimizationEvent": "form" })).await;
    assert_eq!(set["layer"]["tiktokOptimizationEvent"], "FORM", "{set:#}");
    expect(
        &server,
        "/open_api/v1.3/adgroup/create/",
        json!({ "pixel_id": "7012345679", "optimization_event": "FORM" }),
        ok(json!({ "adgroup_id": "1800000000000000503" })),
        1,
    )
    .await;
    let created = create_ad_set(&app, &campaign).await;
    assert_eq!(created["userErrors"], json!([]), "{created:#}");
    server.verify().await;
}

#[tokio::test]
async fn truth_a_meta_app_install_ad_leads_to_the_store_with_an_install_call_to_action() {
    let server = MockServer::start().await;
    let app = live(&server, Platform::Meta).await;
    let app_settings = json!({ "metaPageId": "1122334455", "landingPageUrl": "https://shop.example/app",
        "metaApplicationId": "5550001", "appStoreUrl": STORE });
    assert_eq!(settings(&app, "META", app_settings).await["userErrors"], json!([]));
    let id = |id: &str| json!({ "id": id });
    let campaigns = "/v27.0/act_123/campaigns";
    let objective = json!({ "objective": "OUTCOME_APP_PROMOTION" });
    expect(&server, campaigns, objective, id("120200000000000601"), 1).await;
    let campaign = create(&app, "META", "APP_INSTALLS", 5000).await["campaign"]["id"].clone();
    let promoted = json!({ "promoted_object": { "application_id": "5550001", "object_store_url": STORE } });
    expect(&server, "/v27.0/act_123/adsets", promoted, id("120200000000000602"), 1).await;
    let ad_set = create_ad_set(&app, &campaign).await;
    assert_eq!(ad_set["userErrors"], json!([]), "{ad_set:#}");
    let ad_set = ad_set["adSet"]["id"].clone();
    let creative = crate::support::insert_creative(&app, "Spring launch").await;

    // Without the store URL, the launch is refused before the gate, naming it.
    assert_eq!(settings(&app, "META", json!({ "appStoreUrl": null })).await["userErrors"], json!([]));
    let before = row_totals(&app).await;
    let refused = launch(&app, &ad_set, &creative).await;
    assert_setting_required(&app, &refused, "appStoreUrl", before).await;
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .all(|r| !r.url.path().ends_with("/advideos"))
    );

    assert_eq!(settings(&app, "META", json!({ "appStoreUrl": STORE })).await["userErrors"], json!([]));
    expect(&server, "/v27.0/act_123/advideos", json!({}), id("900600"), 1).await;
    Mock::given(method("GET"))
        .and(path("/v27.0/900600"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "900600", "picture": "https://scontent.example/thumb.jpg" })))
        .expect(1)
        .mount(&server)
        .await;
    let install = json!({ "object_story_spec": { "page_id": "1122334455", "video_data": {
        "video_id": "900600", "image_url": "https://scontent.example/thumb.jpg",
        "call_to_action": { "type": "INSTALL_MOBILE_APP", "value": { "link": STORE } } } } });
    expect(&server, "/v27.0/act_123/adcreatives", install, id("120330000000000601"), 1).await;
    let ad = json!({ "adset_id": "120200000000000602", "creative": { "creative_id": "120330000000000601" } });
    expect(&server, "/v27.0/act_123/ads", ad, id("120200000000000603"), 1).await;
    let launched = launch(&app, &ad_set, &creative).await;
    assert_eq!(launched["userErrors"], json!([]), "{launched:#}");
    assert_eq!(launched["ad"]["status"], "ACTIVE", "{launched:#}");
    let sent = server.received_requests().await.unwrap_or_default();
    let pushed = sent.iter().find(|r| r.url.path().ends_with("/adcreatives")).expect("the ad creative");
    let body: Value = serde_json::from_slice(&pushed.body).expect("json body");
    assert_eq!(body["object_story_spec"]["video_data"]["call_to_action"]["value"], json!({ "link": STORE }));
    server.verify().await;
}
