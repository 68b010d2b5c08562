//! The sandbox's metrics generator: plausible daily ad metrics, so the optimizer has something to
//! classify when no real platform reports any.
//!
//! Pure and deterministic: the rows depend only on the ad's id (the seed), its age and its
//! [`MetricsProfile`], never on a clock or a global random source, and a day's row never
//! changes as the ad ages (re-generating an older ad's history re-imports the same rows). It
//! must not touch the database or classify anything itself.
//!
//! Each profile is built so that [`classify`](crate::domain::classification::classify), with
//! the default thresholds and [`SANDBOX_TARGET_CPA_CENTS`] as the peer median, gives:
//!
//! | profile | rows | classification (from 72 hours live) |
//! | --- | --- | --- |
//! | [`Healthy`](MetricsProfile::Healthy) | 27 to 55 conversions a day at 0.75 to 1.15 × the target CPA (fixed per ad, ±3 % a day), frequency under 2.1 | `HEALTHY` or `TOP_PERFORMER` |
//! | [`Fatiguing`](MetricsProfile::Fatiguing) | CPA up 6.5 % a day (±2 %), conversions falling as fast (at least 1), frequency 1.6 + 0.3 a day up to 8 | `FATIGUED` from 7 days live (day-7 CPA 40 to 52 % above day 1's, frequency over 3) |
//! | [`Failing`](MetricsProfile::Failing) | a few conversions on day 0, none after, spend as a healthy ad's | `CRITICAL` |
//!
//! Amounts are minor units of the account currency. Arithmetic is `f64` (these are simulated
//! numbers, not money sent anywhere), rounded with `f64::round` (half away from zero) and
//! converted with saturating `as` casts. Conversions are drawn first and spend is conversions ×
//! that day's CPA, so a day's CPA is the one the profile intends, whatever the volume.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::domain::UnknownCode;
use crate::domain::classification::DailyMetrics;

/// The CPA the sandbox's healthy ads hover around, in minor units ($12.00): the peer median a
/// sandbox account converges to.
pub const SANDBOX_TARGET_CPA_CENTS: i64 = 1_200;

/// Daily CPA growth of a fatiguing ad: 1.065⁶ ≈ 1.46 between day 1 and day 7.
const FATIGUE_DAILY_GROWTH: f64 = 1.065;
/// Cost of a thousand impressions, in minor units ($9.00), before jitter.
const CPM_CENTS: f64 = 900.0;

/// How a simulated ad behaves over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricsProfile {
    /// Converts steadily near the target CPA.
    Healthy,
    /// Wears out: frequency climbs and the CPA degrades day after day.
    Fatiguing,
    /// Spends without converting.
    Failing,
}

impl MetricsProfile {
    /// Every profile, in a stable order.
    pub const ALL: [MetricsProfile; 3] =
        [MetricsProfile::Healthy, MetricsProfile::Fatiguing, MetricsProfile::Failing];

    /// The lowercase code (`healthy`, `fatiguing`, `failing`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricsProfile::Healthy => "healthy",
            MetricsProfile::Fatiguing => "fatiguing",
            MetricsProfile::Failing => "failing",
        }
    }

    /// A default profile for an ad the sandbox was not told about, fixed by its id: about 70 %
    /// healthy, 20 % fatiguing, 10 % failing.
    pub fn for_ad(ad_id: Uuid) -> MetricsProfile {
        match Dice::new(ad_id).per_ad(Stream::Profile) {
            u if u < 0.7 => MetricsProfile::Healthy,
            u if u < 0.9 => MetricsProfile::Fatiguing,
            _ => MetricsProfile::Failing,
        }
    }
}

impl fmt::Display for MetricsProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MetricsProfile {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MetricsProfile::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// Complete days live after `age_hours` (negative ages have none).
pub fn complete_days(age_hours: i64) -> u32 {
    u32::try_from(age_hours.max(0) / 24).unwrap_or(u32::MAX)
}

/// The daily rows of an ad live for `age_days` complete days: one per day, `day_index` 0 to
/// `age_days - 1`, oldest first (none at 0 days).
pub fn sandbox_daily_metrics(ad_id: Uuid, age_days: u32, profile: MetricsProfile) -> Vec<DailyMetrics> {
    let ad = SimulatedAd::new(ad_id, profile);
    (0..age_days).map(|day| ad.day(day)).collect()
}

/// The independent random draws of the generator.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Profile,
    Quality,
    Volume,
    Conversions,
    Cpa,
    Frequency,
    Cpm,
    Spend,
}

/// Deterministic uniform draws keyed by (ad, day, stream): SplitMix64 over both halves of the
/// id (mixed, not XORed, so ids with equal halves do not collide).
#[derive(Debug, Clone, Copy)]
struct Dice(u64);

impl Dice {
    fn new(ad_id: Uuid) -> Dice {
        let id = ad_id.as_u128();
        Dice(mix((id >> 64) as u64 ^ mix(id as u64)))
    }

    /// A draw in `[0, 1)` for `day` (`u64::MAX` for the ad's fixed traits).
    fn unit(self, day: u64, stream: Stream) -> f64 {
        let key =
            mix(day.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (stream as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        (mix(self.0 ^ key) >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// A fixed trait of the ad, in `[0, 1)`.
    fn per_ad(self, stream: Stream) -> f64 {
        self.unit(u64::MAX, stream)
    }

    /// A factor in `[1 - spread, 1 + spread)` for `day`.
    fn jitter(self, day: u32, stream: Stream, spread: f64) -> f64 {
        1.0 + spread * (2.0 * self.unit(day.into(), stream) - 1.0)
    }
}

/// The SplitMix64 finalizer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One ad's fixed traits.
#[derive(Debug, Clone, Copy)]
struct SimulatedAd {
    dice: Dice,
    profile: MetricsProfile,
    /// Its CPA as a multiple of the target.
    quality: f64,
    /// Its conversions a day when fresh.
    volume: f64,
}

impl SimulatedAd {
    fn new(ad_id: Uuid, profile: MetricsProfile) -> SimulatedAd {
        let dice = Dice::new(ad_id);
        let (low, high) = match profile {
            MetricsProfile::Healthy => (0.75, 1.15),
            MetricsProfile::Fatiguing | MetricsProfile::Failing => (0.9, 1.1),
        };
        let quality = low + (high - low) * dice.per_ad(Stream::Quality);
        let volume = 30.0 + 20.0 * dice.per_ad(Stream::Volume);
        SimulatedAd { dice, profile, quality, volume }
    }

    fn day(&self, day: u32) -> DailyMetrics {
        let d = f64::from(day);
        let target = SANDBOX_TARGET_CPA_CENTS as f64 * self.quality;
        let (conversions, spend, frequency) = match self.profile {
            MetricsProfile::Healthy => {
                let conversions = round(self.volume * self.jitter(day, Stream::Conversions, 0.10));
                let cpa = target * self.jitter(day, Stream::Cpa, 0.03);
                (conversions, conversions as f64 * cpa, (1.1 + 0.04 * d).min(2.0))
            }
            MetricsProfile::Fatiguing => {
                let growth = FATIGUE_DAILY_GROWTH.powf(d);
                let fresh = self.volume * self.jitter(day, Stream::Conversions, 0.05);
                let conversions = round(fresh / growth).max(1);
                let cpa = target * growth * self.jitter(day, Stream::Cpa, 0.02);
                (conversions, conversions as f64 * cpa, (1.6 + 0.3 * d).min(8.0))
            }
            MetricsProfile::Failing => {
                let spend = self.volume * target * self.jitter(day, Stream::Spend, 0.10);
                let conversions = if day == 0 { round(spend / (10.0 * target)) } else { 0 };
                (conversions, spend, (1.2 + 0.05 * d).min(2.5))
            }
        };
        let spend_cents = round(spend);
        let cpm = CPM_CENTS * self.jitter(day, Stream::Cpm, 0.10);
        DailyMetrics {
            day_index: day,
            impressions: round(spend_cents as f64 * 1_000.0 / cpm),
            frequency: (frequency * self.jitter(day, Stream::Frequency, 0.03) * 100.0).round() / 100.0,
            spend_cents,
            conversions,
        }
    }

    fn jitter(&self, day: u32, stream: Stream, spread: f64) -> f64 {
        self.dice.jitter(day, stream, spread)
    }
}

/// Rounds half away from zero to a whole number (saturating at the `i64` bounds).
fn round(value: f64) -> i64 {
    value.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::classification::{
        Classification, Thresholds, classify, median_cpa_cents, recent_totals,
    };

    const TARGET: Option<i64> = Some(SANDBOX_TARGET_CPA_CENTS);

    /// Forty ad ids spread over the id space.
    fn ids() -> impl Iterator<Item = Uuid> {
        (1..=40_u128).map(|i| Uuid::from_u128(i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)))
    }

    fn classify_at(id: Uuid, days: u32, profile: MetricsProfile, median: Option<i64>) -> Classification {
        let rows = sandbox_daily_metrics(id, days, profile);
        classify(i64::from(days) * 24, &rows, median, &Thresholds::default())
    }

    #[test]
    fn healthy_ads_are_healthy_or_top_performers() {
        let mut seen = Vec::new();
        for id in ids() {
            for days in 3..=60 {
                let class = classify_at(id, days, MetricsProfile::Healthy, TARGET);
                assert!(
                    matches!(class, Classification::Healthy | Classification::TopPerformer),
                    "{id} at {days} days: {class}"
                );
                assert_eq!(classify_at(id, days, MetricsProfile::Healthy, None), Classification::Healthy);
                seen.push(class);
            }
        }
        // Both outcomes occur, so the assertion above is not vacuous.
        assert!(seen.contains(&Classification::Healthy) && seen.contains(&Classification::TopPerformer));
    }

    #[test]
    fn fatiguing_ads_are_fatigued_from_seven_days() {
        for id in ids() {
            for days in (3..=6).chain(7..=120).chain([365]) {
                let class = classify_at(id, days, MetricsProfile::Fatiguing, TARGET);
                let fatigued = class == Classification::Fatigued;
                assert_eq!(fatigued, days >= 7, "{id} at {days} days: {class}");
            }
        }
    }

    #[test]
    fn failing_ads_are_critical() {
        for id in ids() {
            for days in 3..=60 {
                for median in [TARGET, None] {
                    let class = classify_at(id, days, MetricsProfile::Failing, median);
                    assert_eq!(class, Classification::Critical, "{id} at {days} days, {median:?}");
                }
            }
            let young = sandbox_daily_metrics(id, 3, MetricsProfile::Failing);
            assert_eq!(classify(71, &young, TARGET, &Thresholds::default()), Classification::TooYoung);
        }
    }

    #[test]
    fn a_mixed_ad_set_classifies_against_its_own_median() {
        let profiles = [
            [MetricsProfile::Healthy; 6].as_slice(),
            &[MetricsProfile::Fatiguing; 2],
            &[MetricsProfile::Failing],
        ]
        .concat();
        let ads: Vec<_> = ids()
            .zip(profiles)
            .map(|(id, profile)| (profile, sandbox_daily_metrics(id, 10, profile)))
            .collect();
        let t = Thresholds::default();
        let peers: Vec<_> =
            ads.iter().map(|(_, rows)| recent_totals(rows, t.performance_window_days)).collect();
        let median = median_cpa_cents(&peers);
        assert!(median.is_some_and(|m| (900..=1_400).contains(&m)), "{median:?}");
        for (profile, rows) in &ads {
            let class = classify(240, rows, median, &t);
            let expected_prune = match profile {
                MetricsProfile::Healthy => None,
                MetricsProfile::Fatiguing => Some(Classification::Fatigued),
                MetricsProfile::Failing => Some(Classification::Critical),
            };
            match expected_prune {
                Some(expected) => assert_eq!(class, expected, "{profile}"),
                None => assert!(!class.is_prune_candidate(), "{profile}: {class}"),
            }
        }
    }

    #[test]
    fn deterministic_and_stable_as_the_ad_ages() {
        for id in ids().take(5) {
            for profile in MetricsProfile::ALL {
                let month = sandbox_daily_metrics(id, 30, profile);
                assert_eq!(month, sandbox_daily_metrics(id, 30, profile));
                assert_eq!(month[..10], sandbox_daily_metrics(id, 10, profile)[..]);
                let days: Vec<u32> = month.iter().map(|row| row.day_index).collect();
                assert_eq!(days, (0..30).collect::<Vec<_>>());
                for row in &month {
                    assert!(row.spend_cents > 0 && row.impressions > 0 && row.conversions >= 0, "{row:?}");
                    assert!(row.frequency >= 1.0 && row.frequency <= 8.5, "{row:?}");
                }
            }
        }
        let [a, b] = [Uuid::from_u128(1), Uuid::from_u128(2)];
        let healthy = MetricsProfile::Healthy;
        assert_ne!(sandbox_daily_metrics(a, 5, healthy), sandbox_daily_metrics(b, 5, healthy));
        assert!(sandbox_daily_metrics(a, 0, healthy).is_empty());
    }

    #[test]
    fn profiles_by_id_and_by_code() {
        let mut counts = [0_u32; 3];
        for i in 0..1_000_u128 {
            let profile = MetricsProfile::for_ad(Uuid::from_u128(i << 64 | i));
            counts[MetricsProfile::ALL.iter().position(|p| *p == profile).unwrap_or(0)] += 1;
        }
        assert!((650..=750).contains(&counts[0]) && (150..=250).contains(&counts[1]), "{counts:?}");
        assert!((50..=150).contains(&counts[2]), "{counts:?}");
        for profile in MetricsProfile::ALL {
            assert_eq!(profile.as_str().parse(), Ok(profile));
            assert_eq!(serde_json::to_string(&profile).ok(), Some(format!("\"{profile}\"")));
        }
        assert!("Healthy".parse::<MetricsProfile>().is_err());
    }

    #[test]
    fn complete_days_floor_the_age() {
        let cases = [(-1, 0), (0, 0), (23, 0), (24, 1), (71, 2), (72, 3), (i64::MAX, u32::MAX)];
        for (hours, days) in cases {
            assert_eq!(complete_days(hours), days, "{hours}h");
        }
    }
}
