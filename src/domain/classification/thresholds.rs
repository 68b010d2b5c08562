//! The configurable thresholds of classification, their defaults and their sanity check.

use crate::domain::gate::MIN_PRUNE_AGE_HOURS;

/// Every number the classification rules use (rules in the parent module's doc).
///
/// Amounts are in the account currency's minor units; percentages are whole percent.
///
/// | field | default | meaning | why this default |
/// | --- | --- | --- | --- |
/// | `min_age_hours` | 72 | under it: `TOO_YOUNG` | [`MIN_PRUNE_AGE_HOURS`]: the optimizer never pauses an ad under 3 days old |
/// | `learning_conversions` | 50 | learning until this many conversions... | Meta leaves the learning phase after about 50 optimisation events; TikTok asks for about as many |
/// | `learning_max_age_hours` | 168 | ...or this age (7 days), whichever comes first | the platforms' learning window is one week |
/// | `fatigue_window_days` | 7 | day 1 and day 7 are this many days apart, counting both | the spec's "day-7 vs day-1" |
/// | `fatigue_frequency` | 3.0 | day-7 frequency at or above it is high | the usual wear-out rule of thumb: past about 3 views per person a day, response drops |
/// | `fatigue_degradation_pct` | 30 | day-7 CPA at least this much worse than day 1: fatigue (with high frequency) | well above the day-to-day noise of an ad converting a few dozen times a day, well below a collapse |
/// | `critical_degradation_pct` | 100 | day-7 CPA at least this much worse (doubled): critical, whatever the frequency | a CPA that doubled in a week costs twice what it did; no refresh cycle should wait for it |
/// | `critical_spend_pct` | 300 | spend since the last conversion at least this % of the target CPA: critical | an ad converting at the target would go that long without a conversion only about 5 % of the time (e^-3) |
/// | `critical_spend_floor_cents` | 10 000 | the same when there is no target CPA (no peer converts) | $100 in a 2-decimal currency: a sum a customer notices; scale it for other currencies |
/// | `performance_window_days` | 7 | the recent CPA covers this many days | one week smooths weekday swings |
/// | `top_performer_max_pct` | 80 | recent CPA at or under this % of the peer median: `TOP_PERFORMER` | 20 % cheaper than the median |
/// | `underperforming_min_pct` | 125 | recent CPA at or over this % of the peer median: `UNDERPERFORMING` | the mirror of 80 on a ratio scale (1 / 0.8 = 1.25) |
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Hours live under which an ad is `TOO_YOUNG`.
    pub min_age_hours: i64,
    /// Conversions under which a young ad is still learning.
    pub learning_conversions: i64,
    /// Hours live under which an ad with few conversions is still learning.
    pub learning_max_age_hours: i64,
    /// Days from day 1 to day 7 of the fatigue comparison, both counted (at least 2).
    pub fatigue_window_days: u32,
    /// Day-7 frequency at or above which an ad is overexposed.
    pub fatigue_frequency: f64,
    /// Percent by which day-7 CPA must exceed day-1 CPA for fatigue.
    pub fatigue_degradation_pct: i64,
    /// Percent by which day-7 CPA must exceed day-1 CPA for `CRITICAL`.
    pub critical_degradation_pct: i64,
    /// Spend since the last conversion, in percent of the target CPA, that makes an ad `CRITICAL`.
    pub critical_spend_pct: i64,
    /// Spend since the last conversion that makes an ad `CRITICAL` when there is no target CPA.
    pub critical_spend_floor_cents: i64,
    /// Days the recent CPA covers.
    pub performance_window_days: u32,
    /// Recent CPA, in percent of the peer median, at or under which an ad is a top performer.
    pub top_performer_max_pct: i64,
    /// Recent CPA, in percent of the peer median, at or over which an ad underperforms.
    pub underperforming_min_pct: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_age_hours: MIN_PRUNE_AGE_HOURS,
            learning_conversions: 50,
            learning_max_age_hours: 7 * 24,
            fatigue_window_days: 7,
            fatigue_frequency: 3.0,
            fatigue_degradation_pct: 30,
            critical_degradation_pct: 100,
            critical_spend_pct: 300,
            critical_spend_floor_cents: 10_000,
            performance_window_days: 7,
            top_performer_max_pct: 80,
            underperforming_min_pct: 125,
        }
    }
}

/// Thresholds that contradict themselves or the guardrails; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid classification thresholds: {0}")]
pub struct InvalidThresholds(pub String);

impl Thresholds {
    /// Checks the thresholds make sense together: `min_age_hours` at least the prune guardrail
    /// (72), windows of at least 2 (fatigue) and 1 (performance) days, a finite non-negative
    /// frequency, non-negative percentages and floor, a positive spend multiple,
    /// `fatigue_degradation_pct < critical_degradation_pct` and `top_performer_max_pct <
    /// underperforming_min_pct`.
    pub fn validate(&self) -> Result<(), InvalidThresholds> {
        let fail = |message: &str| Err(InvalidThresholds(message.to_owned()));
        if self.min_age_hours < MIN_PRUNE_AGE_HOURS {
            return fail("min_age_hours is below the 72-hour prune guardrail");
        }
        if self.fatigue_window_days < 2 || self.performance_window_days < 1 {
            return fail("fatigue_window_days must be at least 2 and performance_window_days at least 1");
        }
        if !self.fatigue_frequency.is_finite() || self.fatigue_frequency < 0.0 {
            return fail("fatigue_frequency must be a finite number, 0 or more");
        }
        let non_negative = [
            self.learning_conversions,
            self.learning_max_age_hours,
            self.fatigue_degradation_pct,
            self.critical_spend_floor_cents,
            self.top_performer_max_pct,
        ];
        if non_negative.iter().any(|value| *value < 0) {
            return fail("counts, hours, percentages and the spend floor must be 0 or more");
        }
        if self.critical_spend_pct <= 0 {
            return fail("critical_spend_pct must be above 0");
        }
        if self.fatigue_degradation_pct >= self.critical_degradation_pct {
            return fail("fatigue_degradation_pct must be below critical_degradation_pct");
        }
        if self.top_performer_max_pct >= self.underperforming_min_pct {
            return fail("top_performer_max_pct must be below underperforming_min_pct");
        }
        Ok(())
    }
}
