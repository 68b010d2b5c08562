//! No N+1: a page of campaigns with their authority, layer, ad sets, ads, creatives and pending
//! actions costs the same number of SQL statements for 5 campaigns as for 50.

use layers_dashboard::domain::Platform;
use serde_json::{Value, json};

use crate::support::{TestApp, UPDATE_BUDGET, insert_creative};

const DASHBOARD_PAGE: &str = "query($first: Int!) { campaigns(first: $first) { edges { node {
    name status dailyBudgetCents authority { creative tactical structural } authoritySource
    layer { platform killSwitchActive defaults { tactical } }
    adSets(first: 5) { edges { node { name ads(first: 5) { edges { node { name status creative { name state } } } } } } }
    pendingActions(first: 5) { edges { node { kind status proposedBy { actorType } campaign { name } } } }
} } } }";

/// A campaign with one ad set, one ad showing a creative, and one queued budget change.
async fn furnished_campaign(app: &TestApp, token: &str) {
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = app
        .ok(
            token,
            "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) { adSet { id } userErrors { code } } }",
            json!({ "input": { "campaignId": campaign, "name": "Ad set" } }),
        )
        .await["createAdSet"]["adSet"]["id"]
        .clone();
    let creative = insert_creative(app, "Creative").await;
    let launched = app
        .ok(
            token,
            "mutation($input: LaunchAdInput!) { launchAd(input: $input) { ad { id } userErrors { code } } }",
            json!({ "input": { "adSetId": ad_set, "name": "Ad", "creativeId": creative } }),
        )
        .await;
    assert!(launched["launchAd"]["ad"]["id"].is_string(), "{launched:#}");
    app.ok(
        token,
        "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) { applied } }",
        json!({ "input": { "campaignId": campaign, "tactical": "DRAFT" } }),
    )
    .await;
    let queued = app
        .ok(token, UPDATE_BUDGET, json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }))
        .await;
    assert_eq!(queued["updateCampaignBudget"]["verdict"]["decision"], "QUEUE_FOR_APPROVAL");
}

/// Runs the dashboard page for `first` campaigns; returns the statements it ran and the edges.
async fn page(app: &TestApp, token: &str, first: usize) -> (usize, Vec<Value>) {
    let before = app.statement_count();
    let data = app.ok(token, DASHBOARD_PAGE, json!({ "first": first })).await;
    let statements = app.statement_count() - before;
    (statements, data["campaigns"]["edges"].as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn a_page_of_campaigns_costs_the_same_statements_for_5_and_50() {
    let app = TestApp::new().await;
    let token = app.customer();
    for _ in 0..50 {
        furnished_campaign(&app, &token).await;
    }
    let (small, small_edges) = page(&app, &token, 5).await;
    let (large, large_edges) = page(&app, &token, 50).await;
    assert_eq!(small_edges.len(), 5);
    assert_eq!(large_edges.len(), 50);
    for edge in &large_edges {
        let node = &edge["node"];
        assert_eq!(node["layer"]["platform"], "META");
        assert_eq!(
            node["adSets"]["edges"][0]["node"]["ads"]["edges"][0]["node"]["creative"]["state"],
            "LIVE"
        );
        assert_eq!(node["pendingActions"]["edges"][0]["node"]["kind"], "campaign.budget");
    }
    assert_eq!(small, large, "statements for 5 campaigns: {small}, for 50: {large}");
    // The campaigns, their authority rows, layers, ad sets, waiting actions, the ad sets' ads and
    // their creatives; and one statement for the ads showing those creatives (a creative's
    // `state`) with the metric summaries that classify them and the page's ads against their peers.
    assert!(large <= 8, "a dashboard page should take a handful of statements, took {large}");
    eprintln!("dashboard page: {large} SQL statements for 5 and for 50 campaigns");
    let _ = Platform::Meta;
}
