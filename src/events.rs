//! The event bus: committed changes announced to every subscriber, on every server instance.
//!
//! Events carry ids and codes only, never rows: a subscriber re-reads what it needs with its
//! own tenancy. Events are announced once their transaction has committed (a write that rolls
//! back announces nothing), through one of two transports:
//!
//! - in-process (SQLite, one instance): broadcast to this instance's subscribers;
//! - PostgreSQL: handed to this instance's notifier, which sends them with `pg_notify` on a
//!   connection of its own, everything committed while its previous statement was under way in
//!   one statement; every instance (this one included) receives them through its `LISTEN`
//!   connection. When that connection drops, subscribers get a [`BusMessage::Resync`]: events
//!   may have been missed, so re-read state.
//!
//! Why not `NOTIFY` inside the writing transaction: PostgreSQL serializes the commits of every
//! transaction that notifies (a database-wide lock held from before the commit record until
//! after its flush to disk), so each write would wait for the previous one's WAL flush instead
//! of sharing it (about 700 commits a second on a disk that flushes in 0.2 ms, against 2,500
//! without; BENCHMARKS.md). The price: an instance that dies between a commit and the statement
//! announcing it loses that announcement (subscribers see the change at their next read), and
//! events of transactions committed within moments of each other on different connections may
//! arrive in either order. Each event says what happened; the row a subscriber re-reads says
//! how things stand.
//!
//! Each subscriber has its own bounded queue: a subscriber that falls behind gets `Resync`
//! instead of slowing anybody down.

use std::sync::Arc;
use std::time::Duration;

use entity::{audit, layers, pending_actions};
use sea_orm::sqlx::{Connection, postgres::PgConnection};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};
use uuid::Uuid;

use crate::domain::gate::Decision;
use crate::store::codes::AuditCodes;

/// How many messages one subscriber may fall behind before it is told to resync.
pub const SUBSCRIBER_BUFFER: usize = 1024;

/// The PostgreSQL `NOTIFY` channel.
pub const CHANNEL: &str = "layers_events";

/// The most events the notifier sends in one statement.
const NOTIFY_BATCH: usize = 512;

/// Sends `$2`, a text array of payloads, on channel `$1` in array order, as one statement: the
/// notifier's one prepared statement, whatever the batch size.
const NOTIFY_SQL: &str = "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload";

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A pending action was created or changed status (`status` is its new status).
    PendingAction {
        /// The stored status code.
        status: String,
    },
    /// A layer's kill switch was tripped (`true`) or released (`false`).
    KillSwitch {
        /// Whether it is now tripped.
        active: bool,
    },
    /// A write was denied (the `ads.write.denied` feed); `id` is the audit row.
    WriteDenied,
    /// An audit row was written; `id` is the audit row.
    Audit,
}

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The organization it belongs to.
    pub organization_id: Uuid,
    /// The platform code, when it concerns one layer.
    pub platform: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// The id of the pending action, layer or audit row concerned.
    pub id: Uuid,
    /// Which broadcast of this process delivered it (0 before it is broadcast), unique per
    /// delivery: the subscribers of one delivery share one re-read of its row. Not sent between
    /// instances; each numbers what it receives.
    #[serde(skip)]
    pub delivery: u64,
}

/// The number of the next event this process broadcasts.
static DELIVERIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// `event`, numbered as a new delivery.
fn delivered(mut event: Event) -> BusMessage {
    event.delivery = DELIVERIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    BusMessage::Event(event)
}

impl Event {
    /// A pending action was queued.
    pub fn pending_created(action: &pending_actions::Model) -> Self {
        Event::pending_changed(action)
    }

    /// A pending action changed status.
    pub fn pending_changed(action: &pending_actions::Model) -> Self {
        Event {
            organization_id: action.organization_id,
            platform: Some(action.platform.clone()),
            kind: EventKind::PendingAction { status: action.status.clone() },
            id: action.id,
            delivery: 0,
        }
    }

    /// A kill switch changed.
    pub fn kill_switch(layer: &layers::Model, active: bool) -> Self {
        Event {
            organization_id: layer.organization_id,
            platform: Some(layer.platform.clone()),
            kind: EventKind::KillSwitch { active },
            id: layer.id,
            delivery: 0,
        }
    }

    /// A write was denied.
    pub fn write_denied(row: &audit::Model) -> Self {
        Event {
            organization_id: row.organization_id,
            platform: row.platform.clone(),
            kind: EventKind::WriteDenied,
            id: row.id,
            delivery: 0,
        }
    }

    /// An audit row was written.
    pub fn audit(row: &audit::Model) -> Self {
        Event {
            organization_id: row.organization_id,
            platform: row.platform.clone(),
            kind: EventKind::Audit,
            id: row.id,
            delivery: 0,
        }
    }

    /// The events an audit row stands for: the row itself, and a denial when it is one.
    pub fn for_audit_row(row: &audit::Model) -> Vec<Event> {
        let mut events = vec![Event::audit(row)];
        if row.decision() == Ok(Some(Decision::Deny)) {
            events.push(Event::write_denied(row));
        }
        events
    }
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusMessage {
    /// A committed change.
    Event(Event),
    /// Events may have been missed (the subscriber fell behind, or the listener reconnected):
    /// re-read state.
    Resync,
}

/// A cheap-to-clone handle on the bus.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<BusMessage>,
    /// On PostgreSQL, the notifier's queue; it stops once the last handle is dropped and it has
    /// sent what was queued.
    notifier: Option<mpsc::UnboundedSender<Outgoing>>,
    /// Dropped with the last handle, which stops the PostgreSQL listener.
    _alive: Option<Arc<oneshot::Sender<()>>>,
}

/// What the notifier is handed.
#[derive(Debug)]
enum Outgoing {
    /// The events of one committed transaction, in order.
    Events(Vec<Event>),
    /// Answered once everything queued before it has been sent.
    Flush(oneshot::Sender<()>),
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::in_process()
    }
}

impl EventBus {
    /// A bus for one instance: events are broadcast after their transaction commits.
    pub fn in_process() -> Self {
        EventBus { sender: broadcast::channel(SUBSCRIBER_BUFFER).0, notifier: None, _alive: None }
    }

    /// A bus shared by every instance on the PostgreSQL database at `url`: listens on
    /// [`CHANNEL`] until the last handle is dropped, and notifies there on a connection of its
    /// own.
    pub async fn postgres(url: &str) -> Result<Self, sea_orm::sqlx::Error> {
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        let connection = PgConnection::connect(url).await?;
        let sender = broadcast::channel(SUBSCRIBER_BUFFER).0;
        let (alive, stopped) = oneshot::channel();
        tokio::spawn(listen(listener, sender.clone(), stopped));
        let (queue, queued) = mpsc::unbounded_channel();
        let notifier = Notifier { url: url.to_owned(), connection: Some(connection), local: sender.clone() };
        tokio::spawn(notifier.run(queued));
        Ok(EventBus { sender, notifier: Some(queue), _alive: Some(Arc::new(alive)) })
    }

    /// Announces `events`, whose transaction has committed: broadcast in-process, or handed to
    /// the notifier on PostgreSQL (every instance receives them through its listener).
    pub fn committed(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        match &self.notifier {
            // The notifier stops only once every handle, this one included, is gone.
            Some(notifier) => drop(notifier.send(Outgoing::Events(events))),
            None => {
                for event in events {
                    // No subscriber is not an error: nobody is watching.
                    let _ = self.sender.send(delivered(event));
                }
            }
        }
    }

    /// Waits until everything announced so far has been sent (PostgreSQL; in-process it was
    /// broadcast already): shutdown's last step, so no committed change goes unannounced.
    pub async fn flush(&self) {
        let Some(notifier) = &self.notifier else { return };
        let (done, sent) = oneshot::channel();
        if notifier.send(Outgoing::Flush(done)).is_ok() {
            let _ = sent.await;
        }
    }

    /// Tells every subscriber to resync.
    pub fn resync(&self) {
        let _ = self.sender.send(BusMessage::Resync);
    }

    /// A new subscriber, receiving every message from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        self.sender.subscribe()
    }
}

/// Sends what commits announce, in the order they were handed over, on a connection of its own.
struct Notifier {
    url: String,
    /// `None` after a failure, until the next batch reconnects.
    connection: Option<PgConnection>,
    /// This instance's subscribers, told to resync when a batch could not be sent.
    local: broadcast::Sender<BusMessage>,
}

impl Notifier {
    /// Sends batches until every handle on the bus is gone and the queue is empty: each batch is
    /// everything queued while the previous one was being sent (up to [`NOTIFY_BATCH`] events).
    async fn run(mut self, mut queue: mpsc::UnboundedReceiver<Outgoing>) {
        let mut payloads = Vec::new();
        let mut flushes = Vec::new();
        while let Some(first) = queue.recv().await {
            let mut next = Some(first);
            while let Some(outgoing) = next.take() {
                match outgoing {
                    Outgoing::Events(events) => payloads.extend(events.iter().filter_map(payload)),
                    Outgoing::Flush(done) => flushes.push(done),
                }
                if payloads.len() < NOTIFY_BATCH {
                    next = queue.try_recv().ok();
                }
            }
            if !payloads.is_empty() {
                self.send(&payloads).await;
                payloads.clear();
            }
            for done in flushes.drain(..) {
                let _ = done.send(());
            }
        }
    }

    /// Sends `payloads` in one statement, once more on a new connection if that fails. Events
    /// that still could not be sent are lost to every instance: this one's subscribers are told
    /// to resync (the others re-read at their next query).
    async fn send(&mut self, payloads: &[String]) {
        for attempt in 1..=2 {
            match self.try_send(payloads).await {
                Ok(()) => return,
                Err(error) => {
                    self.connection = None;
                    tracing::warn!(%error, attempt, events = payloads.len(), "could not send event notifications");
                }
            }
        }
        let _ = self.local.send(BusMessage::Resync);
    }

    async fn try_send(&mut self, payloads: &[String]) -> Result<(), sea_orm::sqlx::Error> {
        let connection = match &mut self.connection {
            Some(connection) => connection,
            none => none.insert(PgConnection::connect(&self.url).await?),
        };
        sea_orm::sqlx::query(NOTIFY_SQL).bind(CHANNEL).bind(payloads).execute(connection).await?;
        Ok(())
    }
}

/// `event` as its notification's payload.
fn payload(event: &Event) -> Option<String> {
    serde_json::to_string(event)
        .inspect_err(|error| tracing::error!(%error, "an event that cannot be serialized is not sent"))
        .ok()
}

/// Feeds notifications into the bus until `stopped` fires; a lost connection is a resync.
async fn listen(
    mut listener: sea_orm::sqlx::postgres::PgListener,
    sender: broadcast::Sender<BusMessage>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let received = tokio::select! {
            _ = &mut stopped => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => match serde_json::from_str::<Event>(notification.payload()) {
                Ok(event) => {
                    let _ = sender.send(delivered(event));
                }
                Err(error) => tracing::warn!(%error, "ignoring an unreadable event notification"),
            },
            Ok(None) => {
                tracing::warn!("event listener lost its connection; subscribers will resync");
                let _ = sender.send(BusMessage::Resync);
            }
            Err(error) => {
                tracing::warn!(%error, "event listener failed; retrying");
                let _ = sender.send(BusMessage::Resync);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
