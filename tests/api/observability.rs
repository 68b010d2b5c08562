//! `/metrics`: request latency by operation, gate verdicts by decision and reason, WebSocket
//! gauges, and the optional metrics token.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::support::{TestApp, UPDATE_BUDGET, test_config};

async fn scrape(app: &TestApp, authorization: Option<&str>) -> (StatusCode, String) {
    let mut request = axum::http::Request::builder().method(Method::GET).uri("/metrics");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = layers_dashboard::app(app.state.clone())
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// The value of the first sample line starting with `prefix`.
fn sample(body: &str, prefix: &str) -> Option<f64> {
    body.lines().find(|line| line.starts_with(prefix))?.rsplit(' ').next()?.parse().ok()
}

#[tokio::test]
async fn metrics_count_operations_and_verdicts() {
    let app = TestApp::new().await;
    let token = app.customer();
    app.ok(&token, "query ObservedViewer { viewer { actorType } }", json!({})).await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let queued = app
        .ok(&token, UPDATE_BUDGET, json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6100 } }))
        .await;
    assert!(queued["updateCampaignBudget"]["verdict"]["decision"].is_string(), "{queued:#}");

    let (status, body) = scrape(&app, None).await;
    assert_eq!(status, StatusCode::OK);
    let ok = sample(
        &body,
        "layers_graphql_requests_total{operation=\"ObservedViewer\",type=\"query\",outcome=\"ok\"}",
    );
    assert!(ok.is_some_and(|count| count >= 1.0), "{body}");
    assert!(
        body.contains("layers_graphql_request_duration_seconds_bucket{operation=\"ObservedViewer\",type=\"query\",le=\"0.005\"}"),
        "a latency histogram per operation: {body}"
    );
    assert!(body.lines().any(|line| line.starts_with("layers_gate_verdicts_total{decision=")), "{body}");
    assert!(body.contains("layers_websocket_connections "), "{body}");
    assert!(body.contains("layers_websocket_subscriptions "), "{body}");
}

#[tokio::test]
async fn a_metrics_token_guards_the_endpoint() {
    let mut config = test_config();
    config.metrics_token = Some(layers_dashboard::auth::Secret::from("scrape-me-please".to_owned()));
    let app = TestApp::new().await.with_config(&config);
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&app, Some("Bearer wrong")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&app, Some("Bearer scrape-me-please")).await.0, StatusCode::OK);
}
