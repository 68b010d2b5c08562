//! What this instance's WebSockets hold: open connections, running operations, and the
//! authenticated connections of each organization, counted by guards that give their slot back
//! when dropped (so an aborted task can never leak a count).
//!
//! The per-organization cap is checked in this process first (an organization at its cap here
//! is at it everywhere), then, on PostgreSQL, against the count every instance shares
//! ([`shared`]), so the cap holds for the organization across instances.

mod shared;

use shared::Claimed;
pub use shared::SharedConnections;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use uuid::Uuid;

use super::WsConfig;

/// The WebSocket state of one server instance: its settings and its counters.
///
/// Cheap to clone; every clone shares the same counters. Metrics read
/// [`WsHub::open_connections`] and [`WsHub::active_subscriptions`].
#[derive(Clone, Default)]
pub struct WsHub {
    inner: Arc<Inner>,
}

struct Inner {
    config: WsConfig,
    connections: AtomicUsize,
    operations: AtomicUsize,
    per_org: Mutex<HashMap<Uuid, usize>>,
    /// The count every instance shares, on PostgreSQL.
    shared: Option<SharedConnections>,
    /// `true` once the server is shutting down: every connection closes with 1001.
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            config: WsConfig::default(),
            connections: AtomicUsize::new(0),
            operations: AtomicUsize::new(0),
            per_org: Mutex::new(HashMap::new()),
            shared: None,
            shutdown: tokio::sync::watch::channel(false).0,
        }
    }
}

impl std::fmt::Debug for WsHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsHub")
            .field("config", &self.inner.config)
            .field("open_connections", &self.open_connections())
            .field("active_subscriptions", &self.active_subscriptions())
            .finish()
    }
}

impl WsHub {
    /// A hub with `config` and nothing open.
    pub fn new(config: WsConfig) -> Self {
        WsHub { inner: Arc::new(Inner { config, ..Inner::default() }) }
    }

    /// A hub with `config` whose per-organization cap holds across the instances of `shared`.
    pub fn shared(config: WsConfig, shared: SharedConnections) -> Self {
        WsHub { inner: Arc::new(Inner { config, shared: Some(shared), ..Inner::default() }) }
    }

    /// The count shared with other instances, if any.
    pub fn shared_connections(&self) -> Option<&SharedConnections> {
        self.inner.shared.as_ref()
    }

    /// The settings.
    pub fn config(&self) -> &WsConfig {
        &self.inner.config
    }

    /// Closes every connection of this hub with 1001 "Going away" (and refuses new ones the
    /// same way): the server is shutting down.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Waits until every connection has closed, or `limit` has passed; whether they all closed.
    pub async fn drained(&self, limit: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.open_connections() > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        true
    }

    /// Resolves once [`WsHub::shutdown`] was called.
    pub(crate) async fn shutting_down(&self) {
        let mut receiver = self.inner.shutdown.subscribe();
        let _ = receiver.wait_for(|down| *down).await;
    }

    /// WebSocket connections open now (authenticated or not).
    pub fn open_connections(&self) -> usize {
        self.inner.connections.load(Ordering::SeqCst)
    }

    /// Operations running now over every connection (subscriptions, and queries or mutations
    /// sent over a socket until they answer).
    pub fn active_subscriptions(&self) -> usize {
        self.inner.operations.load(Ordering::SeqCst)
    }

    /// Authenticated connections of organization `org` open now on this instance.
    pub fn organization_connections(&self, org: Uuid) -> usize {
        self.per_org().get(&org).copied().unwrap_or(0)
    }

    /// Counts a connection until the guard drops.
    pub(crate) fn connection(&self) -> Counted {
        Counted::new(self, |inner| &inner.connections)
    }

    /// Counts an operation until the guard drops.
    pub(crate) fn operation(&self) -> Counted {
        Counted::new(self, |inner| &inner.operations)
    }

    /// Takes one of `org`'s connection slots, if it has one left here and (shared) across
    /// instances.
    pub(crate) async fn claim_org_slot(&self, org: Uuid) -> Option<OrgSlot> {
        let mut slot = self.claim_local_slot(org)?;
        let Some(shared) = &self.inner.shared else {
            return Some(slot);
        };
        match shared.claim(org, self.inner.config.max_connections_per_org).await {
            Claimed::Row(row) => slot.row = Some(row),
            Claimed::Full => return None,
            Claimed::Unavailable => {}
        }
        Some(slot)
    }

    fn claim_local_slot(&self, org: Uuid) -> Option<OrgSlot> {
        let mut per_org = self.per_org();
        let held = per_org.entry(org).or_insert(0);
        if *held >= self.inner.config.max_connections_per_org {
            return None;
        }
        *held += 1;
        Some(OrgSlot { hub: self.clone(), org, row: None })
    }

    fn per_org(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, usize>> {
        // The map is consistent after every statement, so a poisoned lock is still usable.
        self.inner.per_org.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One unit of a counter, given back on drop.
pub(crate) struct Counted {
    hub: WsHub,
    counter: fn(&Inner) -> &AtomicUsize,
}

impl Counted {
    fn new(hub: &WsHub, counter: fn(&Inner) -> &AtomicUsize) -> Self {
        counter(&hub.inner).fetch_add(1, Ordering::SeqCst);
        Counted { hub: hub.clone(), counter }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        (self.counter)(&self.hub.inner).fetch_sub(1, Ordering::SeqCst);
    }
}

/// One of an organization's connection slots (and its shared row), given back on drop.
pub(crate) struct OrgSlot {
    hub: WsHub,
    org: Uuid,
    row: Option<Uuid>,
}

impl Drop for OrgSlot {
    fn drop(&mut self) {
        if let (Some(row), Some(shared)) = (self.row, &self.hub.inner.shared) {
            shared.release(row);
        }
        let mut per_org = self.hub.per_org();
        if let Some(held) = per_org.get_mut(&self.org) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                per_org.remove(&self.org);
            }
        }
    }
}
