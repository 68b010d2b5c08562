//! Apple Ads Platform API v1 request shapes: the ad account context, `CampaignCreate`, flat
//! `CampaignUpdate`s with only the changed fields, ad groups with their campaign id.

use serde_json::{Value, json};

use super::fixtures::{account, at, create_campaign};
use crate::domain::Platform;
use crate::domain::apple_api::AppleApi;
use crate::domain::campaign::{Outcome, Targeting};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;
use crate::platform::{AccountContext, NativeRequest, PlatformError, PlatformWrite, apple};

fn v1(currency: &str) -> AccountContext {
    let mut account = account(Platform::Apple, currency);
    account.apple_api = AppleApi::V1;
    account.ad_account_id = Some("7654321".to_owned());
    account
}

fn build(write: &PlatformWrite) -> NativeRequest {
    apple::build_request(&v1("USD"), write).expect("valid")
}

fn field_of(result: Result<NativeRequest, PlatformError>) -> Option<String> {
    result.expect_err("the write should be refused").field().map(str::to_owned)
}

#[test]
fn a_campaign_create_is_a_campaign_create_with_both_headers() {
    let request = build(&create_campaign(Outcome::AppInstalls, Budget::Daily(5050)));
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/v1/campaigns"));
    assert_eq!(request.headers["Authorization"], "Bearer <redacted>");
    assert_eq!(request.headers["X-AP-Context"], "adAccountId=7654321");
    assert_eq!(
        request.body,
        json!({
            "name": "Spring sale",
            "promotedObjectType": "APPSTORE_APP",
            "promotedObjectId": "835599320",
            "billingEvent": "TAPS",
            "dailyBudget": { "value": { "amount": "50.50", "currency": "USD" } },
            "targeting": {
                "countryOrRegion": { "include": ["US", "GB"] },
                "supplyPlacement": { "include": ["APPSTORE_SEARCH_RESULTS"] },
            },
            "bidStrategy": { "bidStrategyType": "MANUAL_CPT", "bidStrategyGoal": "TAP" },
            "status": "PAUSED",
        })
    );
}

#[test]
fn money_is_an_exact_string_in_the_layer_currency() {
    let amount = |currency: &str| {
        let write = create_campaign(Outcome::AppInstalls, Budget::Daily(5050));
        apple::build_request(&v1(currency), &write).expect("valid").body["dailyBudget"]["value"].clone()
    };
    assert_eq!(amount("JPY"), json!({ "amount": "5050", "currency": "JPY" }));
    assert_eq!(amount("KWD"), json!({ "amount": "5.050", "currency": "KWD" }));
}

#[test]
fn the_ad_account_adam_id_app_installs_and_daily_budgets_are_required() {
    let mut no_account = v1("USD");
    no_account.ad_account_id = None;
    let write = create_campaign(Outcome::AppInstalls, Budget::Daily(5050));
    assert_eq!(field_of(apple::build_request(&no_account, &write)).as_deref(), Some("adAccountId"));
    let mut no_app = v1("USD");
    no_app.apple_adam_id = None;
    assert_eq!(field_of(apple::build_request(&no_app, &write)).as_deref(), Some("appleAdamId"));
    let traffic = create_campaign(Outcome::Traffic, Budget::Daily(5050));
    assert_eq!(field_of(apple::build_request(&v1("USD"), &traffic)).as_deref(), Some("outcome"));
    let lifetime = create_campaign(Outcome::AppInstalls, Budget::Lifetime(500_000));
    assert_eq!(field_of(apple::build_request(&v1("USD"), &lifetime)).as_deref(), Some("lifetimeBudgetCents"));
}

#[test]
fn updates_put_only_the_changed_fields_flat() {
    let budget = build(&PlatformWrite::UpdateCampaignBudget {
        campaign_id: "42".to_owned(),
        budget: Budget::Daily(7525),
    });
    assert_eq!((budget.method.as_str(), budget.path.as_str()), ("PUT", "/v1/campaigns/42"));
    assert_eq!(budget.body, json!({ "dailyBudget": { "value": { "amount": "75.25", "currency": "USD" } } }));

    let schedule = build(&PlatformWrite::UpdateCampaignSchedule {
        campaign_id: "42".to_owned(),
        start_time: Some(at(1)),
        end_time: Some(at(20)),
    });
    assert_eq!(
        schedule.body,
        json!({ "startTime": "2026-03-01T00:00:00.000", "endTime": "2026-03-20T00:00:00.000" })
    );
    let open_ended = build(&PlatformWrite::UpdateCampaignSchedule {
        campaign_id: "42".to_owned(),
        start_time: None,
        end_time: None,
    });
    assert_eq!(open_ended.body, json!({ "endTime": null }), "the start is left as it is");

    let targeting = Targeting { countries: vec!["FR".to_owned()], ..Targeting::default() };
    let countries =
        build(&PlatformWrite::UpdateCampaignTargeting { campaign_id: "42".to_owned(), targeting });
    assert_eq!(countries.body, json!({ "targeting": { "countryOrRegion": { "include": ["FR"] } } }));
}

#[test]
fn statuses_are_enabled_or_paused_and_deleting_is_a_delete() {
    let status = |status| PlatformWrite::SetCampaignStatus { campaign_id: "42".to_owned(), status };
    assert_eq!(build(&status(EntityStatus::Paused)).body, json!({ "status": "PAUSED" }));
    assert_eq!(build(&status(EntityStatus::Active)).body, json!({ "status": "ENABLED" }));
    let delete = build(&status(EntityStatus::Deleted));
    assert_eq!(
        (delete.method.as_str(), delete.path.as_str(), &delete.body),
        ("DELETE", "/v1/campaigns/42", &Value::Null)
    );
}

#[test]
fn an_ad_group_names_its_campaign_and_bids_per_tap() {
    let group = PlatformWrite::CreateAdSet {
        campaign_id: "42".to_owned(),
        name: "Search".to_owned(),
        daily_budget_cents: None,
        bid_amount_cents: Some(250),
        targeting: None,
        status: EntityStatus::Active,
        outcome: None,
        start_time: None,
        end_time: None,
    };
    let request = build(&group);
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/v1/adgroups"));
    assert_eq!(
        request.body,
        json!({
            "name": "Search", "campaignId": 42, "pricingModel": "CPT", "automatedKeywordsOptIn": false,
            "status": "ENABLED",
            "bidStrategy": { "bidStrategyType": "MANUAL_CPT", "bidStrategyGoal": "TAP",
                "bid": { "amount": "2.50", "currency": "USD" } },
        })
    );
    let pause = PlatformWrite::SetAdSetStatus {
        campaign_id: "42".to_owned(),
        ad_set_id: "77".to_owned(),
        status: EntityStatus::Paused,
    };
    assert_eq!(build(&pause).path, "/v1/adgroups/77");
}
