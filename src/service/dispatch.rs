//! Dispatching an allowed write through the platform proxy, then recording what happened.
//!
//! Runs after the deciding transaction committed, never inside one. The audit row is the
//! dispatch ledger (`store::audit::ledger`): right before the platform call, in one transaction
//! with the kill-switch re-check, the row records the normalized write, the start time, a lease
//! and the platform object it changes (one started dispatch per object at a time, so writes to
//! one object reach the platform and local state in the same order). Right after the call, one
//! transaction settles the row (compare-and-set on its lease) and, only if that succeeded and the
//! platform accepted, applies the write locally and moves a pending action to `dispatched`;
//! a refusal leaves local state as it was and moves the action to `failed`.
//!
//! If the process dies during the call the row stays `in_flight` until its lease runs out; the
//! reconciler (`service::reconcile`) then asks the platform and settles it. A failure on our side
//! after the call started leaves it to the reconciler the same way: it is never marked failed
//! while the platform may have applied it.

use std::time::Duration as StdDuration;

use chrono::Utc;
use sea_orm::{DatabaseTransaction, DbBackend};
use serde_json::{Value, json};
use uuid::Uuid;

use super::apply::{Applied, apply, campaign_change};
use super::prepare::Prepared;
use super::write::AdWrite;
use super::{Caller, Failure, Services, VerdictRecord, WriteResult};
use crate::domain::gate::{Decision, DenyReason, PendingStatus, Verdict};
use crate::domain::status::{EntityStatus, StatusAction, transition};
use crate::domain::{Platform, UserErrorCode};
use crate::error::{ApiError, UserError};
use crate::events::Event;
use crate::platform::{AccountContext, AdMedia, DispatchReceipt, MediaKind, PlatformError, PlatformWrite};
use crate::store::audit::AuditEntry;
use crate::store::audit::ledger::{self, Begin, Start};
use crate::store::campaigns::{self, CampaignChange};
use crate::store::codes::{AdCodes, AdSetCodes, CampaignCodes, LayerCodes};
use crate::store::{audit, pending, platform_creatives, tenancy};

/// The default Apple Search Ads max cost per tap for a new ad group, in minor units, when the
/// campaign has no bid amount of its own.
const DEFAULT_APPLE_BID_CENTS: i64 = 100;

/// How long a dispatch waits, in total, for another dispatch to the same platform object to settle.
pub(super) const TARGET_BUSY_WAIT: StdDuration = StdDuration::from_secs(10);

/// How long it waits between two looks.
const TARGET_BUSY_POLL: StdDuration = StdDuration::from_millis(25);

/// One dispatch's hold on its audit row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    /// The audit row (verdict id).
    pub verdict_id: Uuid,
    /// The lease the holder settles with; `None` until the call starts.
    pub lease_id: Option<Uuid>,
    /// The pending action being dispatched, when an approval dispatches it.
    pub pending_action_id: Option<Uuid>,
}

/// One allowed write on its way to the platform: who it is for, the write, the state it was
/// decided on, the verdict it answers with, and its hold on its audit row.
#[derive(Debug)]
pub(crate) struct Dispatch {
    caller: Caller,
    write: AdWrite,
    prepared: Prepared,
    verdict: VerdictRecord,
    ticket: Ticket,
}

impl Dispatch {
    /// The dispatch of `write`, allowed by `verdict` for `caller`; `pending_action_id` is the
    /// approved action it carries out, if any.
    pub(crate) fn new(
        caller: &Caller,
        write: AdWrite,
        prepared: Prepared,
        verdict: VerdictRecord,
        pending_action_id: Option<Uuid>,
    ) -> Self {
        let ticket = Ticket { verdict_id: verdict.id, lease_id: None, pending_action_id };
        Dispatch { caller: caller.clone(), write, prepared, verdict, ticket }
    }

    /// The answer with the verdict and the targeted objects as they were decided on.
    fn answer(&self) -> WriteResult {
        super::gatekeeper::targets(&self.prepared, self.verdict.clone())
    }

    /// The same answer with `error`.
    fn answer_with(&self, error: UserError) -> WriteResult {
        let mut result = self.answer();
        result.user_errors.push(error);
        result
    }
}

/// Why a dispatch stopped short of a platform answer being recorded.
enum Interrupted {
    /// Before the platform call started: the row can be marked failed.
    BeforeCall(Failure),
    /// After it started: only the platform can say what happened; the reconciler asks it.
    AfterCall(Failure),
}

impl<E: Into<Failure>> From<E> for Interrupted {
    fn from(error: E) -> Self {
        Interrupted::BeforeCall(error.into())
    }
}

impl Services {
    /// Sends an allowed write to the platform and applies it locally if the platform accepts it;
    /// an approved action it carries out is answered as it is afterwards. If that fails on our
    /// side before the call, the audit row says so; after the call, the reconciler settles it.
    pub(crate) async fn dispatch(&self, mut dispatch: Dispatch) -> Result<WriteResult, Failure> {
        let ticket = dispatch.ticket;
        let mut result = match self.send(&mut dispatch).await {
            Ok(result) => result,
            Err(Interrupted::BeforeCall(failure)) => {
                let detail = json!({ "error": {
                    "code": "INTERNAL", "message": "the dispatch could not be started", "retryable": true } });
                if let Err(error) = self.settle_failure(ticket, ledger::FAILED, detail).await {
                    tracing::error!(?error, verdict_id = %ticket.verdict_id, "could not record a failed dispatch");
                }
                return Err(failure);
            }
            Err(Interrupted::AfterCall(failure)) => {
                tracing::error!(
                    verdict_id = %ticket.verdict_id,
                    "dispatch outcome not recorded: left in flight for the reconciler"
                );
                return Err(failure);
            }
        };
        // The dispatch moved the action on (dispatched, failed, or pending again when the kill
        // switch was tripped meanwhile) in the transaction that recorded its outcome.
        if let Some(id) = ticket.pending_action_id {
            result.pending_action = pending::find(&self.db, dispatch.caller.organization_id, id).await?;
        }
        Ok(result)
    }

    /// Records the start of the call, makes it, and records its outcome.
    async fn send(&self, dispatch: &mut Dispatch) -> Result<WriteResult, Interrupted> {
        // In live mode, with the connected account's fresh token; a platform error (no connected
        // account, a refused refresh) fails the write.
        let mut account = match self.dispatch_account(&dispatch.prepared.layer).await? {
            Ok(account) => account,
            Err(error) => return Ok(self.record_failure(dispatch, error).await?),
        };
        account.dispatch_key = Some(crate::platform::dispatch_key(dispatch.ticket.verdict_id));
        let platform_write = platform_write(&dispatch.write, &dispatch.prepared)?;
        // The deciding transaction recorded the start when nothing had to happen before the call.
        let (lease_id, platform_write) = match dispatch.ticket.lease_id {
            Some(lease_id) => (lease_id, platform_write),
            None => match self.start_call(dispatch, &account, platform_write).await? {
                CallStart::Go { lease_id, platform_write } => (lease_id, platform_write),
                CallStart::Answered(result) => return Ok(*result),
            },
        };
        let adapter = self.proxy.adapter(account.platform);
        let span =
            tracing::info_span!("dispatch", platform = %account.platform, write = platform_write.kind());
        let call = {
            let _entered = span.enter();
            adapter.dispatch(&account, &platform_write)
        };
        // The call never outlives the lease: past it, a reconciler may ask the platform, and must
        // not find a call of ours still under way.
        let limit = self.dispatch_lease.to_std().unwrap_or(StdDuration::MAX);
        let started = std::time::Instant::now();
        let timed = tokio::time::timeout(limit, call).await;
        let result = match &timed {
            Ok(Ok(_)) => "ok",
            Ok(Err(error)) => error.code(),
            Err(_) => "DISPATCH_OUTCOME_PENDING",
        };
        crate::telemetry::platform_dispatch(account.platform.as_str(), result, started.elapsed());
        let verdict_id = dispatch.verdict.id;
        let Ok(outcome) = timed else {
            tracing::error!(%verdict_id, "platform call outlived the dispatch lease: left to the reconciler");
            return Ok(outcome_pending(dispatch, "the platform did not answer in time"));
        };
        let recorded = match outcome {
            Ok(receipt) => self.record_success(dispatch, receipt).await,
            Err(error @ PlatformError::OutcomeUnknown { .. }) => {
                tracing::warn!(%verdict_id, %error, "platform outcome unknown: left to the reconciler");
                // The reconciler's next run asks the platform again, without waiting for the lease;
                // meanwhile the row says why it waits.
                let detail = json!({ "pending": true, "error": error.audit_detail() });
                ledger::release(&self.db, verdict_id, lease_id, Utc::now(), Some(detail))
                    .await
                    .map_err(|error| Interrupted::AfterCall(error.into()))?;
                return Ok(outcome_pending(dispatch, "the platform could not confirm the write"));
            }
            Err(error) => self.record_failure(dispatch, error).await,
        };
        recorded.map_err(Interrupted::AfterCall)
    }

    /// Records the start of a call the deciding transaction could not record: shows the write's
    /// creative on the platform first if it must be pushed, then takes the object's lease. The
    /// answer instead when the write ends here (the kill switch tripped meanwhile, the push
    /// refused, the object busy, or the reconciler settled the dispatch first).
    async fn start_call(
        &self,
        dispatch: &mut Dispatch,
        account: &AccountContext,
        platform_write: PlatformWrite,
    ) -> Result<CallStart, Interrupted> {
        let platform_write = match self.with_platform_creative(dispatch, account, platform_write).await? {
            Shown::Ready(platform_write) => platform_write,
            Shown::KillSwitch => return Ok(CallStart::answer(self.abort(dispatch).await?)),
            Shown::Refused(error) => {
                return Ok(CallStart::answer(self.record_failure(dispatch, error).await?));
            }
        };
        let lease_id = Uuid::now_v7();
        Ok(match self.begin(dispatch, account.platform, &platform_write, lease_id).await? {
            Begun::Started => {
                dispatch.ticket.lease_id = Some(lease_id);
                CallStart::Go { lease_id, platform_write }
            }
            Begun::KillSwitch => CallStart::answer(self.abort(dispatch).await?),
            Begun::Lost => CallStart::answer(taken_over(dispatch)),
            Begun::TargetBusy => {
                let error = json!({ "code": "DISPATCH_TARGET_BUSY", "retryable": true,
                    "message": "another write to the same platform object was still in flight; nothing was sent" });
                self.settle_failure(dispatch.ticket, ledger::FAILED, json!({ "error": error })).await?;
                CallStart::answer(dispatch.answer_with(UserError::general(
                    UserErrorCode::DispatchTargetBusy,
                    "another write to the same platform object is still in flight; try again",
                )))
            }
        })
    }

    /// `write` naming the platform's own creative: for an ad that shows a creative, the one the
    /// account already holds, else the one a push makes now (and records for every later ad).
    /// Other writes pass through. The push is a platform call, so it starts only if the kill
    /// switch is still released.
    async fn with_platform_creative(
        &self,
        dispatch: &Dispatch,
        account: &AccountContext,
        write: PlatformWrite,
    ) -> Result<Shown, Failure> {
        let Dispatch { caller, prepared, .. } = dispatch;
        if !write.shows_creative() {
            return Ok(Shown::Ready(write));
        }
        let creative = prepared.creative.as_ref().ok_or_else(|| missing("a creative"))?;
        let Some(ad_account_id) = account.ad_account_id.as_deref() else {
            return Ok(Shown::Refused(PlatformError::invalid("adAccountId", "the layer has no ad account")));
        };
        let holder = platform_creatives::Holder {
            organization_id: caller.organization_id,
            layer_id: prepared.layer.id,
            platform: account.platform,
            ad_account_id,
            destination: super::convert::destination(prepared.campaign.as_ref()).kept_on(account.platform),
        };
        let held = match platform_creatives::find(&self.db, holder, creative.id).await? {
            Some(held) => held,
            None => {
                let Some(media) = super::convert::creative_media(creative, prepared.campaign.as_ref()) else {
                    return Ok(Shown::Refused(PlatformError::invalid(
                        "mediaUrl",
                        "the creative has no media to push",
                    )));
                };
                let layer = tenancy::layer(&self.db, caller.organization_id, prepared.layer.id).await?;
                if layer.is_none_or(|layer| layer.kill_switch_active) {
                    return Ok(Shown::KillSwitch);
                }
                let pushed = match self.proxy.adapter(account.platform).push_creative(account, &media).await {
                    Ok(pushed) => pushed,
                    Err(error) => return Ok(Shown::Refused(error)),
                };
                tracing::info!(creative_id = %creative.id, platform = %account.platform, platform_creative_id = %pushed.platform_creative_id, "creative pushed");
                platform_creatives::record(&self.db, holder, creative.id, &pushed).await?
            }
        };
        let media = AdMedia {
            kind: if held.media_kind == "video" { MediaKind::Video } else { MediaKind::Image },
            cover_image_id: held.cover_image_id.clone(),
            text: creative.name.clone(),
        };
        Ok(Shown::Ready(match write {
            PlatformWrite::CreateAd { campaign_id, ad_set_id, name, status, .. } => PlatformWrite::CreateAd {
                campaign_id,
                ad_set_id,
                name,
                creative_id: held.platform_creative_id,
                status,
                media: Some(media),
            },
            PlatformWrite::ReplaceAdCreative { campaign_id, ad_set_id, ad_id, .. } => {
                PlatformWrite::ReplaceAdCreative {
                    campaign_id,
                    ad_set_id,
                    ad_id,
                    creative_id: held.platform_creative_id,
                    media: Some(media),
                }
            }
            other => other,
        }))
    }

    /// The start of `write`'s platform call on `platform` under lease `lease_id`, now.
    fn start(&self, lease_id: Uuid, platform: Platform, write: &PlatformWrite) -> Result<Start, Failure> {
        let now = Utc::now();
        Ok(Start {
            lease_id,
            lease_until: now + self.dispatch_lease,
            write: serde_json::to_value(write)?,
            target: write.target_id().map(|id| format!("{platform}:{id}")),
            started_at: now,
            holder: self.holder.clone(),
        })
    }

    /// Writes the audit row `entry` of the allowed write `dispatch` carries out, in the deciding
    /// transaction `txn`. When nothing has to happen before the platform call (a write that
    /// shows a creative may push it first, a platform call of its own) and the platform object
    /// is free, the row records the call's start too: the decision's own kill-switch check,
    /// under its lock on the layer, is then the last one before the call, and the dispatch goes
    /// straight to the platform once this transaction commits. Otherwise the dispatch records the
    /// start itself, as [`Services::begin`] does.
    pub(crate) async fn record_allowed(
        &self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        mut entry: AuditEntry,
        dispatch: &mut Dispatch,
    ) -> Result<entity::audit::Model, Failure> {
        let write = platform_write(&dispatch.write, &dispatch.prepared).ok();
        let Some(write) = write.filter(|write| !write.shows_creative()) else {
            entry.dispatch_holder = Some(self.holder.clone());
            return Ok(audit::insert(txn, caller, entry).await?);
        };
        let lease_id = Uuid::now_v7();
        let start = self.start(lease_id, dispatch.prepared.layer.platform()?, &write)?;
        let (row, started) = audit::insert_started(txn, caller, entry, start).await?;
        if started {
            dispatch.ticket.lease_id = Some(lease_id);
        }
        Ok(row)
    }

    /// Records the start of the platform call, unless the kill switch was tripped since the
    /// decision; waits a little for another dispatch to the same object to settle.
    async fn begin(
        &self,
        dispatch: &Dispatch,
        platform: Platform,
        write: &PlatformWrite,
        lease_id: Uuid,
    ) -> Result<Begun, Failure> {
        let Dispatch { caller, prepared, ticket, .. } = dispatch;
        let waited_since = std::time::Instant::now();
        loop {
            let txn = crate::store::begin(&self.db).await?;
            let layer = tenancy::layer_for_decision(&txn, caller.organization_id, prepared.layer.id).await?;
            if layer.is_none_or(|layer| layer.kill_switch_active) {
                txn.rollback().await?;
                return Ok(Begun::KillSwitch);
            }
            match ledger::begin(&txn, ticket.verdict_id, self.start(lease_id, platform, write)?).await? {
                Begin::Started => {
                    txn.commit().await?;
                    return Ok(Begun::Started);
                }
                Begin::Lost => {
                    txn.rollback().await?;
                    return Ok(Begun::Lost);
                }
                Begin::TargetBusy => txn.rollback().await?,
            }
            if waited_since.elapsed() >= TARGET_BUSY_WAIT {
                return Ok(Begun::TargetBusy);
            }
            tokio::time::sleep(TARGET_BUSY_POLL).await;
        }
    }

    async fn record_success(
        &self,
        dispatch: &Dispatch,
        receipt: DispatchReceipt,
    ) -> Result<WriteResult, Failure> {
        let Dispatch { caller, write, prepared, ticket, .. } = dispatch;
        let platform_id = receipt.platform_id.clone();
        let detail = serde_json::to_value(&receipt)?;
        let Some(applied) =
            self.settle_success(*ticket, caller, write, prepared, detail, platform_id).await?
        else {
            return Ok(taken_over(dispatch));
        };
        let mut result = dispatch.answer();
        result.campaign = applied.campaign.or(result.campaign);
        result.ad_set = applied.ad_set.or(result.ad_set);
        result.ad = applied.ad.or(result.ad);
        Ok(result)
    }

    /// In one transaction: applies `write` locally, marks its pending action dispatched and
    /// settles the ticket's row as succeeded with `detail`, all of it only if this holder settled
    /// the row; in one statement instead where that is all one campaign update
    /// ([`Services::settled_in_one_statement`]).
    /// `None` when someone else had settled the row: nothing was applied.
    pub(crate) async fn settle_success(
        &self,
        ticket: Ticket,
        caller: &Caller,
        write: &AdWrite,
        prepared: &Prepared,
        detail: Value,
        platform_id: Option<String>,
    ) -> Result<Option<Applied>, Failure> {
        // Rows are locked in the order approvals lock them (pending action, then the target), so
        // a settlement and a concurrent approval of the same action never wait on each other;
        // the audit row comes last: a deciding transaction holding the target (a Meta budget
        // decision locks its campaign) may wait for this row to leave the target's in-flight place
        // (`audit::insert_started`), so this transaction must not wait for the target after
        // taking that row. A holder that finds the row settled already rolls the change back.
        if let Some(change) = self.settled_in_one_statement(ticket, write, prepared)? {
            let campaign = campaigns::changing(prepared.target_id, change);
            let settled = ledger::settle_applying(
                &self.db,
                ticket.verdict_id,
                ticket.lease_id,
                detail,
                prepared.target_id,
                campaign,
            )
            .await?;
            if settled.is_none() {
                tracing::warn!(verdict_id = %ticket.verdict_id, "dispatch already settled by another holder");
            }
            return Ok(settled.map(|campaign| Applied { campaign: Some(campaign), ..Default::default() }));
        }
        let txn = crate::store::begin(&self.db).await?;
        let events = move_pending(&txn, caller.organization_id, ticket, PendingStatus::Dispatched).await?;
        let applied = apply(&txn, caller, write, prepared, platform_id).await?;
        if !ledger::settle(&txn, ticket.verdict_id, ticket.lease_id, ledger::SUCCEEDED, detail).await? {
            txn.rollback().await?;
            tracing::warn!(verdict_id = %ticket.verdict_id, "dispatch already settled by another holder");
            return Ok(None);
        }
        if let (AdWrite::CreateCampaign(_), Some(created)) = (write, &applied.campaign) {
            audit::attach_campaign(&txn, ticket.verdict_id, created.id).await?;
        }
        self.commit(txn, events).await?;
        Ok(Some(applied))
    }

    /// The campaign change of a write settled in one statement (`ledger::settle_applying`) rather
    /// than a transaction: on PostgreSQL, a write that changes an existing campaign and carries out
    /// no pending action (nothing else changes with it, and no event announces it).
    fn settled_in_one_statement(
        &self,
        ticket: Ticket,
        write: &AdWrite,
        prepared: &Prepared,
    ) -> Result<Option<CampaignChange>, Failure> {
        if self.db.get_database_backend() != DbBackend::Postgres || ticket.pending_action_id.is_some() {
            return Ok(None);
        }
        campaign_change(write, prepared)
    }

    /// Settles the ticket's row as `status` (`failed` or `unknown`) with `detail`; a failed
    /// dispatch's pending action becomes `failed` (it can be approved again). Local state is not
    /// touched. Returns whether this holder settled it.
    pub(crate) async fn settle_failure(
        &self,
        ticket: Ticket,
        status: &str,
        detail: Value,
    ) -> Result<bool, Failure> {
        let txn = crate::store::begin(&self.db).await?;
        let events = match (status == ledger::FAILED, audit_org(&txn, ticket).await?) {
            (true, Some(org)) => {
                let code = detail["error"]["code"].as_str().map(str::to_owned);
                fail_pending(&txn, org, ticket, code).await?
            }
            _ => Vec::new(),
        };
        if !ledger::settle(&txn, ticket.verdict_id, ticket.lease_id, status, detail).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        self.commit(txn, events).await?;
        Ok(true)
    }

    /// The kill switch was tripped after the decision committed: no platform call starts, the
    /// decision becomes a denial, and a pending action being dispatched waits again.
    async fn abort(&self, dispatch: &Dispatch) -> Result<WriteResult, Failure> {
        let Dispatch { prepared, verdict, ticket, .. } = dispatch;
        let mut trace: Vec<String> =
            verdict.trace.iter().filter(|entry| !entry.starts_with("decided_by=")).cloned().collect();
        trace.push("kill_switch=active(before_dispatch)".to_owned());
        trace.push("decided_by=kill_switch".to_owned());
        let denial = Verdict {
            decision: Decision::Deny,
            reason: Some(DenyReason::KillSwitchActive),
            axis: verdict.axis,
            trace,
        };
        let txn = crate::store::begin(&self.db).await?;
        let row = audit::record_abort(&txn, verdict.id, &denial).await?;
        let mut events = vec![Event::write_denied(&row)];
        events.extend(move_pending(&txn, row.organization_id, *ticket, PendingStatus::Pending).await?);
        self.commit(txn, events).await?;
        Ok(super::gatekeeper::targets(prepared, VerdictRecord::new(verdict.id, &denial, false)))
    }

    async fn record_failure(
        &self,
        dispatch: &Dispatch,
        error: PlatformError,
    ) -> Result<WriteResult, Failure> {
        tracing::warn!(code = error.code(), verdict_id = %dispatch.verdict.id, "platform refused a write");
        let detail = json!({ "error": error.audit_detail() });
        if !self.settle_failure(dispatch.ticket, ledger::FAILED, detail).await? {
            return Ok(taken_over(dispatch));
        }
        let message = format!("the platform did not accept the write: {error}");
        Ok(dispatch.answer_with(match error.field() {
            // The input field the platform named, translated to ours (`dailyBudgetCents`, ...).
            Some(field) => UserError::field(field, error.user_error_code(), message),
            None => UserError::general(error.user_error_code(), message),
        }))
    }
}

/// Whether a write can show its creative.
enum Shown {
    /// The write, naming the platform's creative.
    Ready(PlatformWrite),
    /// The kill switch was tripped since the decision: nothing was pushed.
    KillSwitch,
    /// The platform refused the push: the write fails with its error.
    Refused(PlatformError),
}

/// Where starting a call the deciding transaction did not record ended.
enum CallStart {
    /// The call may go: the lease taken, the write naming the platform's creative.
    Go { lease_id: Uuid, platform_write: PlatformWrite },
    /// The write ends here, with this answer.
    Answered(Box<WriteResult>),
}

impl CallStart {
    fn answer(result: WriteResult) -> Self {
        CallStart::Answered(Box::new(result))
    }
}

/// What recording the start of a call found.
enum Begun {
    Started,
    KillSwitch,
    Lost,
    TargetBusy,
}

/// The answer when a reconciler settled the dispatch first (the lease ran out during the call):
/// its settlement, in the audit row, is the one that counts.
fn taken_over(dispatch: &Dispatch) -> WriteResult {
    dispatch.answer_with(UserError::general(
        UserErrorCode::DispatchReconciled,
        "the dispatch outlived its lease and was settled by the reconciler: see the audit row",
    ))
}

/// The organization of the ticket's audit row.
async fn audit_org<C: sea_orm::ConnectionTrait>(conn: &C, ticket: Ticket) -> Result<Option<Uuid>, Failure> {
    Ok(audit::organization_of(conn, ticket.verdict_id).await?)
}

/// Moves the ticket's pending action from `approved` to `failed`, with the error code as its
/// reason, returning its event.
async fn fail_pending<C: sea_orm::ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ticket: Ticket,
    code: Option<String>,
) -> Result<Vec<Event>, Failure> {
    let Some(id) = ticket.pending_action_id else {
        return Ok(Vec::new());
    };
    if !pending::transition_with_reason(conn, id, PendingStatus::Approved, PendingStatus::Failed, code)
        .await?
    {
        return Ok(Vec::new());
    }
    Ok(pending::find(conn, org, id).await?.iter().map(Event::pending_changed).collect())
}

/// Moves the ticket's pending action from `approved` to `to`, returning its event.
async fn move_pending<C: sea_orm::ConnectionTrait>(
    conn: &C,
    org: Uuid,
    ticket: Ticket,
    to: PendingStatus,
) -> Result<Vec<Event>, Failure> {
    let Some(id) = ticket.pending_action_id else {
        return Ok(Vec::new());
    };
    if !pending::transition(conn, id, PendingStatus::Approved, to, None).await? {
        return Ok(Vec::new());
    }
    Ok(pending::find(conn, org, id).await?.iter().map(Event::pending_changed).collect())
}

/// The answer to a write whose platform outcome is not known yet: its row stays in flight and the
/// reconciler settles it, once its lease has passed, from what the platform shows.
fn outcome_pending(dispatch: &Dispatch, why: &str) -> WriteResult {
    dispatch.answer_with(UserError::general(
        UserErrorCode::DispatchOutcomePending,
        format!("{why}; the write will be settled from what the platform shows: see the audit row"),
    ))
}

fn missing(what: &str) -> Failure {
    Failure::Api(ApiError::internal(format!("dispatch needs {what}")))
}

fn platform_id(id: Option<&String>, what: &str) -> Result<String, Failure> {
    id.cloned().ok_or_else(|| missing(what))
}

/// The normalized platform write for an allowed `write` on `prepared` state.
pub(crate) fn platform_write(write: &AdWrite, prepared: &Prepared) -> Result<PlatformWrite, Failure> {
    let campaign_id = || {
        platform_id(
            prepared.campaign.as_ref().and_then(|c| c.platform_campaign_id.as_ref()),
            "a platform campaign id",
        )
    };
    let ad_set_id = || {
        platform_id(
            prepared.ad_set.as_ref().and_then(|s| s.platform_ad_set_id.as_ref()),
            "a platform ad set id",
        )
    };
    let ad_id =
        || platform_id(prepared.ad.as_ref().and_then(|a| a.platform_ad_id.as_ref()), "a platform ad id");
    let creative_id =
        || prepared.creative.as_ref().map(|c| c.id.to_string()).ok_or_else(|| missing("a creative"));
    Ok(match write {
        AdWrite::CreateCampaign(new) => PlatformWrite::CreateCampaign {
            name: new.name.clone(),
            outcome: new.outcome,
            budget: new.budget,
            bid_strategy: new.bid_strategy,
            bid_amount_cents: new.bid_amount_cents,
            status: EntityStatus::Active,
            start_time: new.start_time,
            end_time: new.end_time,
        },
        AdWrite::CampaignBudget { budget, .. } => {
            PlatformWrite::UpdateCampaignBudget { campaign_id: campaign_id()?, budget: *budget }
        }
        AdWrite::CampaignBidding { bid_strategy, bid_amount_cents, .. } => {
            PlatformWrite::UpdateCampaignBidding {
                campaign_id: campaign_id()?,
                bid_strategy: *bid_strategy,
                bid_amount_cents: *bid_amount_cents,
            }
        }
        AdWrite::CampaignSchedule { start_time, end_time, .. } => PlatformWrite::UpdateCampaignSchedule {
            campaign_id: campaign_id()?,
            start_time: *start_time,
            end_time: *end_time,
        },
        AdWrite::CampaignTargeting { targeting, .. } => PlatformWrite::UpdateCampaignTargeting {
            campaign_id: campaign_id()?,
            targeting: targeting.clone(),
        },
        AdWrite::CampaignStatus { action, .. } => PlatformWrite::SetCampaignStatus {
            campaign_id: campaign_id()?,
            status: next_status(prepared.campaign.as_ref().map(CampaignCodes::status).transpose()?, *action)?,
        },
        AdWrite::CreateAdSet { name, daily_budget_cents, targeting, .. } => PlatformWrite::CreateAdSet {
            campaign_id: campaign_id()?,
            name: name.clone(),
            daily_budget_cents: *daily_budget_cents,
            bid_amount_cents: Some(
                prepared
                    .campaign
                    .as_ref()
                    .and_then(|c| c.bid_amount_cents)
                    .unwrap_or(DEFAULT_APPLE_BID_CENTS),
            ),
            targeting: targeting.clone(),
            status: EntityStatus::Active,
            outcome: prepared.campaign.as_ref().and_then(|c| c.outcome().ok()),
            start_time: Some(
                prepared.campaign.as_ref().and_then(|c| c.schedule_start).unwrap_or_else(chrono::Utc::now),
            ),
            end_time: prepared.campaign.as_ref().and_then(|c| c.schedule_end),
        },
        AdWrite::AdSetStatus { action, .. } => PlatformWrite::SetAdSetStatus {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            status: next_status(prepared.ad_set.as_ref().map(AdSetCodes::status).transpose()?, *action)?,
        },
        AdWrite::LaunchAd { name, .. } => PlatformWrite::CreateAd {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            name: name.clone(),
            creative_id: creative_id()?,
            status: EntityStatus::Active,
            media: None,
        },
        AdWrite::ReplaceAdCreative { .. } => PlatformWrite::ReplaceAdCreative {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            ad_id: ad_id()?,
            creative_id: creative_id()?,
            media: None,
        },
        AdWrite::PruneAd { .. } => PlatformWrite::SetAdStatus {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            ad_id: ad_id()?,
            status: EntityStatus::Paused,
        },
        AdWrite::AdStatus { action, .. } => PlatformWrite::SetAdStatus {
            campaign_id: campaign_id()?,
            ad_set_id: ad_set_id()?,
            ad_id: ad_id()?,
            status: next_status(prepared.ad.as_ref().map(AdCodes::status).transpose()?, *action)?,
        },
    })
}

/// The status after `action`, for a write the gate already found legal.
pub(crate) fn next_status(
    current: Option<EntityStatus>,
    action: StatusAction,
) -> Result<EntityStatus, Failure> {
    let current = current.ok_or_else(|| missing("a current status"))?;
    transition(current, action).map_err(|err| Failure::Api(ApiError::internal(format!("transition: {err}"))))
}
