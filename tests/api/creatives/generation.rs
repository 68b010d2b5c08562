//! The approval policy, drafts, the generation workflow's report and the sandbox generator.

use std::time::Duration;

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};

use super::{draft, draft_as, events, generated, report, report_as, system};
use crate::support::{TestApp, create_ad_set};

const POLICY: &str = "mutation($on: Boolean!) { updateApprovalPolicy(requiresApproval: $on) {
    verdict { id decision reason trace } requiresApproval userErrors { code } } }";

async fn requires_approval(app: &TestApp) -> Value {
    app.ok(&app.customer(), "{ viewer { requiresApproval } }", json!({})).await["viewer"]["requiresApproval"]
        .clone()
}

#[tokio::test]
async fn only_the_customer_sets_the_approval_policy() {
    let app = TestApp::new().await;
    assert_eq!(requires_approval(&app).await, false);

    let set = app.ok(&app.customer(), POLICY, json!({ "on": true })).await["updateApprovalPolicy"].clone();
    assert_eq!(set["verdict"]["decision"], "ALLOW", "{set:#}");
    assert_eq!(set["requiresApproval"], true);
    assert_eq!(requires_approval(&app).await, true);

    let every_scope = app.partner(&Scope::ALL).await;
    for token in [every_scope, system(&app)] {
        let denied = app.ok(&token, POLICY, json!({ "on": false })).await["updateApprovalPolicy"].clone();
        assert_eq!(denied["verdict"]["decision"], "DENY", "{denied:#}");
        assert_eq!(denied["verdict"]["reason"], "customer_only");
        assert_eq!(denied["requiresApproval"], true, "the policy stays: {denied:#}");
    }
    assert_eq!(requires_approval(&app).await, true);

    let rows = events(&app, "creative.approval_policy_updated").await;
    let decisions: Vec<_> = rows.iter().map(|r| (r["decision"].clone(), r["actorType"].clone())).collect();
    assert_eq!(
        decisions,
        [
            (json!("DENY"), json!("SYSTEM")),
            (json!("DENY"), json!("PARTNER")),
            (json!("ALLOW"), json!("CUSTOMER")),
        ]
    );
    assert_eq!(rows[0]["reason"], "customer_only");
}

#[tokio::test]
async fn a_draft_completes_into_the_library_when_the_workflow_reports_it() {
    let app = TestApp::new().await;
    let created = draft_as(&app, &app.customer(), "Summer promo").await;
    assert_eq!(created["verdict"]["decision"], "ALLOW", "{created:#}");
    let draft = &created["creative"];
    assert_eq!(draft["state"], "DRAFT");
    assert_eq!(draft["generationStatus"], "processing");
    assert_eq!(draft["organicScore"], Value::Null, "no ads-content row yet");
    assert_eq!(draft["eligible"], false);
    let id = draft["id"].as_str().unwrap();
    assert_eq!(events(&app, "creative.draft_created").await.len(), 1);

    let done = report(&app, id, true).await;
    assert_eq!(done["verdict"]["decision"], "ALLOW", "{done:#}");
    let creative = &done["creative"];
    assert_eq!(creative["state"], "APPROVED");
    assert_eq!(creative["generationStatus"], "completed");
    assert_eq!(creative["approvalStatus"], "not_required");
    assert_eq!(creative["organicScore"], 7.0);
    assert_eq!(creative["scoringPool"], "generated");
    assert_eq!(creative["mediaUrl"], format!("https://cdn.example.test/{id}.mp4"));
    assert!(creative["completedAt"].is_string(), "{creative:#}");
    assert_eq!(creative["eligible"], true);
    let rows = events(&app, "creative.generation_completed").await;
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0]["actorType"], &rows[0]["actorId"]), (&json!("SYSTEM"), &json!("generation")));
    assert_eq!(rows[0]["verdictId"], done["verdict"]["id"]);

    let again = report(&app, id, false).await;
    assert_eq!(again["userErrors"][0]["code"], "NOT_PROCESSING", "{again:#}");
    assert_eq!(super::creative(&app, id).await["state"], "APPROVED");
}

#[tokio::test]
async fn completed_drafts_wait_for_approval_when_the_policy_requires_it() {
    let app = TestApp::new().await;
    app.ok(&app.customer(), POLICY, json!({ "on": true })).await;
    let id = generated(&app, "Needs review", true).await;
    let creative = super::creative(&app, &id).await;
    assert_eq!(creative["approvalStatus"], "pending");
    assert_eq!(creative["state"], "GENERATED");
    assert_eq!(creative["eligible"], false);
}

#[tokio::test]
async fn a_failed_draft_is_never_eligible() {
    let app = TestApp::new().await;
    let id = generated(&app, "Broken render", false).await;
    let creative = super::creative(&app, &id).await;
    assert_eq!(creative["state"], "FAILED");
    assert_eq!(creative["generationStatus"], "failed");
    assert_eq!(creative["failureReason"], "the renderer crashed");
    assert_eq!((&creative["organicScore"], &creative["completedAt"]), (&Value::Null, &Value::Null));
    assert_eq!(creative["eligible"], false);
    assert_eq!(events(&app, "creative.generation_failed").await.len(), 1);

    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = create_ad_set(&app, &campaign).await;
    super::assert_not_launchable(&app, &ad_set, &id).await;
    let processing = draft(&app, "Still rendering").await;
    super::assert_not_launchable(&app, &ad_set, &processing).await;
}

#[tokio::test]
async fn only_system_actors_report_generation() {
    let app = TestApp::new().await;
    let id = draft(&app, "Draft").await;
    let input = json!({ "creativeId": id, "succeeded": true, "mediaUrl": "https://cdn.example.test/a.mp4" });
    let partner = app.partner(&Scope::ALL).await;
    for token in [app.customer(), partner] {
        let response = report_as(&app, &token, input.clone()).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "FORBIDDEN", "{response:#}");
    }
    assert_eq!(super::creative(&app, &id).await["state"], "DRAFT");
    let viewer = app.ok(&system(&app), "{ viewer { actorType actorId } }", json!({})).await;
    assert_eq!(viewer["viewer"], json!({ "actorType": "SYSTEM", "actorId": "generation" }));
}

#[tokio::test]
async fn malformed_reports_are_user_errors() {
    let app = TestApp::new().await;
    let id = draft(&app, "Draft").await;
    let (_, other_token) = app.other_org().await;
    let theirs = draft_as(&app, &other_token, "Theirs").await["creative"]["id"].clone();
    let cases = [
        (json!({ "creativeId": id, "succeeded": true }), "MEDIA_URL_REQUIRED", "mediaUrl"),
        (
            json!({ "creativeId": id, "succeeded": true, "mediaUrl": "ftp://x/y" }),
            "MEDIA_URL_INVALID",
            "mediaUrl",
        ),
        (
            json!({ "creativeId": id, "succeeded": true, "mediaUrl": "https://a b" }),
            "MEDIA_URL_INVALID",
            "mediaUrl",
        ),
        (json!({ "creativeId": id, "succeeded": false }), "FAILURE_REASON_REQUIRED", "failureReason"),
        (
            json!({ "creativeId": id, "succeeded": false, "failureReason": "x", "mediaUrl": "https://a/b" }),
            "OUTCOME_CONFLICT",
            "mediaUrl",
        ),
        (
            json!({ "creativeId": "nope", "succeeded": false, "failureReason": "x" }),
            "INVALID_ID",
            "creativeId",
        ),
        (
            json!({ "creativeId": theirs, "succeeded": false, "failureReason": "x" }),
            "NOT_FOUND",
            "creativeId",
        ),
    ];
    for (input, code, field) in cases {
        let response = report_as(&app, &system(&app), input.clone()).await;
        let payload = &response["data"]["completeCreativeGeneration"];
        assert_eq!(payload["userErrors"][0]["code"], code, "{input}: {response:#}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["input", field]), "{input}");
    }
    assert_eq!(super::creative(&app, &id).await["state"], "DRAFT");
    assert!(events(&app, "creative.generation_failed").await.is_empty());
}

#[tokio::test]
async fn partners_need_ads_write_to_start_drafts() {
    let app = TestApp::new().await;
    let writer = app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await;
    let allowed = draft_as(&app, &writer, "Partner draft").await;
    assert_eq!(allowed["verdict"]["decision"], "ALLOW", "{allowed:#}");
    assert_eq!(allowed["creative"]["state"], "DRAFT");
    let reader = app.partner(&[Scope::AdsRead]).await;
    let denied = draft_as(&app, &reader, "Nope").await;
    assert_eq!(denied["verdict"]["decision"], "DENY", "{denied:#}");
    assert_eq!(denied["verdict"]["reason"], "scope_missing");
    assert_eq!(denied["creative"], Value::Null);
    let bad = draft_as(&app, &app.customer(), "   ").await;
    assert_eq!(bad["userErrors"][0]["field"], json!(["input", "name"]), "{bad:#}");
    let rows = events(&app, "creative.draft_created").await;
    let decisions: Vec<_> = rows.iter().map(|r| r["decision"].clone()).collect();
    assert_eq!(decisions, [json!("DENY"), json!("ALLOW")]);
}

#[tokio::test]
async fn the_sandbox_completes_drafts_after_its_delay() {
    let app = TestApp::new().await;
    let slow = app.services().spawn_sandbox_generation(Duration::from_secs(3600));
    let id = draft(&app, "Sandbox draft").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(super::creative(&app, &id).await["state"], "DRAFT", "not before its delay");
    slow.abort();

    let generator = app.services().spawn_sandbox_generation(Duration::from_millis(200));
    let mut creative = Value::Null;
    for _ in 0..100 {
        creative = super::creative(&app, &id).await;
        if creative["state"] != "DRAFT" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    generator.abort();
    assert_eq!(creative["state"], "APPROVED", "{creative:#}");
    assert_eq!(creative["organicScore"], 7.0);
    assert!(creative["mediaUrl"].as_str().is_some_and(|url| url.starts_with("https://")), "{creative:#}");
    let rows = events(&app, "creative.generation_completed").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (&rows[0]["actorType"], &rows[0]["actorId"]),
        (&json!("SYSTEM"), &json!("sandbox-generation"))
    );
}

#[tokio::test]
async fn racing_reports_complete_a_draft_once() {
    let app = TestApp::new().await;
    let id = draft(&app, "Raced").await;
    let token = system(&app);
    let reports = (0..8).map(|i| {
        let input = json!({ "creativeId": id, "succeeded": true, "mediaUrl": format!("https://cdn.example.test/{i}.mp4") });
        report_as(&app, &token, input)
    });
    let responses = futures_util::future::join_all(reports).await;
    let codes: Vec<Value> = responses
        .iter()
        .map(|r| r["data"]["completeCreativeGeneration"]["userErrors"][0]["code"].clone())
        .collect();
    assert_eq!(codes.iter().filter(|code| code.is_null()).count(), 1, "{responses:#?}");
    assert!(codes.iter().filter(|code| !code.is_null()).all(|code| code == "NOT_PROCESSING"), "{codes:?}");
    assert_eq!(events(&app, "creative.generation_completed").await.len(), 1);
    assert_eq!(super::creative(&app, &id).await["state"], "APPROVED");
}
