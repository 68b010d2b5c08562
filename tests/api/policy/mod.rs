//! Policy writes (README.md, "The gate": policy writes): campaign authority, layer defaults and
//! the customer-only kill switch, for customers and for partners with and without
//! `ads:write:policy`.
//!
//! This module holds the policy mutations and read-backs the tests share; the tests are grouped
//! by who writes:
//!
//! - [`customer`]: a customer's authority and defaults changes apply at once; dry runs; a
//!   campaign back on its layer's defaults;
//! - [`partner`]: a partner lowers at once, every raise waits for the customer, a queued raise
//!   goes stale;
//! - [`kill_switch`]: the customer alone trips and releases it; writes while tripped.

mod customer;
mod kill_switch;
mod partner;

use layers_dashboard::ids::{self, NodeKind};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::TestApp;

/// The campaign authority mutation with the fields tests read back.
const UPDATE_AUTHORITY: &str =
    "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) {
    verdict { id decision reason axis trace dryRun } applied
    campaign { id authority { creative tactical structural } authoritySource }
    pendingAction { id status kind isPolicy targetType targetId axis }
    userErrors { field code message } } }";

/// The layer defaults mutation with the fields tests read back.
const UPDATE_DEFAULTS: &str =
    "mutation($input: UpdateLayerDefaultsInput!) { updateLayerDefaults(input: $input) {
    verdict { id decision reason axis trace dryRun } applied
    layer { platform defaults { creative tactical structural } maxDailyBudgetCents }
    pendingAction { id status kind isPolicy targetType targetId axis }
    userErrors { field code message } } }";

/// A campaign's authority as read back.
const CAMPAIGN_AUTHORITY: &str =
    "query($id: ID!) { campaign(id: $id) { authority { creative tactical structural } authoritySource } }";

/// A layer's policy as read back.
const LAYER: &str = "query($platform: Platform!) { layer(platform: $platform) {
    defaults { creative tactical structural } maxDailyBudgetCents killSwitchActive
    killSwitch { active trippedAt trippedBy reason } } }";

/// The kill switch mutations.
const TRIP: &str = "mutation($platform: Platform!, $reason: String) { tripKillSwitch(platform: $platform, reason: $reason) {
    verdict { id decision reason trace } layer { platform killSwitchActive killSwitch { active trippedAt trippedBy reason } }
    userErrors { code } } }";
const RELEASE: &str = "mutation($platform: Platform!) { releaseKillSwitch(platform: $platform) {
    verdict { id decision reason trace } layer { platform killSwitchActive killSwitch { active trippedAt trippedBy reason } }
    userErrors { code } } }";

/// Approval and rejection of a pending action.
const APPROVE: &str = "mutation($id: ID!) { approvePendingAction(id: $id) {
    verdict { id decision reason trace } pendingAction { id status resolutionReason } userErrors { code } } }";
const REJECT: &str = "mutation($id: ID!) { rejectPendingAction(id: $id) {
    verdict { id decision reason } pendingAction { id status } userErrors { code } } }";

/// A pending action's status, read back.
const PENDING_STATUS: &str =
    "query($id: ID!) { node(id: $id) { ... on PendingAction { status isPolicy kind } } }";

/// The audit log, filtered by event and decision.
const AUDIT: &str =
    "query($event: String, $decision: Decision) { auditLog(event: $event, decision: $decision, first: 100) {
    nodes { verdictId event action decision reason platform actorType campaignId } } }";

/// An authority block as the API shows it.
fn block(creative: &str, tactical: &str, structural: &str) -> Value {
    json!({ "creative": creative, "tactical": tactical, "structural": structural })
}

/// The campaign's authority and its source, read as the customer.
async fn authority_of(app: &TestApp, campaign: &str) -> Value {
    app.ok(&app.customer(), CAMPAIGN_AUTHORITY, json!({ "id": campaign })).await["campaign"].clone()
}

/// The layer of `platform`, read as the customer.
async fn layer_of(app: &TestApp, platform: &str) -> Value {
    app.ok(&app.customer(), LAYER, json!({ "platform": platform })).await["layer"].clone()
}

/// The audit rows with `event` (and `decision`, if given), newest first, read as the customer.
async fn audit_rows(app: &TestApp, event: Option<&str>, decision: Option<&str>) -> Vec<Value> {
    let data = app.ok(&app.customer(), AUDIT, json!({ "event": event, "decision": decision })).await;
    data["auditLog"]["nodes"].as_array().expect("audit rows").clone()
}

/// A pending action's status, read as the customer.
async fn pending_status(app: &TestApp, id: &Value) -> Value {
    app.ok(&app.customer(), PENDING_STATUS, json!({ "id": id })).await["node"]["status"].clone()
}

/// Sends a campaign authority change as `token`.
async fn update_authority(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, UPDATE_AUTHORITY, json!({ "input": input })).await["updateCampaignAuthority"].clone()
}

/// Sends a layer defaults change as `token`.
async fn update_defaults(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, UPDATE_DEFAULTS, json!({ "input": input })).await["updateLayerDefaults"].clone()
}

/// Deletes the campaign's own authority row, so it falls back to its layer's defaults.
async fn drop_authority_row(app: &TestApp, campaign: &str) {
    let id = ids::decode(NodeKind::Campaign, campaign).expect("campaign id");
    entity::campaign_authority::Entity::delete_many()
        .filter(entity::campaign_authority::Column::CampaignId.eq(id))
        .exec(&app.services().db)
        .await
        .expect("delete authority row");
}
