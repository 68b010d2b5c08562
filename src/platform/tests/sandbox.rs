//! The sandbox adapter and the proxy: ids, echoes, recording, injected failures, routing.

use std::sync::Arc;

use super::fixtures::{account, create_campaign};
use crate::domain::Platform;
use crate::domain::campaign::Outcome;
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;
use crate::platform::{PlatformAdapter, PlatformError, PlatformProxy, PlatformWrite, SandboxAdapter};

fn installs() -> PlatformWrite {
    create_campaign(Outcome::AppInstalls, Budget::Daily(5000))
}

fn pause(campaign_id: &str) -> PlatformWrite {
    PlatformWrite::SetCampaignStatus { campaign_id: campaign_id.to_owned(), status: EntityStatus::Paused }
}

fn all_digits(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn creates_get_ids_in_each_platform_style() {
    let expectations = [(Platform::Meta, 18..=18), (Platform::Tiktok, 19..=19), (Platform::Apple, 10..=10)];
    for (platform, lengths) in expectations {
        let sandbox = SandboxAdapter::new(platform);
        let receipt = sandbox.dispatch(&account(platform, "USD"), &installs()).await.expect("accepted");
        let id = receipt.platform_id.expect("a create gets an id");
        assert!(all_digits(&id), "{platform}: {id}");
        assert!(lengths.contains(&id.len()), "{platform}: {id}");
    }
}

#[tokio::test]
async fn updates_echo_the_id_and_every_accepted_request_is_recorded() {
    let sandbox = SandboxAdapter::new(Platform::Meta);
    let account = account(Platform::Meta, "USD");
    let created = sandbox.dispatch(&account, &installs()).await.expect("accepted");
    let id = created.platform_id.clone().expect("id");
    assert_eq!(created.native_response, serde_json::json!({ "id": id }));
    let paused = sandbox.dispatch(&account, &pause(&id)).await.expect("accepted");
    assert_eq!(paused.platform_id.as_deref(), Some(id.as_str()));
    assert_eq!(paused.native_response, serde_json::json!({ "success": true }));
    let recorded = sandbox.recorded();
    assert_eq!(recorded, vec![created.native_request, paused.native_request]);
    assert_eq!(recorded[1].path, format!("/v27.0/{id}"));
}

#[tokio::test]
async fn tiktok_and_apple_answer_in_their_envelopes() {
    let tiktok = SandboxAdapter::new(Platform::Tiktok);
    let receipt = tiktok.dispatch(&account(Platform::Tiktok, "USD"), &installs()).await.expect("accepted");
    assert_eq!(receipt.native_response["code"], 0);
    assert_eq!(receipt.native_response["data"]["campaign_id"].as_str(), receipt.platform_id.as_deref());
    let apple = SandboxAdapter::new(Platform::Apple);
    let receipt = apple.dispatch(&account(Platform::Apple, "USD"), &installs()).await.expect("accepted");
    let id = receipt.native_response["data"]["id"].as_u64().expect("integer id");
    assert_eq!(receipt.platform_id, Some(id.to_string()));
}

#[tokio::test]
async fn an_injected_failure_is_returned_once_and_nothing_is_recorded() {
    let sandbox = SandboxAdapter::new(Platform::Tiktok);
    let account = account(Platform::Tiktok, "USD");
    let throttled = PlatformError::rate_limited(Some(30), "too many requests");
    sandbox.fail_next(throttled.clone());
    let error = sandbox.dispatch(&account, &pause("17")).await.expect_err("injected");
    assert_eq!(error, throttled);
    assert!(error.is_retryable());
    assert!(sandbox.recorded().is_empty());
    sandbox.dispatch(&account, &pause("17")).await.expect("the failure was for one call only");
    assert_eq!(sandbox.recorded().len(), 1);
}

#[tokio::test]
async fn a_builder_error_is_the_dispatch_error() {
    let sandbox = SandboxAdapter::new(Platform::Apple);
    let write = create_campaign(Outcome::Traffic, Budget::Daily(5000));
    let error = sandbox
        .dispatch(&account(Platform::Apple, "USD"), &write)
        .await
        .expect_err("Apple runs app installs only");
    assert_eq!(error.code(), "PLATFORM_INVALID_REQUEST");
    assert!(!error.is_retryable());
    assert!(sandbox.recorded().is_empty());
}

#[tokio::test]
async fn an_account_of_another_platform_is_refused() {
    let sandbox = SandboxAdapter::new(Platform::Meta);
    let error =
        sandbox.dispatch(&account(Platform::Tiktok, "USD"), &pause("17")).await.expect_err("wrong platform");
    assert_eq!(error.field(), Some("platform"));
}

#[tokio::test]
async fn recorded_requests_never_carry_a_token() {
    let proxy = PlatformProxy::sandbox();
    for platform in Platform::ALL {
        let receipt = proxy.dispatch(&account(platform, "USD"), &installs()).await.expect("accepted");
        let text = serde_json::to_string(&receipt).expect("serializes");
        assert!(text.contains("<redacted>"), "{platform}: {text}");
    }
}

#[tokio::test]
async fn the_proxy_routes_by_platform_and_checks_its_adapters() {
    let meta = Arc::new(SandboxAdapter::new(Platform::Meta));
    let tiktok = Arc::new(SandboxAdapter::new(Platform::Tiktok));
    let apple = Arc::new(SandboxAdapter::new(Platform::Apple));
    let proxy = PlatformProxy::from_adapters(meta.clone(), tiktok.clone(), apple.clone())
        .expect("one adapter per platform");
    for platform in Platform::ALL {
        assert_eq!(proxy.adapter(platform).platform(), platform);
    }
    proxy.dispatch(&account(Platform::Tiktok, "USD"), &pause("17")).await.expect("accepted");
    assert_eq!(tiktok.recorded().len(), 1);
    assert!(meta.recorded().is_empty() && apple.recorded().is_empty());
    let mismatch = PlatformProxy::from_adapters(tiktok.clone(), tiktok, apple)
        .expect_err("a TikTok adapter cannot serve Meta");
    assert_eq!(mismatch.expected, Platform::Meta);
    assert_eq!(mismatch.found, Platform::Tiktok);
}
