//! Apple Ads Platform API v1 specifics of the live adapter: where objects are read back from
//! (what they show is compared in [`super::apple`]).
//!
//! From Apple's reference: an object is answered as `{result: {…}}` ("Update a Campaign"'s
//! response, `CampaignResponse`), a query as `{result: […], pagination}`
//! (`CampaignQueryResponse`); a `Campaign` shows `dailyBudget.value {amount, currency}`,
//! `targeting.countryOrRegion.include`, `startTime`/`endTime`, `status`, `deleted` and
//! `creationTime` (`2025-01-10T08:00:00.000`, read as UTC). Objects are searched with
//! `POST /v1/campaigns/query` (and `/v1/adgroups/query`, `/v1/ads/query`) taking Apple's
//! `QueryRequest`: `{filters: [QueryFilter {field, operator: "EQUALS", value: [..]}],
//! pagination: {offset, pageSize}}` (the `QueryRequest` and `QueryFilter` pages; `value` holds
//! one value or several, as in Apple's own `EQUALS` examples). Chosen where the text available
//! here is silent: objects are read with `GET /v1/campaigns/{id}`, `/v1/adgroups/{id}` and
//! `/v1/ads/{id}`.

use serde_json::json;

use super::Read;
use crate::platform::apple_v1::authorized;
use crate::platform::{AccountContext, PlatformError, PlatformWrite};

/// `GET` the object an update changes.
pub(super) fn read_object(
    account: &AccountContext,
    write: &PlatformWrite,
) -> Result<Option<Read>, PlatformError> {
    let path = match write {
        PlatformWrite::UpdateCampaignBudget { campaign_id, .. }
        | PlatformWrite::UpdateCampaignSchedule { campaign_id, .. }
        | PlatformWrite::UpdateCampaignTargeting { campaign_id, .. }
        | PlatformWrite::SetCampaignStatus { campaign_id, .. } => format!("/campaigns/{campaign_id}"),
        PlatformWrite::SetAdSetStatus { ad_set_id, .. } => format!("/adgroups/{ad_set_id}"),
        PlatformWrite::SetAdStatus { ad_id, .. } => format!("/ads/{ad_id}"),
        _ => return Ok(None),
    };
    Ok(Some(Read { request: authorized(account, "GET", &path)?, query: Vec::new() }))
}

/// Objects read back per query: one page holds every object a create could have made twice.
const PAGE_SIZE: u32 = 1000;

/// Finds the objects a create would have made: by exact name under the parent.
pub(super) fn list_created(
    account: &AccountContext,
    write: &PlatformWrite,
    name: &str,
) -> Result<Read, PlatformError> {
    let equals = |field: &str, value: &str| json!({ "field": field, "operator": "EQUALS", "value": [value] });
    let (path, filters) = match write {
        PlatformWrite::CreateCampaign { .. } => ("/campaigns/query", json!([equals("name", name)])),
        PlatformWrite::CreateAdSet { campaign_id, .. } => {
            ("/adgroups/query", json!([equals("name", name), equals("campaignId", campaign_id)]))
        }
        PlatformWrite::CreateAd { ad_set_id, .. } => {
            ("/ads/query", json!([equals("name", name), equals("adGroupId", ad_set_id)]))
        }
        _ => return Err(PlatformError::invalid("write", "not a create")),
    };
    let query = json!({ "filters": filters, "pagination": { "offset": 0, "pageSize": PAGE_SIZE } });
    Ok(Read { request: authorized(account, "POST", path)?.body(query), query: Vec::new() })
}
