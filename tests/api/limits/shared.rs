//! Limits that hold across instances: two instances on one PostgreSQL database (or one Redis)
//! share an organization's rate limits and its WebSocket cap; a closed connection frees its
//! slot everywhere; a crashed instance's connections stop counting; a failing store lets
//! requests through and is counted. PostgreSQL-only tests return at once on SQLite; the Redis
//! test returns at once when nothing answers on 127.0.0.1:6379.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{StatusCode, header};
use layers_dashboard::config::limits::{LimitStore, LimitsConfig};
use layers_dashboard::events::EventBus;
use layers_dashboard::ws::{SharedConnections, WsConfig, WsHub};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use super::{limit, post_as};
use crate::support::{TestApp, postgres_url, serve_with, test_config};
use crate::ws::client::Client;

const VIEWER: &str = "{ viewer { actorType } }";
const REDIS: &str = "redis://127.0.0.1:6379";

/// The shared store's timeout in these tests: long enough that a busy test machine never fails
/// open where a test expects the store's answer.
const PATIENT: Duration = Duration::from_secs(10);

fn patient() -> LimitsConfig {
    LimitsConfig { timeout: PATIENT, ..LimitsConfig::default() }
}

fn viewer() -> Value {
    json!({ "query": VIEWER })
}

async fn admitted(app: &TestApp, token: &str) {
    let reply = post_as(app, Some(token), viewer()).await;
    assert_eq!(reply.body["data"]["viewer"]["actorType"], "CUSTOMER", "{:#}", reply.body);
}

async fn rate_limited(app: &TestApp, token: &str) {
    let reply = post_as(app, Some(token), viewer()).await;
    reply.assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    let retry_after: u64 =
        reply.headers[header::RETRY_AFTER].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=2).contains(&retry_after), "one request per second: {retry_after}");
}

/// Two instances with a 60-a-minute, 3-at-once limit per organization and 2 subscription
/// starts: on two pools of one PostgreSQL database, or on one database and one Redis.
async fn two_instances(store: Option<&str>) -> (TestApp, TestApp) {
    let mut config = test_config();
    config.schema.admission.per_organization = limit(60, 3);
    config.schema.admission.subscriptions = limit(60, 2);
    config.limits = patient();
    if let Some(url) = store {
        config.limits.store = LimitStore::Redis(url.to_owned());
    }
    let a = TestApp::new().await.with_config(&config);
    let b = match store {
        Some(_) => a.another_instance(&config),
        None => a.second_instance(EventBus::in_process()).await.with_config(&config),
    };
    (a, b)
}

/// The allowance spent on `a` is refused on `b`, for queries and for subscription starts apart.
async fn allowance_spent_on_one_is_refused_on_the_other(a: &TestApp, b: &TestApp) {
    let customer = a.customer();
    for _ in 0..3 {
        admitted(a, &customer).await;
    }
    // B has seen none of these requests: its own gate admits, the shared bucket refuses.
    rate_limited(b, &customer).await;
    // Another organization keeps its whole allowance on B.
    let (_, other) = b.other_org().await;
    admitted(b, &other).await;

    // Subscription starts have a shared bucket of their own, untouched by the queries above.
    let start = || async_graphql::Request::new("subscription { killSwitchEvents { kind } }");
    let auth = layers_dashboard::http::authenticate_token(b.services(), &b.state.jwt, &customer).await;
    for _ in 0..2 {
        let admitted = layers_dashboard::graphql::admit(&b.state.schema, &auth, &mut start()).await;
        assert!(admitted.is_ok(), "{admitted:?}");
    }
    let refused = layers_dashboard::graphql::admit(&a.state.schema, &auth, &mut start()).await;
    assert_eq!(refused.map_err(|refused| refused.code()), Err("RATE_LIMITED"));
}

#[tokio::test]
async fn two_instances_share_one_organizations_rate_limits_through_postgres() {
    if postgres_url().is_none() {
        return;
    }
    let (a, b) = two_instances(None).await;
    allowance_spent_on_one_is_refused_on_the_other(&a, &b).await;
}

#[tokio::test]
async fn two_instances_share_one_organizations_rate_limits_through_redis() {
    if tokio::net::TcpStream::connect("127.0.0.1:6379").await.is_err() {
        eprintln!("no Redis on 127.0.0.1:6379: skipped");
        return;
    }
    let (a, b) = two_instances(Some(REDIS)).await;
    allowance_spent_on_one_is_refused_on_the_other(&a, &b).await;
}

/// The sum of `layers_rate_limit_store_failures_total` for `store`, every reason.
fn store_failures(store: &str) -> f64 {
    let body = layers_dashboard::telemetry::render(0, 0).expect("metrics recorder");
    let prefix = format!("layers_rate_limit_store_failures_total{{store=\"{store}\"");
    body.lines()
        .filter(|line| line.starts_with(&prefix))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// With its store failing, an instance lets requests through, counts each in the metric, and
/// its in-process gate still holds it to the quota.
async fn fails_open(app: &TestApp, store: &str) {
    layers_dashboard::telemetry::install();
    let before = store_failures(store);
    let customer = app.customer();
    for _ in 0..3 {
        admitted(app, &customer).await;
    }
    let counted = store_failures(store) - before;
    assert!(counted >= 3.0, "every request let through is counted: {counted}");
    rate_limited(app, &customer).await;
}

#[tokio::test]
async fn a_redis_store_that_cannot_be_reached_lets_requests_through_and_is_counted() {
    let mut config = test_config();
    config.schema.admission.per_organization = limit(60, 3);
    // Nothing listens on port 1.
    config.limits.store = LimitStore::Redis("redis://127.0.0.1:1".to_owned());
    let app = TestApp::new().await.with_config(&config);
    fails_open(&app, "redis").await;
}

#[tokio::test]
async fn a_failing_postgres_store_lets_requests_through_and_is_counted() {
    if postgres_url().is_none() {
        return;
    }
    let mut config = test_config();
    config.schema.admission.per_organization = limit(60, 3);
    let app = TestApp::new().await.with_config(&config);
    app.services().db.execute_unprepared("DROP TABLE limit_buckets").await.expect("drop the buckets");
    fails_open(&app, "postgres").await;
}

/// Serves `app` with a WebSocket cap of `max` per organization, shared with the other
/// instances of its database as instance `name`.
async fn shared_hub(app: &TestApp, name: &str, max: usize) -> (SocketAddr, WsHub) {
    let shared = SharedConnections::join(app.services().db.clone(), name, &patient())
        .await
        .expect("join the shared count");
    let hub = WsHub::shared(WsConfig { max_connections_per_org: max, ..WsConfig::default() }, shared);
    (serve_with(app, hub.clone()).await, hub)
}

async fn refused(address: SocketAddr, token: &str) {
    let mut client = Client::transport(address).await;
    let init =
        json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    client.send(init).await;
    assert_eq!(client.closed().await, (4403, "too many connections for this organization".to_owned()));
}

/// Connections `app`'s organization holds across instances, as `hub` counts them.
async fn held(hub: &WsHub, app: &TestApp) -> u64 {
    let shared = hub.shared_connections().expect("a shared hub");
    shared.organization_connections(app.org).await.expect("count")
}

async fn eventually_held(hub: &WsHub, app: &TestApp, expected: u64) {
    for _ in 0..200 {
        if held(hub, app).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the organization never held {expected} connection(s): {}", held(hub, app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_cap_counts_connections_on_both_instances() {
    if postgres_url().is_none() {
        return;
    }
    let a = TestApp::new().await;
    let b = a.second_instance(EventBus::in_process()).await;
    let (at_a, hub_a) = shared_hub(&a, "a", 2).await;
    let (at_b, _) = shared_hub(&b, "b", 2).await;
    let token = a.customer();
    let first = Client::ready(at_a, &token).await;
    let _second = Client::ready(at_b, &token).await;
    // One connection on each instance: the organization is at its cap on both.
    refused(at_a, &token).await;
    refused(at_b, &token).await;
    // Another organization is not affected.
    let (_, other) = a.other_org().await;
    Client::ready(at_b, &other).await;
    // A connection closed on A gives its slot back to B.
    first.close().await;
    eventually_held(&hub_a, &a, 1).await;
    let _third = Client::ready(at_b, &token).await;
    refused(at_a, &token).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_instances_connections_stop_counting_and_shutdown_removes_an_instances_rows() {
    if postgres_url().is_none() {
        return;
    }
    let a = TestApp::new().await;
    let b = a.second_instance(EventBus::in_process()).await;
    let (at_a, hub_a) = shared_hub(&a, "a", 1).await;
    let (at_b, hub_b) = shared_hub(&b, "b", 1).await;
    let token = a.customer();
    let _held_on_a = Client::ready(at_a, &token).await;
    refused(at_b, &token).await;

    // A stops heartbeating (it crashed): once its heartbeat is older than the expiry, its
    // connection no longer counts, and B's next heartbeat removes it.
    let instance_a = hub_a.shared_connections().expect("shared").instance();
    let stale = "UPDATE limit_instances SET heartbeat_at = now() - interval '1 hour' WHERE id = $1";
    let db = &a.services().db;
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, stale, [instance_a.into()]))
        .await
        .expect("age A's heartbeat");
    let _taken_on_b = Client::ready(at_b, &token).await;
    let shared_b = hub_b.shared_connections().expect("shared");
    shared_b.heartbeat().await.expect("heartbeat");
    let rows_of = "SELECT count(*) AS n FROM limit_ws_connections WHERE instance_id = $1";
    let count = |instance: uuid::Uuid| async move {
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, rows_of, [instance.into()]);
        let row = db.query_one_raw(statement).await.expect("count").expect("a row");
        row.try_get::<i64>("", "n").expect("n")
    };
    assert_eq!(count(instance_a).await, 0, "the silent instance's rows were removed");
    assert_eq!(held(&hub_b, &b).await, 1);

    // Shutdown: B leaves, and its rows go with it.
    shared_b.leave().await.expect("leave");
    assert_eq!(count(shared_b.instance()).await, 0);
    assert_eq!(held(&hub_b, &b).await, 0);
}
