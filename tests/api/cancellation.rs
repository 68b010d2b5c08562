//! A write survives its caller: a request dropped at any point (a closed tab, a load balancer
//! timeout) either never reached the gate or runs to its end, and leaves neither a dispatch in
//! flight nor a connection inside a transaction.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestApp, UPDATE_BUDGET};

/// Polls a future at most `polls` times, then drops it, as a client hanging up would.
struct HangUpAfter<F: Future> {
    inner: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for HangUpAfter<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls -= 1;
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending if self.polls == 0 => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

const IN_FLIGHT: &str =
    "query { auditLog(dispatchStatus: \"in_flight\", first: 10) { edges { node { id } } } }";
const BUDGET: &str = "query($id: ID!) { campaign(id: $id) { dailyBudgetCents version } }";

/// Sessions of this app's database left inside a transaction (PostgreSQL; 0 on SQLite), seen
/// from a connection of its own: asked through the app's pool, the question could land on the
/// very connection it is about, which is then busy answering it.
async fn sessions_in_a_transaction(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let Some(schema) = app.postgres_schema() else { return 0 };
    let url = std::env::var("TEST_DATABASE_URL").expect("a PostgreSQL test run names its database");
    let observer = sea_orm::Database::connect(url).await.expect("an observer connection");
    let sql = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = '{schema}' \
         AND state LIKE 'idle in transaction%'"
    );
    let row = observer
        .query_one_raw(Statement::from_string(observer.get_database_backend(), sql))
        .await
        .expect("query");
    row.expect("a row").try_get::<i64>("", "n").expect("count")
}

/// Sends `budget` for `campaign`, hanging up after `polls` polls; then waits for whatever the
/// request left running and checks that it left nothing half-done.
async fn hang_up_and_check(app: &TestApp, campaign: &str, budget: i64, polls: usize) -> Option<Value> {
    let token = app.customer();
    let write = app.gql(
        Some(&token),
        UPDATE_BUDGET,
        json!({ "input": { "campaignId": campaign, "dailyBudgetCents": budget } }),
    );
    let answered = HangUpAfter { inner: Box::pin(write), polls }.await;
    assert!(app.services().detached.drain(Duration::from_secs(30)).await, "detached writes finish");
    let in_flight = app.ok(&token, IN_FLIGHT, json!({})).await;
    assert_eq!(in_flight["auditLog"]["edges"], json!([]), "nothing left in flight after {polls} polls");
    assert_eq!(
        sessions_in_a_transaction(app).await,
        0,
        "no connection left in a transaction after {polls} polls"
    );
    answered
}

#[tokio::test]
async fn a_write_dropped_at_any_await_point_runs_to_its_end_or_never_starts() {
    let app = TestApp::new().await;
    let campaign = app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    let token = app.customer();
    let mut completed_unanswered = 0;
    for polls in 1..=200 {
        let budget = 6_000 + polls as i64;
        let before = app.ok(&token, BUDGET, json!({ "id": campaign })).await["campaign"].clone();
        let answered = hang_up_and_check(&app, &campaign, budget, polls).await;
        let after = app.ok(&token, BUDGET, json!({ "id": campaign })).await["campaign"].clone();
        match answered {
            Some(response) => {
                let payload = &response["data"]["updateCampaignBudget"];
                assert_eq!(payload["verdict"]["decision"], "ALLOW", "{response:#}");
                assert_eq!(after["dailyBudgetCents"], budget);
                assert!(completed_unanswered > 0, "some hang-up happened after the write started");
                return;
            }
            // Dropped: the write either never started (nothing changed) or ran to its end alone.
            None if after["dailyBudgetCents"] == budget => {
                completed_unanswered += 1;
                assert_ne!(before["version"], after["version"]);
            }
            None => assert_eq!(before, after, "a write that did not complete changed nothing"),
        }
    }
    panic!("the write never completed within 200 polls");
}
#[tokio::test]
async fn a_queued_write_dropped_mid_way_leaves_one_pending_action_or_none() {
    let app = TestApp::new().await;
    let campaign = app.campaign("TIKTOK", ("DRAFT", "DRAFT")).await;
    let token = app.customer();
    const PENDING: &str =
        "query { pendingActions(status: PENDING, first: 50) { edges { node { id after } } } }";
    for polls in 1..=200 {
        let answered = hang_up_and_check(&app, &campaign, 7_000 + polls as i64, polls).await;
        let pending = app.ok(&token, PENDING, json!({})).await;
        let waiting = pending["pendingActions"]["edges"].as_array().expect("edges").len();
        assert!(waiting <= 1, "one budget proposal waits at a time: {pending:#}");
        if answered.is_some() {
            assert_eq!(waiting, 1);
            return;
        }
    }
    panic!("the write never completed within 200 polls");
}

#[tokio::test]
async fn a_transaction_dropped_while_it_begins_leaves_no_connection_inside_it() {
    let app = TestApp::new().await;
    let db = &app.services().db;
    for polls in 1..=20 {
        let begun = HangUpAfter { inner: Box::pin(layers_dashboard::store::begin(db)), polls }.await;
        drop(begun);
    }
    // What the dropped callers left behind has finished and gone back to the pool.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sessions_in_a_transaction(&app).await, 0, "no connection left inside a transaction");
}
