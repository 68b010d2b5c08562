//! A layer's platform settings through the API: the customer sets them (audited), partners are
//! denied `customer_only`, malformed or foreign settings are user errors, and the currency is
//! fixed once the layer has a campaign.

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};

use crate::support::{TestApp, audit_rows};

const UPDATE: &str = "mutation($input: UpdateLayerSettingsInput!) { updateLayerSettings(input: $input) {
    verdict { decision reason } userErrors { field code message }
    layer { currency countries appleAdamId metaPageId tiktokIdentityType tiktokIdentityId landingPageUrl } } }";

async fn update(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, UPDATE, json!({ "input": input })).await["updateLayerSettings"].clone()
}

async fn read(app: &TestApp, platform: &str) -> Value {
    let query = "query($p: Platform!) { layer(platform: $p) {
        currency countries appleAdamId metaPageId tiktokIdentityType tiktokIdentityId landingPageUrl } }";
    app.ok(&app.customer(), query, json!({ "p": platform })).await["layer"].clone()
}

#[tokio::test]
async fn the_customer_sets_what_ads_need_and_the_change_is_audited() {
    let app = TestApp::new().await;
    let input = json!({ "platform": "META", "metaPageId": "1122334455", "countries": ["us", "gb", "US"],
        "landingPageUrl": "https://shop.example/app" });
    let payload = update(&app, &app.customer(), input).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    let layer = read(&app, "META").await;
    assert_eq!(
        (&layer["metaPageId"], &layer["countries"], &layer["landingPageUrl"]),
        (&json!("1122334455"), &json!(["US", "GB"]), &json!("https://shop.example/app"))
    );
    let rows = audit_rows(&app, &app.customer(), json!({ "event": "layer.settings.updated" })).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");

    // null clears; an omitted field stays.
    let payload = update(&app, &app.customer(), json!({ "platform": "META", "landingPageUrl": null })).await;
    assert_eq!(payload["layer"]["landingPageUrl"], Value::Null, "{payload:#}");
    assert_eq!(payload["layer"]["metaPageId"], "1122334455", "{payload:#}");

    let identity =
        json!({ "platform": "TIKTOK", "tiktokIdentityType": "CUSTOMIZED_USER", "tiktokIdentityId": "7001" });
    let payload = update(&app, &app.customer(), identity).await;
    assert_eq!(
        (&payload["layer"]["tiktokIdentityType"], &payload["layer"]["tiktokIdentityId"]),
        (&json!("CUSTOMIZED_USER"), &json!("7001")),
        "{payload:#}"
    );
}

#[tokio::test]
async fn partners_are_denied_customer_only_and_nothing_changes() {
    let app = TestApp::new().await;
    let partner = app.partner(&Scope::ALL).await;
    let before = read(&app, "APPLE").await;
    let payload = update(&app, &partner, json!({ "platform": "APPLE", "appleAdamId": "835599320" })).await;
    assert_eq!(
        (&payload["verdict"]["decision"], &payload["verdict"]["reason"]),
        (&json!("DENY"), &json!("customer_only")),
        "{payload:#}"
    );
    assert_eq!(read(&app, "APPLE").await, before);
    let rows = audit_rows(&app, &app.customer(), json!({ "event": "layer.settings.update_denied" })).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
}

#[tokio::test]
async fn malformed_or_foreign_settings_are_user_errors_and_write_nothing() {
    let app = TestApp::new().await;
    let cases = [
        (
            json!({ "platform": "META", "appleAdamId": "835599320" }),
            "appleAdamId",
            "SETTING_NOT_FOR_PLATFORM",
        ),
        (
            json!({ "platform": "APPLE", "landingPageUrl": "https://a.example" }),
            "landingPageUrl",
            "SETTING_NOT_FOR_PLATFORM",
        ),
        (
            json!({ "platform": "META", "landingPageUrl": "http://a.example" }),
            "landingPageUrl",
            "INVALID_SETTING",
        ),
        (json!({ "platform": "META", "metaPageId": "my-page" }), "metaPageId", "INVALID_SETTING"),
        (
            json!({ "platform": "TIKTOK", "tiktokIdentityId": "7001" }),
            "tiktokIdentityType",
            "INVALID_SETTING",
        ),
        (json!({ "platform": "APPLE", "countries": [] }), "countries", "INVALID_SETTING"),
        (json!({ "platform": "APPLE", "currency": "DOLLARS" }), "currency", "INVALID_SETTING"),
    ];
    let before = crate::support::row_totals(&app).await;
    for (input, field, code) in cases {
        let payload = update(&app, &app.customer(), input.clone()).await;
        assert_eq!(payload["userErrors"][0]["code"], code, "{input}: {payload:#}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["input", field]), "{input}: {payload:#}");
        assert_eq!(payload["verdict"], Value::Null, "{payload:#}");
    }
    assert_eq!(crate::support::row_totals(&app).await, before, "no audit row for malformed input");
}

#[tokio::test]
async fn the_currency_is_fixed_once_the_layer_has_a_campaign() {
    let app = TestApp::new().await;
    let payload = update(&app, &app.customer(), json!({ "platform": "TIKTOK", "currency": "gbp" })).await;
    assert_eq!(payload["layer"]["currency"], "GBP", "{payload:#}");
    app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    let payload = update(&app, &app.customer(), json!({ "platform": "TIKTOK", "currency": "USD" })).await;
    assert_eq!(payload["userErrors"][0]["code"], "CURRENCY_LOCKED", "{payload:#}");
    assert_eq!(read(&app, "TIKTOK").await["currency"], "GBP");
}
