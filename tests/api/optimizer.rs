//! The optimizer cycle through the API: metrics make an ad fatigued, the cycle proposes its prune
//! and a replacement through the gate as the optimizer, guardrails hold, and a second run
//! proposes nothing new.

use serde_json::{Value, json};

use crate::support::{FakePlatform, Op, TestApp, insert_creative};

const RUN: &str = "mutation { runOptimizer { run { id trigger proposals {
    action adId adSetId creativeId classification verdictId decision reason skipped } } } }";
const SIMULATE: &str = "mutation($input: SimulateAdMetricsInput!) { simulateAdMetrics(input: $input) { days userErrors { code } } }";
const AUTHORITY: &str =
    "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) { applied } }";

/// A campaign (creative axis `creative`) with one ad set showing `ads` creatives; returns the
/// campaign id, the ad set id and the ad ids.
pub(crate) async fn live_ad_set(app: &TestApp, ads: usize, creative: &str) -> (String, String, Vec<String>) {
    let token = app.customer();
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = app
        .ok(
            &token,
            "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) { adSet { id } } }",
            json!({ "input": { "campaignId": campaign, "name": "Ad set" } }),
        )
        .await["createAdSet"]["adSet"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ids = Vec::new();
    for index in 0..ads {
        let creative_id = insert_creative(app, &format!("Creative {index}")).await;
        let launched = app
            .ok(
                &token,
                "mutation($input: LaunchAdInput!) { launchAd(input: $input) { ad { id } userErrors { code } } }",
                json!({ "input": { "adSetId": ad_set, "name": format!("Ad {index}"), "creativeId": creative_id } }),
            )
            .await;
        ids.push(launched["launchAd"]["ad"]["id"].as_str().expect("ad launched").to_owned());
    }
    app.ok(&token, AUTHORITY, json!({ "input": { "campaignId": campaign, "creative": creative } })).await;
    (campaign, ad_set, ids)
}

pub(crate) async fn simulate(app: &TestApp, ad: &str, profile: &str, days: i32) {
    let data = app
        .ok(&app.customer(), SIMULATE, json!({ "input": { "adId": ad, "profile": profile, "days": days } }))
        .await;
    assert_eq!(data["simulateAdMetrics"]["days"], days, "{data:#}");
}

async fn run(app: &TestApp) -> Vec<Value> {
    let data = app.ok(&app.customer(), RUN, json!({})).await;
    data["runOptimizer"]["run"]["proposals"].as_array().cloned().unwrap_or_default()
}

async fn pending_count(app: &TestApp) -> usize {
    let data = app
        .ok(
            &app.customer(),
            "{ pendingActions(status: PENDING, first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    data["pendingActions"]["edges"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_fatigued_ad_is_proposed_for_approval_and_ends_disabled() {
    let app = TestApp::new().await;
    let (_, _, ads) = live_ad_set(&app, 2, "DRAFT").await;
    simulate(&app, &ads[0], "FATIGUING", 10).await;
    simulate(&app, &ads[1], "HEALTHY", 10).await;
    let spare = insert_creative(&app, "Fresh creative").await;

    let classified = app
        .ok(
            &app.customer(),
            "query($id: ID!) { node(id: $id) { ... on Ad { classification } } }",
            json!({ "id": ads[0] }),
        )
        .await;
    assert_eq!(classified["node"]["classification"], "FATIGUED");

    let proposals = run(&app).await;
    let prune = proposals.iter().find(|p| p["action"] == "ad.prune").expect("a prune proposal");
    assert_eq!(prune["adId"], ads[0]);
    assert_eq!(prune["classification"], "FATIGUED");
    assert_eq!(prune["decision"], "queue_for_approval");
    let launch = proposals.iter().find(|p| p["action"] == "ad.launch").expect("a replacement");
    assert_eq!(launch["creativeId"], spare);
    assert_eq!(launch["decision"], "queue_for_approval");
    assert_eq!(proposals.len(), 2, "only the fatigued ad is pruned: {proposals:#?}");

    let queued = app
        .ok(&app.customer(), "{ pendingActions(status: PENDING, first: 10) { edges { node { id kind proposedBy { actorType } } } } }", json!({}))
        .await;
    let prune_action = queued["pendingActions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|edge| edge["node"]["kind"] == "ad.prune")
        .expect("the prune is waiting")["node"]
        .clone();
    assert_eq!(prune_action["proposedBy"]["actorType"], "OPTIMIZER");
    let approved = app
        .ok(
            &app.customer(),
            "mutation($id: ID!) { approvePendingAction(id: $id) { verdict { decision } ad { status creative { state } } } }",
            json!({ "id": prune_action["id"] }),
        )
        .await;
    assert_eq!(approved["approvePendingAction"]["verdict"]["decision"], "ALLOW");
    assert_eq!(approved["approvePendingAction"]["ad"]["status"], "PAUSED");
    assert_eq!(approved["approvePendingAction"]["ad"]["creative"]["state"], "DISABLED");
}

#[tokio::test]
async fn running_the_cycle_twice_proposes_nothing_new() {
    let app = TestApp::new().await;
    let (_, _, ads) = live_ad_set(&app, 2, "DRAFT").await;
    simulate(&app, &ads[0], "FAILING", 10).await;
    simulate(&app, &ads[1], "HEALTHY", 10).await;
    insert_creative(&app, "Fresh creative").await;

    let first = run(&app).await;
    assert_eq!(first.iter().filter(|p| p["decision"] == "queue_for_approval").count(), 2, "{first:#?}");
    assert_eq!(first.iter().find(|p| p["action"] == "ad.prune").unwrap()["classification"], "CRITICAL");
    let waiting = pending_count(&app).await;
    let second = run(&app).await;
    assert!(second.iter().all(|p| p["skipped"] == "already_pending"), "{second:#?}");
    assert_eq!(pending_count(&app).await, waiting);
}

#[tokio::test]
async fn the_guardrail_keeps_the_last_active_ad_and_says_so() {
    let app = TestApp::new().await;
    let (_, _, ads) = live_ad_set(&app, 1, "AUTO").await;
    simulate(&app, &ads[0], "FATIGUING", 10).await;

    let proposals = run(&app).await;
    let prune = proposals.iter().find(|p| p["action"] == "ad.prune").expect("a prune proposal");
    assert_eq!(prune["decision"], "deny");
    assert_eq!(prune["reason"], "safety_check_failed:last_active_ad");
    let row = app
        .ok(
            &app.customer(),
            "query($id: ID!) { verdict(id: $id) { trace actorType } }",
            json!({ "id": prune["verdictId"] }),
        )
        .await;
    assert_eq!(row["verdict"]["actorType"], "OPTIMIZER");
    let trace: Vec<String> = serde_json::from_value(row["verdict"]["trace"].clone()).unwrap();
    assert!(trace.contains(&"safety.last_active_ad=failed".to_owned()), "{trace:?}");
    let status = app
        .ok(
            &app.customer(),
            "query($id: ID!) { node(id: $id) { ... on Ad { status } } }",
            json!({ "id": ads[0] }),
        )
        .await;
    assert_eq!(status["node"]["status"], "ACTIVE");
}

#[tokio::test]
async fn an_ad_under_three_days_old_is_never_pruned() {
    let app = TestApp::new().await;
    let (_, _, ads) = live_ad_set(&app, 2, "AUTO").await;
    let day = chrono::Utc::now().date_naive();
    let bad_days: Vec<Value> = (0..2)
        .map(|back| json!({ "day": (day - chrono::Duration::days(back)).to_string(), "impressions": 10000, "frequency": 6.0, "spendCents": 90000, "conversions": 0 }))
        .collect();
    let imported = app
        .ok(
            &app.customer(),
            "mutation($input: ImportAdMetricsInput!) { importAdMetrics(input: $input) { days userErrors { code } } }",
            json!({ "input": { "adId": ads[0], "days": bad_days } }),
        )
        .await;
    assert_eq!(imported["importAdMetrics"]["days"], 2);
    let classified = app
        .ok(
            &app.customer(),
            "query($id: ID!) { node(id: $id) { ... on Ad { classification } } }",
            json!({ "id": ads[0] }),
        )
        .await;
    assert_eq!(classified["node"]["classification"], "TOO_YOUNG");
    assert!(run(&app).await.is_empty());
}

#[tokio::test]
async fn the_creative_axis_decides_what_the_optimizer_may_do() {
    for (mode, decision, status) in [("OFF", "deny", "ACTIVE"), ("AUTO", "allow", "PAUSED")] {
        let app = TestApp::new().await;
        let (_, _, ads) = live_ad_set(&app, 2, mode).await;
        simulate(&app, &ads[0], "FATIGUING", 10).await;
        simulate(&app, &ads[1], "HEALTHY", 10).await;
        let proposals = run(&app).await;
        let prune = proposals.iter().find(|p| p["action"] == "ad.prune").expect("a prune proposal");
        assert_eq!(prune["decision"], decision, "{mode}: {prune:#}");
        if mode == "OFF" {
            assert_eq!(prune["reason"], "authority_axis_off");
        }
        let ad = app
            .ok(
                &app.customer(),
                "query($id: ID!) { node(id: $id) { ... on Ad { status } } }",
                json!({ "id": ads[0] }),
            )
            .await;
        assert_eq!(ad["node"]["status"], status, "{mode}");
    }
}

#[tokio::test]
async fn only_the_customer_runs_the_optimizer() {
    let app = TestApp::new().await;
    let partner = app.partner(&layers_dashboard::domain::Scope::ALL).await;
    let response = app.gql(Some(&partner), RUN, json!({})).await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn simultaneous_prunes_never_take_the_last_active_ad_out_together() {
    use layers_dashboard::domain::Platform;
    use layers_dashboard::domain::gate::Decision;
    use layers_dashboard::platform::SandboxAdapter;
    use layers_dashboard::service::{AdWrite, Caller};
    use sea_orm::{ActiveModelTrait, Set};
    use std::sync::Arc;

    let mut app = TestApp::with_connections(10).await;
    // Meta's calls take a while: a dispatch stays in flight long enough for another decision
    // to be made meanwhile.
    let slow = FakePlatform::new(Platform::Meta).delay(Op::Dispatch, std::time::Duration::from_millis(300));
    crate::dispatch::install(
        &mut app,
        Arc::new(slow),
        Arc::new(SandboxAdapter::new(Platform::Tiktok)),
        Arc::new(SandboxAdapter::new(Platform::Apple)),
    );
    let (_, _, ads) = live_ad_set(&app, 2, "AUTO").await;
    let mut ids = Vec::new();
    for ad in &ads {
        let id = layers_dashboard::ids::decode(layers_dashboard::ids::NodeKind::Ad, ad).unwrap();
        // Old enough for the optimizer to prune.
        entity::ads::ActiveModel {
            id: Set(id),
            launched_at: Set(Some(chrono::Utc::now() - chrono::Duration::days(5))),
            ..Default::default()
        }
        .update(&app.services().db)
        .await
        .unwrap();
        ids.push(id);
    }

    let optimizer = Caller::optimizer(app.org);
    let barrier = Arc::new(tokio::sync::Barrier::new(ids.len()));
    let prunes: Vec<_> = ids
        .iter()
        .map(|&ad_id| {
            let (services, optimizer, barrier) = (app.services().clone(), optimizer.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                services.submit(&optimizer, AdWrite::PruneAd { ad_id }, false).await.unwrap()
            })
        })
        .collect();
    let mut verdicts = Vec::new();
    for prune in prunes {
        verdicts.push(prune.await.unwrap().verdict.expect("decided"));
    }
    let allowed = verdicts.iter().filter(|verdict| verdict.decision == Decision::Allow).count();
    assert_eq!(allowed, 1, "{verdicts:#?}");
    let denied = verdicts.iter().find(|verdict| verdict.decision == Decision::Deny).expect("one denied");
    assert_eq!(denied.reason.as_deref(), Some("safety_check_failed:last_active_ad"), "{denied:#?}");

    let mut statuses = Vec::new();
    for ad in &ads {
        let read = app
            .ok(
                &app.customer(),
                "query($id: ID!) { node(id: $id) { ... on Ad { status } } }",
                json!({ "id": ad }),
            )
            .await;
        statuses.push(read["node"]["status"].as_str().unwrap().to_owned());
    }
    statuses.sort();
    assert_eq!(statuses, ["ACTIVE", "PAUSED"], "the ad set keeps one ad in delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_runs_leave_one_waiting_proposal_per_target() {
    let app = std::sync::Arc::new(TestApp::with_connections(12).await);
    let (_, _, ads) = live_ad_set(&app, 2, "DRAFT").await;
    simulate(&app, &ads[0], "FAILING", 10).await;
    simulate(&app, &ads[1], "HEALTHY", 10).await;
    insert_creative(&app, "Fresh creative").await;

    let runs: Vec<_> = (0..6)
        .map(|_| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move { run(&app).await })
        })
        .collect();
    for handle in runs {
        handle.await.expect("run finishes");
    }
    assert_eq!(
        pending_count(&app).await,
        2,
        "one prune and one launch wait, however many runs proposed them"
    );
}
