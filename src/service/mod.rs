//! The service layer: the gate's I/O around the pure domain.
//!
//! Each operation reads state inside a transaction, asks the domain for a decision, records the
//! decision (audit row, pending action) in the same transaction, and only then talks to the
//! platform proxy, outside any transaction. GraphQL calls into this layer; it never builds
//! GraphQL types itself.

pub mod accounts;
mod apply;
mod approval;
mod caller;
mod convert;
pub mod creatives;
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
mod write;

use std::sync::Arc;

use entity::{ad_sets, ads, campaigns, layers, pending_actions};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use uuid::Uuid;

pub use caller::Caller;
pub use convert::{creative_eligible, layer_defaults, resolved_authority};
pub use detached::{Detached, DetachedError};
pub use policy::{LayerDefaultsChange, PolicyResult};
pub use write::{AdWrite, NewCampaign};

use crate::domain::authority::Axis;
use crate::domain::gate::{Decision, Verdict};
use crate::error::{ApiError, UserError};
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
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").field("pending_ttl", &self.pending_ttl).finish_non_exhaustive()
    }
}

impl Services {
    /// Commits `txn` with `events` announced as part of it: on PostgreSQL they are sent inside
    /// the transaction (nothing is announced if it does not commit); in-process they are
    /// broadcast once it has committed.
    pub(crate) async fn commit(&self, txn: DatabaseTransaction, events: Vec<Event>) -> Result<(), DbErr> {
        self.events.announce(&txn, &events).await?;
        txn.commit().await?;
        self.events.committed(events);
        Ok(())
    }
}

/// A gate decision as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictRecord {
    /// The audit row id (`verdictId`); for a dry run, an id that was never stored.
    pub id: Uuid,
    /// Allow, queue for approval or deny.
    pub decision: Decision,
    /// The spec's lowercase reason code, for denials.
    pub reason: Option<String>,
    /// The axis the write needed.
    pub axis: Option<Axis>,
    /// The checks that ran, in order, ending with the one that decided.
    pub trace: Vec<String>,
    /// Whether this verdict was computed without recording or dispatching anything.
    pub dry_run: bool,
}

impl VerdictRecord {
    fn new(id: Uuid, verdict: &Verdict, dry_run: bool) -> Self {
        VerdictRecord {
            id,
            decision: verdict.decision,
            reason: verdict.reason_code(),
            axis: verdict.axis,
            trace: verdict.trace.clone(),
            dry_run,
        }
    }
}

/// What a gated write answered: a verdict and the objects it touched, or user errors.
#[derive(Debug, Clone, Default)]
pub struct WriteResult {
    /// The decision, absent when the input was rejected before the gate.
    pub verdict: Option<VerdictRecord>,
    /// The campaign written or targeted.
    pub campaign: Option<campaigns::Model>,
    /// The ad set written or targeted.
    pub ad_set: Option<ad_sets::Model>,
    /// The ad written or targeted.
    pub ad: Option<ads::Model>,
    /// The layer, for layer-level writes.
    pub layer: Option<layers::Model>,
    /// The pending action queued or resolved.
    pub pending_action: Option<pending_actions::Model>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
}

impl WriteResult {
    /// A result that is only user errors.
    pub fn rejected(error: UserError) -> Self {
        WriteResult { user_errors: vec![error], ..Default::default() }
    }
}

/// Why an operation stopped: a user error (returned as data) or an API error.
#[derive(Debug)]
pub(crate) enum Failure {
    User(UserError),
    Api(ApiError),
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        Failure::Api(err.into())
    }
}

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Self {
        Failure::Api(err)
    }
}

impl From<UserError> for Failure {
    fn from(err: UserError) -> Self {
        Failure::User(err)
    }
}

impl From<crate::domain::UnknownCode> for Failure {
    fn from(err: crate::domain::UnknownCode) -> Self {
        Failure::Api(err.into())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(err: serde_json::Error) -> Self {
        Failure::Api(err.into())
    }
}

/// Turns a failure into a result with user errors, or passes an API error on.
pub(crate) fn settle(outcome: Result<WriteResult, Failure>) -> Result<WriteResult, ApiError> {
    match outcome {
        Ok(result) => Ok(result),
        Err(Failure::User(error)) => Ok(WriteResult::rejected(error)),
        Err(Failure::Api(error)) => Err(error),
    }
}
