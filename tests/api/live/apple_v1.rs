//! The Apple Ads Platform API read-back contract: a create that may have been applied is looked
//! up by name before it is sent again, and an update is read back from `result`.

use chrono::Utc;
use layers_dashboard::domain::Platform;
use layers_dashboard::domain::apple_api::AppleApi;
use layers_dashboard::domain::campaign::Outcome;
use layers_dashboard::platform::{AccountContext, PlatformAdapter, Reconciliation};
use serde_json::json;
use wiremock::MockServer;

use super::{account, adapter, answer, budget_update, create_campaign, pause, received};

/// A connected Apple Ads Platform API account (ad account 7654321).
fn v1_account() -> AccountContext {
    let mut account = account(Platform::Apple);
    account.apple_api = AppleApi::V1;
    account.ad_account_id = Some("7654321".to_owned());
    account
}

/// Now, as Apple prints creation times (UTC wall time with milliseconds).
fn apple_now() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

#[tokio::test]
async fn a_500_on_a_v1_create_is_settled_by_a_query_by_name_and_sent_once() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/v1/campaigns",
        500,
        json!({ "error": { "code": "INTERNAL", "message": "x" } }),
        None,
    )
    .await;
    let found = json!({ "result": [
        { "id": 555, "name": "Spring sale", "creationTime": apple_now(), "deleted": false },
        { "id": 556, "name": "Spring sale", "creationTime": "2020-01-01T00:00:00.000", "deleted": false },
    ], "pagination": { "offset": 0, "pageSize": 1000, "totalCount": 2 } });
    answer(&server, "POST", "/v1/campaigns/query", 200, found, None).await;
    let receipt = adapter(Platform::Apple, &server)
        .dispatch(&v1_account(), &create_campaign(Outcome::AppInstalls))
        .await
        .expect("found applied");
    assert_eq!(receipt.platform_id.as_deref(), Some("555"));
    let sent = received(&server).await;
    let paths: Vec<_> = sent.iter().map(|request| request.path.as_str()).collect();
    assert_eq!(paths, ["/v1/campaigns", "/v1/campaigns/query"], "the create is not sent twice");
    // Apple's QueryRequest: QueryFilter `value`, pagination `pageSize` (no `values`, no `limit`).
    assert_eq!(
        sent[1].body,
        json!({
            "filters": [{ "field": "name", "operator": "EQUALS", "value": ["Spring sale"] }],
            "pagination": { "offset": 0, "pageSize": 1000 },
        })
    );
    for request in &sent {
        assert_eq!(request.header("x-ap-context"), Some("adAccountId=7654321"));
        request.assert_no_placeholder();
    }
}

#[tokio::test]
async fn a_v1_update_is_read_back_from_result_field_by_field() {
    let server = MockServer::start().await;
    let shown = json!({ "result": { "id": 42, "status": "ENABLED",
        "dailyBudget": { "value": { "amount": "75.00", "currency": "USD" } } } });
    answer(&server, "GET", "/v1/campaigns/42", 200, shown, None).await;
    let adapter = adapter(Platform::Apple, &server);
    let since = Utc::now();
    let budget = adapter.reconcile(&v1_account(), &budget_update("42"), since).await.expect("read");
    assert!(matches!(budget, Reconciliation::Applied { .. }), "{budget:?}");
    let paused = adapter.reconcile(&v1_account(), &pause("42"), since).await.expect("read");
    assert_eq!(paused, Reconciliation::NotApplied, "still ENABLED");
}
