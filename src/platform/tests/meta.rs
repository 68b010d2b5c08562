//! Meta request shapes: minor-unit money, objectives, statuses, bidding, paths and headers.

use serde_json::json;

use super::fixtures::{account, at, create_campaign};
use crate::domain::Platform;
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;
use crate::platform::{PlatformError, PlatformWrite, meta};

fn usd() -> crate::platform::AccountContext {
    account(Platform::Meta, "USD")
}

fn field_of(result: Result<crate::platform::NativeRequest, PlatformError>) -> Option<String> {
    result.expect_err("the write should be refused").field().map(str::to_owned)
}

#[test]
fn create_campaign_passes_minor_units_through_with_required_fields() {
    let write = create_campaign(Outcome::Conversions, Budget::Daily(5000));
    let request = meta::build_request(&usd(), &write).expect("valid write");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v27.0/act_123456789/campaigns");
    assert_eq!(
        request.body,
        json!({
            "name": "Spring sale",
            "objective": "OUTCOME_SALES",
            "status": "PAUSED",
            "special_ad_categories": [],
            "daily_budget": 5000,
            "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        })
    );
    assert!(request.body["daily_budget"].is_i64());
    assert_eq!(request.headers["Authorization"], "Bearer <redacted>");
}

#[test]
fn lifetime_budget_and_schedule_use_meta_fields() {
    let mut write = create_campaign(Outcome::Traffic, Budget::Lifetime(123_456));
    if let PlatformWrite::CreateCampaign { start_time, end_time, .. } = &mut write {
        *start_time = Some(at(1));
        *end_time = Some(at(31));
    }
    let body = meta::build_request(&usd(), &write).expect("valid").body;
    assert_eq!(body["lifetime_budget"], json!(123_456));
    assert!(body.get("daily_budget").is_none());
    assert_eq!(body["start_time"], "2026-03-01T00:00:00Z");
    assert_eq!(body["stop_time"], "2026-03-31T00:00:00Z");
    assert_eq!(body["objective"], "OUTCOME_TRAFFIC");
}

#[test]
fn objectives_and_statuses_map_to_meta_codes() {
    assert_eq!(meta::objective(&Outcome::AppInstalls), "OUTCOME_APP_PROMOTION");
    let cases = [
        (EntityStatus::Active, "ACTIVE"),
        (EntityStatus::Paused, "PAUSED"),
        (EntityStatus::Archived, "ARCHIVED"),
        (EntityStatus::Deleted, "DELETED"),
    ];
    for (status, code) in cases {
        let write = PlatformWrite::SetCampaignStatus { campaign_id: "120210000000000001".to_owned(), status };
        let request = meta::build_request(&usd(), &write).expect("valid");
        assert_eq!(request.path, "/v27.0/120210000000000001");
        assert_eq!(request.body, json!({ "status": code }));
    }
}

#[test]
fn account_id_prefix_is_not_doubled_and_missing_account_is_refused() {
    let mut account = usd();
    account.ad_account_id = Some("act_987".to_owned());
    let write = create_campaign(Outcome::Traffic, Budget::Daily(5000));
    let request = meta::build_request(&account, &write).expect("valid");
    assert_eq!(request.path, "/v27.0/act_987/campaigns");
    account.ad_account_id = None;
    assert_eq!(field_of(meta::build_request(&account, &write)).as_deref(), Some("adAccountId"));
}

#[test]
fn bidding_caps_need_an_amount_and_lowest_cost_takes_none() {
    let bidding = |bid_strategy, bid_amount_cents| PlatformWrite::UpdateCampaignBidding {
        campaign_id: "1202".to_owned(),
        bid_strategy,
        bid_amount_cents,
    };
    let request = meta::build_request(&usd(), &bidding(BidStrategy::BidCap, Some(250)));
    assert_eq!(
        request.expect("valid").body,
        json!({ "bid_strategy": "LOWEST_COST_WITH_BID_CAP", "bid_amount": 250 })
    );
    let cost_cap = meta::build_request(&usd(), &bidding(BidStrategy::CostCap, Some(400)));
    assert_eq!(cost_cap.expect("valid").body["bid_strategy"], "COST_CAP");
    for write in [
        bidding(BidStrategy::CostCap, None),
        bidding(BidStrategy::LowestCost, Some(100)),
        bidding(BidStrategy::BidCap, Some(0)),
    ] {
        assert_eq!(field_of(meta::build_request(&usd(), &write)).as_deref(), Some("bidAmountCents"));
    }
}

#[test]
fn budget_update_and_bad_amounts() {
    let update = |budget| PlatformWrite::UpdateCampaignBudget { campaign_id: "1202".to_owned(), budget };
    let request = meta::build_request(&usd(), &update(Budget::Daily(7500))).expect("valid");
    assert_eq!(request.path, "/v27.0/1202");
    assert_eq!(request.body, json!({ "daily_budget": 7500 }));
    let refused = meta::build_request(&usd(), &update(Budget::Daily(-1)));
    assert_eq!(field_of(refused).as_deref(), Some("dailyBudgetCents"));
}

#[test]
fn schedule_update_clears_the_end_and_checks_order() {
    let schedule = |start_time, end_time| PlatformWrite::UpdateCampaignSchedule {
        campaign_id: "1202".to_owned(),
        start_time,
        end_time,
    };
    let request = meta::build_request(&usd(), &schedule(Some(at(2)), None)).expect("valid");
    assert_eq!(request.body, json!({ "start_time": "2026-03-02T00:00:00Z", "stop_time": null }));
    let refused = meta::build_request(&usd(), &schedule(Some(at(5)), Some(at(4))));
    assert_eq!(field_of(refused).as_deref(), Some("endTime"));
}

#[test]
fn campaign_targeting_is_refused_because_meta_targets_ad_sets() {
    let write = PlatformWrite::UpdateCampaignTargeting {
        campaign_id: "1202".to_owned(),
        targeting: Targeting { countries: vec!["US".to_owned()], age_min: None, age_max: None },
    };
    let error = meta::build_request(&usd(), &write).expect_err("refused");
    assert_eq!(error.code(), "PLATFORM_INVALID_REQUEST");
    assert_eq!(error.field(), Some("targeting"));
}

#[test]
fn ad_set_carries_targeting_budget_and_bid_in_minor_units() {
    let write = PlatformWrite::CreateAdSet {
        campaign_id: "1202".to_owned(),
        name: "US adults".to_owned(),
        daily_budget_cents: Some(2500),
        bid_amount_cents: Some(120),
        targeting: Some(Targeting { countries: vec!["US".to_owned()], age_min: Some(18), age_max: Some(44) }),
        status: EntityStatus::Active,
        outcome: Some(Outcome::Traffic),
        start_time: None,
        end_time: None,
    };
    let request = meta::build_request(&usd(), &write).expect("valid");
    assert_eq!(request.path, "/v27.0/act_123456789/adsets");
    assert_eq!(
        request.body,
        json!({
            "name": "US adults",
            "campaign_id": "1202",
            "status": "ACTIVE",
            "billing_event": "IMPRESSIONS",
            "optimization_goal": "LINK_CLICKS",
            "targeting": { "geo_locations": { "countries": ["US"] }, "age_min": 18, "age_max": 44 },
            "daily_budget": 2500,
            "bid_amount": 120,
        })
    );
}

#[test]
fn ad_set_without_targeting_uses_the_account_countries() {
    let write = PlatformWrite::CreateAdSet {
        campaign_id: "1202".to_owned(),
        name: "Default".to_owned(),
        daily_budget_cents: None,
        bid_amount_cents: None,
        targeting: None,
        status: EntityStatus::Paused,
        outcome: None,
        start_time: None,
        end_time: None,
    };
    let body = meta::build_request(&usd(), &write).expect("valid").body;
    assert_eq!(body["targeting"], json!({ "geo_locations": { "countries": ["US", "GB"] } }));
}

#[test]
fn ads_reference_their_creative() {
    let create = PlatformWrite::CreateAd {
        campaign_id: "1202".to_owned(),
        ad_set_id: "1203".to_owned(),
        name: "Video A".to_owned(),
        creative_id: "1204".to_owned(),
        status: EntityStatus::Active,
        media: None,
    };
    let request = meta::build_request(&usd(), &create).expect("valid");
    assert_eq!(request.path, "/v27.0/act_123456789/ads");
    assert_eq!(
        request.body,
        json!({ "name": "Video A", "adset_id": "1203", "creative": { "creative_id": "1204" }, "status": "ACTIVE" })
    );
    let replace = PlatformWrite::ReplaceAdCreative {
        campaign_id: "1202".to_owned(),
        ad_set_id: "1203".to_owned(),
        ad_id: "1205".to_owned(),
        creative_id: "1206".to_owned(),
        media: None,
    };
    let request = meta::build_request(&usd(), &replace).expect("valid");
    assert_eq!(request.path, "/v27.0/1205");
    assert_eq!(request.body, json!({ "creative": { "creative_id": "1206" } }));
}

#[test]
fn malformed_ids_and_terminal_create_statuses_are_refused() {
    let write = PlatformWrite::SetCampaignStatus {
        campaign_id: "1/../act_1".to_owned(),
        status: EntityStatus::Paused,
    };
    assert_eq!(field_of(meta::build_request(&usd(), &write)).as_deref(), Some("campaignId"));
    let mut create = create_campaign(Outcome::Traffic, Budget::Daily(5000));
    if let PlatformWrite::CreateCampaign { status, .. } = &mut create {
        *status = EntityStatus::Deleted;
    }
    assert_eq!(field_of(meta::build_request(&usd(), &create)).as_deref(), Some("status"));
}

#[test]
fn money_goes_out_in_metas_unit_for_the_currency() {
    let daily = |currency: &str, cents: i64| {
        meta::build_request(
            &account(Platform::Meta, currency),
            &create_campaign(Outcome::Traffic, Budget::Daily(cents)),
        )
    };
    let huf = daily("HUF", 500_000).expect("5,000.00 HUF");
    assert_eq!(huf.body["daily_budget"], json!(5000), "HUF is counted in whole forints");
    let bhd = daily("BHD", 12_340).expect("12.340 BHD");
    assert_eq!(bhd.body["daily_budget"], json!(1234), "BHD is counted in hundredths");
    assert_eq!(daily("JPY", 5000).expect("yen").body["daily_budget"], json!(5000));
    assert_eq!(field_of(daily("HUF", 500_050)).as_deref(), Some("dailyBudgetCents"), "fillér are refused");
    assert_eq!(field_of(daily("BHD", 12_345)).as_deref(), Some("dailyBudgetCents"));
    assert_eq!(field_of(daily("KWD", 10_000)).as_deref(), Some("dailyBudgetCents"), "no KWD at Meta");
    let bid = PlatformWrite::UpdateCampaignBidding {
        campaign_id: "1202".to_owned(),
        bid_strategy: BidStrategy::BidCap,
        bid_amount_cents: Some(25_000),
    };
    let request = meta::build_request(&account(Platform::Meta, "HUF"), &bid).expect("250.00 HUF");
    assert_eq!(request.body["bid_amount"], json!(250));
}

fn ad_set(outcome: Outcome) -> PlatformWrite {
    PlatformWrite::CreateAdSet {
        campaign_id: "1202".to_owned(),
        name: "Buyers".to_owned(),
        daily_budget_cents: None,
        bid_amount_cents: None,
        targeting: None,
        status: EntityStatus::Active,
        outcome: Some(outcome),
        start_time: None,
        end_time: None,
    }
}

#[test]
fn conversion_and_app_ad_sets_carry_the_promoted_object_the_layer_holds() {
    let mut account = usd();
    let conversions = ad_set(Outcome::Conversions);
    assert_eq!(field_of(meta::build_request(&account, &conversions)).as_deref(), Some("metaPixelId"));
    account.identity.meta_pixel_id = Some("998877".to_owned());
    let body = meta::build_request(&account, &conversions).expect("valid").body;
    assert_eq!(body["promoted_object"], json!({ "pixel_id": "998877", "custom_event_type": "PURCHASE" }));
    account.identity.meta_custom_event_type = Some("LEAD".to_owned());
    let body = meta::build_request(&account, &conversions).expect("valid").body;
    assert_eq!(body["promoted_object"]["custom_event_type"], "LEAD");

    let installs = ad_set(Outcome::AppInstalls);
    assert_eq!(field_of(meta::build_request(&account, &installs)).as_deref(), Some("metaApplicationId"));
    account.identity.meta_application_id = Some("5550001".to_owned());
    assert_eq!(field_of(meta::build_request(&account, &installs)).as_deref(), Some("appStoreUrl"));
    account.identity.app_store_url = Some("https://apps.apple.com/app/id835599320".to_owned());
    let body = meta::build_request(&account, &installs).expect("valid").body;
    assert_eq!(
        body["promoted_object"],
        json!({ "application_id": "5550001", "object_store_url": "https://apps.apple.com/app/id835599320" })
    );
    let traffic = meta::build_request(&account, &ad_set(Outcome::Traffic)).expect("valid").body;
    assert_eq!(traffic.get("promoted_object"), None);
}
