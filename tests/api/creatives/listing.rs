//! `creatives(state:)`: the filter agrees with each creative's `state`, and paging through a
//! filtered list one item at a time finds every match (the filter runs before paging).

use std::collections::BTreeSet;

use serde_json::json;

use super::{draft, generated, launch, transition};
use crate::support::{TestApp, create_ad_set};

const SIMULATE: &str = "mutation($input: SimulateAdMetricsInput!) { simulateAdMetrics(input: $input) { days userErrors { code } } }";

/// Every creative in `state` (or all, for `None`), read one per page; checks each one's `state`.
async fn listed(app: &TestApp, state: Option<&str>) -> BTreeSet<String> {
    let query =
        "query($state: CreativeState, $after: String) { creatives(state: $state, first: 1, after: $after) {
        nodes { id state } pageInfo { hasNextPage endCursor } } }";
    let mut ids = BTreeSet::new();
    let mut after = serde_json::Value::Null;
    loop {
        let data = app.ok(&app.customer(), query, json!({ "state": state, "after": after })).await;
        let page = &data["creatives"];
        let nodes = page["nodes"].as_array().expect("nodes");
        if let Some(state) = state {
            assert!(nodes.iter().all(|n| n["state"] == state), "{state}: {nodes:#?}");
        }
        if page["pageInfo"]["hasNextPage"] == true {
            assert_eq!(nodes.len(), 1, "a page before the last one is full");
        }
        ids.extend(nodes.iter().map(|n| n["id"].as_str().expect("id").to_owned()));
        if page["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

async fn simulate(app: &TestApp, ad: &serde_json::Value, profile: &str) {
    let input = json!({ "input": { "adId": ad, "profile": profile, "days": 10 } });
    let data = app.ok(&app.customer(), SIMULATE, input).await;
    assert_eq!(data["simulateAdMetrics"]["days"], 10, "{data:#}");
}

#[tokio::test]
async fn the_state_filter_pages_through_exactly_the_creatives_in_that_state() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = create_ad_set(&app, &campaign).await;
    let mut expected: Vec<(&str, String)> = Vec::new();
    for round in 0..2 {
        expected.push(("DRAFT", draft(&app, &format!("Draft {round}")).await));
        expected.push(("APPROVED", generated(&app, &format!("Approved {round}"), true).await));
        expected.push(("FAILED", generated(&app, &format!("Failed {round}"), false).await));
    }
    let live = generated(&app, "Live", true).await;
    let live_ad = launch(&app, &ad_set, &live).await["ad"]["id"].clone();
    let tired = generated(&app, "Tired", true).await;
    let tired_ad = launch(&app, &ad_set, &tired).await["ad"]["id"].clone();
    simulate(&app, &live_ad, "HEALTHY").await;
    simulate(&app, &tired_ad, "FATIGUING").await;
    expected.push(("LIVE", live));
    expected.push(("FATIGUED", tired));

    let paused = generated(&app, "Paused", true).await;
    let paused_ad = launch(&app, &ad_set, &paused).await["ad"]["id"].clone();
    app.ok(
        &app.customer(),
        "mutation($input: ChangeAdStatusInput!) { changeAdStatus(input: $input) { verdict { decision } } }",
        json!({ "input": { "adId": paused_ad, "action": "PAUSE" } }),
    )
    .await;
    expected.push(("DISABLED", paused));
    let archived = generated(&app, "Archived", true).await;
    assert_eq!(transition(&app, "archiveCreative", &archived).await["verdict"]["decision"], "ALLOW");
    expected.push(("ARCHIVED", archived));
    app.ok(
        &app.customer(),
        "mutation { updateApprovalPolicy(requiresApproval: true) { requiresApproval } }",
        json!({}),
    )
    .await;
    expected.push(("GENERATED", generated(&app, "Pending", true).await));
    let rejected = generated(&app, "Rejected", true).await;
    assert_eq!(transition(&app, "rejectCreative", &rejected).await["verdict"]["decision"], "ALLOW");
    expected.push(("GENERATED", rejected));

    let states = ["DRAFT", "FAILED", "GENERATED", "APPROVED", "LIVE", "FATIGUED", "DISABLED", "ARCHIVED"];
    for state in states {
        let want: BTreeSet<String> =
            expected.iter().filter(|(s, _)| *s == state).map(|(_, id)| id.clone()).collect();
        assert!(!want.is_empty(), "{state} is covered");
        assert_eq!(listed(&app, Some(state)).await, want, "{state}");
    }
    let all: BTreeSet<String> = expected.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(listed(&app, None).await, all);
}
