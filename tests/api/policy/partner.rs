//! A partner's policy writes: without `ads:write:policy` nothing changes; lowering applies at
//! once; any raise is queued as a policy pending action only the customer approves, once, and it
//! goes stale when the policy moves first.

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};

use super::{
    APPROVE, REJECT, audit_rows, authority_of, block, layer_of, pending_status, update_authority,
    update_defaults,
};
use crate::support::{TestApp, VERDICT};

#[tokio::test]
async fn a_partner_without_the_policy_scope_is_denied_and_nothing_changes() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePending]).await;

    let lowered =
        update_authority(&app, &partner, json!({ "campaignId": campaign, "tactical": "OFF" })).await;
    assert_eq!(lowered["verdict"]["decision"], "DENY", "{lowered:#}");
    assert_eq!(lowered["verdict"]["reason"], "scope_missing");
    assert_eq!(lowered["applied"], false);
    assert_eq!(lowered["pendingAction"], Value::Null);
    assert_eq!(authority_of(&app, &campaign).await["authority"], block("AUTO", "AUTO", "AUTO"));

    let defaults = update_defaults(
        &app,
        &partner,
        json!({ "platform": "META", "creative": "OFF", "maxDailyBudgetCents": 10000 }),
    )
    .await;
    assert_eq!(defaults["verdict"]["decision"], "DENY", "{defaults:#}");
    assert_eq!(defaults["verdict"]["reason"], "scope_missing");
    assert_eq!(defaults["applied"], false);
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["defaults"], block("AUTO", "AUTO", "AUTO"));
    assert_eq!(layer["maxDailyBudgetCents"], Value::Null);

    let denied = audit_rows(&app, None, Some("DENY")).await;
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(denied.iter().all(|row| row["reason"] == "scope_missing" && row["actorType"] == "PARTNER"));
    let pending = app.ok(&app.customer(), "{ pendingActions { nodes { id } } }", json!({})).await;
    assert_eq!(pending["pendingActions"]["nodes"], json!([]));
}

#[tokio::test]
async fn a_partner_lowering_applies_at_once() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let customer = app.customer();
    let cap =
        update_defaults(&app, &customer, json!({ "platform": "META", "maxDailyBudgetCents": 50000 })).await;
    assert_eq!(cap["applied"], true);
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWritePolicy]).await;

    let lowered = update_authority(
        &app,
        &partner,
        json!({ "campaignId": campaign, "creative": "DRAFT", "tactical": "OFF" }),
    )
    .await;
    assert_eq!(lowered["verdict"]["decision"], "ALLOW", "{lowered:#}");
    assert_eq!(lowered["applied"], true);
    assert_eq!(lowered["pendingAction"], Value::Null);
    assert_eq!(authority_of(&app, &campaign).await["authority"], block("DRAFT", "OFF", "AUTO"));

    let defaults = update_defaults(
        &app,
        &partner,
        json!({ "platform": "META", "structural": "DRAFT", "tactical": "OFF", "maxDailyBudgetCents": 30000 }),
    )
    .await;
    assert_eq!(defaults["verdict"]["decision"], "ALLOW", "{defaults:#}");
    assert_eq!(defaults["applied"], true);
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["defaults"], block("AUTO", "OFF", "DRAFT"));
    assert_eq!(layer["maxDailyBudgetCents"], 30000);

    let row = app.ok(&customer, VERDICT, json!({ "id": defaults["verdict"]["id"] })).await["verdict"].clone();
    assert_eq!(row["event"], "policy.updated");
    assert_eq!(row["actorType"], "PARTNER");
    assert!(row["actorApiKeyId"].is_string(), "{row:#}");
}

#[tokio::test]
async fn a_partner_raise_of_any_axis_or_the_cap_is_queued_for_the_customer() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    app.set_defaults("META", "DRAFT", "DRAFT", "DRAFT").await;
    let customer = app.customer();
    update_defaults(&app, &customer, json!({ "platform": "META", "maxDailyBudgetCents": 20000 })).await;
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWritePolicy]).await;

    let raised = update_authority(
        &app,
        &partner,
        json!({ "campaignId": campaign, "tactical": "AUTO", "creative": "OFF" }),
    )
    .await;
    assert_eq!(raised["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{raised:#}");
    assert_eq!(raised["applied"], false);
    let action = &raised["pendingAction"];
    assert_eq!(action["isPolicy"], true);
    assert_eq!(action["kind"], "policy.campaign_authority");
    assert_eq!(action["status"], "PENDING");
    assert_eq!(action["targetType"], "campaign");
    assert_eq!(action["axis"], Value::Null);
    assert_eq!(
        authority_of(&app, &campaign).await["authority"],
        block("DRAFT", "DRAFT", "DRAFT"),
        "a raise mixed with a lowering changes nothing until approved"
    );

    for input in [
        json!({ "platform": "META", "structural": "AUTO" }),
        json!({ "platform": "META", "maxDailyBudgetCents": 20001 }),
        json!({ "platform": "META", "maxDailyBudgetCents": null }),
    ] {
        let payload = update_defaults(&app, &partner, input.clone()).await;
        assert_eq!(payload["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{input}: {payload:#}");
        assert_eq!(payload["applied"], false, "{input}");
        assert_eq!(payload["pendingAction"]["isPolicy"], true, "{input}");
        assert_eq!(payload["pendingAction"]["kind"], "policy.layer_defaults", "{input}");
        assert_eq!(payload["pendingAction"]["targetType"], "layer", "{input}");
    }
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["defaults"], block("DRAFT", "DRAFT", "DRAFT"));
    assert_eq!(layer["maxDailyBudgetCents"], 20000);

    let queued = audit_rows(&app, Some("policy.queued"), Some("QUEUE_FOR_APPROVAL")).await;
    assert_eq!(queued.len(), 4, "{queued:?}");
    let pending = app
        .ok(
            &customer,
            "{ pendingActions(status: PENDING) { nodes { isPolicy proposedBy { actorType } } } }",
            json!({}),
        )
        .await;
    let nodes = pending["pendingActions"]["nodes"].as_array().expect("nodes").clone();
    assert_eq!(nodes.len(), 4);
    assert!(nodes.iter().all(|n| n["isPolicy"] == true && n["proposedBy"]["actorType"] == "PARTNER"));
}

#[tokio::test]
async fn only_the_customer_approves_a_policy_raise_and_only_once() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let partner =
        app.partner(&[Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePending, Scope::AdsWritePolicy]).await;
    let raised =
        update_authority(&app, &partner, json!({ "campaignId": campaign, "structural": "AUTO" })).await;
    let action = raised["pendingAction"]["id"].clone();
    assert_eq!(raised["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{raised:#}");

    let by_partner = app.ok(&partner, APPROVE, json!({ "id": action })).await["approvePendingAction"].clone();
    assert_eq!(by_partner["verdict"]["decision"], "DENY", "{by_partner:#}");
    assert_eq!(by_partner["verdict"]["reason"], "customer_only");
    assert_eq!(pending_status(&app, &action).await, "PENDING");
    let rejected = app.ok(&partner, REJECT, json!({ "id": action })).await["rejectPendingAction"].clone();
    assert_eq!(rejected["verdict"]["reason"], "customer_only", "{rejected:#}");
    assert_eq!(pending_status(&app, &action).await, "PENDING");
    assert_eq!(authority_of(&app, &campaign).await["authority"], block("DRAFT", "DRAFT", "DRAFT"));

    let customer = app.customer();
    let approved = app.ok(&customer, APPROVE, json!({ "id": action })).await["approvePendingAction"].clone();
    assert_eq!(approved["verdict"]["decision"], "ALLOW", "{approved:#}");
    assert_eq!(approved["pendingAction"]["status"], "DISPATCHED");
    assert_eq!(pending_status(&app, &action).await, "DISPATCHED");
    let read = authority_of(&app, &campaign).await;
    assert_eq!(read["authority"], block("DRAFT", "DRAFT", "AUTO"));
    assert_eq!(read["authoritySource"], "CAMPAIGN");

    let again = app.ok(&customer, APPROVE, json!({ "id": action })).await["approvePendingAction"].clone();
    assert_eq!(again["verdict"]["decision"], "DENY", "{again:#}");
    assert_eq!(again["verdict"]["reason"], "not_pending");
    assert_eq!(pending_status(&app, &action).await, "DISPATCHED");
}

#[tokio::test]
async fn a_queued_policy_raise_goes_stale_when_the_policy_moves_first() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let customer = app.customer();
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWritePolicy]).await;

    let raised =
        update_authority(&app, &partner, json!({ "campaignId": campaign, "tactical": "AUTO" })).await;
    let action = raised["pendingAction"]["id"].clone();
    let moved = update_authority(&app, &customer, json!({ "campaignId": campaign, "creative": "OFF" })).await;
    assert_eq!(moved["applied"], true);
    let approved = app.ok(&customer, APPROVE, json!({ "id": action })).await["approvePendingAction"].clone();
    assert_eq!(approved["verdict"]["decision"], "DENY", "{approved:#}");
    assert_eq!(approved["verdict"]["reason"], "stale");
    assert_eq!(pending_status(&app, &action).await, "STALE");
    assert_eq!(authority_of(&app, &campaign).await["authority"], block("OFF", "DRAFT", "DRAFT"));

    let raised = update_defaults(&app, &partner, json!({ "platform": "APPLE", "creative": "AUTO" })).await;
    let action = raised["pendingAction"]["id"].clone();
    let moved =
        update_defaults(&app, &customer, json!({ "platform": "APPLE", "maxDailyBudgetCents": 90000 })).await;
    assert_eq!(moved["applied"], true);
    let approved = app.ok(&customer, APPROVE, json!({ "id": action })).await["approvePendingAction"].clone();
    assert_eq!(approved["verdict"]["reason"], "stale", "{approved:#}");
    assert_eq!(pending_status(&app, &action).await, "STALE");
    assert_eq!(layer_of(&app, "APPLE").await["defaults"], block("DRAFT", "DRAFT", "DRAFT"));
}
