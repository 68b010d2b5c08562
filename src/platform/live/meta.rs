//! Meta Marketing API specifics of the live adapter: reading answers, and reading objects back.
//!
//! Verified against Meta's reference: an object is read with `GET /{version}/{id}?fields=…`
//! (budgets come back as strings in Meta's unit for the currency, compared here in that unit, `start_time`/`stop_time` as
//! `2026-03-01T00:00:00+0000`); objects under a parent are listed through the
//! `act_<id>/campaigns`, `<campaign>/adsets` and `<adset>/ads` edges with `fields=id,name,created_time`
//! and a `filtering` on `name` (names are compared exactly here as well).

use serde_json::{Value, json};

use super::transport::Answer;
use super::{Candidate, Read, id_string, same_time};
use crate::domain::money::Budget;
use crate::platform::common::require_ad_account;
use crate::platform::error::NativeErrorDetail;
use crate::platform::meta::meta_money;
use crate::platform::meta::{bid_strategy, status_code};
use crate::platform::translate::meta_error;
use crate::platform::{AccountContext, NativeRequest, PlatformError, PlatformWrite, REDACTED};

/// The native response of a successful call, or the typed error.
pub(super) fn read_answer(answer: &Answer) -> Result<Value, PlatformError> {
    let success = (200..300).contains(&answer.status) && answer.body.get("error").is_none();
    if success && answer.body.is_object() {
        return Ok(answer.body.clone());
    }
    if success {
        return Err(PlatformError::permanent(
            "Meta answered success with an unreadable body: the write may have been applied",
        )
        .with_native(NativeErrorDetail::Http { http_status: answer.status }));
    }
    Err(meta_error(answer.status, &answer.body).with_retry_after(answer.retry_after_secs))
}

/// Meta answers a create with `{id}` and an update with `{success: true}`.
pub(super) fn platform_id(write: &PlatformWrite, response: &Value) -> Option<String> {
    id_string(&response["id"]).or_else(|| write.target_id().map(str::to_owned))
}

/// `GET /{version}/{id}?fields=…` for the fields an update sets.
pub(super) fn read_object(version: &str, write: &PlatformWrite) -> Option<Read> {
    let fields = match write {
        PlatformWrite::UpdateCampaignBudget { .. } => "daily_budget,lifetime_budget",
        PlatformWrite::UpdateCampaignBidding { .. } => "bid_strategy,bid_amount",
        PlatformWrite::UpdateCampaignSchedule { .. } => "start_time,stop_time",
        PlatformWrite::SetCampaignStatus { .. }
        | PlatformWrite::SetAdSetStatus { .. }
        | PlatformWrite::SetAdStatus { .. } => "status",
        PlatformWrite::ReplaceAdCreative { .. } => "creative",
        _ => return None,
    };
    let id = write.target_id()?;
    let request = authorized(NativeRequest::new("GET", format!("/{version}/{id}")));
    Some(Read { request, query: vec![("fields".into(), format!("id,{fields}"))] })
}

/// The object in a read answer.
pub(super) fn object_in(body: &Value) -> Option<&Value> {
    body.is_object().then_some(body)
}

/// Whether the object shows every field the update sets (amounts in Meta's unit).
pub(super) fn shows(account: &AccountContext, write: &PlatformWrite, object: &Value) -> bool {
    let same_money = |value: &Value, cents: i64| {
        meta_money(account, "amount", cents).is_ok_and(|amount| same_integer(value, amount))
    };
    match write {
        PlatformWrite::UpdateCampaignBudget { budget, .. } => {
            let key = match budget {
                Budget::Daily(_) => "daily_budget",
                Budget::Lifetime(_) => "lifetime_budget",
            };
            same_money(&object[key], budget.cents())
        }
        PlatformWrite::UpdateCampaignBidding { bid_strategy: strategy, bid_amount_cents, .. } => {
            object["bid_strategy"] == json!(bid_strategy(strategy))
                && bid_amount_cents.is_none_or(|cents| same_money(&object["bid_amount"], cents))
        }
        PlatformWrite::UpdateCampaignSchedule { start_time, end_time, .. } => {
            start_time.as_ref().is_none_or(|start| same_time(&object["start_time"], Some(start)))
                && same_time(&object["stop_time"], end_time.as_ref())
        }
        PlatformWrite::SetCampaignStatus { status, .. }
        | PlatformWrite::SetAdSetStatus { status, .. }
        | PlatformWrite::SetAdStatus { status, .. } => object["status"] == json!(status_code(status)),
        PlatformWrite::ReplaceAdCreative { creative_id, .. } => {
            id_string(&object["creative"]["id"]).as_deref() == Some(creative_id.as_str())
        }
        _ => false,
    }
}

/// Lists the objects a create would have made: the parent's edge filtered by name.
pub(super) fn list_created(
    version: &str,
    account: &AccountContext,
    write: &PlatformWrite,
    name: &str,
) -> Result<Read, PlatformError> {
    let path = match write {
        PlatformWrite::CreateCampaign { .. } => {
            format!("/{version}/act_{}/campaigns", require_ad_account(account)?)
        }
        PlatformWrite::CreateAdSet { campaign_id, .. } => format!("/{version}/{campaign_id}/adsets"),
        PlatformWrite::CreateAd { ad_set_id, .. } => format!("/{version}/{ad_set_id}/ads"),
        _ => return Err(PlatformError::invalid("write", "not a create")),
    };
    let filtering = json!([{ "field": "name", "operator": "EQUAL", "value": name }]);
    let query = vec![
        ("fields".into(), "id,name,created_time".into()),
        ("filtering".into(), filtering.to_string()),
        ("limit".into(), "100".into()),
    ];
    Ok(Read { request: authorized(NativeRequest::new("GET", path)), query })
}

/// The listed objects: `{data: [{id, name, created_time}]}`.
pub(super) fn candidates(body: &Value) -> Vec<Candidate<'_>> {
    body["data"]
        .as_array()
        .map(|list| list.iter().map(|object| Candidate::new(object, "id", "name", "created_time")).collect())
        .unwrap_or_default()
}

/// Adds the redacted bearer token.
fn authorized(request: NativeRequest) -> NativeRequest {
    request.header("Authorization", format!("Bearer {REDACTED}"))
}

/// Whether a Meta integer (sent back as a string or a number) equals `expected`.
fn same_integer(value: &Value, expected: i64) -> bool {
    match value {
        Value::String(text) => text.parse::<i64>().ok() == Some(expected),
        Value::Number(number) => number.as_i64() == Some(expected),
        _ => false,
    }
}
