//! Unit tests of the wire format and of forwarding into a full queue (the protocol over a real
//! socket is tested in `tests/api/ws.rs`).

#![allow(clippy::unwrap_used)]

use futures_util::stream;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::operation::{Closed, forward};
use super::protocol::{ClientMessage, MAX_CLOSE_REASON, Protocol, ServerMessage, close_reason, parse};
use super::writer::Frame;

fn reason(protocol: Protocol, text: &str) -> String {
    match parse(protocol, text) {
        Err(invalid) => invalid.reason,
        Ok(message) => panic!("{text} parsed as {message:?}"),
    }
}

#[test]
fn transport_messages_parse() {
    let init =
        parse(Protocol::Transport, r#"{"type":"connection_init","payload":{"authorization":"Bearer x"}}"#);
    assert!(matches!(init, Ok(ClientMessage::Init(payload)) if payload["authorization"] == "Bearer x"));
    assert!(matches!(
        parse(Protocol::Transport, r#"{"type":"connection_init"}"#),
        Ok(ClientMessage::Init(_))
    ));
    let subscribe =
        r#"{"id":"1","type":"subscribe","payload":{"query":"{ a }","variables":null,"operationName":"A"}}"#;
    match parse(Protocol::Transport, subscribe) {
        Ok(ClientMessage::Subscribe { id, request }) => {
            assert_eq!(id, "1");
            assert_eq!(request.query, "{ a }");
            assert_eq!(request.operation_name.as_deref(), Some("A"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse(Protocol::Transport, r#"{"id":"1","type":"complete"}"#),
        Ok(ClientMessage::Complete { .. })
    ));
    assert!(matches!(
        parse(Protocol::Transport, r#"{"type":"ping","payload":{"a":1}}"#),
        Ok(ClientMessage::Ping(Some(_)))
    ));
    assert!(matches!(parse(Protocol::Transport, r#"{"type":"pong"}"#), Ok(ClientMessage::Pong)));
}

#[test]
fn invalid_transport_messages_are_refused_with_a_reason() {
    let cases = [
        "not json",
        "[1]",
        r#"{"type":1}"#,
        r#"{"type":"start","id":"1","payload":{"query":"{ a }"}}"#,
        r#"{"type":"next","id":"1","payload":{}}"#,
        r#"{"type":"connection_init","payload":"token"}"#,
        r#"{"type":"subscribe","payload":{"query":"{ a }"}}"#,
        r#"{"type":"subscribe","id":"","payload":{"query":"{ a }"}}"#,
        r#"{"type":"subscribe","id":"1"}"#,
        r#"{"type":"subscribe","id":"1","payload":{"query":1}}"#,
        r#"{"type":"subscribe","id":"1","payload":{"query":"{ a }","variables":[]}}"#,
        r#"{"type":"subscribe","id":"1","payload":{"query":"{ a }","operationName":3}}"#,
        r#"{"type":"complete","id":7}"#,
        r#"{"type":"ping","payload":1}"#,
    ];
    for case in cases {
        let reason = reason(Protocol::Transport, case);
        assert!(!reason.is_empty() && reason.len() <= MAX_CLOSE_REASON, "{case}: {reason}");
    }
}

#[test]
fn legacy_messages_parse_and_transport_only_types_do_not() {
    let start = r#"{"id":"1","type":"start","payload":{"query":"{ a }"}}"#;
    assert!(matches!(parse(Protocol::Legacy, start), Ok(ClientMessage::Subscribe { .. })));
    assert!(matches!(
        parse(Protocol::Legacy, r#"{"id":"1","type":"stop"}"#),
        Ok(ClientMessage::Complete { .. })
    ));
    assert!(matches!(
        parse(Protocol::Legacy, r#"{"type":"connection_terminate"}"#),
        Ok(ClientMessage::Terminate)
    ));
    let invalid = parse(Protocol::Legacy, r#"{"id":"9","type":"subscribe","payload":{"query":"{ a }"}}"#);
    assert!(matches!(invalid, Err(error) if error.id.as_deref() == Some("9")));
    reason(Protocol::Legacy, r#"{"type":"ping"}"#);
}

#[test]
fn close_reasons_fit_a_control_frame_and_cut_on_a_char_boundary() {
    assert_eq!(close_reason("short"), "short");
    let long = "é".repeat(100);
    let cut = close_reason(&long);
    assert!(cut.len() <= MAX_CLOSE_REASON && long.starts_with(&cut), "{}", cut.len());
    assert_eq!(cut.len(), 122);
}

#[test]
fn server_messages_follow_each_protocol() {
    let response = async_graphql::Response::new(async_graphql::Value::Null);
    let next = |protocol| {
        serde_json::from_str::<Value>(&ServerMessage::Next { id: "1", response: &response }.encode(protocol))
            .unwrap()
    };
    assert_eq!(next(Protocol::Transport)["type"], "next");
    assert_eq!(next(Protocol::Legacy)["type"], "data");
    let keep_alive = |protocol| ServerMessage::KeepAlive.encode(protocol);
    assert_eq!(keep_alive(Protocol::Transport), json!({"type": "ping"}).to_string());
    assert_eq!(keep_alive(Protocol::Legacy), json!({"type": "ka"}).to_string());
    let resync: Value =
        serde_json::from_str(&ServerMessage::Resync { id: "7" }.encode(Protocol::Transport)).unwrap();
    assert_eq!(resync["payload"]["errors"][0]["extensions"]["code"], "RESYNC_REQUIRED");
}

fn text(frame: Frame) -> String {
    match frame {
        Frame::Text(text) => text,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_full_queue_drops_events_and_resyncs_once_there_is_room() {
    let (out, mut frames) = mpsc::channel(2);
    let items = stream::iter(1..=5);
    let forwarded =
        forward(items, &out, |n: &i32| Frame::Text(n.to_string()), || Frame::Text("resync".to_owned()));
    // Nobody reads while the five items arrive: two fit, the rest are dropped, and the resync
    // waits for room without blocking the stream.
    let reader = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mut seen = Vec::new();
        while let Some(frame) = frames.recv().await {
            seen.push(text(frame));
            if seen.len() == 3 {
                break;
            }
        }
        seen
    };
    let (result, seen) = tokio::join!(forwarded, reader);
    assert_eq!(result, Ok(()));
    assert_eq!(seen, ["1", "2", "resync"]);
}

#[tokio::test]
async fn forwarding_stops_when_the_connection_is_gone() {
    let (out, frames) = mpsc::channel(2);
    drop(frames);
    let result = forward(
        stream::iter(1..=3),
        &out,
        |n: &i32| Frame::Text(n.to_string()),
        || Frame::Text(String::new()),
    )
    .await;
    assert_eq!(result, Err(Closed));
}
