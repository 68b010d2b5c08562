//! Each platform's campaign create, budget update and status change, as the platform receives them.

use layers_dashboard::domain::Platform;
use layers_dashboard::domain::campaign::Outcome;
use layers_dashboard::platform::PlatformAdapter;
use serde_json::json;
use wiremock::MockServer;

use super::{META_VERSION, TOKEN, account, adapter, answer, budget_update, create_campaign, pause, received};

#[tokio::test]
async fn meta_writes_arrive_with_minor_units_special_ad_categories_and_the_configured_version() {
    let server = MockServer::start().await;
    let campaigns = format!("/{META_VERSION}/act_123456789/campaigns");
    let node = format!("/{META_VERSION}/120210000000001");
    answer(&server, "POST", &campaigns, 200, json!({ "id": "120210000000001" }), None).await;
    answer(&server, "POST", &node, 200, json!({ "success": true }), None).await;
    let meta = adapter(Platform::Meta, &server);
    let account = account(Platform::Meta);

    let created = meta.dispatch(&account, &create_campaign(Outcome::Conversions)).await.expect("create");
    assert_eq!(created.platform_id.as_deref(), Some("120210000000001"));
    assert_eq!(created.native_request.headers["Authorization"], "Bearer <redacted>");
    assert_eq!(created.native_response, json!({ "id": "120210000000001" }));
    let budget = meta.dispatch(&account, &budget_update("120210000000001")).await.expect("budget");
    assert_eq!(budget.platform_id.as_deref(), Some("120210000000001"));
    meta.dispatch(&account, &pause("120210000000001")).await.expect("status");

    let sent = received(&server).await;
    assert_eq!(sent.len(), 3);
    for request in &sent {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        request.assert_no_placeholder();
    }
    assert_eq!(sent[0].path, campaigns);
    assert_eq!(
        sent[0].body,
        json!({
            "name": "Spring sale", "objective": "OUTCOME_SALES", "status": "PAUSED",
            "special_ad_categories": [], "daily_budget": 5050, "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        })
    );
    assert_eq!((sent[1].path.as_str(), &sent[1].body), (node.as_str(), &json!({ "daily_budget": 7500 })));
    assert_eq!((sent[2].path.as_str(), &sent[2].body), (node.as_str(), &json!({ "status": "PAUSED" })));
}

#[tokio::test]
async fn tiktok_writes_arrive_with_decimal_major_units_budget_mode_and_operation_status() {
    let server = MockServer::start().await;
    let ok = |data| json!({ "code": 0, "message": "OK", "request_id": "req-1", "data": data });
    let campaign_id = "1790000000000000001";
    answer(
        &server,
        "POST",
        "/open_api/v1.3/campaign/create/",
        200,
        ok(json!({ "campaign_id": campaign_id })),
        None,
    )
    .await;
    answer(
        &server,
        "POST",
        "/open_api/v1.3/campaign/update/",
        200,
        ok(json!({ "campaign_id": campaign_id })),
        None,
    )
    .await;
    answer(
        &server,
        "POST",
        "/open_api/v1.3/campaign/status/update/",
        200,
        ok(json!({ "campaign_ids": [campaign_id] })),
        None,
    )
    .await;
    let tiktok = adapter(Platform::Tiktok, &server);
    let account = account(Platform::Tiktok);

    let created = tiktok.dispatch(&account, &create_campaign(Outcome::Traffic)).await.expect("create");
    assert_eq!(created.platform_id.as_deref(), Some(campaign_id));
    assert_eq!(created.native_request.headers["Access-Token"], "<redacted>");
    tiktok.dispatch(&account, &budget_update(campaign_id)).await.expect("budget");
    let paused = tiktok.dispatch(&account, &pause(campaign_id)).await.expect("status");
    assert_eq!(paused.platform_id.as_deref(), Some(campaign_id));

    let sent = received(&server).await;
    assert_eq!(sent.len(), 3);
    for request in &sent {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("access-token"), Some(TOKEN));
        assert_eq!(request.header("authorization"), None);
        request.assert_no_placeholder();
    }
    assert_eq!(
        sent[0].body,
        json!({
            "advertiser_id": "123456789", "campaign_name": "Spring sale", "objective_type": "TRAFFIC",
            "operation_status": "DISABLE", "budget_optimize_on": true, "budget_mode": "BUDGET_MODE_DAY",
            "budget": 50.50, "bid_type": "BID_TYPE_NO_BID",
        })
    );
    assert_eq!(sent[1].path, "/open_api/v1.3/campaign/update/");
    assert_eq!(
        sent[1].body,
        json!({ "advertiser_id": "123456789", "campaign_id": campaign_id, "budget": 75.0 })
    );
    assert_eq!(sent[2].path, "/open_api/v1.3/campaign/status/update/");
    assert_eq!(
        sent[2].body,
        json!({ "advertiser_id": "123456789", "campaign_ids": [campaign_id], "operation_status": "DISABLE" })
    );
}

#[tokio::test]
async fn apple_writes_arrive_with_money_objects_org_context_adam_id_and_countries() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/api/v5/campaigns", 200, json!({ "data": { "id": 542370642 } }), None).await;
    answer(&server, "PUT", "/api/v5/campaigns/542370642", 200, json!({ "data": { "id": 542370642 } }), None)
        .await;
    let apple = adapter(Platform::Apple, &server);
    let account = account(Platform::Apple);

    let created = apple.dispatch(&account, &create_campaign(Outcome::AppInstalls)).await.expect("create");
    assert_eq!(created.platform_id.as_deref(), Some("542370642"));
    assert_eq!(created.native_request.headers["Authorization"], "Bearer <redacted>");
    apple.dispatch(&account, &budget_update("542370642")).await.expect("budget");
    apple.dispatch(&account, &pause("542370642")).await.expect("status");

    let sent = received(&server).await;
    assert_eq!(sent.len(), 3);
    for request in &sent {
        assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(request.header("x-ap-context"), Some("orgId=40669820"));
        request.assert_no_placeholder();
    }
    assert_eq!((sent[0].method.as_str(), sent[0].path.as_str()), ("POST", "/api/v5/campaigns"));
    let body = &sent[0].body;
    assert_eq!(body["adamId"], json!(835599320));
    assert_eq!(body["countriesOrRegions"], json!(["US", "GB"]));
    assert_eq!(body["dailyBudgetAmount"], json!({ "amount": "50.50", "currency": "USD" }));
    assert_eq!(body["name"], "Spring sale");
    assert_eq!(body["status"], "PAUSED");
    assert_eq!((sent[1].method.as_str(), sent[1].path.as_str()), ("PUT", "/api/v5/campaigns/542370642"));
    assert_eq!(
        sent[1].body,
        json!({
            "clearGeoTargetingOnCountryOrRegionChange": false,
            "campaign": { "dailyBudgetAmount": { "amount": "75.00", "currency": "USD" } },
        })
    );
    assert_eq!(sent[2].body["campaign"], json!({ "status": "PAUSED" }));
}

#[tokio::test]
async fn the_live_proxy_sends_each_platform_to_its_own_base_url() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;
    let mut settings = super::settings(&server);
    settings.apple_base_url = other.uri();
    answer(&server, "POST", &format!("/{META_VERSION}/42"), 200, json!({ "success": true }), None).await;
    answer(&other, "PUT", "/api/v5/campaigns/42", 200, json!({ "data": { "id": 42 } }), None).await;
    let proxy = layers_dashboard::platform::PlatformProxy::live(&settings).expect("proxy");
    proxy.dispatch(&account(Platform::Meta), &pause("42")).await.expect("meta");
    proxy.dispatch(&account(Platform::Apple), &pause("42")).await.expect("apple");
    assert_eq!(received(&server).await.len(), 1);
    assert_eq!(received(&other).await.len(), 1);
    let wrong = proxy.adapter(Platform::Tiktok).dispatch(&account(Platform::Meta), &pause("42")).await;
    assert_eq!(wrong.expect_err("wrong platform").code(), "PLATFORM_INVALID_REQUEST");
}
