//! Reading a platform's answer: its native failure shapes turned into [`PlatformError`].
//!
//! Pure functions over an HTTP status and a parsed JSON body, shared by the live adapters and
//! their tests. Every error keeps the platform's own identifiers as a [`NativeErrorDetail`] for
//! the audit row. An answer that cannot be read after a 2xx is treated as permanent, not
//! transient: the platform may have applied the write, and a blind retry could apply it twice.
//! Nothing here performs I/O or sees a token.

use serde_json::Value;

use super::error::{NativeErrorDetail, PlatformError};

/// Meta error codes that mean the access token is no longer valid.
const META_AUTH_CODES: &[i64] = &[102, 190];
/// Meta error codes for throttling (app, user, page, ads-management and business-use-case limits).
const META_RATE_CODES: &[i64] = &[4, 17, 32, 613, 80000, 80003, 80004, 80014];
/// Meta error codes for a temporary failure on Meta's side.
const META_TRANSIENT_CODES: &[i64] = &[1, 2];

/// TikTok envelope codes that mean the access token is missing, expired or revoked.
const TIKTOK_AUTH_CODES: &[i64] = &[40102, 40104, 40105];
/// TikTok's "requests made too frequently".
const TIKTOK_RATE_CODE: i64 = 40100;
/// TikTok's parameter error.
const TIKTOK_INVALID_CODE: i64 = 40002;

/// Meta's answer to a failed call: `{error: {message, code, error_subcode, fbtrace_id}}`.
pub fn meta_error(http_status: u16, body: &Value) -> PlatformError {
    let error = &body["error"];
    let Some(code) = error["code"].as_i64() else {
        return by_http_status(http_status, None, "Meta returned an unreadable error")
            .with_native(NativeErrorDetail::Http { http_status });
    };
    let native = NativeErrorDetail::Meta {
        http_status,
        code: Some(code),
        error_subcode: error["error_subcode"].as_i64(),
        error_type: error["type"].as_str().map(str::to_owned),
        fbtrace_id: error["fbtrace_id"].as_str().map(str::to_owned),
    };
    let message = format!(
        "{} (code {code}, subcode {}, fbtrace_id {})",
        error["message"].as_str().unwrap_or("no message"),
        error["error_subcode"].as_i64().unwrap_or(0),
        error["fbtrace_id"].as_str().unwrap_or("-"),
    );
    let typed = if META_AUTH_CODES.contains(&code) {
        PlatformError::auth_expired(message)
    } else if META_RATE_CODES.contains(&code) {
        PlatformError::rate_limited(None, message)
    } else if META_TRANSIENT_CODES.contains(&code) || error["is_transient"].as_bool() == Some(true) {
        PlatformError::transient(message)
    } else if code == 100 {
        PlatformError::invalid_request(None, message)
    } else if http_status >= 500 {
        PlatformError::transient(message)
    } else {
        PlatformError::permanent(message)
    };
    typed.with_native(native)
}

/// TikTok's envelope `{code, message, request_id, data}`: `data` when `code` is 0, else the
/// error, even under HTTP 200.
pub fn tiktok_envelope(http_status: u16, body: &Value) -> Result<Value, PlatformError> {
    let Some(code) = body["code"].as_i64() else {
        return Err(by_http_status(http_status, None, "TikTok returned an unreadable answer")
            .with_native(NativeErrorDetail::Http { http_status }));
    };
    if code == 0 && (200..300).contains(&http_status) {
        return Ok(body["data"].clone());
    }
    let native = NativeErrorDetail::Tiktok {
        http_status,
        code: Some(code),
        request_id: body["request_id"].as_str().map(str::to_owned),
    };
    let message = format!(
        "{} (code {code}, request_id {})",
        body["message"].as_str().unwrap_or("no message"),
        body["request_id"].as_str().unwrap_or("-"),
    );
    let typed = match code {
        TIKTOK_RATE_CODE => PlatformError::rate_limited(None, message),
        code if TIKTOK_AUTH_CODES.contains(&code) => PlatformError::auth_expired(message),
        TIKTOK_INVALID_CODE => PlatformError::invalid_request(None, message),
        code if code >= 50000 => PlatformError::transient(message),
        _ => by_http_status(http_status, None, &message),
    };
    Err(typed.with_native(native))
}

/// Apple's answer to a failed call: `{error: {errors: [{messageCode, message, field}]}}`.
pub fn apple_error(http_status: u16, retry_after_secs: Option<u64>, body: &Value) -> PlatformError {
    let first = &body["error"]["errors"][0];
    let message = match (first["messageCode"].as_str(), first["message"].as_str()) {
        (Some(code), Some(text)) => format!("{text} ({code})"),
        (None, Some(text)) => text.to_owned(),
        _ => format!("Apple answered HTTP {http_status}"),
    };
    let native = if first.is_object() {
        NativeErrorDetail::Apple {
            http_status,
            message_code: first["messageCode"].as_str().map(str::to_owned),
            field: first["field"].as_str().map(str::to_owned),
        }
    } else {
        NativeErrorDetail::Http { http_status }
    };
    if http_status == 400 {
        let field = first["field"].as_str().map(apple_field);
        return PlatformError::invalid_request(field, message).with_native(native);
    }
    by_http_status(http_status, retry_after_secs, &message).with_native(native)
}

/// The normalized name of an Apple field, where one exists.
fn apple_field(native: &str) -> String {
    let leaf = native.rsplit('.').next().unwrap_or(native);
    let normalized = match leaf {
        "dailyBudgetAmount" => "dailyBudgetCents",
        "defaultBidAmount" => "bidAmountCents",
        "countriesOrRegions" => "targeting.countries",
        "adamId" => "appleAdamId",
        "creativeId" => "creativeId",
        "name" => "name",
        "status" => "status",
        other => other,
    };
    normalized.to_owned()
}

/// The error an HTTP status alone implies (401 auth, 429 throttled, 5xx transient, else permanent).
pub fn by_http_status(http_status: u16, retry_after_secs: Option<u64>, message: &str) -> PlatformError {
    match http_status {
        401 => PlatformError::auth_expired(message),
        429 => PlatformError::rate_limited(retry_after_secs, message),
        400 | 422 => PlatformError::invalid_request(None, message),
        500..=599 => PlatformError::transient(message),
        _ => PlatformError::permanent(message),
    }
}
