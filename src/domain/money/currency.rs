//! ISO 4217 currencies and the number of decimal digits of their minor unit.
//!
//! A fixed table, no lookups elsewhere: a currency missing here is refused as unknown rather
//! than guessed at, because guessing its minor unit would scale every amount by a power of ten.

use std::fmt;

use super::MoneyError;

/// An ISO 4217 currency this service can hold amounts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    minor_digits: u32,
}

/// Known currencies: (code, decimal digits of the minor unit).
const TABLE: &[(&str, u32)] = &[
    // Two decimals.
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("HUF", 2),
    ("RON", 2),
    ("BGN", 2),
    ("BRL", 2),
    ("MXN", 2),
    ("ARS", 2),
    ("COP", 2),
    ("PEN", 2),
    ("INR", 2),
    ("PKR", 2),
    ("BDT", 2),
    ("SGD", 2),
    ("HKD", 2),
    ("CNY", 2),
    ("TRY", 2),
    ("ZAR", 2),
    ("NGN", 2),
    ("KES", 2),
    ("EGP", 2),
    ("MAD", 2),
    ("AED", 2),
    ("SAR", 2),
    ("QAR", 2),
    ("ILS", 2),
    ("THB", 2),
    ("PHP", 2),
    ("MYR", 2),
    ("IDR", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("KZT", 2),
    ("CRC", 2),
    ("DZD", 2),
    ("BOB", 2),
    ("GTQ", 2),
    ("HNL", 2),
    ("MOP", 2),
    ("NIO", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("UYU", 2),
    // No decimals.
    ("JPY", 0),
    ("KRW", 0),
    ("VND", 0),
    ("CLP", 0),
    ("ISK", 0),
    ("UGX", 0),
    ("PYG", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("RWF", 0),
    // Three decimals.
    ("KWD", 3),
    ("BHD", 3),
    ("OMR", 3),
    ("JOD", 3),
    ("TND", 3),
    ("IQD", 3),
    ("LYD", 3),
];

impl Currency {
    /// US dollar, the default currency of a layer.
    pub const USD: Currency = Currency { code: "USD", minor_digits: 2 };

    /// The currency with this ISO 4217 code (letter case is ignored: `usd` is `USD`).
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        TABLE
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(code))
            .map(|&(code, minor_digits)| Currency { code, minor_digits })
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
    }

    /// The uppercase ISO 4217 code.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// How many decimal digits the minor unit has (USD 2, JPY 0, KWD 3).
    pub fn minor_digits(self) -> u32 {
        self.minor_digits
    }

    /// How many minor units make one major unit (USD 100, JPY 1, KWD 1000).
    pub fn minor_per_major(self) -> i64 {
        10_i64.pow(self.minor_digits)
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(code: &str) -> Option<u32> {
        Currency::parse(code).ok().map(Currency::minor_digits)
    }

    #[test]
    fn required_currencies_have_their_digits() {
        let two = "USD EUR GBP CAD AUD NZD CHF SEK NOK DKK PLN CZK HUF BRL MXN INR SGD HKD CNY \
                   TRY ZAR AED SAR ILS THB PHP MYR IDR TWD";
        for code in two.split_whitespace() {
            assert_eq!(digits(code), Some(2), "{code}");
        }
        for code in "JPY KRW VND CLP ISK UGX PYG".split_whitespace() {
            assert_eq!(digits(code), Some(0), "{code}");
        }
        for code in "KWD BHD OMR JOD TND IQD LYD".split_whitespace() {
            assert_eq!(digits(code), Some(3), "{code}");
        }
    }

    #[test]
    fn table_has_no_duplicates() {
        for (i, (code, _)) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|(other, _)| other != code), "{code} listed twice");
            assert_eq!(code.len(), 3);
        }
    }

    #[test]
    fn parse_normalises_case_and_refuses_unknown_codes() {
        assert_eq!(Currency::parse("usd"), Ok(Currency::USD));
        assert_eq!(Currency::parse("USD").map(Currency::code), Ok("USD"));
        assert_eq!(Currency::parse("kwd").map(Currency::code), Ok("KWD"));
        for code in ["XYZ", "", "US", "USDD", " USD"] {
            assert_eq!(Currency::parse(code), Err(MoneyError::UnknownCurrency(code.to_owned())));
        }
    }

    #[test]
    fn scale_follows_digits() {
        assert_eq!(Currency::USD.minor_per_major(), 100);
        assert_eq!(Currency::parse("JPY").map(Currency::minor_per_major), Ok(1));
        assert_eq!(Currency::parse("KWD").map(Currency::minor_per_major), Ok(1000));
        assert_eq!(Currency::default(), Currency::USD);
        assert_eq!(Currency::USD.to_string(), "USD");
    }
}
