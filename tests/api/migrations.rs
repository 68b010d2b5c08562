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
