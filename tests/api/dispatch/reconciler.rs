//! After a crash between the platform call and recording its answer, the reconciler settles the
//! dispatch from what the platform shows: applied once, or failed and retryable; never a dispatch
//! whose lease is still live, and never twice when several reconcilers race.

use std::sync::Arc;

use chrono::{Duration, Utc};
use layers_dashboard::domain::Platform;
use layers_dashboard::platform::{PlatformError, Reconciliation};
use layers_dashboard::service::reconcile::ReconcileReport;
use serde_json::json;

use super::{
    approve, budget_dispatches, budget_requests, change_budget, crash_approval, crash_budget_change, install,
    verdict, with_sandboxes,
};
use crate::support::{Answer, FakePlatform, Op, TestApp, read_campaign};

/// A Meta platform that takes writes but cannot read them back: every read-back is `Unknown`.
fn no_read_back() -> Arc<FakePlatform> {
    Arc::new(FakePlatform::new(Platform::Meta).always(Op::Reconcile, Answer::Reads(Reconciliation::Unknown)))
}

/// Later than every lease taken now.
fn after_the_lease(app: &TestApp) -> chrono::DateTime<Utc> {
    Utc::now() + app.services().dispatch_lease + Duration::seconds(1)
}

#[tokio::test]
async fn a_crash_after_the_platform_applied_is_settled_once_as_succeeded() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    crash_budget_change(&app, &sandboxes.meta, &campaign, 8800).await;

    let rows = budget_dispatches(&app, &campaign).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["dispatchStatus"], "in_flight", "{rows:#?}");
    assert!(rows[0]["dispatchStartedAt"].is_string(), "the start is recorded before the call");
    assert_eq!(read_campaign(&app, &campaign).await, before, "nothing applied before the answer");

    let live = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(live, ReconcileReport::default(), "a live lease is not touched");
    assert_eq!(budget_dispatches(&app, &campaign).await[0]["dispatchStatus"], "in_flight");

    let settled = app.services().reconcile_dispatches(after_the_lease(&app)).await.unwrap();
    assert_eq!(settled, ReconcileReport { succeeded: 1, ..Default::default() });
    let row = verdict(&app, &rows[0]["verdictId"]).await;
    assert_eq!(row["dispatchStatus"], "succeeded", "{row:#}");
    assert_eq!(row["dispatch"]["reconciled"], true, "{row:#}");
    let after = read_campaign(&app, &campaign).await;
    assert_eq!(after["dailyBudgetCents"], 8800);
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);

    let again =
        app.services().reconcile_dispatches(after_the_lease(&app) + Duration::hours(1)).await.unwrap();
    assert_eq!(again, ReconcileReport::default());
    assert_eq!(read_campaign(&app, &campaign).await, after, "applied once");
    assert_eq!(budget_requests(&sandboxes.meta), 1, "never sent again");
}

#[tokio::test]
async fn a_crash_before_the_platform_applied_fails_the_action_which_a_retry_applies_once() {
    let mut app = TestApp::new().await;
    let crashed = with_sandboxes(&mut app);
    let campaign = app.campaign("TIKTOK", ("DRAFT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    let action = change_budget(&app, &campaign, 6400).await["pendingAction"]["id"].clone();
    crash_approval(&app, &crashed.tiktok, &action).await;

    // The process restarts: its sandbox remembers nothing, as a platform the write never reached.
    let restarted = with_sandboxes(&mut app);
    let report = app.services().reconcile_dispatches(after_the_lease(&app)).await.unwrap();
    assert_eq!(report, ReconcileReport { failed: 1, ..Default::default() });
    let rows = budget_dispatches(&app, &campaign).await;
    assert_eq!(rows[0]["dispatchStatus"], "failed", "{rows:#?}");
    assert_eq!(rows[0]["dispatch"]["error"]["code"], "DISPATCH_INTERRUPTED", "{rows:#?}");
    assert_eq!(rows[0]["dispatch"]["error"]["retryable"], true, "{rows:#?}");
    assert_eq!(read_campaign(&app, &campaign).await, before);
    let status = "query($id: ID!) { node(id: $id) { ... on PendingAction { status resolutionReason } } }";
    let read = app.ok(&app.customer(), status, json!({ "id": action })).await;
    assert_eq!(read["node"]["status"], "FAILED", "{read:#}");
    assert_eq!(read["node"]["resolutionReason"], "DISPATCH_INTERRUPTED", "{read:#}");

    let retried = approve(&app, &action).await;
    assert_eq!(retried["pendingAction"]["status"], "DISPATCHED", "{retried:#}");
    assert_eq!(retried["campaign"]["dailyBudgetCents"], 6400);
    assert_eq!(retried["campaign"]["version"], before["version"].as_i64().unwrap() + 1);
    assert_eq!(budget_requests(&restarted.tiktok), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_reconcilers_settle_each_dispatch_once() {
    let mut app = TestApp::with_connections(10).await;
    let sandboxes = with_sandboxes(&mut app);
    let mut campaigns = Vec::new();
    for cents in [6100, 6200, 6300] {
        let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
        crash_budget_change(&app, &sandboxes.meta, &campaign, cents).await;
        campaigns.push((campaign, cents));
    }
    let at = after_the_lease(&app);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(4));
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let services = app.services().clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                services.reconcile_dispatches(at).await.unwrap()
            })
        })
        .collect();
    let mut total = ReconcileReport::default();
    for run in runs {
        let report = run.await.unwrap();
        total.succeeded += report.succeeded;
        total.failed += report.failed;
        total.unknown += report.unknown;
    }
    assert_eq!((total.succeeded, total.failed, total.unknown), (3, 0, 0), "{total:?}");
    for (campaign, cents) in campaigns {
        let read = read_campaign(&app, &campaign).await;
        assert_eq!(read["dailyBudgetCents"], cents);
        assert_eq!(read["version"], 2, "applied exactly once: {read:#}");
    }
    assert_eq!(budget_requests(&sandboxes.meta), 3);
}

#[tokio::test]
async fn an_update_the_platform_cannot_account_for_is_sent_again_and_applied_once() {
    let mut app = TestApp::new().await;
    let crashed = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("DRAFT", "AUTOPILOT")).await;
    let action = change_budget(&app, &campaign, 6600).await["pendingAction"]["id"].clone();
    crash_approval(&app, &crashed.meta, &action).await;

    let restarted = with_sandboxes(&mut app);
    let blind = no_read_back();
    install(&mut app, blind.clone(), restarted.tiktok, restarted.apple);
    let report = app.services().reconcile_dispatches(after_the_lease(&app)).await.unwrap();
    assert_eq!(report, ReconcileReport { succeeded: 1, ..Default::default() });
    assert_eq!(budget_requests(blind.sandbox()), 1, "sent again once: it sets an absolute value");
    let read = read_campaign(&app, &campaign).await;
    assert_eq!((&read["dailyBudgetCents"], &read["version"]), (&json!(6600), &json!(2)), "{read:#}");
    let status = "query($id: ID!) { node(id: $id) { ... on PendingAction { status } } }";
    let read = app.ok(&app.customer(), status, json!({ "id": action })).await;
    assert_eq!(read["node"]["status"], "DISPATCHED", "{read:#}");
    let rows = budget_dispatches(&app, &campaign).await;
    assert_eq!(rows[0]["dispatch"]["sent_again"], true, "{rows:#?}");

    let again =
        app.services().reconcile_dispatches(after_the_lease(&app) + Duration::hours(1)).await.unwrap();
    assert_eq!(again, ReconcileReport::default());
    assert_eq!(budget_requests(blind.sandbox()), 1, "settled: never sent a third time");
}

#[tokio::test]
async fn an_update_is_not_sent_again_once_the_kill_switch_is_tripped() {
    let mut app = TestApp::new().await;
    let crashed = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    crash_budget_change(&app, &crashed.meta, &campaign, 7300).await;
    crate::support::set_kill_switch(&app, "META", true).await;

    let restarted = with_sandboxes(&mut app);
    let blind = no_read_back();
    install(&mut app, blind.clone(), restarted.tiktok, restarted.apple);
    let report = app.services().reconcile_dispatches(after_the_lease(&app)).await.unwrap();
    assert_eq!(report, ReconcileReport { unknown: 1, ..Default::default() });
    assert!(blind.sandbox().recorded().is_empty(), "no platform call after the trip");
    assert_eq!(read_campaign(&app, &campaign).await, before);
    let rows = budget_dispatches(&app, &campaign).await;
    assert_eq!(rows[0]["dispatchStatus"], "unknown", "{rows:#?}");
    assert_eq!(rows[0]["dispatch"]["needs_attention"], true, "{rows:#?}");
}

#[tokio::test]
async fn a_create_the_platform_cannot_account_for_is_marked_unknown_and_never_resent() {
    let mut app = TestApp::new().await;
    let crashed = with_sandboxes(&mut app);
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    crashed.meta.crash_after_send_next();
    let input = json!({ "input": { "platform": "META", "name": "Lost", "dailyBudgetCents": 5000,
        "outcome": "CONVERSIONS", "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" } });
    let token = app.customer();
    let create = app.ok(&token, crate::support::CREATE_CAMPAIGN, input);
    let answered = tokio::time::timeout(std::time::Duration::from_millis(500), create).await;
    assert!(answered.is_err(), "the crashed create answered: {answered:?}");
    let campaigns_before = crate::support::row_totals(&app).await.2;

    let restarted = with_sandboxes(&mut app);
    let blind = no_read_back();
    install(&mut app, blind.clone(), restarted.tiktok, restarted.apple);
    let report = app.services().reconcile_dispatches(after_the_lease(&app)).await.unwrap();
    assert_eq!(report, ReconcileReport { unknown: 1, ..Default::default() });

    let query =
        "{ auditLog(dispatchStatus: \"unknown\", first: 10) { nodes { action dispatchStatus dispatch } } }";
    let rows = app.ok(&app.customer(), query, json!({})).await["auditLog"]["nodes"].clone();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows:#}");
    assert_eq!(rows[0]["action"], "campaign.create", "{rows:#}");
    assert_eq!(rows[0]["dispatch"]["needs_attention"], true, "{rows:#}");
    assert_eq!(rows[0]["dispatch"]["error"]["code"], "DISPATCH_OUTCOME_UNKNOWN", "{rows:#}");
    assert_eq!(crate::support::row_totals(&app).await.2, campaigns_before, "no campaign recorded");

    let again =
        app.services().reconcile_dispatches(after_the_lease(&app) + Duration::hours(1)).await.unwrap();
    assert_eq!(again, ReconcileReport::default());
    assert!(blind.sandbox().recorded().is_empty(), "a create is never sent again blindly");
    let bad = app
        .gql(Some(&app.customer()), "{ auditLog(dispatchStatus: \"lost\") { nodes { action } } }", json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{bad:#}");
}

#[tokio::test]
async fn a_dispatch_decided_but_never_started_fails_once_its_decider_had_a_whole_lease() {
    use sea_orm::{ActiveModelTrait, Set};
    let mut app = TestApp::new().await;
    let crashed = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    crash_budget_change(&app, &crashed.meta, &campaign, 7100).await;
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
    with_sandboxes(&mut app);

    let early = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(early, ReconcileReport::default(), "its decider may still start it");
    let report = app.services().reconcile_dispatches(after_the_lease(&app)).await.unwrap();
    assert_eq!(report, ReconcileReport { failed: 1, ..Default::default() });
    let row = verdict(&app, &row["verdictId"]).await;
    assert_eq!(row["dispatchStatus"], "failed", "{row:#}");
    assert_eq!(row["dispatch"]["sent"], false, "{row:#}");
    assert_eq!(row["dispatch"]["error"]["code"], "DISPATCH_INTERRUPTED", "{row:#}");
    assert_eq!(read_campaign(&app, &campaign).await, before);
}

#[tokio::test]
async fn an_unknown_outcome_stays_in_flight_until_the_next_reconciler_run_finds_it_applied() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let before = read_campaign(&app, &campaign).await;
    // The platform applies every write but answers that it cannot tell (a create that timed out
    // and could not be read back); asked later, it shows the write applied.
    let lost = PlatformError::transient("no answer within 30000 ms")
        .into_outcome_unknown("the platform could not confirm it");
    let platform =
        Arc::new(FakePlatform::new(Platform::Meta).always(Op::Dispatch, Answer::ApplyThenFail(lost)));
    install(&mut app, platform.clone(), sandboxes.tiktok, sandboxes.apple);

    let payload = change_budget(&app, &campaign, 7100).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "DISPATCH_OUTCOME_PENDING", "{payload:#}");
    assert_eq!(read_campaign(&app, &campaign).await, before, "nothing applied while unknown");
    let rows = budget_dispatches(&app, &campaign).await;
    assert_eq!(rows[0]["dispatchStatus"], "in_flight", "left to the reconciler: {rows:#?}");
    assert_eq!(rows[0]["dispatch"]["pending"], true, "why it waits is readable: {rows:#?}");
    assert_eq!(rows[0]["dispatch"]["error"]["code"], "PLATFORM_OUTCOME_UNKNOWN", "{rows:#?}");

    // The dispatch gave its lease up: the next run asks the platform, without waiting for it.
    let report = app.services().reconcile_dispatches(Utc::now()).await.unwrap();
    assert_eq!(report, ReconcileReport { succeeded: 1, ..Default::default() });
    let rows = budget_dispatches(&app, &campaign).await;
    assert_eq!(rows[0]["dispatchStatus"], "succeeded", "{rows:#?}");
    assert_eq!(
        rows[0]["dispatch"]["earlier"]["error"]["code"], "PLATFORM_OUTCOME_UNKNOWN",
        "the first error stays on record: {rows:#?}"
    );
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 7100);
    assert_eq!(budget_requests(platform.sandbox()), 1, "sent once, never again");
}
