//! Live adapters: the native requests the pure builders produce, sent over HTTP to each
//! platform's configurable base URL, with a timeout on every call, retries with backoff for
//! transient failures and rate limits only, and read-back before a create is ever sent twice.
//!
//! Safety rule: a write that timed out, lost its connection or got a 5xx may have been applied.
//! Before sending it again the adapter asks the platform ([`PlatformAdapter::reconcile`]):
//! applied means the platform's object is the receipt and nothing is sent again. For a create,
//! not applied means it is sent again; a read that fails for now (unreachable, 5xx, throttled)
//! is made again after the backoff while attempts are left; anything else gives up with
//! [`PlatformError::OutcomeUnknown`] instead of risking a duplicate. An update sets absolute
//! values, so sending it again is safe whatever the read-back says; when no attempt is left, an
//! update the platform could not be asked about is also `OutcomeUnknown` (the reconciler asks
//! again later), and one it shows not applied is a failure. A request that never left
//! (connection refused) is always safe to send again.
//!
//! This module must not touch the database, decide whether a write is allowed, or record a
//! token: receipts carry the redacted request.

mod apple;
mod apple_v1;
mod meta;
mod meta_usage;
mod policy;
mod tiktok;
mod transport;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde_json::Value;

use meta_usage::Pacer;
pub use meta_usage::{PACE_FROM_PCT, pace};
pub use policy::{RetryPolicy, parse_retry_after};
use transport::{Answer, SendError, Transport};

use super::common::id_string;
use super::creative::{CreativeMedia, Exchange, PushedCreative};
use super::{
    AccountContext, DispatchReceipt, NativeRequest, PlatformAdapter, PlatformError, PlatformSettings,
    PlatformWrite, Reconciliation,
};
use crate::auth::Secret;
use crate::domain::Platform;
use crate::domain::status::EntityStatus;

/// How far a platform's clock may be behind ours when a create is read back: an object of the
/// exact name created up to this long before the call started is taken as the call's.
pub const CLOCK_SKEW_SECS: i64 = 300;

/// A live adapter could not be set up (the HTTP client could not be built).
#[derive(Debug, thiserror::Error)]
#[error("the {platform} live adapter could not be set up: {message}")]
pub struct LiveSetupError {
    /// The platform whose adapter failed.
    pub platform: Platform,
    /// Why.
    pub message: String,
}

/// Real HTTP calls to one ad platform.
#[derive(Debug, Clone)]
pub struct LiveAdapter {
    platform: Platform,
    transport: Transport,
    /// Apple only: the Apple Ads Platform API host, for requests below `/v1/`.
    apple_v1: Option<Transport>,
    meta_version: String,
    policy: RetryPolicy,
    /// Meta: when each connected account may be called next (from its usage headers).
    pacer: std::sync::Arc<Pacer>,
}

/// A read-only call made while reconciling.
#[derive(Debug, Clone)]
struct Read {
    request: NativeRequest,
    query: Vec<(String, String)>,
}

/// One object found under a parent while reconciling a create.
#[derive(Debug, Clone)]
struct Candidate<'a> {
    id: Option<String>,
    name: Option<&'a str>,
    created: Option<DateTime<Utc>>,
    object: &'a Value,
}

impl<'a> Candidate<'a> {
    fn new(object: &'a Value, id: &str, name: &str, created: &str) -> Self {
        Candidate {
            id: id_string(&object[id]),
            name: object[name].as_str(),
            created: parse_time(&object[created]),
            object,
        }
    }
}

/// What went wrong with one attempt, and whether the platform may have acted on it.
#[derive(Debug)]
struct Failure {
    error: PlatformError,
    maybe_applied: bool,
    /// No answer came (a timeout, a lost connection): the platform may still be working on it.
    unanswered: bool,
}

impl LiveAdapter {
    /// The live adapter for `platform`, with the settings' base URL, Graph API version and policy.
    pub fn new(platform: Platform, settings: &PlatformSettings) -> Result<Self, LiveSetupError> {
        let base_url = match platform {
            Platform::Meta => &settings.meta_base_url,
            Platform::Tiktok => &settings.tiktok_base_url,
            Platform::Apple => &settings.apple_base_url,
        };
        let policy = RetryPolicy::from_settings(settings);
        let setup = |base_url: &str| {
            Transport::new(base_url, policy.timeout)
                .map_err(|err| LiveSetupError { platform, message: err.to_string() })
        };
        let transport = setup(base_url)?;
        let apple_v1 =
            if platform == Platform::Apple { Some(setup(&settings.apple_ads_base_url)?) } else { None };
        let meta_version = settings.meta_api_version.clone();
        Ok(LiveAdapter { platform, transport, apple_v1, meta_version, policy, pacer: Default::default() })
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The native request for a write, Meta paths on the configured Graph API version.
    pub fn build_request(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
    ) -> Result<NativeRequest, PlatformError> {
        match self.platform {
            Platform::Meta => super::meta::build_versioned_request(account, write, &self.meta_version),
            Platform::Tiktok | Platform::Apple => super::build_request(account, write),
        }
    }

    /// Refuses an account of another platform, or one with no connected account.
    fn check_account<'a>(&self, account: &'a AccountContext) -> Result<&'a Secret, PlatformError> {
        if account.platform != self.platform {
            return Err(PlatformError::invalid(
                "platform",
                format!("a {} account sent to the {} adapter", account.platform, self.platform),
            ));
        }
        account.access_token.as_ref().ok_or_else(|| {
            PlatformError::auth_expired(format!(
                "the layer has no connected {} ad account: connect the account before sending live writes",
                self.platform
            ))
        })
    }

    /// The host a request goes to: Apple Ads Platform API paths (`/v1/…`) to its own host.
    fn transport_for(&self, request: &NativeRequest) -> &Transport {
        match &self.apple_v1 {
            Some(v1) if request.path.starts_with(super::apple_v1::API_PREFIX) => v1,
            _ => &self.transport,
        }
    }

    /// One attempt: send, read the answer.
    async fn attempt(
        &self,
        request: &NativeRequest,
        query: &[(String, String)],
        token: &Secret,
    ) -> Result<Value, Failure> {
        // Meta: space calls out when the account's usage is high (see `meta_usage`).
        let paced = (self.platform == Platform::Meta).then(|| Pacer::key(token));
        if let Some(key) = paced {
            self.pacer.before_call(key, &self.policy).await.map_err(|error| Failure {
                error,
                maybe_applied: false,
                unanswered: false,
            })?;
        }
        let answer = match self.transport_for(request).send(request, query, token).await {
            Ok(answer) => answer,
            Err(SendError::NotSent(message)) => {
                return Err(Failure {
                    error: PlatformError::transient(message),
                    maybe_applied: false,
                    unanswered: true,
                });
            }
            Err(SendError::Lost(message)) => {
                return Err(Failure {
                    error: PlatformError::transient(message),
                    maybe_applied: true,
                    unanswered: true,
                });
            }
        };
        if let Some(key) = paced {
            self.pacer.after_answer(key, &answer.usage, &self.policy);
        }
        self.read_answer(&answer).map_err(|error| {
            let maybe_applied = matches!(error, PlatformError::Transient { .. });
            Failure { error, maybe_applied, unanswered: false }
        })
    }

    /// The platform's answer as its native response, or the typed error.
    fn read_answer(&self, answer: &Answer) -> Result<Value, PlatformError> {
        match self.platform {
            Platform::Meta => meta::read_answer(answer),
            Platform::Tiktok => tiktok::read_answer(answer),
            Platform::Apple => apple::read_answer(answer),
        }
    }

    /// The receipt of a successful write.
    fn receipt(
        &self,
        write: &PlatformWrite,
        native_request: NativeRequest,
        response: Value,
    ) -> DispatchReceipt {
        let platform_id = match self.platform {
            Platform::Meta => meta::platform_id(write, &response),
            Platform::Tiktok => tiktok::platform_id(write, &response),
            Platform::Apple => apple::platform_id(write, &response),
        };
        DispatchReceipt::new(platform_id, native_request, response)
    }

    /// A read-only call while reconciling: one attempt, its failure returned as is.
    async fn read(&self, read: &Read, token: &Secret) -> Result<Value, PlatformError> {
        self.attempt(&read.request, &read.query, token).await.map_err(|failure| failure.error)
    }

    /// Reads back an update: does the object show the values the write sets?
    async fn reconcile_update(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
        token: &Secret,
    ) -> Result<Reconciliation, PlatformError> {
        let read = match self.platform {
            Platform::Meta => meta::read_object(&self.meta_version, write),
            Platform::Tiktok => tiktok::read_object(account, write)?,
            Platform::Apple => apple::read_object(account, write)?,
        };
        let Some(read) = read else { return Ok(Reconciliation::Unknown) };
        let deleting = sets_deleted(write);
        let body = match self.read(&read, token).await {
            Ok(body) => body,
            // A deleted object may no longer be readable at all.
            Err(error) if deleting && gone(&error) => {
                return Ok(applied(write.target_id(), error.audit_detail()));
            }
            Err(error) => return Err(error),
        };
        let object = match self.platform {
            Platform::Meta => meta::object_in(&body),
            Platform::Tiktok => tiktok::object_in(&body),
            Platform::Apple => apple::object_in(&body),
        };
        let Some(object) = object else {
            return Ok(if deleting { applied(write.target_id(), body) } else { Reconciliation::Unknown });
        };
        let shows = match self.platform {
            Platform::Meta => meta::shows(account, write, object),
            Platform::Tiktok => tiktok::shows(account, write, object),
            Platform::Apple => apple::shows(account, write, object),
        };
        Ok(if shows { applied(write.target_id(), object.clone()) } else { Reconciliation::NotApplied })
    }

    /// Reads back a create: exactly one object of that name made at or after `sent_after`.
    async fn reconcile_create(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
        sent_after: DateTime<Utc>,
        token: &Secret,
    ) -> Result<Reconciliation, PlatformError> {
        let Some(name) = created_name(write) else { return Ok(Reconciliation::Unknown) };
        // Platforms stamp creation to the second, by their own clock: look from the start of the
        // sending second, less the clock difference tolerated (the name must still match exactly).
        let since = (sent_after - chrono::Duration::seconds(CLOCK_SKEW_SECS)).trunc_subsecs(0);
        let read = match self.platform {
            Platform::Meta => meta::list_created(&self.meta_version, account, write, name)?,
            Platform::Tiktok => tiktok::list_created(account, write, name, since)?,
            Platform::Apple => apple::list_created(account, write, name)?,
        };
        let body = self.read(&read, token).await?;
        let listed = match self.platform {
            Platform::Meta => meta::candidates(&body),
            Platform::Tiktok => tiktok::candidates(write, &body),
            Platform::Apple => apple::candidates(&body),
        };
        let matching: Vec<_> = listed
            .into_iter()
            .filter(|candidate| candidate.name == Some(name))
            .filter(|candidate| candidate.created.is_some_and(|created| created >= since))
            .collect();
        Ok(match matching.as_slice() {
            [] => Reconciliation::NotApplied,
            [only] if only.id.is_some() => {
                Reconciliation::Applied { platform_id: only.id.clone(), native_response: only.object.clone() }
            }
            _ => Reconciliation::Unknown,
        })
    }

    /// Asks the platform whether a write that may have been applied was; `last` when no attempt
    /// is left to send it again; `unanswered` when the call got no answer at all (a timeout, a
    /// lost connection), so the platform may still be creating the object: a create it does not
    /// show yet is then left to the reconciler, which asks again once the platform has had time
    /// to finish, instead of being sent a second time now.
    #[allow(clippy::too_many_arguments)]
    async fn check(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
        sent_after: DateTime<Utc>,
        request: &NativeRequest,
        error: PlatformError,
        last: bool,
        unanswered: bool,
    ) -> Check {
        let answer = self.reconcile(account, write, sent_after).await;
        let settled = |platform_id, native_response| {
            Check::Settled(Ok(DispatchReceipt::new(platform_id, request.clone(), native_response)))
        };
        match answer {
            Ok(Reconciliation::Applied { platform_id, native_response }) => {
                settled(platform_id, native_response)
            }
            Ok(Reconciliation::NotApplied) if write.is_create() && unanswered => {
                Check::Settled(Err(error.into_outcome_unknown(
                    "the platform did not answer and does not show the object yet; it may still be creating it, so it was not sent again",
                )))
            }
            Ok(Reconciliation::NotApplied) => Check::SendAgain(error),
            // Sending an update again sets the same values: safe, but not confirmable.
            Ok(Reconciliation::Unknown) if !write.is_create() => Check::SendAgain(error),
            Err(_) if !write.is_create() && !last => Check::SendAgain(error),
            Err(read) if !last && read.is_retryable() => {
                Check::AskAgain(error)
            }
            Ok(Reconciliation::Unknown) | Err(_) => Check::Settled(Err(error.into_outcome_unknown(
                "the write may have been applied and the platform could not confirm it, so it was not sent again",
            ))),
        }
    }
}

/// What reading back a write that may have been applied settled.
#[derive(Debug)]
enum Check {
    /// Sending the write again applies it once: the error to give up with when no attempt is left.
    SendAgain(PlatformError),
    /// The dispatch is over: the object the write made or changed, or the error to give up with.
    Settled(Result<DispatchReceipt, PlatformError>),
    /// The platform could not be asked now (a create that may have applied): ask again later,
    /// without sending; the error to give up with when no attempt is left.
    AskAgain(PlatformError),
}

/// The live adapter sending push steps with one account's token.
struct Sending<'a> {
    adapter: &'a LiveAdapter,
    token: &'a Secret,
}

#[async_trait]
impl Exchange for Sending<'_> {
    /// Sends one step, retrying transient failures and rate limits as a write is retried. An
    /// upload sent again after a lost answer at worst leaves a second copy of the media in the
    /// account's library: no ad shows it, and no ad is created twice.
    async fn exchange(
        &self,
        request: &NativeRequest,
        query: &[(String, String)],
    ) -> Result<Value, PlatformError> {
        let adapter = self.adapter;
        let mut attempt = 1;
        loop {
            let error = match adapter.attempt(request, query, self.token).await {
                Ok(response) => return Ok(response),
                Err(failure) => failure.error,
            };
            if !error.is_retryable() || attempt >= adapter.policy.max_attempts {
                return Err(gave_up(error, attempt));
            }
            let Some(wait) = adapter.policy.wait_before_retry(&error, attempt) else {
                return Err(error.with_context("the platform asked to wait longer than allowed"));
            };
            tracing::warn!(platform = %adapter.platform, path = %request.path, attempt, code = error.code(), wait_ms = wait.as_millis() as u64, "creative push step failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

#[async_trait]
impl PlatformAdapter for LiveAdapter {
    fn platform(&self) -> Platform {
        self.platform
    }

    async fn push_creative(
        &self,
        account: &AccountContext,
        media: &CreativeMedia,
    ) -> Result<PushedCreative, PlatformError> {
        let token = self.check_account(account)?;
        super::creative::push(account, media, &self.meta_version, &Sending { adapter: self, token }).await
    }

    async fn dispatch(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
    ) -> Result<DispatchReceipt, PlatformError> {
        let token = self.check_account(account)?;
        let request = self.build_request(account, write)?;
        let sent_after = Utc::now();
        let mut attempt = 1;
        let mut failed = Vec::new();
        loop {
            let failure = match self.attempt(&request, &[], token).await {
                Ok(response) => return Ok(self.receipt(write, request, response).after(failed)),
                Err(failure) => failure,
            };
            let Failure { error, maybe_applied, unanswered } = failure;
            failed.push(error.audit_detail());
            let retry = error.is_retryable() && attempt < self.policy.max_attempts;
            if retry {
                let Some(wait) = self.policy.wait_before_retry(&error, attempt) else {
                    return Err(error.with_context("the platform asked to wait longer than allowed"));
                };
                tracing::warn!(platform = %self.platform, write = write.kind(), attempt, code = error.code(), wait_ms = wait.as_millis() as u64, "platform call failed; retrying");
                tokio::time::sleep(wait).await;
            }
            if maybe_applied {
                let (mut error, mut last) = (error, !retry);
                loop {
                    match self.check(account, write, sent_after, &request, error, last, unanswered).await {
                        Check::SendAgain(error) if last => return Err(gave_up(error, attempt)),
                        Check::SendAgain(_) => break,
                        Check::Settled(settled) => return settled.map(|receipt| receipt.after(failed)),
                        // The platform could not be asked (it is restarting, say): wait and ask
                        // again rather than send a create blind, within the same attempts.
                        Check::AskAgain(again) => {
                            attempt += 1;
                            last = attempt >= self.policy.max_attempts;
                            let wait = self.policy.wait_before_retry(&again, attempt).unwrap_or_default();
                            tracing::warn!(platform = %self.platform, write = write.kind(), attempt, wait_ms = wait.as_millis() as u64, "could not read back a create that may have applied; asking again");
                            tokio::time::sleep(wait).await;
                            error = again;
                        }
                    }
                }
            } else if !retry {
                return Err(gave_up(error, attempt));
            }
            attempt += 1;
        }
    }

    async fn reconcile(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
        sent_after: DateTime<Utc>,
    ) -> Result<Reconciliation, PlatformError> {
        let token = self.check_account(account)?;
        if write.is_create() {
            self.reconcile_create(account, write, sent_after, token).await
        } else {
            self.reconcile_update(account, write, token).await
        }
    }
}

/// The final error, saying how many attempts were made when there were several.
fn gave_up(error: PlatformError, attempts: u32) -> PlatformError {
    if attempts > 1 { error.with_context(&format!("after {attempts} attempts")) } else { error }
}

/// An applied update of `id`.
fn applied(id: Option<&str>, native_response: Value) -> Reconciliation {
    Reconciliation::Applied { platform_id: id.map(str::to_owned), native_response }
}

/// Whether the write deletes its object.
fn sets_deleted(write: &PlatformWrite) -> bool {
    matches!(
        write,
        PlatformWrite::SetCampaignStatus { status: EntityStatus::Deleted, .. }
            | PlatformWrite::SetAdSetStatus { status: EntityStatus::Deleted, .. }
            | PlatformWrite::SetAdStatus { status: EntityStatus::Deleted, .. }
    )
}

/// Whether a read failed because the object does not exist (HTTP 404).
fn gone(error: &PlatformError) -> bool {
    error.audit_detail()["native"]["http_status"] == 404
}

/// The name a create gives its object.
fn created_name(write: &PlatformWrite) -> Option<&str> {
    match write {
        PlatformWrite::CreateCampaign { name, .. }
        | PlatformWrite::CreateAdSet { name, .. }
        | PlatformWrite::CreateAd { name, .. } => Some(name),
        _ => None,
    }
}

/// A platform timestamp: RFC 3339, Meta's `+0000` offset, or a UTC wall time (TikTok, Apple).
fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    let text = value.as_str()?;
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    if let Ok(time) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(time.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|time| time.and_utc())
}

/// Whether a platform timestamp shows `expected` (absent or `null` shows `None`).
fn same_time(value: &Value, expected: Option<&DateTime<Utc>>) -> bool {
    match expected {
        None => value.is_null() || value.as_str() == Some(""),
        Some(expected) => {
            parse_time(value).is_some_and(|time| time.trunc_subsecs(0) == expected.trunc_subsecs(0))
        }
    }
}
