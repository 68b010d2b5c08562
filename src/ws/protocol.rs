//! The wire format of both subprotocols: parsing what clients send (strictly: a message of an
//! unknown type, or with a missing or ill-typed field, is invalid) and encoding what the server
//! sends. No I/O here.

use async_graphql::{Response, ServerError};
use serde_json::{Map, Value, json};

/// The `graphql-transport-ws` subprotocol (the `graphql-ws` npm client).
pub const TRANSPORT_WS: &str = "graphql-transport-ws";
/// The legacy `graphql-ws` subprotocol (subscriptions-transport-ws).
pub const LEGACY_WS: &str = "graphql-ws";

/// Which subprotocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// `graphql-transport-ws`.
    Transport,
    /// Legacy `graphql-ws`.
    Legacy,
}

impl Protocol {
    /// The protocol named `name` in `Sec-WebSocket-Protocol`.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            TRANSPORT_WS => Some(Protocol::Transport),
            LEGACY_WS => Some(Protocol::Legacy),
            _ => None,
        }
    }
}

/// A message from the client.
#[derive(Debug)]
pub(crate) enum ClientMessage {
    /// `connection_init`, with its payload (an object, or none).
    Init(Map<String, Value>),
    /// `subscribe` (`start` in legacy): run an operation under `id`.
    Subscribe { id: String, request: Box<async_graphql::Request> },
    /// `complete` (`stop` in legacy): the client stops listening to `id`.
    Complete { id: String },
    /// `ping`, with its payload (graphql-transport-ws only).
    Ping(Option<Value>),
    /// `pong` (graphql-transport-ws only).
    Pong,
    /// `connection_terminate` (legacy only).
    Terminate,
}

/// Why a client message is invalid (short: it becomes a close reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// What was wrong.
    pub(crate) reason: String,
    /// The message's `id`, when it had a readable one.
    pub(crate) id: Option<String>,
}

fn invalid(reason: impl Into<String>) -> Invalid {
    Invalid { reason: reason.into(), id: None }
}

/// Parses one text frame spoken in `protocol`.
pub(crate) fn parse(protocol: Protocol, text: &str) -> Result<ClientMessage, Invalid> {
    let value: Value =
        serde_json::from_str(text).map_err(|_| invalid("Invalid message received: not JSON"))?;
    let Value::Object(mut message) = value else {
        return Err(invalid("Invalid message received: not an object"));
    };
    let kind = match message.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        _ => return Err(invalid("Invalid message received: \"type\" must be a string")),
    };
    let id = message.get("id").and_then(Value::as_str).map(str::to_owned);
    parse_kind(protocol, &kind, &mut message).map_err(|error| Invalid { id, ..error })
}

fn parse_kind(
    protocol: Protocol,
    kind: &str,
    message: &mut Map<String, Value>,
) -> Result<ClientMessage, Invalid> {
    use Protocol::{Legacy, Transport};
    match (protocol, kind) {
        (_, "connection_init") => {
            Ok(ClientMessage::Init(optional_object(message, "payload")?.unwrap_or_default()))
        }
        (Transport, "subscribe") | (Legacy, "start") => {
            let id = operation_id(message)?;
            let request = Box::new(request(message.remove("payload"))?);
            Ok(ClientMessage::Subscribe { id, request })
        }
        (Transport, "complete") | (Legacy, "stop") => {
            Ok(ClientMessage::Complete { id: operation_id(message)? })
        }
        (Transport, "ping") => {
            Ok(ClientMessage::Ping(optional_object(message, "payload")?.map(Value::Object)))
        }
        (Transport, "pong") => optional_object(message, "payload").map(|_| ClientMessage::Pong),
        (Legacy, "connection_terminate") => Ok(ClientMessage::Terminate),
        _ => Err(invalid(format!("Unexpected message of type {kind} received"))),
    }
}

/// The message's `id`: a non-empty string.
fn operation_id(message: &Map<String, Value>) -> Result<String, Invalid> {
    match message.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Value::String(_)) => Err(invalid("\"id\" property must not be empty")),
        _ => Err(invalid("\"id\" property must be a string")),
    }
}

/// Field `name` of `message`: an object, or absent / null.
fn optional_object(message: &Map<String, Value>, name: &str) -> Result<Option<Map<String, Value>>, Invalid> {
    match message.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object.clone())),
        Some(_) => Err(invalid(format!("\"{name}\" property must be an object"))),
    }
}

/// A `subscribe` payload: `query` a string; `operationName` a string, `variables` and
/// `extensions` objects, each optional (absent or null).
fn request(payload: Option<Value>) -> Result<async_graphql::Request, Invalid> {
    let Some(Value::Object(mut payload)) = payload else {
        return Err(invalid("\"payload\" property must be an object"));
    };
    if !matches!(payload.get("query"), Some(Value::String(_))) {
        return Err(invalid("\"query\" property must be a string"));
    }
    check_optional(&payload, "operationName", Value::is_string, "a string")?;
    check_optional(&payload, "variables", Value::is_object, "an object")?;
    check_optional(&payload, "extensions", Value::is_object, "an object")?;
    payload.retain(|_, value| !value.is_null());
    serde_json::from_value(Value::Object(payload))
        .map_err(|_| invalid("\"payload\" is not a GraphQL request"))
}

fn check_optional(
    payload: &Map<String, Value>,
    name: &str,
    ok: fn(&Value) -> bool,
    what: &str,
) -> Result<(), Invalid> {
    match payload.get(name) {
        Some(value) if !value.is_null() && !ok(value) => {
            Err(invalid(format!("\"{name}\" property must be {what}")))
        }
        _ => Ok(()),
    }
}

/// A message from the server, encoded for one protocol.
#[derive(Debug)]
pub(crate) enum ServerMessage<'a> {
    /// `connection_ack`.
    Ack,
    /// Legacy `connection_error`, with a message.
    ConnectionError(&'a str),
    /// One result: `next` (`data` in legacy).
    Next { id: &'a str, response: &'a Response },
    /// The operation failed and is over: `error`, with its errors.
    Error { id: &'a str, errors: &'a [ServerError] },
    /// The operation is over: `complete`.
    Complete { id: &'a str },
    /// Messages were dropped for the operation: a `next` with a `RESYNC_REQUIRED` error.
    Resync { id: &'a str },
    /// `pong`, echoing the ping's payload.
    Pong(Option<&'a Value>),
    /// The server's keep-alive: `ping` (`ka` in legacy).
    KeepAlive,
}

impl ServerMessage<'_> {
    /// The JSON text of this message in `protocol`.
    pub(crate) fn encode(&self, protocol: Protocol) -> String {
        let legacy = protocol == Protocol::Legacy;
        let next = if legacy { "data" } else { "next" };
        let value = match self {
            ServerMessage::Ack => json!({ "type": "connection_ack" }),
            ServerMessage::ConnectionError(message) => {
                json!({ "type": "connection_error", "payload": { "message": message } })
            }
            ServerMessage::Next { id, response } => json!({ "id": id, "type": next, "payload": response }),
            // An empty id only comes from a legacy message too broken to have one: left out.
            ServerMessage::Error { id: "", errors } => json!({ "type": "error", "payload": errors }),
            ServerMessage::Error { id, errors } => json!({ "id": id, "type": "error", "payload": errors }),
            ServerMessage::Complete { id } => json!({ "id": id, "type": "complete" }),
            ServerMessage::Resync { id } => json!({ "id": id, "type": next, "payload": { "errors": [{
                "message": "messages were dropped because the connection is slow: re-read state",
                "extensions": { "code": "RESYNC_REQUIRED" },
            }] } }),
            ServerMessage::Pong(Some(payload)) => json!({ "type": "pong", "payload": payload }),
            ServerMessage::Pong(None) => json!({ "type": "pong" }),
            ServerMessage::KeepAlive if legacy => json!({ "type": "ka" }),
            ServerMessage::KeepAlive => json!({ "type": "ping" }),
        };
        value.to_string()
    }
}

/// An error message with `code` in `extensions`, as a GraphQL error.
pub(crate) fn coded_error(message: &str, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    error
}

/// The longest close reason that fits a control frame (125 bytes, 2 of them the code).
pub(crate) const MAX_CLOSE_REASON: usize = 123;

/// `reason`, cut on a character boundary to at most [`MAX_CLOSE_REASON`] bytes.
pub(crate) fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(MAX_CLOSE_REASON);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}
