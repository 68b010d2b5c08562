//! Every entity against the real migrations, on SQLite and on a fresh PostgreSQL schema: a fully
//! populated row reads back equal, column defaults apply, CHECK constraints reject bad codes and
//! money, and foreign keys cascade or clear as declared.
//!
//! PostgreSQL comes from `LAYERS_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When it is unreachable the PostgreSQL test prints
//! a message and passes, unless `CI=true`, where it fails.

#![allow(clippy::unwrap_used)] // a failed step should fail the test loudly

use entity::prelude::*;
use entity::{
    ad_sets, ads, ads_content, audit, campaign_authority, campaigns, content_containers, layers,
    organizations, partner_keys, pending_actions,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectOptions, ConnectionTrait, Database,
    DatabaseConnection, EntityTrait, IntoActiveModel, ModelTrait, Set, Statement,
};
use std::time::Duration;
use uuid::Uuid;

mod fixtures;

use fixtures::*;

/// Inserts `model` with every column set and checks it reads back unchanged.
macro_rules! round_trip {
    ($db:expr, $module:ident, $model:expr) => {{
        let model = $model;
        let inserted = model.clone().into_active_model().insert($db).await.unwrap();
        assert_eq!(inserted, model);
        let found = $module::Entity::find_by_id(model_id!($module, model))
            .one($db)
            .await
            .unwrap();
        assert_eq!(
            found.as_ref(),
            Some(&model),
            "{} round trip",
            stringify!($module)
        );
        model
    }};
}

macro_rules! model_id {
    (campaign_authority, $model:expr) => {
        $model.campaign_id
    };
    ($module:ident, $model:expr) => {
        $model.id
    };
}

async fn exercise(db: &DatabaseConnection) {
    migration::run(db).await.unwrap();
    let org = round_trip!(db, organizations, organization());
    let key = partner_keys::Model {
        id: Uuid::now_v7(),
        organization_id: org.id,
        name: "agency".into(),
        prefix: "lk_ab12".into(),
        key_hash: "hash-1".into(),
        scopes: "ads:read,ads:write".into(),
        created_at: at(0),
        last_used_at: Some(at(4)),
        revoked_at: None,
    };
    round_trip!(db, partner_keys, key);
    let lay = round_trip!(db, layers, layer(org.id));
    let camp = round_trip!(db, campaigns, campaign(org.id, lay.id));
    round_trip!(db, campaign_authority, authority(org.id, camp.id));
    let set = round_trip!(db, ad_sets, ad_set(org.id, camp.id));
    let parent = round_trip!(db, content_containers, creative(org.id, None));
    let child = round_trip!(db, content_containers, creative(org.id, Some(parent.id)));
    round_trip!(db, ads_content, scoring(org.id, child.id));
    let the_ad = round_trip!(db, ads, ad(&set, parent.id));
    round_trip!(db, pending_actions, pending(&camp));
    round_trip!(db, audit, audit_row(&camp));

    relations(db, &camp, &lay).await;
    defaults(db, &camp, &child).await;
    checks(db, &camp).await;
    deletes(db, &org, &parent, &child, &the_ad).await;
}

async fn relations(db: &DatabaseConnection, camp: &campaigns::Model, lay: &layers::Model) {
    let found = camp.find_related(Layers).one(db).await.unwrap();
    assert_eq!(found.as_ref(), Some(lay));
    let sets = camp.find_related(AdSets).all(db).await.unwrap();
    assert_eq!(sets.len(), 1);
    let auth = camp.find_related(CampaignAuthority).one(db).await.unwrap();
    assert!(auth.is_some());
}

async fn defaults(
    db: &DatabaseConnection,
    camp: &campaigns::Model,
    child: &content_containers::Model,
) {
    let org = organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("Defaults".into()),
        requires_approval: NotSet,
        created_at: Set(at(0)),
    }
    .insert(db)
    .await
    .unwrap();
    assert!(!org.requires_approval);

    let mut lay = layer(org.id).into_active_model();
    lay.platform = Set("meta".into());
    (lay.currency, lay.kill_switch_active, lay.version) = (NotSet, NotSet, NotSet);
    let lay = lay.insert(db).await.unwrap();
    assert_eq!(
        (lay.currency.as_str(), lay.kill_switch_active, lay.version),
        ("USD", false, 0)
    );

    let mut new_camp = campaign(camp.organization_id, camp.layer_id).into_active_model();
    new_camp.version = NotSet;
    assert_eq!(new_camp.insert(db).await.unwrap().version, 1);

    let other = creative(child.organization_id, None)
        .into_active_model()
        .insert(db)
        .await
        .unwrap();
    let mut score = scoring(other.organization_id, other.id).into_active_model();
    (score.organic_score, score.scoring_pool) = (NotSet, NotSet);
    let score = score.insert(db).await.unwrap();
    assert_eq!(
        (score.organic_score, score.scoring_pool.as_str()),
        (7.0, "generated")
    );

    let mut action = pending(camp).into_active_model();
    action.status = NotSet;
    assert_eq!(action.insert(db).await.unwrap().status, "pending");
}

async fn checks(db: &DatabaseConnection, camp: &campaigns::Model) {
    let mut bad_platform = campaign(camp.organization_id, camp.layer_id);
    bad_platform.platform = "myspace".into();
    let mut both_budgets = campaign(camp.organization_id, camp.layer_id);
    both_budgets.lifetime_budget_cents = Some(1);
    let mut negative = campaign(camp.organization_id, camp.layer_id);
    negative.daily_budget_cents = Some(-1);
    let mut bad_status = campaign(camp.organization_id, camp.layer_id);
    bad_status.status = "running".into();
    for (label, model) in [
        ("platform", bad_platform),
        ("single budget", both_budgets),
        ("negative budget", negative),
        ("status", bad_status),
    ] {
        let result = model.into_active_model().insert(db).await;
        assert!(result.is_err(), "CHECK on {label} must reject the row");
    }
    let mut bad_mode = authority(camp.organization_id, camp.id);
    bad_mode.tactical = "autopilot".into();
    CampaignAuthority::delete_by_id(camp.id)
        .exec(db)
        .await
        .unwrap();
    assert!(bad_mode.into_active_model().insert(db).await.is_err());
}

async fn deletes(
    db: &DatabaseConnection,
    org: &organizations::Model,
    parent: &content_containers::Model,
    child: &content_containers::Model,
    the_ad: &ads::Model,
) {
    parent.clone().delete(db).await.unwrap();
    let child = ContentContainers::find_by_id(child.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(child.parent_id, None, "parent delete clears the lineage");
    let the_ad = Ads::find_by_id(the_ad.id).one(db).await.unwrap().unwrap();
    assert_eq!(
        the_ad.content_container_id, None,
        "creative delete clears the ad's creative"
    );

    org.clone().delete(db).await.unwrap();
    assert!(
        Layers::find()
            .all(db)
            .await
            .unwrap()
            .iter()
            .all(|l| l.organization_id != org.id)
    );
    assert_eq!(Campaigns::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Ads::find().all(db).await.unwrap().len(), 0);
    assert_eq!(PendingActions::find().all(db).await.unwrap().len(), 0);
    assert_eq!(Audit::find().all(db).await.unwrap().len(), 0);
    assert_eq!(PartnerKeys::find().all(db).await.unwrap().len(), 0);
}

#[tokio::test]
async fn entities_round_trip_on_sqlite() {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).sqlx_logging(false);
    exercise(&Database::connect(options).await.unwrap()).await;
}

#[tokio::test]
async fn entities_round_trip_on_postgres() {
    let url = std::env::var("LAYERS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mut probe = ConnectOptions::new(url.clone());
    probe
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    let admin = match Database::connect(probe).await {
        Ok(admin) => admin,
        Err(err) if std::env::var("CI").as_deref() == Ok("true") => panic!("PostgreSQL: {err}"),
        Err(err) => return eprintln!("skipping: PostgreSQL unreachable ({err})"),
    };
    let schema = format!("ent_{}", Uuid::now_v7().simple());
    let ddl = |sql: String| Statement::from_string(admin.get_database_backend(), sql);
    admin
        .execute_raw(ddl(format!("CREATE SCHEMA {schema}")))
        .await
        .unwrap();
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(2)
        .sqlx_logging(false)
        .set_schema_search_path(schema.clone());
    exercise(&Database::connect(options).await.unwrap()).await;
    admin
        .execute_raw(ddl(format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .unwrap();
}
