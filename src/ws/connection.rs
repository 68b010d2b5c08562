//! One connection's state machine, in the task that reads the socket: authentication by
//! `connection_init`, operations started and stopped by id, and every close code of the
//! protocol. It never waits on the socket's writing side except through the bounded queue.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::Env;
use super::limits::OrgSlot;
use super::operation::{Operations, Start};
use super::protocol::{self, ClientMessage, Invalid, Protocol, ServerMessage};
use super::writer::{self, Frame, KeepAlive};
use crate::domain::Caller;
use crate::graphql::RequestAuth;

/// How long the final close frame may wait for room in the queue and the writer to finish.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What happens after a message.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    /// Keep reading.
    Continue,
    /// Close the connection with this code and reason.
    Close(u16, String),
    /// The client is gone, or closed the connection itself.
    Gone,
}

fn close(code: u16, reason: &str) -> Flow {
    Flow::Close(code, protocol::close_reason(reason))
}

/// An accepted `connection_init`.
struct Session {
    caller: Caller,
    _slot: OrgSlot,
}

/// The reader's state.
struct Connection {
    protocol: Protocol,
    env: Env,
    out: mpsc::Sender<Frame>,
    init_received: bool,
    session: Option<Session>,
    operations: Operations,
    generation: u64,
}

/// Serves one upgraded socket until it closes; `protocol` is the negotiated subprotocol.
pub(crate) async fn serve(socket: WebSocket, protocol: Option<Protocol>, env: Env) {
    let _counted = env.hub.connection();
    let config = env.hub.config().clone();
    let (sink, mut stream) = socket.split();
    let (out, frames) = mpsc::channel(config.outgoing_queue.max(1));
    let keep_alive = KeepAlive {
        interval: config.keep_alive,
        text: ServerMessage::KeepAlive.encode(protocol.unwrap_or(Protocol::Transport)),
    };
    let mut writer = tokio::spawn(writer::run(sink, frames, keep_alive));
    let flow = match protocol {
        None => close(4406, "Subprotocol not acceptable"),
        Some(protocol) => {
            let mut connection = Connection {
                protocol,
                env,
                out: out.clone(),
                init_received: false,
                session: None,
                operations: Operations::default(),
                generation: 0,
            };
            let flow = connection.read(&mut stream, config.init_timeout).await;
            connection.operations.stop_all();
            flow
        }
    };
    if let Flow::Close(code, reason) = flow {
        let _ = tokio::time::timeout(CLOSE_GRACE, out.send(Frame::Close { code, reason })).await;
    }
    drop(out);
    if tokio::time::timeout(CLOSE_GRACE, &mut writer).await.is_err() {
        writer.abort();
    }
}

impl Connection {
    /// Reads messages until the connection should end.
    async fn read(
        &mut self,
        stream: &mut futures_util::stream::SplitStream<WebSocket>,
        init_timeout: Duration,
    ) -> Flow {
        let init_deadline = tokio::time::sleep(init_timeout);
        let mut init_deadline = std::pin::pin!(init_deadline);
        loop {
            let flow = tokio::select! {
                message = stream.next() => match message {
                    // Boxed: a waiting connection holds only what waiting needs, not room for
                    // handling a message (authentication and the organization's slot among it).
                    Some(Ok(message)) => Box::pin(self.on_frame(message)).await,
                    Some(Err(_)) | None => Flow::Gone,
                },
                () = &mut init_deadline, if !self.init_received => close(4408, "Connection initialisation timeout"),
                () = self.out.closed() => Flow::Gone,
                () = self.env.hub.shutting_down() => close(1001, "Server shutting down"),
            };
            if flow != Flow::Continue {
                return flow;
            }
        }
    }

    async fn on_frame(&mut self, message: Message) -> Flow {
        let parsed = match &message {
            Message::Text(text) => protocol::parse(self.protocol, text.as_str()),
            Message::Binary(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => protocol::parse(self.protocol, text),
                Err(_) => Err(Invalid { reason: "Invalid message received: not UTF-8".to_owned(), id: None }),
            },
            Message::Close(_) => return Flow::Gone,
            // Answered by the WebSocket layer itself.
            Message::Ping(_) | Message::Pong(_) => return Flow::Continue,
        };
        match parsed {
            Ok(message) => self.on_message(message).await,
            Err(invalid) => self.on_invalid(invalid).await,
        }
    }

    /// An invalid message: graphql-transport-ws closes with 4400; legacy answers `error`, as
    /// subscriptions-transport-ws does, and stays open.
    async fn on_invalid(&mut self, invalid: Invalid) -> Flow {
        match self.protocol {
            Protocol::Transport => close(4400, &invalid.reason),
            Protocol::Legacy => {
                let id = invalid.id.as_deref().unwrap_or_default();
                self.send_error(id, &invalid.reason, "BAD_REQUEST").await
            }
        }
    }

    async fn on_message(&mut self, message: ClientMessage) -> Flow {
        match message {
            ClientMessage::Init(payload) => self.on_init(&payload).await,
            ClientMessage::Subscribe { id, request } => self.on_subscribe(id, *request).await,
            ClientMessage::Complete { id } => {
                // Stopped silently: the client does not get its `complete` echoed.
                self.operations.stop(&id);
                Flow::Continue
            }
            ClientMessage::Ping(payload) => self.send(ServerMessage::Pong(payload.as_ref())).await,
            ClientMessage::Pong => Flow::Continue,
            ClientMessage::Terminate => close(1000, "Normal closure"),
        }
    }

    /// `connection_init`: the token in `authorization` (or `Authorization`) must identify a
    /// caller, and the caller's organization must have a connection slot left.
    async fn on_init(&mut self, payload: &serde_json::Map<String, serde_json::Value>) -> Flow {
        if self.init_received {
            return close(4429, "Too many initialisation requests");
        }
        self.init_received = true;
        let header = payload.get("authorization").or_else(|| payload.get("Authorization"));
        let Some(token) = header.and_then(serde_json::Value::as_str).and_then(crate::auth::bearer_token)
        else {
            return self.refuse("Forbidden").await;
        };
        let caller = match crate::http::authenticate_token(&self.env.services, &self.env.jwt, token).await {
            RequestAuth::Authenticated(caller) => caller,
            RequestAuth::Unavailable => return close(4500, "Internal server error"),
            RequestAuth::Rejected(_) | RequestAuth::Anonymous => return self.refuse("Forbidden").await,
        };
        let Some(slot) = self.env.hub.claim_org_slot(caller.organization_id).await else {
            return self.refuse("too many connections for this organization").await;
        };
        self.session = Some(Session { caller, _slot: slot });
        if self.out.send(Frame::Ack(ServerMessage::Ack.encode(self.protocol))).await.is_err() {
            return Flow::Gone;
        }
        match self.protocol {
            // subscriptions-transport-ws clients start their keep-alive check on the first `ka`.
            Protocol::Legacy => self.send(ServerMessage::KeepAlive).await,
            Protocol::Transport => Flow::Continue,
        }
    }

    /// Refuses `connection_init`: close 4403 (after `connection_error` in legacy).
    async fn refuse(&mut self, reason: &str) -> Flow {
        if self.protocol == Protocol::Legacy
            && self.send(ServerMessage::ConnectionError(reason)).await == Flow::Gone
        {
            return Flow::Gone;
        }
        close(4403, reason)
    }

    async fn on_subscribe(&mut self, id: String, request: async_graphql::Request) -> Flow {
        let legacy = self.protocol == Protocol::Legacy;
        let Some(session) = &self.session else {
            if legacy {
                return self.send_error(&id, "send connection_init first", "UNAUTHENTICATED").await;
            }
            return close(4401, "Unauthorized");
        };
        if self.operations.contains(&id) {
            if !legacy {
                return close(4409, &format!("Subscriber for {id} already exists"));
            }
            // subscriptions-transport-ws replaces an operation started again under its id.
            self.operations.stop(&id);
        }
        if self.operations.len() >= self.env.hub.config().max_operations {
            let message = "too many operations on this connection: complete one first";
            return self.send_error(&id, message, "TOO_MANY_SUBSCRIPTIONS").await;
        }
        self.generation += 1;
        let start = Start {
            id,
            request,
            caller: session.caller.clone(),
            protocol: self.protocol,
            out: self.out.clone(),
        };
        self.operations.spawn(&self.env, start, self.generation);
        Flow::Continue
    }

    async fn send_error(&mut self, id: &str, message: &str, code: &str) -> Flow {
        let errors = [protocol::coded_error(message, code)];
        self.send(ServerMessage::Error { id, errors: &errors }).await
    }

    /// Queues `message`, waiting for room (this only slows this connection's reading).
    async fn send(&mut self, message: ServerMessage<'_>) -> Flow {
        match self.out.send(Frame::Text(message.encode(self.protocol))).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Gone,
        }
    }
}
