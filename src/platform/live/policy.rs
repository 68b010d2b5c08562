//! How patiently a live adapter calls a platform: the per-call timeout, how many attempts, the
//! backoff between them (exponential, equal jitter) and how long a `Retry-After` may be.
//!
//! Pure apart from the random jitter: it decides waits, it does not sleep or send.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::platform::PlatformError;
use crate::platform::PlatformSettings;

/// The least wait after a rate limit that named no wait.
const RATE_LIMIT_FLOOR: Duration = Duration::from_secs(1);

/// The retry policy of a live adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The longest one call may take.
    pub timeout: Duration,
    /// Attempts per write, the first included.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles per attempt.
    pub backoff_base: Duration,
    /// The largest backoff ceiling.
    pub backoff_cap: Duration,
    /// The longest `Retry-After` waited for.
    pub retry_after_cap: Duration,
}

impl RetryPolicy {
    /// The policy the settings describe.
    pub fn from_settings(settings: &PlatformSettings) -> Self {
        RetryPolicy {
            timeout: Duration::from_millis(settings.platform_timeout_ms),
            max_attempts: settings.platform_max_attempts.max(1),
            backoff_base: Duration::from_millis(settings.platform_backoff_base_ms),
            backoff_cap: Duration::from_millis(settings.platform_backoff_cap_ms),
            retry_after_cap: Duration::from_secs(settings.platform_retry_after_cap_secs),
        }
    }

    /// The backoff ceiling after failed attempt `attempt` (1-based): `base * 2^(attempt-1)`, capped.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let factor = 2_u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.backoff_base.saturating_mul(factor).min(self.backoff_cap)
    }

    /// A random wait between half the ceiling and the ceiling ("equal jitter"): spread out like
    /// full jitter, but the waits still add up, so a platform restarting for a few seconds is
    /// outlasted rather than hit again at once.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_ceiling(attempt);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(millis / 2..=millis))
    }

    /// How long to wait before retrying after `error` on attempt `attempt`: the platform's
    /// `Retry-After` when it gave one, else the backoff. `None` for a `Retry-After` beyond the
    /// cap: it is not waited for, and the caller gives up.
    pub fn wait_before_retry(&self, error: &PlatformError, attempt: u32) -> Option<Duration> {
        match error.retry_after_secs() {
            Some(secs) if Duration::from_secs(secs) > self.retry_after_cap => None,
            Some(secs) => Some(Duration::from_secs(secs)),
            // A throttle without a stated wait (TikTok 40100, Meta 17 or 80004) counts per second
            // or longer: wait at least a second (or the whole backoff cap, if smaller).
            None if matches!(error, PlatformError::RateLimited { .. }) => {
                Some(self.backoff(attempt).max(RATE_LIMIT_FLOOR.min(self.backoff_cap)))
            }
            None => Some(self.backoff(attempt)),
        }
    }
}

/// Reads a `Retry-After` header: delay seconds (`120`) or an HTTP date, as seconds from `now`
/// (a date in the past is zero). `None` when absent or unreadable.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    let wait = at.signed_duration_since(now);
    // Round up so a date half a second away is still waited for.
    let millis = u64::try_from(wait.num_milliseconds()).unwrap_or(0);
    Some(millis.div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            timeout: Duration::from_secs(1),
            max_attempts: 3,
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_millis(350),
            retry_after_cap: Duration::from_secs(5),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_equal_jitter() {
        let policy = policy();
        assert_eq!(policy.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(policy.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(policy.backoff_ceiling(3), Duration::from_millis(350));
        assert_eq!(policy.backoff_ceiling(40), Duration::from_millis(350));
        for _ in 0..50 {
            let wait = policy.backoff(2);
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&wait), "{wait:?}");
        }
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).single().expect("date");
        assert_eq!(parse_retry_after("120", now), Some(120));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(30));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(0));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn a_retry_after_beyond_the_cap_is_not_waited_for() {
        let policy = policy();
        let short = PlatformError::rate_limited(Some(2), "slow down");
        assert_eq!(policy.wait_before_retry(&short, 1), Some(Duration::from_secs(2)));
        let long = PlatformError::rate_limited(Some(600), "slow down");
        assert_eq!(policy.wait_before_retry(&long, 1), None);
        let transient = PlatformError::transient("boom");
        assert!(
            policy.wait_before_retry(&transient, 1).is_some_and(|wait| wait <= Duration::from_millis(100))
        );
    }

    #[test]
    fn a_throttle_without_a_stated_wait_waits_at_least_a_second_unless_the_cap_is_lower() {
        let mut policy = policy();
        policy.backoff_cap = Duration::from_secs(8);
        let throttled = PlatformError::rate_limited(None, "too many requests");
        assert!(policy.wait_before_retry(&throttled, 1).is_some_and(|wait| wait >= Duration::from_secs(1)));
        let transient = PlatformError::transient("boom");
        assert!(policy.wait_before_retry(&transient, 1).is_some_and(|wait| wait < Duration::from_secs(1)));
        policy.backoff_cap = Duration::from_millis(350);
        assert!(
            policy.wait_before_retry(&throttled, 1).is_some_and(|wait| wait <= Duration::from_millis(350))
        );
    }
}
