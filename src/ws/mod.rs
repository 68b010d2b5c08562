//! GraphQL over WebSocket on `/graphql`: both subprotocols, written against the protocol texts.
//!
//! - `graphql-transport-ws` (the `graphql-ws` npm client), following
//!   <https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md> to the letter: close
//!   4400 for an invalid message, 4401 for a `subscribe` before the ack, 4403 for a missing or
//!   rejected token, 4408 when no `connection_init` arrives in time, 4409 for a duplicate
//!   operation id, 4429 for a second `connection_init`; `error` (never `next` + `complete`) for an
//!   operation that fails before execution; no echo of the client's `complete`.
//! - the legacy `graphql-ws` (subscriptions-transport-ws): `connection_init` → `connection_ack`
//!   (or `connection_error` and close 4403), `start` → `data`… `complete`, `stop`,
//!   `connection_terminate`, keep-alive `ka`.
//!
//! An upgrade offering neither subprotocol is accepted and closed at once with 4406
//! "Subprotocol not acceptable", as the reference `graphql-ws` server does.
//!
//! Resources are bounded ([`WsConfig`]): operations per connection, authenticated connections
//! per organization (across instances on PostgreSQL, see `limits`), and one bounded outgoing queue per connection. An
//! operation whose messages do not fit in the queue has them dropped and is sent a
//! `RESYNC_REQUIRED` error as soon as there is room; it never waits on the socket, so a slow
//! client slows nobody else. Each connection runs in its own tasks (a reader, a writer and one
//! task per operation); when it ends, every operation's stream is dropped.
//!
//! This module only carries operations: who may see what is decided by the resolvers, from the
//! caller this module authenticates and puts into each request.

mod connection;
mod limits;
mod operation;
mod protocol;
mod writer;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;

pub use limits::{SharedConnections, WsHub};
pub use protocol::{LEGACY_WS, TRANSPORT_WS};

use crate::auth::JwtKeys;
use crate::graphql::AppSchema;
use crate::http::AppState;
use crate::service::Services;

/// WebSocket limits and timers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsConfig {
    /// How long a new connection may wait before sending `connection_init`
    /// (`LAYERS_WS_INIT_TIMEOUT_SECS`); then it is closed with 4408.
    pub init_timeout: Duration,
    /// How long a connection may stay idle (nothing sent to the client) before the server
    /// sends a keep-alive: `ping` (graphql-transport-ws) or `ka` (legacy)
    /// (`LAYERS_WS_KEEPALIVE_SECS`).
    pub keep_alive: Duration,
    /// Operations one connection may run at once (`LAYERS_WS_MAX_SUBSCRIPTIONS`); one more gets
    /// an `error` message with code `TOO_MANY_SUBSCRIPTIONS` and the connection stays open.
    pub max_operations: usize,
    /// Authenticated connections one organization may hold
    /// (`LAYERS_WS_MAX_CONNECTIONS_PER_ORG`): across every instance when the hub shares its count
    /// ([`WsHub::shared`]), else on this instance; one more is closed with 4403 "too many
    /// connections for this organization".
    pub max_connections_per_org: usize,
    /// Messages that may wait for the socket, per connection (default 256).
    pub outgoing_queue: usize,
    /// The largest message (and frame) a client may send, in bytes (default 1 MiB); a larger
    /// one ends the connection.
    pub max_message_bytes: usize,
}

impl Default for WsConfig {
    /// The `LAYERS_WS_*` defaults ([`crate::config::ws`]), a 256-message queue and 1 MiB messages.
    fn default() -> Self {
        use crate::config::ws as defaults;
        WsConfig {
            init_timeout: Duration::from_secs(u64::from(defaults::DEFAULT_INIT_TIMEOUT_SECS)),
            keep_alive: Duration::from_secs(u64::from(defaults::DEFAULT_KEEPALIVE_SECS)),
            max_operations: defaults::DEFAULT_MAX_SUBSCRIPTIONS as usize,
            max_connections_per_org: defaults::DEFAULT_MAX_CONNECTIONS_PER_ORG as usize,
            outgoing_queue: 256,
            max_message_bytes: 1 << 20,
        }
    }
}

/// Everything a connection needs, shared by its tasks.
#[derive(Clone)]
pub(crate) struct Env {
    pub(crate) schema: AppSchema,
    pub(crate) services: Services,
    pub(crate) jwt: Arc<JwtKeys>,
    pub(crate) hub: WsHub,
}

/// Bytes read from a socket at a time. Clients send small messages (`connection_init`,
/// `subscribe`, `pong`: well under 4 KiB); a larger one is read in several chunks. The library's
/// default, 128 KiB per socket, would hold about 1.2 GiB for 10,000 idle subscribers.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// Bytes of outgoing frames buffered before they are written to the socket (each event is one
/// frame, usually a few hundred bytes; the writer flushes after each).
const WRITE_BUFFER_BYTES: usize = 8 * 1024;

/// Accepts a WebSocket upgrade of `/graphql` and serves GraphQL on it.
///
/// Selects `graphql-transport-ws` when offered, else `graphql-ws`; with neither, the socket is
/// accepted and closed with 4406.
pub fn upgrade(upgrade: WebSocketUpgrade, state: &AppState, hub: &WsHub) -> Response {
    let limit = hub.config().max_message_bytes;
    let upgrade = upgrade
        .protocols([TRANSPORT_WS, LEGACY_WS])
        .max_message_size(limit)
        .max_frame_size(limit)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(WRITE_BUFFER_BYTES + limit);
    let protocol = upgrade
        .selected_protocol()
        .and_then(|value| value.to_str().ok())
        .and_then(protocol::Protocol::from_name);
    let env = Env {
        schema: state.schema.clone(),
        services: state.services.clone(),
        jwt: Arc::clone(&state.jwt),
        hub: hub.clone(),
    };
    upgrade.on_upgrade(move |socket| connection::serve(socket, protocol, env))
}
