//! The creative library through the API: the approval policy, drafts and the generation
//! workflow's report (system actors only), the manual transitions with their audit rows and
//! illegal-transition user errors, eligibility at `launchAd`, the sandbox completing drafts, and
//! `creatives(state:)` filtering before paging.

mod generation;
mod listing;
mod push;
mod transitions;

use layers_dashboard::auth;
use serde_json::{Value, json};

use crate::support::{TestApp, audit_rows};

/// The creative fields tests read back.
pub const CREATIVE_FIELDS: &str = "id name state generationStatus approvalStatus organicScore scoringPool
    overrideMode mediaUrl failureReason completedAt archivedAt eligible parent { id }";

/// A system token (`"act": "system"`) for the app's organization, as `token --system` mints.
pub fn system(app: &TestApp) -> String {
    auth::mint_system_token(&app.state.jwt, app.org, "generation", chrono::Utc::now().timestamp(), 3600)
        .expect("mint system token")
}

/// Starts a draft as `token` and returns the payload.
pub async fn draft_as(app: &TestApp, token: &str, name: &str) -> Value {
    let query = format!(
        "mutation($input: CreateCreativeDraftInput!) {{ createCreativeDraft(input: $input) {{
            verdict {{ id decision reason trace }} creative {{ {CREATIVE_FIELDS} }} userErrors {{ field code message }} }} }}"
    );
    app.ok(token, &query, json!({ "input": { "name": name } })).await["createCreativeDraft"].clone()
}

/// Starts a draft as the customer and returns its id.
pub async fn draft(app: &TestApp, name: &str) -> String {
    let payload = draft_as(app, &app.customer(), name).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    payload["creative"]["id"].as_str().expect("draft id").to_owned()
}

/// Reports draft `id` as `token` (the whole response: it may be `FORBIDDEN`).
pub async fn report_as(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: CompleteCreativeGenerationInput!) {{ completeCreativeGeneration(input: $input) {{
            verdict {{ id decision reason trace }} creative {{ {CREATIVE_FIELDS} }} userErrors {{ field code message }} }} }}"
    );
    app.gql(Some(token), &query, json!({ "input": input })).await
}

/// Reports draft `id` completed (`succeeded`) or failed as the generation workflow.
pub async fn report(app: &TestApp, id: &str, succeeded: bool) -> Value {
    let input = if succeeded {
        json!({ "creativeId": id, "succeeded": true, "mediaUrl": format!("https://cdn.example.test/{id}.mp4") })
    } else {
        json!({ "creativeId": id, "succeeded": false, "failureReason": "the renderer crashed" })
    };
    let response = report_as(app, &system(app), input).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["completeCreativeGeneration"].clone()
}

/// A draft reported completed (or failed); returns its id.
pub async fn generated(app: &TestApp, name: &str, succeeded: bool) -> String {
    let id = draft(app, name).await;
    let payload = report(app, &id, succeeded).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    id
}

/// Runs manual transition `mutation` (`approveCreative`, ...) on `id` as `token`; `extra` adds
/// arguments (`mode: INCLUDE`).
pub async fn transition_as(app: &TestApp, token: &str, mutation: &str, id: &str, extra: &str) -> Value {
    let query = format!(
        "mutation($id: ID!) {{ out: {mutation}(id: $id{extra}) {{
            verdict {{ id decision reason trace }} creative {{ {CREATIVE_FIELDS} }} userErrors {{ field code message }} }} }}"
    );
    app.ok(token, &query, json!({ "id": id })).await["out"].clone()
}

/// Runs manual transition `mutation` on `id` as the customer.
pub async fn transition(app: &TestApp, mutation: &str, id: &str) -> Value {
    transition_as(app, &app.customer(), mutation, id, "").await
}

/// Asserts `payload` is the user error `code` and carries no verdict.
pub fn assert_user_error(payload: &Value, code: &str) {
    assert_eq!(payload["userErrors"][0]["code"], code, "{payload:#}");
    assert_eq!(payload["verdict"], Value::Null, "{payload:#}");
}

/// Creative `id` as the customer reads it.
pub async fn creative(app: &TestApp, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ node(id: $id) {{ ... on Creative {{ {CREATIVE_FIELDS} }} }} }}");
    app.ok(&app.customer(), &query, json!({ "id": id })).await["node"].clone()
}

/// The audit rows with `event`, newest first.
pub async fn events(app: &TestApp, event: &str) -> Vec<Value> {
    audit_rows(app, &app.customer(), json!({ "event": event })).await
}

/// Launches creative `creative` in `ad_set` as the customer and returns the payload.
pub async fn launch(app: &TestApp, ad_set: &str, creative: &str) -> Value {
    app.ok(
        &app.customer(),
        "mutation($input: LaunchAdInput!) { launchAd(input: $input) {
            verdict { decision reason } ad { id status } userErrors { code } } }",
        json!({ "input": { "adSetId": ad_set, "creativeId": creative, "name": "Ad" } }),
    )
    .await["launchAd"]
        .clone()
}

/// Asserts `launchAd` refuses `creative` as not eligible.
pub async fn assert_not_launchable(app: &TestApp, ad_set: &str, creative: &str) {
    let payload = launch(app, ad_set, creative).await;
    assert_eq!(payload["verdict"]["decision"], "DENY", "{payload:#}");
    assert_eq!(payload["verdict"]["reason"], "safety_check_failed:creative_not_eligible", "{payload:#}");
}
