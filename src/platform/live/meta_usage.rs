//! Slowing down before Meta throttles: Meta reports how much of an account's rate limit is used
//! in headers on its answers (`X-Business-Use-Case-Usage`, `X-Ad-Account-Usage`, `X-App-Usage`),
//! and the next call to that account waits accordingly.
//!
//! [`pace`] is the pure decision: when any reported figure (`call_count`, `total_cputime`,
//! `total_time`, `acc_id_util_pct`) is at or above [`PACE_FROM_PCT`] percent, the next call waits
//! a share of the backoff cap that grows linearly to the whole cap at 100%; when Meta names a time
//! to regain access (`estimated_time_to_regain_access` minutes, `reset_time_duration` seconds),
//! the next call waits that long. [`Pacer`] remembers, per connected account (its token), when
//! the next call may start; a wait longer than the `Retry-After` cap is not waited for: the call
//! fails at once as rate limited, as a long `Retry-After` does. Nothing here sends or logs a token.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::policy::RetryPolicy;
use crate::auth::Secret;
use crate::platform::PlatformError;

/// The usage headers Meta's answers carry, lowercase.
pub(super) const USAGE_HEADERS: [&str; 3] =
    ["x-business-use-case-usage", "x-ad-account-usage", "x-app-usage"];

/// The usage, in percent of the limit, from which calls are spaced out.
pub const PACE_FROM_PCT: f64 = 75.0;

/// How long the next call to the account waits, from the usage headers of the last answer;
/// `None` when the account is well within its limits (or Meta said nothing).
pub fn pace(headers: &[(String, String)], policy: &RetryPolicy) -> Option<Duration> {
    let mut highest: f64 = 0.0;
    let mut regain = Duration::ZERO;
    for (name, value) in headers {
        let Ok(json) = serde_json::from_str::<Value>(value) else { continue };
        match name.as_str() {
            "x-business-use-case-usage" => {
                // `{"<business id>": [{"type", "call_count", "total_cputime", "total_time",
                // "estimated_time_to_regain_access"}]}`
                let entries = json.as_object().into_iter().flat_map(|ids| ids.values());
                for entry in entries.filter_map(Value::as_array).flatten() {
                    highest = highest.max(figures(entry));
                    let minutes = entry["estimated_time_to_regain_access"].as_f64().unwrap_or(0.0);
                    regain = regain.max(Duration::from_secs_f64(minutes.max(0.0) * 60.0));
                }
            }
            "x-ad-account-usage" => {
                highest = highest.max(figures(&json)).max(json["acc_id_util_pct"].as_f64().unwrap_or(0.0));
                let seconds = json["reset_time_duration"].as_f64().unwrap_or(0.0);
                regain = regain.max(Duration::from_secs_f64(seconds.max(0.0)));
            }
            _ => highest = highest.max(figures(&json)),
        }
    }
    if !regain.is_zero() {
        return Some(regain);
    }
    (highest >= PACE_FROM_PCT).then(|| {
        let share = ((highest - PACE_FROM_PCT) / (100.0 - PACE_FROM_PCT)).clamp(0.0, 1.0);
        policy.backoff_cap.mul_f64(share)
    })
}

/// The highest of `call_count`, `total_cputime` and `total_time` in one usage object.
fn figures(usage: &Value) -> f64 {
    ["call_count", "total_cputime", "total_time"]
        .iter()
        .filter_map(|key| usage[*key].as_f64())
        .fold(0.0, f64::max)
}

/// When the next call to each connected account may start.
#[derive(Debug, Default)]
pub(super) struct Pacer {
    not_before: Mutex<HashMap<u64, Instant>>,
}

impl Pacer {
    /// The account a token belongs to, as a key that does not keep the token.
    pub fn key(token: &Secret) -> u64 {
        let mut hasher = DefaultHasher::new();
        token.expose().hash(&mut hasher);
        hasher.finish()
    }

    /// Waits until the account may be called again; a rate-limited error, without waiting,
    /// when that is further away than the `Retry-After` cap.
    pub async fn before_call(&self, key: u64, policy: &RetryPolicy) -> Result<(), PlatformError> {
        let wait = self.remaining(key);
        if wait.is_zero() {
            return Ok(());
        }
        if wait > policy.retry_after_cap {
            return Err(PlatformError::rate_limited(
                Some(wait.as_secs().max(1)),
                "Meta reported the ad account's rate limit as reached; nothing was sent",
            ));
        }
        tracing::info!(wait_ms = wait.as_millis() as u64, "Meta usage is high: waiting before the next call");
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Records what the usage headers of an answer ask of the next call.
    pub fn after_answer(&self, key: u64, headers: &[(String, String)], policy: &RetryPolicy) {
        let Some(wait) = pace(headers, policy) else { return };
        if let Ok(mut map) = self.not_before.lock() {
            let at = Instant::now() + wait;
            let entry = map.entry(key).or_insert(at);
            *entry = (*entry).max(at);
        }
    }

    /// How long until the account may be called.
    fn remaining(&self, key: u64) -> Duration {
        let Ok(map) = self.not_before.lock() else { return Duration::ZERO };
        map.get(&key).map_or(Duration::ZERO, |at| at.saturating_duration_since(Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            timeout: Duration::from_secs(1),
            max_attempts: 3,
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(20),
            retry_after_cap: Duration::from_secs(60),
        }
    }

    fn header(name: &str, value: &str) -> Vec<(String, String)> {
        vec![(name.to_owned(), value.to_owned())]
    }

    #[test]
    fn low_usage_does_not_slow_down() {
        let buc = r#"{"123": [{"type": "ads_management", "call_count": 30, "total_cputime": 10, "total_time": 12, "estimated_time_to_regain_access": 0}]}"#;
        assert_eq!(pace(&header("x-business-use-case-usage", buc), &policy()), None);
        assert_eq!(pace(&header("x-app-usage", r#"{"call_count": 74}"#), &policy()), None);
        assert_eq!(pace(&[], &policy()), None);
        assert_eq!(pace(&header("x-app-usage", "not json"), &policy()), None);
    }

    #[test]
    fn usage_from_75_percent_waits_a_growing_share_of_the_backoff_cap() {
        let at = |pct: u32| {
            let buc = format!(
                r#"{{"123": [{{"type": "ads_management", "call_count": 5, "total_cputime": {pct}, "total_time": 1}}]}}"#
            );
            pace(&header("x-business-use-case-usage", &buc), &policy())
        };
        assert_eq!(at(75), Some(Duration::ZERO));
        assert_eq!(at(90), Some(Duration::from_secs(12)));
        assert_eq!(at(100), Some(Duration::from_secs(20)));
        assert_eq!(at(140), Some(Duration::from_secs(20)), "never beyond the cap");
        let account = r#"{"acc_id_util_pct": 87.5, "reset_time_duration": 0, "ads_api_access_tier": "standard_access"}"#;
        assert_eq!(pace(&header("x-ad-account-usage", account), &policy()), Some(Duration::from_secs(10)));
    }

    #[test]
    fn a_named_time_to_regain_access_is_waited_for() {
        let buc = r#"{"123": [{"type": "ads_management", "call_count": 100, "total_cputime": 20, "total_time": 20, "estimated_time_to_regain_access": 2}]}"#;
        assert_eq!(
            pace(&header("x-business-use-case-usage", buc), &policy()),
            Some(Duration::from_secs(120))
        );
        let account = r#"{"acc_id_util_pct": 100, "reset_time_duration": 45}"#;
        assert_eq!(pace(&header("x-ad-account-usage", account), &policy()), Some(Duration::from_secs(45)));
    }

    #[tokio::test]
    async fn a_wait_beyond_the_retry_after_cap_fails_at_once_as_rate_limited() {
        let pacer = Pacer::default();
        let policy = policy();
        let buc = r#"{"1": [{"call_count": 100, "estimated_time_to_regain_access": 5}]}"#;
        pacer.after_answer(7, &header("x-business-use-case-usage", buc), &policy);
        let error = pacer.before_call(7, &policy).await.expect_err("five minutes is beyond the cap");
        assert_eq!(error.code(), "PLATFORM_RATE_LIMITED");
        assert!(error.retry_after_secs().is_some_and(|secs| secs > 290), "{error:?}");
        assert!(pacer.before_call(8, &policy).await.is_ok(), "another account is not slowed");
    }
}
