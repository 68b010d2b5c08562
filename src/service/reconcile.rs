//! The reconciler: settles dispatches left `in_flight` by a process that died (or stalled) between
//! the platform call and recording its answer.
//!
//! It runs at start-up and then every `LAYERS_RECONCILE_INTERVAL_SECS` on every instance. It
//! takes only rows nobody holds any more: their holder's lease ran out, or their holder was an
//! earlier boot of this very instance (a restarted server settles what its previous process left
//! at once). Each is taken with a compare-and-set (so two instances never both settle one), and
//! the reconciler asks the platform adapter whether the write took effect
//! ([`crate::platform::PlatformAdapter::reconcile`]) and settles the row with the answer. A create
//! is never sent again on a guess; an update the platform cannot account for is (it sets absolute
//! values, and no other write to its object could start while this one held it), unless the kill
//! switch was tripped since:
//!
//! | answer | audit row | local state | pending action |
//! | --- | --- | --- | --- |
//! | call never started | `failed`, `DISPATCH_INTERRUPTED` (retryable) | unchanged | `failed` |
//! | applied | `succeeded`, `reconciled: true` | applied once | `dispatched` |
//! | not applied | `failed`, `DISPATCH_INTERRUPTED` (retryable) | unchanged | `failed` |
//! | platform unreachable, throttling, or our database failing | stays `in_flight`, asked again next run | unchanged | stays `approved` |
//! | an update it cannot account for | sent again: `succeeded` (`sent_again`) or `failed` | applied once, or unchanged | `dispatched` or `failed` |
//! | a create it cannot account for, another error, or still unreachable a day after the call | `unknown`, `needs_attention: true` | unchanged | stays `approved` |

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::audit;
use serde_json::{Value, json};
use uuid::Uuid;

use super::dispatch::Ticket;
use super::prepare::{Prepared, prepare};
use super::write::AdWrite;
use super::{Caller, Failure, Services};
use crate::error::ApiError;
use crate::platform::{AccountContext, PlatformError, PlatformWrite, Reconciliation};
use crate::store::audit::ledger;
use crate::store::codes::AuditCodes;
use crate::store::tenancy;

/// How many due dispatches one run takes on at most (the next run takes the rest).
const BATCH: u64 = 100;

/// How long after its call started a dispatch the platform cannot be asked about (unreachable,
/// throttling) is asked again at every run; past it, it is left for a person.
const ASK_AGAIN_FOR_HOURS: i64 = 24;

/// What one reconciler run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Dispatches the platform showed applied: applied locally and marked succeeded.
    pub succeeded: usize,
    /// Dispatches that never reached the platform or did not apply: marked failed.
    pub failed: usize,
    /// Dispatches nobody could settle: marked unknown, for a person to look at.
    pub unknown: usize,
    /// Dispatches the platform could not be asked about now: left in flight for the next run.
    pub deferred: usize,
    /// Due dispatches another holder claimed or settled first.
    pub skipped: usize,
}

/// How one due dispatch was settled.
enum Settled {
    Succeeded,
    Failed,
    Unknown,
    Deferred,
    Skipped,
}

/// Why the platform could not be asked about a dispatch.
enum Unanswered {
    /// For now (the platform is unreachable or throttling, our database failed): ask again later.
    ForNow(Value),
    /// For good (the write's target is gone, the account disconnected, ...): the audit detail.
    ForGood(Value),
}

/// What a dispatch left in flight was doing, and the account it went to.
struct InFlight {
    caller: Caller,
    write: AdWrite,
    prepared: Prepared,
    platform_write: PlatformWrite,
    account: AccountContext,
}

impl Services {
    /// Settles every dispatch whose holder's lease ran out at `now` (normally the current time).
    pub async fn reconcile_dispatches(&self, now: DateTime<Utc>) -> Result<ReconcileReport, ApiError> {
        let mut report = ReconcileReport::default();
        for row in ledger::due(&self.db, now, self.dispatch_lease, &self.holder, BATCH).await? {
            let verdict_id = row.id;
            match self.reconcile_row(row, now).await {
                Ok(Settled::Succeeded) => report.succeeded += 1,
                Ok(Settled::Failed) => report.failed += 1,
                Ok(Settled::Unknown) => report.unknown += 1,
                Ok(Settled::Deferred) => report.deferred += 1,
                Ok(Settled::Skipped) => report.skipped += 1,
                Err(error) => tracing::error!(?error, %verdict_id, "could not reconcile a dispatch"),
            }
        }
        Ok(report)
    }

    /// Runs the reconciler now and then every `every`, until the runtime stops.
    pub fn spawn_reconciler(&self, every: StdDuration) -> tokio::task::JoinHandle<()> {
        self.spawn_periodic(every, super::periodic::FirstRun::Now, |services| async move {
            match services.reconcile_dispatches(Utc::now()).await {
                Ok(report) if report == ReconcileReport::default() => {}
                Ok(report) => tracing::info!(?report, "reconciled dispatches left in flight"),
                Err(error) => tracing::warn!(?error, "reconciler run failed"),
            }
        })
    }

    async fn reconcile_row(&self, row: audit::Model, now: DateTime<Utc>) -> Result<Settled, Failure> {
        let lease_id = Uuid::now_v7();
        if !ledger::claim(&self.db, &row, now, self.dispatch_lease, &self.holder, lease_id).await? {
            return Ok(Settled::Skipped);
        }
        let ticket =
            Ticket { verdict_id: row.id, lease_id: Some(lease_id), pending_action_id: row.pending_action_id };
        // What the row said while it waited (the platform's error so far): kept in the settlement.
        let earlier = row.dispatch.clone().filter(|detail| detail["pending"] == true);
        let earlier = &earlier;
        let Some(started_at) = row.dispatch_started_at else {
            return self.settle(ticket, ledger::FAILED, interrupted(false), Settled::Failed).await;
        };
        let dispatch = match self.rebuild(&row).await {
            Ok(dispatch) => dispatch,
            Err(unanswered) => return self.unanswered(ticket, now, started_at, unanswered, earlier).await,
        };
        let update = !dispatch.platform_write.is_create();
        let answer = self
            .proxy
            .adapter(dispatch.account.platform)
            .reconcile(&dispatch.account, &dispatch.platform_write, started_at)
            .await;
        match answer {
            Ok(Reconciliation::Applied { platform_id, native_response }) => {
                let detail = noting(
                    json!({
                        "reconciled": true,
                        "platform_id": platform_id,
                        "write": dispatch.platform_write,
                        "native_response": native_response,
                    }),
                    earlier,
                );
                let InFlight { caller, write, prepared, .. } = &dispatch;
                let applied =
                    self.settle_success(ticket, caller, write, prepared, detail, platform_id).await?;
                tracing::info!(verdict_id = %row.id, "reconciled a dispatch the platform applied");
                Ok(if applied.is_some() { Settled::Succeeded } else { Settled::Skipped })
            }
            // A platform may still be creating what it has not answered for: "not there" is
            // believed only once the call started `LAYERS_DISPATCH_SETTLE_SECS` ago.
            Ok(Reconciliation::NotApplied) if now - started_at < self.dispatch_settle => {
                self.release(ticket, now, None).await
            }
            Ok(Reconciliation::NotApplied) => {
                self.settle(ticket, ledger::FAILED, noting(interrupted(true), earlier), Settled::Failed).await
            }
            // An update sets absolute values, and no other write to its object could start while
            // this one held it: sending it again applies it once, whatever happened before.
            Ok(Reconciliation::Unknown) if update => {
                self.send_again(ticket, now, started_at, dispatch, earlier).await
            }
            Ok(Reconciliation::Unknown) => {
                let detail = needs_attention(json!({
                    "code": "DISPATCH_OUTCOME_UNKNOWN",
                    "message": "the platform's answer does not show whether the write applied",
                    "retryable": false,
                }));
                self.settle(ticket, ledger::UNKNOWN, noting(detail, earlier), Settled::Unknown).await
            }
            Err(error) => match platform_unanswered(error) {
                Unanswered::ForGood(_) if update => {
                    self.send_again(ticket, now, started_at, dispatch, earlier).await
                }
                unanswered => self.unanswered(ticket, now, started_at, unanswered, earlier).await,
            },
        }
    }

    /// A dispatch nobody could ask the platform about: asked again next run while the platform is
    /// only unreachable (for up to a day after the call), else left for a person.
    async fn unanswered(
        &self,
        ticket: Ticket,
        now: DateTime<Utc>,
        started_at: DateTime<Utc>,
        unanswered: Unanswered,
        earlier: &Option<Value>,
    ) -> Result<Settled, Failure> {
        match unanswered {
            Unanswered::ForNow(error) if now - started_at < Duration::hours(ASK_AGAIN_FOR_HOURS) => {
                tracing::warn!(verdict_id = %ticket.verdict_id, %error, "could not ask the platform about a dispatch; asking again next run");
                self.release(ticket, now, Some(json!({ "pending": true, "error": error }))).await
            }
            Unanswered::ForNow(error) | Unanswered::ForGood(error) => {
                self.settle(
                    ticket,
                    ledger::UNKNOWN,
                    noting(needs_attention(error), earlier),
                    Settled::Unknown,
                )
                .await
            }
        }
    }

    /// Leaves the dispatch in flight for the next run; `detail` says why, when there is news.
    async fn release(
        &self,
        ticket: Ticket,
        now: DateTime<Utc>,
        detail: Option<Value>,
    ) -> Result<Settled, Failure> {
        if let Some(lease_id) = ticket.lease_id {
            ledger::release(&self.db, ticket.verdict_id, lease_id, now, detail).await?;
        }
        Ok(Settled::Deferred)
    }

    /// Sends an update the platform could not account for again, unless the kill switch was
    /// tripped since, and settles the dispatch with the platform's answer.
    async fn send_again(
        &self,
        ticket: Ticket,
        now: DateTime<Utc>,
        started_at: DateTime<Utc>,
        dispatch: InFlight,
        earlier: &Option<Value>,
    ) -> Result<Settled, Failure> {
        let InFlight { caller, write, prepared, platform_write, account } = dispatch;
        let layer = tenancy::layer(&self.db, caller.organization_id, prepared.layer.id).await?;
        if layer.is_none_or(|layer| layer.kill_switch_active) {
            let detail = needs_attention(json!({
                "code": "DISPATCH_OUTCOME_UNKNOWN",
                "message": "the platform cannot show whether the update applied, and the kill switch stops it being sent again",
                "retryable": false,
            }));
            return self.settle(ticket, ledger::UNKNOWN, noting(detail, earlier), Settled::Unknown).await;
        }
        tracing::warn!(verdict_id = %ticket.verdict_id, write = platform_write.kind(), "the platform cannot account for an update: sending it again");
        match self.proxy.adapter(account.platform).dispatch(&account, &platform_write).await {
            Ok(receipt) => {
                let platform_id = receipt.platform_id.clone();
                let detail = noting(
                    json!({
                        "reconciled": true,
                        "sent_again": true,
                        "platform_id": receipt.platform_id,
                        "native_request": receipt.native_request,
                        "native_response": receipt.native_response,
                    }),
                    earlier,
                );
                let applied =
                    self.settle_success(ticket, &caller, &write, &prepared, detail, platform_id).await?;
                Ok(if applied.is_some() { Settled::Succeeded } else { Settled::Skipped })
            }
            Err(error) if error.is_retryable() || matches!(error, PlatformError::OutcomeUnknown { .. }) => {
                self.unanswered(ticket, now, started_at, Unanswered::ForNow(error.audit_detail()), earlier)
                    .await
            }
            Err(error) => {
                let detail = json!({ "reconciled": true, "sent_again": true, "error": error.audit_detail() });
                self.settle(ticket, ledger::FAILED, noting(detail, earlier), Settled::Failed).await
            }
        }
    }

    async fn settle(
        &self,
        ticket: Ticket,
        status: &str,
        detail: Value,
        settled: Settled,
    ) -> Result<Settled, Failure> {
        tracing::warn!(verdict_id = %ticket.verdict_id, status, "reconciled a dispatch left in flight");
        Ok(if self.settle_failure(ticket, status, detail).await? { settled } else { Settled::Skipped })
    }

    /// Rebuilds what the dispatch was doing from its audit row, with the account to ask.
    async fn rebuild(&self, row: &audit::Model) -> Result<InFlight, Unanswered> {
        let caller = caller_of(row).map_err(unanswered)?;
        let write: AdWrite = from_row(row.request.as_ref(), "request").map_err(Unanswered::ForGood)?;
        let platform_write: PlatformWrite =
            from_row(row.dispatch_write.as_ref(), "dispatch_write").map_err(Unanswered::ForGood)?;
        let prepared =
            prepare(&self.db, row.organization_id, caller.kind, &write).await.map_err(unanswered)?;
        let mut account =
            self.dispatch_account(&prepared.layer).await.map_err(unanswered)?.map_err(platform_unanswered)?;
        // The same idempotency key the dispatch sent, so the write reads and sends as it did.
        account.dispatch_key = Some(crate::platform::dispatch_key(row.id));
        Ok(InFlight { caller, write, prepared, platform_write, account })
    }
}

/// A failure on our side: the database failing passes, anything else does not.
fn unanswered(failure: Failure) -> Unanswered {
    match failure {
        Failure::Api(_) => Unanswered::ForNow(failure_detail(failure)),
        Failure::User(_) => Unanswered::ForGood(failure_detail(failure)),
    }
}

/// A platform failure while reading back: an unreachable or throttling platform, or an expired
/// token the refresher may renew, passes.
fn platform_unanswered(error: PlatformError) -> Unanswered {
    let passes = error.is_retryable() || matches!(error, PlatformError::AuthExpired { .. });
    let detail = error.audit_detail();
    if passes { Unanswered::ForNow(detail) } else { Unanswered::ForGood(detail) }
}

/// The caller a row's decision was made for (scopes are not needed to apply a decided write).
fn caller_of(row: &audit::Model) -> Result<Caller, Failure> {
    Ok(Caller {
        organization_id: row.organization_id,
        kind: row.actor_kind()?,
        actor_id: row.actor_id.clone(),
        api_key_id: row.actor_api_key_id,
        scopes: Vec::new(),
    })
}

/// A JSON column of the row, read back as `T`.
fn from_row<T: serde::de::DeserializeOwned>(value: Option<&Value>, column: &str) -> Result<T, Value> {
    let value =
        value.ok_or_else(|| json!({ "code": "INTERNAL", "message": format!("no {column} recorded") }))?;
    serde_json::from_value(value.clone())
        .map_err(|error| json!({ "code": "INTERNAL", "message": format!("{column} unreadable: {error}") }))
}

/// The audit detail of a failure on our side.
fn failure_detail(failure: Failure) -> Value {
    match failure {
        Failure::User(error) => json!({ "code": error.code.as_str(), "message": error.message }),
        Failure::Api(error) => {
            tracing::error!(?error, "reconciler could not read a dispatch back");
            json!({ "code": "INTERNAL", "message": "the dispatch could not be read back" })
        }
    }
}

/// The detail of a dispatch interrupted before (`sent` false) or during its platform call, which
/// the platform shows did not apply: sending it again applies it once.
fn interrupted(sent: bool) -> Value {
    let message = if sent {
        "the call's answer was never recorded, and the platform shows the write did not apply"
    } else {
        "the dispatch was interrupted before the platform call started"
    };
    json!({
        "reconciled": true,
        "sent": sent,
        "error": { "code": "DISPATCH_INTERRUPTED", "message": message, "retryable": true },
    })
}

/// `detail` with what the row said while it waited (`earlier`), so the platform's first error
/// stays readable after the settlement.
fn noting(mut detail: Value, earlier: &Option<Value>) -> Value {
    if let (Some(earlier), Value::Object(fields)) = (earlier, &mut detail) {
        fields.insert("earlier".to_owned(), earlier.clone());
    }
    detail
}

/// The detail of a dispatch a person must settle: it was not sent again.
fn needs_attention(error: Value) -> Value {
    json!({ "reconciled": true, "needs_attention": true, "error": error })
}
