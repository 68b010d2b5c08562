//! TikTok Business API v1.3 specifics of the live adapter: reading answers, and reading objects back.
//!
//! Verified against TikTok's reference: objects are read with `GET /open_api/v1.3/campaign/get/`
//! (`adgroup/get/`, `ad/get/`) taking `advertiser_id` and a JSON `filtering` in the query
//! (`campaign_ids`, `adgroup_ids`, `ad_ids`; `campaign_name` matches fuzzily, so names are compared
//! exactly here); the answer is the usual envelope with `data.list`, each object carrying
//! `create_time` as `2026-03-01 10:00:00` (UTC).

use serde_json::{Value, json};

use super::transport::Answer;
use super::{Candidate, Read, id_string};
use crate::domain::campaign::BidStrategy;
use crate::domain::status::EntityStatus;
use crate::platform::common::{major_string, require_ad_account, same_decimal};
use crate::platform::tiktok::{API_PREFIX, budget_mode, operation_status};
use crate::platform::translate::tiktok_envelope;
use crate::platform::{AccountContext, NativeRequest, PlatformError, PlatformWrite, REDACTED};

/// The native response (the whole envelope) of a successful call, or the typed error: a
/// non-zero `code` is an error even under HTTP 200.
pub(super) fn read_answer(answer: &Answer) -> Result<Value, PlatformError> {
    tiktok_envelope(answer.status, &answer.body)
        .map(|_| answer.body.clone())
        .map_err(|error| error.with_retry_after(answer.retry_after_secs))
}

/// `data.campaign_id` / `adgroup_id` / `ad_ids[0]` (or the id lists of a status update).
pub(super) fn platform_id(write: &PlatformWrite, response: &Value) -> Option<String> {
    let data = &response["data"];
    ["campaign_id", "adgroup_id", "ad_id"]
        .iter()
        .find_map(|key| id_string(&data[*key]))
        .or_else(|| {
            ["ad_ids", "adgroup_ids", "campaign_ids"].iter().find_map(|key| id_string(&data[*key][0]))
        })
        .or_else(|| write.target_id().map(str::to_owned))
}

/// The object an update changes, read with its entity's `get` endpoint.
pub(super) fn read_object(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<Option<Read>, PlatformError> {
    let id = match write.target_id() {
        Some(id) => id,
        None => return Ok(None),
    };
    let (entity, key) = match write {
        PlatformWrite::SetAdSetStatus { .. } => ("adgroup", "adgroup_ids"),
        PlatformWrite::ReplaceAdCreative { .. } | PlatformWrite::SetAdStatus { .. } => ("ad", "ad_ids"),
        _ => ("campaign", "campaign_ids"),
    };
    get(account, entity, &json!({ key: [id] })).map(Some)
}

/// The object in a read answer: the first of `data.list`.
pub(super) fn object_in(body: &Value) -> Option<&Value> {
    body["data"]["list"].get(0)
}

/// Whether the object shows every field the update sets (`None`: the object is gone).
pub(super) fn shows(account: &AccountContext, write: &PlatformWrite, object: &Value) -> bool {
    let decimal = |value: &Value, cents: i64| {
        let Ok(expected) = major_string("amount", cents, &account.currency) else { return false };
        match value {
            Value::Number(number) => same_decimal(&number.to_string(), &expected),
            Value::String(text) => same_decimal(text, &expected),
            _ => false,
        }
    };
    match write {
        PlatformWrite::UpdateCampaignBudget { budget, .. } => {
            decimal(&object["budget"], budget.cents())
                && (object["budget_mode"].is_null() || object["budget_mode"] == json!(budget_mode(budget)))
        }
        PlatformWrite::UpdateCampaignBidding { bid_strategy, bid_amount_cents, .. } => {
            let (bid_type, key) = match bid_strategy {
                BidStrategy::LowestCost => ("BID_TYPE_NO_BID", None),
                BidStrategy::CostCap => ("BID_TYPE_CUSTOM", Some("conversion_bid_price")),
                BidStrategy::BidCap => ("BID_TYPE_CUSTOM", Some("bid_price")),
            };
            object["bid_type"] == json!(bid_type)
                && match (key, bid_amount_cents) {
                    (Some(key), Some(cents)) => decimal(&object[key], *cents),
                    _ => true,
                }
        }
        PlatformWrite::SetCampaignStatus { status, .. }
        | PlatformWrite::SetAdSetStatus { status, .. }
        | PlatformWrite::SetAdStatus { status, .. } => match status {
            EntityStatus::Deleted => {
                object["secondary_status"].as_str().is_some_and(|s| s.ends_with("_DELETE"))
                    || object["operation_status"] == json!("DELETE")
            }
            _ => object["operation_status"] == json!(operation_status(status)),
        },
        PlatformWrite::ReplaceAdCreative { creative_id, .. } => {
            id_string(&object["video_id"]).as_deref() == Some(creative_id.as_str())
        }
        _ => false,
    }
}

/// Lists the objects a create would have made: campaigns by name and creation time, ad groups of
/// the campaign, ads of the ad group.
pub(super) fn list_created(
    account: &AccountContext,
    write: &PlatformWrite,
    name: &str,
    sent_after: chrono::DateTime<chrono::Utc>,
) -> Result<Read, PlatformError> {
    match write {
        PlatformWrite::CreateCampaign { .. } => {
            let since = sent_after.format("%Y-%m-%d %H:%M:%S").to_string();
            get(account, "campaign", &json!({ "campaign_name": name, "creation_filter_start_time": since }))
        }
        PlatformWrite::CreateAdSet { campaign_id, .. } => {
            get(account, "adgroup", &json!({ "campaign_ids": [campaign_id] }))
        }
        PlatformWrite::CreateAd { ad_set_id, .. } => {
            get(account, "ad", &json!({ "adgroup_ids": [ad_set_id] }))
        }
        _ => Err(PlatformError::invalid("write", "not a create")),
    }
}

/// The listed objects of `data.list`, with their entity's id and name fields.
pub(super) fn candidates<'a>(write: &PlatformWrite, body: &'a Value) -> Vec<Candidate<'a>> {
    let (id, name) = match write {
        PlatformWrite::CreateAdSet { .. } => ("adgroup_id", "adgroup_name"),
        PlatformWrite::CreateAd { .. } => ("ad_id", "ad_name"),
        _ => ("campaign_id", "campaign_name"),
    };
    body["data"]["list"]
        .as_array()
        .map(|list| list.iter().map(|object| Candidate::new(object, id, name, "create_time")).collect())
        .unwrap_or_default()
}

/// `GET /open_api/v1.3/<entity>/get/?advertiser_id=…&filtering=…`.
fn get(account: &AccountContext, entity: &str, filtering: &Value) -> Result<Read, PlatformError> {
    let advertiser_id = require_ad_account(account)?;
    let request =
        NativeRequest::new("GET", format!("{API_PREFIX}/{entity}/get/")).header("Access-Token", REDACTED);
    let query = vec![
        ("advertiser_id".into(), advertiser_id.to_owned()),
        ("filtering".into(), filtering.to_string()),
        ("page_size".into(), "100".into()),
    ];
    Ok(Read { request, query })
}
