//! OAuth with the ad platforms: authorization URLs, code exchange and token refresh.
//!
//! HTTP only: this module must not touch the database, decide who may connect an account, or
//! print a token (tokens are [`Secret`]s; error messages carry the platform's words, never the
//! request). Every endpoint is configurable so tests point them at a local mock server.
//!
//! What was verified against the platforms' documentation, and what was chosen:
//! - **Meta** (Facebook Login for Business, Graph API): the dialog is
//!   `https://www.facebook.com/<version>/dialog/oauth?client_id&redirect_uri&state&scope&response_type=code`;
//!   `GET /<version>/oauth/access_token?client_id&redirect_uri&client_secret&code` answers a
//!   short-lived user token (`{access_token, token_type, expires_in}`), which
//!   `GET /<version>/oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`
//!   exchanges for a long-lived one (`expires_in` about 60 days). Meta issues no refresh token.
//!   Chosen: we store the long-lived token and "refresh" by exchanging it again before it
//!   expires (an expired token cannot be exchanged: the customer must reconnect). The ad account
//!   is the one the caller named, else the first of `GET /<version>/me/adaccounts?fields=account_id`.
//! - **TikTok** (Business API v1.3): the advertiser authorizes at
//!   `https://business-api.tiktok.com/portal/auth?app_id&state&redirect_uri`, which redirects with
//!   `auth_code` (we also accept `code`); `POST /open_api/v1.3/oauth2/access_token/` with JSON
//!   `{app_id, secret, auth_code}` answers the usual envelope, `data: {access_token, scope,
//!   advertiser_ids}`. The token is long-term (no expiry, no refresh token), so it is never
//!   refreshed. Chosen: the advertiser is the one the caller named (it must be among
//!   `advertiser_ids`), else the first.
//! - **Apple Search Ads** (Campaign Management API v5): OAuth 2 client credentials. The customer
//!   invites Layers' API user into their Search Ads organization; Layers holds the client id and
//!   the client secret (an ES256 JWT made with the API user's private key, valid up to 180 days).
//!   `POST https://appleid.apple.com/auth/oauth2/token` with form
//!   `grant_type=client_credentials&client_id&client_secret&scope=searchadsorg` answers
//!   `{access_token, token_type, expires_in: 3600}`. There is no consent page, so the
//!   "authorization URL" is this server's own callback carrying the state: opening it connects
//!   the organization id the caller named. Refresh runs the client credentials grant again.
//! - **Apple Ads Platform API** (v1, "Implementing OAuth for the Apple Ads Platform API"): the
//!   same steps (API user invited, key pair, uploaded public key, client secret, access token),
//!   tokens sent as `Authorization: Bearer` with `X-AP-Context: adAccountId=…`. New Apple
//!   connections are made on it, for the ad account id the caller names. The token endpoint and
//!   scope were not in the reference text available here: they are settings
//!   (`LAYERS_APPLE_ADS_TOKEN_URL`, default the v5 endpoint; `LAYERS_APPLE_ADS_OAUTH_SCOPE`,
//!   default `searchadsorg`), the documented v5 values being the closest shape. A connection is
//!   refreshed and revoked at the endpoint of the API it speaks.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Client, Url};
use serde::Deserialize;
use serde_json::{Value, json};

use super::PlatformError;
use super::PlatformSettings;
use crate::auth::Secret;
use crate::config::accounts::AccountSettings;
use crate::domain::Platform;
use crate::domain::apple_api::AppleApi;

/// How long one OAuth call to a platform may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// One platform app's credentials.
#[derive(Debug, Clone)]
struct App {
    id: String,
    secret: Secret,
}

/// The OAuth endpoints and app credentials of every platform.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: Client,
    redirect_base: String,
    meta: Option<App>,
    meta_dialog_base: String,
    meta_api_base: String,
    meta_version: String,
    meta_scopes: String,
    tiktok: Option<App>,
    tiktok_authorize_url: String,
    tiktok_api_base: String,
    apple: Option<App>,
    apple_signer: Option<super::AppleSecretSigner>,
    apple_token_url: String,
    apple_ads_token_url: String,
    apple_ads_scope: String,
}

/// What a platform granted.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token, where the platform issues one.
    pub refresh_token: Option<Secret>,
    /// When the access token expires; `None` when it does not.
    pub expires_at: Option<DateTime<Utc>>,
    /// Granted scopes, as the platform names them.
    pub scopes: Vec<String>,
    /// The account the grant is for (Meta ad account, TikTok advertiser, Apple org).
    pub account: Option<String>,
}

/// Why no authorization URL can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// The platform's app is not configured on this server.
    #[error("connecting {0} accounts is not configured on this server")]
    NotConfigured(Platform),
    /// The platform needs the account named up front.
    #[error("{0} needs the account to connect: give `externalAccountId`")]
    AccountRequired(Platform),
}

fn app(id: &Option<String>, secret: &Option<String>) -> Option<App> {
    match (id.as_deref(), secret.as_deref()) {
        (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
            Some(App { id: id.to_owned(), secret: Secret::from(secret.to_owned()) })
        }
        _ => None,
    }
}

impl OAuthClient {
    /// A client over the configured apps and endpoints.
    pub fn new(accounts: &AccountSettings, platforms: &PlatformSettings) -> Result<Self, reqwest::Error> {
        // Validated with the settings: an unusable key stopped the server before this.
        let apple_signer = accounts.apple_signer().ok().flatten();
        Ok(OAuthClient {
            http: Client::builder().timeout(CALL_TIMEOUT).build()?,
            redirect_base: accounts.oauth_redirect_base_url.clone(),
            meta: app(&accounts.meta_app_id, &accounts.meta_app_secret),
            meta_dialog_base: accounts.meta_dialog_base_url.clone(),
            meta_api_base: platforms.meta_base_url.clone(),
            meta_version: platforms.meta_api_version.clone(),
            meta_scopes: accounts.meta_oauth_scopes.clone(),
            tiktok: app(&accounts.tiktok_app_id, &accounts.tiktok_app_secret),
            tiktok_authorize_url: accounts.tiktok_authorize_url.clone(),
            tiktok_api_base: platforms.tiktok_base_url.clone(),
            apple: match &apple_signer {
                // The signer makes each secret; the app carries only the client id.
                Some(_) => {
                    accounts.apple_client_id.clone().map(|id| App { id, secret: Secret::from(String::new()) })
                }
                None => app(&accounts.apple_client_id, &accounts.apple_client_secret),
            },
            apple_signer,
            apple_token_url: accounts.apple_token_url.clone(),
            apple_ads_token_url: accounts
                .apple_ads_token_url
                .clone()
                .unwrap_or_else(|| accounts.apple_token_url.clone()),
            apple_ads_scope: accounts.apple_ads_oauth_scope.clone(),
        })
    }

    /// Where the platform sends the customer back: `<base>/oauth/<platform>/callback`.
    pub fn redirect_uri(&self, platform: Platform) -> String {
        format!("{}/oauth/{}/callback", self.redirect_base, platform.as_str())
    }

    fn app(&self, platform: Platform) -> Result<&App, AuthorizeError> {
        let app = match platform {
            Platform::Meta => self.meta.as_ref(),
            Platform::Tiktok => self.tiktok.as_ref(),
            Platform::Apple => self.apple.as_ref(),
        };
        app.ok_or(AuthorizeError::NotConfigured(platform))
    }

    /// Checks that `platform` can be connected (its app is configured; Apple needs the org id).
    pub fn check(&self, platform: Platform, account: Option<&str>) -> Result<(), AuthorizeError> {
        self.app(platform)?;
        if platform == Platform::Apple && account.is_none() {
            return Err(AuthorizeError::AccountRequired(platform));
        }
        Ok(())
    }

    /// The URL that starts the flow for `platform` with the signed `state`.
    pub fn authorize_url(&self, platform: Platform, state: &str) -> Result<String, AuthorizeError> {
        let app = self.app(platform)?;
        let redirect = self.redirect_uri(platform);
        let url = match platform {
            Platform::Meta => Url::parse_with_params(
                &format!("{}/{}/dialog/oauth", self.meta_dialog_base, self.meta_version),
                [
                    ("client_id", app.id.as_str()),
                    ("redirect_uri", &redirect),
                    ("state", state),
                    ("scope", &self.meta_scopes),
                    ("response_type", "code"),
                ],
            ),
            Platform::Tiktok => Url::parse_with_params(
                &self.tiktok_authorize_url,
                [("app_id", app.id.as_str()), ("state", state), ("redirect_uri", &redirect)],
            ),
            Platform::Apple => Url::parse_with_params(&redirect, [("state", state)]),
        };
        url.map(String::from).map_err(|_| AuthorizeError::NotConfigured(platform))
    }

    /// Exchanges the callback's `code` (absent for Apple) for tokens; `account` is the account the
    /// caller asked for.
    pub async fn exchange(
        &self,
        platform: Platform,
        code: Option<&str>,
        account: Option<&str>,
    ) -> Result<TokenGrant, PlatformError> {
        let app = self.app(platform).map_err(|e| PlatformError::permanent(e.to_string()))?;
        let code = || code.ok_or_else(|| PlatformError::invalid("code", "the callback carries no code"));
        match platform {
            Platform::Meta => {
                let short = self
                    .meta_token(&[("code", code()?), ("redirect_uri", &self.redirect_uri(platform))], app)
                    .await?;
                let mut grant = self
                    .meta_token(
                        &[
                            ("grant_type", "fb_exchange_token"),
                            ("fb_exchange_token", short.access_token.expose()),
                        ],
                        app,
                    )
                    .await?;
                grant.account = match account {
                    Some(account) => Some(account.to_owned()),
                    None => self.meta_first_ad_account(&grant.access_token).await?,
                };
                Ok(grant)
            }
            Platform::Tiktok => self.tiktok_token(code()?, account, app).await,
            Platform::Apple => {
                let mut grant = self.apple_token(app, AppleApi::V1).await?;
                grant.account = account.map(str::to_owned);
                Ok(grant)
            }
        }
    }

    /// New tokens for an account whose access token is `access` (and refresh token `refresh`);
    /// an Apple account's from the token endpoint of the API it speaks (`apple_api`).
    pub async fn refresh(
        &self,
        platform: Platform,
        access: &Secret,
        refresh: Option<&Secret>,
        apple_api: AppleApi,
    ) -> Result<TokenGrant, PlatformError> {
        let _ = refresh;
        let app = self.app(platform).map_err(|e| PlatformError::auth_expired(e.to_string()))?;
        match platform {
            Platform::Meta => {
                self.meta_token(
                    &[("grant_type", "fb_exchange_token"), ("fb_exchange_token", access.expose())],
                    app,
                )
                .await
            }
            Platform::Tiktok => Err(PlatformError::auth_expired(
                "TikTok long-term tokens cannot be refreshed: reconnect the account",
            )),
            Platform::Apple => self.apple_token(app, apple_api).await,
        }
    }

    /// Revokes `access` at the platform, so a disconnected account's token stops working there
    /// too: Meta `DELETE /me/permissions`, TikTok `/oauth2/revoke_token/`, Apple's `revoke`
    /// endpoint (beside the token endpoint of the API the account speaks, `apple_api`).
    pub async fn revoke(
        &self,
        platform: Platform,
        access: &Secret,
        apple_api: AppleApi,
    ) -> Result<(), PlatformError> {
        let app = || self.app(platform).map_err(|e| PlatformError::permanent(e.to_string()));
        match platform {
            Platform::Meta => {
                let url = format!("{}/{}/me/permissions", self.meta_api_base, self.meta_version);
                send(self.http.delete(url).bearer_auth(access.expose())).await.map(drop)
            }
            Platform::Tiktok => {
                let app = app()?;
                let url = format!("{}/open_api/v1.3/oauth2/revoke_token/", self.tiktok_api_base);
                let body = json!({ "app_id": app.id, "secret": app.secret.expose(), "access_token": access.expose() });
                let envelope = send(self.http.post(url).json(&body)).await?;
                if envelope["code"].as_i64() == Some(0) {
                    Ok(())
                } else {
                    let message =
                        envelope["message"].as_str().unwrap_or("TikTok refused to revoke the token");
                    Err(PlatformError::permanent(format!("{message} (code {})", envelope["code"])))
                }
            }
            Platform::Apple => {
                let url = match self.apple_endpoint(apple_api).0.strip_suffix("/token") {
                    Some(base) => format!("{base}/revoke"),
                    None => return Err(PlatformError::permanent("Apple's revoke endpoint is not known")),
                };
                let app = app()?;
                let secret = self.apple_client_secret(app)?;
                let form = [
                    ("client_id", app.id.as_str()),
                    ("client_secret", secret.expose()),
                    ("token", access.expose()),
                    ("token_type_hint", "access_token"),
                ];
                send(self.http.post(url).form(&form)).await.map(drop)
            }
        }
    }

    async fn meta_token(&self, params: &[(&str, &str)], app: &App) -> Result<TokenGrant, PlatformError> {
        let url = format!("{}/{}/oauth/access_token", self.meta_api_base, self.meta_version);
        let mut query = vec![("client_id", app.id.as_str()), ("client_secret", app.secret.expose())];
        query.extend_from_slice(params);
        let body = send(self.http.get(url).query(&query)).await?;
        grant(&body, None)
    }

    async fn meta_first_ad_account(&self, token: &Secret) -> Result<Option<String>, PlatformError> {
        let url = format!("{}/{}/me/adaccounts", self.meta_api_base, self.meta_version);
        let body =
            send(self.http.get(url).query(&[("fields", "account_id")]).bearer_auth(token.expose())).await?;
        Ok(body["data"].as_array().and_then(|accounts| accounts.first()).and_then(|first| {
            first["account_id"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| first["id"].as_str().map(|id| id.strip_prefix("act_").unwrap_or(id).to_owned()))
        }))
    }

    async fn tiktok_token(
        &self,
        code: &str,
        account: Option<&str>,
        app: &App,
    ) -> Result<TokenGrant, PlatformError> {
        let url = format!("{}/open_api/v1.3/oauth2/access_token/", self.tiktok_api_base);
        let body = json!({ "app_id": app.id, "secret": app.secret.expose(), "auth_code": code });
        let envelope = send(self.http.post(url).json(&body)).await?;
        if envelope["code"].as_i64() != Some(0) {
            let message = envelope["message"].as_str().unwrap_or("TikTok refused the authorization code");
            return Err(PlatformError::permanent(format!("{message} (code {})", envelope["code"])));
        }
        let data = &envelope["data"];
        let advertisers: Vec<String> = data["advertiser_ids"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| {
                        id.as_str().map(str::to_owned).or_else(|| id.as_i64().map(|n| n.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let chosen = match account {
            Some(wanted) if advertisers.iter().any(|id| id == wanted) => Some(wanted.to_owned()),
            Some(wanted) => {
                return Err(PlatformError::invalid(
                    "externalAccountId",
                    format!("advertiser {wanted} was not among those authorized"),
                ));
            }
            None => advertisers.first().cloned(),
        };
        let mut grant = grant(data, None)?;
        grant.account = chosen;
        Ok(grant)
    }

    /// Apple's client secret: signed now when the server holds the API user's key, else the
    /// configured one.
    fn apple_client_secret(&self, app: &App) -> Result<Secret, PlatformError> {
        match &self.apple_signer {
            Some(signer) => signer.mint(chrono::Utc::now().timestamp()).map_err(PlatformError::permanent),
            None => Ok(app.secret.clone()),
        }
    }

    /// The token endpoint and scope of an Apple API.
    fn apple_endpoint(&self, api: AppleApi) -> (&str, &str) {
        match api {
            AppleApi::V5 => (&self.apple_token_url, "searchadsorg"),
            AppleApi::V1 => (&self.apple_ads_token_url, &self.apple_ads_scope),
        }
    }

    async fn apple_token(&self, app: &App, api: AppleApi) -> Result<TokenGrant, PlatformError> {
        let secret = self.apple_client_secret(app)?;
        let (url, scope) = self.apple_endpoint(api);
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", app.id.as_str()),
            ("client_secret", secret.expose()),
            ("scope", scope),
        ];
        let body = send(self.http.post(url).form(&form)).await?;
        grant(&body, None)
    }
}

/// Sends a request and reads a JSON answer, or the platform's refusal as a typed error.
async fn send(request: reqwest::RequestBuilder) -> Result<Value, PlatformError> {
    let response = request.send().await.map_err(|e| {
        let what = if e.is_timeout() { "timed out" } else { "could not be reached" };
        PlatformError::transient(format!("the platform's token endpoint {what}"))
    })?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let message = error_message(&body).unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
    Err(match status.as_u16() {
        429 => PlatformError::rate_limited(None, message),
        500..=599 => PlatformError::transient(message),
        401 | 403 => PlatformError::auth_expired(message),
        _ if body["error"].as_str() == Some("invalid_grant")
            || body["error"]["code"].as_i64() == Some(190) =>
        {
            PlatformError::auth_expired(message)
        }
        _ => PlatformError::permanent(message),
    })
}

/// The platform's own words about a refused token request (Meta, OAuth 2 and TikTok shapes).
fn error_message(body: &Value) -> Option<String> {
    body["error"]["message"]
        .as_str()
        .or_else(|| body["error_description"].as_str())
        .or_else(|| body["error"].as_str())
        .or_else(|| body["message"].as_str())
        .map(str::to_owned)
}

#[derive(Deserialize)]
struct RawGrant {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<Value>,
}

/// Reads a token answer: `access_token`, optional `refresh_token`, `expires_in` and `scope`.
fn grant(body: &Value, account: Option<String>) -> Result<TokenGrant, PlatformError> {
    let raw: RawGrant = serde_json::from_value(body.clone())
        .map_err(|_| PlatformError::permanent("the platform answered no access token"))?;
    let scopes = match raw.scope {
        Some(Value::String(list)) => {
            list.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).unwrap_or_else(|| item.to_string()))
            .collect(),
        _ => Vec::new(),
    };
    Ok(TokenGrant {
        access_token: Secret::from(raw.access_token),
        refresh_token: raw.refresh_token.map(Secret::from),
        expires_at: raw
            .expires_in
            .filter(|secs| *secs > 0)
            .map(|secs| Utc::now() + chrono::Duration::seconds(secs)),
        scopes,
        account,
    })
}
