//! Prometheus metrics: what `/metrics` serves, and the one place each metric is named.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `layers_graphql_request_duration_seconds` | histogram | `operation`, `type` |
//! | `layers_graphql_requests_total` | counter | `operation`, `type`, `outcome` (`ok`, `error`, `refused`) |
//! | `layers_gate_verdicts_total` | counter | `decision`, `reason` |
//! | `layers_platform_dispatch_duration_seconds` | histogram | `platform` |
//! | `layers_platform_dispatches_total` | counter | `platform`, `result` (`ok` or the error code) |
//! | `layers_websocket_connections` | gauge | |
//! | `layers_websocket_subscriptions` | gauge | |
//! | `layers_rate_limit_store_failures_total` | counter | `store` (`postgres`, `redis`), `reason` (`error`, `timeout`, `skipped`: not asked for a second after a failure) |
//!
//! Operation names come from clients, so they are bounded: a name that is not a GraphQL name of
//! at most 64 characters is counted as `invalid`, and past [`MAX_OPERATION_NAMES`] distinct
//! names every new one is counted as `other`. The recorder is process-wide (installed once);
//! recording before it is installed is a no-op.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Distinct operation names labelled before the rest are counted as `other`.
pub const MAX_OPERATION_NAMES: usize = 256;

const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static OPERATION_NAMES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls return the same handle). `None` when
/// another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    metrics::describe_histogram!(
        "layers_graphql_request_duration_seconds",
        metrics::Unit::Seconds,
        "GraphQL request latency by operation name and type"
    );
    metrics::describe_counter!("layers_graphql_requests_total", "GraphQL requests by operation and outcome");
    metrics::describe_counter!("layers_gate_verdicts_total", "Gate decisions by decision and reason");
    metrics::describe_histogram!(
        "layers_platform_dispatch_duration_seconds",
        metrics::Unit::Seconds,
        "Platform call latency by platform"
    );
    metrics::describe_counter!("layers_platform_dispatches_total", "Platform calls by platform and result");
    metrics::describe_gauge!("layers_websocket_connections", "Open WebSocket connections on this instance");
    metrics::describe_gauge!("layers_websocket_subscriptions", "Active subscriptions on this instance");
    metrics::describe_counter!(
        "layers_rate_limit_store_failures_total",
        "Shared limit store calls that failed or timed out (the request was let through)"
    );
}

/// The Prometheus text exposition of every metric, with the WebSocket gauges set to `ws`'s counts.
pub fn render(open_connections: usize, active_subscriptions: usize) -> Option<String> {
    let handle = install()?;
    metrics::gauge!("layers_websocket_connections").set(open_connections as f64);
    metrics::gauge!("layers_websocket_subscriptions").set(active_subscriptions as f64);
    handle.run_upkeep();
    Some(handle.render())
}

/// One GraphQL request over HTTP.
pub fn graphql_request(operation: Option<&str>, kind: &'static str, outcome: &'static str, took: Duration) {
    let operation = operation_label(operation);
    metrics::histogram!("layers_graphql_request_duration_seconds", "operation" => operation.clone(), "type" => kind)
        .record(took.as_secs_f64());
    metrics::counter!("layers_graphql_requests_total", "operation" => operation, "type" => kind, "outcome" => outcome)
        .increment(1);
}

/// One gate decision (`allow`, `queue_for_approval`, `deny`) and its reason code.
pub fn gate_verdict(decision: &'static str, reason: Option<&str>) {
    let reason = reason.unwrap_or("none").to_owned();
    metrics::counter!("layers_gate_verdicts_total", "decision" => decision, "reason" => reason).increment(1);
}

/// One platform call: `result` is `ok` or the typed error code (`PLATFORM_RATE_LIMITED`, …).
pub fn platform_dispatch(platform: &'static str, result: &'static str, took: Duration) {
    metrics::histogram!("layers_platform_dispatch_duration_seconds", "platform" => platform)
        .record(took.as_secs_f64());
    metrics::counter!("layers_platform_dispatches_total", "platform" => platform, "result" => result)
        .increment(1);
}

/// One request let through without the shared limit store: it failed (`error`), took too
/// long (`timeout`), or was not asked right after a failure (`skipped`).
pub fn rate_limit_store_failure(store: &'static str, reason: &'static str) {
    metrics::counter!("layers_rate_limit_store_failures_total", "store" => store, "reason" => reason)
        .increment(1);
}

/// The label for a client-chosen operation name.
fn operation_label(name: Option<&str>) -> String {
    let Some(name) = name else {
        return "anonymous".to_owned();
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric())
        && !name.as_bytes()[0].is_ascii_digit();
    if !valid {
        return "invalid".to_owned();
    }
    let names = OPERATION_NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = names.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if names.contains(name) {
        return name.to_owned();
    }
    if names.len() >= MAX_OPERATION_NAMES {
        return "other".to_owned();
    }
    names.insert(name.to_owned());
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("DashboardPage")), "DashboardPage");
        assert_eq!(operation_label(Some("9lives")), "invalid");
        assert_eq!(operation_label(Some("a-b")), "invalid");
        assert_eq!(operation_label(Some(&"x".repeat(65))), "invalid");
        for i in 0..MAX_OPERATION_NAMES {
            operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(operation_label(Some("OneTooMany")), "other");
        assert_eq!(operation_label(Some("DashboardPage")), "DashboardPage", "known names stay");
    }
}
