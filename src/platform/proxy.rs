//! The proxy: which adapter serves which platform.
//!
//! It routes a write to the adapter of the account's platform and nothing more: it must not
//! retry, log request bodies or change a write on the way through.

use std::fmt;
use std::sync::Arc;

use super::PlatformAdapter;
use super::PlatformSettings;
use super::error::PlatformError;
use super::live::{LiveAdapter, LiveSetupError};
use super::native::DispatchReceipt;
use super::sandbox::SandboxAdapter;
use super::write::{AccountContext, PlatformWrite};
use crate::domain::Platform;

/// One adapter per platform.
#[derive(Clone)]
pub struct PlatformProxy {
    meta: Arc<dyn PlatformAdapter>,
    tiktok: Arc<dyn PlatformAdapter>,
    apple: Arc<dyn PlatformAdapter>,
}

/// An adapter was handed in for the wrong platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the adapter given for {expected} serves {found}")]
pub struct AdapterMismatch {
    /// The platform the adapter was given for.
    pub expected: Platform,
    /// The platform the adapter says it serves.
    pub found: Platform,
}

impl PlatformProxy {
    /// Every platform simulated in-process (the default mode).
    pub fn sandbox() -> Self {
        PlatformProxy {
            meta: Arc::new(SandboxAdapter::new(Platform::Meta)),
            tiktok: Arc::new(SandboxAdapter::new(Platform::Tiktok)),
            apple: Arc::new(SandboxAdapter::new(Platform::Apple)),
        }
    }

    /// Every platform called over HTTP, with the settings' base URLs, timeout and retries.
    pub fn live(settings: &PlatformSettings) -> Result<Self, LiveSetupError> {
        Ok(PlatformProxy {
            meta: Arc::new(LiveAdapter::new(Platform::Meta, settings)?),
            tiktok: Arc::new(LiveAdapter::new(Platform::Tiktok, settings)?),
            apple: Arc::new(LiveAdapter::new(Platform::Apple, settings)?),
        })
    }

    /// A proxy over the given adapters (live ones, or sandboxes a test keeps handles to).
    pub fn from_adapters(
        meta: Arc<dyn PlatformAdapter>,
        tiktok: Arc<dyn PlatformAdapter>,
        apple: Arc<dyn PlatformAdapter>,
    ) -> Result<Self, AdapterMismatch> {
        for (expected, adapter) in
            [(Platform::Meta, &meta), (Platform::Tiktok, &tiktok), (Platform::Apple, &apple)]
        {
            let found = adapter.platform();
            if found != expected {
                return Err(AdapterMismatch { expected, found });
            }
        }
        Ok(PlatformProxy { meta, tiktok, apple })
    }

    /// The adapter serving `platform`.
    pub fn adapter(&self, platform: Platform) -> Arc<dyn PlatformAdapter> {
        match platform {
            Platform::Meta => Arc::clone(&self.meta),
            Platform::Tiktok => Arc::clone(&self.tiktok),
            Platform::Apple => Arc::clone(&self.apple),
        }
    }

    /// Sends a write through the adapter of the account's platform.
    pub async fn dispatch(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
    ) -> Result<DispatchReceipt, PlatformError> {
        self.adapter(account.platform).dispatch(account, write).await
    }
}

impl fmt::Debug for PlatformProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformProxy")
            .field("meta", &self.meta.platform())
            .field("tiktok", &self.tiktok.platform())
            .field("apple", &self.apple.platform())
            .finish()
    }
}
