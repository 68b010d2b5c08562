//! Abuse limits through the real router: each query limit, the introspection policy, field
//! suggestions, the per-organization and per-partner-key rate limits, and the same limits on a
//! WebSocket operation. `shared`: the limits several instances share.

mod shared;

use std::num::NonZeroU32;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use layers_dashboard::domain::Scope;
use layers_dashboard::graphql::admission::{Introspection, RateLimit};
use serde_json::{Value, json};

use crate::http::{GRJ, Reply, encode, send};
use crate::support::{TestApp, test_config};

async fn post_as(app: &TestApp, token: Option<&str>, body: Value) -> Reply {
    let bearer = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![("content-type", "application/json"), ("accept", GRJ)];
    if let Some(bearer) = &bearer {
        headers.push(("authorization", bearer));
    }
    send(app, Method::POST, "/graphql", &headers, body.to_string()).await
}

async fn query(app: &TestApp, query: &str) -> Reply {
    post_as(app, Some(&app.customer()), json!({ "query": query })).await
}

fn aliases(n: usize) -> String {
    format!("{{ {} }}", (0..n).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" "))
}

#[tokio::test]
async fn each_query_limit_refuses_with_its_code_and_runs_nothing() {
    let app = TestApp::new().await;
    let deep = "{ viewer { organization { layers { campaigns { nodes { adSets { nodes { ads { nodes { id } } } } } } } } } }";
    let costly = "{ campaigns(first: 100) { nodes { adSets(first: 100) { nodes { id } } } } }";
    let directives = "{ __typename @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) }";
    let duplicated = format!("{{ {} }}", "__typename ".repeat(251));
    let tokens = format!("{{ __typename {} }}", "# padding\n".repeat(10) + &"id ".repeat(1_000));
    let big = format!("{{ __typename }} #{}", "x".repeat(33 * 1024));
    let circular = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let cases: [(&str, &str); 8] = [
        (&aliases(16), "TOO_MANY_ALIASES"),
        (deep, "QUERY_TOO_DEEP"),
        (costly, "QUERY_TOO_COSTLY"),
        (directives, "TOO_MANY_DIRECTIVES"),
        (&duplicated, "TOO_MANY_FIELDS"),
        (&tokens, "TOO_MANY_TOKENS"),
        (&big, "DOCUMENT_TOO_LARGE"),
        (circular, "INTROSPECTION_TOO_DEEP"),
    ];
    for (document, code) in cases {
        let reply = query(&app, document).await;
        reply.assert_error(StatusCode::BAD_REQUEST, code);
        assert!(reply.body.get("data").is_none(), "{code}: {:#}", reply.body);
    }
    // At the limits, the same shapes run.
    let reply = query(&app, &aliases(15)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(reply.body["data"]["a14"], "Query");
    // 50 campaigns × (1 + 9 ad sets × (1 + 5 ads × (1 + a creative))) = 5,000 objects: the limit.
    let page = "{ campaigns(first: 50) { edges { node { adSets(first: 9) { edges { node { ads(first: 5) { edges { node { creative { state } } } } } } } } } pageInfo { hasNextPage } } }";
    let reply = query(&app, page).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert!(reply.body["data"]["campaigns"]["edges"].is_array(), "{:#}", reply.body);
}

#[tokio::test]
async fn limits_are_configuration() {
    let mut config = test_config();
    config.schema.admission.limits.max_aliases = 2;
    config.schema.admission.limits.max_depth = 1;
    let app = TestApp::new().await.with_config(&config);
    query(&app, &aliases(3)).await.assert_error(StatusCode::BAD_REQUEST, "TOO_MANY_ALIASES");
    query(&app, "{ viewer { actorType } }").await.assert_error(StatusCode::BAD_REQUEST, "QUERY_TOO_DEEP");
    assert_eq!(query(&app, &aliases(2)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn introspection_can_be_on_for_everyone_or_off_for_everyone() {
    let schema = json!({ "query": "{ __schema { queryType { name } } }" });
    let mut config = test_config();
    config.schema.admission.introspection = Introspection::On;
    let open = TestApp::new().await.with_config(&config);
    let reply = post_as(&open, None, schema.clone()).await;
    assert_eq!(reply.body["data"]["__schema"]["queryType"]["name"], "Query", "{:#}", reply.body);

    config.schema.admission.introspection = Introspection::Off;
    let closed = TestApp::new().await.with_config(&config);
    let token = closed.customer();
    post_as(&closed, Some(&token), schema)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "INTROSPECTION_DISABLED");
    let via_fragment =
        json!({ "query": "{ ...F } fragment F on Query { __type(name: \"Campaign\") { name } }" });
    post_as(&closed, Some(&token), via_fragment)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "INTROSPECTION_DISABLED");
}

#[tokio::test]
async fn suggestions_can_be_switched_off() {
    let typo = "{ viewer { actorTyp } }";
    let app = TestApp::new().await;
    let message =
        query(&app, typo).await.body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("Did you mean"), "development suggests: {message}");
    let mut config = test_config();
    config.schema.suggestions = false;
    let app = app.with_config(&config);
    let reply = query(&app, typo).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "GRAPHQL_VALIDATION_FAILED");
    let message = reply.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("Did you mean") && !message.contains("actorType"), "{message}");
}

fn limit(per_minute: u32, burst: u32) -> Option<RateLimit> {
    Some(RateLimit {
        per_minute: NonZeroU32::new(per_minute).expect("non-zero"),
        burst: NonZeroU32::new(burst).expect("non-zero"),
    })
}

#[tokio::test]
async fn organizations_and_partner_keys_have_their_own_rate_limits() {
    let mut config = test_config();
    config.schema.admission.per_organization = limit(60, 3);
    config.schema.admission.per_partner_key = limit(60, 2);
    let app = TestApp::new().await.with_config(&config);
    let customer = app.customer();
    let key = app.partner(&[Scope::AdsRead]).await;
    let viewer = json!({ "query": "{ viewer { actorType } }" });
    for _ in 0..3 {
        let reply = post_as(&app, Some(&customer), viewer.clone()).await;
        assert_eq!(reply.body["data"]["viewer"]["actorType"], "CUSTOMER", "{:#}", reply.body);
    }
    let refused = post_as(&app, Some(&customer), viewer.clone()).await;
    refused.assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    let retry_after: u64 =
        refused.headers[header::RETRY_AFTER].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=2).contains(&retry_after), "one request per second: {retry_after}");

    // The partner's key has its own allowance, untouched by the customer's traffic...
    for _ in 0..2 {
        let reply = post_as(&app, Some(&key), viewer.clone()).await;
        assert_eq!(reply.body["data"]["viewer"]["actorType"], "PARTNER", "{:#}", reply.body);
    }
    post_as(&app, Some(&key), viewer.clone())
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    // ...and another organization's customers are not affected.
    let other = app.services().create_organization("Other").await.expect("organization").id;
    let reply = post_as(&app, Some(&app.token_for(other)), viewer.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);

    // GET counts too.
    let bearer = format!("Bearer {customer}");
    let uri = format!("/graphql?query={}", encode("{ __typename }"));
    let reply = send(&app, Method::GET, &uri, &[("authorization", &bearer)], Body::empty()).await;
    reply.assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
}

#[tokio::test]
async fn subscription_starts_have_a_bucket_of_their_own() {
    let mut config = test_config();
    config.schema.admission.per_organization = limit(60, 2);
    config.schema.admission.subscriptions = limit(60, 3);
    let app = TestApp::new().await.with_config(&config);
    let customer = app.customer();
    let viewer = json!({ "query": "{ viewer { actorType } }" });
    for _ in 0..2 {
        post_as(&app, Some(&customer), viewer.clone()).await;
    }
    post_as(&app, Some(&customer), viewer.clone())
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");

    let auth = layers_dashboard::http::authenticate_token(app.services(), &app.state.jwt, &customer).await;
    let start = || async_graphql::Request::new("subscription { killSwitchEvents { kind } }");
    for _ in 0..3 {
        let admitted = layers_dashboard::graphql::admit(&app.state.schema, &auth, &mut start()).await;
        assert!(admitted.is_ok(), "queries used up their bucket, not the subscriptions': {admitted:?}");
    }
    let refused = layers_dashboard::graphql::admit(&app.state.schema, &auth, &mut start()).await;
    assert_eq!(refused.map_err(|refused| refused.code()), Err("RATE_LIMITED"));
}
