//! Error paths: timeouts, rate limits, 5xx, TikTok's HTTP-200 errors, native identifiers kept for
//! the audit row, and a layer with no connected account.

use std::time::{Duration, Instant};

use layers_dashboard::domain::Platform;
use layers_dashboard::domain::campaign::Outcome;
use layers_dashboard::platform::PlatformAdapter;
use layers_dashboard::platform::live::LiveAdapter;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{META_VERSION, account, adapter, answer, budget_update, create_campaign, received, settings};

const META_NODE: &str = "/v22.0/120210000000001";

/// Answers Meta's read of the campaign with `daily_budget` (minor units, as Meta shows it).
async fn meta_campaign_shows(server: &MockServer, daily_budget: &str) {
    let campaign = json!({ "id": "120210000000001", "daily_budget": daily_budget });
    answer(server, "GET", META_NODE, 200, campaign, None).await;
}

/// Answers Meta's budget update only after the adapter's timeout.
async fn meta_update_times_out(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(META_NODE))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "success": true }))
                .set_delay(Duration::from_millis(800)),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_call_slower_than_the_timeout_fails_as_transient_after_every_attempt() {
    let server = MockServer::start().await;
    meta_update_times_out(&server).await;
    meta_campaign_shows(&server, "5000").await;
    let started = Instant::now();
    let error = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &budget_update("120210000000001"))
        .await
        .expect_err("timed out");
    assert_eq!(error.code(), "PLATFORM_TRANSIENT");
    assert!(error.to_string().contains("no answer within 300 ms"), "{error}");
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    assert!(started.elapsed() < Duration::from_millis(2500), "took {:?}", started.elapsed());
    let calls: Vec<_> = received(&server).await.into_iter().map(|call| call.method).collect();
    assert_eq!(
        calls,
        ["POST", "GET", "POST", "GET", "POST", "GET"],
        "each timed-out update is read back, and sent again only when the platform shows the old value"
    );
}

#[tokio::test]
async fn an_update_that_timed_out_but_applied_is_not_sent_again() {
    let server = MockServer::start().await;
    meta_update_times_out(&server).await;
    meta_campaign_shows(&server, "7500").await;
    let receipt = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &budget_update("120210000000001"))
        .await
        .expect("the platform shows the update applied");
    assert_eq!(receipt.platform_id.as_deref(), Some("120210000000001"));
    assert_eq!(receipt.native_response["daily_budget"], "7500");
    let calls: Vec<_> = received(&server).await.into_iter().map(|call| call.method).collect();
    assert_eq!(calls, ["POST", "GET"], "sent once, then read back");
}

#[tokio::test]
async fn an_update_nobody_can_confirm_when_no_attempt_is_left_is_an_unknown_outcome() {
    let server = MockServer::start().await;
    meta_update_times_out(&server).await;
    answer(&server, "GET", META_NODE, 503, json!({ "error": { "message": "down", "code": 2 } }), None).await;
    let error = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &budget_update("120210000000001"))
        .await
        .expect_err("unconfirmed");
    assert_eq!(error.code(), "PLATFORM_OUTCOME_UNKNOWN", "{error}");
    assert!(!error.is_retryable(), "left to the reconciler, never sent blindly: {error}");
    let posts = received(&server).await.into_iter().filter(|call| call.method == "POST").count();
    assert_eq!(posts, 3, "updates set absolute values: sent again while attempts are left");
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(META_NODE))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1").set_body_json(json!({})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(&server, "POST", META_NODE, 200, json!({ "success": true }), None).await;
    let started = Instant::now();
    let receipt = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &budget_update("120210000000001"))
        .await
        .expect("succeeds after the wait");
    assert!(started.elapsed() >= Duration::from_secs(1), "waited only {:?}", started.elapsed());
    assert_eq!(receipt.native_response, json!({ "success": true }));
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_gives_up_as_rate_limited_with_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v5/campaigns/542370642"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600").set_body_json(json!({
            "data": null, "error": { "errors": [{ "messageCode": "TOO_MANY_REQUESTS", "message": "slow down" }] }
        })))
        .mount(&server)
        .await;
    let error = adapter(Platform::Apple, &server)
        .dispatch(&account(Platform::Apple), &budget_update("542370642"))
        .await
        .expect_err("rate limited");
    assert_eq!(error.code(), "PLATFORM_RATE_LIMITED");
    assert_eq!(error.retry_after_secs(), Some(3600));
    assert_eq!(error.audit_detail()["retryAfterSecs"], 3600);
    assert_eq!(received(&server).await.len(), 1, "not retried");
}

#[tokio::test]
async fn a_500_then_success_is_retried() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/open_api/v1.3/campaign/update/", 500, json!("upstream"), Some(1)).await;
    let ok = json!({ "code": 0, "message": "OK", "request_id": "r2", "data": { "campaign_id": "17" } });
    answer(&server, "POST", "/open_api/v1.3/campaign/update/", 200, ok, None).await;
    let unchanged = json!({ "code": 0, "message": "OK", "request_id": "r1", "data": { "list": [
        { "campaign_id": "17", "budget": 50.0, "budget_mode": "BUDGET_MODE_DAY" }
    ] } });
    answer(&server, "GET", "/open_api/v1.3/campaign/get/", 200, unchanged, None).await;
    let receipt = adapter(Platform::Tiktok, &server)
        .dispatch(&account(Platform::Tiktok), &budget_update("17"))
        .await
        .expect("retried");
    assert_eq!(receipt.platform_id.as_deref(), Some("17"));
    let calls: Vec<_> = received(&server).await.into_iter().map(|call| (call.method, call.path)).collect();
    let update = ("POST".to_owned(), "/open_api/v1.3/campaign/update/".to_owned());
    let read = ("GET".to_owned(), "/open_api/v1.3/campaign/get/".to_owned());
    assert_eq!(calls, [update.clone(), read, update], "read back, shown unchanged, sent again");
}

#[tokio::test]
async fn tiktok_rate_limit_code_under_http_200_is_rate_limited_and_retried() {
    let server = MockServer::start().await;
    let limited =
        json!({ "code": 40100, "message": "Too many requests", "request_id": "req-40100", "data": {} });
    answer(&server, "POST", "/open_api/v1.3/campaign/update/", 200, limited, None).await;
    let error = adapter(Platform::Tiktok, &server)
        .dispatch(&account(Platform::Tiktok), &budget_update("17"))
        .await
        .expect_err("rate limited");
    assert_eq!(error.code(), "PLATFORM_RATE_LIMITED");
    let detail = error.audit_detail();
    assert_eq!(
        detail["native"],
        json!({ "platform": "tiktok", "http_status": 200, "code": 40100, "request_id": "req-40100" })
    );
    assert_eq!(received(&server).await.len(), 3, "rate limits are retried up to the attempts");
}

#[tokio::test]
async fn tiktok_parameter_error_under_http_200_is_an_invalid_request_not_retried() {
    let server = MockServer::start().await;
    let invalid =
        json!({ "code": 40002, "message": "budget too low", "request_id": "req-40002", "data": {} });
    answer(&server, "POST", "/open_api/v1.3/campaign/create/", 200, invalid, None).await;
    let error = adapter(Platform::Tiktok, &server)
        .dispatch(&account(Platform::Tiktok), &create_campaign(Outcome::Traffic))
        .await
        .expect_err("invalid");
    assert_eq!(error.code(), "PLATFORM_INVALID_REQUEST");
    assert_eq!(error.audit_detail()["native"]["request_id"], "req-40002");
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn meta_190_is_auth_expired_with_its_fbtrace_id_kept() {
    let server = MockServer::start().await;
    let expired = json!({ "error": {
        "message": "Error validating access token", "type": "OAuthException",
        "code": 190, "error_subcode": 463, "fbtrace_id": "AbCdEf123",
    } });
    answer(&server, "POST", &format!("/{META_VERSION}/act_123456789/campaigns"), 400, expired, None).await;
    let error = adapter(Platform::Meta, &server)
        .dispatch(&account(Platform::Meta), &create_campaign(Outcome::Conversions))
        .await
        .expect_err("expired");
    assert_eq!(error.code(), "PLATFORM_AUTH_EXPIRED");
    let detail = error.audit_detail();
    assert_eq!(detail["code"], "PLATFORM_AUTH_EXPIRED");
    assert_eq!(
        detail["native"],
        json!({ "platform": "meta", "http_status": 400, "code": 190, "error_subcode": 463, "type": "OAuthException", "fbtrace_id": "AbCdEf123" })
    );
    assert_eq!(received(&server).await.len(), 1, "an expired token is not retried");
}

#[tokio::test]
async fn apple_400_keeps_its_message_code_and_field() {
    let server = MockServer::start().await;
    let refused = json!({ "data": null, "error": { "errors": [{
        "messageCode": "INVALID_INPUT", "message": "budget below minimum", "field": "campaign.dailyBudgetAmount",
    }] } });
    answer(&server, "PUT", "/api/v5/campaigns/542370642", 400, refused, None).await;
    let error = adapter(Platform::Apple, &server)
        .dispatch(&account(Platform::Apple), &budget_update("542370642"))
        .await
        .expect_err("invalid");
    assert_eq!(error.code(), "PLATFORM_INVALID_REQUEST");
    assert_eq!(error.field(), Some("dailyBudgetCents"));
    let detail = error.audit_detail();
    assert_eq!(detail["field"], "dailyBudgetCents");
    assert_eq!(
        detail["native"],
        json!({ "platform": "apple", "http_status": 400, "messageCode": "INVALID_INPUT", "field": "campaign.dailyBudgetAmount" })
    );
}

#[tokio::test]
async fn a_layer_without_a_connected_account_is_refused_before_any_call() {
    let server = MockServer::start().await;
    let mut account = account(Platform::Tiktok);
    account.access_token = None;
    let error = adapter(Platform::Tiktok, &server)
        .dispatch(&account, &create_campaign(Outcome::Traffic))
        .await
        .expect_err("not connected");
    assert_eq!(error.code(), "PLATFORM_AUTH_EXPIRED");
    assert!(error.to_string().contains("no connected tiktok ad account"), "{error}");
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_a_create_is_retried_without_a_read_back() {
    // A port nothing listens on: the request never leaves, so re-sending a create is safe.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let server = MockServer::start().await;
    let mut settings = settings(&server);
    settings.meta_base_url = format!("http://127.0.0.1:{port}");
    let meta = LiveAdapter::new(Platform::Meta, &settings).expect("adapter");
    let error = meta
        .dispatch(&account(Platform::Meta), &create_campaign(Outcome::Conversions))
        .await
        .expect_err("refused");
    assert_eq!(error.code(), "PLATFORM_TRANSIENT");
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    assert!(!error.to_string().contains("may have been applied"), "{error}");
}
