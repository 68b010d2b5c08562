//! GraphQL over WebSocket against a served instance, with raw frames: every rule of
//! graphql-transport-ws (PROTOCOL.md), the caps, real events, tenancy and the legacy protocol.

pub mod client;
mod legacy;
mod panics;
mod shared;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use layers_dashboard::domain::Scope;
use layers_dashboard::ws::{WsConfig, WsHub};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{TestApp, serve, serve_with, set_kill_switch};
use client::Client;

const KILL_SWITCH: &str =
    "subscription { killSwitchEvents(platform: META) { kind layer { platform killSwitchActive } } }";
const VIEWER: &str = "{ viewer { organizationId actorType } }";

/// Serves `app` with `config`, returning the address and the hub whose counters it updates.
async fn served(app: &TestApp, config: WsConfig) -> (SocketAddr, WsHub) {
    let hub = WsHub::new(config);
    (serve_with(app, hub.clone()).await, hub)
}

/// Waits until `client`'s operation `id` receives bus messages: asks the bus to resync until a
/// message for `id` arrives (subscribing completes asynchronously after the `subscribe`
/// message), then reads the resyncs that were still on their way.
async fn until_live(app: &TestApp, client: &mut Client, id: &str) {
    for _ in 0..100 {
        app.services().events.resync();
        let messages = client.drain(Duration::from_millis(100)).await;
        if messages.iter().any(|message| message["id"] == id) {
            client.drain(Duration::from_millis(300)).await;
            return;
        }
    }
    panic!("subscription {id} never received a message");
}

/// The next kill switch event of `id` other than `RESYNC`.
async fn kill_switch_event(client: &mut Client, id: &str) -> Value {
    loop {
        let message = client.recv().await;
        assert_eq!(message["id"], id, "{message}");
        assert_eq!(message["type"], "next", "{message}");
        let event = &message["payload"]["data"]["killSwitchEvents"];
        if event["kind"] != "RESYNC" {
            return event.clone();
        }
    }
}

/// Waits until `condition` holds (the server cleans up after a close asynchronously).
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never: {what}");
}

#[tokio::test]
async fn a_valid_token_is_acknowledged_and_a_query_answers_next_then_complete() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    let partner = app.partner(&[Scope::AdsRead]).await;
    for (token, actor) in [(app.customer(), "CUSTOMER"), (partner, "PARTNER")] {
        let mut client = Client::ready(address, &token).await;
        assert_eq!(client.protocol.as_deref(), Some("graphql-transport-ws"));
        client.subscribe("q", VIEWER).await;
        let next = client.recv().await;
        assert_eq!(next["type"], "next", "{next}");
        assert_eq!(next["id"], "q");
        assert_eq!(next["payload"]["data"]["viewer"]["actorType"], actor, "{next}");
        assert_eq!(client.recv().await, json!({ "id": "q", "type": "complete" }));
    }
}

#[tokio::test]
async fn the_uppercase_authorization_key_is_accepted_too() {
    let app = TestApp::new().await;
    let mut client = Client::transport(serve(&app).await).await;
    let payload = json!({ "Authorization": format!("Bearer {}", app.customer()) });
    client.send(json!({ "type": "connection_init", "payload": payload })).await;
    assert_eq!(client.recv().await["type"], "connection_ack");
}

#[tokio::test]
async fn a_missing_or_rejected_token_closes_4403() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    let other_secret = layers_dashboard::auth::JwtKeys::from_secret(&layers_dashboard::auth::Secret::from(
        "another-secret-that-is-long-enough-for-hs256".to_owned(),
    ));
    let forged = layers_dashboard::auth::mint_customer_token(
        &other_secret,
        app.org,
        "u",
        chrono::Utc::now().timestamp(),
        60,
    )
    .expect("token");
    let payloads = [
        None,
        Some(json!({})),
        Some(json!({ "authorization": 42 })),
        Some(json!({ "authorization": "Basic abc" })),
        Some(json!({ "authorization": format!("Bearer {forged}") })),
        Some(json!({ "authorization": "Bearer lyr_pk_unknown" })),
    ];
    for payload in payloads {
        let mut client = Client::transport(address).await;
        let mut init = json!({ "type": "connection_init" });
        if let Some(payload) = &payload {
            init["payload"] = payload.clone();
        }
        client.send(init).await;
        assert_eq!(client.closed().await, (4403, "Forbidden".to_owned()), "{payload:?}");
    }
}

#[tokio::test]
async fn no_connection_init_in_time_closes_4408() {
    let app = TestApp::new().await;
    let config = WsConfig { init_timeout: Duration::from_millis(200), ..WsConfig::default() };
    let (address, _) = served(&app, config).await;
    let mut client = Client::transport(address).await;
    // A ping is allowed before the init, and does not count as one.
    client.round_trip(json!({ "early": true })).await;
    assert_eq!(client.closed().await, (4408, "Connection initialisation timeout".to_owned()));
}

#[tokio::test]
async fn a_second_connection_init_closes_4429() {
    let app = TestApp::new().await;
    let mut client = Client::ready(serve(&app).await, &app.customer()).await;
    let token = format!("Bearer {}", app.customer());
    client.send(json!({ "type": "connection_init", "payload": { "authorization": token } })).await;
    assert_eq!(client.closed().await, (4429, "Too many initialisation requests".to_owned()));
}

#[tokio::test]
async fn subscribe_before_the_ack_closes_4401() {
    let app = TestApp::new().await;
    let mut client = Client::transport(serve(&app).await).await;
    client.subscribe("1", VIEWER).await;
    assert_eq!(client.closed().await, (4401, "Unauthorized".to_owned()));
}

#[tokio::test]
async fn a_duplicate_operation_id_closes_4409_with_a_legal_reason() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    for id in ["a".to_owned(), "é".repeat(200)] {
        let mut client = Client::ready(address, &app.customer()).await;
        client.subscribe(&id, KILL_SWITCH).await;
        client.subscribe(&id, KILL_SWITCH).await;
        let (code, reason) = client.closed().await;
        assert_eq!(code, 4409);
        assert!(reason.len() <= 123, "{} bytes", reason.len());
        assert!(format!("Subscriber for {id} already exists").starts_with(&reason), "{reason}");
    }
}

#[tokio::test]
async fn invalid_messages_close_4400_with_a_reason_that_fits_a_control_frame() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    let long_type = json!({ "type": "x".repeat(500) }).to_string();
    let cases = [
        "not json",
        "[]",
        r#"{"payload":{}}"#,
        r#"{"type":"start","id":"1","payload":{"query":"{ a }"}}"#,
        r#"{"type":"next","id":"1","payload":{}}"#,
        r#"{"type":"connection_init","payload":"token"}"#,
        r#"{"type":"subscribe","payload":{"query":"{ a }"}}"#,
        r#"{"type":"subscribe","id":"1","payload":{"query":7}}"#,
        r#"{"type":"complete"}"#,
        long_type.as_str(),
    ];
    for case in cases {
        let mut client = Client::ready(address, &app.customer()).await;
        client.send_text(case).await;
        let (code, reason) = client.closed().await;
        assert_eq!(code, 4400, "{case}: {reason}");
        assert!(!reason.is_empty() && reason.len() <= 123, "{case}: {} bytes", reason.len());
    }
}

#[tokio::test]
async fn an_operation_failing_validation_gets_one_error_message_and_nothing_else() {
    let app = TestApp::new().await;
    let mut client = Client::ready(serve(&app).await, &app.customer()).await;
    for (id, query) in [("v", "subscription { noSuchField }"), ("p", "subscription {")] {
        client.subscribe(id, query).await;
        let error = client.recv().await;
        assert_eq!(error["type"], "error", "{error}");
        assert_eq!(error["id"], id);
        let errors = error["payload"].as_array().expect("an array of errors");
        assert!(!errors.is_empty(), "{error}");
        assert!(errors.iter().all(|e| e["extensions"]["code"].is_string()), "{error}");
        // Nothing else for the id: the next message is the pong.
        client.round_trip(json!({ "after": id })).await;
    }
    // The id is free again once the error is out.
    client.subscribe("v", VIEWER).await;
    assert_eq!(client.recv().await["type"], "next");
}

#[tokio::test]
async fn the_clients_complete_stops_the_operation_and_is_not_echoed() {
    let app = TestApp::new().await;
    let (address, hub) = served(&app, WsConfig::default()).await;
    let mut client = Client::ready(address, &app.customer()).await;
    client.subscribe("k", KILL_SWITCH).await;
    until_live(&app, &mut client, "k").await;
    client.send(json!({ "id": "k", "type": "complete" })).await;
    client.round_trip(json!({ "n": 1 })).await;
    eventually("the operation stopped", || hub.active_subscriptions() == 0).await;
    set_kill_switch(&app, "META", true).await;
    let after = client.drain(Duration::from_millis(300)).await;
    assert!(after.is_empty(), "nothing after the client's complete: {after:?}");
    // The id can be used again.
    client.subscribe("k", KILL_SWITCH).await;
    client.round_trip(json!({ "n": 2 })).await;
}

#[tokio::test]
async fn ping_is_answered_with_pong_echoing_its_payload_and_pong_is_ignored() {
    let app = TestApp::new().await;
    let mut client = Client::ready(serve(&app).await, &app.customer()).await;
    client.send(json!({ "type": "pong", "payload": { "unsolicited": true } })).await;
    client.round_trip(json!({ "at": 1 })).await;
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.recv().await, json!({ "type": "pong" }));
}

#[tokio::test]
async fn idle_connections_get_server_pings() {
    let app = TestApp::new().await;
    let config = WsConfig { keep_alive: Duration::from_millis(100), ..WsConfig::default() };
    let (address, _) = served(&app, config).await;
    let mut client = Client::ready(address, &app.customer()).await;
    for _ in 0..2 {
        assert_eq!(client.recv().await, json!({ "type": "ping" }));
        client.send(json!({ "type": "pong" })).await;
    }
}

#[tokio::test]
async fn operations_per_connection_are_capped_and_the_connection_stays_open() {
    let app = TestApp::new().await;
    let (address, hub) = served(&app, WsConfig { max_operations: 2, ..WsConfig::default() }).await;
    let mut client = Client::ready(address, &app.customer()).await;
    client.subscribe("a", KILL_SWITCH).await;
    client.subscribe("b", KILL_SWITCH).await;
    client.subscribe("c", KILL_SWITCH).await;
    let refused = client.recv().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "c");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS", "{refused}");
    assert_eq!(hub.active_subscriptions(), 2);
    client.send(json!({ "id": "a", "type": "complete" })).await;
    client.round_trip(json!({})).await;
    client.subscribe("c", KILL_SWITCH).await;
    client.round_trip(json!({})).await;
    assert_eq!(hub.active_subscriptions(), 2);
}

#[tokio::test]
async fn connections_per_organization_are_capped_on_the_instance() {
    let app = TestApp::new().await;
    let (address, hub) = served(&app, WsConfig { max_connections_per_org: 2, ..WsConfig::default() }).await;
    let first = Client::ready(address, &app.customer()).await;
    let _second = Client::ready(address, &app.customer()).await;
    let mut third = Client::transport(address).await;
    third.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", app.customer()) } })).await;
    assert_eq!(third.closed().await, (4403, "too many connections for this organization".to_owned()));
    // Another organization is not affected.
    let (_, other) = app.other_org().await;
    Client::ready(address, &other).await;
    // A slot comes back when a connection closes.
    first.close().await;
    eventually("the slot was given back", || hub.organization_connections(app.org) == 1).await;
    Client::ready(address, &app.customer()).await;
}

#[tokio::test]
async fn kill_switch_events_reach_the_subscriber_and_only_its_organization() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    let mut mine = Client::ready(address, &app.customer()).await;
    mine.subscribe("mine", KILL_SWITCH).await;
    let (_, other_token) = app.other_org().await;
    let mut other = Client::ready(address, &other_token).await;
    other.subscribe("other", KILL_SWITCH).await;
    until_live(&app, &mut mine, "mine").await;
    until_live(&app, &mut other, "other").await;
    other.drain(Duration::from_millis(100)).await;

    set_kill_switch(&app, "META", true).await;
    let event = kill_switch_event(&mut mine, "mine").await;
    assert_eq!(
        event,
        json!({ "kind": "TRIPPED", "layer": { "platform": "META", "killSwitchActive": true } })
    );
    set_kill_switch(&app, "META", false).await;
    assert_eq!(kill_switch_event(&mut mine, "mine").await["kind"], "RELEASED");

    let seen = other.drain(Duration::from_millis(300)).await;
    assert!(seen.is_empty(), "another organization's subscriber saw {seen:?}");
}

#[tokio::test]
async fn closing_the_socket_drops_every_operation() {
    let app = TestApp::new().await;
    let (address, hub) = served(&app, WsConfig::default()).await;
    let mut client = Client::ready(address, &app.customer()).await;
    client.subscribe("a", KILL_SWITCH).await;
    client.subscribe("b", "subscription { auditEvents { verdictId } }").await;
    client.round_trip(json!({})).await;
    assert_eq!((hub.open_connections(), hub.active_subscriptions()), (1, 2));
    client.close().await;
    eventually("everything was dropped", || {
        (hub.open_connections(), hub.active_subscriptions(), hub.organization_connections(app.org))
            == (0, 0, 0)
    })
    .await;
}

#[tokio::test]
async fn subprotocols_are_negotiated_and_none_closes_4406() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    let both = Client::connect(address, Some("graphql-ws, graphql-transport-ws")).await;
    assert_eq!(both.protocol.as_deref(), Some("graphql-transport-ws"));
    let legacy = Client::connect(address, Some("graphql-ws")).await;
    assert_eq!(legacy.protocol.as_deref(), Some("graphql-ws"));
    let mut none = Client::connect(address, None).await;
    assert_eq!(none.closed().await, (4406, "Subprotocol not acceptable".to_owned()));
}

#[tokio::test]
async fn a_get_without_upgrade_still_serves_graphql_over_http() {
    let app = TestApp::new().await;
    let request = Request::get("/graphql?query=%7B__typename%7D")
        .header("authorization", format!("Bearer {}", app.customer()))
        .body(Body::empty())
        .expect("request");
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.expect("response");
    let body = response.into_body().collect().await.expect("body").to_bytes();
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

#[tokio::test]
async fn a_subscription_its_resolver_refuses_gets_the_error_as_next_then_complete() {
    // Not a failure before execution (the error has a path): as graphql-ws does for a
    // subscription whose source stream cannot be created, one `next` with the error, then `complete`.
    let app = TestApp::new().await;
    let no_scopes = app.partner(&[]).await;
    let mut client = Client::ready(serve(&app).await, &no_scopes).await;
    client.subscribe("k", KILL_SWITCH).await;
    let next = client.recv().await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["payload"]["data"], Value::Null, "{next}");
    assert_eq!(next["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{next}");
    assert_eq!(client.recv().await, json!({ "id": "k", "type": "complete" }));
}

#[tokio::test]
async fn a_message_over_the_size_limit_ends_the_connection() {
    let app = TestApp::new().await;
    let (address, hub) = served(&app, WsConfig { max_message_bytes: 1024, ..WsConfig::default() }).await;
    let mut client = Client::ready(address, &app.customer()).await;
    client.subscribe("big", &format!("{{ viewer {{ actorId }} }} # {}", "x".repeat(2048))).await;
    client.ended().await;
    eventually("the connection was dropped", || hub.open_connections() == 0).await;
}

#[tokio::test]
async fn graphiql_runs_subscriptions_over_the_same_path() {
    let app = TestApp::new().await;
    let request = Request::get("/graphiql").body(Body::empty()).expect("request");
    let response = layers_dashboard::app(app.state.clone()).oneshot(request).await.expect("response");
    let page = response.into_body().collect().await.expect("body").to_bytes();
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("subscriptionUrl: createUrl('/graphql', true)"), "{page}");
}

#[tokio::test]
async fn each_subscription_streams_its_events_over_one_socket() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let address = serve(&app).await;
    let mut client = Client::ready(address, &app.customer()).await;
    client.subscribe("p", "subscription { pendingActionEvents { kind pendingAction { kind } } }").await;
    client.subscribe("k", "subscription { killSwitchEvents { kind } }").await;
    client.subscribe("d", "subscription { writeDenied { event reason } }").await;
    client.subscribe("a", "subscription { auditEvents(platform: META) { event action } }").await;
    for id in ["p", "k", "d", "a"] {
        until_live(&app, &mut client, id).await;
    }

    let budget = "mutation($id: ID!) { updateCampaignBudget(input: { campaignId: $id, dailyBudgetCents: 6000 }) { verdict { decision } } }";
    app.ok(&app.customer(), budget, serde_json::json!({ "id": campaign })).await;
    set_kill_switch(&app, "META", true).await;
    app.ok(&app.customer(), budget, serde_json::json!({ "id": campaign })).await;

    let messages = client.drain(Duration::from_secs(2)).await;
    let data = |id: &str, field: &str| -> Vec<Value> {
        messages
            .iter()
            .filter(|m| m["id"] == id && m["type"] == "next")
            .map(|m| m["payload"]["data"][field].clone())
            .filter(|v| !v.is_null() && v["kind"] != "RESYNC")
            .collect()
    };
    let pending = data("p", "pendingActionEvents");
    assert_eq!(pending.len(), 1, "{messages:#?}");
    assert_eq!(pending[0]["kind"], "CREATED");
    assert_eq!(data("k", "killSwitchEvents")[0]["kind"], "TRIPPED");
    let denied = data("d", "writeDenied");
    assert_eq!(denied.len(), 1, "{messages:#?}");
    assert_eq!(denied[0]["reason"], "kill_switch_active");
    let audit: Vec<String> =
        data("a", "auditEvents").iter().map(|row| row["event"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(audit, ["ads.write.queued", "kill_switch.tripped", "ads.write.denied"], "{messages:#?}");
}

#[tokio::test]
async fn shutdown_closes_every_connection_with_1001_and_drains() {
    let app = TestApp::new().await;
    let (address, hub) = served(&app, WsConfig::default()).await;
    let mut subscribed = Client::ready(address, &app.customer()).await;
    subscribed.subscribe("k", KILL_SWITCH).await;
    until_live(&app, &mut subscribed, "k").await;
    let mut waiting = Client::transport(address).await;
    eventually("two connections open", || hub.open_connections() == 2).await;

    hub.shutdown();
    for client in [&mut subscribed, &mut waiting] {
        let (code, reason) = client.closed().await;
        assert_eq!((code, reason.as_str()), (1001, "Server shutting down"));
    }
    assert!(hub.drained(Duration::from_secs(5)).await, "every connection closed");
    assert_eq!(hub.active_subscriptions(), 0);

    let mut late = Client::transport(address).await;
    let (code, _) = late.closed().await;
    assert_eq!(code, 1001, "a connection opened during shutdown is closed at once");
}
