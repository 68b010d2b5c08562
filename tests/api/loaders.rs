//! No N+1: a page of campaigns with their authority, layer, ad sets, ads, creatives and pending
//! actions costs the same number of SQL statements for 5 campaigns as for 50.

use layers_dashboard::domain::Platform;
use serde_json::{Value, json};

use crate::support::{TestApp, UPDATE_BUDGET, insert_creative};

const DASHBOARD_PAGE: &str = "query($first: Int!) { campaigns(first: $first) { edges { node {
    name status dailyBudgetCents authority { creative tactical structural } authoritySource
    layer { platform killSwitchActive defaults { tactical } }
    adSets(first: 5) { edges { node { name ads(first: 5) { edges { node { name status creative { name state } } } } } } }
    pendingActions(first: 5) { edges { node { kind status proposedBy { actorType } campaign { name } } } }
} } } }";

/// A campaign with one ad set, one ad showing a creative, and one queued budget change.
async fn furnished_campaign(app: &TestApp, token: &str) {
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = app
        .ok(
            token,
            "mutation($input: CreateAdSetInput!) { createAdSet(input: $input) { adSet { id } userErrors { code } } }",
            json!({ "input": { "campaignId": campaign, "name": "Ad set" } }),
        )
        .await["createAdSet"]["adSet"]["id"]
        .clone();
    let creative = insert_creative(app, "Creative").await;
    let launched = app
        .ok(
            token,
            "mutation($input: LaunchAdInput!) { launchAd(input: $input) { ad { id } userErrors { code } } }",
            json!({ "input": { "adSetId": ad_set, "name": "Ad", "creativeId": creative } }),
        )
        .await;
    assert!(launched["launchAd"]["ad"]["id"].is_string(), "{launched:#}");
    app.ok(
        token,
        "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) { applied } }",
        json!({ "input": { "campaignId": campaign, "tactical": "DRAFT" } }),
    )
    .await;
    let queued = app
        .ok(token, UPDATE_BUDGET, json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }))
        .await;
    assert_eq!(queued["updateCampaignBudget"]["verdict"]["decision"], "QUEUE_FOR_APPROVAL");
}

/// Runs the dashboard page for `first` campaigns; returns the statements it ran and the edges.
async fn page(app: &TestApp, token: &str, first: usize) -> (usize, Vec<Value>) {
    let before = app.statement_count();
    let data = app.ok(token, DASHBOARD_PAGE, json!({ "first": first })).await;
    let statements = app.statement_count() - before;
    (statements, data["campaigns"]["edges"].as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn a_page_of_campaigns_costs_the_same_statements_for_5_and_50() {
    let app = TestApp::new().await;
    let token = app.customer();
    for _ in 0..50 {
        furnished_campaign(&app, &token).await;
    }
    let (small, small_edges) = page(&app, &token, 5).await;
    let (large, large_edges) = page(&app, &token, 50).await;
    assert_eq!(small_edges.len(), 5);
    assert_eq!(large_edges.len(), 50);
    for edge in &large_edges {
        let node = &edge["node"];
        assert_eq!(node["layer"]["platform"], "META");
        assert_eq!(
            node["adSets"]["edges"][0]["node"]["ads"]["edges"][0]["node"]["creative"]["state"],
            "LIVE"
        );
        assert_eq!(node["pendingActions"]["edges"][0]["node"]["kind"], "campaign.budget");
    }
    assert_eq!(small, large, "statements for 5 campaigns: {small}, for 50: {large}");
    // The campaigns, their authority rows, layers, ad sets, waiting actions, the ad sets' ads and
    // their creatives; and one statement for the ads showing those creatives (a creative's
    // `state`) with the metric summaries that classify them and the page's ads against their peers.
    assert!(large <= 8, "a dashboard page should take a handful of statements, took {large}");
    eprintln!("dashboard page: {large} SQL statements for 5 and for 50 campaigns");
    let _ = Platform::Meta;
}

#[tokio::test]
async fn the_creatives_a_page_reads_are_the_stored_rows_with_and_without_ads_content() {
    use entity::{ads_content, content_containers};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
    let app = TestApp::new().await;
    let db = &app.services().db;
    let generated = insert_creative(&app, "Generated").await;
    let generated =
        layers_dashboard::ids::decode(layers_dashboard::ids::NodeKind::Creative, &generated).unwrap();
    // Every nullable column of both rows set, and every text column different, so that a value
    // read from another column's place shows.
    let now = chrono::Utc::now();
    let mut creative =
        content_containers::Entity::find_by_id(generated).one(db).await.unwrap().unwrap().into_active_model();
    creative.status = Set("failed".to_owned());
    creative.approval_status = Set("rejected".to_owned());
    creative.failure_reason = Set(Some("render timed out".to_owned()));
    creative.completed_at = Set(Some(now - chrono::Duration::hours(2)));
    creative.update(db).await.unwrap();
    let mut content = ads_content::Entity::find()
        .filter(ads_content::Column::ContentContainerId.eq(generated))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    content.organic_score = Set(3.25);
    content.override_mode = Set(Some("exclude".to_owned()));
    content.flagged_reason = Set(Some("flagged by review".to_owned()));
    content.archived_at = Set(Some(now - chrono::Duration::hours(1)));
    content.update(db).await.unwrap();
    let regenerated = uuid::Uuid::now_v7();
    content_containers::ActiveModel {
        id: Set(regenerated),
        organization_id: Set(app.org),
        name: Set("Regenerated, still rendering".to_owned()),
        status: Set("processing".to_owned()),
        approval_status: Set("pending".to_owned()),
        parent_id: Set(Some(generated)),
        media_url: Set(None),
        failure_reason: Set(None),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();

    let ids = [generated, regenerated];
    let mut read = layers_dashboard::store::relations::creatives(db, app.org, &ids).await.unwrap();
    let mut stored = content_containers::Entity::find()
        .filter(content_containers::Column::Id.is_in(ids))
        .find_also_related(ads_content::Entity)
        .all(db)
        .await
        .unwrap();
    read.sort_by_key(|(creative, _)| creative.id);
    stored.sort_by_key(|(creative, _)| creative.id);
    assert_eq!(read, stored);
    assert!(read[0].1.as_ref().is_some_and(|content| content.archived_at.is_some()), "{read:?}");
    assert!(read[1].1.is_none(), "a creative without an ads-content row: {read:?}");
    let other_org =
        layers_dashboard::store::relations::creatives(db, uuid::Uuid::now_v7(), &ids).await.unwrap();
    assert!(other_org.is_empty(), "only the organization's own creatives");
}
