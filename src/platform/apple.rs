//! Apple Search Ads Campaign Management API v5: the native request for each normalized write.
//!
//! Apple takes money as `{amount: "50.50", currency: "USD"}` (an exact decimal string in the
//! layer's currency), runs app-install campaigns only, and has no lifetime budget since v5.6.
//! Builders are pure: they must not perform I/O, read the clock or hold a token.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::common::{
    budget_cents, check_bid, check_countries, check_schedule, check_targeting, major_string,
    require_create_status, require_id, require_name,
};
use super::error::PlatformError;
use super::native::{NativeRequest, REDACTED};
use super::write::{AccountContext, PlatformWrite};
use crate::domain::Platform;
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;

/// The path prefix of every Campaign Management API v5 endpoint.
pub const API_PREFIX: &str = "/api/v5";

/// Translates a normalized write into the Apple Search Ads request that performs it.
pub fn build_request(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<NativeRequest, PlatformError> {
    let org_id = require_numeric("appleOrgId", account.apple_org_id.as_deref())?;
    let (method, path, body) = route(account, write)?;
    let request = NativeRequest::new(method, format!("{API_PREFIX}{path}"))
        .header("Authorization", format!("Bearer {REDACTED}"))
        .header("X-AP-Context", format!("orgId={org_id}"));
    Ok(request.body(body))
}

/// The method, path below the prefix, and body of a write.
fn route(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<(&'static str, String, Value), PlatformError> {
    match write {
        PlatformWrite::CreateCampaign { .. } => create_campaign(account, write),
        PlatformWrite::UpdateCampaignBudget { campaign_id, budget } => {
            update_campaign(campaign_id, daily_budget(account, budget)?)
        }
        PlatformWrite::UpdateCampaignBidding { .. } => {
            Err(PlatformError::invalid("bidStrategy", "Apple Search Ads bids on ad groups, not on campaigns"))
        }
        PlatformWrite::UpdateCampaignSchedule { campaign_id, start_time, end_time } => {
            check_schedule(start_time.as_ref(), end_time.as_ref())?;
            let mut fields = Map::new();
            if let Some(start) = start_time {
                fields.insert("startTime".into(), json!(apple_time(start)));
            }
            let end = end_time.as_ref().map_or(Value::Null, |t| json!(apple_time(t)));
            fields.insert("endTime".into(), end);
            update_campaign(campaign_id, fields)
        }
        PlatformWrite::UpdateCampaignTargeting { campaign_id, targeting } => {
            update_campaign(campaign_id, campaign_targeting(targeting)?)
        }
        PlatformWrite::SetCampaignStatus { campaign_id, status } => {
            let path = format!("/campaigns/{}", require_id("campaignId", campaign_id)?);
            match status {
                EntityStatus::Deleted => Ok(("DELETE", path, Value::Null)),
                _ => update_campaign(campaign_id, status_fields(status)),
            }
        }
        PlatformWrite::CreateAdSet { .. } => create_ad_group(account, write),
        PlatformWrite::SetAdSetStatus { campaign_id, ad_set_id, status } => {
            let path = ad_group_path(campaign_id, ad_set_id)?;
            Ok(status_change(path, status))
        }
        PlatformWrite::CreateAd { .. } => create_ad(write),
        PlatformWrite::ReplaceAdCreative { .. } => Err(PlatformError::invalid(
            "creativeId",
            "Apple Search Ads cannot change an ad's creative: create a new ad and pause this one",
        )),
        PlatformWrite::SetAdStatus { campaign_id, ad_set_id, ad_id, status } => {
            let ads = ad_group_path(campaign_id, ad_set_id)?;
            let path = format!("{ads}/ads/{}", require_id("adId", ad_id)?);
            Ok(status_change(path, status))
        }
    }
}

/// `POST /campaigns`: an App Store search results campaign for the layer's app and countries.
fn create_campaign(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<(&'static str, String, Value), PlatformError> {
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
    require_app_installs(outcome)?;
    require_create_status(status)?;
    require_lowest_cost(bid_strategy, *bid_amount_cents)?;
    check_schedule(start_time.as_ref(), end_time.as_ref())?;
    let adam_id = require_numeric("appleAdamId", account.apple_adam_id.as_deref())?;
    let mut body = daily_budget(account, budget)?;
    body.insert("name".into(), json!(require_name(name)?));
    body.insert("adamId".into(), json!(adam_id));
    body.insert("countriesOrRegions".into(), json!(countries(account)?));
    body.insert("supplySources".into(), json!(["APPSTORE_SEARCH_RESULTS"]));
    body.insert("adChannelType".into(), json!("SEARCH"));
    body.insert("billingEvent".into(), json!("TAPS"));
    body.insert("status".into(), json!(status_code(status)));
    if let Some(start) = start_time {
        body.insert("startTime".into(), json!(apple_time(start)));
    }
    if let Some(end) = end_time {
        body.insert("endTime".into(), json!(apple_time(end)));
    }
    Ok(("POST", "/campaigns".to_owned(), Value::Object(body)))
}

/// `POST /campaigns/<cid>/adgroups`: a cost-per-tap ad group with its default max bid.
fn create_ad_group(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<(&'static str, String, Value), PlatformError> {
    let PlatformWrite::CreateAdSet {
        campaign_id,
        name,
        daily_budget_cents,
        bid_amount_cents,
        targeting,
        status,
        ..
    } = write
    else {
        return Err(PlatformError::invalid("write", "not an ad set create"));
    };
    require_create_status(status)?;
    if daily_budget_cents.is_some() {
        return Err(PlatformError::invalid(
            "dailyBudgetCents",
            "Apple Search Ads budgets campaigns, not ad groups",
        ));
    }
    let bid_cents = bid_amount_cents
        .ok_or_else(|| PlatformError::invalid("bidAmountCents", "Apple ad groups need a default max bid"))?;
    let body = json!({
        "name": require_name(name)?,
        "pricingModel": "CPC",
        "defaultBidAmount": amount(account, "bidAmountCents", bid_cents)?,
        "automatedKeywordsOptIn": false,
        "status": status_code(status),
        "targetingDimensions": ad_group_targeting(targeting.as_ref())?,
    });
    let path = format!("/campaigns/{}/adgroups", require_id("campaignId", campaign_id)?);
    Ok(("POST", path, body))
}

/// `POST /campaigns/<cid>/adgroups/<agid>/ads`: one creative in an ad group.
fn create_ad(write: &PlatformWrite) -> Result<(&'static str, String, Value), PlatformError> {
    let PlatformWrite::CreateAd { campaign_id, ad_set_id, name, creative_id, status, .. } = write else {
        return Err(PlatformError::invalid("write", "not an ad create"));
    };
    require_create_status(status)?;
    let body = json!({
        "name": require_name(name)?,
        "creativeId": require_numeric("creativeId", Some(creative_id))?,
        "status": status_code(status),
    });
    Ok(("POST", format!("{}/ads", ad_group_path(campaign_id, ad_set_id)?), body))
}

/// `PUT /campaigns/<id>` with the changed campaign fields.
fn update_campaign(
    campaign_id: &str,
    fields: Map<String, Value>,
) -> Result<(&'static str, String, Value), PlatformError> {
    let path = format!("/campaigns/{}", require_id("campaignId", campaign_id)?);
    let body = json!({
        "clearGeoTargetingOnCountryOrRegionChange": false,
        "campaign": Value::Object(fields),
    });
    Ok(("PUT", path, body))
}

/// A status change on an ad group or ad: `DELETE` for deleted, else `PUT {status}`.
fn status_change(path: String, status: &EntityStatus) -> (&'static str, String, Value) {
    match status {
        EntityStatus::Deleted => ("DELETE", path, Value::Null),
        _ => ("PUT", path, Value::Object(status_fields(status))),
    }
}

/// `/campaigns/<cid>/adgroups/<agid>`.
fn ad_group_path(campaign_id: &str, ad_set_id: &str) -> Result<String, PlatformError> {
    Ok(format!(
        "/campaigns/{}/adgroups/{}",
        require_id("campaignId", campaign_id)?,
        require_id("adSetId", ad_set_id)?
    ))
}

/// `{dailyBudgetAmount: {amount, currency}}`; a lifetime budget is refused.
fn daily_budget(account: &AccountContext, budget: &Budget) -> Result<Map<String, Value>, PlatformError> {
    if let Budget::Lifetime(_) = budget {
        return Err(PlatformError::invalid(
            "lifetimeBudgetCents",
            "Apple Search Ads has no lifetime budget since API v5.6: use a daily budget",
        ));
    }
    let cents = budget_cents(budget)?;
    let mut fields = Map::new();
    fields.insert("dailyBudgetAmount".into(), amount(account, "dailyBudgetCents", cents)?);
    Ok(fields)
}

/// Apple's money object: the exact decimal string and the layer's currency code.
fn amount(account: &AccountContext, field: &str, cents: i64) -> Result<Value, PlatformError> {
    let value = major_string(field, cents, &account.currency)?;
    Ok(json!({ "amount": value, "currency": account.currency.code() }))
}

/// The campaign's countries: only countries, since Apple targets ages on ad groups.
fn campaign_targeting(targeting: &Targeting) -> Result<Map<String, Value>, PlatformError> {
    check_targeting(targeting)?;
    if targeting.age_min.is_some() || targeting.age_max.is_some() {
        return Err(PlatformError::invalid(
            "targeting.age",
            "Apple Search Ads targets ages on ad groups, not on campaigns",
        ));
    }
    if targeting.countries.is_empty() {
        return Err(PlatformError::invalid(
            "targeting.countries",
            "Apple campaigns need at least one country or region",
        ));
    }
    let mut fields = Map::new();
    fields.insert("countriesOrRegions".into(), json!(targeting.countries));
    Ok(fields)
}

/// An ad group's `targetingDimensions`: age range and countries within the campaign's.
fn ad_group_targeting(targeting: Option<&Targeting>) -> Result<Value, PlatformError> {
    let mut dimensions = Map::new();
    let Some(targeting) = targeting else {
        return Ok(Value::Object(dimensions));
    };
    check_targeting(targeting)?;
    if targeting.age_min.is_some() || targeting.age_max.is_some() {
        let range = json!({ "minAge": targeting.age_min, "maxAge": targeting.age_max });
        dimensions.insert("age".into(), json!({ "included": [range] }));
    }
    if !targeting.countries.is_empty() {
        dimensions.insert("country".into(), json!({ "included": targeting.countries }));
    }
    Ok(Value::Object(dimensions))
}

/// The layer's countries, at least one.
fn countries(account: &AccountContext) -> Result<&[String], PlatformError> {
    check_countries(&account.countries)?;
    if account.countries.is_empty() {
        return Err(PlatformError::invalid(
            "countries",
            "the Apple layer needs at least one country or region",
        ));
    }
    Ok(&account.countries)
}

/// Refuses any outcome but app installs.
fn require_app_installs(outcome: &Outcome) -> Result<(), PlatformError> {
    if outcome.supported_on(Platform::Apple) {
        Ok(())
    } else {
        Err(PlatformError::invalid("outcome", "Apple Search Ads runs app-install campaigns only"))
    }
}

/// Refuses campaign-level caps: Apple bids per ad group.
fn require_lowest_cost(strategy: &BidStrategy, amount: Option<i64>) -> Result<(), PlatformError> {
    match (strategy, check_bid(strategy, amount)?) {
        (BidStrategy::LowestCost, None) => Ok(()),
        _ => Err(PlatformError::invalid(
            "bidStrategy",
            "Apple Search Ads bids on ad groups: campaigns take no bid cap",
        )),
    }
}

/// A required numeric id (org id, app `adamId`, creative id) as a JSON integer.
fn require_numeric(field: &str, value: Option<&str>) -> Result<u64, PlatformError> {
    let value = value.ok_or_else(|| PlatformError::invalid(field, "required for Apple"))?;
    value.parse().map_err(|_| PlatformError::invalid(field, "must be a numeric Apple id"))
}

/// `{status}` for a campaign, ad group or ad (`ENABLED`, or `PAUSED` for paused and archived).
fn status_fields(status: &EntityStatus) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("status".into(), json!(status_code(status)));
    fields
}

/// Apple's status: there is no archive, so archived pauses; deleted is a `DELETE` request.
pub fn status_code(status: &EntityStatus) -> &'static str {
    match status {
        EntityStatus::Active => "ENABLED",
        EntityStatus::Paused | EntityStatus::Archived | EntityStatus::Deleted => "PAUSED",
    }
}

/// Apple's timestamp format (`2026-03-01T00:00:00.000`, UTC).
fn apple_time(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}
