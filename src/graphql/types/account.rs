//! `ConnectedAccount`: a customer's own ad account connected through OAuth (never its tokens),
//! and `AdAccountAuthorization`, the URL that starts connecting one.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::connected_accounts;

use crate::domain;
use crate::domain::accounts::AccountStatus;
use crate::error::ApiError;
use crate::graphql::enums::Platform;
use crate::ids::{self, NodeKind};
use crate::store::codes::AccountCodes;

/// Where a connection stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectedAccountStatus {
    /// Started by a partner: writes do not use it until the customer confirms it.
    AwaitingCustomer,
    /// The layer's writes go to this account.
    Active,
    /// The last token refresh failed: writes fail with `PLATFORM_AUTH_EXPIRED`; reconnect it.
    RefreshFailed,
    /// Disconnected, or replaced by a newer connection; its tokens are erased.
    Disconnected,
}

impl From<AccountStatus> for ConnectedAccountStatus {
    fn from(status: AccountStatus) -> Self {
        match status {
            AccountStatus::AwaitingCustomer => ConnectedAccountStatus::AwaitingCustomer,
            AccountStatus::Active => ConnectedAccountStatus::Active,
            AccountStatus::RefreshFailed => ConnectedAccountStatus::RefreshFailed,
            AccountStatus::Disconnected => ConnectedAccountStatus::Disconnected,
        }
    }
}

/// A connected ad account. Its tokens are encrypted at rest and never exposed.
#[derive(Debug, Clone)]
pub struct ConnectedAccount(pub connected_accounts::Model);

#[Object]
impl ConnectedAccount {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ID(ids::encode(NodeKind::ConnectedAccount, self.0.id))
    }

    /// The platform.
    async fn platform(&self) -> async_graphql::Result<Platform> {
        Ok(self.0.platform().map_err(ApiError::from)?.into())
    }

    /// The platform's account id: Meta ad account id, TikTok advertiser id, Apple org id (v5) or
    /// Apple ad account id (Apple Ads Platform API).
    async fn external_account_id(&self) -> &str {
        &self.0.external_account_id
    }

    /// Apple only: the API the account is connected on, `v5` (Campaign Management API, retired
    /// by Apple on 2027-01-26) or `v1` (Apple Ads Platform API); null on other platforms.
    async fn api_version(&self) -> Option<&str> {
        self.apple_api().map(domain::apple_api::AppleApi::as_str)
    }

    /// Whether the customer must reconnect this account to keep writing to it: an Apple account
    /// connected on v5 must be reconnected (which moves it to the Apple Ads Platform API) before
    /// `reconnectRequiredBy`; after that, writes through it are refused with `APPLE_API_RETIRED`.
    async fn must_reconnect(&self) -> bool {
        self.apple_api().is_some_and(domain::apple_api::AppleApi::must_reconnect)
    }

    /// When the account stops taking writes unless reconnected; null when it need not be.
    async fn reconnect_required_by(&self) -> Option<DateTime<Utc>> {
        self.apple_api().and_then(domain::apple_api::AppleApi::retires_at)
    }

    /// Where the connection stands.
    async fn status(&self) -> async_graphql::Result<ConnectedAccountStatus> {
        Ok(self.0.status().map_err(ApiError::from)?.into())
    }

    /// The permissions the platform granted.
    async fn scopes(&self) -> Vec<String> {
        serde_json::from_value(self.0.scopes.clone()).unwrap_or_default()
    }

    /// When the access token expires (it is refreshed before); null when it does not expire.
    async fn access_token_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.access_token_expires_at
    }

    /// When the token was last refreshed.
    async fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_refreshed_at
    }

    /// Why the last refresh failed, in the platform's words.
    async fn refresh_error(&self) -> Option<&str> {
        self.0.refresh_error.as_deref()
    }

    /// Who started the connection: `customer` or `partner`.
    async fn connected_by_type(&self) -> &str {
        &self.0.connected_by_type
    }

    /// The user id or partner key id that started it.
    async fn connected_by_id(&self) -> &str {
        &self.0.connected_by_id
    }

    /// When it was connected.
    async fn connected_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the customer confirmed it (at once for a customer's own connection).
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.confirmed_at
    }

    /// When it was disconnected or replaced.
    async fn disconnected_at(&self) -> Option<DateTime<Utc>> {
        self.0.disconnected_at
    }
}

impl ConnectedAccount {
    /// The Apple API of an Apple connection (one stored without a version is v5).
    fn apple_api(&self) -> Option<domain::apple_api::AppleApi> {
        if self.0.platform() != Ok(domain::Platform::Apple) {
            return None;
        }
        Some(self.0.apple_api().unwrap_or_default())
    }
}

/// Where to send the customer to connect an ad account.
#[derive(SimpleObject, Debug, Clone)]
pub struct AdAccountAuthorization {
    /// The platform.
    pub platform: Platform,
    /// The platform's authorization page (for Apple, this server's callback), with the state.
    pub url: String,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
}

impl From<crate::service::accounts::Authorization> for AdAccountAuthorization {
    fn from(authorization: crate::service::accounts::Authorization) -> Self {
        AdAccountAuthorization {
            platform: authorization.platform.into(),
            url: authorization.url,
            expires_at: authorization.expires_at,
        }
    }
}
