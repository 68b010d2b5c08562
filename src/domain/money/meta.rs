//! Meta's currency table: the currencies a Meta ad account can hold, and the "offset" Meta
//! counts each in (Marketing API reference, "Currency codes").
//!
//! Meta takes and returns money as an integer count of `1 / offset` major units. The offset is
//! 100 for most currencies, so ISO minor units pass through unchanged; it is 1 for CLP, COP, CRC,
//! HUF, IDR, ISK, JPY, KRW, PYG, TWD and VND (5,000.00 HUF is `5000`), and 100 for BHD and JOD,
//! whose ISO minor unit has three decimals (12.340 BHD is `1234`). API money stays in ISO minor
//! units: these conversions run at the platform boundary only, and refuse an amount Meta's unit
//! cannot express exactly rather than round it. Pure data and integer arithmetic, no I/O.

use super::Currency;

/// Meta's currencies and their offsets, as in Meta's table (currencies Meta lists that ISO
/// 4217 has since withdrawn, such as HRK, LTL, LVL, SKK and VEF, are left out).
const OFFSETS: &[(&str, i64)] = &[
    ("AED", 100),
    ("ARS", 100),
    ("AUD", 100),
    ("BDT", 100),
    ("BGN", 100),
    ("BHD", 100),
    ("BOB", 100),
    ("BRL", 100),
    ("CAD", 100),
    ("CHF", 100),
    ("CLP", 1),
    ("CNY", 100),
    ("COP", 1),
    ("CRC", 1),
    ("CZK", 100),
    ("DKK", 100),
    ("DZD", 100),
    ("EGP", 100),
    ("EUR", 100),
    ("GBP", 100),
    ("GTQ", 100),
    ("HKD", 100),
    ("HNL", 100),
    ("HUF", 1),
    ("IDR", 1),
    ("ILS", 100),
    ("INR", 100),
    ("ISK", 1),
    ("JOD", 100),
    ("JPY", 1),
    ("KES", 100),
    ("KRW", 1),
    ("MOP", 100),
    ("MXN", 100),
    ("MYR", 100),
    ("NGN", 100),
    ("NIO", 100),
    ("NOK", 100),
    ("NZD", 100),
    ("PEN", 100),
    ("PHP", 100),
    ("PKR", 100),
    ("PLN", 100),
    ("PYG", 1),
    ("QAR", 100),
    ("RON", 100),
    ("RSD", 100),
    ("RUB", 100),
    ("SAR", 100),
    ("SEK", 100),
    ("SGD", 100),
    ("THB", 100),
    ("TRY", 100),
    ("TWD", 1),
    ("USD", 100),
    ("UYU", 100),
    ("VND", 1),
    ("ZAR", 100),
];

/// Why an amount cannot be sent to Meta as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaMoneyError {
    /// Meta ad accounts cannot hold this currency.
    #[error("Meta ad accounts do not support {0}: use one of the currencies in Meta's currency table")]
    Unsupported(&'static str),
    /// The amount has a fraction Meta's unit for the currency cannot hold (HUF fillér).
    #[error("Meta counts {currency} in units of {unit}: the amount must be a whole number of them")]
    NotExpressible {
        /// The currency.
        currency: &'static str,
        /// Meta's unit, as a decimal in major units (`1`, `0.01`).
        unit: &'static str,
    },
}

impl MetaMoneyError {
    /// The stable user error code (`CURRENCY_NOT_SUPPORTED`, `MONEY_NOT_EXPRESSIBLE`).
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            MetaMoneyError::Unsupported(_) => crate::domain::UserErrorCode::CurrencyNotSupported,
            MetaMoneyError::NotExpressible { .. } => crate::domain::UserErrorCode::MoneyNotExpressible,
        }
    }
}

/// Meta's offset for `currency`: how many of Meta's units make one major unit.
pub fn meta_offset(currency: Currency) -> Result<i64, MetaMoneyError> {
    OFFSETS
        .iter()
        .find(|(code, _)| *code == currency.code())
        .map(|&(_, offset)| offset)
        .ok_or(MetaMoneyError::Unsupported(currency.code()))
}

/// Whether a Meta ad account can hold `currency`.
pub fn meta_supports(currency: Currency) -> bool {
    meta_offset(currency).is_ok()
}

/// An amount in ISO minor units as Meta's units: USD `5050` → `5050`, HUF `500000` (5,000.00)
/// → `5000`, BHD `12340` (12.340) → `1234`. Refused when Meta's unit cannot hold it exactly.
pub fn to_meta_units(minor: i64, currency: Currency) -> Result<i64, MetaMoneyError> {
    let offset = meta_offset(currency)?;
    let per_major = currency.minor_per_major();
    if offset >= per_major {
        // A finer (or equal) unit than ISO's: multiply (the ratio is a power of ten).
        return Ok(minor.saturating_mul(offset / per_major));
    }
    let ratio = per_major / offset;
    if minor % ratio == 0 {
        Ok(minor / ratio)
    } else {
        Err(MetaMoneyError::NotExpressible { currency: currency.code(), unit: unit(offset) })
    }
}

/// An amount in Meta's units (as Meta reads it back) in ISO minor units; `None` when it does
/// not fit.
pub fn from_meta_units(amount: i64, currency: Currency) -> Option<i64> {
    let offset = meta_offset(currency).ok()?;
    let per_major = currency.minor_per_major();
    if offset >= per_major {
        let ratio = offset / per_major;
        (amount % ratio == 0).then_some(amount / ratio)
    } else {
        amount.checked_mul(per_major / offset)
    }
}

/// Meta's unit for an offset, as a decimal in major units.
fn unit(offset: i64) -> &'static str {
    match offset {
        1 => "1",
        10 => "0.1",
        100 => "0.01",
        _ => "0.001",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::money::test_currency as currency;

    #[test]
    fn offset_100_currencies_with_two_decimals_pass_through() {
        for code in ["USD", "EUR", "GBP", "BRL", "INR", "AED", "MXN"] {
            assert_eq!(to_meta_units(5050, currency(code)), Ok(5050), "{code}");
            assert_eq!(from_meta_units(5050, currency(code)), Some(5050), "{code}");
        }
    }

    /// One case per row that differs from ISO: ISO two decimals, Meta whole units.
    #[test]
    fn offset_1_currencies_with_two_iso_decimals_drop_the_cents() {
        for code in ["HUF", "TWD", "IDR", "COP", "CRC"] {
            let c = currency(code);
            assert_eq!(meta_offset(c), Ok(1), "{code}");
            assert_eq!(to_meta_units(500_000, c), Ok(5000), "{code} 5,000.00 is 5000");
            assert_eq!(from_meta_units(5000, c), Some(500_000), "{code} read back");
            let error = to_meta_units(500_050, c).expect_err("a fraction of the unit");
            assert_eq!(error.code().as_str(), "MONEY_NOT_EXPRESSIBLE", "{code}");
        }
    }

    /// Zero-decimal ISO currencies Meta also counts in whole units: unchanged.
    #[test]
    fn offset_1_currencies_without_iso_decimals_pass_through() {
        for code in ["JPY", "KRW", "VND", "CLP", "ISK", "PYG"] {
            let c = currency(code);
            assert_eq!(meta_offset(c), Ok(1), "{code}");
            assert_eq!(to_meta_units(5000, c), Ok(5000), "{code}");
            assert_eq!(from_meta_units(5000, c), Some(5000), "{code}");
        }
    }

    /// Three-decimal ISO currencies Meta counts in hundredths.
    #[test]
    fn bhd_and_jod_are_counted_in_hundredths() {
        for code in ["BHD", "JOD"] {
            let c = currency(code);
            assert_eq!(to_meta_units(12_340, c), Ok(1234), "{code} 12.340 is 1234");
            assert_eq!(from_meta_units(1234, c), Some(12_340), "{code} read back");
            let error = to_meta_units(12_345, c).expect_err("a thousandth");
            assert_eq!(error, MetaMoneyError::NotExpressible { currency: c.code(), unit: "0.01" });
        }
    }

    #[test]
    fn currencies_meta_does_not_hold_are_refused() {
        for code in ["KWD", "OMR", "TND", "IQD", "LYD", "UAH", "KZT", "MAD", "XOF"] {
            let c = currency(code);
            assert!(!meta_supports(c), "{code}");
            let error = to_meta_units(1000, c).expect_err(code);
            assert_eq!(
                (error.code().as_str(), &error),
                ("CURRENCY_NOT_SUPPORTED", &MetaMoneyError::Unsupported(c.code()))
            );
            assert_eq!(from_meta_units(1000, c), None);
        }
    }

    #[test]
    fn every_row_is_a_currency_this_service_knows_and_listed_once() {
        for (i, (code, offset)) in OFFSETS.iter().enumerate() {
            assert!(Currency::parse(code).is_ok(), "{code} is not in the ISO table");
            assert!(matches!(offset, 1 | 100), "{code}: {offset}");
            assert!(OFFSETS[i + 1..].iter().all(|(other, _)| other != code), "{code} listed twice");
        }
    }
}
