//! The GraphQL-over-HTTP rules `/graphql` keeps beyond what async-graphql-axum's extractor does
//! (listed in `src/http/graphql_http.rs`), a panicking operation, and GraphiQL opening
//! authenticated in development.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use clap::Parser;
use layers_dashboard::application::Application;
use serde_json::json;

use crate::http::{encode, post, send};
use crate::support::{PanicOn, TestApp};

const GRJ: &str = "application/graphql-response+json";

#[tokio::test]
async fn get_reads_operation_name() {
    let app = TestApp::new().await;
    let token = format!("Bearer {}", app.customer());
    let document = "query A { __typename } query B { viewer { organizationName } }";
    let uri = format!("/graphql?query={}&operationName=B", encode(document));
    let reply =
        send(&app, Method::GET, &uri, &[("accept", GRJ), ("authorization", &token)], Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert!(reply.body["data"]["viewer"]["organizationName"].is_string(), "{:#}", reply.body);
    assert!(reply.body["data"].get("__typename").is_none(), "operation B ran, not A: {:#}", reply.body);
}

#[tokio::test]
async fn a_missing_or_empty_query_is_400() {
    let app = TestApp::new().await;
    for body in [json!({}), json!({ "query": "" }), json!({ "query": "  \n " }), json!({ "variables": {} })] {
        for accept in [GRJ, "application/json"] {
            post(&app, Some(accept), body.clone()).await.assert_error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
        }
    }
    let token = format!("Bearer {}", app.customer());
    let reply =
        send(&app, Method::GET, "/graphql?variables=%7B%7D", &[("authorization", &token)], Body::empty())
            .await;
    reply.assert_error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
}

#[tokio::test]
async fn a_panicking_query_answers_500_internal() {
    let mut app = TestApp::new().await;
    PanicOn::field("viewer").install(&mut app);
    for accept in [GRJ, "application/json"] {
        let body = json!({ "query": "{ viewer { organizationName } }" });
        let token = format!("Bearer {}", app.customer());
        let headers = [("content-type", "application/json"), ("accept", accept), ("authorization", &token)];
        let reply = send(&app, Method::POST, "/graphql", &headers, body.to_string()).await;
        reply.assert_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL");
        assert_eq!(reply.body["errors"][0]["message"], "internal error", "{:#}", reply.body);
    }
    // The server still answers.
    let reply = post(&app, Some(GRJ), json!({ "query": "{ __typename }" })).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
}

#[tokio::test]
async fn graphiql_reads_a_token_from_its_fragment() {
    let app = TestApp::new().await;
    let request = axum::http::Request::builder().uri("/graphiql").body(Body::empty()).expect("request");
    let response = tower::ServiceExt::oneshot(layers_dashboard::app(app.state.clone()), request)
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.expect("body").to_bytes();
    let html = String::from_utf8_lossy(&bytes);
    assert!(html.contains(layers_dashboard::http::GRAPHIQL_TOKEN_SCRIPT), "the fragment script is served");
    let script = html.find("location.hash").expect("reads the fragment");
    let render = html.find("ReactDOM.createRoot").expect("renders GraphiQL");
    assert!(script < render, "the headers are set before GraphiQL renders");
    assert!(html.contains("defaultHeaders"));
}

fn development(dir: &tempfile::TempDir, args: &[&str]) -> layers_dashboard::config::Settings {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("dev.db").display());
    let mut argv = vec!["layers-dashboard", "--database-url", url.as_str(), "--listen", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    layers_dashboard::cli::Cli::try_parse_from(argv).expect("settings parse").settings
}

#[tokio::test]
async fn development_prints_a_graphiql_link_that_carries_the_dev_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = development(&dir, &[]);
    let app = Application::build(&settings).await.expect("starts");
    let lines = layers_dashboard::cli::startup_lines(&app, &settings).await.expect("lines");
    let link = lines[0].strip_prefix("GraphiQL: ").expect("the GraphiQL line first");
    let (url, token) = link.split_once("/graphiql#token=").expect("a token in the fragment");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(lines[1].ends_with(token), "the printed dev token: {lines:?}");
    let auth =
        layers_dashboard::http::authenticate_token(&app.state().services, &app.state().jwt, token).await;
    assert!(matches!(auth, layers_dashboard::graphql::RequestAuth::Authenticated(_)), "{auth:?}");

    let secret = "k3J9x-Qm2vR8pLw4Zt6Yc1Nb7Hs5Dg0F";
    let production = development(
        &dir,
        &[
            "--environment",
            "production",
            "--jwt-secret",
            secret,
            "--token-encryption-key",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "--graphiql",
            "on",
        ],
    );
    let app = Application::build(&production).await.expect("starts");
    let lines = layers_dashboard::cli::startup_lines(&app, &production).await.expect("lines");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with("/graphiql"), "no token in production: {lines:?}");
}
