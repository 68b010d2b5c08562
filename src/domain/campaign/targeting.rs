//! Targeting input: countries and an age range.
//!
//! Normalizes and checks what a write asks for; it must not know which countries a platform
//! serves (the platform reports that on dispatch).

use std::ops::RangeInclusive;

/// The most countries one campaign may target.
pub const MAX_COUNTRIES: usize = 250;

/// The ages a campaign may target.
const AGES: RangeInclusive<i64> = 13..=65;

/// Validated targeting: uppercase ISO 3166-1 alpha-2 countries without duplicates, and an
/// optional age range within 13..=65.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Targeting {
    /// Countries, uppercase, each once, in the order first given.
    pub countries: Vec<String>,
    /// Youngest age targeted, if any.
    pub age_min: Option<u8>,
    /// Oldest age targeted, if any.
    pub age_max: Option<u8>,
}

/// Why targeting input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetingError {
    /// No country was given.
    #[error("target at least one country")]
    NoCountries,
    /// A country is not a two-letter code.
    #[error("`{0}` is not a two-letter country code such as US")]
    InvalidCountry(String),
    /// More than [`MAX_COUNTRIES`] distinct countries.
    #[error("target at most 250 countries ({0} given)")]
    TooManyCountries(usize),
    /// An age outside 13..=65.
    #[error("ages must be between 13 and 65 ({0} given)")]
    AgeOutOfRange(i64),
    /// The minimum age is above the maximum age.
    #[error("the minimum age ({min}) must not be above the maximum age ({max})")]
    AgeRangeInverted {
        /// The minimum age given.
        min: u8,
        /// The maximum age given.
        max: u8,
    },
}

impl TargetingError {
    /// Stable code for user errors.
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            TargetingError::NoCountries => crate::domain::UserErrorCode::TargetingNoCountries,
            TargetingError::InvalidCountry(_) => crate::domain::UserErrorCode::TargetingInvalidCountry,
            TargetingError::TooManyCountries(_) => crate::domain::UserErrorCode::TargetingTooManyCountries,
            TargetingError::AgeOutOfRange(_) => crate::domain::UserErrorCode::TargetingAgeOutOfRange,
            TargetingError::AgeRangeInverted { .. } => {
                crate::domain::UserErrorCode::TargetingAgeRangeInverted
            }
        }
    }
}

/// Normalized targeting: countries trimmed, uppercased and deduplicated (at least one, at most
/// 250, each two ASCII letters); ages within 13..=65 with the minimum not above the maximum.
pub fn validate_targeting(
    countries: &[String],
    age_min: Option<i64>,
    age_max: Option<i64>,
) -> Result<Targeting, TargetingError> {
    let countries = normalize_countries(countries)?;
    let age_min = age_min.map(validate_age).transpose()?;
    let age_max = age_max.map(validate_age).transpose()?;
    if let (Some(min), Some(max)) = (age_min, age_max)
        && min > max
    {
        return Err(TargetingError::AgeRangeInverted { min, max });
    }
    Ok(Targeting { countries, age_min, age_max })
}

/// Uppercase, deduplicated country codes in the order first given.
fn normalize_countries(countries: &[String]) -> Result<Vec<String>, TargetingError> {
    let mut normalized: Vec<String> = Vec::with_capacity(countries.len());
    for raw in countries {
        let code = normalize_country(raw)?;
        if !normalized.contains(&code) {
            normalized.push(code);
        }
    }
    match normalized.len() {
        0 => Err(TargetingError::NoCountries),
        n if n > MAX_COUNTRIES => Err(TargetingError::TooManyCountries(n)),
        _ => Ok(normalized),
    }
}

/// One country code, trimmed and uppercased, if it is two ASCII letters.
fn normalize_country(raw: &str) -> Result<String, TargetingError> {
    let code = raw.trim();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(TargetingError::InvalidCountry(raw.to_owned()))
    }
}

/// The age as a `u8`, if it is within 13..=65.
fn validate_age(age: i64) -> Result<u8, TargetingError> {
    if !AGES.contains(&age) {
        return Err(TargetingError::AgeOutOfRange(age));
    }
    u8::try_from(age).map_err(|_| TargetingError::AgeOutOfRange(age))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn countries_are_normalized_and_deduplicated() {
        let got = validate_targeting(&strings(&["us", "GB", " De ", "US", "gb"]), None, None);
        let expected = Targeting { countries: strings(&["US", "GB", "DE"]), age_min: None, age_max: None };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn bad_countries_are_refused() {
        assert_eq!(validate_targeting(&[], None, None), Err(TargetingError::NoCountries));
        for bad in ["USA", "U", "", "1A", "ÜS", "U-"] {
            assert_eq!(
                validate_targeting(&strings(&["US", bad]), None, None),
                Err(TargetingError::InvalidCountry(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn at_most_250_distinct_countries() {
        let letters: Vec<char> = ('A'..='Z').collect();
        let all: Vec<String> =
            letters.iter().flat_map(|a| letters.iter().map(move |b| format!("{a}{b}"))).collect();
        let limit = &all[..MAX_COUNTRIES];
        assert_eq!(validate_targeting(limit, None, None).map(|t| t.countries.len()), Ok(MAX_COUNTRIES));
        let over = &all[..MAX_COUNTRIES + 1];
        assert_eq!(validate_targeting(over, None, None), Err(TargetingError::TooManyCountries(251)));
        let mut repeated = limit.to_vec();
        repeated.extend(limit.iter().cloned());
        assert!(validate_targeting(&repeated, None, None).is_ok());
    }

    #[test]
    fn ages_are_checked() {
        let us = strings(&["US"]);
        let ok = validate_targeting(&us, Some(13), Some(65));
        assert_eq!(ok.map(|t| (t.age_min, t.age_max)), Ok((Some(13), Some(65))));
        let same = validate_targeting(&us, Some(30), Some(30));
        assert_eq!(same.map(|t| (t.age_min, t.age_max)), Ok((Some(30), Some(30))));
        for bad in [12, 66, -1, 0, 300, i64::MAX] {
            assert_eq!(validate_targeting(&us, Some(bad), None), Err(TargetingError::AgeOutOfRange(bad)));
            assert_eq!(validate_targeting(&us, None, Some(bad)), Err(TargetingError::AgeOutOfRange(bad)));
        }
        assert_eq!(
            validate_targeting(&us, Some(40), Some(20)),
            Err(TargetingError::AgeRangeInverted { min: 40, max: 20 })
        );
    }

    #[test]
    fn codes_are_stable() {
        let cases = [
            (TargetingError::NoCountries, "TARGETING_NO_COUNTRIES"),
            (TargetingError::InvalidCountry("X".into()), "TARGETING_INVALID_COUNTRY"),
            (TargetingError::TooManyCountries(300), "TARGETING_TOO_MANY_COUNTRIES"),
            (TargetingError::AgeOutOfRange(5), "TARGETING_AGE_OUT_OF_RANGE"),
            (TargetingError::AgeRangeInverted { min: 30, max: 20 }, "TARGETING_AGE_RANGE_INVERTED"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code().as_str(), code);
        }
        assert_eq!(
            TargetingError::InvalidCountry("USA".into()).to_string(),
            "`USA` is not a two-letter country code such as US"
        );
    }
}
