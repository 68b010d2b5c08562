//! Meta takes at most 4 budget changes per ad set within a rolling hour: the fifth is denied by a
//! named safety check before any call. Changes that did not apply do not count; other platforms
//! have no such limit.

use layers_dashboard::platform::PlatformError;
use serde_json::json;

use super::{budget_requests, change_budget, simultaneous_budget_changes, with_sandboxes};
use crate::support::{TestApp, UPDATE_BUDGET, read_campaign};

const REASON: &str = "safety_check_failed:meta_budget_change_rate";

#[tokio::test]
async fn the_fifth_meta_budget_change_within_the_hour_is_denied_before_any_call() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    for cents in [5100, 5200, 5300] {
        let payload = change_budget(&app, &campaign, cents).await;
        assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    }
    sandboxes.meta.fail_next(PlatformError::transient("try later"));
    let refused = change_budget(&app, &campaign, 5400).await;
    assert_eq!(refused["userErrors"][0]["code"], "PLATFORM_TRANSIENT", "a refused change does not count");
    let fourth = change_budget(&app, &campaign, 5500).await;
    assert_eq!(fourth["verdict"]["decision"], "ALLOW", "{fourth:#}");
    assert_eq!(fourth["userErrors"], json!([]));

    let input = json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 5600, "dryRun": true } });
    let dry = app.ok(&app.customer(), UPDATE_BUDGET, input).await["updateCampaignBudget"].clone();
    assert_eq!(dry["verdict"]["reason"], REASON, "{dry:#}");
    let fifth = change_budget(&app, &campaign, 5600).await;
    assert_eq!(fifth["verdict"]["decision"], "DENY", "{fifth:#}");
    assert_eq!(fifth["verdict"]["reason"], REASON);
    let trace = fifth["verdict"]["trace"].as_array().expect("trace");
    assert!(trace.contains(&json!("safety.meta_budget_change_rate=failed")), "{trace:?}");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5500);
    assert_eq!(budget_requests(&sandboxes.meta), 4, "the fifth never reached Meta");

    let other = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let elsewhere = change_budget(&app, &other, 5100).await;
    assert_eq!(elsewhere["verdict"]["decision"], "ALLOW", "the limit is per campaign: {elsewhere:#}");
}

#[tokio::test]
async fn other_platforms_take_more_than_four_budget_changes_an_hour() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    for cents in [5100, 5200, 5300, 5400, 5500, 5600] {
        let payload = change_budget(&app, &campaign, cents).await;
        assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
        let trace = payload["verdict"]["trace"].as_array().expect("trace");
        assert!(!trace.iter().any(|entry| entry.as_str().unwrap().contains("meta_budget")), "{trace:?}");
    }
    assert_eq!(budget_requests(&sandboxes.tiktok), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_meta_budget_changes_count_each_other() {
    let mut app = TestApp::with_connections(12).await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let app = std::sync::Arc::new(app);
    let decisions: Vec<_> = simultaneous_budget_changes(&app, &campaign, 8)
        .await
        .into_iter()
        .map(|payload| (payload["verdict"]["decision"].clone(), payload["verdict"]["reason"].clone()))
        .collect();
    let allowed = decisions.iter().filter(|(decision, _)| decision == "ALLOW").count();
    assert_eq!(allowed, 4, "{decisions:?}");
    assert!(decisions.iter().filter(|(decision, _)| decision == "DENY").all(|(_, reason)| reason == REASON));
    assert_eq!(budget_requests(&sandboxes.meta), 4);
}

/// Through several server instances at once, nothing in any process keeps the decisions on one
/// campaign apart (each instance's writes take turns only among themselves): the campaign row,
/// locked by each budget decision until it commits, does, and still four are allowed. The race
/// is real on PostgreSQL; SQLite's one writer serializes them anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn meta_budget_changes_through_several_instances_count_each_other() {
    let app = TestApp::with_connections(12).await;
    // Each campaign is one race; several make a lost lock show on (almost) every run.
    for _ in 0..4 {
        let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(12));
        let changes: Vec<_> = (0..12_i64)
            .map(|i| {
                let instance = app.another_instance(&crate::support::test_config());
                let (campaign, barrier) = (campaign.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    change_budget(&instance, &campaign, 5100 + 100 * i).await
                })
            })
            .collect();
        let mut decisions = Vec::new();
        for change in changes {
            let payload = change.await.expect("the change ran");
            decisions.push((payload["verdict"]["decision"].clone(), payload["verdict"]["reason"].clone()));
        }
        let allowed = decisions.iter().filter(|(decision, _)| decision == "ALLOW").count();
        assert_eq!(allowed, 4, "{decisions:?}");
        assert!(
            decisions.iter().filter(|(decision, _)| decision == "DENY").all(|(_, reason)| reason == REASON)
        );
    }
}
