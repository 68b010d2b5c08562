//! Partner key scope lists: the comma separated form used on the command line and in storage.
//!
//! Parsing is strict (every item must be a known scope, no empty items) and the result is
//! canonical (deduplicated, sorted). This module must not decide what a scope permits; the
//! gate and policy rules do.

use crate::domain::{Scope, UnknownCode};

/// Parses a comma separated scope list such as `ads:read, ads:write`.
///
/// Items are trimmed; the result is deduplicated and sorted. An empty list or an empty item
/// is an error carrying `UnknownCode("")`; an unknown item is an error carrying that item.
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>, UnknownCode> {
    let mut scopes =
        list.split(',').map(|item| item.trim().parse::<Scope>()).collect::<Result<Vec<_>, _>>()?;
    scopes.sort_unstable();
    scopes.dedup();
    Ok(scopes)
}

/// Formats scopes as the canonical comma separated list (sorted, deduplicated, no spaces),
/// which [`parse_scopes`] reads back.
pub fn format_scopes(scopes: &[Scope]) -> String {
    let mut canonical = scopes.to_vec();
    canonical.sort_unstable();
    canonical.dedup();
    canonical.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_trims_sorts_and_deduplicates() {
        let parsed = parse_scopes(" ads:write:policy , ads:read,ads:write, ads:read ");
        assert_eq!(parsed, Ok(vec![Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePolicy]));
    }

    #[test]
    fn parses_every_scope() {
        let all = Scope::ALL.map(Scope::as_str).join(",");
        assert_eq!(parse_scopes(&all), Ok(Scope::ALL.to_vec()));
    }

    #[test]
    fn empty_list_is_an_error() {
        for list in ["", "   ", ","] {
            assert_eq!(parse_scopes(list), Err(UnknownCode(String::new())), "{list:?}");
        }
    }

    #[test]
    fn empty_item_is_an_error() {
        assert_eq!(parse_scopes("ads:read,,ads:write"), Err(UnknownCode(String::new())));
        assert_eq!(parse_scopes("ads:read,"), Err(UnknownCode(String::new())));
    }

    #[test]
    fn unknown_item_is_named_in_the_error() {
        assert_eq!(
            parse_scopes("ads:read, ads:write:kill_switch"),
            Err(UnknownCode("ads:write:kill_switch".to_owned()))
        );
        assert_eq!(parse_scopes("ADS:READ"), Err(UnknownCode("ADS:READ".to_owned())));
    }

    #[test]
    fn format_is_canonical_and_round_trips() {
        let scopes = [Scope::AdsWritePending, Scope::AdsRead, Scope::AdsWritePending];
        let formatted = format_scopes(&scopes);
        assert_eq!(formatted, "ads:read,ads:write:pending");
        assert_eq!(parse_scopes(&formatted), Ok(vec![Scope::AdsRead, Scope::AdsWritePending]));
        assert_eq!(format_scopes(&[]), "");
    }
}
