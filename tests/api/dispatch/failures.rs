//! A platform refusal leaves local state unchanged, says in the audit row whether a retry may
//! succeed, and moves a pending action to `FAILED` (with an event); approving it again retries
//! it through the gate and applies it once.

use layers_dashboard::platform::PlatformError;
use serde_json::{Value, json};

use super::{approve, budget_requests, change_budget, verdict, with_sandboxes};
use crate::support::{TestApp, next_event, read_campaign, subscribe};

const EVENTS: &str = "subscription { pendingActionEvents { kind pendingAction { id status } } }";

#[tokio::test]
async fn a_failed_approval_leaves_the_campaign_unchanged_and_a_retry_applies_it_once() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("DRAFT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    let mut events = subscribe(&app, &app.customer(), EVENTS).await;
    let queued = change_budget(&app, &campaign, 7500).await;
    let action = queued["pendingAction"]["id"].clone();
    assert_eq!(
        next_event(&mut events, 2000).await.expect("created")["data"]["pendingActionEvents"]["kind"],
        "CREATED"
    );

    sandboxes.meta.fail_next(PlatformError::transient("upstream timed out"));
    let failed = approve(&app, &action).await;
    assert_eq!(failed["verdict"]["decision"], "ALLOW", "{failed:#}");
    assert_eq!(failed["userErrors"][0]["code"], "PLATFORM_TRANSIENT", "{failed:#}");
    assert_eq!(failed["pendingAction"]["status"], "FAILED", "{failed:#}");
    assert_eq!(failed["pendingAction"]["resolutionReason"], "PLATFORM_TRANSIENT", "{failed:#}");
    assert_eq!(read_campaign(&app, &campaign).await, before, "a failed dispatch changes nothing locally");
    let row = verdict(&app, &failed["verdict"]["id"]).await;
    assert_eq!(row["dispatchStatus"], "failed", "{row:#}");
    assert_eq!(row["dispatch"]["error"]["code"], "PLATFORM_TRANSIENT", "{row:#}");
    assert_eq!(row["dispatch"]["error"]["retryable"], true, "{row:#}");
    let kinds: Vec<Value> = [next_event(&mut events, 2000).await, next_event(&mut events, 2000).await]
        .into_iter()
        .map(|event| event.expect("event")["data"]["pendingActionEvents"]["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("APPROVED"), json!("FAILED")]);

    let retried = approve(&app, &action).await;
    assert_eq!(retried["verdict"]["decision"], "ALLOW", "{retried:#}");
    assert_ne!(retried["verdict"]["id"], failed["verdict"]["id"], "a retry is a new verdict");
    let trace = retried["verdict"]["trace"].as_array().expect("trace");
    assert!(trace.contains(&json!("pending_status=failed")), "{trace:?}");
    assert_eq!(retried["userErrors"], json!([]), "{retried:#}");
    assert_eq!(retried["pendingAction"]["status"], "DISPATCHED", "{retried:#}");
    assert_eq!(retried["campaign"]["dailyBudgetCents"], 7500);
    assert_eq!(retried["campaign"]["version"], before["version"].as_i64().unwrap() + 1);
    assert_eq!(verdict(&app, &retried["verdict"]["id"]).await["dispatchStatus"], "succeeded");

    let again = approve(&app, &action).await;
    assert_eq!(again["verdict"]["reason"], "not_pending", "{again:#}");
    let after = read_campaign(&app, &campaign).await;
    assert_eq!(after["version"], retried["campaign"]["version"], "applied once");
    assert_eq!(budget_requests(&sandboxes.meta), 1, "the platform received the write once");
}

#[tokio::test]
async fn a_permanent_refusal_is_marked_not_retryable_and_changes_nothing() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    sandboxes.tiktok.fail_next(PlatformError::permanent("advertiser is disabled"));
    let refused = change_budget(&app, &campaign, 9000).await;
    assert_eq!(refused["verdict"]["decision"], "ALLOW", "{refused:#}");
    assert_eq!(refused["userErrors"][0]["code"], "PLATFORM_PERMANENT", "{refused:#}");
    assert_eq!(refused["campaign"]["dailyBudgetCents"], 5000, "{refused:#}");
    assert_eq!(read_campaign(&app, &campaign).await, before);
    let row = verdict(&app, &refused["verdict"]["id"]).await;
    assert_eq!(row["dispatchStatus"], "failed", "{row:#}");
    assert_eq!(row["dispatch"]["error"]["retryable"], false, "{row:#}");
    assert_eq!(budget_requests(&sandboxes.tiktok), 0);
}
