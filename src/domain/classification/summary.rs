//! What the classification rules read of an ad's history, and nothing more: its total
//! conversions, the spend since its last conversion, day 1 and day 7 of the fatigue comparison,
//! and the recent window's totals.
//!
//! [`Summary::of`] computes it from the daily rows; the store aggregates the same five things
//! in SQL and keeps them per ad (`store::metrics`), so a page classifies its ads without
//! reading every metric row.
//! Both must follow the definitions in the parent module's "Terms".

use std::collections::HashMap;
use std::hash::Hash;

use super::cpa::{self, Totals, median_cpa_cents, recent_totals};
use super::{Classification, DailyMetrics, Thresholds, classify_summary};

/// The parts of an ad's history the rules use.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Conversions over the whole history (negatives count as 0).
    pub conversions: i64,
    /// Spend on the days after the last day with a conversion (all of it if none).
    pub dry_spend_cents: i64,
    /// Day 1 and day 7 of the fatigue window, when the history has a row for both.
    pub compared: Option<(DailyMetrics, DailyMetrics)>,
    /// Spend and conversions of the last `performance_window_days` days.
    pub recent: Totals,
}

impl Summary {
    /// The summary of `history` (rows in any order, one per day).
    pub fn of(history: &[DailyMetrics], t: &Thresholds) -> Summary {
        let mut days: Vec<&DailyMetrics> = history.iter().collect();
        days.sort_by_key(|day| day.day_index);
        Summary {
            conversions: days.iter().fold(0_i64, |sum, day| sum.saturating_add(day.conversions.max(0))),
            dry_spend_cents: cpa::spend_since_last_conversion(&days),
            compared: compared_days(&days, t.fatigue_window_days).map(|(day1, day7)| (*day1, *day7)),
            recent: recent_totals(history, t.performance_window_days),
        }
    }
}

/// Day 1 and day 7 of the trailing window of `window_days`, when both rows exist.
fn compared_days<'a>(
    days: &[&'a DailyMetrics],
    window_days: u32,
) -> Option<(&'a DailyMetrics, &'a DailyMetrics)> {
    let day7 = *days.last()?;
    let day1_index = day7.day_index.checked_sub(window_days.saturating_sub(1))?;
    let day1 = days.iter().find(|day| day.day_index == day1_index)?;
    Some((day1, day7))
}

/// Classifies each ad `(id, ad set, age in hours)` against the other ads of its ad set: the
/// target CPA is the median of their recent CPAs ([`median_cpa_cents`]). An ad missing from
/// `summaries` has no metrics.
pub fn classify_peers<K: Copy + Eq + Hash>(
    ads: &[(K, K, i64)],
    summaries: &HashMap<K, Summary>,
    t: &Thresholds,
) -> HashMap<K, Classification> {
    let none = Summary::default();
    let summary = |id: &K| summaries.get(id).unwrap_or(&none);
    let mut by_set: HashMap<K, Vec<&(K, K, i64)>> = HashMap::new();
    for ad in ads {
        by_set.entry(ad.1).or_default().push(ad);
    }
    let mut classes = HashMap::with_capacity(ads.len());
    for peers in by_set.values() {
        let totals: Vec<Totals> = peers.iter().map(|ad| summary(&ad.0).recent).collect();
        let median = median_cpa_cents(&totals);
        for ad in peers {
            classes.insert(ad.0, classify_summary(ad.2, summary(&ad.0), median, t));
        }
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::classification::classify;

    fn day(day_index: u32, spend_cents: i64, conversions: i64, frequency: f64) -> DailyMetrics {
        DailyMetrics { day_index, impressions: 1_000, frequency, spend_cents, conversions }
    }

    fn histories() -> Vec<Vec<DailyMetrics>> {
        let steady: Vec<_> = (0..8).map(|d| day(d, 2_000, 2, 1.5)).collect();
        let fatiguing: Vec<_> =
            (0..8).map(|d| day(d, 1_000 + 200 * i64::from(d), 1, 1.0 + 0.5 * f64::from(d))).collect();
        let dry: Vec<_> = (0..8).map(|d| day(d, 3_000, if d < 3 { 2 } else { 0 }, 1.2)).collect();
        vec![steady, fatiguing, dry, Vec::new()]
    }

    #[test]
    fn a_summary_classifies_like_the_history_it_sums_up() {
        let t = Thresholds::default();
        for history in histories() {
            for age in [10, 100, 500] {
                let from_summary = classify_summary(age, &Summary::of(&history, &t), Some(1_500), &t);
                assert_eq!(from_summary, classify(age, &history, Some(1_500), &t), "{history:?} at {age} h");
            }
        }
    }

    #[test]
    fn peers_are_judged_against_the_median_of_their_own_ad_set() {
        let t = Thresholds::default();
        let histories = histories();
        let ads: Vec<(u32, u32, i64)> = (0..4).map(|n| (n, n % 2, 300)).collect();
        let summaries: HashMap<u32, Summary> =
            (0..4).map(|n| (n, Summary::of(&histories[n as usize], &t))).collect();
        let classes = classify_peers(&ads, &summaries, &t);
        for (id, set, age) in &ads {
            let peers: Vec<Totals> = ads
                .iter()
                .filter(|ad| ad.1 == *set)
                .map(|ad| recent_totals(&histories[ad.0 as usize], t.performance_window_days))
                .collect();
            let expected = classify(*age, &histories[*id as usize], median_cpa_cents(&peers), &t);
            assert_eq!(classes[id], expected, "ad {id}");
        }
    }
}
