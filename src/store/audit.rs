//! The audit log (`layer_ads_audit`): one row per gate decision and per policy event.
//!
//! A row's id is the `verdictId`. Rows are only ever inserted, except for the dispatch ledger of
//! an allowed write (see [`ledger`]), which the same row carries from the decision to the
//! platform's answer.

use chrono::{SubsecRound, Utc};
use entity::audit;
use sea_orm::sea_query::{Expr, InsertStatement, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryTrait, Set,
    TryIntoModel,
};
use serde_json::Value;
use uuid::Uuid;

use super::codes::AuditCodes;
use super::page::{self, Page, PageRequest};

pub mod ledger;
use crate::domain::Caller;
use crate::domain::Platform;
use crate::domain::gate::Verdict;

/// What an audit row records, before it is written.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The verdict id.
    pub id: Uuid,
    /// The organization the decision was about.
    pub organization_id: Uuid,
    /// The layer, when there is one.
    pub layer_id: Option<Uuid>,
    /// The platform, when there is one.
    pub platform: Option<Platform>,
    /// The campaign, when there is one.
    pub campaign_id: Option<Uuid>,
    /// `layer`, `campaign`, `ad_set`, `ad` or `pending_action`.
    pub target_type: Option<&'static str>,
    /// The target's id.
    pub target_id: Option<Uuid>,
    /// The event (`ads.write.allowed`, `kill_switch.tripped`, ...).
    pub event: String,
    /// The action (`campaign.budget`, ...).
    pub action: String,
    /// The decision with its reason and trace.
    pub verdict: Verdict,
    /// The pending action queued or resolved by this decision.
    pub pending_action_id: Option<Uuid>,
    /// The normalized write, as JSON.
    pub request: Option<Value>,
    /// The process about to dispatch an allowed write: the row starts `in_flight`, held by it.
    pub dispatch_holder: Option<ledger::Holder>,
}

/// Writes `entry` as a row attributed to `caller`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    entry: AuditEntry,
) -> Result<audit::Model, DbErr> {
    let (row, decision) = new_row(caller, entry);
    let row = row.insert(conn).await?;
    crate::telemetry::gate_verdict(decision, row.reason.as_deref());
    Ok(row)
}

/// The predicate of the index of in-flight dispatch targets (migration 8), written out: the
/// database matches an ON CONFLICT target to a partial index by its predicate's text.
const IN_FLIGHT_TARGETS: &str = "dispatch_status = 'in_flight'";

/// Writes `entry`, an allowed write's row, with its platform call already started as `start`
/// records (the ledger's [`ledger::begin`], done by the deciding transaction itself), and answers
/// `true`. If another started dispatch still holds `start`'s platform object, the row is written
/// without the start, as decided only (`false`): its dispatch records the start once that object
/// is free. PostgreSQL first waits for a concurrent transaction that holds the object.
pub async fn insert_started<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    entry: AuditEntry,
    start: ledger::Start,
) -> Result<(audit::Model, bool), DbErr> {
    let (mut decided, decision) = new_row(caller, entry);
    decided.dispatch_status = Set(Some(ledger::IN_FLIGHT.to_owned()));
    decided.dispatch_instance = Set(Some(start.holder.instance));
    decided.dispatch_boot = Set(Some(start.holder.boot));
    let mut started = decided.clone();
    started.dispatch_write = Set(Some(start.write));
    started.dispatch_started_at = Set(Some(start.started_at));
    started.dispatch_lease_id = Set(Some(start.lease_id));
    started.dispatch_lease_until = Set(Some(start.lease_until));
    started.dispatch_target = Set(start.target);
    // A conflict returns no row.
    let free = OnConflict::column(audit::Column::DispatchTarget)
        .target_and_where(Expr::cust(IN_FLIGHT_TARGETS))
        .do_nothing()
        .to_owned();
    let inserted =
        audit::Entity::insert(started).on_conflict(free).exec_with_returning_many(conn).await?.pop();
    let (row, started) = match inserted {
        Some(row) => (row, true),
        None => (decided.insert(conn).await?, false),
    };
    crate::telemetry::gate_verdict(decision, row.reason.as_deref());
    Ok((row, started))
}

/// `entry`'s row, attributed to `caller`, for another statement of this store to write (as a
/// data-modifying `WITH` query, see [`super::pending::queue`]): the row as it will be stored, and
/// the INSERT that stores it. Call [`counted`] once that statement has run.
pub(super) fn staged(caller: &Caller, entry: AuditEntry) -> Result<(audit::Model, InsertStatement), DbErr> {
    let (row, _) = new_row(caller, entry);
    let insert = audit::Entity::insert(row.clone()).into_query();
    Ok((row.try_into_model()?, insert))
}

/// Counts the verdict of `row`, written by a statement of its own ([`staged`]).
pub(super) fn counted(row: &audit::Model) {
    let decision = row.decision().ok().flatten().map_or("none", |decision| decision.as_str());
    crate::telemetry::gate_verdict(decision, row.reason.as_deref());
}

/// The row of `entry`, attributed to `caller`, and its decision's name. Its time is kept to the
/// microsecond, as PostgreSQL stores it, so a row built here equals the row read back.
fn new_row(caller: &Caller, entry: AuditEntry) -> (audit::ActiveModel, &'static str) {
    let verdict = &entry.verdict;
    let decision = verdict.decision.as_str();
    let row = audit::ActiveModel {
        id: Set(entry.id),
        organization_id: Set(entry.organization_id),
        layer_id: Set(entry.layer_id),
        platform: Set(entry.platform.map(|p| p.as_str().to_owned())),
        campaign_id: Set(entry.campaign_id),
        target_type: Set(entry.target_type.map(str::to_owned)),
        target_id: Set(entry.target_id),
        event: Set(entry.event),
        action: Set(entry.action),
        axis: Set(verdict.axis.map(|axis| axis.as_str().to_owned())),
        decision: Set(Some(verdict.decision.as_str().to_owned())),
        reason: Set(verdict.reason_code()),
        trace: Set(Value::from(verdict.trace.clone())),
        actor_type: Set(caller.kind.as_str().to_owned()),
        actor_id: Set(caller.actor_id.clone()),
        actor_organization_id: Set(Some(caller.organization_id)),
        actor_api_key_id: Set(caller.api_key_id),
        pending_action_id: Set(entry.pending_action_id),
        request: Set(entry.request),
        dispatch_status: Set(entry.dispatch_holder.as_ref().map(|_| ledger::IN_FLIGHT.to_owned())),
        dispatch: Set(None),
        dispatch_write: Set(None),
        dispatch_started_at: Set(None),
        dispatch_lease_id: Set(None),
        dispatch_lease_until: Set(None),
        dispatch_target: Set(None),
        dispatch_instance: Set(entry.dispatch_holder.as_ref().map(|holder| holder.instance.clone())),
        dispatch_boot: Set(entry.dispatch_holder.as_ref().map(|holder| holder.boot)),
        created_at: Set(Utc::now().trunc_subsecs(6)),
    };
    (row, decision)
}

/// Records on row `id` the campaign its create made, so the campaign's audit log starts with it.
pub async fn attach_campaign<C: ConnectionTrait>(conn: &C, id: Uuid, campaign_id: Uuid) -> Result<(), DbErr> {
    audit::ActiveModel { id: Set(id), campaign_id: Set(Some(campaign_id)), ..Default::default() }
        .update(conn)
        .await?;
    Ok(())
}

/// Turns the in-flight row `id` into a denial: the kill switch was tripped between the decision
/// and the platform call, so the call never started.
pub async fn record_abort<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    verdict: &Verdict,
) -> Result<audit::Model, DbErr> {
    audit::ActiveModel {
        id: Set(id),
        event: Set("ads.write.denied".to_owned()),
        decision: Set(Some(verdict.decision.as_str().to_owned())),
        reason: Set(verdict.reason_code()),
        trace: Set(Value::from(verdict.trace.clone())),
        dispatch_status: Set(Some(ledger::FAILED.to_owned())),
        dispatch: Set(Some(serde_json::json!({ "aborted": "kill_switch_active" }))),
        ..Default::default()
    }
    .update(conn)
    .await
}

/// Filters of the audit log query.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only rows about this platform.
    pub platform: Option<Platform>,
    /// Only rows about this campaign.
    pub campaign_id: Option<Uuid>,
    /// Only rows with this event.
    pub event: Option<String>,
    /// Only rows with this decision (`allow`, `queue_for_approval`, `deny`).
    pub decision: Option<String>,
    /// Only rows with this dispatch status (`in_flight`, `succeeded`, `failed`, `unknown`).
    pub dispatch_status: Option<String>,
}

/// One page of `org`'s audit log, newest first.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    filter: &AuditFilter,
    request: PageRequest,
) -> Result<Page<audit::Model>, DbErr> {
    let mut select = audit::Entity::find().filter(audit::Column::OrganizationId.eq(org));
    if let Some(platform) = filter.platform {
        select = select.filter(audit::Column::Platform.eq(platform.as_str()));
    }
    if let Some(campaign_id) = filter.campaign_id {
        select = select.filter(audit::Column::CampaignId.eq(campaign_id));
    }
    if let Some(event) = &filter.event {
        select = select.filter(audit::Column::Event.eq(event.as_str()));
    }
    if let Some(decision) = &filter.decision {
        select = select.filter(audit::Column::Decision.eq(decision.as_str()));
    }
    if let Some(status) = &filter.dispatch_status {
        select = select.filter(audit::Column::DispatchStatus.eq(status.as_str()));
    }
    page::fetch(conn, select, audit::Column::Id, request).await
}

/// The audit row `id` of `org`.
pub async fn find<C: ConnectionTrait>(conn: &C, org: Uuid, id: Uuid) -> Result<Option<audit::Model>, DbErr> {
    audit::Entity::find_by_id(id).filter(audit::Column::OrganizationId.eq(org)).one(conn).await
}

/// The organization of audit row `id` (of any organization: a dispatch ticket carries only the
/// row's id).
pub async fn organization_of<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Uuid>, DbErr> {
    Ok(audit::Entity::find_by_id(id).one(conn).await?.map(|row| row.organization_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_flight_targets_condition_names_the_in_flight_status() {
        assert_eq!(IN_FLIGHT_TARGETS, format!("dispatch_status = '{}'", ledger::IN_FLIGHT));
    }
}
