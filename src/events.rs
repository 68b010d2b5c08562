//! The event bus: committed changes announced to whoever listens (subscriptions, in time).
//!
//! Events carry ids and codes only, never rows: a listener re-reads what it needs with its own
//! tenancy. This in-process bus is a broadcast channel; publishing never blocks and an event with
//! no listener is dropped.

use entity::{audit, layers, pending_actions};
use tokio::sync::broadcast;
use uuid::Uuid;

/// How many events a slow listener may fall behind before it is told to resync.
const CAPACITY: usize = 1024;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A pending action was created or changed status (`status` is its new status).
    PendingAction { status: String },
    /// A layer's kill switch was tripped (`true`) or released (`false`).
    KillSwitch { active: bool },
    /// A write was denied (the `ads.write.denied` feed); `id` is the audit row.
    WriteDenied,
}

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The organization it belongs to.
    pub organization_id: Uuid,
    /// The platform code, when it concerns one layer.
    pub platform: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// The id of the pending action, layer or audit row concerned.
    pub id: Uuid,
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
        }
    }

    /// A kill switch changed.
    pub fn kill_switch(layer: &layers::Model, active: bool) -> Self {
        Event {
            organization_id: layer.organization_id,
            platform: Some(layer.platform.clone()),
            kind: EventKind::KillSwitch { active },
            id: layer.id,
        }
    }

    /// A write was denied.
    pub fn write_denied(row: &audit::Model) -> Self {
        Event {
            organization_id: row.organization_id,
            platform: row.platform.clone(),
            kind: EventKind::WriteDenied,
            id: row.id,
        }
    }
}

/// A cheap-to-clone handle on the bus.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus { sender: broadcast::channel(CAPACITY).0 }
    }
}

impl EventBus {
    /// Announces a committed change.
    pub fn publish(&self, event: Event) {
        tracing::debug!(organization_id = %event.organization_id, id = %event.id, kind = ?event.kind, "event");
        // No listener is not an error: nobody is watching.
        let _ = self.sender.send(event);
    }

    /// Announces several committed changes, in order.
    pub fn publish_all(&self, events: Vec<Event>) {
        events.into_iter().for_each(|event| self.publish(event));
    }

    /// A new listener, receiving every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
