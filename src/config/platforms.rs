//! Where the live platform APIs are, and how patiently they are called (`LAYERS_META_*`,
//! `LAYERS_TIKTOK_BASE_URL`, `LAYERS_APPLE_*_BASE_URL`, `LAYERS_PLATFORM_*`).
//!
//! Flattened into [`crate::config::Settings`]; every base URL is configurable so tests and staging
//! can point the live adapters at a local server. The timeout, attempts, backoff and `Retry-After`
//! cap bound how long one write may keep a dispatch waiting. Used only when
//! `LAYERS_PLATFORM_MODE=live`. Parsing only: nothing here opens a connection.

use clap::Args;

/// The live platform endpoints.
#[derive(Debug, Clone, Args)]
pub struct PlatformSettings {
    /// Meta Marketing API base URL (Graph API host, without the version).
    #[arg(long, env = "LAYERS_META_BASE_URL", default_value = DEFAULT_META_BASE_URL, value_parser = parse_base_url, global = true)]
    pub meta_base_url: String,

    /// Meta Marketing API version every Meta path starts with.
    #[arg(long, env = "LAYERS_META_API_VERSION", default_value = crate::platform::meta::API_VERSION, value_parser = parse_meta_version, global = true)]
    pub meta_api_version: String,

    /// TikTok Business API base URL (paths start with `/open_api/v1.3/`).
    #[arg(long, env = "LAYERS_TIKTOK_BASE_URL", default_value = DEFAULT_TIKTOK_BASE_URL, value_parser = parse_base_url, global = true)]
    pub tiktok_base_url: String,

    /// Apple Search Ads Campaign Management API v5 base URL (paths start with `/api/v5/`), for
    /// accounts connected before the Apple Ads Platform API; Apple retires it on 2027-01-26.
    #[arg(long, env = "LAYERS_APPLE_BASE_URL", default_value = DEFAULT_APPLE_BASE_URL, value_parser = parse_base_url, global = true)]
    pub apple_base_url: String,

    /// Apple Ads Platform API base URL (paths start with `/v1/`), for new Apple connections.
    #[arg(long, env = "LAYERS_APPLE_ADS_BASE_URL", default_value = DEFAULT_APPLE_ADS_BASE_URL, value_parser = parse_base_url, global = true)]
    pub apple_ads_base_url: String,

    /// Milliseconds one platform call may take (connecting, sending and reading the answer).
    #[arg(long, env = "LAYERS_PLATFORM_TIMEOUT_MS", default_value_t = DEFAULT_TIMEOUT_MS, value_parser = clap::value_parser!(u64).range(1..=600_000), global = true)]
    pub platform_timeout_ms: u64,

    /// Attempts per write, the first included: transient failures and rate limits are retried.
    #[arg(long, env = "LAYERS_PLATFORM_MAX_ATTEMPTS", default_value_t = DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=10), global = true)]
    pub platform_max_attempts: u32,

    /// Milliseconds of the first retry's backoff ceiling; it doubles per attempt (equal jitter).
    #[arg(long, env = "LAYERS_PLATFORM_BACKOFF_BASE_MS", default_value_t = DEFAULT_BACKOFF_BASE_MS, value_parser = clap::value_parser!(u64).range(1..=600_000), global = true)]
    pub platform_backoff_base_ms: u64,

    /// Milliseconds no backoff exceeds.
    #[arg(long, env = "LAYERS_PLATFORM_BACKOFF_CAP_MS", default_value_t = DEFAULT_BACKOFF_CAP_MS, value_parser = clap::value_parser!(u64).range(1..=3_600_000), global = true)]
    pub platform_backoff_cap_ms: u64,

    /// Longest `Retry-After` (seconds) honoured by waiting; a longer one gives up as rate limited.
    #[arg(long, env = "LAYERS_PLATFORM_RETRY_AFTER_CAP_SECS", default_value_t = DEFAULT_RETRY_AFTER_CAP_SECS, value_parser = clap::value_parser!(u64).range(0..=3600), global = true)]
    pub platform_retry_after_cap_secs: u64,
}

/// Default `LAYERS_META_BASE_URL`: the Graph API host.
pub const DEFAULT_META_BASE_URL: &str = "https://graph.facebook.com";
/// Default `LAYERS_TIKTOK_BASE_URL`: the TikTok Business API host.
pub const DEFAULT_TIKTOK_BASE_URL: &str = "https://business-api.tiktok.com";
/// Default `LAYERS_APPLE_BASE_URL`: the Campaign Management API v5 host.
pub const DEFAULT_APPLE_BASE_URL: &str = "https://api.searchads.apple.com";
/// Default `LAYERS_APPLE_ADS_BASE_URL`: the Apple Ads Platform API host.
pub const DEFAULT_APPLE_ADS_BASE_URL: &str = "https://api.ads.apple.com";
/// Default `LAYERS_PLATFORM_TIMEOUT_MS`: 30 seconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Default `LAYERS_PLATFORM_MAX_ATTEMPTS`.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Default `LAYERS_PLATFORM_BACKOFF_BASE_MS`.
pub const DEFAULT_BACKOFF_BASE_MS: u64 = 500;
/// Default `LAYERS_PLATFORM_BACKOFF_CAP_MS`.
pub const DEFAULT_BACKOFF_CAP_MS: u64 = 20_000;
/// Default `LAYERS_PLATFORM_RETRY_AFTER_CAP_SECS`.
pub const DEFAULT_RETRY_AFTER_CAP_SECS: u64 = 60;

impl Default for PlatformSettings {
    /// The documented defaults: the real platform hosts, Graph API
    /// [`crate::platform::meta::API_VERSION`], and the `DEFAULT_*` timing above.
    fn default() -> Self {
        PlatformSettings {
            meta_base_url: DEFAULT_META_BASE_URL.to_owned(),
            meta_api_version: crate::platform::meta::API_VERSION.to_owned(),
            tiktok_base_url: DEFAULT_TIKTOK_BASE_URL.to_owned(),
            apple_base_url: DEFAULT_APPLE_BASE_URL.to_owned(),
            apple_ads_base_url: DEFAULT_APPLE_ADS_BASE_URL.to_owned(),
            platform_timeout_ms: DEFAULT_TIMEOUT_MS,
            platform_max_attempts: DEFAULT_MAX_ATTEMPTS,
            platform_backoff_base_ms: DEFAULT_BACKOFF_BASE_MS,
            platform_backoff_cap_ms: DEFAULT_BACKOFF_CAP_MS,
            platform_retry_after_cap_secs: DEFAULT_RETRY_AFTER_CAP_SECS,
        }
    }
}

impl PlatformSettings {
    /// The same settings with every platform's base URL pointing at `base_url` (a test server).
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, String> {
        let base_url = parse_base_url(base_url)?;
        self.meta_base_url.clone_from(&base_url);
        self.tiktok_base_url.clone_from(&base_url);
        self.apple_base_url.clone_from(&base_url);
        self.apple_ads_base_url = base_url;
        Ok(self)
    }

    /// What clap cannot check field by field: the backoff cap is not below its base, and the
    /// Graph API version and base URLs parse (they do when clap read them).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.platform_backoff_cap_ms < self.platform_backoff_base_ms {
            problems.push(
                "LAYERS_PLATFORM_BACKOFF_CAP_MS must not be below LAYERS_PLATFORM_BACKOFF_BASE_MS".into(),
            );
        }
        problems.extend(parse_meta_version(&self.meta_api_version).err());
        for url in
            [&self.meta_base_url, &self.tiktok_base_url, &self.apple_base_url, &self.apple_ads_base_url]
        {
            problems.extend(parse_base_url(url).err());
        }
        problems
    }
}

/// An absolute `http`/`https` URL, kept without its trailing slash.
fn parse_base_url(value: &str) -> Result<String, String> {
    let trimmed = value.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("`{value}` is not an absolute http(s) URL"))?;
    if rest.is_empty() || rest.contains(char::is_whitespace) || rest.contains(['?', '#']) {
        return Err(format!("`{value}` is not a base URL (a scheme and host, optionally a path)"));
    }
    Ok(trimmed.to_owned())
}

/// A Graph API version such as `v21.0`.
fn parse_meta_version(value: &str) -> Result<String, String> {
    let valid =
        value.strip_prefix('v').and_then(|rest| rest.split_once('.')).is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        });
    if valid { Ok(value.to_owned()) } else { Err(format!("`{value}` is not a Graph API version like v21.0")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_lose_their_trailing_slash_and_need_a_scheme() {
        assert_eq!(parse_base_url("http://127.0.0.1:9000/").as_deref(), Ok("http://127.0.0.1:9000"));
        assert!(parse_base_url("graph.facebook.com").is_err());
        assert!(parse_base_url("https://").is_err());
        assert!(parse_base_url("https://x.test/?a=1").is_err());
    }

    #[test]
    fn the_defaults_validate_and_a_backoff_cap_below_its_base_does_not() {
        assert_eq!(PlatformSettings::default().problems(), Vec::<String>::new());
        let settings = PlatformSettings {
            platform_backoff_base_ms: 1000,
            platform_backoff_cap_ms: 10,
            ..Default::default()
        };
        assert_eq!(settings.problems().len(), 1);
        assert!(PlatformSettings::default().with_base_url("not a url").is_err());
    }

    #[test]
    fn meta_versions_look_like_v_major_minor() {
        assert!(parse_meta_version("v21.0").is_ok());
        assert!(parse_meta_version("21.0").is_err());
        assert!(parse_meta_version("v21").is_err());
    }
}
