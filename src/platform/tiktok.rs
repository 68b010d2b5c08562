//! TikTok Business API v1.3: the native request for each normalized write.
//!
//! TikTok takes money as a decimal number in major units (`5050` USD cents → `50.50`, JPY `5050`
//! → `5050`), built from the exact decimal string, never from float arithmetic. App-install
//! campaigns are `APP_PROMOTION` with `app_promotion_type: APP_INSTALL`, and their ad groups name
//! the layer's TikTok app; conversions ad groups optimize for the layer's pixel and its event. Creates carry the dispatch's `request_id` (TikTok's idempotency key),
//! so a create sent again after a lost answer is not applied twice. Builders are pure: they must
//! not perform I/O, read the clock or hold a token (`Access-Token` is redacted).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::common::{
    ad_set_countries, budget_cents, budget_field, check_bid, check_schedule, check_targeting, major_number,
    require_ad_account, require_create_status, require_id, require_name,
};
use super::error::PlatformError;
use super::native::{NativeRequest, REDACTED};
use super::tiktok_geo::{age_groups, location_id};
use super::write::{AccountContext, AdMedia, MediaKind, PlatformWrite};
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::layer_settings::DEFAULT_TIKTOK_OPTIMIZATION_EVENT;
use crate::domain::status::EntityStatus;

mod codes;
mod upload;

pub use codes::{
    app_promotion_type, budget_mode, campaign_optimization_goal, objective, operation_status, optimization,
};
pub(crate) use upload::{upload_image, upload_video};

/// The path prefix of every Business API v1.3 endpoint.
pub const API_PREFIX: &str = "/open_api/v1.3";

/// Translates a normalized write into the TikTok Business API request that performs it.
pub fn build_request(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<NativeRequest, PlatformError> {
    let advertiser_id = require_ad_account(account)?;
    let mut body = Map::new();
    body.insert("advertiser_id".into(), json!(advertiser_id));
    let endpoint = fill(account, write, &mut body)?;
    let request =
        NativeRequest::new("POST", format!("{API_PREFIX}{endpoint}")).header("Access-Token", REDACTED);
    Ok(request.body(Value::Object(body)))
}

/// Adds the write's fields to `body` and returns the endpoint (`/campaign/create/`, …).
fn fill(
    account: &AccountContext,
    write: &PlatformWrite,
    body: &mut Map<String, Value>,
) -> Result<&'static str, PlatformError> {
    match write {
        PlatformWrite::CreateCampaign { .. } => create_campaign(account, write, body),
        PlatformWrite::UpdateCampaignBudget { campaign_id, budget } => {
            insert_id(body, "campaign_id", "campaignId", campaign_id)?;
            let cents = budget_cents(budget)?;
            body.insert("budget".into(), money(account, budget_field(budget), cents)?);
            Ok("/campaign/update/")
        }
        PlatformWrite::UpdateCampaignBidding { campaign_id, bid_strategy, bid_amount_cents } => {
            insert_id(body, "campaign_id", "campaignId", campaign_id)?;
            insert_bidding(account, body, bid_strategy, *bid_amount_cents)?;
            Ok("/campaign/update/")
        }
        PlatformWrite::UpdateCampaignSchedule { .. } => {
            Err(PlatformError::invalid("schedule", "TikTok schedules ad groups, not campaigns"))
        }
        PlatformWrite::UpdateCampaignTargeting { .. } => {
            Err(PlatformError::invalid("targeting", "TikTok sets targeting on ad groups, not on campaigns"))
        }
        PlatformWrite::SetCampaignStatus { campaign_id, status } => {
            status_update(body, "campaign_ids", "campaignId", campaign_id, status)
                .map(|()| "/campaign/status/update/")
        }
        PlatformWrite::CreateAdSet { .. } => create_ad_group(account, write, body),
        PlatformWrite::SetAdSetStatus { ad_set_id, status, .. } => {
            status_update(body, "adgroup_ids", "adSetId", ad_set_id, status)
                .map(|()| "/adgroup/status/update/")
        }
        PlatformWrite::CreateAd { .. } => create_ad(account, write, body),
        PlatformWrite::ReplaceAdCreative { ad_set_id, ad_id, creative_id, media, .. } => {
            insert_id(body, "adgroup_id", "adSetId", ad_set_id)?;
            let mut creative = ad_creative(account, creative_id, media.as_ref())?;
            creative.insert("ad_id".into(), json!(require_id("adId", ad_id)?));
            body.insert("creatives".into(), json!([creative]));
            Ok("/ad/update/")
        }
        PlatformWrite::SetAdStatus { ad_id, status, .. } => {
            status_update(body, "ad_ids", "adId", ad_id, status).map(|()| "/ad/status/update/")
        }
    }
}

/// `/campaign/create/`, with campaign budget optimization so budget and bidding live on the campaign.
fn create_campaign(
    account: &AccountContext,
    write: &PlatformWrite,
    body: &mut Map<String, Value>,
) -> Result<&'static str, PlatformError> {
    let PlatformWrite::CreateCampaign {
        name,
        outcome,
        budget,
        bid_strategy,
        bid_amount_cents,
        status,
        start_time,
        end_time,
    } = write
    else {
        return Err(PlatformError::invalid("write", "not a campaign create"));
    };
    require_create_status(status)?;
    if start_time.is_some() || end_time.is_some() {
        return Err(PlatformError::invalid("schedule", "TikTok schedules ad groups, not campaigns"));
    }
    body.insert("campaign_name".into(), json!(require_name(name)?));
    body.insert("objective_type".into(), json!(objective(outcome)));
    if let Some(promotion) = app_promotion_type(outcome) {
        body.insert("app_promotion_type".into(), json!(promotion));
    }
    insert_request_id(account, body);
    body.insert("operation_status".into(), json!(operation_status(status)));
    body.insert("budget_optimize_on".into(), json!(true));
    if let Some(goal) = campaign_optimization_goal(outcome) {
        body.insert("optimization_goal".into(), json!(goal));
    }
    body.insert("budget_mode".into(), json!(budget_mode(budget)));
    let cents = budget_cents(budget)?;
    body.insert("budget".into(), money(account, budget_field(budget), cents)?);
    insert_bidding(account, body, bid_strategy, *bid_amount_cents)?;
    Ok("/campaign/create/")
}

/// `/adgroup/create/`: placement, location ids, age groups, optional budget and bid.
fn create_ad_group(
    account: &AccountContext,
    write: &PlatformWrite,
    body: &mut Map<String, Value>,
) -> Result<&'static str, PlatformError> {
    let PlatformWrite::CreateAdSet {
        campaign_id,
        name,
        daily_budget_cents,
        bid_amount_cents,
        targeting,
        status,
        outcome,
        start_time,
        end_time,
    } = write
    else {
        return Err(PlatformError::invalid("write", "not an ad set create"));
    };
    require_create_status(status)?;
    insert_id(body, "campaign_id", "campaignId", campaign_id)?;
    body.insert("adgroup_name".into(), json!(require_name(name)?));
    insert_request_id(account, body);
    body.insert("operation_status".into(), json!(operation_status(status)));
    body.insert("placement_type".into(), json!("PLACEMENT_TYPE_AUTOMATIC"));
    if let Some(outcome) = outcome {
        let (goal, billing) = optimization(outcome);
        body.insert("optimization_goal".into(), json!(goal));
        body.insert("billing_event".into(), json!(billing));
        insert_promotion(account, body, outcome)?;
    }
    insert_targeting(body, targeting.as_ref(), account)?;
    insert_schedule(body, start_time.as_ref(), end_time.as_ref())?;
    if let Some(cents) = daily_budget_cents {
        body.insert("budget_mode".into(), json!("BUDGET_MODE_DAY"));
        body.insert("budget".into(), money(account, "dailyBudgetCents", *cents)?);
    }
    if let Some(cents) = bid_amount_cents {
        body.insert("bid_price".into(), money(account, "bidAmountCents", *cents)?);
    }
    Ok("/adgroup/create/")
}

/// `/ad/create/`: one creative (a TikTok video id) in an ad group.
fn create_ad(
    account: &AccountContext,
    write: &PlatformWrite,
    body: &mut Map<String, Value>,
) -> Result<&'static str, PlatformError> {
    let PlatformWrite::CreateAd { ad_set_id, name, creative_id, status, media, .. } = write else {
        return Err(PlatformError::invalid("write", "not an ad create"));
    };
    require_create_status(status)?;
    insert_id(body, "adgroup_id", "adSetId", ad_set_id)?;
    body.insert("operation_status".into(), json!(operation_status(status)));
    let mut creative = ad_creative(account, creative_id, media.as_ref())?;
    creative.insert("ad_name".into(), json!(require_name(name)?));
    body.insert("creatives".into(), json!([creative]));
    Ok("/ad/create/")
}

/// One entry of an ad's `creatives`: the pushed video (with its cover) or image, and, once the
/// creative was pushed, the ad text, the layer's identity, landing page and call to action.
fn ad_creative(
    account: &AccountContext,
    creative_id: &str,
    media: Option<&AdMedia>,
) -> Result<Map<String, Value>, PlatformError> {
    let mut creative = Map::new();
    let Some(media) = media else {
        creative.insert("video_id".into(), json!(require_id("creativeId", creative_id)?));
        return Ok(creative);
    };
    if creative_id.is_empty() {
        return Err(PlatformError::invalid("creativeId", "the creative was not pushed to TikTok"));
    }
    match media.kind {
        MediaKind::Video => {
            creative.insert("ad_format".into(), json!("SINGLE_VIDEO"));
            creative.insert("video_id".into(), json!(creative_id));
            let cover = media.cover_image_id.as_deref().ok_or_else(|| {
                PlatformError::invalid("coverImageId", "a TikTok video ad needs its cover image")
            })?;
            creative.insert("image_ids".into(), json!([cover]));
        }
        MediaKind::Image => {
            creative.insert("ad_format".into(), json!("SINGLE_IMAGE"));
            creative.insert("image_ids".into(), json!([creative_id]));
        }
    }
    let (identity_type, identity_id, landing_page_url) = ad_identity(account)?;
    let text: String = media.text.chars().take(AD_TEXT_MAX_CHARS).collect();
    creative.insert("ad_text".into(), json!(require_name(&text)?));
    creative.insert("identity_type".into(), json!(identity_type));
    creative.insert("identity_id".into(), json!(identity_id));
    creative.insert("landing_page_url".into(), json!(landing_page_url));
    creative.insert("call_to_action".into(), json!("LEARN_MORE"));
    Ok(creative)
}

/// TikTok's longest ad text.
const AD_TEXT_MAX_CHARS: usize = 100;

/// Who the account's ads speak as (identity type and id) and where they lead.
pub(crate) fn ad_identity(account: &AccountContext) -> Result<(&str, &str, &str), PlatformError> {
    let identity = &account.identity;
    let missing = |field: &str, what: &str| {
        PlatformError::invalid(field, format!("TikTok ads need {what}: set the layer's {field}"))
    };
    let identity_type = identity
        .tiktok_identity_type
        .as_deref()
        .ok_or_else(|| missing("tiktokIdentityType", "an identity"))?;
    let identity_id =
        identity.tiktok_identity_id.as_deref().ok_or_else(|| missing("tiktokIdentityId", "an identity"))?;
    let landing =
        identity.landing_page_url.as_deref().ok_or_else(|| missing("landingPageUrl", "a landing page"))?;
    Ok((identity_type, identity_id, landing))
}

/// Adds `location_ids` and `age_groups` for an ad group.
fn insert_targeting(
    body: &mut Map<String, Value>,
    targeting: Option<&Targeting>,
    account: &AccountContext,
) -> Result<(), PlatformError> {
    if let Some(targeting) = targeting {
        check_targeting(targeting)?;
    }
    let location_ids = ad_set_countries(targeting, account)?
        .iter()
        .map(|country| {
            location_id(country).ok_or_else(|| {
                PlatformError::invalid(
                    "targeting.countries",
                    format!("TikTok targeting for {country} is not supported"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    body.insert("location_ids".into(), json!(location_ids));
    let groups = targeting.map_or_else(Vec::new, |t| age_groups(t.age_min, t.age_max));
    if !groups.is_empty() {
        body.insert("age_groups".into(), json!(groups));
    }
    Ok(())
}

/// Adds an ad group's schedule (UTC+0, `YYYY-MM-DD HH:MM:SS`): from its start with no end
/// (`SCHEDULE_FROM_NOW`), or between start and end (`SCHEDULE_START_END`).
fn insert_schedule(
    body: &mut Map<String, Value>,
    start: Option<&DateTime<Utc>>,
    end: Option<&DateTime<Utc>>,
) -> Result<(), PlatformError> {
    let Some(start) = start else { return Ok(()) };
    check_schedule(Some(start), end)?;
    let format = |time: &DateTime<Utc>| time.format("%Y-%m-%d %H:%M:%S").to_string();
    body.insert("schedule_start_time".into(), json!(format(start)));
    match end {
        Some(end) => {
            body.insert("schedule_type".into(), json!("SCHEDULE_START_END"));
            body.insert("schedule_end_time".into(), json!(format(end)));
        }
        None => {
            body.insert("schedule_type".into(), json!("SCHEDULE_FROM_NOW"));
        }
    }
    Ok(())
}

/// Adds `bid_type` and, for caps, the cap in major units (`conversion_bid_price` for a cost
/// cap, `bid_price` for a bid cap).
fn insert_bidding(
    account: &AccountContext,
    body: &mut Map<String, Value>,
    strategy: &BidStrategy,
    amount_cents: Option<i64>,
) -> Result<(), PlatformError> {
    let amount = check_bid(strategy, amount_cents)?;
    let (bid_type, amount_key) = match strategy {
        BidStrategy::LowestCost => ("BID_TYPE_NO_BID", None),
        BidStrategy::CostCap => ("BID_TYPE_CUSTOM", Some("conversion_bid_price")),
        BidStrategy::BidCap => ("BID_TYPE_CUSTOM", Some("bid_price")),
    };
    body.insert("bid_type".into(), json!(bid_type));
    if let (Some(key), Some(cents)) = (amount_key, amount) {
        body.insert(key.into(), money(account, "bidAmountCents", cents)?);
    }
    Ok(())
}

/// Adds the id list and `operation_status` of a status update.
fn status_update(
    body: &mut Map<String, Value>,
    key: &str,
    field: &str,
    id: &str,
    status: &EntityStatus,
) -> Result<(), PlatformError> {
    body.insert(key.into(), json!([require_id(field, id)?]));
    body.insert("operation_status".into(), json!(operation_status(status)));
    Ok(())
}

/// Adds the dispatch's idempotency key as `request_id` (an int64 string), when there is one.
fn insert_request_id(account: &AccountContext, body: &mut Map<String, Value>) {
    if let Some(key) = account.dispatch_key.as_deref().filter(|key| key.parse::<i64>().is_ok()) {
        body.insert("request_id".into(), json!(key));
    }
}

/// Adds where an ad group promotes: `WEBSITE` for web outcomes, conversions optimizing for the
/// layer's pixel (`pixel_id`) and its event (`optimization_event`); for app installs the layer's
/// TikTok app (`app_id`) and its store (`APP_IOS` or `APP_ANDROID`, from the app's store URL).
fn insert_promotion(
    account: &AccountContext,
    body: &mut Map<String, Value>,
    outcome: &Outcome,
) -> Result<(), PlatformError> {
    let identity = &account.identity;
    let missing = |field: &str, what: &str| {
        PlatformError::invalid(field, format!("TikTok {what} ad groups need the layer's {field}"))
    };
    if *outcome != Outcome::AppInstalls {
        body.insert("promotion_type".into(), json!("WEBSITE"));
        if *outcome == Outcome::Conversions {
            let pixel_id =
                identity.tiktok_pixel_id.as_deref().ok_or_else(|| missing("tiktokPixelId", "conversions"))?;
            let event =
                identity.tiktok_optimization_event.as_deref().unwrap_or(DEFAULT_TIKTOK_OPTIMIZATION_EVENT);
            body.insert("pixel_id".into(), json!(require_id("tiktokPixelId", pixel_id)?));
            body.insert("optimization_event".into(), json!(event));
        }
        return Ok(());
    }
    let missing = |field: &str| missing(field, "app-install");
    let app_id = identity.tiktok_app_id.as_deref().ok_or_else(|| missing("tiktokAppId"))?;
    let store = identity.app_store_url.as_deref().ok_or_else(|| missing("appStoreUrl"))?;
    let promotion = if store.contains("play.google.com") { "APP_ANDROID" } else { "APP_IOS" };
    body.insert("app_id".into(), json!(require_id("tiktokAppId", app_id)?));
    body.insert("promotion_type".into(), json!(promotion));
    Ok(())
}

/// Adds one checked id.
fn insert_id(body: &mut Map<String, Value>, key: &str, field: &str, id: &str) -> Result<(), PlatformError> {
    body.insert(key.into(), json!(require_id(field, id)?));
    Ok(())
}

/// An amount as a JSON number in the account's major units.
fn money(account: &AccountContext, field: &str, cents: i64) -> Result<Value, PlatformError> {
    major_number(field, cents, &account.currency).map(Value::Number)
}
