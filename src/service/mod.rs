//! The service layer: the gate's I/O around the pure domain.
//!
//! Each operation reads state inside a transaction, asks the domain for a decision, records the
//! decision (audit row, pending action) in the same transaction, and only then talks to the
//! platform proxy, outside any transaction. Every write takes one path (`decision`): it runs in
//! [`Services::decide`] and answers a [`WriteResult`]. GraphQL calls into this layer; it never
//! builds GraphQL types itself.

pub mod accounts;
mod apply;
mod approval;
mod convert;
pub mod creatives;
mod decision;
mod detached;
mod dispatch;
mod expiry;
mod gatekeeper;
mod layer_settings;
pub mod metrics;
pub mod optimizer;
pub mod organizations;
mod periodic;
mod policy;
mod prepare;
pub mod reconcile;
mod turns;
mod write;

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};

pub use crate::domain::Caller;
pub use convert::{creative_eligible, resolved_authority};
pub(crate) use decision::Failure;
pub use decision::{CreativeRows, VerdictRecord, WriteResult};
pub use detached::{Detached, DetachedError};
pub use policy::LayerDefaultsChange;
pub use turns::Turns;
pub use write::{AdWrite, NewCampaign};

use crate::events::{Event, EventBus};
use crate::platform::PlatformProxy;

/// Everything an operation needs: the database, the platform proxy and the event bus.
#[derive(Clone)]
pub struct Services {
    /// The database pool: transactions and everything a write reads.
    pub db: DatabaseConnection,
    /// The pool for reads outside any transaction (GraphQL queries): on a SQLite file, read-only
    /// connections beside the one writer (`db::connect_reads`); elsewhere the same pool as `db`.
    pub reads: DatabaseConnection,
    /// One adapter per platform.
    pub proxy: Arc<PlatformProxy>,
    /// Where committed changes are announced.
    pub events: EventBus,
    /// How long a pending action waits for approval.
    pub pending_ttl: chrono::Duration,
    /// The thresholds ads are classified by.
    pub thresholds: crate::domain::classification::Thresholds,
    /// Connected ad accounts: the platform mode, token encryption, OAuth and refresh.
    pub accounts: Arc<accounts::ConnectedAccounts>,
    /// How long a dispatch's holder may take before a reconciler may settle it instead.
    pub dispatch_lease: chrono::Duration,
    /// How long after a call started the platform showing no trace of it is believed.
    pub dispatch_settle: chrono::Duration,
    /// This process, as the holder of the dispatches it starts.
    pub holder: crate::store::audit::ledger::Holder,
    /// Writes running to their end whatever their caller does; shutdown waits for them.
    pub detached: Detached,
    /// Writes to one object, queued in this process until the one before has settled.
    pub turns: Arc<Turns>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").field("pending_ttl", &self.pending_ttl).finish_non_exhaustive()
    }
}

impl Services {
    /// Commits `txn`, then announces `events` (nothing is announced if it does not commit).
    pub(crate) async fn commit(&self, txn: DatabaseTransaction, events: Vec<Event>) -> Result<(), DbErr> {
        txn.commit().await?;
        self.events.committed(events);
        Ok(())
    }
}
