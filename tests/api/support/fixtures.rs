//! Set-up and read-back shared by many tests: the mutations and queries they send most, rows that
//! have no create mutation (creatives), and short helpers that open a layer, trip its kill
//! switch, add an ad set or read a campaign or the audit log back through the API.

use serde_json::{Value, json};
use uuid::Uuid;

use super::TestApp;

/// The create mutation with the fields tests read back.
pub const CREATE_CAMPAIGN: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
    verdict { id decision reason axis trace dryRun }
    campaign { id name platform status dailyBudgetCents lifetimeBudgetCents version platformCampaignId
               authority { creative tactical structural } authoritySource }
    pendingAction { id status kind }
    userErrors { field code message } } }";

/// The budget mutation with the fields tests read back.
pub const UPDATE_BUDGET: &str =
    "mutation($input: UpdateCampaignBudgetInput!) { updateCampaignBudget(input: $input) {
    verdict { id decision reason axis trace dryRun }
    campaign { id dailyBudgetCents lifetimeBudgetCents version }
    pendingAction { id status kind targetVersion }
    userErrors { field code message } } }";

/// Reads the audit row of a verdict id.
pub const VERDICT: &str = "query($id: ID!) { verdict(id: $id) {
    verdictId event action decision reason axis trace actorType actorId actorApiKeyId dispatchStatus dispatch request } }";

/// Inserts a generated, eligible creative (content container + ads-content row) into the app's
/// organization and returns its global id. Creatives have no create mutation: generation makes them.
pub async fn insert_creative(app: &TestApp, name: &str) -> String {
    insert_creative_in(app, app.org, name).await
}
/// Inserts a generated, eligible creative into organization `org` and returns its global id.
pub async fn insert_creative_in(app: &TestApp, org: Uuid, name: &str) -> String {
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    let id = Uuid::now_v7();
    entity::content_containers::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        name: Set(name.to_owned()),
        status: Set("completed".to_owned()),
        approval_status: Set("not_required".to_owned()),
        parent_id: Set(None),
        media_url: Set(Some(format!("https://media.example.test/creatives/{id}.mp4"))),
        failure_reason: Set(None),
        completed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.services().db)
    .await
    .expect("insert creative");
    layers_dashboard::store::creatives::insert_generated_content(&app.services().db, org, id)
        .await
        .expect("insert ads content");
    layers_dashboard::ids::encode(layers_dashboard::ids::NodeKind::Creative, id)
}

/// Rows written so far across every organization: (audit rows, pending actions, campaigns).
pub async fn row_totals(app: &TestApp) -> (u64, u64, u64) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let db = &app.services().db;
    let audit = entity::audit::Entity::find().count(db).await.expect("count audit rows");
    let pending = entity::pending_actions::Entity::find().count(db).await.expect("count pending actions");
    let campaigns = entity::campaigns::Entity::find().count(db).await.expect("count campaigns");
    (audit, pending, campaigns)
}
/// Sets `campaign`'s own authority row as the customer; `modes` holds the axes to change
/// (`{"tactical": "AUTO"}`), the others stay as they are.
pub async fn set_campaign_authority(app: &TestApp, campaign: &str, modes: Value) {
    let mut input = modes;
    input["campaignId"] = json!(campaign);
    let data = app
        .ok(
            &app.customer(),
            "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) {
                applied campaign { authoritySource } userErrors { code } } }",
            json!({ "input": input }),
        )
        .await;
    let payload = &data["updateCampaignAuthority"];
    assert_eq!(payload["applied"], true, "{payload:#}");
    assert_eq!(payload["campaign"]["authoritySource"], "CAMPAIGN", "{payload:#}");
}

/// Deletes `campaign`'s authority row (no API does), so its layer's defaults apply to it.
pub async fn drop_campaign_authority(app: &TestApp, campaign: &str) {
    use sea_orm::EntityTrait;
    let id = layers_dashboard::ids::decode(layers_dashboard::ids::NodeKind::Campaign, campaign)
        .expect("campaign id");
    let deleted = entity::campaign_authority::Entity::delete_by_id(id)
        .exec(&app.services().db)
        .await
        .expect("delete authority");
    assert_eq!(deleted.rows_affected, 1, "campaign {campaign} had no authority row");
}

/// Trips (`tripped`) or releases `platform`'s kill switch as the customer.
pub async fn set_kill_switch(app: &TestApp, platform: &str, tripped: bool) {
    let query = if tripped {
        "mutation($p: Platform!) { out: tripKillSwitch(platform: $p, reason: \"test\") { layer { killSwitchActive } userErrors { code } } }"
    } else {
        "mutation($p: Platform!) { out: releaseKillSwitch(platform: $p) { layer { killSwitchActive } userErrors { code } } }"
    };
    let data = app.ok(&app.customer(), query, json!({ "p": platform })).await;
    assert_eq!(data["out"]["layer"]["killSwitchActive"], tripped, "{data:#}");
}

/// Creates an ad set under `campaign` as the customer (its structural axis must be `AUTO`) and
/// returns the ad set's global id.
pub async fn create_ad_set(app: &TestApp, campaign: &str) -> String {
    let data = app
        .ok(
            &app.customer(),
            "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) {
                verdict { decision reason } adSet { id } userErrors { code message } } }",
            json!({ "input": { "campaignId": campaign, "name": "Test ad set" } }),
        )
        .await;
    let payload = &data["createAdSet"];
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    payload["adSet"]["id"].as_str().expect("ad set id").to_owned()
}

/// Reads `campaign` back as the customer: budget, status, version, authority and its source.
pub async fn read_campaign(app: &TestApp, campaign: &str) -> Value {
    let data = app
        .ok(
            &app.customer(),
            "query($id: ID!) { campaign(id: $id) { id status dailyBudgetCents version authoritySource
                authority { creative tactical structural } } }",
            json!({ "id": campaign }),
        )
        .await;
    data["campaign"].clone()
}

/// Every audit row `token` can see under the `auditLog` arguments `filter`, following every page.
pub async fn audit_rows(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let query = "query($platform: Platform, $campaignId: ID, $event: String, $decision: Decision, $after: String) {
        auditLog(platform: $platform, campaignId: $campaignId, event: $event, decision: $decision, first: 100, after: $after) {
            nodes { verdictId event decision reason axis actorType actorId actorApiKeyId dispatchStatus pendingActionId }
            pageInfo { hasNextPage endCursor } } }";
    let mut rows = Vec::new();
    let mut variables = filter;
    loop {
        let data = app.ok(token, query, variables.clone()).await;
        let page = &data["auditLog"];
        rows.extend(page["nodes"].as_array().expect("audit nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            return rows;
        }
        variables["after"] = page["pageInfo"]["endCursor"].clone();
    }
}
