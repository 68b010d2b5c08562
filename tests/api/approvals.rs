//! Approving and rejecting pending actions (README.md, "The gate": approving a pending action is gated again): the approval gate, its statuses, bulk
//! answers, expiry, and exactly one winner among concurrent approvals.

use std::sync::Arc;

use layers_dashboard::domain::Scope;
use layers_dashboard::ids::{self, NodeKind};
use serde_json::{Value, json};

use crate::support::{
    CREATE_CAMPAIGN, TestApp, UPDATE_BUDGET, VERDICT, audit_rows, read_campaign, set_campaign_authority,
    set_kill_switch,
};

/// The approve mutation with the fields tests read back.
const APPROVE: &str = "mutation($id: ID!) { approvePendingAction(id: $id) {
    verdict { id decision reason axis trace }
    campaign { id dailyBudgetCents version }
    pendingAction { id status resolutionReason resolvedBy { actorType actorId } }
    userErrors { field code message } } }";

/// The reject mutation with the fields tests read back.
const REJECT: &str = "mutation($id: ID!, $reason: String) { rejectPendingAction(id: $id, reason: $reason) {
    verdict { id decision reason }
    pendingAction { id status resolutionReason }
    userErrors { field code message } } }";

/// The fields of one bulk result tests read back.
const BULK_RESULT: &str = "results { pendingActionId verdict { decision reason }
    pendingAction { id status resolutionReason } userErrors { field code } } userErrors { code }";

/// Queues a budget change to `cents` on `campaign` (its tactical axis `DRAFT`) as `token` and
/// returns the pending action's global id.
async fn queue_budget(app: &TestApp, token: &str, campaign: &str, cents: i64) -> String {
    let data = app
        .ok(token, UPDATE_BUDGET, json!({ "input": { "campaignId": campaign, "dailyBudgetCents": cents } }))
        .await;
    let payload = &data["updateCampaignBudget"];
    assert_eq!(payload["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{payload:#}");
    assert_eq!(payload["pendingAction"]["status"], "PENDING");
    payload["pendingAction"]["id"].as_str().expect("pending action id").to_owned()
}

/// A Meta campaign whose tactical axis is `DRAFT`, with a budget change to 7500 queued on it.
async fn queued(app: &TestApp) -> (String, String) {
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let action = queue_budget(app, &app.customer(), &campaign, 7500).await;
    (campaign, action)
}

/// Approves `action` as `token` and returns the payload.
async fn approve(app: &TestApp, token: &str, action: &str) -> Value {
    app.ok(token, APPROVE, json!({ "id": action })).await["approvePendingAction"].clone()
}

/// Rejects `action` as `token` with `reason` and returns the payload.
async fn reject(app: &TestApp, token: &str, action: &str, reason: &str) -> Value {
    app.ok(token, REJECT, json!({ "id": action, "reason": reason })).await["rejectPendingAction"].clone()
}

/// Reads pending action `action` back as `token`.
async fn read_action(app: &TestApp, token: &str, action: &str) -> Value {
    let data = app
        .ok(
            token,
            "query($id: ID!) { node(id: $id) { ... on PendingAction {
                id status resolutionReason resolutionVerdictId targetVersion } } }",
            json!({ "id": action }),
        )
        .await;
    data["node"].clone()
}

/// Asserts the approval in `payload` was denied for `reason`.
fn assert_denied(payload: &Value, reason: &str) {
    assert_eq!(payload["verdict"]["decision"], "DENY", "{payload:#}");
    assert_eq!(payload["verdict"]["reason"], reason, "{payload:#}");
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

#[tokio::test]
async fn approving_a_queued_budget_change_dispatches_it_once() {
    let app = TestApp::new().await;
    let (campaign, action) = queued(&app).await;
    let version = read_campaign(&app, &campaign).await["version"].as_i64().expect("version");

    let approved = approve(&app, &app.customer(), &action).await;
    assert_eq!(approved["verdict"]["decision"], "ALLOW", "{approved:#}");
    assert_eq!(approved["verdict"]["axis"], "tactical");
    assert_eq!(approved["pendingAction"]["status"], "DISPATCHED");
    assert_eq!(approved["pendingAction"]["resolvedBy"]["actorType"], "CUSTOMER");
    assert_eq!(approved["campaign"]["dailyBudgetCents"], 7500);
    let stored = read_campaign(&app, &campaign).await;
    assert_eq!(stored["dailyBudgetCents"], 7500);
    assert_eq!(stored["version"], version + 1);
    let row = app.ok(&app.customer(), VERDICT, json!({ "id": approved["verdict"]["id"] })).await;
    assert_eq!(row["verdict"]["decision"], "ALLOW");
    assert_eq!(row["verdict"]["dispatchStatus"], "succeeded");

    let again = approve(&app, &app.customer(), &action).await;
    assert_denied(&again, "not_pending");
    assert_eq!(again["pendingAction"]["status"], "DISPATCHED");
    assert_eq!(read_campaign(&app, &campaign).await["version"], version + 1);
}

#[tokio::test]
async fn a_rejected_action_keeps_its_reason_and_cannot_be_approved() {
    let app = TestApp::new().await;
    let (campaign, action) = queued(&app).await;

    let rejected = reject(&app, &app.customer(), &action, "too much for March").await;
    assert_eq!(rejected["verdict"]["decision"], "ALLOW", "{rejected:#}");
    assert_eq!(rejected["pendingAction"]["status"], "REJECTED");
    let stored = read_action(&app, &app.customer(), &action).await;
    assert_eq!(stored["status"], "REJECTED");
    assert_eq!(stored["resolutionReason"], "too much for March");
    assert_eq!(stored["resolutionVerdictId"], rejected["verdict"]["id"]);

    let approved = approve(&app, &app.customer(), &action).await;
    assert_denied(&approved, "not_pending");
    assert_eq!(read_action(&app, &app.customer(), &action).await["status"], "REJECTED");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5000);
}

#[tokio::test]
async fn an_action_whose_campaign_changed_goes_stale() {
    let app = TestApp::new().await;
    let (campaign, action) = queued(&app).await;
    set_campaign_authority(&app, &campaign, json!({ "tactical": "AUTO" })).await;
    let direct = app
        .ok(
            &app.customer(),
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
        )
        .await;
    assert_eq!(direct["updateCampaignBudget"]["verdict"]["decision"], "ALLOW", "{direct:#}");
    let version = read_campaign(&app, &campaign).await["version"].clone();

    let approved = approve(&app, &app.customer(), &action).await;
    assert_denied(&approved, "stale");
    assert_eq!(approved["pendingAction"]["status"], "STALE");
    assert_eq!(read_action(&app, &app.customer(), &action).await["status"], "STALE");
    let stored = read_campaign(&app, &campaign).await;
    assert_eq!(stored["dailyBudgetCents"], 6000, "the direct change stays");
    assert_eq!(stored["version"], version);
}

#[tokio::test]
async fn the_kill_switch_holds_an_approval_until_released() {
    let app = TestApp::new().await;
    let (campaign, action) = queued(&app).await;
    set_kill_switch(&app, "META", true).await;

    let held = approve(&app, &app.customer(), &action).await;
    assert_denied(&held, "kill_switch_active");
    assert_eq!(held["pendingAction"]["status"], "PENDING");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5000);

    set_kill_switch(&app, "META", false).await;
    let approved = approve(&app, &app.customer(), &action).await;
    assert_eq!(approved["verdict"]["decision"], "ALLOW", "{approved:#}");
    assert_eq!(approved["pendingAction"]["status"], "DISPATCHED");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 7500);
}

#[tokio::test]
async fn turning_the_axis_off_cancels_the_action() {
    let app = TestApp::new().await;
    let (campaign, action) = queued(&app).await;
    set_campaign_authority(&app, &campaign, json!({ "tactical": "OFF" })).await;

    let approved = approve(&app, &app.customer(), &action).await;
    assert_denied(&approved, "authority_axis_off");
    assert_eq!(approved["pendingAction"]["status"], "CANCELLED");
    assert_eq!(read_action(&app, &app.customer(), &action).await["status"], "CANCELLED");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5000);
    assert_denied(&approve(&app, &app.customer(), &action).await, "not_pending");
}

#[tokio::test]
async fn partners_need_ads_write_pending_to_resolve() {
    let app = TestApp::new().await;
    let (campaign, action) = queued(&app).await;
    let writer = app.partner(&[Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePolicy]).await;

    assert_denied(&approve(&app, &writer, &action).await, "scope_missing");
    let rejected = reject(&app, &writer, &action, "no").await;
    assert_eq!(rejected["verdict"]["decision"], "DENY", "{rejected:#}");
    assert_eq!(rejected["verdict"]["reason"], "scope_missing");
    assert_eq!(read_action(&app, &app.customer(), &action).await["status"], "PENDING");

    let approver = app.partner(&[Scope::AdsRead, Scope::AdsWritePending]).await;
    let approved = approve(&app, &approver, &action).await;
    assert_eq!(approved["verdict"]["decision"], "ALLOW", "{approved:#}");
    assert_eq!(approved["pendingAction"]["status"], "DISPATCHED");
    assert_eq!(approved["pendingAction"]["resolvedBy"]["actorType"], "PARTNER");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 7500);
    let row = app.ok(&app.customer(), VERDICT, json!({ "id": approved["verdict"]["id"] })).await;
    assert_eq!(row["verdict"]["actorType"], "PARTNER");
    assert_ne!(row["verdict"]["actorApiKeyId"], Value::Null);
}

/// A pending action in another organization, queued by that organization's customer.
async fn foreign_action(app: &TestApp) -> (String, String) {
    let (_, token) = app.other_org().await;
    let opened = app
        .ok(
            &token,
            "mutation { updateLayerDefaults(input: { platform: META, structural: AUTO }) { applied } }",
            json!({}),
        )
        .await;
    assert_eq!(opened["updateLayerDefaults"]["applied"], true);
    let created = app
        .ok(
            &token,
            CREATE_CAMPAIGN,
            json!({ "input": { "platform": "META", "name": "Theirs", "dailyBudgetCents": 5000, "outcome": "CONVERSIONS",
                "campaignManagementMode": "DRAFT", "creativeMode": "DRAFT" } }),
        )
        .await;
    let campaign = created["createCampaign"]["campaign"]["id"].as_str().expect("their campaign").to_owned();
    let action = queue_budget(app, &token, &campaign, 7500).await;
    (token, action)
}

/// Asserts a bulk result for an id that never reached the gate.
fn assert_item_error(result: &Value, id: &str, code: &str) {
    assert_eq!(result["pendingActionId"], id);
    assert_eq!(result["verdict"], Value::Null, "{result:#}");
    assert_eq!(result["userErrors"][0]["code"], code, "{result:#}");
}

#[tokio::test]
async fn bulk_approval_answers_each_id_in_order() {
    let app = TestApp::new().await;
    let (campaign, valid) = queued(&app).await;
    let (_, resolved) = queued(&app).await;
    reject(&app, &app.customer(), &resolved, "not this one").await;
    let (their_token, theirs) = foreign_action(&app).await;
    let ids = json!([valid, resolved, "nope", theirs]);
    let their_rows = audit_rows(&app, &their_token, json!({})).await.len();

    let query = format!("mutation($ids: [ID!]!) {{ approvePendingActions(ids: $ids) {{ {BULK_RESULT} }} }}");
    let data = app.ok(&app.customer(), &query, json!({ "ids": ids })).await;
    let payload = &data["approvePendingActions"];
    assert_eq!(payload["userErrors"], json!([]));
    let results = payload["results"].as_array().expect("results");
    assert_eq!(results.len(), 4, "{payload:#}");
    assert_eq!(results[0]["pendingActionId"], valid);
    assert_eq!(results[0]["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(results[0]["pendingAction"]["status"], "DISPATCHED");
    assert_eq!(results[0]["userErrors"], json!([]));
    assert_eq!(results[1]["pendingActionId"], resolved);
    assert_eq!(results[1]["verdict"], json!({ "decision": "DENY", "reason": "not_pending" }));
    assert_eq!(results[1]["pendingAction"]["status"], "REJECTED");
    assert_item_error(&results[2], "nope", "INVALID_ID");
    assert_item_error(&results[3], &theirs, "NOT_FOUND");

    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 7500);
    assert_eq!(read_action(&app, &their_token, &theirs).await["status"], "PENDING");
    let after = audit_rows(&app, &their_token, json!({})).await.len();
    assert_eq!(after, their_rows, "no audit row lands in the other organization");
}

#[tokio::test]
async fn bulk_rejection_answers_each_id_in_order() {
    let app = TestApp::new().await;
    let (campaign, valid) = queued(&app).await;
    let (_, resolved) = queued(&app).await;
    reject(&app, &app.customer(), &resolved, "first").await;
    let (their_token, theirs) = foreign_action(&app).await;
    let ids = json!([valid, resolved, "nope", theirs]);

    let query = format!(
        "mutation($ids: [ID!]!) {{ rejectPendingActions(ids: $ids, reason: \"bulk no\") {{ {BULK_RESULT} }} }}"
    );
    let data = app.ok(&app.customer(), &query, json!({ "ids": ids })).await;
    let results = data["rejectPendingActions"]["results"].as_array().expect("results").clone();
    assert_eq!(results.len(), 4, "{data:#}");
    assert_eq!(results[0]["verdict"]["decision"], "ALLOW", "{data:#}");
    assert_eq!(results[0]["pendingAction"]["status"], "REJECTED");
    assert_eq!(results[0]["pendingAction"]["resolutionReason"], "bulk no");
    assert_eq!(results[1]["verdict"], json!({ "decision": "DENY", "reason": "not_pending" }));
    assert_eq!(
        results[1]["pendingAction"]["resolutionReason"], "first",
        "a denied rejection keeps the first reason"
    );
    assert_item_error(&results[2], "nope", "INVALID_ID");
    assert_item_error(&results[3], &theirs, "NOT_FOUND");

    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5000);
    assert_eq!(read_action(&app, &their_token, &theirs).await["status"], "PENDING");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_approvals_dispatch_once() {
    let app = Arc::new(TestApp::with_connections(20).await);
    let (campaign, action) = queued(&app).await;
    let version = read_campaign(&app, &campaign).await["version"].as_i64().expect("version");

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (app, action) = (Arc::clone(&app), action.clone());
            tokio::spawn(async move { approve(&app, &app.customer(), &action).await })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        let payload = task.await.expect("approval task");
        match payload["verdict"]["decision"].as_str() {
            Some("ALLOW") => allowed += 1,
            _ => assert_denied(&payload, "not_pending"),
        }
    }
    assert_eq!(allowed, 1, "exactly one approval wins");

    let stored = read_campaign(&app, &campaign).await;
    assert_eq!(stored["version"], version + 1, "dispatched exactly once");
    assert_eq!(stored["dailyBudgetCents"], 7500);
    assert_eq!(read_action(&app, &app.customer(), &action).await["status"], "DISPATCHED");
    let rows = audit_rows(&app, &app.customer(), json!({ "campaignId": campaign })).await;
    let of_action: Vec<&Value> = rows.iter().filter(|row| row["pendingActionId"] == action).collect();
    let dispatched = of_action.iter().filter(|row| row["dispatchStatus"] == "succeeded").count();
    assert_eq!(dispatched, 1, "one dispatched audit row");
    let denied = of_action.iter().filter(|row| row["reason"] == "not_pending").count();
    assert_eq!(denied, 99, "every losing approval is audited");
}

#[tokio::test]
async fn an_expired_action_cannot_be_approved() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::new().await;
    let (campaign, action) = queued(&app).await;
    let id = ids::decode(NodeKind::PendingAction, &action).expect("pending action id");
    entity::pending_actions::ActiveModel {
        id: Set(id),
        expires_at: Set(chrono::Utc::now() - chrono::Duration::minutes(1)),
        ..Default::default()
    }
    .update(&app.services().db)
    .await
    .expect("expire the action");

    let approved = approve(&app, &app.customer(), &action).await;
    assert_denied(&approved, "not_pending");
    assert_eq!(approved["pendingAction"]["status"], "EXPIRED");
    assert_eq!(read_action(&app, &app.customer(), &action).await["status"], "EXPIRED");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5000);
}
