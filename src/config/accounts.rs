//! Settings of connected ad accounts: the token encryption key, the OAuth apps of each platform,
//! where the platforms send the customer back, and when tokens are refreshed.
//!
//! Flattened into [`crate::config::Settings`]. Checked by [`AccountSettings::problems`]: in
//! live mode the encryption key is required; in sandbox mode a development key is used, with a
//! warning. Secrets are read through [`Secret`] and never printed.

use clap::Args;

use crate::auth::Secret;
use crate::auth::token_cipher::{CipherError, TokenCipher};

/// The development token encryption key (32 bytes, base64): worthless outside development.
pub const DEV_TOKEN_KEY: &str = "bGF5ZXJzLWRldi10b2tlbi1rZXktZG8tbm90LXVzZSE=";

/// Default `LAYERS_OAUTH_REDIRECT_BASE_URL`: this server on its default address.
pub const DEFAULT_OAUTH_REDIRECT_BASE_URL: &str = "http://127.0.0.1:8080";
/// Default `LAYERS_META_DIALOG_BASE_URL`.
pub const DEFAULT_META_DIALOG_BASE_URL: &str = "https://www.facebook.com";
/// Default `LAYERS_META_OAUTH_SCOPES`.
pub const DEFAULT_META_OAUTH_SCOPES: &str = "ads_management,ads_read";
/// Default `LAYERS_TIKTOK_AUTHORIZE_URL`.
pub const DEFAULT_TIKTOK_AUTHORIZE_URL: &str = "https://business-api.tiktok.com/portal/auth";
/// Default `LAYERS_APPLE_TOKEN_URL`.
pub const DEFAULT_APPLE_TOKEN_URL: &str = "https://appleid.apple.com/auth/oauth2/token";
/// Default `LAYERS_APPLE_ADS_OAUTH_SCOPE`.
pub const DEFAULT_APPLE_ADS_OAUTH_SCOPE: &str = "searchadsorg";
/// Default `LAYERS_OAUTH_STATE_TTL_SECS`.
pub const DEFAULT_OAUTH_STATE_TTL_SECS: u32 = 900;
/// Default `LAYERS_TOKEN_REFRESH_MARGIN_SECS`.
pub const DEFAULT_TOKEN_REFRESH_MARGIN_SECS: u32 = 600;
/// Default `LAYERS_TOKEN_REFRESH_SWEEP_SECS`.
pub const DEFAULT_TOKEN_REFRESH_SWEEP_SECS: u32 = 300;

/// Connected ad account settings.
#[derive(Debug, Clone, Args)]
pub struct AccountSettings {
    /// Key that encrypts OAuth tokens at rest: 32 bytes, base64. Required in live mode.
    #[arg(long, env = "LAYERS_TOKEN_ENCRYPTION_KEY", hide_env_values = true, global = true)]
    pub token_encryption_key: Option<String>,

    /// Public base URL of this server: the platforms redirect to `<it>/oauth/<platform>/callback`.
    #[arg(long, env = "LAYERS_OAUTH_REDIRECT_BASE_URL", default_value = DEFAULT_OAUTH_REDIRECT_BASE_URL, value_parser = parse_url, global = true)]
    pub oauth_redirect_base_url: String,

    /// The dashboard page the callback sends the customer's browser back to (`303 See Other`,
    /// with `platform` and `status` or `error` in the query); unset, the callback answers JSON.
    #[arg(long, env = "LAYERS_OAUTH_RETURN_URL", value_parser = parse_url, global = true)]
    pub oauth_return_url: Option<String>,

    /// Seconds an OAuth `state` (an authorization URL) stays valid.
    #[arg(long, env = "LAYERS_OAUTH_STATE_TTL_SECS", default_value_t = DEFAULT_OAUTH_STATE_TTL_SECS, value_parser = clap::value_parser!(u32).range(60..=86_400), global = true)]
    pub oauth_state_ttl_secs: u32,

    /// A token expiring within this many seconds is refreshed before a dispatch uses it.
    #[arg(long, env = "LAYERS_TOKEN_REFRESH_MARGIN_SECS", default_value_t = DEFAULT_TOKEN_REFRESH_MARGIN_SECS, value_parser = clap::value_parser!(u32).range(0..=604_800), global = true)]
    pub token_refresh_margin_secs: u32,

    /// Seconds between sweeps that refresh tokens about to expire.
    #[arg(long, env = "LAYERS_TOKEN_REFRESH_SWEEP_SECS", default_value_t = DEFAULT_TOKEN_REFRESH_SWEEP_SECS, value_parser = clap::value_parser!(u32).range(10..=86_400), global = true)]
    pub token_refresh_sweep_secs: u32,

    /// Meta app id (`client_id`).
    #[arg(long, env = "LAYERS_META_APP_ID", global = true)]
    pub meta_app_id: Option<String>,

    /// Meta app secret.
    #[arg(long, env = "LAYERS_META_APP_SECRET", hide_env_values = true, global = true)]
    pub meta_app_secret: Option<String>,

    /// Host of Meta's login dialog (`<it>/<version>/dialog/oauth`).
    #[arg(long, env = "LAYERS_META_DIALOG_BASE_URL", default_value = DEFAULT_META_DIALOG_BASE_URL, value_parser = parse_url, global = true)]
    pub meta_dialog_base_url: String,

    /// Permissions asked of Meta, comma-separated.
    #[arg(long, env = "LAYERS_META_OAUTH_SCOPES", default_value = DEFAULT_META_OAUTH_SCOPES, global = true)]
    pub meta_oauth_scopes: String,

    /// TikTok for Business app id.
    #[arg(long, env = "LAYERS_TIKTOK_APP_ID", global = true)]
    pub tiktok_app_id: Option<String>,

    /// TikTok for Business app secret.
    #[arg(long, env = "LAYERS_TIKTOK_APP_SECRET", hide_env_values = true, global = true)]
    pub tiktok_app_secret: Option<String>,

    /// TikTok's advertiser authorization page.
    #[arg(long, env = "LAYERS_TIKTOK_AUTHORIZE_URL", default_value = DEFAULT_TIKTOK_AUTHORIZE_URL, value_parser = parse_url, global = true)]
    pub tiktok_authorize_url: String,

    /// Apple Search Ads API client id (`SEARCHADS.…`).
    #[arg(long, env = "LAYERS_APPLE_CLIENT_ID", global = true)]
    pub apple_client_id: Option<String>,

    /// Apple Search Ads client secret: the ES256 JWT made with the API user's private key.
    #[arg(long, env = "LAYERS_APPLE_CLIENT_SECRET", hide_env_values = true, global = true)]
    pub apple_client_secret: Option<String>,

    /// Apple Search Ads team id (`SEARCHADS.…`, the client secret's issuer): with the key id and
    /// private key, the server signs client secrets itself instead of using a pre-made one.
    #[arg(long, env = "LAYERS_APPLE_TEAM_ID", global = true)]
    pub apple_team_id: Option<String>,

    /// The id of the API user's key (the client secret's `kid`).
    #[arg(long, env = "LAYERS_APPLE_KEY_ID", global = true)]
    pub apple_key_id: Option<String>,

    /// The API user's EC P-256 private key, PEM (`\n` escapes allowed).
    #[arg(
        long,
        env = "LAYERS_APPLE_PRIVATE_KEY",
        hide_env_values = true,
        allow_hyphen_values = true,
        global = true
    )]
    pub apple_private_key: Option<String>,

    /// Apple's OAuth token endpoint (Campaign Management API v5 connections; also the Apple Ads
    /// Platform API's unless `LAYERS_APPLE_ADS_TOKEN_URL` says otherwise).
    #[arg(long, env = "LAYERS_APPLE_TOKEN_URL", default_value = DEFAULT_APPLE_TOKEN_URL, value_parser = parse_url, global = true)]
    pub apple_token_url: String,

    /// The OAuth token endpoint of Apple Ads Platform API connections (new Apple connections);
    /// unset, `LAYERS_APPLE_TOKEN_URL`.
    #[arg(long, env = "LAYERS_APPLE_ADS_TOKEN_URL", value_parser = parse_url, global = true)]
    pub apple_ads_token_url: Option<String>,

    /// The scope asked for Apple Ads Platform API tokens (v5 tokens ask `searchadsorg`).
    #[arg(long, env = "LAYERS_APPLE_ADS_OAUTH_SCOPE", default_value = DEFAULT_APPLE_ADS_OAUTH_SCOPE, global = true)]
    pub apple_ads_oauth_scope: String,
}

impl Default for AccountSettings {
    /// The documented defaults: no key (sandbox uses the development key), no OAuth apps.
    fn default() -> Self {
        AccountSettings {
            token_encryption_key: None,
            oauth_redirect_base_url: DEFAULT_OAUTH_REDIRECT_BASE_URL.to_owned(),
            oauth_return_url: None,
            oauth_state_ttl_secs: DEFAULT_OAUTH_STATE_TTL_SECS,
            token_refresh_margin_secs: DEFAULT_TOKEN_REFRESH_MARGIN_SECS,
            token_refresh_sweep_secs: DEFAULT_TOKEN_REFRESH_SWEEP_SECS,
            meta_app_id: None,
            meta_app_secret: None,
            meta_dialog_base_url: DEFAULT_META_DIALOG_BASE_URL.to_owned(),
            meta_oauth_scopes: DEFAULT_META_OAUTH_SCOPES.to_owned(),
            tiktok_app_id: None,
            tiktok_app_secret: None,
            tiktok_authorize_url: DEFAULT_TIKTOK_AUTHORIZE_URL.to_owned(),
            apple_client_id: None,
            apple_client_secret: None,
            apple_team_id: None,
            apple_key_id: None,
            apple_private_key: None,
            apple_token_url: DEFAULT_APPLE_TOKEN_URL.to_owned(),
            apple_ads_token_url: None,
            apple_ads_oauth_scope: DEFAULT_APPLE_ADS_OAUTH_SCOPE.to_owned(),
        }
    }
}

impl AccountSettings {
    /// The signer of Apple client secrets, when the team id, key id and private key are set
    /// (with the client id); an error when only some are.
    pub fn apple_signer(&self) -> Result<Option<crate::platform::AppleSecretSigner>, AccountSettingsError> {
        let parts = (
            given(&self.apple_client_id),
            given(&self.apple_team_id),
            given(&self.apple_key_id),
            given(&self.apple_private_key),
        );
        match parts {
            (_, None, None, None) => Ok(None),
            (Some(client), Some(team), Some(key_id), Some(pem)) => {
                if given(&self.apple_client_secret).is_some() {
                    return Err(AccountSettingsError::Apple(
                        "give LAYERS_APPLE_CLIENT_SECRET or the key to sign one (LAYERS_APPLE_TEAM_ID, LAYERS_APPLE_KEY_ID, LAYERS_APPLE_PRIVATE_KEY), not both".to_owned(),
                    ));
                }
                crate::platform::AppleSecretSigner::new(client, team, key_id, pem)
                    .map(Some)
                    .map_err(AccountSettingsError::Apple)
            }
            _ => Err(AccountSettingsError::Apple(
                "signing Apple client secrets needs LAYERS_APPLE_CLIENT_ID, LAYERS_APPLE_TEAM_ID, LAYERS_APPLE_KEY_ID and LAYERS_APPLE_PRIVATE_KEY together".to_owned(),
            )),
        }
    }
}

/// A setting's value, unless unset or blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// An unusable connected account setting.
#[derive(Debug, thiserror::Error)]
pub enum AccountSettingsError {
    /// Live mode without an encryption key.
    #[error(
        "LAYERS_TOKEN_ENCRYPTION_KEY is required when LAYERS_PLATFORM_MODE=live (32 random bytes, base64: `openssl rand -base64 32`)"
    )]
    MissingKey,
    /// A key that is not 32 bytes of base64.
    #[error("{0}")]
    BadKey(CipherError),
    /// An app id without its secret, or the other way round.
    #[error("{0} and {1} must be set together")]
    HalfApp(&'static str, &'static str),
    /// Apple's client secret settings do not fit together, or the key is unreadable.
    #[error("{0}")]
    Apple(String),
}

impl AccountSettings {
    /// The token cipher in force, and whether it is the development key.
    pub fn cipher(&self, live: bool) -> Result<(TokenCipher, bool), AccountSettingsError> {
        match self.token_encryption_key.as_deref().filter(|key| !key.is_empty()) {
            Some(key) => TokenCipher::from_base64(&Secret::from(key.to_owned()))
                .map(|cipher| (cipher, false))
                .map_err(AccountSettingsError::BadKey),
            None if live => Err(AccountSettingsError::MissingKey),
            None => TokenCipher::from_base64(&Secret::from(DEV_TOKEN_KEY.to_owned()))
                .map(|cipher| (cipher, true))
                .map_err(AccountSettingsError::BadKey),
        }
    }

    /// Checks what clap cannot: the key (required in live mode) and app credentials in pairs.
    pub fn problems(&self, live: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(error) = self.cipher(live) {
            problems.push(error.to_string());
        }
        if let Err(error) = self.apple_signer() {
            problems.push(error.to_string());
        }
        let signing = self.apple_private_key.is_some();
        let pairs = [
            (&self.meta_app_id, &self.meta_app_secret, "LAYERS_META_APP_ID", "LAYERS_META_APP_SECRET"),
            (
                &self.tiktok_app_id,
                &self.tiktok_app_secret,
                "LAYERS_TIKTOK_APP_ID",
                "LAYERS_TIKTOK_APP_SECRET",
            ),
            (
                &self.apple_client_id,
                &self.apple_client_secret,
                "LAYERS_APPLE_CLIENT_ID",
                "LAYERS_APPLE_CLIENT_SECRET",
            ),
        ];
        for (id, secret, id_name, secret_name) in pairs {
            if signing && id_name == "LAYERS_APPLE_CLIENT_ID" {
                continue;
            }
            if id.as_deref().is_some_and(|v| !v.is_empty())
                != secret.as_deref().is_some_and(|v| !v.is_empty())
            {
                problems.push(AccountSettingsError::HalfApp(id_name, secret_name).to_string());
            }
        }
        problems
    }
}

/// An absolute `http`/`https` URL, kept without its trailing slash.
fn parse_url(value: &str) -> Result<String, String> {
    let trimmed = value.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!("`{value}` is not an absolute http(s) URL"));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: AccountSettings,
    }

    fn parse(args: &[&str]) -> AccountSettings {
        let mut all = vec!["test"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).expect("parses").settings
    }

    #[test]
    fn live_mode_needs_a_key_and_sandbox_uses_the_development_one() {
        let settings = parse(&[]);
        assert_eq!(settings.problems(true), vec![AccountSettingsError::MissingKey.to_string()]);
        assert!(settings.cipher(false).expect("dev key").1);
        let key = parse(&["--token-encryption-key", "c2hvcnQ="]);
        assert!(matches!(key.cipher(false), Err(AccountSettingsError::BadKey(_))));
        assert_eq!(key.problems(false).len(), 1);
    }

    #[test]
    fn default_matches_an_empty_command_line() {
        let parsed = parse(&[]);
        let default = AccountSettings::default();
        assert_eq!(format!("{parsed:?}"), format!("{default:?}"));
    }

    #[test]
    fn app_credentials_come_in_pairs() {
        let half = parse(&["--meta-app-id", "123"]);
        let expected = AccountSettingsError::HalfApp("LAYERS_META_APP_ID", "LAYERS_META_APP_SECRET");
        assert_eq!(half.problems(false), vec![expected.to_string()]);
        assert!(parse(&["--meta-app-id", "123", "--meta-app-secret", "s"]).problems(false).is_empty());
    }

    #[test]
    fn urls_must_be_absolute() {
        assert!(parse_url("https://x.test/").is_ok());
        assert!(parse_url("x.test").is_err());
        assert!(parse_url("ftp://x.test").is_err());
    }
}
