//! Money: integer amounts in a currency's minor unit, and exact conversions to decimal strings.
//!
//! Every amount on the API is an `i64` count of minor units ("cents"; `5000` = $50.00). The
//! conversions here use integer arithmetic only and honour currencies whose minor unit is not two
//! decimals (JPY has 0, KWD has 3). This module must never use floating point, and holds no
//! platform request formats (the proxy builds those from the strings made here).

mod budget;
mod currency;
mod meta;
mod tiktok;

pub use budget::{Budget, BudgetInputError, BudgetKind, minimum_budget};
pub use currency::Currency;
pub use meta::{MetaMoneyError, from_meta_units, meta_offset, meta_supports, to_meta_units};
pub use tiktok::tiktok_minimum_budget;

/// The largest amount accepted, in minor units: 2^53 - 1, the largest integer a JSON client
/// represents exactly.
pub const MAX_MINOR_UNITS: i64 = 9_007_199_254_740_991;

/// Why an amount or a currency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The amount is zero where a positive amount is needed.
    #[error("the amount must be greater than zero")]
    Zero,
    /// The amount is below zero.
    #[error("the amount must not be negative")]
    Negative,
    /// The amount is larger than [`MAX_MINOR_UNITS`].
    #[error("the amount is too large (at most 9007199254740991 minor units)")]
    Overflow,
    /// The currency code is not one this service knows.
    #[error("unknown currency `{0}`: expected an ISO 4217 code such as USD")]
    UnknownCurrency(String),
    /// The decimal amount has more fractional digits than the currency's minor unit.
    #[error("the amount has more decimal places than the currency allows")]
    TooPrecise,
    /// The text is not a plain decimal number such as `50.50`.
    #[error("the amount is not a plain decimal number such as 50.50")]
    Malformed,
}

impl MoneyError {
    /// Stable code for user errors.
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            MoneyError::Zero => crate::domain::UserErrorCode::MoneyZero,
            MoneyError::Negative => crate::domain::UserErrorCode::MoneyNegative,
            MoneyError::Overflow => crate::domain::UserErrorCode::MoneyOverflow,
            MoneyError::UnknownCurrency(_) => crate::domain::UserErrorCode::UnknownCurrency,
            MoneyError::TooPrecise => crate::domain::UserErrorCode::MoneyTooPrecise,
            MoneyError::Malformed => crate::domain::UserErrorCode::MoneyMalformed,
        }
    }
}

/// A positive amount no larger than [`MAX_MINOR_UNITS`], returned unchanged.
pub fn validate_amount(minor: i64) -> Result<i64, MoneyError> {
    match minor {
        0 => Err(MoneyError::Zero),
        m if m < 0 => Err(MoneyError::Negative),
        m if m > MAX_MINOR_UNITS => Err(MoneyError::Overflow),
        m => Ok(m),
    }
}

/// Zero or a positive amount no larger than [`MAX_MINOR_UNITS`].
fn check_range(minor: i64) -> Result<i64, MoneyError> {
    match minor {
        m if m < 0 => Err(MoneyError::Negative),
        m if m > MAX_MINOR_UNITS => Err(MoneyError::Overflow),
        m => Ok(m),
    }
}

/// The amount as a decimal string in major units: USD `5050` → `"50.50"`, JPY `5050` → `"5050"`,
/// KWD `5050` → `"5.050"`. Zero is allowed (`"0.00"`).
pub fn to_major_string(minor: i64, currency: Currency) -> Result<String, MoneyError> {
    let minor = check_range(minor)?;
    let digits = currency.minor_digits() as usize;
    if digits == 0 {
        return Ok(minor.to_string());
    }
    let scale = currency.minor_per_major();
    Ok(format!("{}.{:0digits$}", minor / scale, minor % scale))
}

/// The amount in minor units of a decimal string in major units: USD `"50.5"` → `5050`,
/// `"50"` → `5000`.
///
/// Accepts digits with an optional `.` and fractional digits. Fractional digits beyond the
/// currency's minor unit are refused (`TooPrecise`) unless they are all zeros, which change
/// nothing (`"50.500"` is `5050` in USD). A leading `-` on a non-zero amount is `Negative`.
pub fn from_major_str(s: &str, currency: Currency) -> Result<i64, MoneyError> {
    match s.strip_prefix('-') {
        Some(rest) => match parse_unsigned(rest, currency)? {
            0 => Ok(0),
            _ => Err(MoneyError::Negative),
        },
        None => parse_unsigned(s, currency),
    }
}

/// Parses `digits[.digits]` into minor units, with checked arithmetic.
fn parse_unsigned(s: &str, currency: Currency) -> Result<i64, MoneyError> {
    let (whole, fraction) = match s.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return Err(MoneyError::Malformed),
        None => (s, ""),
    };
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(MoneyError::Malformed);
    }
    let fraction = fraction_minor(fraction, currency)?;
    let minor = parse_digits(whole)?
        .checked_mul(currency.minor_per_major())
        .and_then(|m| m.checked_add(fraction))
        .ok_or(MoneyError::Overflow)?;
    check_range(minor)
}

/// The fractional digits as minor units, padded to the currency's precision.
fn fraction_minor(fraction: &str, currency: Currency) -> Result<i64, MoneyError> {
    let digits = currency.minor_digits() as usize;
    let (kept, extra) = fraction.split_at(fraction.len().min(digits));
    if extra.bytes().any(|b| b != b'0') {
        return Err(MoneyError::TooPrecise);
    }
    let padded = format!("{kept:0<digits$}");
    if padded.is_empty() {
        return Ok(0);
    }
    parse_digits(&padded)
}

/// True when every byte is an ASCII digit (also for the empty string).
fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses ASCII digits into an `i64`, reporting `Overflow` instead of wrapping.
fn parse_digits(s: &str) -> Result<i64, MoneyError> {
    s.bytes().try_fold(0_i64, |acc, b| {
        acc.checked_mul(10).and_then(|a| a.checked_add(i64::from(b - b'0'))).ok_or(MoneyError::Overflow)
    })
}

/// The currency of `code`, for tests (a code this service does not know fails the test).
#[cfg(test)]
pub(crate) fn test_currency(code: &str) -> Currency {
    match Currency::parse(code) {
        Ok(c) => c,
        Err(e) => panic!("{code}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_currency as currency;

    #[test]
    fn validate_amount_rules() {
        assert_eq!(validate_amount(5000), Ok(5000));
        assert_eq!(validate_amount(1), Ok(1));
        assert_eq!(validate_amount(MAX_MINOR_UNITS), Ok(MAX_MINOR_UNITS));
        assert_eq!(validate_amount(0), Err(MoneyError::Zero));
        assert_eq!(validate_amount(-1), Err(MoneyError::Negative));
        assert_eq!(validate_amount(i64::MIN), Err(MoneyError::Negative));
        assert_eq!(validate_amount(MAX_MINOR_UNITS + 1), Err(MoneyError::Overflow));
        assert_eq!(validate_amount(i64::MAX), Err(MoneyError::Overflow));
        assert_eq!(MAX_MINOR_UNITS, (1_i64 << 53) - 1);
    }

    #[test]
    fn usd_has_two_decimals() {
        let usd = Currency::USD;
        assert_eq!(to_major_string(5050, usd).as_deref(), Ok("50.50"));
        assert_eq!(to_major_string(5, usd).as_deref(), Ok("0.05"));
        assert_eq!(to_major_string(5000, usd).as_deref(), Ok("50.00"));
        assert_eq!(to_major_string(0, usd).as_deref(), Ok("0.00"));
        assert_eq!(from_major_str("50.5", usd), Ok(5050));
        assert_eq!(from_major_str("50", usd), Ok(5000));
        assert_eq!(from_major_str("0.05", usd), Ok(5));
        assert_eq!(from_major_str("50.500", usd), Ok(5050));
    }

    #[test]
    fn jpy_has_no_decimals() {
        let jpy = currency("JPY");
        assert_eq!(to_major_string(5050, jpy).as_deref(), Ok("5050"));
        assert_eq!(from_major_str("5050", jpy), Ok(5050));
        assert_eq!(from_major_str("5050.0", jpy), Ok(5050));
        assert_eq!(from_major_str("5050.5", jpy), Err(MoneyError::TooPrecise));
    }

    #[test]
    fn kwd_has_three_decimals() {
        let kwd = currency("KWD");
        assert_eq!(to_major_string(5050, kwd).as_deref(), Ok("5.050"));
        assert_eq!(to_major_string(7, kwd).as_deref(), Ok("0.007"));
        assert_eq!(from_major_str("5.05", kwd), Ok(5050));
        assert_eq!(from_major_str("5.0505", kwd), Err(MoneyError::TooPrecise));
    }

    #[test]
    fn round_trips_are_exact() {
        let samples = [1, 5, 99, 100, 5050, 123_456_789, MAX_MINOR_UNITS];
        for code in ["USD", "JPY", "KWD", "EUR", "CLP", "BHD"] {
            let c = currency(code);
            for minor in samples {
                let text = to_major_string(minor, c);
                let back = text.as_deref().map(|t| from_major_str(t, c));
                assert_eq!(back, Ok(Ok(minor)), "{code} {minor} via {text:?}");
            }
        }
    }

    #[test]
    fn out_of_range_amounts_are_refused() {
        let usd = Currency::USD;
        assert_eq!(to_major_string(-1, usd), Err(MoneyError::Negative));
        assert_eq!(to_major_string(MAX_MINOR_UNITS + 1, usd), Err(MoneyError::Overflow));
        assert_eq!(from_major_str("-1.00", usd), Err(MoneyError::Negative));
        assert_eq!(from_major_str("-0", usd), Ok(0));
        assert_eq!(from_major_str("90071992547409.92", usd), Err(MoneyError::Overflow));
        assert_eq!(from_major_str("90071992547409.91", usd), Ok(MAX_MINOR_UNITS));
        assert_eq!(from_major_str("99999999999999999999", usd), Err(MoneyError::Overflow));
        assert_eq!(from_major_str("92233720368547758.07", usd), Err(MoneyError::Overflow));
    }

    #[test]
    fn garbage_is_malformed() {
        let usd = Currency::USD;
        for text in ["", ".", "50.", ".5", "5,00", "1e3", "+5", " 5", "5 ", "abc", "5.0.0", "--5", "-", "٣"]
        {
            assert_eq!(from_major_str(text, usd), Err(MoneyError::Malformed), "{text:?}");
        }
        assert_eq!(from_major_str("1.001", usd), Err(MoneyError::TooPrecise));
    }

    #[test]
    fn error_codes_are_stable() {
        let cases = [
            (MoneyError::Zero, "MONEY_ZERO"),
            (MoneyError::Negative, "MONEY_NEGATIVE"),
            (MoneyError::Overflow, "MONEY_OVERFLOW"),
            (MoneyError::UnknownCurrency("XYZ".into()), "UNKNOWN_CURRENCY"),
            (MoneyError::TooPrecise, "MONEY_TOO_PRECISE"),
            (MoneyError::Malformed, "MONEY_MALFORMED"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code().as_str(), code);
            assert!(!error.to_string().is_empty());
        }
        assert_eq!(
            MoneyError::UnknownCurrency("XYZ".into()).to_string(),
            "unknown currency `XYZ`: expected an ISO 4217 code such as USD"
        );
    }
}
