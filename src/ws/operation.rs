//! One operation of a connection, in its own task: runs `execute_stream` and forwards each
//! response into the connection's queue without ever waiting on a full queue for an event (it
//! drops the event and sends `RESYNC_REQUIRED` once there is room instead).
//!
//! An operation that panics ends alone: its task answers one `error` message for its id with an
//! `INTERNAL` error (graphql-transport-ws: `error` is for failures before or during execution and
//! ends the operation; legacy `graphql-ws` ends a failed operation with `error` too), and the
//! connection and its other operations go on.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::Response;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::task::AbortHandle;

use super::Env;
use super::limits::Counted;
use super::protocol::{Protocol, ServerMessage};
use super::writer::Frame;
use crate::domain::Caller;
use crate::graphql::{self, RequestAuth};

/// The operations a connection is running, by client id.
#[derive(Clone, Default)]
pub(crate) struct Operations(Arc<Mutex<HashMap<String, Running>>>);

struct Running {
    generation: u64,
    task: AbortHandle,
}

/// A request to run, with what it runs with.
pub(crate) struct Start {
    pub(crate) id: String,
    pub(crate) request: async_graphql::Request,
    pub(crate) caller: Caller,
    pub(crate) protocol: Protocol,
    pub(crate) out: mpsc::Sender<Frame>,
}

impl Operations {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Running>> {
        // Every statement leaves the map consistent, so a poisoned lock is still usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether an operation runs under `id`.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// How many operations run.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Starts `start` in its own task, registered under its id as generation `generation`.
    pub(crate) fn spawn(&self, env: &Env, start: Start, generation: u64) {
        let mut running = self.lock();
        // Registered before the task can finish: it unregisters itself under this same lock.
        let id = start.id.clone();
        let counted = env.hub.operation();
        let task =
            tokio::spawn(supervised(env.clone(), start, self.clone(), generation, counted)).abort_handle();
        running.insert(id, Running { generation, task });
    }

    /// Stops the operation under `id`, if any, dropping its stream.
    pub(crate) fn stop(&self, id: &str) {
        if let Some(running) = self.lock().remove(id) {
            running.task.abort();
        }
    }

    /// Stops every operation.
    pub(crate) fn stop_all(&self) {
        self.lock().drain().for_each(|(_, running)| running.task.abort());
    }

    /// Unregisters `id` if it is still generation `generation` (not stopped and restarted);
    /// whether it was.
    fn finished(&self, id: &str, generation: u64) -> bool {
        let mut running = self.lock();
        let current = running.get(id).is_some_and(|entry| entry.generation == generation);
        if current {
            running.remove(id);
        }
        current
    }
}

/// The operation task: [`run`], and if it panics, the operation's end told to the client as one
/// `INTERNAL` error (logged here; nothing of the panic reaches the client).
async fn supervised(env: Env, start: Start, operations: Operations, generation: u64, counted: Counted) {
    let (id, protocol, out) = (start.id.clone(), start.protocol, start.out.clone());
    let ran = AssertUnwindSafe(run(env, start, operations.clone(), generation, counted)).catch_unwind().await;
    if ran.is_err() {
        tracing::error!(operation_id = %id, "a WebSocket operation panicked");
        // Unregistered first: once the client reads `error`, it may reuse the id. An operation
        // the client already completed hears nothing more.
        if !operations.finished(&id, generation) {
            return;
        }
        let errors = [graphql::errors::internal_error()];
        let _ =
            out.send(Frame::Text(ServerMessage::Error { id: &id, errors: &errors }.encode(protocol))).await;
    }
}

/// Runs the request and reports its results under its id.
async fn run(env: Env, start: Start, operations: Operations, generation: u64, _counted: Counted) {
    let Start { id, mut request, caller, protocol, out } = start;
    let send = |message: ServerMessage<'_>| Frame::Text(message.encode(protocol));
    let auth = RequestAuth::Authenticated(caller);
    // Boxed: the admission's state is not kept for the life of a subscription.
    if let Err(refused) = Box::pin(graphql::admit(&env.schema, &auth, &mut request)).await {
        operations.finished(&id, generation);
        let errors = [refused.to_server_error()];
        let _ = out.send(send(ServerMessage::Error { id: &id, errors: &errors })).await;
        return;
    }
    let RequestAuth::Authenticated(caller) = auth else { return };
    let mut stream = execute(&env, caller, request);
    let Some(first) = stream.next().await else {
        operations.finished(&id, generation);
        let _ = out.send(send(ServerMessage::Complete { id: &id })).await;
        return;
    };
    if failed_before_execution(&first) {
        // Unregistered first: once the client reads `error`, it may reuse the id.
        operations.finished(&id, generation);
        let _ = out.send(send(ServerMessage::Error { id: &id, errors: &first.errors })).await;
        return;
    }
    // The first result waits for room (a query's only answer must not be dropped); later ones never do.
    if out.send(send(ServerMessage::Next { id: &id, response: &first })).await.is_err() {
        return;
    }
    let delivered = forward(
        stream,
        &out,
        |response| send(ServerMessage::Next { id: &id, response }),
        || send(ServerMessage::Resync { id: &id }),
    )
    .await;
    operations.finished(&id, generation);
    if delivered.is_ok() {
        let _ = out.send(send(ServerMessage::Complete { id: &id })).await;
    }
}

/// Runs `request` for `caller` with a DataLoader of its own whose cache is off, so every event
/// reads fresh rows (requests within one event are still batched). A mutation runs detached: a
/// socket closing or a `complete` from the client stops the wait for its answer, never the write.
fn execute(env: &Env, caller: Caller, mut request: async_graphql::Request) -> BoxStream<'static, Response> {
    let loaders = graphql::loaders::loaders_with(
        env.services.reads.clone(),
        caller.organization_id,
        env.services.thresholds,
    );
    loaders.enable_all_cache(false);
    if let Some(response) = graphql::errors::unparsable(&mut request) {
        return futures_util::stream::once(std::future::ready(response)).boxed();
    }
    let mutation = graphql::operation_of(&mut request).1 == "mutation";
    let request = request.data(RequestAuth::Authenticated(caller)).data(loaders);
    if mutation {
        let (schema, services) = (env.schema.clone(), env.services.clone());
        return futures_util::stream::once(async move {
            graphql::execute_detached(&schema, &services, request).await
        })
        .boxed();
    }
    env.schema.execute_stream(request).map(graphql::errors::with_codes).boxed()
}

/// Whether `response` is a failure before execution (parse, validation): errors, no data, and
/// no error raised at a path.
fn failed_before_execution(response: &Response) -> bool {
    !response.errors.is_empty()
        && response.data == async_graphql::Value::Null
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The connection's queue is gone: the connection is over.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// Forwards every item of `stream` into `out` as `next(item)` without waiting for room: an item
/// that does not fit is dropped and the operation is lagging until `resync()` could be queued,
/// which happens as soon as there is room (items arriving meanwhile are dropped too).
pub(crate) async fn forward<S, T>(
    stream: S,
    out: &mpsc::Sender<Frame>,
    next: impl Fn(&T) -> Frame,
    resync: impl Fn() -> Frame,
) -> Result<(), Closed>
where
    S: Stream<Item = T>,
{
    let mut stream = std::pin::pin!(stream);
    let mut lagging = false;
    loop {
        if lagging {
            tokio::select! {
                permit = out.reserve() => {
                    permit.map_err(|_| Closed)?.send(resync());
                    lagging = false;
                }
                item = stream.next() => if item.is_none() {
                    out.send(resync()).await.map_err(|_| Closed)?;
                    return Ok(());
                },
            }
            continue;
        }
        let Some(item) = stream.next().await else { return Ok(()) };
        match out.try_send(next(&item)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => lagging = true,
            Err(TrySendError::Closed(_)) => return Err(Closed),
        }
    }
}
