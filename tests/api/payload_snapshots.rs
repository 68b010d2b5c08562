//! Snapshots of what a client and support read back from the gate: the payload of one budget
//! change for each decision (auto, draft, off, kill switch, dry run) and the audit row it wrote,
//! with ids and times redacted (`support::snapshot`). A payload or audit row that changes shape
//! or content fails here; the snapshots in `tests/api/snapshots/` show what changed.

use insta::assert_json_snapshot;
use serde_json::{Value, json};

use crate::support::{TestApp, redacted, set_kill_switch};

/// A budget change with every field of its payload a client can read.
const UPDATE_BUDGET: &str = "mutation($input: UpdateCampaignBudgetInput!) { updateCampaignBudget(input: $input) {
    verdict { id decision reason axis axisEnum trace dryRun }
    campaign { id name platform status dailyBudgetCents lifetimeBudgetCents version platformCampaignId
               authority { creative tactical structural } authoritySource }
    pendingAction { id verdictId status kind axis isPolicy platform targetType targetId targetVersion
                    before after proposedBy { actorType actorId } createdAt expiresAt resolvedAt resolutionReason }
    userErrors { field code message } } }";

/// A verdict's audit row with every field support can read.
const AUDIT_ROW: &str = "query($id: ID!) { verdict(id: $id) {
    id verdictId event action decision reason axis trace platform campaignId pendingActionId
    actorType actorId actorApiKeyId dispatchStatus dispatchStartedAt dispatch request createdAt } }";

/// The audit rows of an event, newest first.
const EVENT_ROWS: &str = "query($event: String) { auditLog(event: $event, first: 10) { nodes {
    id verdictId event action decision reason axis trace platform campaignId pendingActionId
    actorType actorId actorApiKeyId dispatchStatus dispatch request createdAt } } }";

/// A Meta campaign whose tactical axis (budgets) is `mode`, made through the simplified create.
async fn campaign_with_tactical(app: &TestApp, mode: &str) -> String {
    app.campaign("META", (mode, "AUTOPILOT")).await
}

/// Changes `campaign`'s daily budget to $75 as the customer and returns the payload.
async fn change_budget(app: &TestApp, campaign: &str, dry_run: bool) -> Value {
    let input = json!({ "campaignId": campaign, "dailyBudgetCents": 7500, "dryRun": dry_run });
    app.ok(&app.customer(), UPDATE_BUDGET, json!({ "input": input })).await["updateCampaignBudget"].clone()
}

/// The audit row of the payload's verdict (null when none was written).
async fn audit_row(app: &TestApp, payload: &Value) -> Value {
    let id = &payload["verdict"]["id"];
    app.ok(&app.customer(), AUDIT_ROW, json!({ "id": id })).await["verdict"].clone()
}

/// The payload and its audit row, in one snapshot so they share their redacted ids.
async fn decided(app: &TestApp, campaign: &str) -> Value {
    let payload = change_budget(app, campaign, false).await;
    let audit_row = audit_row(app, &payload).await;
    json!({ "payload": payload, "auditRow": audit_row })
}

#[tokio::test]
async fn an_auto_budget_change_dispatches_and_its_payload_and_audit_row_hold() {
    let app = TestApp::new().await;
    let campaign = campaign_with_tactical(&app, "AUTOPILOT").await;
    let decided = decided(&app, &campaign).await;
    assert_eq!(decided["payload"]["verdict"]["decision"], "ALLOW", "{decided:#}");
    redacted().bind(|| assert_json_snapshot!("auto", decided));
}

#[tokio::test]
async fn a_draft_budget_change_queues_and_its_payload_and_audit_row_hold() {
    let app = TestApp::new().await;
    let campaign = campaign_with_tactical(&app, "DRAFT").await;
    let decided = decided(&app, &campaign).await;
    assert_eq!(decided["payload"]["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{decided:#}");
    redacted().bind(|| assert_json_snapshot!("draft", decided));
}

#[tokio::test]
async fn an_off_budget_change_is_denied_and_its_payload_and_audit_row_hold() {
    let app = TestApp::new().await;
    let campaign = campaign_with_tactical(&app, "MANUAL").await;
    let decided = decided(&app, &campaign).await;
    assert_eq!(decided["payload"]["verdict"]["reason"], "authority_axis_off", "{decided:#}");
    redacted().bind(|| assert_json_snapshot!("off", decided));
}

#[tokio::test]
async fn a_budget_change_under_the_kill_switch_is_denied_and_its_rows_hold() {
    let app = TestApp::new().await;
    let campaign = campaign_with_tactical(&app, "AUTOPILOT").await;
    set_kill_switch(&app, "META", true).await;
    let decided = decided(&app, &campaign).await;
    assert_eq!(decided["payload"]["verdict"]["reason"], "kill_switch_active", "{decided:#}");
    redacted().bind(|| assert_json_snapshot!("kill_switch", decided));
    let tripped = app.ok(&app.customer(), EVENT_ROWS, json!({ "event": "kill_switch.tripped" })).await;
    redacted().bind(|| assert_json_snapshot!("kill_switch_tripped", tripped["auditLog"]["nodes"]));
}

#[tokio::test]
async fn a_dry_run_answers_the_verdict_and_writes_no_audit_row() {
    let app = TestApp::new().await;
    let campaign = campaign_with_tactical(&app, "AUTOPILOT").await;
    let payload = change_budget(&app, &campaign, true).await;
    assert_eq!(audit_row(&app, &payload).await, Value::Null, "a dry run writes no audit row");
    redacted().bind(|| assert_json_snapshot!("dry_run", payload));
}
