//! Dispatch you can trust: the audit row as a dispatch ledger, failures that leave local state
//! unchanged and can be retried, the reconciler settling dispatches a crash left in flight, no
//! write applied twice or out of order, and Meta's hourly budget-change limit.

mod failures;
mod ledger;
mod meta_limit;
mod ordering;
mod reconciler;
mod restart;

use std::sync::Arc;
use std::time::Duration;

use layers_dashboard::auth::Secret;
use layers_dashboard::domain::Platform;
use layers_dashboard::events::EventBus;
use layers_dashboard::platform::{PlatformAdapter, PlatformProxy, SandboxAdapter};
use layers_dashboard::{AppConfig, build_state_with};
use serde_json::{Value, json};

use crate::support::{SECRET, TestApp, UPDATE_BUDGET, VERDICT, audit_rows};

/// The sandboxes behind an app, kept so a test can make them fail, crash or show what they took.
pub struct Sandboxes {
    pub meta: Arc<SandboxAdapter>,
    pub tiktok: Arc<SandboxAdapter>,
    pub apple: Arc<SandboxAdapter>,
}

/// Gives `app` fresh sandboxes (as a restarted process would have: they remember nothing) and
/// returns handles to them.
pub fn with_sandboxes(app: &mut TestApp) -> Sandboxes {
    let sandboxes = Sandboxes {
        meta: Arc::new(SandboxAdapter::new(Platform::Meta)),
        tiktok: Arc::new(SandboxAdapter::new(Platform::Tiktok)),
        apple: Arc::new(SandboxAdapter::new(Platform::Apple)),
    };
    install(app, sandboxes.meta.clone(), sandboxes.tiktok.clone(), sandboxes.apple.clone());
    sandboxes
}

/// Rebuilds `app` (same database) around the given adapters, as another server instance.
pub fn install(
    app: &mut TestApp,
    meta: Arc<dyn PlatformAdapter>,
    tiktok: Arc<dyn PlatformAdapter>,
    apple: Arc<dyn PlatformAdapter>,
) {
    let config = AppConfig::new(Secret::from(SECRET.to_owned()));
    rebuild(app, config, [meta, tiktok, apple]);
}

/// Rebuilds `app` (same database) around the given adapters, as the same server instance
/// started again (a new boot).
pub fn restart(
    app: &mut TestApp,
    meta: Arc<dyn PlatformAdapter>,
    tiktok: Arc<dyn PlatformAdapter>,
    apple: Arc<dyn PlatformAdapter>,
) {
    let instance = app.services().holder.instance.clone();
    restart_as(app, instance, meta, tiktok, apple);
}

/// Rebuilds `app` (same database) around the given adapters, as server instance `instance`
/// started again (a new boot).
pub fn restart_as(
    app: &mut TestApp,
    instance: String,
    meta: Arc<dyn PlatformAdapter>,
    tiktok: Arc<dyn PlatformAdapter>,
    apple: Arc<dyn PlatformAdapter>,
) {
    let mut config = AppConfig::new(Secret::from(SECRET.to_owned()));
    config.instance = instance;
    rebuild(app, config, [meta, tiktok, apple]);
}

fn rebuild(app: &mut TestApp, config: AppConfig, [meta, tiktok, apple]: [Arc<dyn PlatformAdapter>; 3]) {
    let proxy = PlatformProxy::from_adapters(meta, tiktok, apple).expect("one adapter per platform");
    let db = app.services().db.clone();
    app.state = build_state_with(db, &config, Arc::new(proxy), EventBus::in_process());
}

/// How many budget changes (not creates) `sandbox` accepted.
pub fn budget_requests(sandbox: &SandboxAdapter) -> usize {
    budget_changes(sandbox).len()
}

/// The budget changes (not creates) `sandbox` accepted, oldest first, in minor units.
pub fn budget_changes(sandbox: &SandboxAdapter) -> Vec<i64> {
    sandbox
        .recorded()
        .iter()
        .filter(|request| !request.path.ends_with("/campaigns") && !request.path.contains("/create/"))
        .filter_map(|request| {
            let body = &request.body;
            body.get("daily_budget").or_else(|| body.get("budget")).map(minor_units)
        })
        .collect()
}

/// A recorded amount in minor units: Meta sends them as they are, TikTok a decimal major unit.
fn minor_units(value: &Value) -> i64 {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.contains('.') || matches!(value, Value::Number(n) if n.is_f64()) {
        (text.parse::<f64>().expect("decimal amount") * 100.0).round() as i64
    } else {
        text.parse().expect("integer amount")
    }
}

/// Changes `campaign`'s daily budget as the customer and returns the payload.
pub async fn change_budget(app: &TestApp, campaign: &str, cents: i64) -> Value {
    let input = json!({ "input": { "campaignId": campaign, "dailyBudgetCents": cents } });
    app.ok(&app.customer(), UPDATE_BUDGET, input).await["updateCampaignBudget"].clone()
}

/// Sends a budget change whose platform call never answers (the sandbox was told to crash after
/// sending) and drops it, as a process dying during the call would.
pub async fn crash_budget_change(app: &TestApp, sandbox: &SandboxAdapter, campaign: &str, cents: i64) {
    let before = sandbox.recorded().len();
    sandbox.crash_after_send_next();
    let answered =
        tokio::time::timeout(Duration::from_millis(500), change_budget(app, campaign, cents)).await;
    assert!(answered.is_err(), "the crashed dispatch answered: {answered:?}");
    assert_eq!(sandbox.recorded().len(), before + 1, "the platform received the write");
}

/// Approves pending action `id` with a platform call that never answers (the sandbox was told to
/// crash after sending) and drops it, as a process dying during the call would.
pub async fn crash_approval(app: &TestApp, sandbox: &SandboxAdapter, id: &Value) {
    let before = sandbox.recorded().len();
    sandbox.crash_after_send_next();
    let answered = tokio::time::timeout(Duration::from_millis(500), approve(app, id)).await;
    assert!(answered.is_err(), "the crashed approval answered: {answered:?}");
    assert_eq!(sandbox.recorded().len(), before + 1, "the platform received the write");
}

/// Sends `count` budget changes of `campaign` at once (5100, 5200, … cents) and returns their
/// payloads in the order they were started.
pub async fn simultaneous_budget_changes(app: &Arc<TestApp>, campaign: &str, count: usize) -> Vec<Value> {
    let barrier = Arc::new(tokio::sync::Barrier::new(count));
    let changes: Vec<_> = (0..count as i64)
        .map(|i| {
            let (app, campaign, barrier) = (app.clone(), campaign.to_owned(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                change_budget(&app, &campaign, 5100 + 100 * i).await
            })
        })
        .collect();
    let mut payloads = Vec::with_capacity(count);
    for change in changes {
        payloads.push(change.await.expect("the change ran"));
    }
    payloads
}

/// Approves pending action `id` as the customer and returns the payload.
pub async fn approve(app: &TestApp, id: &Value) -> Value {
    let query = "mutation($id: ID!) { approvePendingAction(id: $id) {
        verdict { id decision reason trace }
        campaign { id dailyBudgetCents version }
        pendingAction { id status resolutionReason }
        userErrors { code message } } }";
    app.ok(&app.customer(), query, json!({ "id": id })).await["approvePendingAction"].clone()
}

/// The audit row of verdict `id`.
pub async fn verdict(app: &TestApp, id: &Value) -> Value {
    app.ok(&app.customer(), VERDICT, json!({ "id": id })).await["verdict"].clone()
}

/// The audit rows of allowed budget changes of `campaign` with their dispatch, newest first.
pub async fn budget_dispatches(app: &TestApp, campaign: &str) -> Vec<Value> {
    let query = "query($campaignId: ID) { auditLog(campaignId: $campaignId, first: 100) {
        nodes { verdictId action decision dispatchStatus dispatch dispatchStartedAt request } } }";
    let data = app.ok(&app.customer(), query, json!({ "campaignId": campaign })).await;
    data["auditLog"]["nodes"]
        .as_array()
        .expect("audit rows")
        .iter()
        .filter(|row| row["action"] == "campaign.budget" && row["decision"] == "ALLOW")
        .cloned()
        .collect()
}

/// Every audit row of the app's organization, for assertions about what was (not) written.
pub async fn all_rows(app: &TestApp) -> Vec<Value> {
    audit_rows(app, &app.customer(), json!({})).await
}
