//! Subscriptions, run in-process: each feed delivers its events, scoped to the subscriber's
//! organization; expiry is announced; on PostgreSQL two instances share one bus.

use layers_dashboard::events::{BusMessage, Event, EventBus, EventKind};
use serde_json::json;
use uuid::Uuid;

use crate::support::{TestApp, UPDATE_BUDGET, next_event, postgres_url, subscribe};

const KILL_SWITCH: &str =
    "subscription { killSwitchEvents(platform: META) { kind layer { platform killSwitchActive } } }";
const PENDING: &str = "subscription { pendingActionEvents { kind pendingAction { kind status } } }";
const DENIED: &str = "subscription { writeDenied { event reason decision actorType } }";

#[tokio::test]
async fn kill_switch_events_reach_the_organization_only() {
    let app = TestApp::new().await;
    let (_, other) = app.other_org().await;
    let mut mine = subscribe(&app, &app.customer(), KILL_SWITCH).await;
    let mut theirs = subscribe(&app, &other, KILL_SWITCH).await;
    let mut tiktok_only =
        subscribe(&app, &app.customer(), "subscription { killSwitchEvents(platform: TIKTOK) { kind } }")
            .await;

    app.ok(
        &app.customer(),
        "mutation { tripKillSwitch(platform: META, reason: \"test\") { verdict { decision } } }",
        json!({}),
    )
    .await;

    let event = next_event(&mut mine, 2000).await.expect("a kill switch event");
    assert_eq!(event["data"]["killSwitchEvents"]["kind"], "TRIPPED");
    assert_eq!(event["data"]["killSwitchEvents"]["layer"]["killSwitchActive"], true);
    assert!(next_event(&mut theirs, 300).await.is_none(), "another organization saw the trip");
    assert!(next_event(&mut tiktok_only, 100).await.is_none(), "a TikTok subscriber saw a Meta trip");
}

#[tokio::test]
async fn pending_action_events_follow_an_action_from_queue_to_dispatch() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let mut events = subscribe(&app, &app.customer(), PENDING).await;
    let queued = app
        .ok(
            &app.customer(),
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
        )
        .await;
    let action = queued["updateCampaignBudget"]["pendingAction"]["id"].clone();

    let created = next_event(&mut events, 2000).await.expect("created");
    assert_eq!(created["data"]["pendingActionEvents"]["kind"], "CREATED");
    assert_eq!(created["data"]["pendingActionEvents"]["pendingAction"]["kind"], "campaign.budget");

    app.ok(
        &app.customer(),
        "mutation($id: ID!) { approvePendingAction(id: $id) { verdict { decision } } }",
        json!({ "id": action }),
    )
    .await;
    let approved = next_event(&mut events, 2000).await.expect("approved");
    assert_eq!(approved["data"]["pendingActionEvents"]["kind"], "APPROVED");
    let dispatched = next_event(&mut events, 2000).await.expect("dispatched");
    assert_eq!(dispatched["data"]["pendingActionEvents"]["kind"], "DISPATCHED");
    assert_eq!(dispatched["data"]["pendingActionEvents"]["pendingAction"]["status"], "DISPATCHED");
}

#[tokio::test]
async fn denied_writes_are_streamed_with_their_reason() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "DRAFT")).await;
    app.ok(
        &app.customer(),
        "mutation { tripKillSwitch(platform: META) { verdict { decision } } }",
        json!({}),
    )
    .await;
    let mut denied = subscribe(&app, &app.customer(), DENIED).await;
    app.ok(
        &app.customer(),
        UPDATE_BUDGET,
        json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
    )
    .await;

    let event = next_event(&mut denied, 2000).await.expect("a denial");
    assert_eq!(event["data"]["writeDenied"]["reason"], "kill_switch_active");
    assert_eq!(event["data"]["writeDenied"]["event"], "ads.write.denied");
    assert_eq!(event["data"]["writeDenied"]["actorType"], "CUSTOMER");
}

#[tokio::test]
async fn the_expiry_sweep_expires_due_actions_and_announces_them() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let queued = app
        .ok(
            &app.customer(),
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
        )
        .await;
    let global = queued["updateCampaignBudget"]["pendingAction"]["id"].as_str().unwrap().to_owned();
    let id = layers_dashboard::ids::decode(layers_dashboard::ids::NodeKind::PendingAction, &global).unwrap();
    let mut events = subscribe(&app, &app.customer(), PENDING).await;

    assert_eq!(app.services().expire_due().await.unwrap(), 0, "nothing is due yet");
    let row = entity::pending_actions::Entity::find_by_id(id).one(&app.services().db).await.unwrap().unwrap();
    let mut row: entity::pending_actions::ActiveModel = row.into();
    row.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
    row.update(&app.services().db).await.unwrap();

    assert_eq!(app.services().expire_due().await.unwrap(), 1);
    assert_eq!(app.services().expire_due().await.unwrap(), 0, "an action expires once");
    let event = next_event(&mut events, 2000).await.expect("expired");
    assert_eq!(event["data"]["pendingActionEvents"]["kind"], "EXPIRED");
    assert_eq!(event["data"]["pendingActionEvents"]["pendingAction"]["status"], "EXPIRED");
}

#[tokio::test]
async fn on_postgres_a_write_is_announced_once_committed_and_a_dry_run_never() {
    let Some(url) = postgres_url() else { return };
    let app = TestApp::new().await;
    let bus = EventBus::postgres(&url).await.expect("listen");
    let mut receiver = bus.subscribe();
    let app = app.with_bus(bus);
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let budget = |cents: i64, dry_run: bool| json!({ "input": { "campaignId": campaign, "dailyBudgetCents": cents, "dryRun": dry_run } });
    let verdict_of = |data: &serde_json::Value| -> Uuid {
        data["updateCampaignBudget"]["verdict"]["id"].as_str().expect("verdict").parse().expect("uuid")
    };
    let dry_run = verdict_of(&app.ok(&app.customer(), UPDATE_BUDGET, budget(6000, true)).await);
    let queued = app.ok(&app.customer(), UPDATE_BUDGET, budget(7000, false)).await;
    let verdict = verdict_of(&queued);

    // The channel is database-wide: skip other tests' events. Every event of this organization
    // from here on, until the write's own pending action has been announced.
    let mut received = Vec::new();
    let all = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match receiver.recv().await.unwrap() {
                BusMessage::Event(event) if event.organization_id == app.org => {
                    assert!(event.delivery > 0, "numbered as it was delivered");
                    let done = matches!(event.kind, EventKind::PendingAction { .. });
                    received.push((event.kind, event.id));
                    if done {
                        return;
                    }
                }
                _ => continue,
            }
        }
    })
    .await;
    assert!(all.is_ok(), "the queued write was not announced: {received:?}");
    assert!(received.iter().all(|(_, id)| *id != dry_run), "a dry run was announced: {received:?}");
    let announced = received.iter().position(|event| *event == (EventKind::Audit, verdict));
    let pending = received.len() - 1;
    assert!(announced.is_some_and(|at| at < pending), "the audit row first, then the action: {received:?}");
    assert_eq!(received[pending].0, EventKind::PendingAction { status: "pending".to_owned() });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_events_and_the_kill_switch() {
    let Some(url) = postgres_url() else { return };
    let a = TestApp::new().await;
    let b = a.second_instance(EventBus::postgres(&url).await.expect("listen B")).await;
    let a = a.with_bus(EventBus::postgres(&url).await.expect("listen A"));
    let campaign = a.campaign("META", ("AUTOPILOT", "DRAFT")).await;
    a.ok(
        &a.customer(),
        "mutation($input: UpdateCampaignAuthorityInput!) { updateCampaignAuthority(input: $input) { applied } }",
        json!({ "input": { "campaignId": campaign, "tactical": "DRAFT" } }),
    )
    .await;
    let mut on_b = subscribe(&b, &b.customer(), PENDING).await;
    let mut switch_on_b = subscribe(&b, &b.customer(), KILL_SWITCH).await;

    a.ok(
        &a.customer(),
        UPDATE_BUDGET,
        json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
    )
    .await;
    let created = next_event(&mut on_b, 5000).await.expect("B sees A's queued write");
    assert_eq!(created["data"]["pendingActionEvents"]["kind"], "CREATED");

    a.ok(&a.customer(), "mutation { tripKillSwitch(platform: META) { verdict { decision } } }", json!({}))
        .await;
    let denied = b
        .ok(
            &b.customer(),
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 7000 } }),
        )
        .await;
    assert_eq!(denied["updateCampaignBudget"]["verdict"]["reason"], "kill_switch_active");
    let tripped = next_event(&mut switch_on_b, 5000).await.expect("B's subscriber sees the trip");
    assert_eq!(tripped["data"]["killSwitchEvents"]["kind"], "TRIPPED");
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_to_resync() {
    let app = TestApp::new().await;
    let mut slow = subscribe(&app, &app.customer(), PENDING).await;
    let mut prompt = subscribe(&app, &app.customer(), PENDING).await;
    let flood: Vec<Event> = (0..layers_dashboard::events::SUBSCRIBER_BUFFER + 10)
        .map(|_| Event {
            organization_id: app.org,
            platform: None,
            kind: EventKind::Audit,
            id: Uuid::now_v7(),
            delivery: 0,
        })
        .collect();
    app.services().events.committed(flood);
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    app.ok(
        &app.customer(),
        UPDATE_BUDGET,
        json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
    )
    .await;

    let first = next_event(&mut slow, 2000).await.expect("a resync");
    assert_eq!(first["data"]["pendingActionEvents"]["kind"], "RESYNC");
    assert_eq!(first["data"]["pendingActionEvents"]["pendingAction"], json!(null));
    // The other subscriber was read promptly enough to see the flood pass; it too was told to
    // resync at most once, and then gets the real event.
    let mut kinds = Vec::new();
    while let Some(event) = next_event(&mut prompt, 500).await {
        kinds.push(event["data"]["pendingActionEvents"]["kind"].as_str().unwrap_or_default().to_owned());
    }
    assert!(kinds.contains(&"CREATED".to_owned()), "{kinds:?}");
}

/// A bus on PostgreSQL whose connections carry a name of their own (`prefix_<uuid>`), and that
/// name.
async fn named_bus(url: &str, prefix: &str) -> (EventBus, String) {
    let name = format!("{prefix}_{}", Uuid::now_v7().simple());
    let separator = if url.contains('?') { '&' } else { '?' };
    let bus = EventBus::postgres(&format!("{url}{separator}application_name={name}")).await.expect("listen");
    (bus, name)
}

/// Terminates the backends of the connections named `name`; answers their pids.
async fn terminate(app: &TestApp, name: &str) -> Vec<i32> {
    use sea_orm::ConnectionTrait;
    let db = &app.services().db;
    let sql = format!(
        "SELECT array_agg(pid) AS pids FROM (SELECT pid, pg_terminate_backend(pid) \
           FROM pg_stat_activity WHERE application_name = '{name}') terminated"
    );
    db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .and_then(|row| row.try_get::<Vec<i32>>("", "pids").ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_lost_listener_connection_makes_subscribers_resync() {
    let Some(url) = postgres_url() else { return };
    let (bus, name) = named_bus(&url, "listener").await;
    let mut receiver = bus.subscribe();
    let app = TestApp::new().await;
    terminate(&app, &name).await;
    // The channel is database-wide: other tests' events may arrive first; skip them.
    let resync = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if receiver.recv().await.unwrap() == BusMessage::Resync {
                return;
            }
        }
    })
    .await;
    assert!(resync.is_ok(), "no resync after the listener's connection was lost");
}

#[tokio::test]
async fn a_notifier_whose_connection_was_lost_sends_on_a_new_one() {
    let Some(url) = postgres_url() else { return };
    let (sending, name) = named_bus(&url, "notifier").await;
    let receiving = EventBus::postgres(&url).await.expect("listen");
    let mut receiver = receiving.subscribe();
    let app = TestApp::new().await;
    let pids = terminate(&app, &name).await;
    assert!(!pids.is_empty(), "the sending bus had no connection to terminate");
    // Until the backends terminated are gone, so the notifier's next statement meets a closed
    // connection (its listener reconnects at once, under the same name and another pid).
    use sea_orm::ConnectionTrait;
    let db = &app.services().db;
    let left = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE pid IN ({})",
        pids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
    );
    let count = || async {
        db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), left.clone()))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<i64>("", "n").ok())
    };
    let gone = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while count().await != Some(0) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the sending bus's connections were not terminated");

    let event = Event {
        organization_id: app.org,
        platform: None,
        kind: EventKind::Audit,
        id: Uuid::now_v7(),
        delivery: 0,
    };
    sending.committed(vec![event.clone()]);
    sending.flush().await;
    // The channel is database-wide: skip other tests' events.
    let received = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match receiver.recv().await.unwrap() {
                BusMessage::Event(received) if received.organization_id == app.org => return received,
                _ => continue,
            }
        }
    })
    .await
    .expect("the event was lost with the notifier's connection");
    assert_eq!(Event { delivery: 0, ..received }, event);
}

#[tokio::test]
async fn an_event_whose_row_cannot_be_read_is_a_resync_not_a_silent_loss() {
    let app = TestApp::new().await;
    let mut pending = subscribe(&app, &app.customer(), PENDING).await;
    let mut audit = subscribe(&app, &app.customer(), "subscription { auditEvents { event } }").await;
    // The database goes away between the change and its re-read (as a pool timing out would).
    app.services().db.clone().close().await.expect("close the pool");
    let event = |kind| Event {
        organization_id: app.org,
        platform: Some("meta".into()),
        kind,
        id: Uuid::now_v7(),
        delivery: 0,
    };
    app.services().events.committed(vec![
        event(EventKind::PendingAction { status: "pending".into() }),
        event(EventKind::Audit),
    ]);

    let first = next_event(&mut pending, 2000).await.expect("told to resync");
    assert_eq!(first["data"]["pendingActionEvents"]["kind"], "RESYNC", "{first:#}");
    let row = next_event(&mut audit, 2000).await.expect("told to resync");
    assert_eq!(row["errors"][0]["extensions"]["code"], "RESYNC_REQUIRED", "{row:#}");
}

#[tokio::test]
async fn one_event_is_read_once_however_many_subscribe() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let queued = app
        .ok(
            &app.customer(),
            UPDATE_BUDGET,
            json!({ "input": { "campaignId": campaign, "dailyBudgetCents": 6000 } }),
        )
        .await;
    let action = queued["updateCampaignBudget"]["pendingAction"]["id"].as_str().expect("queued").to_owned();
    let (_, action_id) = layers_dashboard::ids::decode_any(&action).expect("a global id");
    let query = "subscription { pendingActionEvents { kind pendingAction { id status } } }";
    let mut subscribers = Vec::new();
    for _ in 0..50 {
        subscribers.push(subscribe(&app, &app.customer(), query).await);
    }
    // The queueing itself was announced before anyone subscribed; announce it again.
    let before = app.statement_count();
    app.services().events.committed(vec![Event {
        organization_id: app.org,
        platform: Some("meta".into()),
        kind: EventKind::PendingAction { status: "pending".into() },
        id: action_id,
        delivery: 0,
    }]);
    for subscriber in &mut subscribers {
        let event = next_event(subscriber, 2000).await.expect("every subscriber gets the event");
        assert_eq!(event["data"]["pendingActionEvents"]["pendingAction"]["id"], action);
    }
    let reads = app.statement_count() - before;
    assert_eq!(reads, 1, "one SELECT for 50 subscribers, not one each");
}
