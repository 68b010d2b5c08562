//! Apple Ads Platform API v1: the native request for each normalized write.
//!
//! From Apple's reference ("Calling the Apple Ads Platform API", "Managing Ad Accounts and API
//! Access", "Create a Campaign", "CampaignCreate", "Update a Campaign", "CampaignUpdate",
//! "Money", "AdGroupCreate", "Create an Ad Group"): every request carries `Authorization: Bearer`
//! and `X-AP-Context: adAccountId=<id>`; `POST /v1/campaigns` takes a `CampaignCreate` naming
//! what it promotes (`promotedObjectType: APPSTORE_APP`, `promotedObjectId`: the app's `adamId`,
//! both immutable afterwards), `billingEvent` (`TAPS` on the App Store, also immutable),
//! `dailyBudget.value` as `Money {amount, currency}` (a decimal string without leading zeros),
//! `targeting` (`countryOrRegion.include`, `supplyPlacement.include`) and `bidStrategy`
//! (`MANUAL_CPT` with goal `TAP`); `PUT /v1/campaigns/{id}` takes a flat `CampaignUpdate` with
//! only the changed fields (`name`, `startTime`, `endTime`, `status` `ENABLED`/`PAUSED`,
//! `dailyBudget`, `targeting`, `bidStrategy`); `POST /v1/adgroups` takes an `AdGroupCreate` with
//! its `campaignId`, `pricingModel: CPT` and a `bidStrategy` whose `bid` is the default max cost
//! per tap.
//!
//! Chosen where the reference text available when this was written is silent (check these first
//! against Apple's current pages if Apple refuses one):
//! `status` is sent on create so a paused create stays paused; clearing a campaign's end sends
//! `endTime: null`; deleting is `DELETE` on the object's path; ads are `POST /v1/ads` with their
//! `adGroupId` and `PUT`/`DELETE /v1/ads/{id}`, ad groups `PUT`/`DELETE /v1/adgroups/{id}`, the
//! shapes of their v5 counterparts. Ad group age and country targeting is refused: countries are
//! a campaign's targeting in v1, and the ad group age shape is not settled here.
//! Builders are pure: they must not perform I/O, read the clock or hold a token.

use serde_json::{Map, Value, json};

use super::apple::{
    amount, apple_time, campaign_countries, checked_ad_group, checked_create, daily_cents, require_numeric,
    status_fields,
};
use super::common::{check_schedule, check_targeting, require_create_status, require_id, require_name};
use super::error::PlatformError;
use super::native::{NativeRequest, REDACTED};
use super::write::{AccountContext, PlatformWrite};
use crate::domain::campaign::Targeting;
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;

/// The path prefix of every Apple Ads Platform API endpoint.
pub const API_PREFIX: &str = "/v1";

/// What an App Store campaign promotes.
const PROMOTED_OBJECT_TYPE: &str = "APPSTORE_APP";
/// The App Store search results placement.
const SEARCH_RESULTS: &str = "APPSTORE_SEARCH_RESULTS";

/// Translates a normalized write into the Apple Ads Platform API request that performs it.
pub fn build_request(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<NativeRequest, PlatformError> {
    let (method, path, body) = route(account, write)?;
    Ok(authorized(account, method, &path)?.body(body))
}

/// A request below `/v1` with the redacted bearer token and the ad account context.
pub fn authorized(
    account: &AccountContext,
    method: &str,
    path: &str,
) -> Result<NativeRequest, PlatformError> {
    let ad_account = require_numeric("adAccountId", account.ad_account_id.as_deref())?;
    Ok(NativeRequest::new(method, format!("{API_PREFIX}{path}"))
        .header("Authorization", format!("Bearer {REDACTED}"))
        .header("X-AP-Context", format!("adAccountId={ad_account}")))
}

/// The method, path below the prefix, and body of a write.
fn route(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<(&'static str, String, Value), PlatformError> {
    match write {
        PlatformWrite::CreateCampaign { .. } => create_campaign(account, write),
        PlatformWrite::UpdateCampaignBudget { campaign_id, budget } => {
            let mut fields = Map::new();
            fields.insert("dailyBudget".into(), daily_budget(account, budget)?);
            update("/campaigns", campaign_id, fields)
        }
        PlatformWrite::UpdateCampaignBidding { .. } => {
            Err(PlatformError::invalid("bidStrategy", "Apple Ads bids on ad groups, not on campaigns"))
        }
        PlatformWrite::UpdateCampaignSchedule { campaign_id, start_time, end_time } => {
            check_schedule(start_time.as_ref(), end_time.as_ref())?;
            let mut fields = Map::new();
            if let Some(start) = start_time {
                fields.insert("startTime".into(), json!(apple_time(start)));
            }
            fields.insert("endTime".into(), end_time.as_ref().map_or(Value::Null, |t| json!(apple_time(t))));
            update("/campaigns", campaign_id, fields)
        }
        PlatformWrite::UpdateCampaignTargeting { campaign_id, targeting } => {
            let mut fields = Map::new();
            fields.insert("targeting".into(), country_targeting(campaign_countries(targeting)?));
            update("/campaigns", campaign_id, fields)
        }
        PlatformWrite::SetCampaignStatus { campaign_id, status } => {
            status_change("/campaigns", campaign_id, status)
        }
        PlatformWrite::CreateAdSet { .. } => create_ad_group(account, write),
        PlatformWrite::SetAdSetStatus { ad_set_id, status, .. } => {
            status_change("/adgroups", ad_set_id, status)
        }
        PlatformWrite::CreateAd { ad_set_id, name, creative_id, status, .. } => {
            require_create_status(status)?;
            let body = json!({
                "name": require_name(name)?,
                "adGroupId": require_numeric("adSetId", Some(ad_set_id))?,
                "creativeId": require_numeric("creativeId", Some(creative_id))?,
                "status": super::apple::status_code(status),
            });
            Ok(("POST", "/ads".to_owned(), body))
        }
        PlatformWrite::ReplaceAdCreative { .. } => Err(PlatformError::invalid(
            "creativeId",
            "Apple Ads cannot change an ad's creative: create a new ad and pause this one",
        )),
        PlatformWrite::SetAdStatus { ad_id, status, .. } => status_change("/ads", ad_id, status),
    }
}

/// `POST /campaigns`: an App Store search results campaign for the layer's app and countries.
fn create_campaign(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<(&'static str, String, Value), PlatformError> {
    let create = checked_create(account, write)?;
    let mut targeting = country_targeting(create.countries);
    targeting["supplyPlacement"] = json!({ "include": [SEARCH_RESULTS] });
    let mut body = create.schedule;
    body.insert("name".into(), json!(create.name));
    body.insert("promotedObjectType".into(), json!(PROMOTED_OBJECT_TYPE));
    body.insert("promotedObjectId".into(), json!(create.adam_id.to_string()));
    body.insert("billingEvent".into(), json!("TAPS"));
    body.insert("dailyBudget".into(), money_value(account, create.daily_cents)?);
    body.insert("targeting".into(), targeting);
    body.insert("bidStrategy".into(), tap_strategy(None));
    body.insert("status".into(), json!(create.status));
    Ok(("POST", "/campaigns".to_owned(), Value::Object(body)))
}

/// `POST /adgroups`: a cost-per-tap ad group of the campaign with its default max bid.
fn create_ad_group(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<(&'static str, String, Value), PlatformError> {
    let group = checked_ad_group(write)?;
    if let Some(targeting) = group.targeting {
        refuse_ad_group_targeting(targeting)?;
    }
    let body = json!({
        "name": group.name,
        "campaignId": require_numeric("campaignId", Some(group.campaign_id))?,
        "pricingModel": "CPT",
        "automatedKeywordsOptIn": false,
        "status": group.status,
        "bidStrategy": tap_strategy(Some(amount(account, "bidAmountCents", group.bid_cents)?)),
    });
    Ok(("POST", "/adgroups".to_owned(), body))
}

/// Ad groups take the campaign's countries; other targeting is not sent to v1 ad groups.
fn refuse_ad_group_targeting(targeting: &Targeting) -> Result<(), PlatformError> {
    check_targeting(targeting)?;
    if !targeting.countries.is_empty() {
        return Err(PlatformError::invalid(
            "targeting.countries",
            "Apple Ads targets countries on campaigns: change the campaign's targeting",
        ));
    }
    if targeting.age_min.is_some() || targeting.age_max.is_some() {
        return Err(PlatformError::invalid(
            "targeting.age",
            "age targeting on Apple Ads Platform API ad groups is not supported yet",
        ));
    }
    Ok(())
}

/// `{bidStrategyType: MANUAL_CPT, bidStrategyGoal: TAP}`, with the ad group's default bid.
fn tap_strategy(bid: Option<Value>) -> Value {
    let mut strategy = json!({ "bidStrategyType": "MANUAL_CPT", "bidStrategyGoal": "TAP" });
    if let Some(bid) = bid {
        strategy["bid"] = bid;
    }
    strategy
}

/// `{value: Money}`: a campaign's daily budget; a lifetime budget is refused.
fn daily_budget(account: &AccountContext, budget: &Budget) -> Result<Value, PlatformError> {
    money_value(account, daily_cents(budget)?)
}

/// `{value: Money}` of a daily budget in minor units.
fn money_value(account: &AccountContext, cents: i64) -> Result<Value, PlatformError> {
    Ok(json!({ "value": amount(account, "dailyBudgetCents", cents)? }))
}

/// `{countryOrRegion: {include: [...]}}`.
fn country_targeting(countries: &[String]) -> Value {
    json!({ "countryOrRegion": { "include": countries } })
}

/// `PUT <collection>/<id>` with only the changed fields.
fn update(
    collection: &str,
    id: &str,
    fields: Map<String, Value>,
) -> Result<(&'static str, String, Value), PlatformError> {
    Ok(("PUT", object_path(collection, id)?, Value::Object(fields)))
}

/// `<collection>/<id>`, the id checked under the normalized name of its object.
fn object_path(collection: &str, id: &str) -> Result<String, PlatformError> {
    let field = match collection {
        "/campaigns" => "campaignId",
        "/adgroups" => "adSetId",
        _ => "adId",
    };
    Ok(format!("{collection}/{}", require_id(field, id)?))
}

/// A status change: `DELETE` for deleted, else `PUT {status}`.
fn status_change(
    collection: &str,
    id: &str,
    status: &EntityStatus,
) -> Result<(&'static str, String, Value), PlatformError> {
    match status {
        EntityStatus::Deleted => Ok(("DELETE", object_path(collection, id)?, Value::Null)),
        _ => update(collection, id, status_fields(status)),
    }
}
