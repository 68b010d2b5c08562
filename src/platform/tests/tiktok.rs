//! TikTok request shapes: decimal major-unit money, budget modes, operation statuses, headers.

use serde_json::json;

use super::fixtures::{account, at, create_campaign};
use crate::domain::Platform;
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;
use crate::platform::{AccountContext, NativeRequest, PlatformError, PlatformWrite, tiktok};

fn in_currency(currency: &str) -> AccountContext {
    account(Platform::Tiktok, currency)
}

fn field_of(result: Result<NativeRequest, PlatformError>) -> Option<String> {
    result.expect_err("the write should be refused").field().map(str::to_owned)
}

fn ad_group(targeting: Option<Targeting>) -> PlatformWrite {
    PlatformWrite::CreateAdSet {
        campaign_id: "1700000000000000001".to_owned(),
        name: "Group".to_owned(),
        daily_budget_cents: Some(2000),
        bid_amount_cents: None,
        targeting,
        status: EntityStatus::Active,
        outcome: None,
        start_time: None,
        end_time: None,
    }
}

/// An ad group of a campaign with `outcome`.
fn ad_group_of(outcome: Outcome) -> PlatformWrite {
    let mut write = ad_group(None);
    if let PlatformWrite::CreateAdSet { outcome: of, .. } = &mut write {
        *of = Some(outcome);
    }
    write
}

#[test]
fn create_campaign_sends_decimal_major_units_with_redacted_token() {
    let write = create_campaign(Outcome::Conversions, Budget::Daily(5050));
    let request = tiktok::build_request(&in_currency("USD"), &write).expect("valid");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/open_api/v1.3/campaign/create/");
    assert_eq!(request.headers["Access-Token"], "<redacted>");
    assert_eq!(
        request.body,
        json!({
            "advertiser_id": "123456789",
            "campaign_name": "Spring sale",
            "objective_type": "WEB_CONVERSIONS",
            "operation_status": "DISABLE",
            "budget_optimize_on": true,
            "optimization_goal": "CONVERT",
            "budget_mode": "BUDGET_MODE_DAY",
            "budget": 50.50,
            "bid_type": "BID_TYPE_NO_BID",
        })
    );
    assert!(request.body["budget"].is_number());
    let text = serde_json::to_string(&request.body).expect("serializes");
    assert!(text.contains("\"budget\":50.5"), "{text}");
}

#[test]
fn budgets_follow_the_currency_minor_unit() {
    let budget = |currency: &str, cents| {
        let write = create_campaign(Outcome::Traffic, Budget::Daily(cents));
        tiktok::build_request(&in_currency(currency), &write).expect("valid").body["budget"].clone()
    };
    let yen = budget("JPY", 5050);
    assert_eq!(yen, json!(5050));
    assert!(yen.is_u64(), "a zero-decimal currency is a whole number");
    assert_eq!(budget("KWD", 5050), json!(5.050));
    assert_eq!(budget("USD", 5000), json!(50.0));
    assert_eq!(budget("USD", 1), json!(0.01));
}

#[test]
fn an_amount_a_json_number_cannot_hold_exactly_is_refused() {
    // 90071992547409.91 has no exact double; JSON would print 90071992547409.9.
    let write = create_campaign(Outcome::Traffic, Budget::Daily(9_007_199_254_740_991));
    let error = tiktok::build_request(&in_currency("USD"), &write).expect_err("inexact");
    assert_eq!(error.field(), Some("dailyBudgetCents"));
    assert!(error.to_string().contains("exactly"), "{error}");
    let write = create_campaign(Outcome::Traffic, Budget::Daily(i64::MAX));
    let refused = tiktok::build_request(&in_currency("USD"), &write);
    assert_eq!(field_of(refused).as_deref(), Some("dailyBudgetCents"));
}

#[test]
fn lifetime_budget_uses_total_mode_and_objectives_map() {
    let write = create_campaign(Outcome::AppInstalls, Budget::Lifetime(100_000));
    let body = tiktok::build_request(&in_currency("USD"), &write).expect("valid").body;
    assert_eq!(body["budget_mode"], "BUDGET_MODE_TOTAL");
    assert_eq!(body["budget"], json!(1000.0));
    assert_eq!(body["objective_type"], "APP_PROMOTION");
    assert_eq!(tiktok::objective(&Outcome::Traffic), "TRAFFIC");
}

#[test]
fn statuses_map_to_operation_status_with_archived_disabled() {
    let cases = [
        (EntityStatus::Active, "ENABLE"),
        (EntityStatus::Paused, "DISABLE"),
        (EntityStatus::Archived, "DISABLE"),
        (EntityStatus::Deleted, "DELETE"),
    ];
    for (status, code) in cases {
        let write =
            PlatformWrite::SetCampaignStatus { campaign_id: "1700000000000000001".to_owned(), status };
        let request = tiktok::build_request(&in_currency("USD"), &write).expect("valid");
        assert_eq!(request.path, "/open_api/v1.3/campaign/status/update/");
        assert_eq!(
            request.body,
            json!({
                "advertiser_id": "123456789",
                "campaign_ids": ["1700000000000000001"],
                "operation_status": code,
            })
        );
    }
}

#[test]
fn ad_group_and_ad_status_use_their_endpoints() {
    let account = in_currency("USD");
    let ad_set = PlatformWrite::SetAdSetStatus {
        campaign_id: "1".to_owned(),
        ad_set_id: "2".to_owned(),
        status: EntityStatus::Paused,
    };
    let request = tiktok::build_request(&account, &ad_set).expect("valid");
    assert_eq!(request.path, "/open_api/v1.3/adgroup/status/update/");
    assert_eq!(request.body["adgroup_ids"], json!(["2"]));
    let ad = PlatformWrite::SetAdStatus {
        campaign_id: "1".to_owned(),
        ad_set_id: "2".to_owned(),
        ad_id: "3".to_owned(),
        status: EntityStatus::Active,
    };
    let request = tiktok::build_request(&account, &ad).expect("valid");
    assert_eq!(request.path, "/open_api/v1.3/ad/status/update/");
    assert_eq!(request.body["ad_ids"], json!(["3"]));
    assert_eq!(request.body["operation_status"], "ENABLE");
}

#[test]
fn budget_and_bidding_updates_convert_to_major_units() {
    let account = in_currency("USD");
    let budget =
        PlatformWrite::UpdateCampaignBudget { campaign_id: "17".to_owned(), budget: Budget::Daily(7525) };
    let request = tiktok::build_request(&account, &budget).expect("valid");
    assert_eq!(request.path, "/open_api/v1.3/campaign/update/");
    assert_eq!(request.body, json!({ "advertiser_id": "123456789", "campaign_id": "17", "budget": 75.25 }));
    let bidding = PlatformWrite::UpdateCampaignBidding {
        campaign_id: "17".to_owned(),
        bid_strategy: BidStrategy::CostCap,
        bid_amount_cents: Some(350),
    };
    let body = tiktok::build_request(&account, &bidding).expect("valid").body;
    assert_eq!(body["bid_type"], "BID_TYPE_CUSTOM");
    assert_eq!(body["conversion_bid_price"], json!(3.5));
}

#[test]
fn campaign_schedule_and_targeting_are_refused_because_tiktok_sets_them_on_ad_groups() {
    let account = in_currency("USD");
    let schedule = PlatformWrite::UpdateCampaignSchedule {
        campaign_id: "17".to_owned(),
        start_time: Some(at(1)),
        end_time: None,
    };
    assert_eq!(field_of(tiktok::build_request(&account, &schedule)).as_deref(), Some("schedule"));
    let targeting = PlatformWrite::UpdateCampaignTargeting {
        campaign_id: "17".to_owned(),
        targeting: Targeting { countries: vec!["US".to_owned()], age_min: None, age_max: None },
    };
    assert_eq!(field_of(tiktok::build_request(&account, &targeting)).as_deref(), Some("targeting"));
}

#[test]
fn ad_group_targets_location_ids_and_age_groups() {
    let targeting =
        Targeting { countries: vec!["US".to_owned(), "JP".to_owned()], age_min: Some(21), age_max: Some(30) };
    let request = tiktok::build_request(&in_currency("USD"), &ad_group(Some(targeting))).expect("valid");
    assert_eq!(request.path, "/open_api/v1.3/adgroup/create/");
    assert_eq!(request.body["location_ids"], json!(["6252001", "1861060"]));
    assert_eq!(request.body["age_groups"], json!(["AGE_18_24", "AGE_25_34"]));
    assert_eq!(request.body["budget_mode"], "BUDGET_MODE_DAY");
    assert_eq!(request.body["budget"], json!(20.0));
    assert_eq!(request.body.get("optimization_goal"), None, "no outcome, no goal");
    let installs = ad_group_of(Outcome::AppInstalls);
    let mut account = in_currency("USD");
    let refused = tiktok::build_request(&account, &installs);
    assert_eq!(field_of(refused).as_deref(), Some("tiktokAppId"), "an app ad group names its app");
    account.identity.tiktok_app_id = Some("7012345678".to_owned());
    account.identity.app_store_url = Some("https://play.google.com/store/apps/details?id=x.y".to_owned());
    account.dispatch_key = Some("4611686018427387904".to_owned());
    let request = tiktok::build_request(&account, &installs).expect("valid");
    assert_eq!(
        (&request.body["optimization_goal"], &request.body["billing_event"]),
        (&json!("INSTALL"), &json!("OCPM"))
    );
    assert_eq!(
        (&request.body["app_id"], &request.body["promotion_type"]),
        (&json!("7012345678"), &json!("APP_ANDROID"))
    );
    assert_eq!(request.body["request_id"], "4611686018427387904", "the dispatch's idempotency key");
}

#[test]
fn conversions_ad_groups_optimize_for_the_layers_pixel_and_event() {
    let conversions = ad_group_of(Outcome::Conversions);
    let mut account = in_currency("USD");
    let refused = tiktok::build_request(&account, &conversions);
    assert_eq!(field_of(refused).as_deref(), Some("tiktokPixelId"), "a conversions ad group names its pixel");
    account.identity.tiktok_pixel_id = Some("7012345679".to_owned());
    let request = tiktok::build_request(&account, &conversions).expect("valid");
    assert_eq!(
        (&request.body["optimization_goal"], &request.body["promotion_type"]),
        (&json!("CONVERT"), &json!("WEBSITE"))
    );
    assert_eq!(
        (&request.body["pixel_id"], &request.body["optimization_event"]),
        (&json!("7012345679"), &json!("SHOPPING")),
        "SHOPPING (a completed payment) when the layer names no event"
    );
    account.identity.tiktok_optimization_event = Some("FORM".to_owned());
    let request = tiktok::build_request(&account, &conversions).expect("valid");
    assert_eq!(request.body["optimization_event"], "FORM");
}

#[test]
fn app_install_campaigns_are_app_promotion_with_app_install_and_creates_carry_the_key() {
    let mut account = in_currency("USD");
    let write = create_campaign(Outcome::AppInstalls, Budget::Daily(5050));
    let request = tiktok::build_request(&account, &write).expect("valid");
    assert_eq!(request.body["objective_type"], "APP_PROMOTION");
    assert_eq!(request.body["app_promotion_type"], "APP_INSTALL");
    assert_eq!(request.body["optimization_goal"], "INSTALL");
    assert_eq!(request.body.get("request_id"), None, "no dispatch, no key");
    account.dispatch_key = Some(layers_key());
    let request = tiktok::build_request(&account, &write).expect("valid");
    assert_eq!(request.body["request_id"], json!(layers_key()));
    let traffic = tiktok::build_request(&account, &create_campaign(Outcome::Traffic, Budget::Daily(5050)))
        .expect("valid");
    assert_eq!(traffic.body.get("app_promotion_type"), None);
    let update = tiktok::build_request(&account, &budget_update()).expect("valid");
    assert_eq!(update.body.get("request_id"), None, "only creates carry it");
}

fn layers_key() -> String {
    crate::platform::dispatch_key(uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_002a))
}

fn budget_update() -> PlatformWrite {
    PlatformWrite::UpdateCampaignBudget { campaign_id: "17".to_owned(), budget: Budget::Daily(6000) }
}

#[test]
fn ad_group_with_an_unknown_country_is_refused_not_narrowed() {
    let targeting =
        Targeting { countries: vec!["US".to_owned(), "ZZ".to_owned()], age_min: None, age_max: None };
    let refused = tiktok::build_request(&in_currency("USD"), &ad_group(Some(targeting)));
    assert_eq!(field_of(refused).as_deref(), Some("targeting.countries"));
}

#[test]
fn ads_carry_the_video_and_missing_advertiser_is_refused() {
    let write = PlatformWrite::CreateAd {
        campaign_id: "1".to_owned(),
        ad_set_id: "2".to_owned(),
        name: "Clip".to_owned(),
        creative_id: "v10033g50000".to_owned(),
        status: EntityStatus::Paused,
        media: None,
    };
    let mut account = in_currency("USD");
    let request = tiktok::build_request(&account, &write).expect("valid");
    assert_eq!(request.path, "/open_api/v1.3/ad/create/");
    assert_eq!(request.body["creatives"], json!([{ "ad_name": "Clip", "video_id": "v10033g50000" }]));
    account.ad_account_id = None;
    assert_eq!(field_of(tiktok::build_request(&account, &write)).as_deref(), Some("adAccountId"));
}

#[test]
fn ad_groups_are_scheduled_from_their_start_and_until_their_end_in_utc() {
    let scheduled = |end: Option<chrono::DateTime<chrono::Utc>>| {
        let mut write = ad_group(None);
        if let PlatformWrite::CreateAdSet { start_time, end_time, .. } = &mut write {
            *start_time = Some(at(6));
            *end_time = end;
        }
        tiktok::build_request(&in_currency("USD"), &write).expect("valid").body
    };
    let open = scheduled(None);
    assert_eq!(
        (&open["schedule_type"], &open["schedule_start_time"], open.get("schedule_end_time")),
        (&json!("SCHEDULE_FROM_NOW"), &json!("2026-03-06 00:00:00"), None)
    );
    let bounded = scheduled(Some(at(31)));
    assert_eq!(
        (&bounded["schedule_type"], &bounded["schedule_end_time"]),
        (&json!("SCHEDULE_START_END"), &json!("2026-03-31 00:00:00"))
    );
    let mut inverted = ad_group(None);
    if let PlatformWrite::CreateAdSet { start_time, end_time, .. } = &mut inverted {
        *start_time = Some(at(6));
        *end_time = Some(at(1));
    }
    assert!(tiktok::build_request(&in_currency("USD"), &inverted).is_err(), "an end before the start");
}
