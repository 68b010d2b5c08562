//! A create that may have been applied is read back before it is ever sent again, and updates
//! are read back field by field.

use chrono::Utc;
use layers_dashboard::domain::Platform;
use layers_dashboard::domain::campaign::Outcome;
use layers_dashboard::platform::{PlatformAdapter, Reconciliation};
use serde_json::json;
use wiremock::MockServer;

use super::{META_VERSION, account, adapter, answer, budget_update, create_campaign, now_rfc3339, received};

fn campaigns() -> String {
    format!("/{META_VERSION}/act_123456789/campaigns")
}

#[tokio::test]
async fn a_500_on_a_create_is_settled_by_the_read_back_and_sent_once() {
    let server = MockServer::start().await;
    answer(&server, "POST", &campaigns(), 500, json!({ "error": { "message": "unknown", "code": 2 } }), None)
        .await;
    let listed = json!({ "data": [
        { "id": "120210000000777", "name": "Spring sale", "created_time": now_rfc3339() },
        { "id": "120210000000001", "name": "Spring sale", "created_time": "2020-01-01T00:00:00+0000" },
        { "id": "120210000000002", "name": "Spring sale 2", "created_time": now_rfc3339() },
    ] });
    answer(&server, "GET", &campaigns(), 200, listed, None).await;
    let receipt = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &create_campaign(Outcome::Conversions))
        .await
        .expect("found applied");
    assert_eq!(receipt.platform_id.as_deref(), Some("120210000000777"));
    let sent = received(&server).await;
    let creates = sent.iter().filter(|request| request.method == "POST").count();
    assert_eq!(creates, 1, "the create is not sent twice");
    let read = sent.iter().find(|request| request.method == "GET").expect("read back");
    assert!(read.query.contains("filtering"), "{}", read.query);
    assert!(read.query.contains("created_time"), "{}", read.query);
}

#[tokio::test]
async fn a_create_the_read_back_does_not_find_is_sent_again() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/api/v5/campaigns", 503, json!(null), Some(1)).await;
    answer(&server, "POST", "/api/v5/campaigns", 200, json!({ "data": { "id": 99 } }), None).await;
    answer(&server, "POST", "/api/v5/campaigns/find", 200, json!({ "data": [] }), None).await;
    let receipt = adapter(Platform::Apple, &server)
        .dispatch(&account(Platform::Apple), &create_campaign(Outcome::AppInstalls))
        .await
        .expect("sent again");
    assert_eq!(receipt.platform_id.as_deref(), Some("99"));
    let sent = received(&server).await;
    let paths: Vec<_> = sent.iter().map(|request| request.path.as_str()).collect();
    assert_eq!(paths, ["/api/v5/campaigns", "/api/v5/campaigns/find", "/api/v5/campaigns"]);
    assert_eq!(
        sent[1].body["conditions"][0],
        json!({ "field": "name", "operator": "EQUALS", "values": ["Spring sale"] })
    );
    assert_eq!(sent[1].header("x-ap-context"), Some("orgId=40669820"));
}

#[tokio::test]
async fn a_create_the_read_back_cannot_settle_is_not_sent_again() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/open_api/v1.3/campaign/create/", 500, json!({}), None).await;
    let at = Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let two = json!({ "code": 0, "message": "OK", "request_id": "r", "data": { "list": [
        { "campaign_id": "1", "campaign_name": "Spring sale", "create_time": at },
        { "campaign_id": "2", "campaign_name": "Spring sale", "create_time": at },
    ] } });
    answer(&server, "GET", "/open_api/v1.3/campaign/get/", 200, two, None).await;
    let error = adapter(Platform::Tiktok, &server)
        .dispatch(&account(Platform::Tiktok), &create_campaign(Outcome::Traffic))
        .await
        .expect_err("unsettled");
    assert_eq!(error.code(), "PLATFORM_OUTCOME_UNKNOWN");
    assert!(!error.is_retryable(), "never re-sent blindly");
    assert!(error.to_string().contains("may have been applied"), "{error}");
    let sent = received(&server).await;
    assert_eq!(sent.iter().filter(|request| request.method == "POST").count(), 1);
    let read = sent.iter().find(|request| request.method == "GET").expect("read back");
    assert!(read.query.contains("advertiser_id=123456789"), "{}", read.query);
    assert_eq!(read.header("access-token"), Some(super::TOKEN));
}

#[tokio::test]
async fn an_update_is_read_back_field_by_field() {
    let server = MockServer::start().await;
    let node = format!("/{META_VERSION}/120210000000001");
    answer(&server, "GET", &node, 200, json!({ "id": "120210000000001", "daily_budget": "7500" }), Some(1))
        .await;
    answer(&server, "GET", &node, 200, json!({ "id": "120210000000001", "daily_budget": "5000" }), None)
        .await;
    let meta = adapter(Platform::Meta, &server);
    let account = account(Platform::Meta);
    let write = budget_update("120210000000001");
    let applied = meta.reconcile(&account, &write, Utc::now()).await.expect("read");
    assert!(
        matches!(&applied, Reconciliation::Applied { platform_id: Some(id), .. } if id == "120210000000001"),
        "{applied:?}"
    );
    let not_applied = meta.reconcile(&account, &write, Utc::now()).await.expect("read");
    assert_eq!(not_applied, Reconciliation::NotApplied);
    let sent = received(&server).await;
    assert!(sent[0].query.contains("daily_budget"), "{}", sent[0].query);
}

#[tokio::test]
async fn a_create_whose_read_back_fails_for_now_is_asked_again_never_sent_blind() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        &campaigns(),
        502,
        json!({ "error": { "message": "bad gateway", "code": 2 } }),
        Some(1),
    )
    .await;
    // The platform is restarting: the first read back fails, the second shows the campaign.
    answer(&server, "GET", &campaigns(), 503, json!({ "error": { "message": "down", "code": 2 } }), Some(1))
        .await;
    let listed = json!({ "data": [{ "id": "120210000000888", "name": "Spring sale", "created_time": now_rfc3339() }] });
    answer(&server, "GET", &campaigns(), 200, listed, None).await;
    let receipt = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &create_campaign(Outcome::Conversions))
        .await
        .expect("found applied on the second look");
    assert_eq!(receipt.platform_id.as_deref(), Some("120210000000888"));
    let calls: Vec<_> = received(&server).await.into_iter().map(|call| call.method).collect();
    assert_eq!(calls, ["POST", "GET", "GET"], "asked twice, sent once");
}

#[tokio::test]
async fn a_create_nobody_can_read_back_is_an_unknown_outcome_once_attempts_run_out() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        &campaigns(),
        502,
        json!({ "error": { "message": "bad gateway", "code": 2 } }),
        None,
    )
    .await;
    answer(&server, "GET", &campaigns(), 503, json!({ "error": { "message": "down", "code": 2 } }), None)
        .await;
    let error = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &create_campaign(Outcome::Conversions))
        .await
        .expect_err("unconfirmed");
    assert_eq!(error.code(), "PLATFORM_OUTCOME_UNKNOWN", "{error}");
    let calls: Vec<_> = received(&server).await.into_iter().map(|call| call.method).collect();
    // Three attempts: the send, then one look each time an attempt would have been spent.
    assert_eq!(calls, ["POST", "GET", "GET", "GET"], "never sent a second time while it may exist");
}

#[tokio::test]
async fn a_create_that_got_no_answer_is_not_sent_again_when_the_platform_shows_nothing_yet() {
    let server = MockServer::start().await;
    // The platform takes longer than the timeout and shows nothing yet when read back.
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(campaigns()))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(json!({ "id": "120210000000999" }))
                .set_delay(std::time::Duration::from_millis(800)),
        )
        .mount(&server)
        .await;
    answer(&server, "GET", &campaigns(), 200, json!({ "data": [] }), None).await;
    let error = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &create_campaign(Outcome::Conversions))
        .await
        .expect_err("unconfirmed");
    assert_eq!(error.code(), "PLATFORM_OUTCOME_UNKNOWN", "{error}");
    let calls: Vec<_> = received(&server).await.into_iter().map(|call| call.method).collect();
    assert_eq!(calls, ["POST", "GET"], "it may still be creating it: left to the reconciler, not sent twice");
}

#[tokio::test]
async fn a_create_is_recognized_although_the_platform_clock_runs_behind() {
    let server = MockServer::start().await;
    answer(&server, "POST", &campaigns(), 500, json!({ "error": { "message": "unknown", "code": 2 } }), None)
        .await;
    let behind = (Utc::now() - chrono::Duration::seconds(90)).format("%Y-%m-%dT%H:%M:%S+0000").to_string();
    let listed =
        json!({ "data": [{ "id": "120210000000555", "name": "Spring sale", "created_time": behind }] });
    answer(&server, "GET", &campaigns(), 200, listed, None).await;
    let receipt = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &create_campaign(Outcome::Conversions))
        .await
        .expect("found applied");
    assert_eq!(receipt.platform_id.as_deref(), Some("120210000000555"));
    let posts = received(&server).await.into_iter().filter(|call| call.method == "POST").count();
    assert_eq!(posts, 1, "a platform clock 90 s behind does not make a second copy");
}
