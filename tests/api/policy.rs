//! Policy writes (README.md, "The gate": policy writes): campaign authority, layer defaults and the customer-only kill
//! switch, for customers and for partners with and without `ads:write:policy`.

use layers_dashboard::domain::Scope;
use layers_dashboard::ids::{self, NodeKind};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{TestApp, UPDATE_BUDGET, VERDICT};

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

#[tokio::test]
async fn a_customer_authority_change_applies_at_once() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    drop_authority_row(&app, &campaign).await;
    app.set_defaults("META", "DRAFT", "DRAFT", "DRAFT").await;
    let before = authority_of(&app, &campaign).await;
    assert_eq!(before["authoritySource"], "LAYER_DEFAULTS");

    let payload = update_authority(
        &app,
        &app.customer(),
        json!({ "campaignId": campaign, "tactical": "AUTO", "creative": "OFF" }),
    )
    .await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["verdict"]["dryRun"], false);
    assert_eq!(payload["applied"], true);
    assert_eq!(payload["pendingAction"], Value::Null);
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["campaign"]["authority"], block("OFF", "AUTO", "DRAFT"));
    assert_eq!(payload["campaign"]["authoritySource"], "CAMPAIGN");

    let read = authority_of(&app, &campaign).await;
    assert_eq!(read["authority"], block("OFF", "AUTO", "DRAFT"));
    assert_eq!(read["authoritySource"], "CAMPAIGN");
    let defaults = layer_of(&app, "META").await["defaults"].clone();
    assert_eq!(defaults, block("DRAFT", "DRAFT", "DRAFT"), "the layer defaults are untouched");

    let row =
        app.ok(&app.customer(), VERDICT, json!({ "id": payload["verdict"]["id"] })).await["verdict"].clone();
    assert_eq!(row["event"], "policy.updated");
    assert_eq!(row["action"], "policy.campaign_authority");
    assert_eq!(row["decision"], "ALLOW");
    assert_eq!(row["actorType"], "CUSTOMER");
}

#[tokio::test]
async fn a_customer_defaults_change_applies_with_the_cap_set_kept_and_removed() {
    let app = TestApp::new().await;
    let token = app.customer();

    let set = update_defaults(
        &app,
        &token,
        json!({ "platform": "TIKTOK", "creative": "AUTO", "structural": "OFF", "maxDailyBudgetCents": 20000 }),
    )
    .await;
    assert_eq!(set["verdict"]["decision"], "ALLOW", "{set:#}");
    assert_eq!(set["applied"], true);
    assert_eq!(set["layer"]["defaults"], block("AUTO", "DRAFT", "OFF"));
    assert_eq!(set["layer"]["maxDailyBudgetCents"], 20000);
    let layer = layer_of(&app, "TIKTOK").await;
    assert_eq!(layer["defaults"], block("AUTO", "DRAFT", "OFF"));
    assert_eq!(layer["maxDailyBudgetCents"], 20000);
    assert_eq!(
        layer_of(&app, "META").await["defaults"],
        block("DRAFT", "DRAFT", "DRAFT"),
        "other layers untouched"
    );

    let kept = update_defaults(&app, &token, json!({ "platform": "TIKTOK", "tactical": "AUTO" })).await;
    assert_eq!(kept["applied"], true, "{kept:#}");
    let layer = layer_of(&app, "TIKTOK").await;
    assert_eq!(layer["defaults"], block("AUTO", "AUTO", "OFF"));
    assert_eq!(layer["maxDailyBudgetCents"], 20000, "an omitted cap stays as it is");

    let removed =
        update_defaults(&app, &token, json!({ "platform": "TIKTOK", "maxDailyBudgetCents": null })).await;
    assert_eq!(removed["applied"], true, "{removed:#}");
    assert_eq!(removed["layer"]["maxDailyBudgetCents"], Value::Null);
    let layer = layer_of(&app, "TIKTOK").await;
    assert_eq!(layer["maxDailyBudgetCents"], Value::Null, "an explicit null removes the cap");
    assert_eq!(layer["defaults"], block("AUTO", "AUTO", "OFF"));

    let rows = audit_rows(&app, Some("policy.updated"), None).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|row| row["action"] == "policy.layer_defaults" && row["platform"] == "TIKTOK"));
}

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

#[tokio::test]
async fn policy_dry_runs_return_a_verdict_and_change_nothing() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let customer = app.customer();
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWritePolicy]).await;
    let rows_before = audit_rows(&app, None, None).await.len();

    let by_customer = update_authority(
        &app,
        &customer,
        json!({ "campaignId": campaign, "tactical": "OFF", "dryRun": true }),
    )
    .await;
    assert_eq!(by_customer["verdict"]["decision"], "ALLOW", "{by_customer:#}");
    assert_eq!(by_customer["verdict"]["dryRun"], true);
    assert_eq!(by_customer["applied"], false);
    let by_partner = update_authority(
        &app,
        &partner,
        json!({ "campaignId": campaign, "tactical": "AUTO", "dryRun": true }),
    )
    .await;
    assert_eq!(by_partner["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{by_partner:#}");
    assert_eq!(by_partner["verdict"]["dryRun"], true);
    assert_eq!(by_partner["pendingAction"], Value::Null);
    let defaults = update_defaults(
        &app,
        &customer,
        json!({ "platform": "META", "creative": "OFF", "maxDailyBudgetCents": 10000, "dryRun": true }),
    )
    .await;
    assert_eq!(defaults["verdict"]["decision"], "ALLOW", "{defaults:#}");
    assert_eq!(defaults["applied"], false);

    assert_eq!(authority_of(&app, &campaign).await["authority"], block("DRAFT", "DRAFT", "DRAFT"));
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["defaults"], block("AUTO", "AUTO", "AUTO"));
    assert_eq!(layer["maxDailyBudgetCents"], Value::Null);
    assert_eq!(audit_rows(&app, None, None).await.len(), rows_before, "a dry run writes no audit row");
    for verdict in [&by_customer, &by_partner, &defaults] {
        let row = app.ok(&customer, VERDICT, json!({ "id": verdict["verdict"]["id"] })).await;
        assert_eq!(row["verdict"], Value::Null);
    }
    let pending = app.ok(&customer, "{ pendingActions { nodes { id } } }", json!({})).await;
    assert_eq!(pending["pendingActions"]["nodes"], json!([]));
}

#[tokio::test]
async fn the_customer_trips_and_releases_the_kill_switch() {
    let app = TestApp::new().await;
    let customer = app.customer();

    let tripped = app
        .ok(&customer, TRIP, json!({ "platform": "META", "reason": "creative gone wrong" }))
        .await["tripKillSwitch"]
        .clone();
    assert_eq!(tripped["verdict"]["decision"], "ALLOW", "{tripped:#}");
    assert_eq!(tripped["layer"]["killSwitchActive"], true);
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["killSwitchActive"], true);
    let switch = &layer["killSwitch"];
    assert_eq!(switch["active"], true);
    assert_eq!(switch["reason"], "creative gone wrong");
    assert_eq!(switch["trippedBy"], "customer:user-1");
    assert!(switch["trippedAt"].is_string(), "{switch:#}");
    assert_eq!(layer_of(&app, "TIKTOK").await["killSwitchActive"], false, "other layers are not tripped");

    let rows = audit_rows(&app, Some("kill_switch.tripped"), None).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["verdictId"], tripped["verdict"]["id"]);
    assert_eq!(rows[0]["platform"], "META");
    assert_eq!(rows[0]["actorType"], "CUSTOMER");

    let released =
        app.ok(&customer, RELEASE, json!({ "platform": "META" })).await["releaseKillSwitch"].clone();
    assert_eq!(released["verdict"]["decision"], "ALLOW", "{released:#}");
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["killSwitchActive"], false);
    assert_eq!(layer["killSwitch"]["active"], false);
    let rows = audit_rows(&app, Some("kill_switch.released"), None).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["verdictId"], released["verdict"]["id"]);
}

#[tokio::test]
async fn no_partner_scope_trips_or_releases_the_kill_switch() {
    let app = TestApp::new().await;
    let customer = app.customer();
    let partner =
        app.partner(&[Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePending, Scope::AdsWritePolicy]).await;
    let reader = app.partner(&[Scope::AdsRead]).await;

    let trip = app.ok(&partner, TRIP, json!({ "platform": "META", "reason": "partner says so" })).await["tripKillSwitch"]
        .clone();
    assert_eq!(trip["verdict"]["decision"], "DENY", "{trip:#}");
    assert_eq!(trip["verdict"]["reason"], "customer_only");
    assert_eq!(
        layer_of(&app, "META").await["killSwitch"],
        json!({
            "active": false, "trippedAt": null, "trippedBy": null, "reason": null
        })
    );
    let row = app.ok(&customer, VERDICT, json!({ "id": trip["verdict"]["id"] })).await["verdict"].clone();
    assert_eq!(row["decision"], "DENY", "{row:#}");
    assert_eq!(row["reason"], "customer_only");
    assert_eq!(row["actorType"], "PARTNER");

    app.ok(&customer, TRIP, json!({ "platform": "META", "reason": "stop" })).await;
    let release = app.ok(&partner, RELEASE, json!({ "platform": "META" })).await["releaseKillSwitch"].clone();
    assert_eq!(release["verdict"]["decision"], "DENY", "{release:#}");
    assert_eq!(release["verdict"]["reason"], "customer_only");
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["killSwitch"]["active"], true);
    assert_eq!(layer["killSwitch"]["reason"], "stop");

    let seen = app.ok(&reader, "{ layer(platform: META) { killSwitchActive } }", json!({})).await;
    assert_eq!(seen["layer"]["killSwitchActive"], true, "partners see the kill switch read-only");
    assert_eq!(audit_rows(&app, Some("kill_switch.released"), None).await.len(), 0);
}

#[tokio::test]
async fn writes_while_tripped_are_denied_and_audited_as_denied() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let customer = app.customer();
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await;
    app.ok(&customer, TRIP, json!({ "platform": "META", "reason": "billing issue" })).await;

    let mut verdicts = Vec::new();
    for token in [&customer, &partner] {
        let data = app
            .ok(
                token,
                UPDATE_BUDGET,
                json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 7500 } }),
            )
            .await;
        let payload = &data["updateCampaignBudget"];
        assert_eq!(payload["verdict"]["decision"], "DENY", "{payload:#}");
        assert_eq!(payload["verdict"]["reason"], "kill_switch_active");
        assert_eq!(payload["campaign"]["dailyBudgetCents"], 5000);
        verdicts.push(payload["verdict"]["id"].clone());
    }

    let denied = audit_rows(&app, Some("ads.write.denied"), None).await;
    let ids: Vec<&Value> = denied.iter().map(|row| &row["verdictId"]).collect();
    assert_eq!(ids, [&verdicts[1], &verdicts[0]], "newest first: {denied:?}");
    assert!(
        denied.iter().all(|row| row["reason"] == "kill_switch_active" && row["action"] == "campaign.budget")
    );
    let by_decision = audit_rows(&app, None, Some("DENY")).await;
    assert_eq!(by_decision.len(), 2, "{by_decision:?}");
    assert!(by_decision.iter().all(|row| row["decision"] == "DENY"));
    assert_eq!(audit_rows(&app, Some("ads.write.denied"), Some("ALLOW")).await.len(), 0);

    app.ok(&customer, RELEASE, json!({ "platform": "META" })).await;
    let data = app
        .ok(
            &customer,
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 7500 } }),
        )
        .await;
    assert_eq!(data["updateCampaignBudget"]["verdict"]["decision"], "ALLOW", "{data:#}");
}

const INHERIT: &str =
    "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) {
    verdict { decision reason } applied pendingAction { id kind }
    campaign { authority { creative tactical structural } authoritySource } userErrors { code } } }";

#[tokio::test]
async fn a_campaign_can_go_back_to_following_its_layer_defaults() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("MANUAL", "MANUAL")).await;
    app.set_defaults("META", "DRAFT", "AUTO", "DRAFT").await;
    let customer = app.customer();

    let both = app
        .ok(
            &customer,
            INHERIT,
            json!({ "input": { "campaignId": campaign, "tactical": "OFF", "inheritDefaults": true } }),
        )
        .await;
    assert_eq!(both["updateCampaignAuthority"]["userErrors"][0]["code"], "AUTHORITY_CONFLICT");

    // For a partner, following defaults that are higher than the campaign's own modes is a raise.
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWritePolicy]).await;
    let queued = app
        .ok(&partner, INHERIT, json!({ "input": { "campaignId": campaign, "inheritDefaults": true } }))
        .await;
    let queued = &queued["updateCampaignAuthority"];
    assert_eq!(queued["verdict"]["decision"], "QUEUE_FOR_APPROVAL");
    assert_eq!(queued["campaign"]["authoritySource"], "CAMPAIGN");

    let applied = app
        .ok(&customer, INHERIT, json!({ "input": { "campaignId": campaign, "inheritDefaults": true } }))
        .await;
    let applied = &applied["updateCampaignAuthority"];
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["campaign"]["authoritySource"], "LAYER_DEFAULTS");
    assert_eq!(
        applied["campaign"]["authority"],
        json!({ "creative": "DRAFT", "tactical": "AUTO", "structural": "DRAFT" })
    );
}
