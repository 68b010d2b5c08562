//! The legacy `graphql-ws` protocol (subscriptions-transport-ws): its happy path, a refused
//! token, and mistakes answered with `error` on a connection that stays open.

use std::time::Duration;

use serde_json::json;

use super::client::Client;
use super::{KILL_SWITCH, VIEWER, eventually, served, until_live};
use crate::support::{TestApp, serve, set_kill_switch};
use layers_dashboard::ws::WsConfig;

#[tokio::test]
async fn the_legacy_protocol_acks_streams_data_stops_and_terminates() {
    let app = TestApp::new().await;
    let config = WsConfig { keep_alive: Duration::from_secs(60), ..WsConfig::default() };
    let (address, hub) = served(&app, config).await;
    let mut client = Client::connect(address, Some("graphql-ws")).await;
    let token = format!("Bearer {}", app.customer());
    client.send(json!({ "type": "connection_init", "payload": { "authorization": token } })).await;
    assert_eq!(client.recv().await, json!({ "type": "connection_ack" }));
    assert_eq!(client.recv().await, json!({ "type": "ka" }));

    client.send(json!({ "id": "q", "type": "start", "payload": { "query": VIEWER } })).await;
    let data = client.recv().await;
    assert_eq!((&data["type"], &data["id"]), (&json!("data"), &json!("q")), "{data}");
    assert_eq!(data["payload"]["data"]["viewer"]["actorType"], "CUSTOMER");
    assert_eq!(client.recv().await, json!({ "id": "q", "type": "complete" }));

    client.send(json!({ "id": "v", "type": "start", "payload": { "query": "subscription { nope }" } })).await;
    let error = client.recv().await;
    assert_eq!((&error["type"], &error["id"]), (&json!("error"), &json!("v")), "{error}");

    client.send(json!({ "id": "k", "type": "start", "payload": { "query": KILL_SWITCH } })).await;
    until_live(&app, &mut client, "k").await;
    set_kill_switch(&app, "META", true).await;
    let event = loop {
        let data = client.recv().await;
        assert_eq!((&data["type"], &data["id"]), (&json!("data"), &json!("k")), "{data}");
        if data["payload"]["data"]["killSwitchEvents"]["kind"] != "RESYNC" {
            break data;
        }
    };
    assert_eq!(event["payload"]["data"]["killSwitchEvents"]["kind"], "TRIPPED");
    client.send(json!({ "id": "k", "type": "stop" })).await;
    eventually("stopped", || hub.active_subscriptions() == 0).await;

    client.send(json!({ "type": "connection_terminate" })).await;
    assert_eq!(client.closed().await.0, 1000);
}

#[tokio::test]
async fn the_legacy_protocol_refuses_a_bad_token_with_connection_error() {
    let app = TestApp::new().await;
    let mut client = Client::connect(serve(&app).await, Some("graphql-ws")).await;
    client.send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer nope" } })).await;
    let refused = client.recv().await;
    assert_eq!(refused["type"], "connection_error", "{refused}");
    assert_eq!(client.closed().await.0, 4403);
}

#[tokio::test]
async fn the_legacy_protocol_answers_mistakes_with_error_and_stays_open() {
    let app = TestApp::new().await;
    let mut client = Client::connect(serve(&app).await, Some("graphql-ws")).await;
    client.send(json!({ "id": "1", "type": "start", "payload": { "query": VIEWER } })).await;
    let early = client.recv().await;
    assert_eq!((&early["type"], &early["id"]), (&json!("error"), &json!("1")), "{early}");
    assert_eq!(early["payload"][0]["extensions"]["code"], "UNAUTHENTICATED", "{early}");
    client.send_text("not json").await;
    let unreadable = client.recv().await;
    assert_eq!(unreadable["type"], "error", "{unreadable}");
    assert!(unreadable.get("id").is_none(), "{unreadable}");
    client.send(json!({ "id": "2", "type": "subscribe", "payload": { "query": VIEWER } })).await;
    let unknown = client.recv().await;
    assert_eq!((&unknown["type"], &unknown["id"]), (&json!("error"), &json!("2")), "{unknown}");
    assert_eq!(unknown["payload"][0]["extensions"]["code"], "BAD_REQUEST", "{unknown}");
    let token = format!("Bearer {}", app.customer());
    client.send(json!({ "type": "connection_init", "payload": { "authorization": token } })).await;
    assert_eq!(client.recv().await, json!({ "type": "connection_ack" }));
}
