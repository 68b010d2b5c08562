//! The live platform adapters against a local mock server (wiremock): each platform's native
//! request as it arrives over HTTP, each error path, the retry policy and the read-back that
//! keeps a create from being applied twice. The adapters are driven directly through the
//! library's public API, with tiny timeouts and backoffs so the tests stay fast.

mod apple_v1;
mod errors;
mod reconcile;
mod requests;

use chrono::Utc;
use layers_dashboard::auth::Secret;
use layers_dashboard::domain::Platform;
use layers_dashboard::domain::campaign::{BidStrategy, Outcome};
use layers_dashboard::domain::money::{Budget, Currency};
use layers_dashboard::domain::status::EntityStatus;
use layers_dashboard::platform::live::LiveAdapter;
use layers_dashboard::platform::{AccountContext, PlatformSettings, PlatformWrite};
use serde_json::Value;
use wiremock::MockServer;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// The access token the connected accounts hold in these tests.
pub const TOKEN: &str = "tok-live-123";

/// A Graph API version other than the built-in default, to show the configured one wins.
pub const META_VERSION: &str = "v22.0";

/// Settings pointing every platform at `server`: 300 ms per call, three attempts, millisecond
/// backoffs, `Retry-After` honoured up to 2 s.
pub fn settings(server: &MockServer) -> PlatformSettings {
    PlatformSettings {
        meta_api_version: META_VERSION.to_owned(),
        platform_timeout_ms: 300,
        platform_max_attempts: 3,
        platform_backoff_base_ms: 5,
        platform_backoff_cap_ms: 20,
        platform_retry_after_cap_secs: 2,
        ..PlatformSettings::default()
    }
    .with_base_url(&server.uri())
    .expect("mock server URL")
}

/// The live adapter for `platform` against `server`.
pub fn adapter(platform: Platform, server: &MockServer) -> LiveAdapter {
    LiveAdapter::new(platform, &settings(server)).expect("adapter")
}

/// A connected USD account on `platform` with every platform's config filled in.
pub fn account(platform: Platform) -> AccountContext {
    AccountContext {
        platform,
        ad_account_id: Some("123456789".to_owned()),
        currency: Currency::parse("USD").expect("USD"),
        apple_org_id: Some("40669820".to_owned()),
        apple_api: layers_dashboard::domain::apple_api::AppleApi::V5,
        apple_adam_id: Some("835599320".to_owned()),
        countries: vec!["US".to_owned(), "GB".to_owned()],
        identity: Default::default(),
        dispatch_key: None,
        access_token: Some(Secret::from(TOKEN.to_owned())),
    }
}

/// A paused "Spring sale" campaign with a $50.50 daily budget and lowest-cost bidding.
pub fn create_campaign(outcome: Outcome) -> PlatformWrite {
    PlatformWrite::CreateCampaign {
        name: "Spring sale".to_owned(),
        outcome,
        budget: Budget::Daily(5050),
        bid_strategy: BidStrategy::LowestCost,
        bid_amount_cents: None,
        status: EntityStatus::Paused,
        start_time: None,
        end_time: None,
    }
}

/// A new $75.00 daily budget for `campaign_id`.
pub fn budget_update(campaign_id: &str) -> PlatformWrite {
    PlatformWrite::UpdateCampaignBudget { campaign_id: campaign_id.to_owned(), budget: Budget::Daily(7500) }
}

/// Pauses `campaign_id`.
pub fn pause(campaign_id: &str) -> PlatformWrite {
    PlatformWrite::SetCampaignStatus { campaign_id: campaign_id.to_owned(), status: EntityStatus::Paused }
}

/// Answers `verb path` with `status` and a JSON body, at most `times` times when given.
pub async fn answer(server: &MockServer, verb: &str, at: &str, status: u16, body: Value, times: Option<u64>) {
    let mock = Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body));
    match times {
        Some(times) => mock.up_to_n_times(times).with_priority(1).mount(server).await,
        None => mock.with_priority(5).mount(server).await,
    }
}

/// Every request the server received, as (method, path, headers, JSON body).
pub async fn received(server: &MockServer) -> Vec<Received> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|request| Received {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            query: request.url.query().unwrap_or_default().to_owned(),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().to_owned()))
                .collect(),
            body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
        })
        .collect()
}

/// One request as the platform saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Received {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Checks no header still holds the redaction placeholder.
    pub fn assert_no_placeholder(&self) {
        for (name, value) in &self.headers {
            assert!(!value.contains("redacted"), "header {name} was sent as {value}");
        }
    }
}

/// Now, as the platforms print creation times.
pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339()
}
