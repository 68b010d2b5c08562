//! Accounts and writes shared by the platform tests.

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::Platform;
use crate::domain::campaign::{BidStrategy, Outcome};
use crate::domain::money::{Budget, Currency};
use crate::domain::status::EntityStatus;
use crate::platform::{AccountContext, PlatformWrite};

/// An account on `platform` in `currency`, with every platform's config filled in.
pub fn account(platform: Platform, currency: &str) -> AccountContext {
    AccountContext {
        platform,
        ad_account_id: Some("123456789".to_owned()),
        currency: Currency::parse(currency).expect("known currency"),
        apple_org_id: Some("40669820".to_owned()),
        apple_api: crate::domain::apple_api::AppleApi::V5,
        apple_adam_id: Some("835599320".to_owned()),
        countries: vec!["US".to_owned(), "GB".to_owned()],
        identity: Default::default(),
        dispatch_key: None,
        access_token: None,
    }
}

/// A paused campaign create with a daily budget and lowest-cost bidding.
pub fn create_campaign(outcome: Outcome, budget: Budget) -> PlatformWrite {
    PlatformWrite::CreateCampaign {
        name: "Spring sale".to_owned(),
        outcome,
        budget,
        bid_strategy: BidStrategy::LowestCost,
        bid_amount_cents: None,
        status: EntityStatus::Paused,
        start_time: None,
        end_time: None,
    }
}

/// A fixed instant for schedules.
pub fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).single().expect("valid date")
}
