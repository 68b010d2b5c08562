//! GraphQL over HTTP: content negotiation, GET and POST, status codes, and the shape of every
//! refusal, through the real router.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::TestApp;

pub const GRJ: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    fn content_type(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// Asserts a GraphQL error body whose first error has `code`, and every error a code.
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{:#}", self.body);
        let errors = self.body["errors"].as_array().unwrap_or_else(|| panic!("errors: {:#}", self.body));
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|error| error["extensions"]["code"].is_string()), "{:#}", self.body);
        assert!(errors.iter().all(|error| error["message"].is_string()), "{:#}", self.body);
        assert_eq!(errors[0]["extensions"]["code"], code, "{:#}", self.body);
        assert!(self.content_type().contains("json"), "{}", self.content_type());
    }
}

pub async fn send(
    app: &TestApp,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body.into()).expect("request");
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

pub async fn post(app: &TestApp, accept: Option<&str>, body: Value) -> Reply {
    let mut headers = vec![("content-type", JSON)];
    if let Some(accept) = accept {
        headers.push(("accept", accept));
    }
    send(app, Method::POST, "/graphql", &headers, body.to_string()).await
}

/// A GET with a customer token (an anonymous GET is refused: see `anonymous_gets_are_refused`).
async fn get(app: &TestApp, accept: Option<&str>, params: &[(&str, &str)]) -> Reply {
    let query =
        params.iter().map(|(name, value)| format!("{name}={}", encode(value))).collect::<Vec<_>>().join("&");
    let token = format!("Bearer {}", app.customer());
    let mut headers: Vec<(&str, &str)> = accept.map(|accept| ("accept", accept)).into_iter().collect();
    headers.push(("authorization", &token));
    send(app, Method::GET, &format!("/graphql?{query}"), &headers, Body::empty()).await
}

#[tokio::test]
async fn anonymous_gets_are_refused() {
    let app = TestApp::new().await;
    let uri = format!("/graphql?query={}", encode(TYPENAME));
    for accept in [GRJ, JSON] {
        let reply = send(&app, Method::GET, &uri, &[("accept", accept)], Body::empty()).await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
        assert!(reply.body.get("data").is_none(), "{:#}", reply.body);
    }
    let reply = post(&app, Some(GRJ), json!({ "query": TYPENAME })).await;
    assert_eq!(reply.body["data"]["__typename"], "Query", "an anonymous POST still runs");
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const TYPENAME: &str = "{ __typename }";

#[tokio::test]
async fn accept_picks_the_response_media_type() {
    let app = TestApp::new().await;
    let query = json!({ "query": TYPENAME });
    for (accept, expected) in [
        (Some(GRJ), GRJ),
        (Some(JSON), JSON),
        (Some("*/*"), JSON),
        (None, JSON),
        (Some("application/graphql-response+json, application/json;q=0.9"), GRJ),
        (Some("application/graphql-response+json;q=0.5, application/json"), JSON),
    ] {
        let reply = post(&app, accept, query.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept:?}: {:#}", reply.body);
        assert!(reply.content_type().starts_with(expected), "{accept:?}: {}", reply.content_type());
        assert_eq!(reply.body["data"]["__typename"], "Query", "{accept:?}: {:#}", reply.body);
    }
}

#[tokio::test]
async fn an_accept_without_either_json_type_is_406() {
    let app = TestApp::new().await;
    for accept in ["text/html", "application/xml, text/plain", "application/json;q=0"] {
        let reply = post(&app, Some(accept), json!({ "query": TYPENAME })).await;
        reply.assert_error(StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE");
    }
}

#[tokio::test]
async fn request_errors_are_400_without_data_under_graphql_response_json() {
    let app = TestApp::new().await;
    let cases = [
        (json!({ "query": "{" }), "GRAPHQL_PARSE_FAILED"),
        (json!({ "query": "{ noSuchField }" }), "GRAPHQL_VALIDATION_FAILED"),
        (
            json!({ "query": "query($id: ID!) { campaign(id: $id) { id } }", "variables": { "id": null } }),
            "BAD_USER_INPUT",
        ),
    ];
    for (body, code) in cases {
        let reply = post(&app, Some(GRJ), body.clone()).await;
        reply.assert_error(StatusCode::BAD_REQUEST, code);
        assert!(reply.content_type().starts_with(GRJ), "{}", reply.content_type());
        assert!(reply.body.get("data").is_none(), "{body}: {:#}", reply.body);

        let legacy = post(&app, Some(JSON), body.clone()).await;
        legacy.assert_error(StatusCode::OK, code);
        assert!(legacy.content_type().starts_with(JSON), "{}", legacy.content_type());
        assert!(legacy.body.get("data").is_none(), "{body}: {:#}", legacy.body);
    }
}

#[tokio::test]
async fn execution_errors_are_200_with_data_under_both_types() {
    let app = TestApp::new().await;
    for accept in [GRJ, JSON] {
        // Unauthenticated: the error happens while executing the field.
        let reply = post(&app, Some(accept), json!({ "query": "{ campaigns { nodes { id } } }" })).await;
        reply.assert_error(StatusCode::OK, "UNAUTHENTICATED");
        assert!(reply.body.get("data").is_some(), "{accept}: {:#}", reply.body);
        assert!(reply.content_type().starts_with(accept), "{}", reply.content_type());
    }
    let token = format!("Bearer {}", app.customer());
    let reply = send(
        &app,
        Method::POST,
        "/graphql",
        &[("content-type", JSON), ("accept", GRJ), ("authorization", &token)],
        json!({ "query": "{ layer(platform: META) { killSwitchActive } }" }).to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(reply.body["data"]["layer"]["killSwitchActive"], false, "{:#}", reply.body);
}

#[tokio::test]
async fn get_runs_queries_with_json_variables() {
    let app = TestApp::new().await;
    let reply = get(
        &app,
        Some(GRJ),
        &[
            ("query", "query Type($name: String!) { __type(name: $name) { name } }"),
            ("variables", r#"{"name":"Platform"}"#),
            ("operationName", "Type"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(reply.body["data"]["__type"]["name"], "Platform", "{:#}", reply.body);
    let reply = get(&app, None, &[("query", TYPENAME)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert!(reply.content_type().starts_with(JSON));

    get(&app, Some(GRJ), &[]).await.assert_error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    get(&app, Some(GRJ), &[("query", TYPENAME), ("variables", "{not json")])
        .await
        .assert_error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    get(&app, Some(GRJ), &[("query", TYPENAME), ("variables", "[1]")])
        .await
        .assert_error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
}

#[tokio::test]
async fn a_mutation_over_get_is_405_allow_post() {
    let app = TestApp::new().await;
    let token = format!("Bearer {}", app.customer());
    let mutation =
        "mutation { tripKillSwitch(platform: META, reason: \"get\") { layer { killSwitchActive } } }";
    let uri = format!("/graphql?query={}", encode(mutation));
    for accept in [GRJ, JSON] {
        let reply =
            send(&app, Method::GET, &uri, &[("accept", accept), ("authorization", &token)], Body::empty())
                .await;
        reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
        assert_eq!(reply.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()), Some("POST"));
    }
    // The operation selected by operationName decides.
    let document = "query Q { __typename } mutation M { tripKillSwitch(platform: META, reason: \"get\") { layer { id } } }";
    let reply = get(&app, Some(GRJ), &[("query", document), ("operationName", "M")]).await;
    reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    let reply = get(&app, Some(GRJ), &[("query", document), ("operationName", "Q")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    let data = app.ok(&app.customer(), "{ layer(platform: META) { killSwitchActive } }", json!({})).await;
    assert_eq!(data["layer"]["killSwitchActive"], false, "nothing ran");
}

#[tokio::test]
async fn posts_that_are_not_json_are_415() {
    let app = TestApp::new().await;
    let token = format!("Bearer {}", app.customer());
    let body =
        json!({ "query": "mutation { tripKillSwitch(platform: META, reason: \"csrf\") { layer { id } } }" })
            .to_string();
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=----x"),
        Some("application/json; charset=latin1"),
        None,
    ] {
        let mut headers = vec![("authorization", token.as_str())];
        if let Some(content_type) = content_type {
            headers.push(("content-type", content_type));
        }
        let reply = send(&app, Method::POST, "/graphql", &headers, body.clone()).await;
        reply.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    }
    let data = app.ok(&app.customer(), "{ layer(platform: META) { killSwitchActive } }", json!({})).await;
    assert_eq!(data["layer"]["killSwitchActive"], false, "nothing ran");
    // With a charset, JSON is read.
    let reply = send(
        &app,
        Method::POST,
        "/graphql",
        &[("content-type", "application/json; charset=utf-8")],
        json!({ "query": TYPENAME }).to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
}

#[tokio::test]
async fn malformed_bodies_and_parameters_are_400_graphql_errors() {
    let app = TestApp::new().await;
    for accept in [GRJ, JSON] {
        for body in ["{ \"not a JSON", "", "42", "\"query\""] {
            let reply = send(
                &app,
                Method::POST,
                "/graphql",
                &[("content-type", JSON), ("accept", accept)],
                body.to_owned(),
            )
            .await;
            reply.assert_error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
            assert!(reply.content_type().starts_with(accept), "{}", reply.content_type());
        }
        for body in [
            json!({ "notquery": TYPENAME }),
            json!({ "query": null }),
            json!({ "query": { "obj": "ect" } }),
            json!({ "query": 0 }),
            json!({ "query": false }),
            json!({ "query": [TYPENAME] }),
            json!({ "query": TYPENAME, "variables": "string" }),
            json!({ "query": TYPENAME, "variables": 0 }),
            json!({ "query": TYPENAME, "variables": ["array"] }),
            json!({ "query": TYPENAME, "operationName": 0 }),
            json!({ "query": TYPENAME, "operationName": { "obj": "ect" } }),
            json!({ "query": TYPENAME, "extensions": "string" }),
        ] {
            let reply = post(&app, Some(accept), body.clone()).await;
            reply.assert_error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
        }
        // null parameters count as absent; a map of extensions is accepted.
        for body in [
            json!({ "query": TYPENAME, "variables": null, "operationName": null, "extensions": null }),
            json!({ "query": TYPENAME, "extensions": { "some": "value" } }),
        ] {
            let reply = post(&app, Some(accept), body).await;
            assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
            assert!(reply.body.get("errors").is_none(), "{:#}", reply.body);
        }
    }
}

#[tokio::test]
async fn batches_are_refused() {
    let app = TestApp::new().await;
    let reply = post(&app, Some(GRJ), json!([{ "query": TYPENAME }, { "query": TYPENAME }])).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "BATCHING_NOT_SUPPORTED");
    let message = reply.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("batch"), "{message}");
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = TestApp::new().await;
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let reply = send(
            &app,
            method.clone(),
            "/graphql",
            &[("content-type", JSON)],
            json!({ "query": TYPENAME }).to_string(),
        )
        .await;
        reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
        assert_eq!(reply.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()), Some("GET, POST"));
    }
}

#[tokio::test]
async fn an_oversized_body_is_413_with_a_graphql_error() {
    let app = TestApp::new().await;
    let padding = " ".repeat(3 * 1024 * 1024);
    let body = format!("{{\"query\": \"{{ __typename }}\"{padding}}}");
    let reply = send(&app, Method::POST, "/graphql", &[("content-type", JSON), ("accept", GRJ)], body).await;
    reply.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn readiness_checks_the_database_and_the_migrations() {
    let app = TestApp::new().await;
    let request = Request::get("/readyz").body(Body::empty()).unwrap();
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    use sea_orm::ConnectionTrait;
    app.services().db.execute_unprepared("DELETE FROM seaql_migrations").await.unwrap();
    let request = Request::get("/readyz").body(Body::empty()).unwrap();
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["reason"], "migrations pending");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::new().await;
    let request = Request::get("/healthz").body(Body::empty()).unwrap();
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.unwrap();
    let id =
        response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "a generated UUID: {id:?}");
    let request =
        Request::get("/healthz").header("x-request-id", "client-chosen-id").body(Body::empty()).unwrap();
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.headers().get("x-request-id").unwrap(), "client-chosen-id");
}
