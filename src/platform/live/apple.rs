//! Apple specifics of the live adapter: reading answers (either API's shape), and reading
//! objects back; accounts on the Apple Ads Platform API are read back by [`super::apple_v1`].
//!
//! Verified against Apple's reference: `GET /api/v5/campaigns/{id}` (and
//! `…/adgroups/{id}`, `…/adgroups/{id}/ads/{id}`) answers `{data: {…}}` with `dailyBudgetAmount
//! {amount, currency}`, `countriesOrRegions`, `startTime`/`endTime`, `status`, `deleted` and
//! `creationTime` (`2026-03-01T10:00:00.000`, read as UTC); objects are searched with
//! `POST /api/v5/campaigns/find`, `/campaigns/{id}/adgroups/find` and `/campaigns/{id}/ads/find`
//! taking a selector `{conditions: [{field, operator: "EQUALS", values}], pagination}`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::transport::Answer;
use super::{Candidate, Read, id_string, same_time};
use crate::domain::apple_api::AppleApi;
use crate::domain::status::EntityStatus;
use crate::platform::apple::{API_PREFIX, status_code};
use crate::platform::common::{major_string, same_decimal};
use crate::platform::translate::apple_error;
use crate::platform::{AccountContext, NativeRequest, PlatformError, PlatformWrite, REDACTED};

/// The native response of a successful call, or the typed error.
pub(super) fn read_answer(answer: &Answer) -> Result<Value, PlatformError> {
    if (200..300).contains(&answer.status) {
        Ok(answer.body.clone())
    } else {
        Err(apple_error(answer.status, answer.retry_after_secs, &answer.body))
    }
}

/// `data.id` (v5) or `result.id` (v1) of the created or changed object.
pub(super) fn platform_id(write: &PlatformWrite, response: &Value) -> Option<String> {
    id_string(&response["data"]["id"])
        .or_else(|| id_string(&response["result"]["id"]))
        .or_else(|| write.target_id().map(str::to_owned))
}

/// `GET` the object an update changes.
pub(super) fn read_object(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<Option<Read>, PlatformError> {
    if account.apple_api == AppleApi::V1 {
        return super::apple_v1::read_object(account, write);
    }
    let path = match write {
        PlatformWrite::UpdateCampaignBudget { campaign_id, .. }
        | PlatformWrite::UpdateCampaignSchedule { campaign_id, .. }
        | PlatformWrite::UpdateCampaignTargeting { campaign_id, .. }
        | PlatformWrite::SetCampaignStatus { campaign_id, .. } => format!("/campaigns/{campaign_id}"),
        PlatformWrite::SetAdSetStatus { campaign_id, ad_set_id, .. } => {
            format!("/campaigns/{campaign_id}/adgroups/{ad_set_id}")
        }
        PlatformWrite::SetAdStatus { campaign_id, ad_set_id, ad_id, .. } => {
            format!("/campaigns/{campaign_id}/adgroups/{ad_set_id}/ads/{ad_id}")
        }
        _ => return Ok(None),
    };
    Ok(Some(Read { request: authorized(account, "GET", &path)?, query: Vec::new() }))
}

/// The object in a read answer: `data` (v5) or `result` (v1).
pub(super) fn object_in(body: &Value) -> Option<&Value> {
    ["data", "result"].into_iter().map(|key| &body[key]).find(|object| object.is_object())
}

/// Where a campaign shows its daily budget's money object and its countries (JSON pointers):
/// v5 `dailyBudgetAmount` and `countriesOrRegions`; v1 `dailyBudget.value` and
/// `targeting.countryOrRegion.include`.
fn shape(api: AppleApi) -> (&'static str, &'static str) {
    match api {
        AppleApi::V5 => ("/dailyBudgetAmount", "/countriesOrRegions"),
        AppleApi::V1 => ("/dailyBudget/value", "/targeting/countryOrRegion/include"),
    }
}

/// Whether the object shows every field the update sets.
pub(super) fn shows(account: &AccountContext, write: &PlatformWrite, object: &Value) -> bool {
    let (budget_at, countries_at) = shape(account.apple_api);
    match write {
        PlatformWrite::UpdateCampaignBudget { budget, .. } => {
            let money = object.pointer(budget_at).unwrap_or(&Value::Null);
            let Ok(expected) = major_string("dailyBudgetCents", budget.cents(), &account.currency) else {
                return false;
            };
            money["amount"].as_str().is_some_and(|amount| same_decimal(amount, &expected))
                && money["currency"] == json!(account.currency.code())
        }
        PlatformWrite::UpdateCampaignSchedule { start_time, end_time, .. } => {
            start_time.as_ref().is_none_or(|start| same_time(&object["startTime"], Some(start)))
                && same_time(&object["endTime"], end_time.as_ref())
        }
        PlatformWrite::UpdateCampaignTargeting { targeting, .. } => {
            let shown: BTreeSet<&str> = object
                .pointer(countries_at)
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            shown == targeting.countries.iter().map(String::as_str).collect()
        }
        PlatformWrite::SetCampaignStatus { status, .. }
        | PlatformWrite::SetAdSetStatus { status, .. }
        | PlatformWrite::SetAdStatus { status, .. } => match status {
            EntityStatus::Deleted => object["deleted"] == json!(true),
            _ => object["status"] == json!(status_code(status)),
        },
        _ => false,
    }
}

/// Finds the objects a create would have made: by exact name under the parent.
pub(super) fn list_created(
    account: &AccountContext,
    write: &PlatformWrite,
    name: &str,
) -> Result<Read, PlatformError> {
    if account.apple_api == AppleApi::V1 {
        return super::apple_v1::list_created(account, write, name);
    }
    let by_name = json!({ "field": "name", "operator": "EQUALS", "values": [name] });
    let (path, conditions) = match write {
        PlatformWrite::CreateCampaign { .. } => ("/campaigns/find".to_owned(), json!([by_name])),
        PlatformWrite::CreateAdSet { campaign_id, .. } => {
            (format!("/campaigns/{campaign_id}/adgroups/find"), json!([by_name]))
        }
        PlatformWrite::CreateAd { campaign_id, ad_set_id, .. } => {
            let by_group = json!({ "field": "adGroupId", "operator": "EQUALS", "values": [ad_set_id] });
            (format!("/campaigns/{campaign_id}/ads/find"), json!([by_name, by_group]))
        }
        _ => return Err(PlatformError::invalid("write", "not a create")),
    };
    let selector = json!({ "conditions": conditions, "pagination": { "offset": 0, "limit": 1000 } });
    Ok(Read { request: authorized(account, "POST", &path)?.body(selector), query: Vec::new() })
}

/// The found objects of `data` (v5) or `result` (v1), leaving out deleted ones.
pub(super) fn candidates(body: &Value) -> Vec<Candidate<'_>> {
    ["data", "result"]
        .into_iter()
        .find_map(|key| body[key].as_array())
        .map(|list| {
            list.iter()
                .filter(|object| object["deleted"] != json!(true))
                .map(|object| Candidate::new(object, "id", "name", "creationTime"))
                .collect()
        })
        .unwrap_or_default()
}

/// A request below `/api/v5` with the redacted bearer token and the organization context.
fn authorized(account: &AccountContext, method: &str, path: &str) -> Result<NativeRequest, PlatformError> {
    let org_id = account
        .apple_org_id
        .as_deref()
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| PlatformError::invalid("appleOrgId", "required for Apple"))?;
    Ok(NativeRequest::new(method, format!("{API_PREFIX}{path}"))
        .header("Authorization", format!("Bearer {REDACTED}"))
        .header("X-AP-Context", format!("orgId={org_id}")))
}
