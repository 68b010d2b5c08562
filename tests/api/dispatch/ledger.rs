//! The ledger underneath: a dispatch settled once is never settled again (not even by the holder
//! whose lease a reconciler took over), and the migration turns dispatches an earlier version left
//! in flight into `unknown`, keeping every row, on SQLite and PostgreSQL alike.

use chrono::{Duration, Utc};
use layers_dashboard::domain::money::Budget;
use layers_dashboard::store::audit::ledger;
use layers_dashboard::store::campaigns::{self, CampaignChange};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, Statement};
use serde_json::json;
use uuid::Uuid;

use super::{budget_dispatches, crash_budget_change, with_sandboxes};
use crate::support::{TestApp, read_campaign};

#[tokio::test]
async fn a_holder_whose_lease_was_taken_over_cannot_settle_or_apply() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    crash_budget_change(&app, &sandboxes.meta, &campaign, 9100).await;
    let id: Uuid =
        budget_dispatches(&app, &campaign).await[0]["verdictId"].as_str().unwrap().parse().unwrap();
    let db = &app.services().db;
    let original = entity::audit::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
    assert!(original.dispatch_lease_id.is_some() && original.dispatch_write.is_some(), "{original:?}");

    let later = Utc::now() + app.services().dispatch_lease + Duration::seconds(1);
    app.services().reconcile_dispatches(later).await.unwrap();
    let settled = entity::audit::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
    assert_eq!(settled.dispatch_status.as_deref(), Some(ledger::SUCCEEDED));
    assert_ne!(settled.dispatch_lease_id, original.dispatch_lease_id, "the reconciler took it over");

    for lease in [original.dispatch_lease_id, settled.dispatch_lease_id, None] {
        let again = ledger::settle(db, id, lease, ledger::FAILED, json!({})).await.unwrap();
        assert!(!again, "a settled dispatch cannot be settled again ({lease:?})");
    }
    assert!(
        !ledger::claim(
            db,
            &settled,
            later + Duration::days(1),
            app.services().dispatch_lease,
            &app.services().holder,
            Uuid::now_v7()
        )
        .await
        .unwrap()
    );
    if db.get_database_backend() == DbBackend::Postgres {
        let target = settled.campaign_id.unwrap();
        for lease in [original.dispatch_lease_id, None] {
            let change = campaigns::changing(target, CampaignChange::Budget(Budget::Daily(9900)));
            let applied = ledger::settle_applying(db, id, lease, json!({}), target, change).await.unwrap();
            assert!(applied.is_none(), "a settled dispatch cannot be settled and applied again ({lease:?})");
        }
    }
    let now = read_campaign(&app, &campaign).await;
    assert_eq!((now["version"].as_i64(), now["dailyBudgetCents"].as_i64()), (Some(2), Some(9100)), "{now}");
}

#[tokio::test]
async fn the_migration_marks_dispatches_left_in_flight_unknown() {
    let app = TestApp::new().await;
    let db = &app.services().db;
    // The schema as the previous version left it (on SQLite, the audit table is then rebuilt).
    Migrator::down(db, None).await.unwrap();
    Migrator::up(db, Some(6)).await.unwrap();
    // Written as that version wrote it: today's code would name columns it did not have yet.
    let org = Uuid::now_v7();
    entity::organizations::ActiveModel {
        id: sea_orm::Set(org),
        name: sea_orm::Set("Before the ledger".to_owned()),
        requires_approval: sea_orm::Set(false),
        created_at: sea_orm::Set(Utc::now()),
    }
    .insert(db)
    .await
    .unwrap();
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO layer_ads_audit (id, organization_id, event, action, trace, actor_type, actor_id, \
             dispatch_status, created_at) VALUES ($1, $2, 'ads.write.allowed', 'campaign.budget', $3, 'customer', 'u', $4, $5)"
        }
        _ => {
            "INSERT INTO layer_ads_audit (id, organization_id, event, action, trace, actor_type, actor_id, \
             dispatch_status, created_at) VALUES (?, ?, 'ads.write.allowed', 'campaign.budget', ?, 'customer', 'u', ?, ?)"
        }
    };
    let (in_flight, succeeded) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, status) in [(in_flight, "in_flight"), (succeeded, "succeeded")] {
        let values = [id.into(), org.into(), json!([]).into(), status.into(), Utc::now().into()];
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
    }
    migration::run(db).await.unwrap();

    let status = |id| async move {
        entity::audit::Entity::find_by_id(id).one(db).await.unwrap().unwrap().dispatch_status.unwrap()
    };
    assert_eq!(status(in_flight).await, "unknown");
    assert_eq!(status(succeeded).await, "succeeded");
    assert_eq!(migration::pending_count(db).await.unwrap(), 0);
    if backend == DbBackend::Sqlite {
        let indexes = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'layer_ads_audit' AND sql IS NOT NULL",
            ))
            .await
            .unwrap();
        let names: Vec<String> = indexes.iter().map(|row| row.try_get("", "name").unwrap()).collect();
        for name in ["idx_audit_organization_id_id", "uq_audit_dispatch_target_in_flight"] {
            assert!(names.iter().any(|n| n == name), "{name} survives the rebuild: {names:?}");
        }
    }
}
