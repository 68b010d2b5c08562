//! TikTok's smallest campaign budget per currency.
//!
//! TikTok publishes its campaign minimum as 50 USD "or the equivalent" in the advertiser's
//! currency (daily and lifetime alike): 50 JPY is far below it, 50 KWD far above. The table holds
//! the equivalent per currency in whole major units, rounded down to a round figure so a budget
//! TikTok takes is never refused here (one just under TikTok's own figure is refused by TikTok,
//! readably). A currency missing from the table keeps the old rule, 50 major units. Pure data.

use super::Currency;

/// TikTok's minimum campaign budget, in major units of each currency.
const MINIMUMS: &[(&str, i64)] = &[
    ("USD", 50),
    ("EUR", 45),
    ("GBP", 35),
    ("CAD", 65),
    ("AUD", 75),
    ("NZD", 80),
    ("CHF", 40),
    ("SEK", 500),
    ("NOK", 500),
    ("DKK", 300),
    ("PLN", 180),
    ("CZK", 1_000),
    ("HUF", 17_000),
    ("RON", 220),
    ("BGN", 85),
    ("BRL", 250),
    ("MXN", 850),
    ("COP", 190_000),
    ("PEN", 180),
    ("CLP", 45_000),
    ("INR", 4_000),
    ("PKR", 13_000),
    ("BDT", 5_500),
    ("SGD", 65),
    ("HKD", 380),
    ("CNY", 350),
    ("TRY", 1_700),
    ("ZAR", 850),
    ("NGN", 70_000),
    ("KES", 6_000),
    ("EGP", 2_400),
    ("MAD", 450),
    ("AED", 180),
    ("SAR", 185),
    ("QAR", 180),
    ("ILS", 170),
    ("THB", 1_600),
    ("PHP", 2_800),
    ("MYR", 210),
    ("IDR", 800_000),
    ("TWD", 1_500),
    ("UAH", 2_000),
    ("KZT", 25_000),
    ("JPY", 7_000),
    ("KRW", 65_000),
    ("VND", 1_250_000),
    ("ISK", 6_500),
    ("KWD", 15),
    ("BHD", 18),
    ("OMR", 19),
    ("JOD", 35),
];

/// The minimum when a currency is not in the table: 50 major units.
const FALLBACK_MAJOR: i64 = 50;

/// TikTok's smallest campaign budget in `currency`, in its ISO minor units (JPY `7000`, USD
/// `5000`, KWD `15000`).
pub fn tiktok_minimum_budget(currency: Currency) -> i64 {
    let major = MINIMUMS
        .iter()
        .find(|(code, _)| *code == currency.code())
        .map_or(FALLBACK_MAJOR, |&(_, major)| major);
    major * currency.minor_per_major()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::money::test_currency as currency;

    #[test]
    fn minimums_follow_the_currency() {
        assert_eq!(tiktok_minimum_budget(Currency::USD), 5_000);
        assert_eq!(tiktok_minimum_budget(currency("JPY")), 7_000, "not 50 yen");
        assert_eq!(tiktok_minimum_budget(currency("KWD")), 15_000, "15.000 KWD, not 50");
        assert_eq!(tiktok_minimum_budget(currency("HUF")), 1_700_000);
        assert!(tiktok_minimum_budget(currency("JPY")) > 50, "50 JPY is below the minimum");
    }

    #[test]
    fn rows_are_known_currencies_listed_once() {
        for (i, (code, major)) in MINIMUMS.iter().enumerate() {
            assert!(Currency::parse(code).is_ok(), "{code}");
            assert!(*major > 0, "{code}");
            assert!(MINIMUMS[i + 1..].iter().all(|(other, _)| other != code), "{code} listed twice");
        }
    }

    #[test]
    fn a_currency_missing_from_the_table_keeps_fifty_major_units() {
        assert_eq!(tiktok_minimum_budget(currency("XOF")), 50);
        assert_eq!(tiktok_minimum_budget(currency("RUB")), 5_000);
    }
}
