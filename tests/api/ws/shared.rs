//! One event to many WebSocket subscribers: its row and the relations their selections reach
//! are read once per delivery for the organization; each subscriber still gets exactly its own
//! selection, fresh for every event, and nothing of another organization.

use std::time::Duration;

use layers_dashboard::domain::Scope;
use layers_dashboard::events::{Event, EventKind};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::client::Client;
use super::until_live;
use crate::support::{TestApp, UPDATE_BUDGET, serve};

const NAMES: &str = "subscription { pendingActionEvents { kind pendingAction { id campaign { name } } } }";

/// A campaign of `token`'s organization named `name`, with a budget change queued for approval:
/// the campaign's uuid and the pending action's global id and uuid.
async fn queued(app: &TestApp, token: &str, name: &str) -> (Uuid, String, Uuid) {
    let defaults = "mutation { updateLayerDefaults(input: { platform: META, creative: AUTO, tactical: DRAFT, structural: AUTO }) { applied } }";
    app.ok(token, defaults, json!({})).await;
    let create = "mutation($name: String!) { createCampaign(input: { platform: META, name: $name, dailyBudgetCents: 5000,
        outcome: CONVERSIONS, campaignManagementMode: DRAFT, creativeMode: DRAFT }) { campaign { id } } }";
    let created = app.ok(token, create, json!({ "name": name })).await;
    let campaign = created["createCampaign"]["campaign"]["id"].as_str().expect("a campaign").to_owned();
    let input = json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } });
    let queued = app.ok(token, UPDATE_BUDGET, input).await;
    let action = queued["updateCampaignBudget"]["pendingAction"]["id"].as_str().expect("queued").to_owned();
    (uuid_of(&campaign), action.clone(), uuid_of(&action))
}

fn uuid_of(global: &str) -> Uuid {
    layers_dashboard::ids::decode_any(global).expect("a global id").1
}

/// Announces pending action `id` of `org` again, as its queueing was before anyone listened.
fn announce(app: &TestApp, org: Uuid, id: Uuid) {
    let status = EventKind::PendingAction { status: "pending".into() };
    let event = Event { organization_id: org, platform: Some("meta".into()), kind: status, id, delivery: 0 };
    app.services().events.committed(vec![event]);
}

/// A client of `token` subscribed to `query` as operation "1", receiving events.
async fn subscriber(app: &TestApp, address: std::net::SocketAddr, token: &str, query: &str) -> Client {
    let mut client = Client::ready(address, token).await;
    client.subscribe("1", query).await;
    until_live(app, &mut client, "1").await;
    client
}

/// The next pending action event's `pendingAction` other than a resync.
async fn pending_action(client: &mut Client) -> Value {
    loop {
        let message = client.recv().await;
        assert_eq!(message["type"], "next", "{message}");
        let event = &message["payload"]["data"]["pendingActionEvents"];
        if event["kind"] != "RESYNC" {
            assert_eq!(message["payload"].get("errors"), None, "{message}");
            return event["pendingAction"].clone();
        }
    }
}

/// Every subscriber's queue emptied, so that what comes next is new.
async fn settle(clients: &mut [Client]) {
    for client in clients {
        client.drain(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_nested_field_of_one_event_is_read_once_however_many_subscribe() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    let (_, action, action_id) = queued(&app, &app.customer(), "Spring sale").await;
    let mut clients = Vec::new();
    for _ in 0..20 {
        clients.push(subscriber(&app, address, &app.customer(), NAMES).await);
    }
    settle(&mut clients).await;

    let before = app.statement_count();
    announce(&app, app.org, action_id);
    for client in &mut clients {
        let got = pending_action(client).await;
        assert_eq!(got, json!({ "id": action, "campaign": { "name": "Spring sale" } }));
    }
    let reads = app.statement_count() - before;
    assert_eq!(reads, 2, "the pending action and its campaign, once each for 20 subscribers");
}

#[tokio::test]
async fn each_subscriber_gets_its_own_selection_fresh_and_only_from_its_organization() {
    let app = TestApp::new().await;
    let address = serve(&app).await;
    let (other_org, other) = app.other_org().await;
    let (campaign, action, action_id) = queued(&app, &app.customer(), "Ours").await;
    let (_, theirs, their_id) = queued(&app, &other, "Theirs").await;
    let partner = app.partner(&[Scope::AdsRead]).await;
    let budgets =
        "subscription { pendingActionEvents { pendingAction { status campaign { dailyBudgetCents } } } }";
    let mut clients = vec![
        subscriber(&app, address, &app.customer(), NAMES).await,
        subscriber(&app, address, &partner, budgets).await,
        subscriber(&app, address, &other, NAMES).await,
    ];
    settle(&mut clients).await;

    announce(&app, app.org, action_id);
    let named = json!({ "id": action, "campaign": { "name": "Ours" } });
    assert_eq!(pending_action(&mut clients[0]).await, named);
    let budgeted = json!({ "status": "PENDING", "campaign": { "dailyBudgetCents": 5000 } });
    assert_eq!(pending_action(&mut clients[1]).await, budgeted);

    // The next delivery reads afresh: a renamed campaign shows its new name.
    entity::campaigns::Entity::update_many()
        .col_expr(entity::campaigns::Column::Name, Expr::value("Ours, renamed"))
        .filter(entity::campaigns::Column::Id.eq(campaign))
        .exec(&app.services().db)
        .await
        .expect("rename");
    announce(&app, app.org, action_id);
    let renamed = json!({ "id": action, "campaign": { "name": "Ours, renamed" } });
    assert_eq!(pending_action(&mut clients[0]).await, renamed);
    assert_eq!(pending_action(&mut clients[1]).await, budgeted);

    announce(&app, other_org, their_id);
    let their_event = json!({ "id": theirs, "campaign": { "name": "Theirs" } });
    assert_eq!(pending_action(&mut clients[2]).await, their_event, "only its own organization's events");
    // Our action announced as theirs: not theirs to see.
    announce(&app, other_org, action_id);
    for client in &mut clients {
        let messages = client.drain(Duration::from_millis(300)).await;
        let events: Vec<&Value> = messages.iter().filter(|m| m["payload"]["data"].is_object()).collect();
        assert!(
            events.iter().all(|m| m["payload"]["data"]["pendingActionEvents"]["kind"] == "RESYNC"),
            "{events:?}"
        );
    }
}
