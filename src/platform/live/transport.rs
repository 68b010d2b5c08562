//! One HTTP exchange with a platform: the recorded request sent for real, its answer read back.
//!
//! The recorded [`NativeRequest`] shows secrets as `<redacted>`; only here, just before sending,
//! is the placeholder replaced by the connected account's token, in a header marked sensitive.
//! This module does not retry, interpret the platform's answer or log anything with a secret.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::policy::parse_retry_after;
use crate::auth::Secret;
use crate::platform::{NativeRequest, REDACTED};

/// The longest piece of a non-JSON answer kept for the audit row.
const MAX_TEXT_ANSWER: usize = 2_000;

/// A platform's HTTP answer.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body (`null` when empty, a string when not JSON).
    pub body: Value,
    /// The `Retry-After` header, in seconds from now.
    pub retry_after_secs: Option<u64>,
    /// Meta's usage headers (lowercase name, JSON value), when present.
    pub usage: Vec<(String, String)>,
}

/// Why no answer came back.
#[derive(Debug, Clone)]
pub(super) enum SendError {
    /// The request never left: the platform cannot have acted on it (connection refused, bad URL).
    NotSent(String),
    /// The request may have reached the platform, but no answer was read (timeout, reset).
    Lost(String),
}

/// An HTTP client bound to one platform's base URL.
#[derive(Debug, Clone)]
pub(super) struct Transport {
    client: reqwest::Client,
    base_url: String,
    timeout: Duration,
}

impl Transport {
    /// A client for `base_url` whose every call gives up after `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("layers-dashboard/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Transport { client, base_url: base_url.trim_end_matches('/').to_owned(), timeout })
    }

    /// Sends `request` (with `query` appended) to the platform, the token in place of `<redacted>`.
    pub async fn send(
        &self,
        request: &NativeRequest,
        query: &[(String, String)],
        token: &Secret,
    ) -> Result<Answer, SendError> {
        let prepared = self.prepare(request, query, token)?;
        let response = self.client.execute(prepared).await.map_err(|err| self.failure(&err))?;
        let status = response.status().as_u16();
        let retry_after_secs = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, chrono::Utc::now()));
        let usage = super::meta_usage::USAGE_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
        let bytes = response.bytes().await.map_err(|err| self.failure(&err))?;
        Ok(Answer { status, body: parse_body(&bytes), retry_after_secs, usage })
    }

    /// The request to execute, with the real token substituted into its secret headers.
    fn prepare(
        &self,
        request: &NativeRequest,
        query: &[(String, String)],
        token: &Secret,
    ) -> Result<reqwest::Request, SendError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| SendError::NotSent(format!("`{}` is not an HTTP method", request.method)))?;
        let mut url = reqwest::Url::parse(&format!("{}{}", self.base_url, request.path))
            .map_err(|_| SendError::NotSent("the platform URL is not valid".to_owned()))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            let secret = value.contains(REDACTED);
            let value = value.replace(REDACTED, token.expose());
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| SendError::NotSent(format!("`{name}` is not a header name")))?;
            let mut value = HeaderValue::from_str(&value)
                .map_err(|_| SendError::NotSent(format!("the `{name}` header is not valid")))?;
            value.set_sensitive(secret);
            builder = builder.header(name, value);
        }
        if !request.body.is_null() {
            let body = serde_json::to_vec(&request.body)
                .map_err(|_| SendError::NotSent("the body could not be encoded".to_owned()))?;
            builder = builder.body(body);
        }
        builder.build().map_err(|_| SendError::NotSent("the request could not be built".to_owned()))
    }

    /// What a transport error means for whether the platform may have acted.
    fn failure(&self, err: &reqwest::Error) -> SendError {
        if err.is_connect() || err.is_builder() {
            SendError::NotSent(format!("could not connect to the platform: {}", describe(err)))
        } else if err.is_timeout() {
            SendError::Lost(format!("no answer within {} ms", self.timeout.as_millis()))
        } else {
            SendError::Lost(format!("the connection failed before an answer: {}", describe(err)))
        }
    }
}

/// A transport error's description with its causes (URLs carry no secret: tokens go in headers).
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}

/// The answer body as JSON; empty is `null`, anything else unreadable is kept as (short) text.
fn parse_body(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(bytes);
        Value::String(text.chars().take(MAX_TEXT_ANSWER).collect())
    })
}
