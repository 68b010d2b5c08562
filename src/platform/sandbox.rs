//! The sandbox adapter: an in-process stand-in for one platform.
//!
//! It builds the same native request a live adapter would send, assigns platform ids in the
//! platform's own style, answers with a plausible native response and remembers every request it
//! accepted (with the platform id it assigned), so tests and demos can see exactly what would have
//! reached the platform, and so [`PlatformAdapter::reconcile`] can answer whether a write arrived.
//! It must not perform I/O, and it keeps no object state: an update to any well-formed id
//! succeeds, because the database (not this process's memory) is the record of what exists.

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Value, json};

use super::creative::{self, CreativeMedia, Exchange, PushedCreative};
use super::error::PlatformError;
use super::native::{DispatchReceipt, NativeRequest};
use super::write::{AccountContext, PlatformWrite};
use super::{PlatformAdapter, Reconciliation, build_request, meta};
use crate::domain::Platform;
use crate::domain::status::EntityStatus;

/// An in-process simulation of one platform.
#[derive(Debug)]
pub struct SandboxAdapter {
    platform: Platform,
    state: Mutex<SandboxState>,
}

/// What the sandbox remembers between calls.
#[derive(Debug, Default)]
struct SandboxState {
    recorded: Vec<Accepted>,
    fail_next: Option<PlatformError>,
    crash_after_send_next: bool,
}

/// One accepted request, what the platform answered, and when.
#[derive(Debug, Clone)]
struct Accepted {
    request: NativeRequest,
    platform_id: String,
    response: Value,
    at: DateTime<Utc>,
}

impl SandboxAdapter {
    /// A sandbox for `platform` with nothing recorded.
    pub fn new(platform: Platform) -> Self {
        SandboxAdapter { platform, state: Mutex::new(SandboxState::default()) }
    }

    /// Every native request accepted so far, oldest first.
    pub fn recorded(&self) -> Vec<NativeRequest> {
        self.lock().recorded.iter().map(|accepted| accepted.request.clone()).collect()
    }

    /// Makes the next dispatch that builds a valid request behave like a process dying during the
    /// call: the platform accepts and records the write, and the answer never comes back (the
    /// call never completes; the caller's task is expected to be dropped, as a crash would).
    pub fn crash_after_send_next(&self) {
        self.lock().crash_after_send_next = true;
    }

    /// Makes the next dispatch that builds a valid request fail with `error` (nothing recorded).
    pub fn fail_next(&self, error: PlatformError) {
        self.lock().fail_next = Some(error);
    }

    /// The state, still usable if a panicking test poisoned the lock.
    fn lock(&self) -> MutexGuard<'_, SandboxState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuses an account of another platform.
    fn check_account(&self, account: &AccountContext) -> Result<(), PlatformError> {
        if account.platform == self.platform {
            Ok(())
        } else {
            Err(PlatformError::invalid(
                "platform",
                format!("a {} account sent to the {} adapter", account.platform, self.platform),
            ))
        }
    }
}

#[async_trait]
impl PlatformAdapter for SandboxAdapter {
    fn platform(&self) -> Platform {
        self.platform
    }

    async fn dispatch(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
    ) -> Result<DispatchReceipt, PlatformError> {
        self.check_account(account)?;
        let native_request = build_request(&simulated(account), write)?;
        let platform_id = match write.target_id() {
            Some(id) => id.to_owned(),
            None => new_platform_id(self.platform),
        };
        let native_response = native_response(self.platform, write, &platform_id);
        let crash = {
            let mut state = self.lock();
            if let Some(error) = state.fail_next.take() {
                return Err(error);
            }
            state.recorded.push(Accepted {
                request: native_request.clone(),
                platform_id: platform_id.clone(),
                response: native_response.clone(),
                at: Utc::now(),
            });
            std::mem::take(&mut state.crash_after_send_next)
        };
        if crash {
            std::future::pending::<()>().await;
        }
        Ok(DispatchReceipt::new(Some(platform_id), native_request, native_response))
    }

    /// Runs the platform's push steps against the simulation, which records each request.
    async fn push_creative(
        &self,
        account: &AccountContext,
        media: &CreativeMedia,
    ) -> Result<PushedCreative, PlatformError> {
        self.check_account(account)?;
        creative::push(&simulated(account), media, meta::API_VERSION, self).await
    }

    fn check_push(&self, account: &AccountContext, media: &CreativeMedia) -> Result<(), PlatformError> {
        creative::check_push(&simulated(account), media)
    }

    fn check_write(&self, account: &AccountContext, write: &PlatformWrite) -> Result<(), PlatformError> {
        build_request(&simulated(account), write).map(drop)
    }

    /// Applied when a request equal to the write's native request was accepted at or after
    /// `sent_after` (the latest such one, with the id it was given); otherwise not applied.
    async fn reconcile(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
        sent_after: DateTime<Utc>,
    ) -> Result<Reconciliation, PlatformError> {
        self.check_account(account)?;
        let native_request = build_request(&simulated(account), write)?;
        let state = self.lock();
        let found = state
            .recorded
            .iter()
            .rev()
            .find(|accepted| accepted.at >= sent_after && accepted.request == native_request);
        Ok(match found {
            Some(accepted) => Reconciliation::Applied {
                platform_id: Some(accepted.platform_id.clone()),
                native_response: accepted.response.clone(),
            },
            None => Reconciliation::NotApplied,
        })
    }
}

/// The sandbox answers each push step as the platform would, and records it.
#[async_trait]
impl Exchange for SandboxAdapter {
    async fn exchange(
        &self,
        request: &NativeRequest,
        _query: &[(String, String)],
    ) -> Result<Value, PlatformError> {
        let platform_id = new_platform_id(self.platform);
        let response = push_response(request, &platform_id);
        let mut state = self.lock();
        if let Some(error) = state.fail_next.take() {
            return Err(error);
        }
        state.recorded.push(Accepted {
            request: request.clone(),
            platform_id,
            response: response.clone(),
            at: Utc::now(),
        });
        Ok(response)
    }
}

/// Where simulated media lives.
const SANDBOX_MEDIA: &str = "https://sandbox.layers.invalid";

/// `account` with what a sandbox layer has not set filled in (Meta's Page, pixel and app,
/// TikTok's identity, app and pixel, the landing page), so the simulation runs without a real account's
/// settings.
fn simulated(account: &AccountContext) -> AccountContext {
    let mut account = account.clone();
    let identity = &mut account.identity;
    identity.meta_page_id.get_or_insert_with(|| "100000000000001".to_owned());
    identity.tiktok_identity_type.get_or_insert_with(|| "CUSTOMIZED_USER".to_owned());
    identity.tiktok_identity_id.get_or_insert_with(|| "7000000000000000002".to_owned());
    identity.landing_page_url.get_or_insert_with(|| format!("{SANDBOX_MEDIA}/landing"));
    identity.meta_pixel_id.get_or_insert_with(|| "100000000000003".to_owned());
    identity.meta_application_id.get_or_insert_with(|| "100000000000004".to_owned());
    identity.app_store_url.get_or_insert_with(|| "https://apps.apple.com/app/id100000005".to_owned());
    identity.tiktok_app_id.get_or_insert_with(|| "7000000000000000006".to_owned());
    identity.tiktok_pixel_id.get_or_insert_with(|| "7000000000000000007".to_owned());
    account
}

/// What the platform answers to one step of a creative push.
fn push_response(request: &NativeRequest, platform_id: &str) -> Value {
    let tiktok = |data: Value| json!({ "code": 0, "message": "OK", "request_id": uuid::Uuid::new_v4().simple().to_string(), "data": data });
    let path = request.path.as_str();
    if request.method == "GET" {
        let video_id = path.rsplit('/').next().unwrap_or_default();
        json!({ "id": video_id, "picture": format!("{SANDBOX_MEDIA}/thumbnails/{video_id}.jpg") })
    } else if path.ends_with("/file/video/ad/upload/") {
        tiktok(json!([{ "video_id": format!("v10033g50000{platform_id}"),
            "video_cover_url": format!("{SANDBOX_MEDIA}/covers/{platform_id}.jpg") }]))
    } else if path.ends_with("/file/image/ad/upload/") {
        tiktok(json!({ "image_id": format!("ad-site-i18n-sg/{platform_id}") }))
    } else {
        json!({ "id": platform_id })
    }
}

/// A fresh id in the platform's style: Meta 18 digits, TikTok 19 digits, Apple a 10-digit integer.
pub fn new_platform_id(platform: Platform) -> String {
    let mut rng = rand::rng();
    match platform {
        Platform::Meta => format!("1202{:014}", rng.random_range(0..100_000_000_000_000_u64)),
        Platform::Tiktok => format!("17{:017}", rng.random_range(0..100_000_000_000_000_000_u64)),
        Platform::Apple => rng.random_range(1_000_000_000..10_000_000_000_u64).to_string(),
    }
}

/// What the platform would answer to an accepted write.
fn native_response(platform: Platform, write: &PlatformWrite, platform_id: &str) -> Value {
    match platform {
        Platform::Meta => meta_response(write, platform_id),
        Platform::Tiktok => tiktok_response(write, platform_id),
        Platform::Apple => apple_response(write, platform_id),
    }
}

/// Meta answers a create with the new id and an update with `success`.
fn meta_response(write: &PlatformWrite, platform_id: &str) -> Value {
    if write.is_create() { json!({ "id": platform_id }) } else { json!({ "success": true }) }
}

/// TikTok wraps every answer in `{code, message, request_id, data}`; `code` 0 is success.
fn tiktok_response(write: &PlatformWrite, platform_id: &str) -> Value {
    let data = match write {
        PlatformWrite::CreateCampaign { .. }
        | PlatformWrite::UpdateCampaignBudget { .. }
        | PlatformWrite::UpdateCampaignBidding { .. }
        | PlatformWrite::UpdateCampaignSchedule { .. }
        | PlatformWrite::UpdateCampaignTargeting { .. } => json!({ "campaign_id": platform_id }),
        PlatformWrite::SetCampaignStatus { .. } => json!({ "campaign_ids": [platform_id] }),
        PlatformWrite::CreateAdSet { .. } => json!({ "adgroup_id": platform_id }),
        PlatformWrite::SetAdSetStatus { .. } => json!({ "adgroup_ids": [platform_id] }),
        PlatformWrite::CreateAd { .. }
        | PlatformWrite::ReplaceAdCreative { .. }
        | PlatformWrite::SetAdStatus { .. } => json!({ "ad_ids": [platform_id] }),
    };
    json!({
        "code": 0,
        "message": "OK",
        "request_id": uuid::Uuid::new_v4().simple().to_string(),
        "data": data,
    })
}

/// Apple answers `{data, pagination, error}` with the object's integer id.
fn apple_response(write: &PlatformWrite, platform_id: &str) -> Value {
    let id = platform_id.parse::<u64>().map_or_else(|_| json!(platform_id), |id| json!(id));
    let deleted = matches!(
        write,
        PlatformWrite::SetCampaignStatus { status: EntityStatus::Deleted, .. }
            | PlatformWrite::SetAdSetStatus { status: EntityStatus::Deleted, .. }
            | PlatformWrite::SetAdStatus { status: EntityStatus::Deleted, .. }
    );
    let data = if deleted { Value::Null } else { json!({ "id": id }) };
    json!({ "data": data, "pagination": null, "error": null })
}
