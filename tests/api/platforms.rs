//! The simplified create on Meta, TikTok and Apple (README.md: "The gate", its money paragraph, and "Live mode"): the authority it gives
//! the new campaign, the native request each platform would have received (money translated at
//! the proxy boundary, per currency), the layer defaults gating it, and what it refuses.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::support::{TestApp, VERDICT};

/// The create mutation with the fields these tests read back.
const CREATE: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
    verdict { id decision reason axis trace dryRun }
    campaign { id name platform status outcome dailyBudgetCents lifetimeBudgetCents version platformCampaignId
               authority { creative tactical structural } authoritySource }
    pendingAction { id status kind targetType isPolicy axis }
    userErrors { field code message } } }";

/// Approves a pending action, reading back what the create needs.
const APPROVE: &str = "mutation($id: ID!) { approvePendingAction(id: $id) {
    verdict { id decision reason }
    campaign { id platform dailyBudgetCents platformCampaignId authority { creative tactical structural } authoritySource }
    pendingAction { id status } userErrors { code } } }";

/// An authority block as the API shows it.
fn block(creative: &str, tactical: &str, structural: &str) -> Value {
    json!({ "creative": creative, "tactical": tactical, "structural": structural })
}

/// A create input with a daily budget; `extra` fields are merged over it.
fn input(platform: &str, outcome: &str, modes: (&str, &str), extra: Value) -> Value {
    let mut input = json!({
        "platform": platform, "name": format!("{platform} launch"), "dailyBudgetCents": 5000, "outcome": outcome,
        "campaignManagementMode": modes.0, "creativeMode": modes.1,
    });
    for (key, value) in extra.as_object().expect("extra fields") {
        input[key] = value.clone();
    }
    input
}

/// Sends a create as the customer and returns its payload.
async fn create(app: &TestApp, input: Value) -> Value {
    app.ok(&app.customer(), CREATE, json!({ "input": input })).await["createCampaign"].clone()
}

/// Sends a create with autopilot modes that must be allowed, and returns the native request the
/// platform received, from the audit row of its verdict.
async fn native_request(app: &TestApp, input: Value) -> Value {
    let payload = create(app, input).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    let row =
        app.ok(&app.customer(), VERDICT, json!({ "id": payload["verdict"]["id"] })).await["verdict"].clone();
    assert_eq!(row["dispatchStatus"], "succeeded", "{row:#}");
    assert_eq!(row["dispatch"]["platform_id"], payload["campaign"]["platformCampaignId"]);
    row["dispatch"]["native_request"].clone()
}

/// The organization's campaigns, as the customer sees them.
async fn campaign_count(app: &TestApp) -> usize {
    let data = app.ok(&app.customer(), "{ campaigns(first: 100) { nodes { id } } }", json!({})).await;
    data["campaigns"]["nodes"].as_array().expect("campaigns").len()
}

/// How many audit rows the organization has.
async fn audit_count(app: &TestApp) -> usize {
    let data = app.ok(&app.customer(), "{ auditLog(first: 100) { nodes { verdictId } } }", json!({})).await;
    data["auditLog"]["nodes"].as_array().expect("audit rows").len()
}

/// Sets the currency of the app organization's `platform` layer (lowercase) in the database.
async fn set_currency(app: &TestApp, platform: &str, currency: &str) {
    use entity::layers;
    let db = &app.services().db;
    let layer = layers::Entity::find()
        .filter(layers::Column::OrganizationId.eq(app.org))
        .filter(layers::Column::Platform.eq(platform))
        .one(db)
        .await
        .expect("query layer")
        .expect("layer exists");
    layers::ActiveModel { id: Set(layer.id), currency: Set(currency.to_owned()), ..Default::default() }
        .update(db)
        .await
        .expect("update currency");
}

#[tokio::test]
async fn create_on_each_platform_sets_the_authority_from_the_modes() {
    let app = TestApp::new().await;
    let cases = [
        ("META", "CONVERSIONS", ("AUTOPILOT", "AUTOPILOT"), block("AUTO", "AUTO", "AUTO"), 18),
        ("TIKTOK", "CONVERSIONS", ("AUTOPILOT", "MANUAL"), block("OFF", "AUTO", "AUTO"), 19),
        ("APPLE", "APP_INSTALLS", ("MANUAL", "DRAFT"), block("DRAFT", "OFF", "OFF"), 10),
        ("META", "TRAFFIC", ("DRAFT", "AUTOPILOT"), block("AUTO", "DRAFT", "DRAFT"), 18),
    ];
    for (platform, outcome, modes, authority, id_digits) in cases {
        app.set_defaults(platform, "DRAFT", "DRAFT", "AUTO").await;
        let payload = create(&app, input(platform, outcome, modes, json!({}))).await;
        let context = format!("{platform} {modes:?}: {payload:#}");
        assert_eq!(payload["verdict"]["decision"], "ALLOW", "{context}");
        assert_eq!(payload["verdict"]["axis"], "structural", "{context}");
        assert_eq!(payload["userErrors"], json!([]), "{context}");
        let campaign = &payload["campaign"];
        assert_eq!(campaign["platform"], platform, "{context}");
        assert_eq!(campaign["outcome"], outcome, "{context}");
        assert_eq!(campaign["status"], "ACTIVE", "{context}");
        assert_eq!(campaign["dailyBudgetCents"], 5000, "{context}");
        assert_eq!(campaign["lifetimeBudgetCents"], Value::Null, "{context}");
        assert_eq!(campaign["authority"], authority, "{context}");
        assert_eq!(campaign["authoritySource"], "CAMPAIGN", "{context}");
        let platform_id = campaign["platformCampaignId"].as_str().expect("platform campaign id");
        assert_eq!(platform_id.len(), id_digits, "{context}");
        assert!(platform_id.bytes().all(|b| b.is_ascii_digit()), "{context}");

        let read = app
            .ok(
                &app.customer(),
                "query($id: ID!) { campaign(id: $id) { platformCampaignId authority { creative tactical structural } authoritySource } }",
                json!({ "id": campaign["id"] }),
            )
            .await;
        assert_eq!(read["campaign"]["platformCampaignId"], platform_id, "{context}");
        assert_eq!(read["campaign"]["authority"], authority, "{context}");
        assert_eq!(read["campaign"]["authoritySource"], "CAMPAIGN", "{context}");
    }
    assert_eq!(campaign_count(&app).await, 4);
}

#[tokio::test]
async fn meta_receives_minor_units_and_an_outcome_objective() {
    let app = TestApp::new().await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let native =
        native_request(&app, input("META", "CONVERSIONS", ("AUTOPILOT", "AUTOPILOT"), json!({}))).await;
    assert_eq!(native["method"], "POST", "{native:#}");
    let path = native["path"].as_str().expect("path");
    assert!(path.starts_with("/v") && path.ends_with("/act_1000000000000001/campaigns"), "{native:#}");
    let body = &native["body"];
    assert_eq!(body["daily_budget"], 5000, "Meta takes minor units as they are: {native:#}");
    assert_eq!(body["special_ad_categories"], json!([]));
    assert_eq!(body["objective"], "OUTCOME_SALES");
    assert_eq!(body["name"], "META launch");
    assert_eq!(body["status"], "ACTIVE");

    let lifetime = native_request(
        &app,
        input(
            "META",
            "TRAFFIC",
            ("AUTOPILOT", "AUTOPILOT"),
            json!({ "dailyBudgetCents": null, "lifetimeBudgetCents": 90000 }),
        ),
    )
    .await;
    assert_eq!(lifetime["body"]["lifetime_budget"], 90000, "{lifetime:#}");
    assert_eq!(lifetime["body"]["daily_budget"], Value::Null);
    assert_eq!(lifetime["body"]["objective"], "OUTCOME_TRAFFIC");
}

#[tokio::test]
async fn tiktok_receives_decimal_major_units_and_a_budget_mode() {
    let app = TestApp::new().await;
    app.set_defaults("TIKTOK", "AUTO", "AUTO", "AUTO").await;
    let native = native_request(
        &app,
        input("TIKTOK", "CONVERSIONS", ("AUTOPILOT", "AUTOPILOT"), json!({ "dailyBudgetCents": 5050 })),
    )
    .await;
    assert_eq!(native["method"], "POST", "{native:#}");
    assert_eq!(native["path"], "/open_api/v1.3/campaign/create/");
    assert_eq!(native["headers"]["Access-Token"], "<redacted>");
    let body = &native["body"];
    assert_eq!(body["budget"], json!(50.5), "5050 cents is 50.50 major units: {native:#}");
    assert_eq!(body["budget_mode"], "BUDGET_MODE_DAY");
    assert_eq!(body["advertiser_id"], "7000000000000000001");
    assert_eq!(body["objective_type"], "WEB_CONVERSIONS");
    assert_eq!(body["campaign_name"], "TIKTOK launch");

    let lifetime = native_request(
        &app,
        input(
            "TIKTOK",
            "CONVERSIONS",
            ("AUTOPILOT", "AUTOPILOT"),
            json!({ "dailyBudgetCents": null, "lifetimeBudgetCents": 123_456 }),
        ),
    )
    .await;
    assert_eq!(lifetime["body"]["budget"], json!(1234.56), "{lifetime:#}");
    assert_eq!(lifetime["body"]["budget_mode"], "BUDGET_MODE_TOTAL");
}

#[tokio::test]
async fn apple_receives_an_amount_object_with_the_app_and_countries() {
    let app = TestApp::new().await;
    app.set_defaults("APPLE", "AUTO", "AUTO", "AUTO").await;
    let native = native_request(
        &app,
        input("APPLE", "APP_INSTALLS", ("AUTOPILOT", "AUTOPILOT"), json!({ "dailyBudgetCents": 5050 })),
    )
    .await;
    assert_eq!(native["method"], "POST", "{native:#}");
    assert_eq!(native["path"], "/api/v5/campaigns");
    assert_eq!(native["headers"]["X-AP-Context"], "orgId=40669820");
    assert_eq!(native["headers"]["Authorization"], "Bearer <redacted>", "no token is recorded");
    let body = &native["body"];
    assert_eq!(body["dailyBudgetAmount"], json!({ "amount": "50.50", "currency": "USD" }), "{native:#}");
    assert_eq!(body["adamId"], 1_450_000_000_u64);
    assert_eq!(body["countriesOrRegions"], json!(["US"]));
    assert_eq!(body["name"], "APPLE launch");
}

#[tokio::test]
async fn currencies_without_two_decimals_are_translated_exactly() {
    let app = TestApp::new().await;
    app.set_defaults("TIKTOK", "AUTO", "AUTO", "AUTO").await;
    app.set_defaults("APPLE", "AUTO", "AUTO", "AUTO").await;
    let autopilot = ("AUTOPILOT", "AUTOPILOT");

    set_currency(&app, "tiktok", "JPY").await;
    set_currency(&app, "apple", "JPY").await;
    let layer = app.ok(&app.customer(), "{ layer(platform: TIKTOK) { currency } }", json!({})).await;
    assert_eq!(layer["layer"]["currency"], "JPY");
    let tiktok =
        native_request(&app, input("TIKTOK", "CONVERSIONS", autopilot, json!({ "dailyBudgetCents": 7050 })))
            .await;
    assert_eq!(tiktok["body"]["budget"], json!(7050), "JPY has no minor unit: {tiktok:#}");
    let apple =
        native_request(&app, input("APPLE", "APP_INSTALLS", autopilot, json!({ "dailyBudgetCents": 5050 })))
            .await;
    assert_eq!(
        apple["body"]["dailyBudgetAmount"],
        json!({ "amount": "5050", "currency": "JPY" }),
        "{apple:#}"
    );

    set_currency(&app, "tiktok", "KWD").await;
    set_currency(&app, "apple", "KWD").await;
    let apple =
        native_request(&app, input("APPLE", "APP_INSTALLS", autopilot, json!({ "dailyBudgetCents": 5050 })))
            .await;
    assert_eq!(
        apple["body"]["dailyBudgetAmount"],
        json!({ "amount": "5.050", "currency": "KWD" }),
        "{apple:#}"
    );
    let tiktok = native_request(
        &app,
        input("TIKTOK", "CONVERSIONS", autopilot, json!({ "dailyBudgetCents": 50_505 })),
    )
    .await;
    assert_eq!(tiktok["body"]["budget"], json!(50.505), "KWD has three decimals: {tiktok:#}");

    let below =
        create(&app, input("TIKTOK", "CONVERSIONS", autopilot, json!({ "dailyBudgetCents": 5050 }))).await;
    assert_eq!(below["verdict"]["decision"], "DENY", "5.050 KWD is under TikTok's 15 KWD minimum: {below:#}");
    assert_eq!(below["verdict"]["reason"], "safety_check_failed:budget_below_minimum");
}

#[tokio::test]
async fn the_create_is_gated_by_the_layer_defaults() {
    let app = TestApp::new().await;
    let autopilot = ("AUTOPILOT", "DRAFT");

    app.set_defaults("META", "AUTO", "AUTO", "OFF").await;
    let denied = create(&app, input("META", "CONVERSIONS", autopilot, json!({}))).await;
    assert_eq!(denied["verdict"]["decision"], "DENY", "{denied:#}");
    assert_eq!(denied["verdict"]["reason"], "authority_axis_off");
    assert_eq!(denied["verdict"]["axis"], "structural");
    assert_eq!(denied["campaign"], Value::Null);
    assert_eq!(denied["pendingAction"], Value::Null);
    assert_eq!(campaign_count(&app).await, 0);
    let row =
        app.ok(&app.customer(), VERDICT, json!({ "id": denied["verdict"]["id"] })).await["verdict"].clone();
    assert_eq!(row["event"], "ads.write.denied", "{row:#}");
    assert_eq!(row["action"], "campaign.create");

    app.set_defaults("META", "OFF", "OFF", "DRAFT").await;
    let queued = create(&app, input("META", "CONVERSIONS", autopilot, json!({}))).await;
    assert_eq!(queued["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{queued:#}");
    assert_eq!(queued["campaign"], Value::Null);
    let action = &queued["pendingAction"];
    assert_eq!(action["kind"], "campaign.create");
    assert_eq!(action["targetType"], "layer");
    assert_eq!(action["status"], "PENDING");
    assert_eq!(action["isPolicy"], false);
    assert_eq!(action["axis"], "STRUCTURAL");
    assert_eq!(campaign_count(&app).await, 0, "a queued create creates nothing yet");

    let approved =
        app.ok(&app.customer(), APPROVE, json!({ "id": action["id"] })).await["approvePendingAction"].clone();
    assert_eq!(approved["verdict"]["decision"], "ALLOW", "{approved:#}");
    assert_eq!(approved["pendingAction"]["status"], "DISPATCHED");
    let campaign = &approved["campaign"];
    assert_eq!(campaign["platform"], "META");
    assert_eq!(campaign["dailyBudgetCents"], 5000);
    assert!(campaign["platformCampaignId"].is_string(), "{campaign:#}");
    assert_eq!(campaign["authority"], block("DRAFT", "AUTO", "AUTO"), "the modes, not the layer defaults");
    assert_eq!(campaign["authoritySource"], "CAMPAIGN");
    assert_eq!(campaign_count(&app).await, 1);
}

#[tokio::test]
async fn apple_refuses_other_outcomes_and_lifetime_budgets_before_the_gate() {
    let app = TestApp::new().await;
    app.set_defaults("APPLE", "AUTO", "AUTO", "AUTO").await;
    let audit_before = audit_count(&app).await;
    let autopilot = ("AUTOPILOT", "AUTOPILOT");

    let traffic = create(&app, input("APPLE", "TRAFFIC", autopilot, json!({}))).await;
    assert_eq!(traffic["verdict"], Value::Null, "{traffic:#}");
    assert_eq!(traffic["campaign"], Value::Null);
    assert_eq!(traffic["userErrors"][0]["code"], "OUTCOME_UNSUPPORTED");
    assert_eq!(traffic["userErrors"][0]["field"].as_array().and_then(|f| f.last()), Some(&json!("outcome")));

    let lifetime = create(
        &app,
        input(
            "APPLE",
            "APP_INSTALLS",
            autopilot,
            json!({ "dailyBudgetCents": null, "lifetimeBudgetCents": 90000 }),
        ),
    )
    .await;
    assert_eq!(lifetime["verdict"], Value::Null, "{lifetime:#}");
    assert_eq!(lifetime["userErrors"][0]["code"], "BUDGET_LIFETIME_UNSUPPORTED");
    assert_eq!(
        lifetime["userErrors"][0]["field"].as_array().and_then(|f| f.last()),
        Some(&json!("lifetimeBudgetCents"))
    );

    assert_eq!(campaign_count(&app).await, 0);
    assert_eq!(audit_count(&app).await, audit_before, "a user error writes no audit row");
}

#[tokio::test]
async fn a_dry_run_create_writes_nothing() {
    let app = TestApp::new().await;
    app.set_defaults("TIKTOK", "AUTO", "AUTO", "AUTO").await;
    let audit_before = audit_count(&app).await;

    let allowed =
        create(&app, input("TIKTOK", "CONVERSIONS", ("AUTOPILOT", "AUTOPILOT"), json!({ "dryRun": true })))
            .await;
    assert_eq!(allowed["verdict"]["decision"], "ALLOW", "{allowed:#}");
    assert_eq!(allowed["verdict"]["dryRun"], true);
    assert_eq!(allowed["campaign"], Value::Null);
    let row = app.ok(&app.customer(), VERDICT, json!({ "id": allowed["verdict"]["id"] })).await;
    assert_eq!(row["verdict"], Value::Null, "a dry run verdict is never stored");

    app.set_defaults("TIKTOK", "AUTO", "AUTO", "DRAFT").await;
    let audit_before_queue = audit_count(&app).await;
    let queued =
        create(&app, input("TIKTOK", "CONVERSIONS", ("AUTOPILOT", "AUTOPILOT"), json!({ "dryRun": true })))
            .await;
    assert_eq!(queued["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{queued:#}");
    assert_eq!(queued["verdict"]["dryRun"], true);
    assert_eq!(queued["pendingAction"], Value::Null);

    assert_eq!(campaign_count(&app).await, 0);
    assert_eq!(audit_count(&app).await, audit_before_queue);
    assert_eq!(audit_before_queue, audit_before + 1, "only the defaults change was audited");
    let pending = app.ok(&app.customer(), "{ pendingActions { nodes { id } } }", json!({})).await;
    assert_eq!(pending["pendingActions"]["nodes"], json!([]));
}

#[tokio::test]
async fn a_partner_create_is_gated_exactly_like_the_customers() {
    let app = TestApp::new().await;
    app.set_defaults("TIKTOK", "OFF", "DRAFT", "AUTO").await;
    let partner = app
        .partner(&[layers_dashboard::domain::Scope::AdsRead, layers_dashboard::domain::Scope::AdsWrite])
        .await;
    let payload = app
        .ok(
            &partner,
            CREATE,
            json!({ "input": input("TIKTOK", "TRAFFIC", ("AUTOPILOT", "AUTOPILOT"), json!({})) }),
        )
        .await["createCampaign"]
        .clone();
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["campaign"]["authority"], block("AUTO", "AUTO", "AUTO"));
    let row =
        app.ok(&app.customer(), VERDICT, json!({ "id": payload["verdict"]["id"] })).await["verdict"].clone();
    assert_eq!(row["actorType"], "PARTNER");
    assert_eq!(row["event"], "ads.write.allowed");
}

#[tokio::test]
async fn a_campaigns_audit_log_starts_with_its_create() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "DRAFT")).await;
    let data = app
        .ok(
            &app.customer(),
            "query($id: ID!) { auditLog(campaignId: $id, first: 10) { edges { node { action decision campaignId } } } }",
            json!({ "id": campaign }),
        )
        .await;
    let edges = data["auditLog"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(edges.len(), 1, "{data:#}");
    assert_eq!(edges[0]["node"]["action"], "campaign.create");
    assert_eq!(edges[0]["node"]["campaignId"], campaign);
}
