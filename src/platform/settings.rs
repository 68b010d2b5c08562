//! Where the live platform APIs are, and how patiently they are called.
//!
//! Flattened into [`crate::config::Settings`]; every base URL is configurable so tests and staging
//! can point the live adapters at a local server. Used only when `LAYERS_PLATFORM_MODE=live`.

use clap::Args;

/// The live platform endpoints.
#[derive(Debug, Clone, Args)]
pub struct PlatformSettings {
    /// Meta Marketing API base URL (Graph API host, without the version).
    #[arg(long, env = "LAYERS_META_BASE_URL", default_value = "https://graph.facebook.com", value_parser = parse_base_url, global = true)]
    pub meta_base_url: String,

    /// Meta Marketing API version every Meta path starts with.
    #[arg(long, env = "LAYERS_META_API_VERSION", default_value = "v21.0", value_parser = parse_meta_version, global = true)]
    pub meta_api_version: String,

    /// TikTok Business API base URL (paths start with `/open_api/v1.3/`).
    #[arg(long, env = "LAYERS_TIKTOK_BASE_URL", default_value = "https://business-api.tiktok.com", value_parser = parse_base_url, global = true)]
    pub tiktok_base_url: String,

    /// Apple Search Ads API base URL (paths start with `/api/v5/`).
    #[arg(long, env = "LAYERS_APPLE_BASE_URL", default_value = "https://api.searchads.apple.com", value_parser = parse_base_url, global = true)]
    pub apple_base_url: String,
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
    fn meta_versions_look_like_v_major_minor() {
        assert!(parse_meta_version("v21.0").is_ok());
        assert!(parse_meta_version("21.0").is_err());
        assert!(parse_meta_version("v21").is_err());
    }
}
