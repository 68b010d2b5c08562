//! Loading what a write decision needs: the target (tenancy), its layer (kill switch, defaults,
//! cap), the authority in force and the safety checks' results.
//!
//! Runs inside the deciding transaction; the layer is read under a shared lock (see
//! `store::tenancy::layer_for_decision`).

use chrono::Utc;
use entity::{ad_sets, ads, campaign_authority, campaigns, content_containers, layers};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use uuid::Uuid;

use super::Failure;
use super::convert::{self, resolved_authority};
use super::write::AdWrite;
use crate::domain::ActorKind;
use crate::domain::authority::ResolvedAuthority;
use crate::domain::gate::{self, SafetyCheck, SafetyResult};
use crate::domain::money::{self, Budget};
use crate::domain::status::{EntityStatus, StatusAction};
use crate::error::{ApiError, UserError};
use crate::store::codes::{AdCodes, AdSetCodes, CampaignCodes, LayerCodes};
use crate::store::tenancy::{self, CampaignRead};

/// The state a write is decided on.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub layer: layers::Model,
    pub campaign: Option<campaigns::Model>,
    pub ad_set: Option<ad_sets::Model>,
    pub ad: Option<ads::Model>,
    pub creative: Option<content_containers::Model>,
    pub authority: ResolvedAuthority,
    pub safety: Vec<SafetyResult>,
    pub target_type: &'static str,
    pub target_id: Uuid,
    pub target_version: Option<i64>,
    pub before: Value,
}

/// Loads the state `write` is decided on, for organization `org`; `proposer` is who proposed it
/// (the optimizer guardrails apply to the optimizer's proposals even when a person approves them).
pub(crate) async fn prepare<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    proposer: ActorKind,
    write: &AdWrite,
) -> Result<Prepared, Failure> {
    match write {
        AdWrite::CreateCampaign(new) => {
            let layer = tenancy::layer_by_platform(conn, org, new.platform)
                .await?
                .ok_or_else(|| UserError::not_found("platform", "layer"))?;
            let layer = locked_layer(conn, org, layer.id).await?;
            let mut prepared = on_layer(layer)?;
            prepared.safety = budget_checks(&prepared.layer, new.budget)?;
            Ok(prepared)
        }
        AdWrite::CampaignBudget { campaign_id, budget } => {
            // Locked: Meta's hourly limit counts the budget changes decided before this one.
            let mut prepared = on_campaign(conn, org, *campaign_id, CampaignRead::Locked).await?;
            prepared.safety = budget_checks(&prepared.layer, *budget)?;
            prepared.safety.extend(budget_rate_check(conn, &prepared).await?);
            Ok(prepared)
        }
        AdWrite::CampaignBidding { campaign_id, .. }
        | AdWrite::CampaignSchedule { campaign_id, .. }
        | AdWrite::CampaignTargeting { campaign_id, .. } => {
            on_campaign(conn, org, *campaign_id, CampaignRead::Current).await
        }
        AdWrite::CampaignStatus { campaign_id, action } => {
            let mut prepared = on_campaign(conn, org, *campaign_id, CampaignRead::Current).await?;
            let status = current_status(prepared.campaign.as_ref().map(CampaignCodes::status).transpose()?)?;
            prepared.safety = vec![gate::check_transition(status, *action)];
            Ok(prepared)
        }
        AdWrite::CreateAdSet { campaign_id, daily_budget_cents, .. } => {
            let mut prepared = on_campaign(conn, org, *campaign_id, CampaignRead::Current).await?;
            if let Some(cents) = daily_budget_cents {
                prepared.safety = budget_checks(&prepared.layer, Budget::Daily(*cents))?;
            }
            Ok(prepared)
        }
        AdWrite::AdSetStatus { ad_set_id, action } => {
            let mut prepared = on_ad_set(conn, org, *ad_set_id).await?;
            let status = current_status(prepared.ad_set.as_ref().map(AdSetCodes::status).transpose()?)?;
            prepared.safety = vec![gate::check_transition(status, *action)];
            Ok(prepared)
        }
        AdWrite::LaunchAd { ad_set_id, creative_id, .. } => {
            let mut prepared = on_ad_set(conn, org, *ad_set_id).await?;
            let (creative, eligible) = creative(conn, org, *creative_id).await?;
            prepared.creative = Some(creative);
            prepared.safety = vec![eligible];
            Ok(prepared)
        }
        AdWrite::ReplaceAdCreative { ad_id, creative_id } => {
            let mut prepared = on_ad(conn, org, *ad_id).await?;
            let (creative, eligible) = creative(conn, org, *creative_id).await?;
            prepared.creative = Some(creative);
            prepared.safety = vec![eligible];
            Ok(prepared)
        }
        AdWrite::PruneAd { ad_id } => {
            let mut prepared = on_ad(conn, org, *ad_id).await?;
            prepared.safety = prune_checks(conn, org, proposer, &prepared, StatusAction::Pause).await?;
            Ok(prepared)
        }
        AdWrite::AdStatus { ad_id, action } => {
            let mut prepared = on_ad(conn, org, *ad_id).await?;
            prepared.safety = prune_checks(conn, org, proposer, &prepared, *action).await?;
            Ok(prepared)
        }
    }
}

async fn locked_layer<C: ConnectionTrait>(conn: &C, org: Uuid, id: Uuid) -> Result<layers::Model, Failure> {
    tenancy::layer_for_decision(conn, org, id)
        .await?
        .ok_or_else(|| Failure::Api(ApiError::internal(format!("layer {id} vanished"))))
}

fn on_layer(layer: layers::Model) -> Result<Prepared, Failure> {
    let authority = resolved_authority(None, &layer)?;
    Ok(Prepared {
        target_type: "layer",
        target_id: layer.id,
        target_version: None,
        before: Value::Null,
        campaign: None,
        ad_set: None,
        ad: None,
        creative: None,
        authority,
        safety: Vec::new(),
        layer,
    })
}

async fn on_campaign<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
    read: CampaignRead,
) -> Result<Prepared, Failure> {
    let (campaign, layer, authority) = tenancy::campaign_for_decision(conn, org, id, read)
        .await?
        .ok_or_else(|| UserError::not_found("campaignId", "campaign"))?;
    on_campaign_state(campaign, layer, authority.as_ref())
}

async fn campaign_context<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    campaign: campaigns::Model,
) -> Result<Prepared, Failure> {
    let layer = locked_layer(conn, org, campaign.layer_id).await?;
    let row: Option<campaign_authority::Model> = tenancy::campaign_authority(conn, org, campaign.id).await?;
    on_campaign_state(campaign, layer, row.as_ref())
}

/// The state of a write to `campaign`, on its (locked) `layer` with its `row` of authority.
fn on_campaign_state(
    campaign: campaigns::Model,
    layer: layers::Model,
    row: Option<&campaign_authority::Model>,
) -> Result<Prepared, Failure> {
    let authority = resolved_authority(row, &layer)?;
    Ok(Prepared {
        target_type: "campaign",
        target_id: campaign.id,
        target_version: Some(campaign.version),
        before: serde_json::to_value(&campaign)?,
        campaign: Some(campaign),
        ad_set: None,
        ad: None,
        creative: None,
        authority,
        safety: Vec::new(),
        layer,
    })
}

async fn on_ad_set<C: ConnectionTrait>(conn: &C, org: Uuid, id: Uuid) -> Result<Prepared, Failure> {
    let ad_set =
        tenancy::ad_set(conn, org, id).await?.ok_or_else(|| UserError::not_found("adSetId", "ad set"))?;
    let campaign = tenancy::campaign(conn, org, ad_set.campaign_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("ad set {id} has no campaign")))?;
    let mut prepared = campaign_context(conn, org, campaign).await?;
    prepared.target_type = "ad_set";
    prepared.target_id = ad_set.id;
    prepared.target_version = Some(ad_set.version);
    prepared.before = serde_json::to_value(&ad_set)?;
    prepared.ad_set = Some(ad_set);
    Ok(prepared)
}

async fn on_ad<C: ConnectionTrait>(conn: &C, org: Uuid, id: Uuid) -> Result<Prepared, Failure> {
    let ad = tenancy::ad(conn, org, id).await?.ok_or_else(|| UserError::not_found("adId", "ad"))?;
    let mut prepared = on_ad_set(conn, org, ad.ad_set_id).await?;
    prepared.target_type = "ad";
    prepared.target_id = ad.id;
    prepared.target_version = Some(ad.version);
    prepared.before = serde_json::to_value(&ad)?;
    prepared.ad = Some(ad);
    Ok(prepared)
}

fn current_status(stored: Option<EntityStatus>) -> Result<EntityStatus, Failure> {
    Ok(stored.ok_or_else(|| ApiError::internal("status target missing"))?)
}

fn budget_checks(layer: &layers::Model, budget: Budget) -> Result<Vec<SafetyResult>, Failure> {
    let platform = layer.platform()?;
    let currency = layer.currency()?;
    let minimum = money::minimum_budget(platform, budget.kind(), currency);
    let cap = match budget {
        Budget::Daily(_) => layer.max_daily_budget_cents,
        Budget::Lifetime(_) => None,
    };
    Ok(gate::check_budget(budget.cents(), minimum, cap))
}

/// Meta's hourly budget-change limit for the campaign. A budget decision reads its campaign
/// locked for the deciding transaction (PostgreSQL, [`CampaignRead::Locked`]), so concurrent
/// budget decisions on one campaign count each other's allowed changes.
async fn budget_rate_check<C: ConnectionTrait>(
    conn: &C,
    prepared: &Prepared,
) -> Result<Vec<SafetyResult>, Failure> {
    let platform = prepared.layer.platform()?;
    if platform != crate::domain::Platform::Meta {
        return Ok(gate::check_budget_change_rate(platform, 0));
    }
    let recent =
        crate::store::audit::ledger::budget_changes_within_hour(conn, prepared.target_id, Utc::now()).await?;
    Ok(gate::check_budget_change_rate(platform, recent))
}

async fn prune_checks<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    proposer: ActorKind,
    prepared: &Prepared,
    action: StatusAction,
) -> Result<Vec<SafetyResult>, Failure> {
    let ad = prepared.ad.as_ref().ok_or_else(|| ApiError::internal("prune without ad"))?;
    let mut checks = vec![gate::check_transition(ad.status()?, action)];
    if matches!(action, StatusAction::Pause | StatusAction::Archive | StatusAction::Delete) {
        let started = ad.launched_at.unwrap_or(ad.created_at);
        let age_hours = (Utc::now() - started.to_utc()).num_hours();
        let active = staying_active(conn, org, ad.ad_set_id).await?;
        let active = u32::try_from(active).unwrap_or(u32::MAX);
        checks.extend(gate::check_optimizer_prune(proposer, age_hours, active));
    }
    Ok(checks)
}

/// How many ads of ad set `ad_set_id` stay in delivery: active, and not being paused, archived
/// or deleted by a dispatch still in flight. The ad set row is locked for the deciding
/// transaction (PostgreSQL), so concurrent decisions on one ad set count each other's allowed
/// prunes and can never take its last active ad out together.
async fn staying_active<C: ConnectionTrait>(conn: &C, org: Uuid, ad_set_id: Uuid) -> Result<usize, Failure> {
    tenancy::ad_set_for_update(conn, org, ad_set_id).await?;
    let active = tenancy::active_ads_in_ad_set(conn, org, ad_set_id).await?;
    let leaving = crate::store::audit::ledger::ads_leaving_delivery(conn, &active).await?;
    Ok(active.len() - leaving.len())
}

/// The creative `id` of `org`, and whether it may be shown: generated, approved (or not needing
/// approval), not excluded and not archived.
async fn creative<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    id: Uuid,
) -> Result<(content_containers::Model, SafetyResult), Failure> {
    let (container, content) = tenancy::creative(conn, org, id)
        .await?
        .ok_or_else(|| UserError::not_found("creativeId", "creative"))?;
    let eligible = convert::creative_eligible(&container, content.as_ref())?;
    Ok((container, SafetyResult::new(SafetyCheck::CreativeNotEligible, eligible)))
}
