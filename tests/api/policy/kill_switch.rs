//! The kill switch: the customer alone trips and releases it (no partner scope grants it), and
//! every write decided while it is tripped is denied and audited as denied.

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};

use super::{RELEASE, TRIP, audit_rows, layer_of};
use crate::support::{TestApp, UPDATE_BUDGET, VERDICT};

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
