//! The sandbox adapter: an in-process stand-in for one platform.
//!
//! It builds the same native request a live adapter would send, assigns platform ids in the
//! platform's own style, answers with a plausible native response and remembers every request it
//! accepted, so tests and demos can see exactly what would have reached the platform. It must not
//! perform I/O, and it keeps no object state: an update to any well-formed id succeeds, because
//! the database (not this process's memory) is the record of what exists.

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use rand::Rng;
use serde_json::{Value, json};

use super::error::PlatformError;
use super::native::{DispatchReceipt, NativeRequest};
use super::write::{AccountContext, PlatformWrite};
use super::{PlatformAdapter, build_request};
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
    recorded: Vec<NativeRequest>,
    fail_next: Option<PlatformError>,
}

impl SandboxAdapter {
    /// A sandbox for `platform` with nothing recorded.
    pub fn new(platform: Platform) -> Self {
        SandboxAdapter { platform, state: Mutex::new(SandboxState::default()) }
    }

    /// Every native request accepted so far, oldest first.
    pub fn recorded(&self) -> Vec<NativeRequest> {
        self.lock().recorded.clone()
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
        let native_request = build_request(account, write)?;
        let platform_id = match write.target_id() {
            Some(id) => id.to_owned(),
            None => new_platform_id(self.platform),
        };
        let native_response = native_response(self.platform, write, &platform_id);
        {
            let mut state = self.lock();
            if let Some(error) = state.fail_next.take() {
                return Err(error);
            }
            state.recorded.push(native_request.clone());
        }
        Ok(DispatchReceipt { platform_id: Some(platform_id), native_request, native_response })
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
