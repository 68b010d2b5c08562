//! Connected ad accounts (BYO): starting the OAuth flow, completing it at the callback, the
//! customer's confirm and disconnect, and the fresh, decrypted token every live dispatch uses.
//!
//! Tokens are sealed (`auth::token_cipher`) before they reach the store and opened only to be
//! handed to the platform adapter, as [`Secret`](crate::auth::Secret)s; nothing here logs one.

mod apple;
mod connect;
mod credentials;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::connected_accounts;
use uuid::Uuid;

pub(crate) use apple::connect_context;
pub use connect::{CallbackError, CallbackOutcome, CallbackParams};

use super::{Caller, Services};
use crate::auth::Secret;
use crate::auth::oauth_state::{OAUTH_STATE_PURPOSE, OAuthState, StateKeys, new_nonce};
use crate::auth::token_cipher::{TokenBinding, TokenCipher, TokenKind};
use crate::config::accounts::{AccountSettings, AccountSettingsError};
use crate::domain::Platform;
use crate::domain::accounts::may_start;
use crate::error::ApiError;
use crate::platform::{OAuthClient, PlatformSettings};

/// How connected accounts are kept: the mode, the token key, the platforms' OAuth apps and the
/// refresh margin.
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// Live platform mode: writes need a connected account and carry its token.
    pub live: bool,
    /// Seals and opens tokens at rest.
    pub cipher: TokenCipher,
    /// The platforms' OAuth endpoints and this server's apps.
    pub oauth: OAuthClient,
    /// How long an authorization URL's state is valid.
    pub state_ttl: chrono::Duration,
    /// Where the callback sends the browser back to; `None` answers JSON.
    pub return_url: Option<String>,
    /// A token expiring within this margin is refreshed before use.
    pub refresh_margin: chrono::Duration,
    /// What time it is for deciding whether Apple has retired an API (fixed in tests).
    pub clock: Clock,
}

/// The time as connected accounts see it: the system clock, or a fixed instant in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { fixed: None }
    }

    /// A clock that always says `at`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock { fixed: Some(at) }
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }
}

/// Why connected accounts cannot be set up from the settings.
#[derive(Debug, thiserror::Error)]
pub enum AccountsConfigError {
    /// A setting is unusable.
    #[error(transparent)]
    Settings(#[from] AccountSettingsError),
    /// A setting contradicts another (see `AccountSettings::problems`).
    #[error("{0}")]
    Invalid(String),
    /// The HTTP client could not be built.
    #[error("the OAuth HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl AccountsConfig {
    /// From the settings; `live` is the platform mode. Returns whether the development key is used.
    pub fn from_settings(
        accounts: &AccountSettings,
        platforms: &PlatformSettings,
        live: bool,
    ) -> Result<(Self, bool), AccountsConfigError> {
        if let Some(problem) = accounts.problems(live).into_iter().next() {
            return Err(AccountsConfigError::Invalid(problem));
        }
        let (cipher, dev_key) = accounts.cipher(live)?;
        let config = AccountsConfig {
            live,
            cipher,
            oauth: OAuthClient::new(accounts, platforms)?,
            state_ttl: chrono::Duration::seconds(i64::from(accounts.oauth_state_ttl_secs)),
            return_url: accounts.oauth_return_url.clone(),
            refresh_margin: chrono::Duration::seconds(i64::from(accounts.token_refresh_margin_secs)),
            clock: Clock::system(),
        };
        Ok((config, dev_key))
    }

    /// Sandbox mode with the development key, the default endpoints and no OAuth apps.
    pub fn sandbox() -> Self {
        let settings = AccountSettings::default();
        let platforms = PlatformSettings::default();
        match Self::from_settings(&settings, &platforms, false) {
            Ok((config, _)) => config,
            Err(error) => panic!("the default connected account settings are valid: {error}"),
        }
    }
}

/// The connected accounts runtime the services share.
#[derive(Debug, Clone)]
pub struct ConnectedAccounts {
    /// The configuration.
    pub config: AccountsConfig,
    /// Signs and verifies OAuth states (with the JWT secret, under their own purpose).
    pub states: StateKeys,
}

impl ConnectedAccounts {
    /// The runtime over `config`, signing states with `jwt_secret`.
    pub fn new(config: AccountsConfig, jwt_secret: &Secret) -> Arc<Self> {
        Arc::new(ConnectedAccounts { config, states: StateKeys::from_secret(jwt_secret) })
    }
}

/// An authorization URL to send the customer to.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The platform.
    pub platform: Platform,
    /// Where to send the browser.
    pub url: String,
    /// When the URL's state expires.
    pub expires_at: DateTime<Utc>,
}

/// The longest external account id accepted.
const MAX_ACCOUNT_LEN: usize = 64;

/// A platform account id as given by a caller: ASCII letters, digits, `_` and `-` (Meta's
/// `act_` prefix removed); digits only on Apple, whose ad account ids are numbers.
fn external_account(platform: Platform, raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    let id =
        if platform == Platform::Meta { trimmed.strip_prefix("act_").unwrap_or(trimmed) } else { trimmed };
    let allowed = |b: u8| match platform {
        Platform::Apple => b.is_ascii_digit(),
        Platform::Meta | Platform::Tiktok => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
    };
    let valid = !id.is_empty() && id.len() <= MAX_ACCOUNT_LEN && id.bytes().all(allowed);
    if valid {
        Ok(id.to_owned())
    } else {
        Err(ApiError::BadUserInput(format!("`{raw}` is not a {platform} account id")))
    }
}

impl Services {
    /// The platform's authorization URL for `caller` to connect `platform`, with a signed,
    /// expiring, single-use state. Customers and partners with `ads:write` may start the flow.
    pub fn authorization_url(
        &self,
        caller: &Caller,
        platform: Platform,
        external_account_id: Option<&str>,
    ) -> Result<Authorization, ApiError> {
        if !may_start(caller.kind, &caller.scopes) {
            return Err(ApiError::Forbidden(
                "connecting an ad account needs a customer token or a partner key with `ads:write`"
                    .to_owned(),
            ));
        }
        let account = external_account_id.map(|raw| external_account(platform, raw)).transpose()?;
        let oauth = &self.accounts.config.oauth;
        oauth.check(platform, account.as_deref()).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        let expires_at = Utc::now() + self.accounts.config.state_ttl;
        let state = OAuthState {
            purpose: OAUTH_STATE_PURPOSE.to_owned(),
            tenant: caller.organization_id,
            platform: platform.as_str().to_owned(),
            initiator_kind: caller.kind.as_str().to_owned(),
            initiator_id: caller.actor_id.clone(),
            account,
            nonce: new_nonce(),
            exp: expires_at.timestamp(),
        };
        let signed =
            self.accounts.states.sign(&state).map_err(|e| ApiError::internal(format!("sign state: {e}")))?;
        let url =
            oauth.authorize_url(platform, &signed).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        Ok(Authorization { platform, url, expires_at })
    }

    /// The newest standing connection of `org` on `platform` (awaiting, active or failing).
    pub async fn connected_account(
        &self,
        org: Uuid,
        platform: Platform,
    ) -> Result<Option<connected_accounts::Model>, ApiError> {
        Ok(crate::store::accounts::current(&self.db, org, platform).await?)
    }

    /// Seals `token` for its row and column.
    fn seal(
        &self,
        row: &connected_accounts::Model,
        kind: TokenKind,
        token: &Secret,
    ) -> Result<String, ApiError> {
        self.accounts
            .config
            .cipher
            .seal(token, &binding(row, kind))
            .map_err(|e| ApiError::internal(format!("seal token: {e}")))
    }

    /// Opens the token sealed in `stored` for its row and column.
    fn open(
        &self,
        row: &connected_accounts::Model,
        kind: TokenKind,
        stored: &str,
    ) -> Result<Secret, ApiError> {
        self.accounts
            .config
            .cipher
            .open(stored, &binding(row, kind))
            .map_err(|e| ApiError::internal(format!("connected account {}: {e}", row.id)))
    }
}

/// The associated data of a token column of `row`.
fn binding(row: &connected_accounts::Model, kind: TokenKind) -> TokenBinding<'_> {
    TokenBinding { organization_id: row.organization_id, platform: &row.platform, account_id: row.id, kind }
}
