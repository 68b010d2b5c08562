//! Apple Search Ads Campaign Management API v5: the native request for each normalized write.
//!
//! Apple takes money as `{amount: "50.50", currency: "USD"}` (an exact decimal string in the
//! layer's currency), runs app-install campaigns only, and has no lifetime budget since v5.6.
//! A v5 campaign update ("Update a Campaign", `PUT /api/v5/campaigns/{id}`) changes countries or
//! regions, the budget, the name and the status only: a campaign's schedule cannot be changed
//! there, so a schedule change is refused before anything is sent. Accounts on the Apple Ads
//! Platform API v1 are built by [`super::apple_v1`]; the checks both APIs share live here.
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
use crate::domain::apple_api::AppleApi;
use crate::domain::campaign::{BidStrategy, Outcome, Targeting};
use crate::domain::money::Budget;
use crate::domain::status::EntityStatus;

/// The path prefix of every Campaign Management API v5 endpoint.
pub const API_PREFIX: &str = "/api/v5";

/// Translates a normalized write into the Apple request that performs it, on the API the
/// account speaks.
pub fn build_request(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<NativeRequest, PlatformError> {
    if account.apple_api == AppleApi::V1 {
        return super::apple_v1::build_request(account, write);
    }
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
        PlatformWrite::UpdateCampaignSchedule { start_time, end_time, .. } => {
            check_schedule(start_time.as_ref(), end_time.as_ref())?;
            Err(PlatformError::invalid(
                if end_time.is_some() || start_time.is_none() { "endTime" } else { "startTime" },
                "Apple Search Ads API v5 cannot change a campaign's schedule (its campaign update \
                 takes countries, budget, name and status only): reconnect the Apple account, \
                 which moves it to the Apple Ads Platform API, to change it",
            ))
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
    let create = checked_create(account, write)?;
    let mut body = create.schedule;
    body.insert("dailyBudgetAmount".into(), amount(account, "dailyBudgetCents", create.daily_cents)?);
    body.insert("name".into(), json!(create.name));
    body.insert("adamId".into(), json!(create.adam_id));
    body.insert("countriesOrRegions".into(), json!(create.countries));
    body.insert("supplySources".into(), json!(["APPSTORE_SEARCH_RESULTS"]));
    body.insert("adChannelType".into(), json!("SEARCH"));
    body.insert("billingEvent".into(), json!("TAPS"));
    body.insert("status".into(), json!(create.status));
    Ok(("POST", "/campaigns".to_owned(), Value::Object(body)))
}

/// A campaign create both Apple APIs can take, checked: an app-install campaign of the layer's
/// app in its countries, created active or paused, with a daily budget and no campaign bid cap.
pub(super) struct CheckedCreate<'a> {
    /// The campaign name.
    pub name: &'a str,
    /// The promoted app's `adamId`.
    pub adam_id: u64,
    /// The layer's countries, at least one.
    pub countries: &'a [String],
    /// The daily budget in minor units.
    pub daily_cents: i64,
    /// `ENABLED` or `PAUSED`.
    pub status: &'static str,
    /// `startTime` and `endTime`, those that are set, in Apple's format.
    pub schedule: Map<String, Value>,
}

/// Checks a campaign create for Apple.
pub(super) fn checked_create<'a>(
    account: &'a AccountContext,
    write: &'a PlatformWrite,
) -> Result<CheckedCreate<'a>, PlatformError> {
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
    let mut schedule = Map::new();
    for (field, time) in [("startTime", start_time), ("endTime", end_time)] {
        if let Some(time) = time {
            schedule.insert(field.into(), json!(apple_time(time)));
        }
    }
    Ok(CheckedCreate {
        name: require_name(name)?,
        adam_id: require_numeric("appleAdamId", account.apple_adam_id.as_deref())?,
        countries: countries(account)?,
        daily_cents: daily_cents(budget)?,
        status: status_code(status),
        schedule,
    })
}

/// `POST /campaigns/<cid>/adgroups`: a cost-per-tap ad group with its default max bid.
fn create_ad_group(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<(&'static str, String, Value), PlatformError> {
    let group = checked_ad_group(write)?;
    let body = json!({
        "name": group.name,
        "pricingModel": "CPC",
        "defaultBidAmount": amount(account, "bidAmountCents", group.bid_cents)?,
        "automatedKeywordsOptIn": false,
        "status": group.status,
        "targetingDimensions": ad_group_targeting(group.targeting)?,
    });
    let path = format!("/campaigns/{}/adgroups", require_id("campaignId", group.campaign_id)?);
    Ok(("POST", path, body))
}

/// An ad group create both Apple APIs can take, checked: created active or paused, with a
/// default max bid and no budget of its own.
pub(super) struct CheckedAdGroup<'a> {
    /// The platform's campaign id.
    pub campaign_id: &'a str,
    /// The ad group name.
    pub name: &'a str,
    /// The default max cost per tap, in minor units.
    pub bid_cents: i64,
    /// Who to reach, when given.
    pub targeting: Option<&'a Targeting>,
    /// `ENABLED` or `PAUSED`.
    pub status: &'static str,
}

/// Checks an ad group create for Apple.
pub(super) fn checked_ad_group(write: &PlatformWrite) -> Result<CheckedAdGroup<'_>, PlatformError> {
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
    Ok(CheckedAdGroup {
        campaign_id,
        name: require_name(name)?,
        bid_cents,
        targeting: targeting.as_ref(),
        status: status_code(status),
    })
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
    let mut fields = Map::new();
    fields.insert("dailyBudgetAmount".into(), amount(account, "dailyBudgetCents", daily_cents(budget)?)?);
    Ok(fields)
}

/// A daily budget's amount; Apple has no lifetime budget.
pub(super) fn daily_cents(budget: &Budget) -> Result<i64, PlatformError> {
    if let Budget::Lifetime(_) = budget {
        return Err(PlatformError::invalid(
            "lifetimeBudgetCents",
            "Apple Search Ads has no lifetime budget since API v5.6: use a daily budget",
        ));
    }
    budget_cents(budget)
}

/// Apple's money object: the exact decimal string and the layer's currency code.
pub(super) fn amount(account: &AccountContext, field: &str, cents: i64) -> Result<Value, PlatformError> {
    let value = major_string(field, cents, &account.currency)?;
    Ok(json!({ "amount": value, "currency": account.currency.code() }))
}

/// The campaign's countries: only countries, since Apple targets ages on ad groups.
fn campaign_targeting(targeting: &Targeting) -> Result<Map<String, Value>, PlatformError> {
    let mut fields = Map::new();
    fields.insert("countriesOrRegions".into(), json!(campaign_countries(targeting)?));
    Ok(fields)
}

/// The countries of a campaign targeting change: at least one, and no ages.
pub(super) fn campaign_countries(targeting: &Targeting) -> Result<&[String], PlatformError> {
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
    Ok(&targeting.countries)
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
pub(super) fn require_numeric(field: &str, value: Option<&str>) -> Result<u64, PlatformError> {
    let value = value.ok_or_else(|| PlatformError::invalid(field, "required for Apple"))?;
    value.parse().map_err(|_| PlatformError::invalid(field, "must be a numeric Apple id"))
}

/// `{status}` for a campaign, ad group or ad (`ENABLED`, or `PAUSED` for paused and archived).
pub(super) fn status_fields(status: &EntityStatus) -> Map<String, Value> {
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
pub(super) fn apple_time(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}
