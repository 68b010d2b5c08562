//! The platform proxy: one adapter per ad platform, translating normalized writes into each
//! platform's native request and each platform's native failure into a typed [`PlatformError`].
//!
//! Two modes plug in behind [`PlatformAdapter`]: the embedded sandbox ([`SandboxAdapter`], the
//! default) and the live HTTP adapters that send the same [`NativeRequest`]s the pure request
//! builders ([`meta`], [`tiktok`], [`apple`]) produce, against configurable base URLs, and read
//! answers with [`translate`]. This module must not decide whether a write is allowed (the gate
//! does), touch the database, or record a secret: recorded requests show tokens as `<redacted>`.

pub mod apple;
mod apple_secret;
pub mod apple_v1;
mod common;
pub mod creative;
mod error;
pub mod live;
pub mod meta;
pub mod metrics;
mod native;
mod oauth;
mod proxy;
mod sandbox;
pub mod tiktok;
mod tiktok_geo;
pub mod translate;
mod write;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::Platform;

pub use crate::config::platforms::PlatformSettings;
pub use apple_secret::AppleSecretSigner;
pub use creative::{CreativeMedia, PushedCreative};
pub use error::{NativeErrorDetail, PlatformError};
pub use native::{DispatchReceipt, NativeRequest, REDACTED};
pub use oauth::{AuthorizeError, OAuthClient, TokenGrant};
pub use proxy::{AdapterMismatch, PlatformProxy};
pub use sandbox::{SandboxAdapter, new_platform_id};
pub use write::{AccountContext, AdIdentity, AdMedia, MediaKind, PlatformWrite, dispatch_key};

/// Sends normalized writes to one ad platform.
#[async_trait]
pub trait PlatformAdapter: Send + Sync {
    /// The platform this adapter talks to.
    fn platform(&self) -> Platform;

    /// Sends one write and returns what the platform did, or why it did not.
    async fn dispatch(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
    ) -> Result<DispatchReceipt, PlatformError>;

    /// Makes `media` a creative the platform's ads can show (see [`creative`]): uploads it and,
    /// on Meta, makes the ad creative. Called before an ad write that shows a creative the
    /// account does not hold yet; the answer is stored and reused by every later ad.
    async fn push_creative(
        &self,
        account: &AccountContext,
        media: &CreativeMedia,
    ) -> Result<PushedCreative, PlatformError>;

    /// Whether `account` can take `media` at all, without I/O: the platform takes uploads and
    /// the layer has what its ads need (Meta's Page, TikTok's identity, a landing page).
    fn check_push(&self, account: &AccountContext, media: &CreativeMedia) -> Result<(), PlatformError> {
        creative::check_push(account, media)
    }

    /// Whether `account` can take `write` at all, without I/O: its native request can be built
    /// (the layer holds what the write needs, its amounts fit the platform's units).
    fn check_write(&self, account: &AccountContext, write: &PlatformWrite) -> Result<(), PlatformError> {
        build_request(account, write).map(drop)
    }

    /// Reads back from the platform whether `write`, sent at or after `sent_after` by a dispatch
    /// whose outcome was never recorded, took effect. The reconciler settles such a dispatch with
    /// the answer instead of sending the write blindly a second time.
    ///
    /// The default answers [`Reconciliation::Unknown`]: an adapter that cannot read back leaves
    /// the dispatch for a person to settle.
    async fn reconcile(
        &self,
        account: &AccountContext,
        write: &PlatformWrite,
        sent_after: DateTime<Utc>,
    ) -> Result<Reconciliation, PlatformError> {
        let _ = (account, write, sent_after);
        Ok(Reconciliation::Unknown)
    }
}

/// What the platform shows of a write whose dispatch outcome was never recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconciliation {
    /// The platform shows the write applied; for a create, `platform_id` is the object it created.
    Applied {
        /// The platform's id of the created or changed object.
        platform_id: Option<String>,
        /// What the platform answered when read back.
        native_response: serde_json::Value,
    },
    /// The platform shows no trace of the write: sending it again applies it once.
    NotApplied,
    /// The platform's answer does not settle it either way.
    Unknown,
}

/// The native request for a write on the account's platform.
///
/// Pure and cheap: callers may run it before the gate to reject a write the platform cannot
/// express (an Apple lifetime budget, a non-install outcome on Apple) as a user error.
pub fn build_request(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<NativeRequest, PlatformError> {
    match account.platform {
        Platform::Meta => meta::build_request(account, write),
        Platform::Tiktok => tiktok::build_request(account, write),
        Platform::Apple => apple::build_request(account, write),
    }
}
