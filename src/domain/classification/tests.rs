//! Classification tables: one row per rule and per boundary, written out by hand.

use super::*;
use Classification::{Critical, Fatigued, Healthy, LearningPhase, TooYoung, TopPerformer, Underperforming};

/// The peer median CPA most rows compare against.
const MEDIAN: Option<i64> = Some(1_000);
/// Ten days live.
const MATURE: i64 = 240;

fn day(day_index: u32, spend_cents: i64, conversions: i64, frequency: f64) -> DailyMetrics {
    DailyMetrics {
        day_index,
        impressions: spend_cents.saturating_mul(10),
        frequency,
        spend_cents,
        conversions,
    }
}

/// Days 0 to 9 at a CPA of 1 000 (spend 10 000, 10 conversions), frequency 1.5: `HEALTHY`.
fn mature() -> Vec<DailyMetrics> {
    (0..10).map(|i| day(i, 10_000, 10, 1.5)).collect()
}

/// [`mature`] with the given days replaced (or added). Day 9 is "day 7", day 3 is "day 1".
fn with(changes: &[DailyMetrics]) -> Vec<DailyMetrics> {
    let mut days = mature();
    for change in changes {
        match days.iter_mut().find(|day| day.day_index == change.day_index) {
            Some(day) => *day = *change,
            None => days.push(*change),
        }
    }
    days
}

/// [`mature`] without the given day.
fn without(day_index: u32) -> Vec<DailyMetrics> {
    mature().into_iter().filter(|day| day.day_index != day_index).collect()
}

/// `n` days (0..n) of the same numbers.
fn steady(n: u32, spend_cents: i64, conversions: i64, frequency: f64) -> Vec<DailyMetrics> {
    (0..n).map(|i| day(i, spend_cents, conversions, frequency)).collect()
}

/// Three days with 20 conversions each, frequency 5 and a CPA rising 50 %: fatigued-looking.
fn young_fatigued_looking() -> Vec<DailyMetrics> {
    vec![day(0, 20_000, 20, 5.0), day(1, 25_000, 20, 5.0), day(2, 30_000, 20, 5.0)]
}

type Case = (&'static str, i64, Vec<DailyMetrics>, Option<i64>, Classification);

fn cases() -> Vec<Case> {
    vec![
        // Rule 1: too young, whatever the metrics.
        ("71h, fatigued-looking", 71, young_fatigued_looking(), MEDIAN, TooYoung),
        ("71h, burnt 10x target", 71, steady(3, 10_000, 0, 1.0), MEDIAN, TooYoung),
        ("negative age", -5, mature(), MEDIAN, TooYoung),
        ("0h, no history", 0, vec![], MEDIAN, TooYoung),
        // A 3-day-old fatigued-looking ad: learning (60 conversions would end it: then no
        // day 7 yet, so not fatigued either).
        ("72h, fatigued-looking, 60 conv", 72, young_fatigued_looking(), Some(1_250), Healthy),
        ("72h, fatigued-looking, 30 conv", 72, steady(3, 10_000, 10, 5.0), MEDIAN, LearningPhase),
        (
            "6d, day 0 vs day 5 +50%, 49 conv",
            144,
            {
                let mut days = steady(5, 7_000, 7, 5.0);
                days.push(day(5, 21_000, 14, 5.0));
                days
            },
            MEDIAN,
            LearningPhase,
        ),
        // Rule 3: learning until 50 conversions or 168 hours.
        ("72h, no history", 72, vec![], MEDIAN, LearningPhase),
        ("167h, 49 conv", 167, with_total(49), MEDIAN, LearningPhase),
        ("167h, 50 conv", 167, with_total(50), MEDIAN, Healthy),
        ("168h, 49 conv", 168, with_total(49), MEDIAN, Healthy),
        ("168h, no history", 168, vec![], MEDIAN, Healthy),
        ("168h, no history, no median", 168, vec![], None, Healthy),
        // Rule 4: fatigue needs frequency >= 3.0 AND day-7 CPA >= day-1 CPA x 1.30.
        ("freq 3.0, CPA +30%", MATURE, with(&[day(9, 13_000, 10, 3.0)]), MEDIAN, Fatigued),
        ("freq 2.99, CPA +30%", MATURE, with(&[day(9, 13_000, 10, 2.99)]), MEDIAN, Healthy),
        ("freq 3.0, CPA +29.99%", MATURE, with(&[day(9, 12_999, 10, 3.0)]), MEDIAN, Healthy),
        ("freq 8, CPA flat", MATURE, with(&[day(9, 10_000, 10, 8.0)]), MEDIAN, Healthy),
        ("freq 1.5, CPA +60%", MATURE, with(&[day(9, 16_000, 10, 1.5)]), MEDIAN, Healthy),
        ("freq NaN, CPA +60%", MATURE, with(&[day(9, 16_000, 10, f64::NAN)]), MEDIAN, Healthy),
        (
            "day 1 is day 3, not day 0",
            MATURE,
            with(&[day(3, 20_000, 10, 1.5), day(9, 16_000, 10, 4.0)]),
            MEDIAN,
            Healthy,
        ),
        ("no row for day 1", MATURE, with_gap_day3(day(9, 16_000, 10, 4.0)), MEDIAN, Healthy),
        (
            "day 1 without conversions",
            MATURE,
            with(&[day(3, 1_000, 0, 1.5), day(9, 16_000, 10, 4.0)]),
            MEDIAN,
            Healthy,
        ),
        ("day 7 no delivery", MATURE, with(&[day(9, 0, 0, 0.0)]), MEDIAN, Healthy),
        ("day 7 spent, 0 conv, freq 4", MATURE, with(&[day(9, 2_999, 0, 4.0)]), MEDIAN, Fatigued),
        ("day 7 spent, 0 conv, freq 2", MATURE, with(&[day(9, 2_999, 0, 2.0)]), MEDIAN, Healthy),
        (
            "only 7 days, fatigued",
            168,
            {
                let mut days = steady(6, 10_000, 10, 2.0);
                days.push(day(6, 13_000, 10, 3.0));
                days
            },
            MEDIAN,
            Fatigued,
        ),
        // Rule 2: critical by spend since the last conversion (300 % of the target).
        ("never converted, 3 000 spent", MATURE, steady(3, 1_000, 0, 1.0), MEDIAN, Critical),
        (
            "never converted, 2 999 spent",
            MATURE,
            vec![day(0, 1_000, 0, 1.0), day(1, 1_999, 0, 1.0)],
            MEDIAN,
            Underperforming,
        ),
        (
            "never converted, 2 999 spent, young",
            100,
            vec![day(0, 1_000, 0, 1.0), day(1, 1_999, 0, 1.0)],
            MEDIAN,
            LearningPhase,
        ),
        ("critical outranks learning", 100, steady(3, 1_000, 0, 1.0), MEDIAN, Critical),
        ("dry day 7, 3 000 spent", MATURE, with(&[day(9, 3_000, 0, 4.0)]), MEDIAN, Critical),
        (
            "3 dry days, 3 000 spent",
            MATURE,
            with(&[day(7, 1_000, 0, 1.5), day(8, 1_000, 0, 1.5), day(9, 1_000, 0, 1.5)]),
            MEDIAN,
            Critical,
        ),
        (
            "a conversion on day 8 resets",
            MATURE,
            with(&[
                day(5, 1_000, 0, 1.5),
                day(6, 1_000, 0, 1.5),
                day(7, 1_000, 0, 1.5),
                day(8, 1_000, 1, 1.5),
                day(9, 1_000, 0, 1.5),
            ]),
            MEDIAN,
            Healthy,
        ),
        ("no target: floor 10 000", MATURE, steady(2, 5_000, 0, 1.0), None, Critical),
        ("no target: 9 999", MATURE, vec![day(0, 5_000, 0, 1.0), day(1, 4_999, 0, 1.0)], None, Healthy),
        (
            "median 0 is no target",
            MATURE,
            vec![day(0, 5_000, 0, 1.0), day(1, 4_999, 0, 1.0)],
            Some(0),
            Healthy,
        ),
        (
            "negative median is no target",
            MATURE,
            vec![day(0, 5_000, 0, 1.0), day(1, 4_999, 0, 1.0)],
            Some(-1),
            Healthy,
        ),
        ("no spend at all is not critical", MATURE, steady(3, 0, 0, 0.0), MEDIAN, Healthy),
        // Rule 2: critical by day-7 CPA at least double day 1's, whatever the frequency.
        ("CPA x2, freq 1", MATURE, with(&[day(9, 20_000, 10, 1.0)]), MEDIAN, Critical),
        ("CPA x1.9999, freq 1", MATURE, with(&[day(9, 19_999, 10, 1.0)]), MEDIAN, Healthy),
        ("CPA x1.9999, freq 3", MATURE, with(&[day(9, 19_999, 10, 3.0)]), MEDIAN, Fatigued),
        // Rules 5 to 8: the last 7 days' CPA against the median (80 % / 125 %).
        ("recent CPA 800 = 80%", MATURE, every_day(8_000, 10), MEDIAN, TopPerformer),
        ("recent CPA 801", MATURE, every_day(8_010, 10), MEDIAN, Healthy),
        ("recent CPA 1 250 = 125%", MATURE, every_day(12_500, 10), MEDIAN, Underperforming),
        ("recent CPA 1 249", MATURE, every_day(12_490, 10), MEDIAN, Healthy),
        (
            "only the last 7 days count",
            MATURE,
            with(&[day(0, 50_000, 10, 1.5), day(1, 50_000, 10, 1.5), day(2, 50_000, 10, 1.5)]),
            MEDIAN,
            Healthy,
        ),
        (
            "day 2 is outside the window",
            MATURE,
            {
                let mut days = every_day(8_000, 10);
                days[2] = day(2, 50_000, 10, 1.5);
                days
            },
            MEDIAN,
            TopPerformer,
        ),
        ("no median: nothing to compare", MATURE, every_day(50_000, 10), None, Healthy),
        ("conversions without spend", MATURE, every_day(0, 10), MEDIAN, TopPerformer),
    ]
}

/// [`mature`] cut to 4 days whose conversions add up to `total` (at a CPA of 1 000).
fn with_total(total: i64) -> Vec<DailyMetrics> {
    let first = total - 3 * 12;
    vec![
        day(0, first * 1_000, first, 1.5),
        day(1, 12_000, 12, 1.5),
        day(2, 12_000, 12, 1.5),
        day(3, 12_000, 12, 1.5),
    ]
}

/// [`mature`] without day 3 (the fatigue baseline), with `day9` as day 9.
fn with_gap_day3(day9: DailyMetrics) -> Vec<DailyMetrics> {
    let mut days = without(3);
    days.retain(|day| day.day_index != 9);
    days.push(day9);
    days
}

/// Days 0 to 9 with the same spend and conversions, frequency 1.5.
fn every_day(spend_cents: i64, conversions: i64) -> Vec<DailyMetrics> {
    steady(10, spend_cents, conversions, 1.5)
}

#[test]
fn classifies_each_rule_and_boundary() {
    let t = Thresholds::default();
    for (name, age, history, median, expected) in cases() {
        assert_eq!(classify(age, &history, median, &t), expected, "{name}");
    }
}

#[test]
fn row_order_does_not_matter() {
    let t = Thresholds::default();
    for (name, age, mut history, median, expected) in cases() {
        history.reverse();
        assert_eq!(classify(age, &history, median, &t), expected, "{name}, reversed");
    }
}

#[test]
fn every_threshold_is_read_from_the_thresholds() {
    let fatigued = with(&[day(9, 13_000, 10, 3.0)]);
    let (mature, few) = (mature(), with_total(49));
    let strict = |f: fn(&mut Thresholds)| {
        let mut t = Thresholds::default();
        f(&mut t);
        t
    };
    let cases: [(Thresholds, i64, &[DailyMetrics], Classification); 9] = [
        (strict(|t| t.min_age_hours = 241), MATURE, &fatigued, TooYoung),
        (strict(|t| t.learning_conversions = 49), 167, &few, Healthy),
        (strict(|t| t.learning_max_age_hours = 241), MATURE, &few, LearningPhase),
        (strict(|t| t.fatigue_frequency = 3.01), MATURE, &fatigued, Healthy),
        (strict(|t| t.fatigue_degradation_pct = 31), MATURE, &fatigued, Healthy),
        (strict(|t| t.fatigue_window_days = 11), MATURE, &fatigued, Healthy),
        (strict(|t| t.critical_degradation_pct = 30), MATURE, &fatigued, Critical),
        (strict(|t| t.top_performer_max_pct = 100), MATURE, &mature, TopPerformer),
        (strict(|t| t.underperforming_min_pct = 100), MATURE, &mature, Underperforming),
    ];
    for (i, (t, age, history, expected)) in cases.iter().enumerate() {
        assert_eq!(classify(*age, history, MEDIAN, t), *expected, "case {i}");
    }
    let burnt = steady(2, 1_000, 0, 1.0);
    assert_eq!(classify(MATURE, &burnt, MEDIAN, &strict(|t| t.critical_spend_pct = 200)), Critical);
    assert_eq!(classify(MATURE, &burnt, None, &strict(|t| t.critical_spend_floor_cents = 2_000)), Critical);
    let cheap_day_9 = with(&[day(9, 8_000, 10, 1.5)]);
    assert_eq!(classify(MATURE, &cheap_day_9, MEDIAN, &Thresholds::default()), Healthy);
    let one_day = strict(|t| t.performance_window_days = 1);
    assert_eq!(classify(MATURE, &cheap_day_9, MEDIAN, &one_day), TopPerformer);
}

#[test]
fn learning_needs_both_few_conversions_and_youth() {
    let t = Thresholds { learning_max_age_hours: 1_000, ..Thresholds::default() };
    // 100 conversions: out of learning however young.
    assert_eq!(classify(MATURE, &mature(), MEDIAN, &t), Healthy);
    assert_eq!(classify(MATURE, &with_total(49), MEDIAN, &t), LearningPhase);
}

#[test]
fn cpa_rounds_half_up() {
    let cases = [
        ((1_000, 10), Some(100)),
        ((1_005, 10), Some(101)),
        ((1_004, 10), Some(100)),
        ((1, 2), Some(1)),
        ((1, 3), Some(0)),
        ((2, 3), Some(1)),
        ((0, 5), Some(0)),
        ((-5, 1), Some(0)),
        ((100, 0), None),
        ((0, 0), None),
        ((100, -1), None),
        ((i64::MAX, 1), Some(i64::MAX)),
        ((i64::MAX, i64::MAX), Some(1)),
    ];
    for ((spend, conversions), expected) in cases {
        assert_eq!(cpa_cents(spend, conversions), expected, "{spend}/{conversions}");
    }
}

#[test]
fn totals_window_and_median() {
    let history = with(&[day(9, 20_000, 5, 1.5)]);
    assert_eq!(recent_totals(&history, 7), Totals { spend_cents: 80_000, conversions: 65 });
    assert_eq!(recent_totals(&history, 1), Totals { spend_cents: 20_000, conversions: 5 });
    assert_eq!(recent_totals(&history, 0), Totals::default());
    assert_eq!(recent_totals(&[], 7), Totals::default());
    assert_eq!(recent_totals(&history, 7).cpa_cents(), Some(1_231));
    let t = |spend_cents, conversions| Totals { spend_cents, conversions };
    let cases: [(Vec<Totals>, Option<i64>); 8] = [
        (vec![], None),
        (vec![t(0, 0)], None),
        (vec![t(1_000, 1)], Some(1_000)),
        (vec![t(3_000, 1), t(1_000, 1)], Some(2_000)),
        (vec![t(1_000, 1), t(1_001, 1)], Some(1_001)),
        (vec![t(100, 1), t(500, 0), t(200, 1)], Some(200)),
        (vec![t(100, 1), t(500, 0)], None),
        (vec![t(0, 0), t(300, 1), t(0, 0)], Some(300)),
    ];
    for (peers, expected) in cases {
        assert_eq!(median_cpa_cents(&peers), expected, "{peers:?}");
    }
}

#[test]
fn degradation_percent_for_display() {
    let base = day(3, 1_000, 10, 1.0);
    let approx = |value: Option<f64>, expected: f64| value.is_some_and(|v| (v - expected).abs() < 1e-9);
    assert!(approx(cpa_degradation_pct(&base, &day(9, 1_300, 10, 1.0)), 30.0));
    assert!(approx(cpa_degradation_pct(&base, &day(9, 500, 10, 1.0)), -50.0));
    assert_eq!(cpa_degradation_pct(&base, &day(9, 500, 0, 1.0)), Some(f64::INFINITY));
    assert_eq!(cpa_degradation_pct(&base, &day(9, 0, 0, 0.0)), None);
    assert_eq!(cpa_degradation_pct(&day(3, 0, 10, 1.0), &base), None);
    assert_eq!(cpa_degradation_pct(&day(3, 1_000, 0, 1.0), &base), None);
}

#[test]
fn huge_amounts_do_not_overflow() {
    let t = Thresholds::default();
    let huge = vec![day(0, i64::MAX, i64::MAX, 1.0), day(6, i64::MAX, 1, 9.0)];
    assert_eq!(classify(MATURE, &huge, Some(i64::MAX), &t), Critical);
    let flat = steady(7, i64::MAX, 1, 1.0);
    assert_eq!(classify(MATURE, &flat, Some(1), &t), Underperforming);
    // The spend saturates at i64::MAX over 7 conversions: a seventh of the median.
    assert_eq!(classify(MATURE, &flat, Some(i64::MAX), &t), TopPerformer);
}

#[test]
fn codes_round_trip() {
    for c in Classification::ALL {
        assert_eq!(c.as_str().parse(), Ok(c));
        assert_eq!(serde_json::to_string(&c).ok(), Some(format!("\"{}\"", c.as_str())));
        assert_eq!(c.to_string(), c.as_str());
    }
    assert_eq!(TooYoung.as_str(), "TOO_YOUNG");
    assert_eq!(LearningPhase.as_str(), "LEARNING_PHASE");
    assert_eq!(TopPerformer.as_str(), "TOP_PERFORMER");
    assert!("too_young".parse::<Classification>().is_err());
    let prune: Vec<_> = Classification::ALL.into_iter().filter(|c| c.is_prune_candidate()).collect();
    assert_eq!(prune, [Fatigued, Critical]);
}

#[test]
fn thresholds_default_validate_and_parse() {
    let t = Thresholds::default();
    assert_eq!(t.validate(), Ok(()));
    assert_eq!(t.min_age_hours, crate::domain::gate::MIN_PRUNE_AGE_HOURS);
    let broken: [fn(&mut Thresholds); 9] = [
        |t| t.min_age_hours = 71,
        |t| t.fatigue_window_days = 1,
        |t| t.performance_window_days = 0,
        |t| t.fatigue_frequency = f64::NAN,
        |t| t.learning_conversions = -1,
        |t| t.critical_spend_pct = 0,
        |t| t.fatigue_degradation_pct = 100,
        |t| t.top_performer_max_pct = 125,
        |t| t.critical_spend_floor_cents = -1,
    ];
    for (i, breaks) in broken.iter().enumerate() {
        let mut t = Thresholds::default();
        breaks(&mut t);
        assert!(t.validate().is_err(), "case {i}");
    }
    let parsed: Result<Thresholds, _> = serde_json::from_str(r#"{"fatigue_frequency": 4.0}"#);
    assert_eq!(parsed.ok(), Some(Thresholds { fatigue_frequency: 4.0, ..Thresholds::default() }));
    assert!(serde_json::from_str::<Thresholds>(r#"{"fatigue_freq": 4.0}"#).is_err());
}
