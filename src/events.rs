//! The event bus: committed changes announced to every subscriber, on every server instance.
//!
//! Events carry ids and codes only, never rows: a subscriber re-reads what it needs with its
//! own tenancy. Two transports:
//!
//! - in-process (SQLite, one instance): events are broadcast after their transaction commits;
//! - PostgreSQL: events are sent with `pg_notify` inside the writing transaction, so a write
//!   that rolls back announces nothing, and every instance (this one included) receives them
//!   through its `LISTEN` connection. When that connection drops, subscribers get a
//!   [`BusMessage::Resync`]: events may have been missed, so re-read state.
//!
//! Each subscriber has its own bounded queue: a subscriber that falls behind gets `Resync`
//! instead of slowing anybody down.

use std::sync::Arc;
use std::time::Duration;

use entity::{audit, layers, pending_actions};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

use crate::domain::gate::Decision;
use crate::store::codes::AuditCodes;

/// How many messages one subscriber may fall behind before it is told to resync.
pub const SUBSCRIBER_BUFFER: usize = 1024;

/// The PostgreSQL `NOTIFY` channel.
pub const CHANNEL: &str = "layers_events";

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
    distributed: bool,
    /// Dropped with the last handle, which stops the PostgreSQL listener.
    _alive: Option<Arc<oneshot::Sender<()>>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::in_process()
    }
}

impl EventBus {
    /// A bus for one instance: events are broadcast after their transaction commits.
    pub fn in_process() -> Self {
        EventBus { sender: broadcast::channel(SUBSCRIBER_BUFFER).0, distributed: false, _alive: None }
    }

    /// A bus shared by every instance on the PostgreSQL database at `url`: listens on
    /// [`CHANNEL`] until the last handle is dropped.
    pub async fn postgres(url: &str) -> Result<Self, sea_orm::sqlx::Error> {
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        let sender = broadcast::channel(SUBSCRIBER_BUFFER).0;
        let (alive, stopped) = oneshot::channel();
        tokio::spawn(listen(listener, sender.clone(), stopped));
        Ok(EventBus { sender, distributed: true, _alive: Some(Arc::new(alive)) })
    }

    /// Announces `events` as part of the transaction `conn` belongs to (PostgreSQL `NOTIFY`,
    /// delivered only if it commits), in one statement. Does nothing in-process: see
    /// [`EventBus::committed`].
    pub async fn announce<C: ConnectionTrait>(&self, conn: &C, events: &[Event]) -> Result<(), DbErr> {
        if !self.distributed || events.is_empty() {
            return Ok(());
        }
        let mut values = vec![sea_orm::Value::from(CHANNEL)];
        for event in events {
            let payload = serde_json::to_string(event).map_err(|e| DbErr::Custom(e.to_string()))?;
            values.push(payload.into());
        }
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            notify_sql(events.len()),
            values,
        ))
        .await?;
        Ok(())
    }

    /// Broadcasts `events` after their transaction committed (in-process only; on PostgreSQL
    /// they arrive through the listener).
    pub fn committed(&self, events: Vec<Event>) {
        if self.distributed {
            return;
        }
        for event in events {
            // No subscriber is not an error: nobody is watching.
            let _ = self.sender.send(delivered(event));
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

/// One statement sending `count` notifications on channel `$1` with payloads `$2`, `$3`, ...:
/// one round trip for all the events of a transaction, sent in their order (a select list is
/// evaluated left to right).
fn notify_sql(count: usize) -> String {
    let calls: Vec<String> = (2..count + 2).map(|n| format!("pg_notify($1, ${n})")).collect();
    format!("SELECT {}", calls.join(", "))
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

#[cfg(test)]
mod tests {
    #[test]
    fn one_statement_notifies_every_event_in_order() {
        assert_eq!(super::notify_sql(1), "SELECT pg_notify($1, $2)");
        assert_eq!(super::notify_sql(3), "SELECT pg_notify($1, $2), pg_notify($1, $3), pg_notify($1, $4)");
    }
}
