//! A server restarted in the middle of a dispatch: its new process settles at once what the
//! previous one left in flight (another instance waits for the lease), and a platform that cannot
//! be asked yet leaves the dispatch in flight until it can, never resent and never lost.

use std::sync::Arc;

use chrono::Utc;
use layers_dashboard::domain::Platform;
use layers_dashboard::platform::{PlatformError, SandboxAdapter};
use layers_dashboard::service::reconcile::ReconcileReport;
use sea_orm::{ActiveModelTrait, Set};

use super::{
    budget_dispatches, budget_requests, crash_budget_change, install, restart, restart_as, verdict,
    with_sandboxes,
};
use crate::support::{FakePlatform, Op, TestApp, read_campaign};

#[tokio::test]
async fn a_restarted_server_settles_the_dispatch_its_previous_process_left_in_flight_at_once() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    crash_budget_change(&app, &sandboxes.meta, &campaign, 8300).await;
    let crashed = app.services().holder.instance.clone();
    let (meta, tiktok, apple) = (sandboxes.meta.clone(), sandboxes.tiktok.clone(), sandboxes.apple.clone());

    // Another instance leaves a live lease alone: its holder may still be running.
    install(&mut app, meta.clone(), tiktok.clone(), apple.clone());
    let other = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(other, ReconcileReport::default());
    assert_eq!(budget_dispatches(&app, &campaign).await[0]["dispatchStatus"], "in_flight");

    // The crashed instance comes back: its earlier process is gone, so it settles the row now.
    restart_as(&mut app, crashed, meta, tiktok, apple);
    let report = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(report, ReconcileReport { succeeded: 1, ..Default::default() });
    let row = budget_dispatches(&app, &campaign).await.remove(0);
    assert_eq!(row["dispatchStatus"], "succeeded", "{row:#}");
    assert_eq!(row["dispatch"]["reconciled"], true, "{row:#}");
    let after = read_campaign(&app, &campaign).await;
    assert_eq!(after["dailyBudgetCents"], 8300);
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1, "applied once");
    assert_eq!(budget_requests(&sandboxes.meta), 1, "never sent again");
    let again = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(again, ReconcileReport::default());
}

#[tokio::test]
async fn a_dispatch_decided_but_not_started_before_a_restart_fails_at_once_and_can_be_retried() {
    let mut app = TestApp::new().await;
    let crashed = with_sandboxes(&mut app);
    let campaign = app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    crash_budget_change(&app, &crashed.tiktok, &campaign, 7200).await;
    // As if the process had died after the decision committed and before the call started.
    let row = budget_dispatches(&app, &campaign).await.remove(0);
    let id: uuid::Uuid = row["verdictId"].as_str().unwrap().parse().unwrap();
    entity::audit::ActiveModel {
        id: Set(id),
        dispatch_write: Set(None),
        dispatch_started_at: Set(None),
        dispatch_lease_id: Set(None),
        dispatch_lease_until: Set(None),
        dispatch_target: Set(None),
        ..Default::default()
    }
    .update(&app.services().db)
    .await
    .unwrap();

    let fresh = Arc::new(SandboxAdapter::new(Platform::Tiktok));
    restart(&mut app, crashed.meta.clone(), fresh.clone(), crashed.apple.clone());
    let report = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(report, ReconcileReport { failed: 1, ..Default::default() });
    let row = verdict(&app, &row["verdictId"]).await;
    assert_eq!(row["dispatchStatus"], "failed", "{row:#}");
    assert_eq!(row["dispatch"]["sent"], false, "{row:#}");
    assert_eq!(read_campaign(&app, &campaign).await, before, "nothing applied");

    let retried = super::change_budget(&app, &campaign, 7200).await;
    assert_eq!(retried["campaign"]["dailyBudgetCents"], 7200, "{retried:#}");
    assert_eq!(budget_requests(&fresh), 1);
}

#[tokio::test]
async fn a_platform_that_cannot_be_asked_yet_leaves_the_dispatch_in_flight_until_it_can() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    crash_budget_change(&app, &sandboxes.meta, &campaign, 9400).await;
    // The platform is down for the first two read-backs, then answers as the sandbox does.
    let flaky = Arc::new(FakePlatform::over(sandboxes.meta.clone()).fail_next(
        Op::Reconcile,
        2,
        PlatformError::transient("connection refused"),
    ));
    restart(&mut app, flaky.clone(), sandboxes.tiktok.clone(), sandboxes.apple.clone());

    for run in 1..=2 {
        let report = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
        assert_eq!(report, ReconcileReport { deferred: 1, ..Default::default() }, "run {run}");
        let row = budget_dispatches(&app, &campaign).await.remove(0);
        assert_eq!(row["dispatchStatus"], "in_flight", "asked again next run: {row:#}");
    }
    let report = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(report, ReconcileReport { succeeded: 1, ..Default::default() });
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 9400);
    assert_eq!(flaky.calls(Op::Reconcile).len(), 3);
    assert_eq!(budget_requests(&sandboxes.meta), 1, "never sent again");
}

#[tokio::test]
async fn a_platform_showing_nothing_right_after_a_restart_is_asked_again_until_the_settle_time() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    crash_budget_change(&app, &sandboxes.meta, &campaign, 8400).await;
    let crashed = app.services().holder.instance.clone();

    // The platform restarted too and shows nothing yet: it may still be applying the call.
    let forgetful = Arc::new(SandboxAdapter::new(Platform::Meta));
    restart_as(&mut app, crashed, forgetful.clone(), sandboxes.tiktok.clone(), sandboxes.apple.clone());
    let report = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(report, ReconcileReport { deferred: 1, ..Default::default() });
    assert_eq!(budget_dispatches(&app, &campaign).await[0]["dispatchStatus"], "in_flight");

    // Once the settle time has passed, "not there" is believed: failed, retryable, nothing applied.
    let later = Utc::now() + app.services().dispatch_settle + chrono::Duration::seconds(1);
    let report = app.services().reconcile_dispatches(later).await.unwrap();
    assert_eq!(report, ReconcileReport { failed: 1, ..Default::default() });
    let row = budget_dispatches(&app, &campaign).await.remove(0);
    assert_eq!(
        (&row["dispatchStatus"], &row["dispatch"]["error"]["retryable"]),
        (&"failed".into(), &true.into())
    );
    assert_eq!(read_campaign(&app, &campaign).await, before);
    assert!(forgetful.recorded().is_empty(), "nothing was sent again");
}
