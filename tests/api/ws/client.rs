//! A raw-frame WebSocket client for the protocol tests: sends JSON messages as text frames and
//! reads back text messages and close frames, each within a deadline.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Message, protocol::CloseFrame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any expected message may take.
const DEADLINE: Duration = Duration::from_secs(10);

/// One client connection.
pub struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The subprotocol the server selected, if any.
    pub protocol: Option<String>,
}

impl Client {
    /// Connects to `/graphql` at `address`, offering `protocols` (comma-separated; none: no header).
    pub async fn connect(address: SocketAddr, protocols: Option<&str>) -> Client {
        let mut request = format!("ws://{address}/graphql").into_client_request().expect("request");
        if let Some(protocols) = protocols {
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_str(protocols).expect("header"));
        }
        let (socket, response) =
            tokio_tungstenite::connect_async(request).await.expect("WebSocket handshake");
        let protocol = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .map(|value| value.to_str().expect("protocol header").to_owned());
        Client { socket, protocol }
    }

    /// Connects speaking graphql-transport-ws.
    pub async fn transport(address: SocketAddr) -> Client {
        Client::connect(address, Some("graphql-transport-ws")).await
    }

    /// Connects speaking graphql-transport-ws and completes `connection_init` with `token`.
    pub async fn ready(address: SocketAddr, token: &str) -> Client {
        let mut client = Client::transport(address).await;
        client.init(token).await;
        client
    }

    /// Sends `connection_init` with `token` and expects `connection_ack`.
    pub async fn init(&mut self, token: &str) {
        self.send(
            json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }),
        )
        .await;
        let ack = self.recv().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
    }

    /// Sends `message` as a text frame.
    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    /// Sends `text` as a text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.socket.send(Message::text(text)).await.expect("send");
    }

    /// Subscribes `query` under `id` (graphql-transport-ws).
    pub async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } })).await;
    }

    /// The next text message, as JSON; panics on a close frame or after the deadline.
    pub async fn recv(&mut self) -> Value {
        match self.next_text(DEADLINE).await {
            Some(Ok(value)) => value,
            Some(Err(close)) => panic!("expected a message, the server closed: {close:?}"),
            None => panic!("no message within {DEADLINE:?}"),
        }
    }

    /// The close frame's code and reason; panics on a text message first or after the deadline.
    pub async fn closed(&mut self) -> (u16, String) {
        match self.next_text(DEADLINE).await {
            Some(Err(Some(frame))) => (u16::from(frame.code), frame.reason.as_str().to_owned()),
            Some(Err(None)) => panic!("closed without a close frame"),
            Some(Ok(message)) => panic!("expected a close frame, got {message}"),
            None => panic!("no close frame within {DEADLINE:?}"),
        }
    }

    /// Waits for the server to end the connection (with or without a close frame), ignoring
    /// nothing: a text message first panics.
    pub async fn ended(&mut self) {
        match self.next_text(DEADLINE).await {
            Some(Err(_)) => {}
            Some(Ok(message)) => panic!("expected the end of the connection, got {message}"),
            None => panic!("the connection did not end within {DEADLINE:?}"),
        }
    }

    /// Every text message arriving within `wait` (stops at a close frame).
    pub async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let until = tokio::time::Instant::now() + wait;
        let mut messages = Vec::new();
        while let Some(Ok(message)) = self.next_text(until - tokio::time::Instant::now()).await {
            messages.push(message);
        }
        messages
    }

    /// Sends a `ping` with `payload` and returns the next message, which must be its `pong`:
    /// everything the server queued before it has been read.
    pub async fn round_trip(&mut self, payload: Value) -> Value {
        self.send(json!({ "type": "ping", "payload": payload })).await;
        let pong = self.recv().await;
        assert_eq!(pong, json!({ "type": "pong", "payload": payload }), "expected the pong");
        pong
    }

    /// Closes the connection from the client side.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    /// The next text message (`Ok`) or close frame (`Err`), skipping WebSocket pings and pongs;
    /// `None` after `wait`.
    async fn next_text(&mut self, wait: Duration) -> Option<Result<Value, Option<CloseFrame>>> {
        let read = async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        return Ok(serde_json::from_str(text.as_str()).expect("a JSON message"));
                    }
                    Some(Ok(Message::Close(frame))) => return Err(frame),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(other)) => panic!("unexpected frame {other:?}"),
                    // A reset or a broken frame: the connection is over, without a close frame.
                    Some(Err(_)) | None => return Err(None),
                }
            }
        };
        tokio::time::timeout(wait, read).await.ok()
    }
}
