//! A customer's policy writes: authority and defaults changes (the cap too) apply at once, dry
//! runs change nothing, and a campaign can go back to following its layer's defaults.

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};

use super::{
    audit_rows, authority_of, block, drop_authority_row, layer_of, update_authority, update_defaults,
};
use crate::support::{TestApp, VERDICT};

#[tokio::test]
async fn a_customer_authority_change_applies_at_once() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    drop_authority_row(&app, &campaign).await;
    app.set_defaults("META", "DRAFT", "DRAFT", "DRAFT").await;
    let before = authority_of(&app, &campaign).await;
    assert_eq!(before["authoritySource"], "LAYER_DEFAULTS");

    let payload = update_authority(
        &app,
        &app.customer(),
        json!({ "campaignId": campaign, "tactical": "AUTO", "creative": "OFF" }),
    )
    .await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["verdict"]["dryRun"], false);
    assert_eq!(payload["applied"], true);
    assert_eq!(payload["pendingAction"], Value::Null);
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["campaign"]["authority"], block("OFF", "AUTO", "DRAFT"));
    assert_eq!(payload["campaign"]["authoritySource"], "CAMPAIGN");

    let read = authority_of(&app, &campaign).await;
    assert_eq!(read["authority"], block("OFF", "AUTO", "DRAFT"));
    assert_eq!(read["authoritySource"], "CAMPAIGN");
    let defaults = layer_of(&app, "META").await["defaults"].clone();
    assert_eq!(defaults, block("DRAFT", "DRAFT", "DRAFT"), "the layer defaults are untouched");

    let row =
        app.ok(&app.customer(), VERDICT, json!({ "id": payload["verdict"]["id"] })).await["verdict"].clone();
    assert_eq!(row["event"], "policy.updated");
    assert_eq!(row["action"], "policy.campaign_authority");
    assert_eq!(row["decision"], "ALLOW");
    assert_eq!(row["actorType"], "CUSTOMER");
}

#[tokio::test]
async fn a_customer_defaults_change_applies_with_the_cap_set_kept_and_removed() {
    let app = TestApp::new().await;
    let token = app.customer();

    let set = update_defaults(
        &app,
        &token,
        json!({ "platform": "TIKTOK", "creative": "AUTO", "structural": "OFF", "maxDailyBudgetCents": 20000 }),
    )
    .await;
    assert_eq!(set["verdict"]["decision"], "ALLOW", "{set:#}");
    assert_eq!(set["applied"], true);
    assert_eq!(set["layer"]["defaults"], block("AUTO", "DRAFT", "OFF"));
    assert_eq!(set["layer"]["maxDailyBudgetCents"], 20000);
    let layer = layer_of(&app, "TIKTOK").await;
    assert_eq!(layer["defaults"], block("AUTO", "DRAFT", "OFF"));
    assert_eq!(layer["maxDailyBudgetCents"], 20000);
    assert_eq!(
        layer_of(&app, "META").await["defaults"],
        block("DRAFT", "DRAFT", "DRAFT"),
        "other layers untouched"
    );

    let kept = update_defaults(&app, &token, json!({ "platform": "TIKTOK", "tactical": "AUTO" })).await;
    assert_eq!(kept["applied"], true, "{kept:#}");
    let layer = layer_of(&app, "TIKTOK").await;
    assert_eq!(layer["defaults"], block("AUTO", "AUTO", "OFF"));
    assert_eq!(layer["maxDailyBudgetCents"], 20000, "an omitted cap stays as it is");

    let removed =
        update_defaults(&app, &token, json!({ "platform": "TIKTOK", "maxDailyBudgetCents": null })).await;
    assert_eq!(removed["applied"], true, "{removed:#}");
    assert_eq!(removed["layer"]["maxDailyBudgetCents"], Value::Null);
    let layer = layer_of(&app, "TIKTOK").await;
    assert_eq!(layer["maxDailyBudgetCents"], Value::Null, "an explicit null removes the cap");
    assert_eq!(layer["defaults"], block("AUTO", "AUTO", "OFF"));

    let rows = audit_rows(&app, Some("policy.updated"), None).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|row| row["action"] == "policy.layer_defaults" && row["platform"] == "TIKTOK"));
}

#[tokio::test]
async fn policy_dry_runs_return_a_verdict_and_change_nothing() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let customer = app.customer();
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWritePolicy]).await;
    let rows_before = audit_rows(&app, None, None).await.len();

    let by_customer = update_authority(
        &app,
        &customer,
        json!({ "campaignId": campaign, "tactical": "OFF", "dryRun": true }),
    )
    .await;
    assert_eq!(by_customer["verdict"]["decision"], "ALLOW", "{by_customer:#}");
    assert_eq!(by_customer["verdict"]["dryRun"], true);
    assert_eq!(by_customer["applied"], false);
    let by_partner = update_authority(
        &app,
        &partner,
        json!({ "campaignId": campaign, "tactical": "AUTO", "dryRun": true }),
    )
    .await;
    assert_eq!(by_partner["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{by_partner:#}");
    assert_eq!(by_partner["verdict"]["dryRun"], true);
    assert_eq!(by_partner["pendingAction"], Value::Null);
    let defaults = update_defaults(
        &app,
        &customer,
        json!({ "platform": "META", "creative": "OFF", "maxDailyBudgetCents": 10000, "dryRun": true }),
    )
    .await;
    assert_eq!(defaults["verdict"]["decision"], "ALLOW", "{defaults:#}");
    assert_eq!(defaults["applied"], false);

    assert_eq!(authority_of(&app, &campaign).await["authority"], block("DRAFT", "DRAFT", "DRAFT"));
    let layer = layer_of(&app, "META").await;
    assert_eq!(layer["defaults"], block("AUTO", "AUTO", "AUTO"));
    assert_eq!(layer["maxDailyBudgetCents"], Value::Null);
    assert_eq!(audit_rows(&app, None, None).await.len(), rows_before, "a dry run writes no audit row");
    for verdict in [&by_customer, &by_partner, &defaults] {
        let row = app.ok(&customer, VERDICT, json!({ "id": verdict["verdict"]["id"] })).await;
        assert_eq!(row["verdict"], Value::Null);
    }
    let pending = app.ok(&customer, "{ pendingActions { nodes { id } } }", json!({})).await;
    assert_eq!(pending["pendingActions"]["nodes"], json!([]));
}

/// A campaign authority change that can return the campaign to its layer's defaults.
const INHERIT: &str =
    "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) {
    verdict { decision reason } applied pendingAction { id kind }
    campaign { authority { creative tactical structural } authoritySource } userErrors { code } } }";

#[tokio::test]
async fn a_campaign_can_go_back_to_following_its_layer_defaults() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("MANUAL", "MANUAL")).await;
    app.set_defaults("META", "DRAFT", "AUTO", "DRAFT").await;
    let customer = app.customer();

    let both = app
        .ok(
            &customer,
            INHERIT,
            json!({ "input": { "campaignId": campaign, "tactical": "OFF", "inheritDefaults": true } }),
        )
        .await;
    assert_eq!(both["updateCampaignAuthority"]["userErrors"][0]["code"], "AUTHORITY_CONFLICT");

    // For a partner, following defaults that are higher than the campaign's own modes is a raise.
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWritePolicy]).await;
    let queued = app
        .ok(&partner, INHERIT, json!({ "input": { "campaignId": campaign, "inheritDefaults": true } }))
        .await;
    let queued = &queued["updateCampaignAuthority"];
    assert_eq!(queued["verdict"]["decision"], "QUEUE_FOR_APPROVAL");
    assert_eq!(queued["campaign"]["authoritySource"], "CAMPAIGN");

    let applied = app
        .ok(&customer, INHERIT, json!({ "input": { "campaignId": campaign, "inheritDefaults": true } }))
        .await;
    let applied = &applied["updateCampaignAuthority"];
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["campaign"]["authoritySource"], "LAYER_DEFAULTS");
    assert_eq!(
        applied["campaign"]["authority"],
        json!({ "creative": "DRAFT", "tactical": "AUTO", "structural": "DRAFT" })
    );
}
