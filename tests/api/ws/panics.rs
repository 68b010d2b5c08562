//! An operation whose resolver panics ends alone: one `error` message for its id carrying one
//! `INTERNAL` error (graphql-transport-ws: `error` reports errors before or during execution and
//! ends the operation), on both protocols, and the connection and its other operations go on.

use std::time::Duration;

use serde_json::{Value, json};

use super::client::Client;
use super::{KILL_SWITCH, VIEWER, eventually, served, until_live};
use crate::support::{PanicOn, TestApp, set_kill_switch};
use layers_dashboard::ws::WsConfig;

/// Starts `query` under `id`, in `protocol`'s words.
async fn start(client: &mut Client, protocol: &str, id: &str, query: &str) {
    let kind = if protocol == "graphql-ws" { "start" } else { "subscribe" };
    client.send(json!({ "id": id, "type": kind, "payload": { "query": query } })).await;
}

/// The next message for operation `id`, skipping the other operations' messages.
async fn next_for(client: &mut Client, id: &str) -> Value {
    loop {
        let message = client.recv().await;
        if message["id"] == id {
            return message;
        }
    }
}

/// Asserts `message` is the one `error` of operation `id`: one `INTERNAL` error, nothing of the panic.
fn assert_internal_error(message: &Value, id: &str) {
    assert_eq!(
        message,
        &json!({
            "id": id,
            "type": "error",
            "payload": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }],
        }),
    );
}

#[tokio::test]
async fn a_panicking_query_gets_one_internal_error_and_the_connection_goes_on() {
    let mut app = TestApp::new().await;
    PanicOn::field("organizationName").install(&mut app);
    let (address, hub) =
        served(&app, WsConfig { keep_alive: Duration::from_secs(60), ..WsConfig::default() }).await;
    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        let mut client = Client::connect(address, Some(protocol)).await;
        client.init(&app.customer()).await;
        if protocol == "graphql-ws" {
            assert_eq!(client.recv().await, json!({ "type": "ka" }));
        }
        start(&mut client, protocol, "k", KILL_SWITCH).await;
        until_live(&app, &mut client, "k").await;

        start(&mut client, protocol, "q", "{ viewer { organizationName } }").await;
        assert_internal_error(&next_for(&mut client, "q").await, "q");
        // The id is free again, and a query that does not panic answers as usual.
        start(&mut client, protocol, "q", VIEWER).await;
        let answer = next_for(&mut client, "q").await;
        assert_eq!(answer["payload"]["data"]["viewer"]["actorType"], "CUSTOMER", "{answer}");
        assert_eq!(next_for(&mut client, "q").await, json!({ "id": "q", "type": "complete" }));

        // The subscription next to it still streams.
        let tripped = protocol == "graphql-transport-ws";
        set_kill_switch(&app, "META", tripped).await;
        let event = loop {
            let message = next_for(&mut client, "k").await;
            let event = message["payload"]["data"]["killSwitchEvents"].clone();
            if event["kind"] != "RESYNC" {
                break event;
            }
        };
        assert_eq!(event["kind"], if tripped { "TRIPPED" } else { "RELEASED" }, "{event}");
        client.close().await;
        eventually("the connection was dropped", || hub.open_connections() == 0).await;
    }
}

#[tokio::test]
async fn a_subscription_panicking_on_an_event_ends_with_one_internal_error_and_the_others_go_on() {
    let mut app = TestApp::new().await;
    PanicOn::value("kind", "TRIPPED").install(&mut app);
    let (address, hub) = served(&app, WsConfig::default()).await;
    let mut client = Client::ready(address, &app.customer()).await;
    client.subscribe("k", KILL_SWITCH).await;
    client.subscribe("a", "subscription { auditEvents(platform: META) { event } }").await;
    until_live(&app, &mut client, "k").await;
    until_live(&app, &mut client, "a").await;
    // Events before the one it panics on are delivered.
    app.services().events.resync();
    assert_eq!(kill_switch_event_or_resync(&mut client).await["kind"], "RESYNC");
    client.drain(Duration::from_millis(300)).await;

    set_kill_switch(&app, "META", true).await;
    let messages = client.drain(Duration::from_secs(2)).await;
    let of = |id: &str| messages.iter().filter(|m| m["id"] == id).cloned().collect::<Vec<_>>();
    let panicked = of("k");
    assert_eq!(panicked.len(), 1, "one message, then nothing: {messages:#?}");
    assert_internal_error(&panicked[0], "k");
    let audit = of("a");
    assert_eq!(audit.len(), 1, "{messages:#?}");
    assert_eq!(audit[0]["payload"]["data"]["auditEvents"]["event"], "kill_switch.tripped", "{messages:#?}");

    eventually("the panicked operation is gone", || hub.active_subscriptions() == 1).await;
    client.round_trip(json!({ "still": "open" })).await;
    // The other subscription goes on.
    set_kill_switch(&app, "META", false).await;
    let next = next_for(&mut client, "a").await;
    assert_eq!(next["payload"]["data"]["auditEvents"]["event"], "kill_switch.released", "{next}");
    // And the panicked id can subscribe again.
    client.subscribe("k", KILL_SWITCH).await;
    until_live(&app, &mut client, "k").await;
    assert_eq!(hub.active_subscriptions(), 2);
}

/// The next kill switch event of operation `k`, `RESYNC` included.
async fn kill_switch_event_or_resync(client: &mut Client) -> Value {
    next_for(client, "k").await["payload"]["data"]["killSwitchEvents"].clone()
}
