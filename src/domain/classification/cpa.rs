//! CPA arithmetic for classification: CPAs, window totals, the peer median and exact CPA
//! comparisons (see the parent module's "Arithmetic" section).

use std::cmp::Ordering;

use super::DailyMetrics;

/// Cost per acquisition in minor units, rounded half up; `None` without conversions (an
/// infinite CPA when there was spend, no data when there was none). Negative spend counts as 0.
pub fn cpa_cents(spend_cents: i64, conversions: i64) -> Option<i64> {
    if conversions <= 0 {
        return None;
    }
    let (spend, conversions) = (i128::from(spend_cents.max(0)), i128::from(conversions));
    // Half up: floor((2s + c) / 2c). The result is at most `spend_cents`, so it fits.
    i64::try_from((2 * spend + conversions) / (2 * conversions)).ok()
}

/// Spend and conversions summed over some days (saturating, negatives counted as 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    /// Total spend, in minor units.
    pub spend_cents: i64,
    /// Total conversions.
    pub conversions: i64,
}

impl Totals {
    /// The totals of `days`.
    pub fn sum<'a>(days: impl IntoIterator<Item = &'a DailyMetrics>) -> Totals {
        days.into_iter().fold(Totals::default(), |sum, day| Totals {
            spend_cents: sum.spend_cents.saturating_add(day.spend_cents.max(0)),
            conversions: sum.conversions.saturating_add(day.conversions.max(0)),
        })
    }

    /// The CPA of these totals ([`cpa_cents`]).
    pub fn cpa_cents(&self) -> Option<i64> {
        cpa_cents(self.spend_cents, self.conversions)
    }

    /// No spend and no conversions: nothing to judge.
    pub fn is_empty(&self) -> bool {
        self.spend_cents <= 0 && self.conversions <= 0
    }

    /// Whether the CPA is at most `pct` % of `target_cents` (an infinite CPA never is).
    pub(super) fn cpa_at_most_pct(&self, target_cents: i64, pct: i64) -> bool {
        self.conversions > 0 && cmp_pct(self.fraction(), (target_cents.into(), 1), pct) != Ordering::Greater
    }

    /// Whether the CPA is at least `pct` % of `target_cents` (an infinite CPA always is).
    pub(super) fn cpa_at_least_pct(&self, target_cents: i64, pct: i64) -> bool {
        self.conversions <= 0 || cmp_pct(self.fraction(), (target_cents.into(), 1), pct) != Ordering::Less
    }

    /// The CPA as an exact fraction (spend, conversions); conversions must be positive.
    fn fraction(&self) -> (i128, i128) {
        (self.spend_cents.max(0).into(), self.conversions.into())
    }
}

/// The totals of the last `window_days` days of `history` (by `day_index`, counting back from
/// the latest row; rows need not be sorted). A window of 0 days is empty.
pub fn recent_totals(history: &[DailyMetrics], window_days: u32) -> Totals {
    let Some(latest) = history.iter().map(|day| day.day_index).max() else { return Totals::default() };
    if window_days == 0 {
        return Totals::default();
    }
    let from = latest.saturating_sub(window_days - 1);
    Totals::sum(history.iter().filter(|day| day.day_index >= from))
}

/// The median CPA of `peers` (each usually [`recent_totals`] of one ad), rounded half up.
///
/// Peers with no spend and no conversions are left out; a peer that spent without converting
/// counts as an infinite CPA (it ranks last). With an even count the two middle CPAs are
/// averaged. `None` when no peer counts or the median is infinite.
pub fn median_cpa_cents(peers: &[Totals]) -> Option<i64> {
    let counted: Vec<&Totals> = peers.iter().filter(|peer| !peer.is_empty()).collect();
    let mut finite: Vec<i64> = counted.iter().filter_map(|peer| peer.cpa_cents()).collect();
    finite.sort_unstable();
    let n = counted.len();
    if n == 0 {
        return None;
    }
    let upper = *finite.get(n / 2)?;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = *finite.get(n / 2 - 1)?;
    i64::try_from((i128::from(lower) + i128::from(upper) + 1) / 2).ok()
}

/// How much worse day 7's CPA is than day 1's, in percent (`(cpa7 / cpa1 - 1) × 100`), for
/// display and traces; the rules compare exactly instead.
///
/// `None` when day 1 is no baseline (no spend or no conversions) or day 7 has no data;
/// `f64::INFINITY` when day 7 spent without converting. Negative when day 7 is better.
pub fn cpa_degradation_pct(day1: &DailyMetrics, day7: &DailyMetrics) -> Option<f64> {
    if !is_baseline(day1) || (day7.spend_cents <= 0 && day7.conversions <= 0) {
        return None;
    }
    if day7.conversions <= 0 {
        return Some(f64::INFINITY);
    }
    let ratio = (day7.spend_cents.max(0) as f64 * day1.conversions as f64)
        / (day1.spend_cents as f64 * day7.conversions as f64);
    Some((ratio - 1.0) * 100.0)
}

/// Whether day 7's CPA is at least `(100 + pct) %` of day 1's. An infinite day-7 CPA is; a day
/// 1 that is no baseline, or a day 7 with no data, never is.
pub(super) fn degraded_by_at_least(day1: &DailyMetrics, day7: &DailyMetrics, pct: i64) -> bool {
    if !is_baseline(day1) {
        return false;
    }
    if day7.conversions <= 0 {
        return day7.spend_cents > 0;
    }
    let day7_cpa = (day7.spend_cents.max(0).into(), day7.conversions.into());
    let day1_cpa = (day1.spend_cents.into(), day1.conversions.into());
    cmp_pct(day7_cpa, day1_cpa, pct.saturating_add(100)) != Ordering::Less
}

/// The spend of the trailing days without a conversion (`days` sorted by day; all of the spend
/// when the ad never converted), saturating.
pub(super) fn spend_since_last_conversion(days: &[&DailyMetrics]) -> i64 {
    days.iter()
        .rev()
        .take_while(|day| day.conversions <= 0)
        .fold(0_i64, |sum, day| sum.saturating_add(day.spend_cents.max(0)))
}

/// Whether `amount` is at least `pct` % of `target` (both in minor units).
pub(super) fn amount_at_least_pct(amount: i64, target: i64, pct: i64) -> bool {
    cmp_pct((amount.into(), 1), (target.into(), 1), pct) != Ordering::Less
}

/// A day with spend and conversions: its CPA can be degraded against.
fn is_baseline(day: &DailyMetrics) -> bool {
    day.spend_cents > 0 && day.conversions > 0
}

/// Compares `a × 100` with `b × pct`, where `a` and `b` are fractions `(numerator,
/// denominator)` with positive denominators: exactly by cross-multiplying, or in `f64` if a
/// product would overflow `i128`.
fn cmp_pct(a: (i128, i128), b: (i128, i128), pct: i64) -> Ordering {
    let lhs = a.0.checked_mul(b.1).and_then(|v| v.checked_mul(100));
    let rhs = b.0.checked_mul(a.1).and_then(|v| v.checked_mul(i128::from(pct)));
    match (lhs, rhs) {
        (Some(lhs), Some(rhs)) => lhs.cmp(&rhs),
        _ => {
            let lhs = a.0 as f64 / a.1 as f64 * 100.0;
            let rhs = b.0 as f64 / b.1 as f64 * pct as f64;
            lhs.partial_cmp(&rhs).unwrap_or(Ordering::Equal)
        }
    }
}
