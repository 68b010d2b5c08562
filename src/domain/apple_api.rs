//! Which Apple advertising API a connected account speaks, and what Apple's retirement of
//! Campaign Management API v5 means for it.
//!
//! Apple retires v5 on [`V5_RETIREMENT`] (2027-01-26, 00:00 UTC taken as the moment): from then
//! on every v5 write fails at Apple. Accounts connected before the Apple Ads Platform API existed
//! here speak v5 until their owner reconnects them; new connections speak v1. Pure: the caller
//! passes the time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

/// The day Apple retires Campaign Management API v5 ("will be sunset on January 26, 2027",
/// Apple Ads Platform API changelog).
pub const V5_RETIREMENT: NaiveDate = match NaiveDate::from_ymd_opt(2027, 1, 26) {
    Some(date) => date,
    None => panic!("a valid date"),
};

/// An Apple advertising API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub enum AppleApi {
    /// Campaign Management API v5 (`api.searchads.apple.com/api/v5`, `X-AP-Context: orgId=…`).
    #[default]
    #[serde(rename = "v5")]
    V5,
    /// Apple Ads Platform API v1 (`api.ads.apple.com/v1`, `X-AP-Context: adAccountId=…`).
    #[serde(rename = "v1")]
    V1,
}

impl AppleApi {
    /// The code stored on the connection: `v5` or `v1`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppleApi::V5 => "v5",
            AppleApi::V1 => "v1",
        }
    }

    /// When Apple stops taking this API's writes: the moment its owner must have reconnected by.
    pub fn retires_at(self) -> Option<DateTime<Utc>> {
        match self {
            AppleApi::V5 => V5_RETIREMENT.and_hms_opt(0, 0, 0).map(|at| at.and_utc()),
            AppleApi::V1 => None,
        }
    }

    /// Whether a connection on this API must be reconnected to keep working.
    pub fn must_reconnect(self) -> bool {
        self.retires_at().is_some()
    }

    /// Whether Apple has retired this API at `now`: a write would fail there, so none is sent.
    pub fn retired(self, now: DateTime<Utc>) -> bool {
        self.retires_at().is_some_and(|at| now >= at)
    }
}

impl fmt::Display for AppleApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored Apple API code that is neither `v5` nor `v1`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Apple API version `{0}`")]
pub struct UnknownAppleApi(pub String);

impl FromStr for AppleApi {
    type Err = UnknownAppleApi;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code {
            "v5" => Ok(AppleApi::V5),
            "v1" => Ok(AppleApi::V1),
            other => Err(UnknownAppleApi(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).expect("a time")
    }

    #[test]
    fn v5_is_retired_from_the_26th_of_january_2027_and_v1_never() {
        assert!(!AppleApi::V5.retired(at("2027-01-25T23:59:59Z")));
        assert!(AppleApi::V5.retired(at("2027-01-26T00:00:00Z")));
        assert!(!AppleApi::V1.retired(at("2099-01-01T00:00:00Z")));
        assert_eq!(AppleApi::V5.retires_at(), Some(at("2027-01-26T00:00:00Z")));
    }

    #[test]
    fn only_v5_connections_must_reconnect() {
        assert!(AppleApi::V5.must_reconnect());
        assert!(!AppleApi::V1.must_reconnect());
    }

    #[test]
    fn codes_round_trip_and_unknown_ones_are_refused() {
        for api in [AppleApi::V5, AppleApi::V1] {
            assert_eq!(api.as_str().parse::<AppleApi>(), Ok(api));
        }
        assert!("v6".parse::<AppleApi>().is_err());
    }
}
