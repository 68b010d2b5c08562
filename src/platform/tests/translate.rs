//! Native failures translated into typed errors, and the error codes themselves.

use serde_json::json;

use crate::platform::PlatformError;
use crate::platform::translate::{apple_error, by_http_status, meta_error, tiktok_envelope};

fn meta(code: i64, extra: serde_json::Value) -> PlatformError {
    let mut error = json!({ "message": "x", "code": code, "fbtrace_id": "Abc" });
    if let (Some(error), Some(extra)) = (error.as_object_mut(), extra.as_object()) {
        error.extend(extra.clone());
    }
    meta_error(400, &json!({ "error": error }))
}

#[test]
fn meta_codes_map_to_typed_errors() {
    assert_eq!(meta(190, json!({})).code(), "PLATFORM_AUTH_EXPIRED");
    assert_eq!(meta(17, json!({})).code(), "PLATFORM_RATE_LIMITED");
    assert_eq!(meta(80004, json!({})).code(), "PLATFORM_RATE_LIMITED");
    assert_eq!(meta(2, json!({})).code(), "PLATFORM_TRANSIENT");
    assert_eq!(meta(99, json!({ "is_transient": true })).code(), "PLATFORM_TRANSIENT");
    assert_eq!(meta(100, json!({})).code(), "PLATFORM_INVALID_REQUEST");
    assert_eq!(meta(200, json!({})).code(), "PLATFORM_PERMANENT");
    let detail = meta(190, json!({ "error_subcode": 463 })).audit_detail();
    assert_eq!(detail["native"]["platform"], "meta");
    assert_eq!(detail["native"]["code"], 190);
    assert_eq!(detail["native"]["error_subcode"], 463);
    assert_eq!(detail["native"]["fbtrace_id"], "Abc");
    let message = meta(100, json!({ "error_subcode": 1815857 })).to_string();
    assert!(message.contains("subcode 1815857") && message.contains("Abc"), "{message}");
    assert_eq!(meta_error(503, &json!("oops")).code(), "PLATFORM_TRANSIENT");
}

#[test]
fn tiktok_nonzero_code_is_an_error_even_under_http_200() {
    let ok = json!({ "code": 0, "message": "OK", "request_id": "r", "data": { "campaign_id": "17" } });
    assert_eq!(tiktok_envelope(200, &ok).expect("success"), json!({ "campaign_id": "17" }));
    let failed = |code: i64| {
        let body = json!({ "code": code, "message": "m", "request_id": "r", "data": {} });
        tiktok_envelope(200, &body).expect_err("non-zero code").code()
    };
    assert_eq!(failed(40100), "PLATFORM_RATE_LIMITED");
    assert_eq!(failed(40105), "PLATFORM_AUTH_EXPIRED");
    assert_eq!(failed(40002), "PLATFORM_INVALID_REQUEST");
    assert_eq!(failed(51004), "PLATFORM_TRANSIENT");
    assert_eq!(failed(40001), "PLATFORM_PERMANENT");
}

#[test]
fn an_unreadable_success_is_permanent_so_it_is_not_retried_blindly() {
    let error = tiktok_envelope(200, &json!("<html>")).expect_err("unreadable");
    assert_eq!(error.code(), "PLATFORM_PERMANENT");
    assert!(!error.is_retryable());
    let error = tiktok_envelope(502, &json!("<html>")).expect_err("unreadable");
    assert!(error.is_retryable());
}

#[test]
fn apple_statuses_and_fields_map_to_typed_errors() {
    let body = json!({ "data": null, "error": { "errors": [{
        "messageCode": "INVALID_INPUT",
        "message": "budget below minimum",
        "field": "campaign.dailyBudgetAmount",
    }] } });
    let invalid = apple_error(400, None, &body);
    assert_eq!(invalid.field(), Some("dailyBudgetCents"));
    assert!(invalid.to_string().contains("budget below minimum (INVALID_INPUT)"));
    assert_eq!(apple_error(401, None, &body).code(), "PLATFORM_AUTH_EXPIRED");
    let limited = apple_error(429, Some(60), &body);
    assert_eq!(limited.code(), "PLATFORM_RATE_LIMITED");
    assert_eq!(limited.retry_after_secs(), Some(60));
    assert_eq!(invalid.audit_detail()["native"]["messageCode"], "INVALID_INPUT");
    assert_eq!(invalid.audit_detail()["native"]["field"], "campaign.dailyBudgetAmount");
    assert_eq!(invalid.audit_detail()["native"]["http_status"], 400);
    assert_eq!(apple_error(500, None, &json!(null)).code(), "PLATFORM_TRANSIENT");
    assert_eq!(apple_error(404, None, &json!(null)).code(), "PLATFORM_PERMANENT");
}

#[test]
fn the_apple_ads_platform_api_error_envelope_maps_to_typed_errors() {
    let body = json!({ "error": {
        "code": "INVALID_ARGUMENT",
        "message": "The request could not be processed because of missing or invalid fields.",
        "details": [{ "code": "FIELD_REQUIRED", "message": "dailyBudget.value.amount is required",
            "info": { "field": "dailyBudget.value.amount" } }],
    } });
    let invalid = apple_error(400, None, &body);
    assert_eq!(invalid.code(), "PLATFORM_INVALID_REQUEST");
    assert_eq!(invalid.field(), Some("dailyBudgetCents"));
    assert!(
        invalid.to_string().contains("(INVALID_ARGUMENT): dailyBudget.value.amount is required"),
        "{invalid}"
    );
    let native = &invalid.audit_detail()["native"];
    assert_eq!(
        native,
        &json!({ "platform": "apple", "http_status": 400, "messageCode": "INVALID_ARGUMENT",
            "field": "dailyBudget.value.amount", "detailCode": "FIELD_REQUIRED" })
    );
    let bare = json!({ "code": "NOT_FOUND", "message": "campaign 42 not found", "details": [] });
    let missing = apple_error(404, None, &bare);
    assert_eq!(missing.code(), "PLATFORM_PERMANENT");
    assert_eq!(missing.audit_detail()["native"]["messageCode"], "NOT_FOUND");
    assert_eq!(apple_error(429, Some(3), &bare).retry_after_secs(), Some(3));
    assert_eq!(apple_error(401, None, &body).code(), "PLATFORM_AUTH_EXPIRED");
}

#[test]
fn codes_and_retryability_are_stable() {
    let cases = [
        (PlatformError::transient("t"), "PLATFORM_TRANSIENT", true),
        (PlatformError::rate_limited(None, "r"), "PLATFORM_RATE_LIMITED", true),
        (PlatformError::auth_expired("a"), "PLATFORM_AUTH_EXPIRED", false),
        (PlatformError::permanent("p"), "PLATFORM_PERMANENT", false),
        (PlatformError::invalid("f", "i"), "PLATFORM_INVALID_REQUEST", false),
    ];
    for (error, code, retryable) in cases {
        assert_eq!(error.code(), code);
        assert_eq!(error.is_retryable(), retryable, "{code}");
    }
    assert_eq!(by_http_status(429, Some(5), "m").code(), "PLATFORM_RATE_LIMITED");
}
