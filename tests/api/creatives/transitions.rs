//! The manual transitions: approve, un-approve, reject, override, archive and regenerate, each
//! audited, illegal ones answered with user errors, and who may make them.

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};

use super::{
    assert_not_launchable, assert_user_error, creative, draft, events, generated, launch, transition,
    transition_as,
};
use crate::support::{TestApp, create_ad_set};

/// An organization that requires approval, and one creative generated there (`pending`).
async fn pending_creative(app: &TestApp) -> String {
    let data = app
        .ok(
            &app.customer(),
            "mutation { updateApprovalPolicy(requiresApproval: true) { requiresApproval } }",
            json!({}),
        )
        .await;
    assert_eq!(data["updateApprovalPolicy"]["requiresApproval"], true);
    generated(app, "Reviewed creative", true).await
}

/// An ad set whose creative axis is `auto`.
async fn ad_set(app: &TestApp) -> String {
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    create_ad_set(app, &campaign).await
}

#[tokio::test]
async fn approve_unapprove_and_reject() {
    let app = TestApp::new().await;
    let id = pending_creative(&app).await;
    let ad_set = ad_set(&app).await;
    assert_not_launchable(&app, &ad_set, &id).await;

    let approved = transition(&app, "approveCreative", &id).await;
    assert_eq!(approved["verdict"]["decision"], "ALLOW", "{approved:#}");
    assert_eq!(approved["creative"]["approvalStatus"], "approved");
    assert_eq!(
        (&approved["creative"]["state"], &approved["creative"]["eligible"]),
        (&json!("APPROVED"), &json!(true))
    );
    assert_user_error(&transition(&app, "approveCreative", &id).await, "ALREADY_APPROVED");

    let unapproved = transition(&app, "unapproveCreative", &id).await;
    assert_eq!(unapproved["creative"]["approvalStatus"], "pending", "{unapproved:#}");
    assert_eq!(
        (&unapproved["creative"]["state"], &unapproved["creative"]["eligible"]),
        (&json!("GENERATED"), &json!(false))
    );
    assert_user_error(&transition(&app, "unapproveCreative", &id).await, "NOT_APPROVED");

    let rejected = transition(&app, "rejectCreative", &id).await;
    assert_eq!(rejected["creative"]["approvalStatus"], "rejected", "{rejected:#}");
    assert_eq!(rejected["creative"]["eligible"], false);
    assert_user_error(&transition(&app, "rejectCreative", &id).await, "ALREADY_REJECTED");
    assert_user_error(&transition(&app, "unapproveCreative", &id).await, "NOT_APPROVED");
    assert_not_launchable(&app, &ad_set, &id).await;

    let again = transition(&app, "approveCreative", &id).await;
    assert_eq!(again["creative"]["approvalStatus"], "approved", "{again:#}");
    let launched = launch(&app, &ad_set, &id).await;
    assert_eq!(launched["verdict"]["decision"], "ALLOW", "{launched:#}");
    assert_eq!(creative(&app, &id).await["state"], "LIVE");

    for (event, count) in [("creative.approved", 2), ("creative.unapproved", 1), ("creative.rejected", 1)] {
        let rows = events(&app, event).await;
        assert_eq!(rows.len(), count, "{event}: {rows:#?}");
        assert!(rows.iter().all(|r| r["decision"] == "ALLOW" && r["actorType"] == "CUSTOMER"), "{rows:#?}");
    }
    assert_eq!(events(&app, "creative.approved").await[1]["verdictId"], approved["verdict"]["id"]);
}

#[tokio::test]
async fn illegal_transitions_are_user_errors_and_write_nothing() {
    let app = TestApp::new().await;
    let not_required = generated(&app, "Auto-approved", true).await;
    let failed = generated(&app, "Failed", false).await;
    let processing = draft(&app, "Rendering").await;
    let before = events(&app, "creative.approved").await.len();
    let error = transition(&app, "approveCreative", &not_required).await;
    assert_user_error(&error, "APPROVAL_NOT_REQUIRED");
    assert_eq!(error["userErrors"][0]["field"], json!(["id"]));
    for mutation in ["approveCreative", "unapproveCreative", "rejectCreative", "archiveCreative"] {
        assert_user_error(&transition(&app, mutation, &failed).await, "CREATIVE_FAILED");
        assert_user_error(&transition(&app, mutation, &processing).await, "CREATIVE_PROCESSING");
    }
    let overridden =
        transition_as(&app, &app.customer(), "setCreativeOverride", &failed, ", mode: INCLUDE").await;
    assert_user_error(&overridden, "CREATIVE_FAILED");
    assert_user_error(&transition(&app, "approveCreative", "not-an-id").await, "INVALID_ID");
    assert_eq!(events(&app, "creative.approved").await.len(), before);
    assert!(events(&app, "creative.archived").await.is_empty());
    assert!(events(&app, "creative.override_set").await.is_empty());

    let unapproved = transition(&app, "unapproveCreative", &not_required).await;
    assert_eq!(unapproved["creative"]["approvalStatus"], "pending", "{unapproved:#}");
    assert_eq!(unapproved["creative"]["eligible"], false);
}

#[tokio::test]
async fn overrides_keep_a_creative_in_or_out_of_the_pool() {
    let app = TestApp::new().await;
    let ad_set = ad_set(&app).await;
    let id = generated(&app, "Overridden", true).await;
    let set = |mode: &'static str| {
        let (app, id) = (&app, id.clone());
        async move {
            transition_as(app, &app.customer(), "setCreativeOverride", &id, &format!(", mode: {mode}")).await
        }
    };
    let excluded = set("EXCLUDE").await;
    assert_eq!(excluded["verdict"]["decision"], "ALLOW", "{excluded:#}");
    assert_eq!(
        (&excluded["creative"]["overrideMode"], &excluded["creative"]["eligible"]),
        (&json!("exclude"), &json!(false))
    );
    assert_not_launchable(&app, &ad_set, &id).await;
    let included = set("INCLUDE").await;
    assert_eq!(
        (&included["creative"]["overrideMode"], &included["creative"]["eligible"]),
        (&json!("include"), &json!(true))
    );
    let cleared = set("NONE").await;
    assert_eq!(
        (&cleared["creative"]["overrideMode"], &cleared["creative"]["eligible"]),
        (&Value::Null, &json!(true))
    );
    assert_eq!(events(&app, "creative.override_set").await.len(), 3);

    let pending = pending_creative(&app).await;
    let included =
        transition_as(&app, &app.customer(), "setCreativeOverride", &pending, ", mode: INCLUDE").await;
    assert_eq!(included["creative"]["eligible"], false, "include does not approve: {included:#}");
}

#[tokio::test]
async fn archiving_takes_a_creative_out_for_good() {
    let app = TestApp::new().await;
    let ad_set = ad_set(&app).await;
    let id = generated(&app, "To archive", true).await;
    let ad = launch(&app, &ad_set, &id).await["ad"]["id"].clone();
    assert_user_error(&transition(&app, "archiveCreative", &id).await, "CREATIVE_HAS_ACTIVE_ADS");
    let paused = app
        .ok(
            &app.customer(),
            "mutation($input: ChangeAdStatusInput!) { changeAdStatus(input: $input) { verdict { decision } } }",
            json!({ "input": { "adId": ad, "action": "PAUSE" } }),
        )
        .await;
    assert_eq!(paused["changeAdStatus"]["verdict"]["decision"], "ALLOW", "{paused:#}");
    assert_eq!(creative(&app, &id).await["state"], "DISABLED");

    let archived = transition(&app, "archiveCreative", &id).await;
    assert_eq!(archived["verdict"]["decision"], "ALLOW", "{archived:#}");
    assert_eq!(
        (&archived["creative"]["state"], &archived["creative"]["eligible"]),
        (&json!("ARCHIVED"), &json!(false))
    );
    assert!(archived["creative"]["archivedAt"].is_string());
    assert_user_error(&transition(&app, "archiveCreative", &id).await, "ALREADY_ARCHIVED");
    assert_user_error(&transition(&app, "rejectCreative", &id).await, "CREATIVE_ARCHIVED");
    let included = transition_as(&app, &app.customer(), "setCreativeOverride", &id, ", mode: INCLUDE").await;
    assert_user_error(&included, "CREATIVE_ARCHIVED");
    assert_not_launchable(&app, &ad_set, &id).await;
    let rows = events(&app, "creative.archived").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["verdictId"], archived["verdict"]["id"]);
}

#[tokio::test]
async fn regenerating_starts_a_draft_from_a_creative() {
    let app = TestApp::new().await;
    let parent = generated(&app, "Original", true).await;
    let fresh = transition(&app, "regenerateCreative", &parent).await;
    assert_eq!(fresh["verdict"]["decision"], "ALLOW", "{fresh:#}");
    let child = &fresh["creative"];
    assert_ne!(child["id"], json!(parent));
    assert_eq!((&child["state"], &child["parent"]["id"]), (&json!("DRAFT"), &json!(parent)));
    assert_eq!(child["name"], "Original (regenerated)");
    let named =
        transition_as(&app, &app.customer(), "regenerateCreative", &parent, ", name: \"Take two\"").await;
    assert_eq!(named["creative"]["name"], "Take two", "{named:#}");

    let failed = generated(&app, "Failed", false).await;
    let retried = transition(&app, "regenerateCreative", &failed).await;
    assert_eq!(retried["creative"]["parent"]["id"], json!(failed), "{retried:#}");
    let child_id = child["id"].as_str().unwrap();
    assert_user_error(&transition(&app, "regenerateCreative", child_id).await, "CREATIVE_PROCESSING");
    let rows = events(&app, "creative.regenerated").await;
    assert_eq!(rows.len(), 3);
    assert_eq!(creative(&app, &parent).await["state"], "APPROVED", "the parent is untouched");
}

#[tokio::test]
async fn partners_need_ads_write_and_tenancy_hides_other_organizations() {
    let app = TestApp::new().await;
    let id = pending_creative(&app).await;
    let reader = app.partner(&[Scope::AdsRead]).await;
    let denied = transition_as(&app, &reader, "approveCreative", &id, "").await;
    assert_eq!(denied["verdict"]["decision"], "DENY", "{denied:#}");
    assert_eq!(denied["verdict"]["reason"], "scope_missing");
    assert_eq!(denied["creative"]["approvalStatus"], "pending", "nothing changed");

    let writer = app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await;
    let approved = transition_as(&app, &writer, "approveCreative", &id, "").await;
    assert_eq!(approved["verdict"]["decision"], "ALLOW", "{approved:#}");
    assert_eq!(approved["creative"]["approvalStatus"], "approved");
    let rows = events(&app, "creative.approved").await;
    let seen: Vec<_> =
        rows.iter().map(|r| (r["decision"].clone(), r["reason"].clone(), r["actorType"].clone())).collect();
    assert_eq!(
        seen,
        [
            (json!("ALLOW"), Value::Null, json!("PARTNER")),
            (json!("DENY"), json!("scope_missing"), json!("PARTNER"))
        ]
    );

    let (_, stranger) = app.other_org().await;
    for mutation in ["unapproveCreative", "archiveCreative", "regenerateCreative"] {
        let hidden = transition_as(&app, &stranger, mutation, &id, "").await;
        assert_user_error(&hidden, "NOT_FOUND");
        assert_eq!(hidden["userErrors"][0]["field"], json!(["id"]));
    }
    assert!(crate::support::audit_rows(&app, &stranger, json!({})).await.is_empty());
    assert_eq!(events(&app, "creative.approved").await.len(), 2);
    assert_eq!(creative(&app, &id).await["approvalStatus"], "approved");
}

#[tokio::test]
async fn a_dry_run_transition_answers_the_verdict_and_changes_nothing() {
    let app = TestApp::new().await;
    let id = pending_creative(&app).await;
    let before = crate::support::row_totals(&app).await;
    let data = app
        .ok(
            &app.customer(),
            "mutation($id: ID!) { approveCreative(id: $id, dryRun: true) {
                verdict { decision dryRun } creative { approvalStatus } userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    let payload = &data["approveCreative"];
    assert_eq!(payload["verdict"]["decision"], "ALLOW");
    assert_eq!(payload["verdict"]["dryRun"], true);
    assert_eq!(payload["creative"]["approvalStatus"], "approved", "the preview shows the outcome");
    let now: Value = app
        .ok(
            &app.customer(),
            "query($id: ID!) { node(id: $id) { ... on Creative { approvalStatus } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(now["node"]["approvalStatus"], "pending");
    assert_eq!(crate::support::row_totals(&app).await, before, "a dry run wrote a row");
}
