//! Each decision of the gate, end to end: what is written, dispatched and audited.

use serde_json::json;

use crate::support::{TestApp, UPDATE_BUDGET, VERDICT};

#[tokio::test]
async fn an_auto_budget_change_dispatches_applies_and_audits() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "DRAFT")).await;
    let token = app.customer();

    let data = app
        .ok(&token, UPDATE_BUDGET, json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 7500 } }))
        .await;
    let payload = &data["updateCampaignBudget"];
    assert_eq!(payload["verdict"]["decision"], "ALLOW");
    assert_eq!(payload["verdict"]["axis"], "tactical");
    assert_eq!(payload["campaign"]["dailyBudgetCents"], 7500);
    assert_eq!(payload["campaign"]["version"], 2);
    assert_eq!(payload["userErrors"], json!([]));

    let row = app.ok(&token, VERDICT, json!({ "id": payload["verdict"]["id"] })).await;
    let row = &row["verdict"];
    assert_eq!(row["event"], "ads.write.allowed");
    assert_eq!(row["dispatchStatus"], "succeeded");
    let native = &row["dispatch"]["native_request"];
    assert_eq!(native["body"]["daily_budget"], 7500, "Meta takes minor units as they are: {native:#}");
}
