//! Apple Search Ads request shapes: money objects, app installs only, required config, statuses.

use serde_json::{Value, json};

use super::fixtures::{account, create_campaign};
use crate::domain::Platform;
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;
use crate::platform::{AccountContext, NativeRequest, PlatformError, PlatformWrite, apple};

fn in_currency(currency: &str) -> AccountContext {
    account(Platform::Apple, currency)
}

fn field_of(result: Result<NativeRequest, PlatformError>) -> Option<String> {
    result.expect_err("the write should be refused").field().map(str::to_owned)
}

fn installs(cents: i64) -> PlatformWrite {
    create_campaign(Outcome::AppInstalls, Budget::Daily(cents))
}

#[test]
fn create_campaign_sends_the_money_object_app_and_countries() {
    let request = apple::build_request(&in_currency("USD"), &installs(5050)).expect("valid");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v5/campaigns");
    assert_eq!(request.headers["X-AP-Context"], "orgId=40669820");
    assert_eq!(request.headers["Authorization"], "Bearer <redacted>");
    assert_eq!(
        request.body,
        json!({
            "name": "Spring sale",
            "adamId": 835599320,
            "countriesOrRegions": ["US", "GB"],
            "dailyBudgetAmount": { "amount": "50.50", "currency": "USD" },
            "supplySources": ["APPSTORE_SEARCH_RESULTS"],
            "adChannelType": "SEARCH",
            "billingEvent": "TAPS",
            "status": "PAUSED",
        })
    );
}

#[test]
fn amounts_are_exact_strings_in_the_layer_currency() {
    let amount = |currency: &str| {
        apple::build_request(&in_currency(currency), &installs(5050))
            .expect("valid")
            .body["dailyBudgetAmount"]
            .clone()
    };
    assert_eq!(amount("JPY"), json!({ "amount": "5050", "currency": "JPY" }));
    assert_eq!(amount("KWD"), json!({ "amount": "5.050", "currency": "KWD" }));
}

#[test]
fn only_app_install_campaigns_are_accepted() {
    for outcome in [Outcome::Conversions, Outcome::Traffic] {
        let write = create_campaign(outcome, Budget::Daily(5000));
        let refused = apple::build_request(&in_currency("USD"), &write);
        assert_eq!(field_of(refused).as_deref(), Some("outcome"));
    }
}

#[test]
fn lifetime_budgets_are_refused_on_create_and_update() {
    let account = in_currency("USD");
    let create = create_campaign(Outcome::AppInstalls, Budget::Lifetime(100_000));
    assert_eq!(field_of(apple::build_request(&account, &create)).as_deref(), Some("lifetimeBudgetCents"));
    let update = PlatformWrite::UpdateCampaignBudget {
        campaign_id: "1234567890".to_owned(),
        budget: Budget::Lifetime(100_000),
    };
    assert_eq!(field_of(apple::build_request(&account, &update)).as_deref(), Some("lifetimeBudgetCents"));
}

#[test]
fn adam_id_countries_and_org_are_required() {
    let mut account = in_currency("USD");
    account.apple_adam_id = None;
    assert_eq!(field_of(apple::build_request(&account, &installs(5000))).as_deref(), Some("appleAdamId"));
    let mut account = in_currency("USD");
    account.countries.clear();
    assert_eq!(field_of(apple::build_request(&account, &installs(5000))).as_deref(), Some("countries"));
    let mut account = in_currency("USD");
    account.apple_org_id = None;
    assert_eq!(field_of(apple::build_request(&account, &installs(5000))).as_deref(), Some("appleOrgId"));
}

#[test]
fn campaign_caps_are_refused_because_apple_bids_on_ad_groups() {
    let mut write = installs(5000);
    if let PlatformWrite::CreateCampaign { bid_strategy, bid_amount_cents, .. } = &mut write {
        *bid_strategy = BidStrategy::CostCap;
        *bid_amount_cents = Some(200);
    }
    let refused = apple::build_request(&in_currency("USD"), &write);
    assert_eq!(field_of(refused).as_deref(), Some("bidStrategy"));
}

#[test]
fn budget_update_puts_the_campaign_fields() {
    let write = PlatformWrite::UpdateCampaignBudget {
        campaign_id: "1234567890".to_owned(),
        budget: Budget::Daily(7500),
    };
    let request = apple::build_request(&in_currency("USD"), &write).expect("valid");
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path, "/api/v5/campaigns/1234567890");
    assert_eq!(
        request.body["campaign"],
        json!({ "dailyBudgetAmount": { "amount": "75.00", "currency": "USD" } })
    );
}

#[test]
fn statuses_map_to_enabled_paused_and_delete() {
    let account = in_currency("USD");
    let status = |status| PlatformWrite::SetCampaignStatus { campaign_id: "42".to_owned(), status };
    for (entity, code) in [
        (EntityStatus::Active, "ENABLED"),
        (EntityStatus::Paused, "PAUSED"),
        (EntityStatus::Archived, "PAUSED"),
    ] {
        let request = apple::build_request(&account, &status(entity)).expect("valid");
        assert_eq!(request.method, "PUT");
        assert_eq!(request.body["campaign"], json!({ "status": code }));
    }
    let delete = apple::build_request(&account, &status(EntityStatus::Deleted)).expect("valid");
    assert_eq!(delete.method, "DELETE");
    assert_eq!(delete.path, "/api/v5/campaigns/42");
    assert_eq!(delete.body, Value::Null);
}

#[test]
fn ad_groups_and_ads_nest_under_their_campaign() {
    let account = in_currency("USD");
    let group = PlatformWrite::CreateAdSet {
        campaign_id: "42".to_owned(),
        name: "Brand".to_owned(),
        daily_budget_cents: None,
        bid_amount_cents: Some(150),
        targeting: Some(Targeting { countries: vec![], age_min: Some(18), age_max: None }),
        status: EntityStatus::Active,
        outcome: None,
        start_time: None,
        end_time: None,
    };
    let request = apple::build_request(&account, &group).expect("valid");
    assert_eq!(request.path, "/api/v5/campaigns/42/adgroups");
    assert_eq!(request.body["defaultBidAmount"], json!({ "amount": "1.50", "currency": "USD" }));
    assert_eq!(
        request.body["targetingDimensions"],
        json!({ "age": { "included": [{ "minAge": 18, "maxAge": null }] } })
    );
    let ad = PlatformWrite::CreateAd {
        campaign_id: "42".to_owned(),
        ad_set_id: "43".to_owned(),
        name: "Screens".to_owned(),
        creative_id: "44".to_owned(),
        status: EntityStatus::Paused,
        media: None,
    };
    let request = apple::build_request(&account, &ad).expect("valid");
    assert_eq!(request.path, "/api/v5/campaigns/42/adgroups/43/ads");
    assert_eq!(request.body, json!({ "name": "Screens", "creativeId": 44, "status": "PAUSED" }));
}

#[test]
fn ad_group_needs_a_bid_and_takes_no_budget() {
    let group = |daily_budget_cents, bid_amount_cents| PlatformWrite::CreateAdSet {
        campaign_id: "42".to_owned(),
        name: "Brand".to_owned(),
        daily_budget_cents,
        bid_amount_cents,
        targeting: None,
        status: EntityStatus::Active,
        outcome: None,
        start_time: None,
        end_time: None,
    };
    let account = in_currency("USD");
    assert_eq!(
        field_of(apple::build_request(&account, &group(None, None))).as_deref(),
        Some("bidAmountCents")
    );
    assert_eq!(
        field_of(apple::build_request(&account, &group(Some(100), Some(100)))).as_deref(),
        Some("dailyBudgetCents")
    );
}

#[test]
fn ad_status_and_unsupported_writes() {
    let account = in_currency("USD");
    let pause = PlatformWrite::SetAdStatus {
        campaign_id: "42".to_owned(),
        ad_set_id: "43".to_owned(),
        ad_id: "45".to_owned(),
        status: EntityStatus::Paused,
    };
    let request = apple::build_request(&account, &pause).expect("valid");
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path, "/api/v5/campaigns/42/adgroups/43/ads/45");
    assert_eq!(request.body, json!({ "status": "PAUSED" }));
    let replace = PlatformWrite::ReplaceAdCreative {
        campaign_id: "42".to_owned(),
        ad_set_id: "43".to_owned(),
        ad_id: "45".to_owned(),
        creative_id: "46".to_owned(),
        media: None,
    };
    assert_eq!(field_of(apple::build_request(&account, &replace)).as_deref(), Some("creativeId"));
    let bidding = PlatformWrite::UpdateCampaignBidding {
        campaign_id: "42".to_owned(),
        bid_strategy: BidStrategy::LowestCost,
        bid_amount_cents: None,
    };
    assert_eq!(field_of(apple::build_request(&account, &bidding)).as_deref(), Some("bidStrategy"));
}

#[test]
fn campaign_targeting_changes_countries_only() {
    let account = in_currency("USD");
    let targeting = |countries: Vec<&str>, age_min| PlatformWrite::UpdateCampaignTargeting {
        campaign_id: "42".to_owned(),
        targeting: Targeting {
            countries: countries.into_iter().map(str::to_owned).collect(),
            age_min,
            age_max: None,
        },
    };
    let request = apple::build_request(&account, &targeting(vec!["CA"], None)).expect("valid");
    assert_eq!(
        request.body,
        json!({ "clearGeoTargetingOnCountryOrRegionChange": false, "campaign": { "countriesOrRegions": ["CA"] } })
    );
    assert_eq!(
        field_of(apple::build_request(&account, &targeting(vec!["CA"], Some(18)))).as_deref(),
        Some("targeting.age")
    );
    assert_eq!(
        field_of(apple::build_request(&account, &targeting(vec![], None))).as_deref(),
        Some("targeting.countries")
    );
    assert_eq!(
        field_of(apple::build_request(&account, &targeting(vec!["usa"], None))).as_deref(),
        Some("targeting.countries")
    );
}

#[test]
fn a_v5_schedule_change_is_refused_because_the_v5_campaign_update_takes_no_schedule() {
    let write = PlatformWrite::UpdateCampaignSchedule {
        campaign_id: "42".to_owned(),
        start_time: Some(super::fixtures::at(1)),
        end_time: Some(super::fixtures::at(20)),
    };
    let refused = apple::build_request(&in_currency("USD"), &write);
    assert_eq!(field_of(refused).as_deref(), Some("endTime"));
    let start_only = PlatformWrite::UpdateCampaignSchedule {
        campaign_id: "42".to_owned(),
        start_time: None,
        end_time: None,
    };
    assert!(apple::build_request(&in_currency("USD"), &start_only).is_err(), "nothing is sent on v5");
}
