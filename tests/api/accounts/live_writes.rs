//! Meta and TikTok writes over HTTP through a connected account: each arrives in the platform's
//! native shape and units, a failed or throttled call is retried and applied once, a refusal
//! keeps the platform's trace in the audit log, and a launch pushes its creative once.

use axum::http::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    META_TOKEN, authorization_url, callback, connect_meta, create_meta_campaign, live_app_with, param,
    read_budget,
};

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
