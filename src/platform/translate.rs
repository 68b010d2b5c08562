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

/// Apple's answer to a failed call, in either API's shape: v5's
/// `{error: {errors: [{messageCode, message, field}]}}`, or the Apple Ads Platform API's `Error`
/// (`{code, message, details: [{code, message, info: {field}}]}`, wrapped as `{error: …}` by
/// the endpoints that answer an `ErrorResponse`).
pub fn apple_error(http_status: u16, retry_after_secs: Option<u64>, body: &Value) -> PlatformError {
    let said = AppleSaid::read(body);
    let message = match (&said.code, &said.message) {
        (Some(code), Some(text)) => format!("{text} ({code})"),
        (None, Some(text)) => text.clone(),
        _ => format!("Apple answered HTTP {http_status}"),
    };
    let message = match &said.detail {
        Some(detail) => format!("{message}: {detail}"),
        None => message,
    };
    let native = if said.readable {
        NativeErrorDetail::Apple {
            http_status,
            message_code: said.code,
            field: said.field.clone(),
            detail_code: said.detail_code,
        }
    } else {
        NativeErrorDetail::Http { http_status }
    };
    if http_status == 400 {
        let field = said.field.as_deref().and_then(apple_field);
        return PlatformError::invalid_request(field, message).with_native(native);
    }
    by_http_status(http_status, retry_after_secs, &message).with_native(native)
}

/// What an Apple error body said, whichever API answered.
#[derive(Debug, Default)]
struct AppleSaid {
    readable: bool,
    code: Option<String>,
    message: Option<String>,
    field: Option<String>,
    detail: Option<String>,
    detail_code: Option<String>,
}

impl AppleSaid {
    fn read(body: &Value) -> Self {
        let text = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let first = &body["error"]["errors"][0];
        if first.is_object() {
            return AppleSaid {
                readable: true,
                code: text(&first["messageCode"]),
                message: text(&first["message"]),
                field: text(&first["field"]),
                ..AppleSaid::default()
            };
        }
        let error = if body["error"].is_object() { &body["error"] } else { body };
        if !error["code"].is_string() {
            return AppleSaid::default();
        }
        let detail = &error["details"][0];
        AppleSaid {
            readable: true,
            code: text(&error["code"]),
            message: text(&error["message"]),
            field: text(&detail["info"]["field"]).or_else(|| text(&detail["field"])),
            detail: text(&detail["message"]),
            detail_code: text(&detail["code"]),
        }
    }
}

/// The normalized name of an Apple field (`campaign.dailyBudgetAmount`,
/// `dailyBudget.value.amount`, `targeting.countryOrRegion`), where one exists: the first segment
/// of the path that names one, else the path's last segment.
fn apple_field(native: &str) -> Option<String> {
    let normalized = |segment: &str| -> Option<&'static str> {
        Some(match segment {
            "dailyBudgetAmount" | "dailyBudget" => "dailyBudgetCents",
            "defaultBidAmount" | "bid" => "bidAmountCents",
            "countriesOrRegions" | "countryOrRegion" => "targeting.countries",
            "adamId" | "promotedObjectId" => "appleAdamId",
            "creativeId" => "creativeId",
            "startTime" => "startTime",
            "endTime" => "endTime",
            "name" => "name",
            "status" => "status",
            _ => return None,
        })
    };
    let segments: Vec<&str> = native.split('.').filter(|s| !s.is_empty() && *s != "null").collect();
    segments
        .iter()
        .find_map(|segment| normalized(segment))
        .map(str::to_owned)
        .or_else(|| segments.last().map(|leaf| (*leaf).to_owned()))
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
