//! No write is applied twice or out of order: a settled dispatch is never settled again, and
//! concurrent writes to one platform object reach the platform and local state in one order.

use chrono::{Duration, Utc};
use layers_dashboard::service::reconcile::ReconcileReport;

use super::{budget_changes, budget_dispatches, change_budget, simultaneous_budget_changes, with_sandboxes};
use crate::support::{TestApp, read_campaign};

#[tokio::test]
async fn a_settled_dispatch_is_never_settled_or_applied_again() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let payload = change_budget(&app, &campaign, 7000).await;
    assert_eq!(payload["campaign"]["version"], 2, "{payload:#}");
    let rows = budget_dispatches(&app, &campaign).await;
    assert_eq!(rows[0]["dispatchStatus"], "succeeded");

    let later = Utc::now() + Duration::days(1);
    let report = app.services().reconcile_dispatches(later).await.unwrap();
    assert_eq!(report, ReconcileReport::default());
    assert_eq!(read_campaign(&app, &campaign).await["version"], 2);
    assert_eq!(budget_changes(&sandboxes.meta), [7000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_to_one_campaign_apply_in_the_order_the_platform_took_them() {
    let mut app = TestApp::with_connections(12).await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    let app = std::sync::Arc::new(app);
    let mut succeeded = 0;
    for payload in simultaneous_budget_changes(&app, &campaign, 8).await {
        assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
        if payload["userErrors"].as_array().unwrap().is_empty() {
            succeeded += 1;
        }
    }
    let sent = budget_changes(&sandboxes.tiktok);
    assert_eq!(sent.len(), succeeded, "every success was sent once, and nothing else was");
    let read = read_campaign(&app, &campaign).await;
    assert_eq!(read["dailyBudgetCents"], *sent.last().unwrap(), "local state ends where the platform did");
    assert_eq!(read["version"], 1 + i64::try_from(succeeded).unwrap());

    let mut rows = budget_dispatches(&app, &campaign).await;
    rows.retain(|row| row["dispatchStatus"] == "succeeded");
    rows.sort_by_key(|row| row["dispatchStartedAt"].as_str().unwrap().to_owned());
    let applied: Vec<i64> =
        rows.iter().map(|row| row["request"]["budget"]["daily"].as_i64().expect("budget")).collect();
    assert_eq!(applied, sent, "calls started in the order the platform took them");
}
