//! Meta Marketing API: the native request for each normalized write.
//!
//! Meta takes money in its own unit per currency (its "Currency codes" table,
//! [`crate::domain::money::to_meta_units`]): ISO minor units for most, whole units for HUF, JPY,
//! KRW, ..., hundredths for BHD and JOD; an amount that unit cannot hold exactly, or a currency
//! Meta does not support, is refused. Ad sets of conversion and app-install campaigns carry the
//! layer's `promoted_object`. Builders are pure: they must not perform I/O, read the clock or
//! hold a token (the `Authorization` header is always redacted).

use serde_json::{Map, Value, json};

use super::common::{
    ad_set_countries, budget_cents, check_bid, check_schedule, check_targeting, iso8601, positive_cents,
    require_ad_account, require_create_status, require_id, require_name,
};
use super::creative::{CreativeMedia, Destination};
use super::error::PlatformError;
use super::native::{NativeRequest, REDACTED};
use super::write::{AccountContext, PlatformWrite};
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::layer_settings::DEFAULT_META_CUSTOM_EVENT_TYPE;
use crate::domain::money::{Budget, to_meta_units};
use crate::domain::status::EntityStatus;

/// The Marketing API version every path starts with unless `LAYERS_META_API_VERSION` says
/// otherwise: v27.0, current since 4 November 2026.
pub const API_VERSION: &str = "v27.0";

/// The request for a write against a configured Graph API version (`LAYERS_META_API_VERSION`):
/// the same request as [`build_request`], its path starting with `version` instead of
/// [`API_VERSION`].
pub fn build_versioned_request(
    account: &AccountContext,
    write: &PlatformWrite,
    version: &str,
) -> Result<NativeRequest, PlatformError> {
    Ok(versioned(build_request(account, write)?, version))
}

/// `request` with its path on Graph API `version` instead of [`API_VERSION`].
fn versioned(mut request: NativeRequest, version: &str) -> NativeRequest {
    if let Some(rest) = request.path.strip_prefix(&format!("/{API_VERSION}/")) {
        request.path = format!("/{version}/{rest}");
    }
    request
}

/// `POST /act_<id>/advideos`: Meta fetches the creative's video from its URL.
pub(crate) fn upload_video(
    account: &AccountContext,
    media: &CreativeMedia,
    version: &str,
) -> Result<NativeRequest, PlatformError> {
    let body = json!({ "name": media.file_name(), "file_url": media.media_url });
    Ok(versioned(account_edge(account, "advideos", body)?, version))
}

/// `GET /<video id>`: the uploaded video (its `picture` is the thumbnail an ad creative needs).
pub(crate) fn video(video_id: &str, version: &str) -> Result<NativeRequest, PlatformError> {
    let path = format!("/{version}/{}", require_id("videoId", video_id)?);
    let mut request = authorized(NativeRequest::new("GET", path));
    request.headers.remove("Content-Type");
    Ok(request)
}

/// The `video_data` of an ad creative showing an uploaded video, with its thumbnail.
pub(crate) fn video_spec(video_id: &str, thumbnail_url: Option<&str>) -> Value {
    let mut data = json!({ "video_id": video_id });
    if let Some(url) = thumbnail_url {
        data["image_url"] = json!(url);
    }
    json!({ "video_data": data })
}

/// The `link_data` of an ad creative showing an image Meta fetches from its URL.
pub(crate) fn image_spec(media: &CreativeMedia) -> Value {
    json!({ "link_data": { "picture": media.media_url } })
}

/// `POST /act_<id>/adcreatives`: the ad creative an ad names, speaking as the layer's Page,
/// with a `LEARN_MORE` call to action to its landing page or, for an app-install campaign, an
/// `INSTALL_MOBILE_APP` one to the app's store URL (Meta's app ads link to the App Store or
/// Google Play). `media_spec` is [`video_spec`] or [`image_spec`].
pub(crate) fn ad_creative(
    account: &AccountContext,
    media: &CreativeMedia,
    media_spec: &Value,
    version: &str,
) -> Result<NativeRequest, PlatformError> {
    let page_id = account.identity.meta_page_id.as_deref().ok_or_else(|| {
        PlatformError::invalid("metaPageId", "Meta ads run from a Facebook Page: set the layer's metaPageId")
    })?;
    let (action, link) = ad_destination(account, media.destination)?;
    let call_to_action = json!({ "type": action, "value": { "link": link } });
    let mut story = Map::new();
    story.insert("page_id".into(), json!(require_id("metaPageId", page_id)?));
    if let Some(Value::Object(spec)) = media_spec.get("video_data") {
        let mut data = spec.clone();
        data.insert("call_to_action".into(), call_to_action);
        story.insert("video_data".into(), Value::Object(data));
    } else {
        let mut data = media_spec.get("link_data").and_then(Value::as_object).cloned().unwrap_or_default();
        data.insert("link".into(), json!(link));
        data.insert("call_to_action".into(), call_to_action);
        story.insert("link_data".into(), Value::Object(data));
    }
    let body = json!({ "name": require_name(&media.name)?, "object_story_spec": Value::Object(story) });
    Ok(versioned(account_edge(account, "adcreatives", body)?, version))
}

/// The call to action of an ad creative and the link it leads to.
fn ad_destination(
    account: &AccountContext,
    destination: Destination,
) -> Result<(&'static str, &str), PlatformError> {
    let identity = &account.identity;
    let (action, field, link, why) = match destination {
        Destination::LandingPage => {
            ("LEARN_MORE", "landingPageUrl", &identity.landing_page_url, "Meta ads lead somewhere")
        }
        Destination::AppStore => (
            "INSTALL_MOBILE_APP",
            "appStoreUrl",
            &identity.app_store_url,
            "Meta app-install ads lead to the app's store page",
        ),
    };
    let link = link
        .as_deref()
        .ok_or_else(|| PlatformError::invalid(field, format!("{why}: set the layer's {field}")))?;
    Ok((action, link))
}

/// Translates a normalized write into the Meta Marketing API request that performs it, against
/// the default Graph API version [`API_VERSION`].
pub fn build_request(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<NativeRequest, PlatformError> {
    match write {
        PlatformWrite::CreateCampaign { .. } => create_campaign(account, write),
        PlatformWrite::UpdateCampaignBudget { campaign_id, budget } => {
            let mut body = Map::new();
            insert_budget(account, &mut body, budget)?;
            update(campaign_id, "campaignId", Value::Object(body))
        }
        PlatformWrite::UpdateCampaignBidding { campaign_id, bid_strategy, bid_amount_cents } => {
            let mut body = Map::new();
            insert_bidding(account, &mut body, bid_strategy, *bid_amount_cents)?;
            update(campaign_id, "campaignId", Value::Object(body))
        }
        PlatformWrite::UpdateCampaignSchedule { campaign_id, start_time, end_time } => {
            check_schedule(start_time.as_ref(), end_time.as_ref())?;
            let mut body = Map::new();
            if let Some(start) = start_time {
                body.insert("start_time".into(), json!(iso8601(start)));
            }
            body.insert("stop_time".into(), end_time.as_ref().map_or(Value::Null, |end| json!(iso8601(end))));
            update(campaign_id, "campaignId", Value::Object(body))
        }
        PlatformWrite::UpdateCampaignTargeting { .. } => {
            Err(PlatformError::invalid("targeting", "Meta sets targeting on ad sets, not on campaigns"))
        }
        PlatformWrite::SetCampaignStatus { campaign_id, status } => {
            update(campaign_id, "campaignId", json!({ "status": status_code(status) }))
        }
        PlatformWrite::CreateAdSet { .. } => create_ad_set(account, write),
        PlatformWrite::SetAdSetStatus { ad_set_id, status, .. } => {
            update(ad_set_id, "adSetId", json!({ "status": status_code(status) }))
        }
        PlatformWrite::CreateAd { .. } => create_ad(account, write),
        PlatformWrite::ReplaceAdCreative { ad_id, creative_id, .. } => {
            let creative_id = require_id("creativeId", creative_id)?;
            update(ad_id, "adId", json!({ "creative": { "creative_id": creative_id } }))
        }
        PlatformWrite::SetAdStatus { ad_id, status, .. } => {
            update(ad_id, "adId", json!({ "status": status_code(status) }))
        }
    }
}

/// `POST /act_<id>/campaigns`.
fn create_campaign(account: &AccountContext, write: &PlatformWrite) -> Result<NativeRequest, PlatformError> {
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
    check_schedule(start_time.as_ref(), end_time.as_ref())?;
    let mut body = Map::new();
    body.insert("name".into(), json!(require_name(name)?));
    body.insert("objective".into(), json!(objective(outcome)));
    body.insert("status".into(), json!(status_code(status)));
    body.insert("special_ad_categories".into(), json!([]));
    insert_budget(account, &mut body, budget)?;
    insert_bidding(account, &mut body, bid_strategy, *bid_amount_cents)?;
    if let Some(start) = start_time {
        body.insert("start_time".into(), json!(iso8601(start)));
    }
    if let Some(end) = end_time {
        body.insert("stop_time".into(), json!(iso8601(end)));
    }
    account_edge(account, "campaigns", Value::Object(body))
}

/// `POST /act_<id>/adsets`.
fn create_ad_set(account: &AccountContext, write: &PlatformWrite) -> Result<NativeRequest, PlatformError> {
    let PlatformWrite::CreateAdSet {
        campaign_id,
        name,
        daily_budget_cents,
        bid_amount_cents,
        targeting,
        status,
        outcome,
        ..
    } = write
    else {
        return Err(PlatformError::invalid("write", "not an ad set create"));
    };
    require_create_status(status)?;
    let mut body = Map::new();
    body.insert("name".into(), json!(require_name(name)?));
    body.insert("campaign_id".into(), json!(require_id("campaignId", campaign_id)?));
    body.insert("status".into(), json!(status_code(status)));
    body.insert("billing_event".into(), json!("IMPRESSIONS"));
    if let Some(outcome) = outcome {
        body.insert("optimization_goal".into(), json!(optimization_goal(outcome)));
        if let Some(promoted) = promoted_object(account, outcome)? {
            body.insert("promoted_object".into(), promoted);
        }
    }
    body.insert("targeting".into(), targeting_spec(targeting.as_ref(), account)?);
    if let Some(cents) = daily_budget_cents {
        body.insert("daily_budget".into(), json!(meta_money(account, "dailyBudgetCents", *cents)?));
    }
    if let Some(cents) = bid_amount_cents {
        body.insert("bid_amount".into(), json!(meta_money(account, "bidAmountCents", *cents)?));
    }
    account_edge(account, "adsets", Value::Object(body))
}

/// `POST /act_<id>/ads`.
fn create_ad(account: &AccountContext, write: &PlatformWrite) -> Result<NativeRequest, PlatformError> {
    let PlatformWrite::CreateAd { ad_set_id, name, creative_id, status, .. } = write else {
        return Err(PlatformError::invalid("write", "not an ad create"));
    };
    require_create_status(status)?;
    let body = json!({
        "name": require_name(name)?,
        "adset_id": require_id("adSetId", ad_set_id)?,
        "creative": { "creative_id": require_id("creativeId", creative_id)? },
        "status": status_code(status),
    });
    account_edge(account, "ads", body)
}

/// A `POST` to an edge of the ad account (`/v27.0/act_<id>/<edge>`).
fn account_edge(account: &AccountContext, edge: &str, body: Value) -> Result<NativeRequest, PlatformError> {
    let account_id = require_ad_account(account)?;
    let path = format!("/{API_VERSION}/act_{account_id}/{edge}");
    Ok(authorized(NativeRequest::new("POST", path)).body(body))
}

/// A `POST` to an object node (`/v27.0/<id>`), which is how Meta updates any object.
fn update(id: &str, field: &str, body: Value) -> Result<NativeRequest, PlatformError> {
    let path = format!("/{API_VERSION}/{}", require_id(field, id)?);
    Ok(authorized(NativeRequest::new("POST", path)).body(body))
}

/// Adds the redacted bearer token.
fn authorized(request: NativeRequest) -> NativeRequest {
    request.header("Authorization", format!("Bearer {REDACTED}"))
}

/// The ad set's `promoted_object` for its campaign's outcome: the pixel and its conversion event
/// for conversions, the app's Meta application id and store URL for app installs; none for
/// traffic. A setting the layer lacks is refused, naming it.
fn promoted_object(account: &AccountContext, outcome: &Outcome) -> Result<Option<Value>, PlatformError> {
    let identity = &account.identity;
    let required = |value: &Option<String>, field: &str, what: &str| {
        value.clone().ok_or_else(|| {
            PlatformError::invalid(field, format!("Meta {what} ad sets need the layer's {field}"))
        })
    };
    Ok(match outcome {
        Outcome::Traffic => None,
        Outcome::Conversions => {
            let pixel_id = required(&identity.meta_pixel_id, "metaPixelId", "conversions")?;
            let event = identity.meta_custom_event_type.as_deref().unwrap_or(DEFAULT_META_CUSTOM_EVENT_TYPE);
            Some(json!({ "pixel_id": require_id("metaPixelId", &pixel_id)?, "custom_event_type": event }))
        }
        Outcome::AppInstalls => {
            let application_id = required(&identity.meta_application_id, "metaApplicationId", "app-install")?;
            let store_url = required(&identity.app_store_url, "appStoreUrl", "app-install")?;
            Some(json!({
                "application_id": require_id("metaApplicationId", &application_id)?,
                "object_store_url": store_url,
            }))
        }
    })
}

/// An amount of the account's currency in Meta's unit for it, refused when Meta cannot hold it.
pub(crate) fn meta_money(account: &AccountContext, field: &str, cents: i64) -> Result<i64, PlatformError> {
    let cents = positive_cents(field, cents)?;
    to_meta_units(cents, account.currency).map_err(|err| PlatformError::invalid(field, err.to_string()))
}

/// Adds `daily_budget` or `lifetime_budget` in Meta's unit.
fn insert_budget(
    account: &AccountContext,
    body: &mut Map<String, Value>,
    budget: &Budget,
) -> Result<(), PlatformError> {
    let cents = budget_cents(budget)?;
    let key = match budget {
        Budget::Daily(_) => "daily_budget",
        Budget::Lifetime(_) => "lifetime_budget",
    };
    body.insert(key.into(), json!(meta_money(account, budget.kind().field(), cents)?));
    Ok(())
}

/// Adds `bid_strategy` and, for caps, `bid_amount` in Meta's unit.
fn insert_bidding(
    account: &AccountContext,
    body: &mut Map<String, Value>,
    strategy: &BidStrategy,
    amount_cents: Option<i64>,
) -> Result<(), PlatformError> {
    let amount = check_bid(strategy, amount_cents)?;
    body.insert("bid_strategy".into(), json!(bid_strategy(strategy)));
    if let Some(cents) = amount {
        body.insert("bid_amount".into(), json!(meta_money(account, "bidAmountCents", cents)?));
    }
    Ok(())
}

/// Meta's targeting spec: countries (the ad set's, else the account's) and the age range.
fn targeting_spec(targeting: Option<&Targeting>, account: &AccountContext) -> Result<Value, PlatformError> {
    if let Some(targeting) = targeting {
        check_targeting(targeting)?;
    }
    let countries = ad_set_countries(targeting, account)?;
    let mut spec = Map::new();
    spec.insert("geo_locations".into(), json!({ "countries": countries }));
    if let Some(min) = targeting.and_then(|t| t.age_min) {
        spec.insert("age_min".into(), json!(min));
    }
    if let Some(max) = targeting.and_then(|t| t.age_max) {
        spec.insert("age_max".into(), json!(max));
    }
    Ok(Value::Object(spec))
}

/// The campaign objective for an outcome.
pub fn objective(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Conversions => "OUTCOME_SALES",
        Outcome::Traffic => "OUTCOME_TRAFFIC",
        Outcome::AppInstalls => "OUTCOME_APP_PROMOTION",
    }
}

/// What an ad set optimizes delivery for, from its campaign's outcome.
pub fn optimization_goal(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Conversions => "OFFSITE_CONVERSIONS",
        Outcome::Traffic => "LINK_CLICKS",
        Outcome::AppInstalls => "APP_INSTALLS",
    }
}

/// Meta's status for an entity status.
pub fn status_code(status: &EntityStatus) -> &'static str {
    match status {
        EntityStatus::Active => "ACTIVE",
        EntityStatus::Paused => "PAUSED",
        EntityStatus::Archived => "ARCHIVED",
        EntityStatus::Deleted => "DELETED",
    }
}

/// Meta's bid strategy for a normalized one.
pub fn bid_strategy(strategy: &BidStrategy) -> &'static str {
    match strategy {
        BidStrategy::LowestCost => "LOWEST_COST_WITHOUT_CAP",
        BidStrategy::CostCap => "COST_CAP",
        BidStrategy::BidCap => "LOWEST_COST_WITH_BID_CAP",
    }
}
