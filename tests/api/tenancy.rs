//! Tenancy: another organization's layers, campaigns, ad sets, ads, creatives, pending actions
//! and audit rows are exactly as invisible, to reads and to writes, as ids that do not exist; lists
//! never cross organizations; and pages walk a list once, with bad page arguments refused.

use std::collections::BTreeSet;

use layers_dashboard::domain::Scope;
use layers_dashboard::ids::{self, NodeKind};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{CREATE_CAMPAIGN, TestApp, UPDATE_BUDGET, insert_creative_in, row_totals};

/// One organization's objects: global ids, plus the verdict id (UUID) of its queued budget change.
struct Owned {
    layer: String,
    campaign: String,
    draft_campaign: String,
    ad_set: String,
    ad: String,
    creative: String,
    pending: String,
    audit_row: String,
    verdict: String,
}

const SET_DEFAULTS: &str = "mutation($input: UpdateLayerDefaultsInput!) {
    updateLayerDefaults(input: $input) { applied userErrors { code } } }";

const CREATE_AD_SET: &str = "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) {
    verdict { decision } adSet { id } userErrors { code } } }";

const LAUNCH_AD: &str = "mutation($input: LaunchAdInput!) { launchAd(input: $input) {
    verdict { decision } ad { id } userErrors { code } } }";

/// Opens `platform`'s defaults to AUTO on every axis, as the holder of `token`.
async fn open_defaults(app: &TestApp, token: &str, platform: &str) {
    let input = json!({ "platform": platform, "creative": "AUTO", "tactical": "AUTO", "structural": "AUTO" });
    let data = app.ok(token, SET_DEFAULTS, json!({ "input": input })).await;
    assert_eq!(data["updateLayerDefaults"]["applied"], true, "{data:#}");
}

/// Creates a Meta campaign as the holder of `token` (defaults already open) and returns its id.
async fn create_campaign(app: &TestApp, token: &str, name: &str, modes: (&str, &str)) -> String {
    let input = json!({
        "platform": "META", "name": name, "dailyBudgetCents": 5000, "outcome": "CONVERSIONS",
        "campaignManagementMode": modes.0, "creativeMode": modes.1,
    });
    let data = app.ok(token, CREATE_CAMPAIGN, json!({ "input": input })).await;
    let payload = &data["createCampaign"];
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    payload["campaign"]["id"].as_str().expect("campaign id").to_owned()
}

/// Gives organization `org` (acting through `token`) one of everything that has an id.
async fn seed(app: &TestApp, org: Uuid, token: &str) -> Owned {
    open_defaults(app, token, "META").await;
    let campaign = create_campaign(app, token, "Auto campaign", ("AUTOPILOT", "AUTOPILOT")).await;
    let input = json!({ "campaignId": campaign, "name": "Ad set" });
    let data = app.ok(token, CREATE_AD_SET, json!({ "input": input })).await;
    assert_eq!(data["createAdSet"]["verdict"]["decision"], "ALLOW", "{data:#}");
    let ad_set = data["createAdSet"]["adSet"]["id"].as_str().expect("ad set id").to_owned();

    let creative = insert_creative_in(app, org, "Creative").await;
    let input = json!({ "adSetId": ad_set, "name": "Ad", "creativeId": creative });
    let data = app.ok(token, LAUNCH_AD, json!({ "input": input })).await;
    assert_eq!(data["launchAd"]["verdict"]["decision"], "ALLOW", "{data:#}");
    let ad = data["launchAd"]["ad"]["id"].as_str().expect("ad id").to_owned();

    let draft_campaign = create_campaign(app, token, "Draft campaign", ("DRAFT", "DRAFT")).await;
    let input = json!({ "campaignId": draft_campaign, "dailyBudgetCents": 7000 });
    let data = app.ok(token, UPDATE_BUDGET, json!({ "input": input })).await;
    let payload = &data["updateCampaignBudget"];
    assert_eq!(payload["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{payload:#}");
    let pending = payload["pendingAction"]["id"].as_str().expect("pending action id").to_owned();
    let verdict = payload["verdict"]["id"].as_str().expect("verdict id").to_owned();

    let data = app.ok(token, "query($id: ID!) { verdict(id: $id) { id } }", json!({ "id": verdict })).await;
    let audit_row = data["verdict"]["id"].as_str().expect("audit row id").to_owned();
    let data = app.ok(token, "{ layer(platform: META) { id } }", json!({})).await;
    let layer = data["layer"]["id"].as_str().expect("layer id").to_owned();
    Owned { layer, campaign, draft_campaign, ad_set, ad, creative, pending, audit_row, verdict }
}

/// A well-formed global id of `kind` that exists nowhere.
fn missing(kind: NodeKind) -> String {
    ids::encode(kind, Uuid::now_v7())
}

/// Organization B: a customer token and a partner key holding every scope.
async fn intruders(app: &TestApp) -> (Uuid, String, String) {
    let (org_b, customer_b) = app.other_org().await;
    let (_, key) =
        app.services().create_partner_key(org_b, "B partner", &Scope::ALL).await.expect("partner key");
    (org_b, customer_b, key.plaintext.expose().to_owned())
}

/// Every verdict id in the audit log the holder of `token` sees.
async fn audit_ids(app: &TestApp, token: &str) -> BTreeSet<String> {
    let data = app
        .ok(token, "{ auditLog(first: 100) { nodes { verdictId } pageInfo { hasNextPage } } }", json!({}))
        .await;
    assert_eq!(data["auditLog"]["pageInfo"]["hasNextPage"], false, "more than a page of audit rows");
    nodes(&data["auditLog"], "verdictId")
}

/// The set of `field` over a connection's nodes.
fn nodes(connection: &Value, field: &str) -> BTreeSet<String> {
    connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node[field].as_str().expect("string field").to_owned())
        .collect()
}

#[tokio::test]
async fn another_organizations_ids_read_exactly_like_missing_ids() {
    let app = TestApp::new().await;
    let a = seed(&app, app.org, &app.customer()).await;
    let (_, customer_b, partner_b) = intruders(&app).await;

    let objects = [
        (NodeKind::Layer, &a.layer),
        (NodeKind::Campaign, &a.campaign),
        (NodeKind::AdSet, &a.ad_set),
        (NodeKind::Ad, &a.ad),
        (NodeKind::Creative, &a.creative),
        (NodeKind::PendingAction, &a.pending),
        (NodeKind::AuditRow, &a.audit_row),
    ];
    let node = "query($id: ID!) { node(id: $id) { id __typename } }";
    for (kind, id) in objects {
        let own = app.ok(&app.customer(), node, json!({ "id": id })).await;
        assert_eq!(own["node"]["id"], json!(id), "A sees its own {kind:?}: {own:#}");
    }

    let campaign = "query($id: ID!) { campaign(id: $id) { id name dailyBudgetCents } }";
    let verdict = "query($id: ID!) { verdict(id: $id) { verdictId event decision } }";
    for token in [&customer_b, &partner_b] {
        let theirs = app.gql(Some(token), campaign, json!({ "id": a.campaign })).await;
        let nowhere = app.gql(Some(token), campaign, json!({ "id": missing(NodeKind::Campaign) })).await;
        assert_eq!(theirs, json!({ "data": { "campaign": null } }));
        assert_eq!(theirs, nowhere);

        for (kind, id) in objects {
            let theirs = app.gql(Some(token), node, json!({ "id": id })).await;
            let nowhere = app.gql(Some(token), node, json!({ "id": missing(kind) })).await;
            assert_eq!(theirs, json!({ "data": { "node": null } }), "{kind:?}");
            assert_eq!(theirs, nowhere, "{kind:?}");
        }

        let theirs = app.gql(Some(token), verdict, json!({ "id": a.verdict })).await;
        let nowhere = app.gql(Some(token), verdict, json!({ "id": Uuid::now_v7().to_string() })).await;
        assert_eq!(theirs, json!({ "data": { "verdict": null } }));
        assert_eq!(theirs, nowhere);
    }
}

/// A probe: the mutation field, its document, and its variables for a target id.
type Probe = (&'static str, &'static str, Box<dyn Fn(&str) -> Value>);

/// Every write that names an existing object of another organization, with the kind of that
/// object (to build a missing id of the same kind).
fn write_probes(a: &Owned, b: &Owned) -> Vec<(NodeKind, String, Probe)> {
    let b_creative = b.creative.clone();
    let b_ad_set = b.ad_set.clone();
    let b_ad = b.ad.clone();
    vec![
        (
            NodeKind::Campaign,
            a.campaign.clone(),
            (
                "updateCampaignBudget",
                "mutation($input: UpdateCampaignBudgetInput!) { updateCampaignBudget(input: $input) {
                verdict { id decision reason } campaign { id } pendingAction { id status }
                userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "campaignId": id, "dailyBudgetCents": 6000 } })),
            ),
        ),
        (
            NodeKind::Campaign,
            a.campaign.clone(),
            (
                "updateCampaignBudget",
                "mutation($input: UpdateCampaignBudgetInput!) { updateCampaignBudget(input: $input) {
                verdict { id decision dryRun } userErrors { field code message } } }",
                Box::new(
                    |id| json!({ "input": { "campaignId": id, "dailyBudgetCents": 6000, "dryRun": true } }),
                ),
            ),
        ),
        (
            NodeKind::Campaign,
            a.campaign.clone(),
            (
                "changeCampaignStatus",
                "mutation($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) {
                verdict { id decision reason } campaign { id status } pendingAction { id }
                userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "campaignId": id, "action": "PAUSE" } })),
            ),
        ),
        (
            NodeKind::Campaign,
            a.campaign.clone(),
            (
                "updateCampaignAuthority",
                "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) {
                verdict { id decision reason } applied campaign { id } pendingAction { id }
                userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "campaignId": id, "tactical": "OFF" } })),
            ),
        ),
        (
            NodeKind::Campaign,
            a.campaign.clone(),
            (
                "updateCampaignBidding",
                "mutation($input: UpdateCampaignBiddingInput!) { updateCampaignBidding(input: $input) {
                verdict { id } campaign { id } userErrors { field code message } } }",
                Box::new(
                    |id| json!({ "input": { "campaignId": id, "bidStrategy": "COST_CAP", "bidAmountCents": 300 } }),
                ),
            ),
        ),
        (
            NodeKind::Campaign,
            a.campaign.clone(),
            (
                "updateCampaignTargeting",
                "mutation($input: UpdateCampaignTargetingInput!) { updateCampaignTargeting(input: $input) {
                verdict { id } campaign { id } userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "campaignId": id, "targeting": { "countries": ["US"] } } })),
            ),
        ),
        (
            NodeKind::Campaign,
            a.campaign.clone(),
            (
                "createAdSet",
                "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) {
                verdict { id } adSet { id } userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "campaignId": id, "name": "Intruder set" } })),
            ),
        ),
        (
            NodeKind::AdSet,
            a.ad_set.clone(),
            (
                "changeAdSetStatus",
                "mutation($input: ChangeAdSetStatusInput!) { changeAdSetStatus(input: $input) {
                verdict { id } adSet { id } userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "adSetId": id, "action": "PAUSE" } })),
            ),
        ),
        (
            NodeKind::AdSet,
            a.ad_set.clone(),
            (
                "launchAd",
                "mutation($input: LaunchAdInput!) { launchAd(input: $input) {
                verdict { id } ad { id } userErrors { field code message } } }",
                Box::new(
                    move |id| json!({ "input": { "adSetId": id, "name": "Intruder", "creativeId": b_creative } }),
                ),
            ),
        ),
        (
            NodeKind::Creative,
            a.creative.clone(),
            (
                "launchAd",
                "mutation($input: LaunchAdInput!) { launchAd(input: $input) {
                verdict { id } ad { id } userErrors { field code message } } }",
                Box::new(
                    move |id| json!({ "input": { "adSetId": b_ad_set, "name": "Borrowed", "creativeId": id } }),
                ),
            ),
        ),
        (
            NodeKind::Ad,
            a.ad.clone(),
            (
                "changeAdStatus",
                "mutation($input: ChangeAdStatusInput!) { changeAdStatus(input: $input) {
                verdict { id } ad { id } userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "adId": id, "action": "PAUSE" } })),
            ),
        ),
        (
            NodeKind::Ad,
            a.ad.clone(),
            (
                "pruneAd",
                "mutation($input: PruneAdInput!) { pruneAd(input: $input) {
                verdict { id } ad { id } userErrors { field code message } } }",
                Box::new(|id| json!({ "input": { "adId": id } })),
            ),
        ),
        (
            NodeKind::Creative,
            a.creative.clone(),
            (
                "replaceAdCreative",
                "mutation($input: ReplaceAdCreativeInput!) { replaceAdCreative(input: $input) {
                verdict { id } ad { id } userErrors { field code message } } }",
                Box::new(move |id| json!({ "input": { "adId": b_ad, "creativeId": id } })),
            ),
        ),
        (
            NodeKind::PendingAction,
            a.pending.clone(),
            (
                "approvePendingAction",
                "mutation($id: ID!) { approvePendingAction(id: $id) {
                verdict { id decision } campaign { id } pendingAction { id status }
                userErrors { field code message } } }",
                Box::new(|id| json!({ "id": id })),
            ),
        ),
        (
            NodeKind::PendingAction,
            a.pending.clone(),
            (
                "rejectPendingAction",
                "mutation($id: ID!) { rejectPendingAction(id: $id, reason: \"not yours\") {
                verdict { id decision } pendingAction { id status } userErrors { field code message } } }",
                Box::new(|id| json!({ "id": id })),
            ),
        ),
    ]
}

#[tokio::test]
async fn another_organizations_ids_are_not_found_for_writes_and_nothing_is_written() {
    let app = TestApp::new().await;
    let a = seed(&app, app.org, &app.customer()).await;
    let (org_b, customer_b, partner_b) = intruders(&app).await;
    let b = seed(&app, org_b, &customer_b).await;

    let totals = row_totals(&app).await;
    let a_audit = audit_ids(&app, &app.customer()).await;
    let b_audit = audit_ids(&app, &customer_b).await;

    for token in [&customer_b, &partner_b] {
        for (kind, id, (field, query, vars)) in write_probes(&a, &b) {
            let theirs = app.gql(Some(token), query, vars(&id)).await;
            let nowhere = app.gql(Some(token), query, vars(&missing(kind))).await;
            let payload = &theirs["data"][field];
            assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND", "{field} on A's {kind:?}: {theirs:#}");
            assert_eq!(payload["userErrors"].as_array().map(Vec::len), Some(1), "{theirs:#}");
            assert_eq!(payload["verdict"], Value::Null, "{field}: no verdict for another organization's id");
            assert_eq!(theirs, nowhere, "{field} on A's {kind:?} must answer exactly like a missing id");
        }
        for field in ["approvePendingActions", "rejectPendingActions"] {
            let query = format!(
                "mutation($ids: [ID!]!) {{ {field}(ids: $ids) {{ results {{ pendingActionId verdict {{ id }}
                 pendingAction {{ id }} userErrors {{ field code message }} }} userErrors {{ code }} }} }}"
            );
            let theirs = app.gql(Some(token), &query, json!({ "ids": [a.pending] })).await;
            let result = &theirs["data"][field]["results"][0];
            assert_eq!(result["userErrors"][0]["code"], "NOT_FOUND", "{theirs:#}");
            assert_eq!(result["verdict"], Value::Null, "{theirs:#}");
            assert_eq!(result["pendingAction"], Value::Null, "{theirs:#}");
        }
    }

    assert_eq!(row_totals(&app).await, totals, "no audit row, pending action or campaign was written");
    assert_eq!(audit_ids(&app, &app.customer()).await, a_audit, "A's audit log is unchanged");
    assert_eq!(audit_ids(&app, &customer_b).await, b_audit, "B's audit log is unchanged");

    let query = "query($c: ID!, $p: ID!) { campaign(id: $c) { status version dailyBudgetCents authority { tactical } }
        node(id: $p) { ... on PendingAction { status } } }";
    let data = app.ok(&app.customer(), query, json!({ "c": a.campaign, "p": a.pending })).await;
    assert_eq!(data["campaign"]["status"], "ACTIVE", "{data:#}");
    assert_eq!(data["campaign"]["version"], 1, "{data:#}");
    assert_eq!(data["campaign"]["dailyBudgetCents"], 5000, "{data:#}");
    assert_eq!(data["campaign"]["authority"]["tactical"], "AUTO", "{data:#}");
    assert_eq!(data["node"]["status"], "PENDING", "{data:#}");
}

#[tokio::test]
async fn lists_never_show_another_organizations_rows() {
    let app = TestApp::new().await;
    let a = seed(&app, app.org, &app.customer()).await;
    let (org_b, customer_b, partner_b) = intruders(&app).await;
    let b = seed(&app, org_b, &customer_b).await;
    let (_, reader_a) =
        app.services().create_partner_key(app.org, "A reader", &[Scope::AdsRead]).await.unwrap();
    let reader_a = reader_a.plaintext.expose().to_owned();

    let lists = "{
        campaigns(first: 100) { nodes { id } }
        pendingActions(first: 100) { nodes { id } }
        creatives(first: 100) { nodes { id } }
        layers { id }
        layer(platform: META) { campaigns(first: 100) { nodes { id } } }
    }";
    let cases = [
        (app.org, &a, &b, app.customer()),
        (app.org, &a, &b, reader_a),
        (org_b, &b, &a, customer_b.clone()),
        (org_b, &b, &a, partner_b.clone()),
    ];
    for (org, own, other, token) in &cases {
        let data = app.ok(token, lists, json!({})).await;
        let both: BTreeSet<String> = [own.campaign.clone(), own.draft_campaign.clone()].into();
        assert_eq!(nodes(&data["campaigns"], "id"), both, "{data:#}");
        assert_eq!(nodes(&data["layer"]["campaigns"], "id"), both, "{data:#}");
        assert_eq!(nodes(&data["pendingActions"], "id"), [own.pending.clone()].into(), "{data:#}");
        assert_eq!(nodes(&data["creatives"], "id"), [own.creative.clone()].into(), "{data:#}");
        let layers: BTreeSet<String> =
            data["layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(layers.len(), 3, "{data:#}");
        assert!(layers.contains(&own.layer) && !layers.contains(&other.layer), "{data:#}");

        let stored: BTreeSet<String> = entity::audit::Entity::find()
            .filter(entity::audit::Column::OrganizationId.eq(*org))
            .all(&app.services().db)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.id.to_string())
            .collect();
        let seen = audit_ids(&app, token).await;
        assert!(seen.contains(&own.verdict) && !seen.contains(&other.verdict), "{seen:?}");
        assert_eq!(seen, stored, "the audit log shows exactly the organization's own rows");

        let filtered = "query($c: ID!) {
            pendingActions(campaignId: $c) { nodes { id } }
            auditLog(campaignId: $c) { nodes { id } } }";
        let data = app.ok(token, filtered, json!({ "c": other.draft_campaign })).await;
        assert_eq!(data["pendingActions"]["nodes"], json!([]), "{data:#}");
        assert_eq!(data["auditLog"]["nodes"], json!([]), "{data:#}");
    }
}

#[tokio::test]
async fn first_ten_pages_through_twenty_five_campaigns_once() {
    let app = TestApp::new().await;
    let token = app.customer();
    open_defaults(&app, &token, "META").await;
    let mut created = Vec::new();
    for n in 1..=25 {
        created.push(create_campaign(&app, &token, &format!("Campaign {n:02}"), ("MANUAL", "MANUAL")).await);
    }

    let page = "query($after: String) { campaigns(first: 10, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let (mut seen, mut after, mut sizes) = (Vec::new(), Value::Null, Vec::new());
    loop {
        let data = app.ok(&token, page, json!({ "after": after })).await;
        let connection = &data["campaigns"];
        let edges = connection["edges"].as_array().expect("edges");
        sizes.push(edges.len());
        seen.extend(edges.iter().map(|edge| edge["node"]["id"].as_str().unwrap().to_owned()));
        let info = &connection["pageInfo"];
        assert_eq!(info["endCursor"], edges.last().unwrap()["cursor"], "{info:#}");
        if info["hasNextPage"] == false {
            break;
        }
        assert!(sizes.len() < 5, "pagination does not end: {sizes:?}");
        after = info["endCursor"].clone();
    }
    assert_eq!(sizes, [10, 10, 5]);
    created.reverse();
    assert_eq!(seen, created, "every campaign exactly once, newest first");
}

#[tokio::test]
async fn out_of_range_page_sizes_and_garbage_cursors_are_bad_user_input() {
    let app = TestApp::new().await;
    let token = app.customer();
    let fields = ["campaigns", "pendingActions", "auditLog", "creatives"];
    let arguments = ["first: 101", "first: -1", "after: \"garbage\"", "after: \"Y3Vyc29yOm5vcGU\""];
    for field in fields {
        for args in arguments {
            let query = format!("{{ {field}({args}) {{ nodes {{ id }} }} }}");
            let response = app.gql(Some(&token), &query, json!({})).await;
            assert_eq!(
                response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{query}: {response:#}"
            );
        }
        let response = app
            .gql(Some(&token), &format!("{{ {field}(first: 100) {{ nodes {{ id }} }} }}"), json!({}))
            .await;
        assert!(response.get("errors").is_none(), "first: 100 is allowed: {response:#}");
    }
    let nested = "{ layer(platform: META) { campaigns(first: 101) { nodes { id } } } }";
    let response = app.gql(Some(&token), nested, json!({})).await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{response:#}");
}
