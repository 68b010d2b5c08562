//! One path through the service: every write answers a [`WriteResult`], and runs its decision
//! through [`Services::decide`].
//!
//! A decision reads, decides and records inside one transaction, and returns what to answer with
//! the events its commit announces. `decide` opens the transaction, rolls it back for a dry run
//! or commits it with those events, dispatches an allowed ad write once committed, and turns a
//! [`Failure`] into the answer: a user error as data, an API error as an error. That is the only
//! place a failure is answered.

use entity::{
    ad_sets, ads, ads_content, campaigns, connected_accounts, content_containers, layers, pending_actions,
};
use sea_orm::{DatabaseTransaction, DbErr};
use uuid::Uuid;

use super::Services;
use super::dispatch::Dispatch;
use crate::domain::authority::Axis;
use crate::domain::gate::{Decision, Verdict};
use crate::error::{ApiError, UserError};
use crate::events::Event;

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
    pub(crate) fn new(id: Uuid, verdict: &Verdict, dry_run: bool) -> Self {
        VerdictRecord {
            id,
            decision: verdict.decision,
            reason: verdict.reason_code(),
            axis: verdict.axis,
            trace: verdict.trace.clone(),
            dry_run,
        }
    }

    /// `verdict` under a new id: its audit row's, or for a dry run one that is never stored.
    pub(crate) fn fresh(verdict: &Verdict, dry_run: bool) -> Self {
        VerdictRecord::new(Uuid::now_v7(), verdict, dry_run)
    }
}

/// A creative as stored: its content container and, once generated, its ads-content row.
pub type CreativeRows = (content_containers::Model, Option<ads_content::Model>);

/// What a write answered: the decision and what it touched, or user errors. Each payload shows
/// the part its mutation is about.
#[derive(Debug, Default)]
pub struct WriteResult {
    /// The decision, absent when the input was rejected before it.
    pub verdict: Option<VerdictRecord>,
    /// For policy, layer, creative library and approval policy changes: whether the change took
    /// effect now (false when queued, denied or a dry run). An ad write's outcome is its verdict.
    pub applied: bool,
    /// The pending action queued or resolved.
    pub pending_action: Option<pending_actions::Model>,
    /// The campaign written or targeted.
    pub campaign: Option<campaigns::Model>,
    /// The ad set written or targeted.
    pub ad_set: Option<ad_sets::Model>,
    /// The ad written or targeted.
    pub ad: Option<ads::Model>,
    /// The layer, for layer-level writes.
    pub layer: Option<layers::Model>,
    /// The creative changed or created, as it is now.
    pub creative: Option<CreativeRows>,
    /// The organization's creative approval policy, for changes to it.
    pub requires_approval: Option<bool>,
    /// The connected ad account changed.
    pub account: Option<connected_accounts::Model>,
    /// Expected failures.
    pub user_errors: Vec<UserError>,
    /// What the decision's commit announces.
    pub(crate) events: Vec<Event>,
    /// An allowed ad write, dispatched once the decision has committed.
    pub(crate) dispatch: Option<Box<Dispatch>>,
}

impl WriteResult {
    /// A result that is only a user error.
    pub fn rejected(error: UserError) -> Self {
        WriteResult { user_errors: vec![error], ..Default::default() }
    }

    /// A result that is only `verdict`; the touched objects are set on it.
    pub(crate) fn decided(verdict: VerdictRecord) -> Self {
        WriteResult { verdict: Some(verdict), ..Default::default() }
    }
}

/// Why an operation stopped: a user error (answered as data) or an API error.
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

impl Services {
    /// Runs `decision` in a transaction of its own. A dry run is rolled back and answered as
    /// decided; otherwise the transaction commits with the decision's events, and an allowed ad
    /// write is then dispatched. A user error raised anywhere on the way is the answer (nothing
    /// of the transaction is kept); any other failure is an `ApiError`.
    pub(crate) async fn decide(
        &self,
        dry_run: bool,
        decision: impl AsyncFnOnce(&DatabaseTransaction) -> Result<WriteResult, Failure>,
    ) -> Result<WriteResult, ApiError> {
        let outcome = async {
            let txn = crate::store::begin(&self.db).await?;
            let mut result = decision(&txn).await?;
            let events = std::mem::take(&mut result.events);
            if dry_run {
                txn.rollback().await?;
                return Ok(result);
            }
            self.commit(txn, events).await?;
            match result.dispatch.take() {
                Some(dispatch) => self.dispatch(*dispatch).await,
                None => Ok(result),
            }
        };
        answer(outcome.await)
    }
}

/// The answer to a failure: a user error becomes a result, an API error stays an error.
fn answer(outcome: Result<WriteResult, Failure>) -> Result<WriteResult, ApiError> {
    match outcome {
        Ok(result) => Ok(result),
        Err(Failure::User(error)) => Ok(WriteResult::rejected(error)),
        Err(Failure::Api(error)) => Err(error),
    }
}
