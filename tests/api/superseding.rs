//! A newer proposal for the same target and field supersedes the one still waiting: the queue
//! shows what would actually happen. Proposals of other kinds stay.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::support::{TestApp, UPDATE_BUDGET, VERDICT};

const ACTIONS: &str =
    "query { pendingActions(first: 50) { edges { node { id kind status resolutionReason after } } } }";
const BIDDING: &str = "mutation($input: UpdateCampaignBiddingInput!) { updateCampaignBidding(input: $input) {
    pendingAction { id status } userErrors { code } } }";
const APPROVE: &str = "mutation($id: ID!) { approvePendingAction(id: $id) { verdict { decision reason } userErrors { code } } }";

async fn propose_budget(app: &TestApp, campaign: &str, cents: i64) -> String {
    let data = app
        .ok(
            &app.customer(),
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": cents } }),
        )
        .await;
    let payload = &data["updateCampaignBudget"];
    assert_eq!(payload["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{payload:#}");
    payload["pendingAction"]["id"].as_str().expect("queued").to_owned()
}

async fn actions(app: &TestApp) -> Vec<Value> {
    app.ok(&app.customer(), ACTIONS, json!({})).await["pendingActions"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

fn status_of(actions: &[Value], id: &str) -> String {
    let action = actions.iter().find(|action| action["id"] == id).expect("listed");
    action["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn a_newer_budget_proposal_supersedes_the_waiting_one_and_other_kinds_stay() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let first = propose_budget(&app, &campaign, 7_000).await;
    let bidding = app
        .ok(
            &app.customer(),
            BIDDING,
            json!({ "input": { "campaignId": campaign, "bidStrategy": "COST_CAP", "bidAmountCents": 300 } }),
        )
        .await;
    let bidding =
        bidding["updateCampaignBidding"]["pendingAction"]["id"].as_str().expect("queued").to_owned();
    let second = propose_budget(&app, &campaign, 8_000).await;

    let all = actions(&app).await;
    assert_eq!(status_of(&all, &first), "SUPERSEDED");
    assert_eq!(status_of(&all, &second), "PENDING");
    assert_eq!(status_of(&all, &bidding), "PENDING", "a bidding proposal is not a budget proposal");
    let superseded = all.iter().find(|action| action["id"] == first).expect("listed");
    assert_eq!(superseded["resolutionReason"], "superseded");

    let approval = app.ok(&app.customer(), APPROVE, json!({ "id": first })).await;
    assert_eq!(approval["approvePendingAction"]["verdict"]["decision"], "DENY", "{approval:#}");
    let approval = app.ok(&app.customer(), APPROVE, json!({ "id": second })).await;
    assert_eq!(approval["approvePendingAction"]["verdict"]["decision"], "ALLOW", "{approval:#}");
}

#[tokio::test]
async fn the_superseded_proposal_keeps_its_audit_row() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let data = app
        .ok(
            &app.customer(),
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 7_000 } }),
        )
        .await;
    let verdict = data["updateCampaignBudget"]["verdict"]["id"].as_str().expect("verdict").to_owned();
    propose_budget(&app, &campaign, 8_000).await;
    let row = app.ok(&app.customer(), VERDICT, json!({ "id": verdict })).await;
    assert_eq!(row["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{row:#}");
}

/// A bidding change proposed as the customer; answers the pending action's id.
async fn propose_bidding(app: &TestApp, campaign: &str, cents: i64) -> String {
    let input =
        json!({ "input": { "campaignId": campaign, "bidStrategy": "COST_CAP", "bidAmountCents": cents } });
    let data = app.ok(&app.customer(), BIDDING, input).await;
    let payload = &data["updateCampaignBidding"];
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload["pendingAction"]["id"].as_str().expect("queued").to_owned()
}

/// Ten proposals for one field of one campaign at once, through five server instances, leave
/// exactly one waiting and nine superseded. Within an instance, writes to one campaign take
/// turns. Across instances, budget decisions take turns on the campaign's row (it is locked for
/// Meta's hourly change limit), so each supersedes the one before; bidding decisions do not, so
/// later proposals meet earlier ones on the waiting-proposal index and supersede them there.
async fn simultaneous_proposals_leave_exactly_one_waiting(platform: &str, budget: bool) {
    let app = TestApp::with_connections(12).await;
    let campaign = app.campaign(platform, ("DRAFT", "DRAFT")).await;
    let instances: Vec<_> =
        (0..5).map(|_| Arc::new(app.another_instance(&crate::support::test_config()))).collect();
    let proposals: Vec<_> = (0..10)
        .map(|i| {
            let (instance, campaign) = (Arc::clone(&instances[i % instances.len()]), campaign.clone());
            let cents = 6_000 + i as i64;
            tokio::spawn(async move {
                if budget {
                    propose_budget(&instance, &campaign, cents).await
                } else {
                    propose_bidding(&instance, &campaign, cents).await
                }
            })
        })
        .collect();
    for proposal in proposals {
        proposal.await.expect("queued");
    }
    let all = actions(&app).await;
    let waiting = all.iter().filter(|action| action["status"] == "PENDING").count();
    let superseded = all.iter().filter(|action| action["status"] == "SUPERSEDED").count();
    assert_eq!((waiting, superseded), (1, 9), "{all:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_meta_budget_proposals_leave_exactly_one_waiting() {
    simultaneous_proposals_leave_exactly_one_waiting("META", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_tiktok_budget_proposals_leave_exactly_one_waiting() {
    simultaneous_proposals_leave_exactly_one_waiting("TIKTOK", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_bidding_proposals_leave_exactly_one_waiting() {
    simultaneous_proposals_leave_exactly_one_waiting("TIKTOK", false).await;
}
