//! The real migrations: up, down and up again, and several instances starting at once.

use migration::{Migrator, MigratorTrait, pending_count};

use crate::support::{empty_db_pools, fresh_db};

#[tokio::test]
async fn migrations_apply_roll_back_and_reapply() {
    let (db, _guard) = fresh_db(2).await;
    assert_eq!(pending_count(&db).await.unwrap(), 0);
    Migrator::down(&db, None).await.unwrap();
    assert_eq!(pending_count(&db).await.unwrap(), Migrator::migrations().len());
    migration::run(&db).await.unwrap();
    assert_eq!(pending_count(&db).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_migrate_once() {
    let (instances, _guard) = empty_db_pools(4).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(instances.len()));
    let tasks: Vec<_> = instances
        .iter()
        .cloned()
        .map(|db| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                migration::run(&db).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let applied = Migrator::get_applied_migrations(&instances[0]).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());
    assert_eq!(pending_count(&instances[0]).await.unwrap(), 0);
}

#[tokio::test]
async fn apple_connections_made_before_the_platform_api_are_marked_v5() {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let app = crate::support::TestApp::new().await;
    let db = &app.services().db;
    let mut ids = Vec::new();
    for platform in ["apple", "meta"] {
        let layer = entity::layers::Entity::find()
            .filter(entity::layers::Column::OrganizationId.eq(app.org))
            .filter(entity::layers::Column::Platform.eq(platform))
            .one(db)
            .await
            .unwrap()
            .expect("layer");
        let now = chrono::Utc::now();
        let row = entity::connected_accounts::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            organization_id: Set(app.org),
            layer_id: Set(layer.id),
            platform: Set(platform.to_owned()),
            external_account_id: Set("40669820".to_owned()),
            status: Set("active".to_owned()),
            scopes: Set(serde_json::json!([])),
            connected_by_type: Set("customer".to_owned()),
            connected_by_id: Set("u".to_owned()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        ids.push(row.insert(db).await.unwrap().id);
    }
    // Back to the schema before the Apple Ads Platform API, then forward again.
    let all = Migrator::migrations();
    let at = all.iter().position(|m| m.name() == "m20261206_000013_apple_platform_api").expect("listed");
    let steps = u32::try_from(all.len() - at).unwrap();
    Migrator::down(db, Some(steps)).await.unwrap();
    Migrator::up(db, Some(steps)).await.unwrap();
    let rows = entity::connected_accounts::Entity::find().all(db).await.unwrap();
    let version = |id| rows.iter().find(|row| row.id == id).and_then(|row| row.api_version.clone());
    assert_eq!(version(ids[0]).as_deref(), Some("v5"), "the Apple connection predates v1");
    assert_eq!(version(ids[1]), None, "other platforms have no Apple API");
}
