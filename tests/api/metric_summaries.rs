//! The stored summary of an ad's metrics (what classification reads): recomputed in the
//! transaction that stores the ad's days, so it always equals the summary of the days
//! themselves; not used by a server configured with other windows, and recomputed when one
//! starts; and right when imports for one ad race (PostgreSQL).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use layers_dashboard::domain::classification::{Summary, Thresholds};
use layers_dashboard::ids::{NodeKind, decode};
use layers_dashboard::store::metrics;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::optimizer::{live_ad_set, simulate};
use crate::support::{Backend, TestApp, backend, test_config};

const IMPORT: &str =
    "mutation($input: ImportAdMetricsInput!) { importAdMetrics(input: $input) { days userErrors { code } } }";
const CLASSIFICATION: &str = "query($id: ID!) { node(id: $id) { ... on Ad { classification } } }";

/// What a summary says, without the fields a stored day does not keep (its index, impressions).
type Said = (i64, i64, (i64, i64), Option<[(i64, i64, u64); 2]>);

fn said(summary: &Summary) -> Said {
    let day = |d: &layers_dashboard::domain::classification::DailyMetrics| {
        (d.spend_cents, d.conversions, d.frequency.to_bits())
    };
    (
        summary.conversions,
        summary.dry_spend_cents,
        (summary.recent.spend_cents, summary.recent.conversions),
        summary.compared.map(|(day1, day7)| [day(&day1), day(&day7)]),
    )
}

/// The stored summaries of `ads` (of ad set `set`) next to the summaries of their days, as read
/// now.
async fn stored_and_computed(
    app: &TestApp,
    set: &str,
    ads: &[Uuid],
    t: &Thresholds,
) -> (Vec<Option<Said>>, Vec<Option<Said>>) {
    let db = &app.state.services.db;
    let set = decode(NodeKind::AdSet, set).unwrap();
    let (_, stored) =
        metrics::classification_inputs(db, app.org, metrics::AdSets { ids: &[set], showing: &[] }, t)
            .await
            .unwrap();
    let histories = metrics::histories(db, app.org, ads).await.unwrap();
    let stored = ads.iter().map(|ad| stored.get(ad).map(said)).collect();
    let computed = ads.iter().map(|ad| histories.get(ad).map(|days| said(&Summary::of(days, t)))).collect();
    (stored, computed)
}

/// One imported day as the API takes it.
fn day(day: NaiveDate, spend: i64, conversions: i64, frequency: f64) -> Value {
    json!({ "day": day.to_string(), "impressions": 1000, "frequency": frequency, "spendCents": spend, "conversions": conversions })
}

async fn import(app: &TestApp, ad: &str, days: Vec<Value>) {
    let data = app.ok(&app.customer(), IMPORT, json!({ "input": { "adId": ad, "days": days } })).await;
    assert!(data["importAdMetrics"]["userErrors"].as_array().unwrap().is_empty(), "{data:#}");
}

fn uuids(ads: &[String]) -> Vec<Uuid> {
    ads.iter().map(|ad| decode(NodeKind::Ad, ad).unwrap()).collect()
}

#[tokio::test]
async fn every_import_leaves_the_summary_of_the_stored_days() {
    let app = TestApp::new().await;
    let (_, set, ads) = live_ad_set(&app, 4, "DRAFT").await;
    let ids = uuids(&ads);
    let t = Thresholds::default();
    let today = Utc::now().date_naive();
    // Histories with gaps, dry tails, a day 1 without a row, and days re-imported with new numbers.
    let mut seed = 7_u64;
    let mut next = |below: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        i64::try_from((seed >> 33) % below).unwrap()
    };
    for round in 0..4 {
        for ad in &ads {
            let mut days = Vec::new();
            for back in 0..12 {
                if next(4) == 0 {
                    continue;
                }
                let conversions = if next(3) == 0 { 0 } else { next(40) };
                let frequency = f64::from(u8::try_from(next(60)).unwrap()) / 10.0;
                days.push(day(today - Duration::days(back + round), next(50_000), conversions, frequency));
            }
            import(&app, ad, days).await;
        }
        let (stored, computed) = stored_and_computed(&app, &set, &ids, &t).await;
        assert_eq!(stored, computed, "round {round}");
        assert!(stored.iter().all(Option::is_some), "every ad has days: {stored:?}");
    }
}

#[tokio::test]
async fn a_new_day_changes_the_classification_at_once() {
    let app = TestApp::new().await;
    let (_, _, ads) = live_ad_set(&app, 2, "DRAFT").await;
    simulate(&app, &ads[0], "FATIGUING", 10).await;
    simulate(&app, &ads[1], "HEALTHY", 10).await;
    let classification = |ad: String| {
        let app = &app;
        async move {
            app.ok(&app.customer(), CLASSIFICATION, json!({ "id": ad })).await["node"]["classification"]
                .clone()
        }
    };
    assert_eq!(classification(ads[0].clone()).await, "FATIGUED");
    // A fresh, cheap day 7 at a low frequency: no longer fatigued.
    import(&app, &ads[0], vec![day(Utc::now().date_naive(), 1_000, 40, 1.0)]).await;
    assert_ne!(classification(ads[0].clone()).await, "FATIGUED");
}

#[tokio::test]
async fn a_server_with_other_windows_ignores_stored_summaries_and_recomputes_them() {
    let app = TestApp::new().await;
    let (_, set, ads) = live_ad_set(&app, 3, "DRAFT").await;
    for (ad, profile) in ads.iter().zip(["FATIGUING", "HEALTHY", "FAILING"]) {
        simulate(&app, ad, profile, 12).await;
    }
    let ids = uuids(&ads);
    let other = Thresholds { performance_window_days: 3, fatigue_window_days: 4, ..Thresholds::default() };
    let db = &app.state.services.db;
    let (stored, computed) = stored_and_computed(&app, &set, &ids, &other).await;
    assert_eq!(stored, computed, "read with other windows: aggregated from the days");
    assert_ne!(
        computed,
        stored_and_computed(&app, &set, &ids, &Thresholds::default()).await.1,
        "the windows matter"
    );

    assert_eq!(metrics::refresh_stale_summaries(db, &other).await.unwrap(), 3);
    assert_eq!(metrics::refresh_stale_summaries(db, &other).await.unwrap(), 0, "nothing left to recompute");
    let (stored, computed) = stored_and_computed(&app, &set, &ids, &other).await;
    assert_eq!(stored, computed);

    // The server configured with the other windows classifies as its windows say.
    let mut config = test_config();
    config.thresholds = other;
    let wide = app.another_instance(&config);
    let set_id = decode(NodeKind::AdSet, &set).unwrap();
    let (_, summaries) =
        metrics::classification_inputs(db, app.org, metrics::AdSets { ids: &[set_id], showing: &[] }, &other)
            .await
            .unwrap();
    let peers: Vec<(Uuid, Uuid, i64)> = ids.iter().map(|id| (*id, Uuid::nil(), 24 * 12)).collect();
    let expected: HashMap<Uuid, _> =
        layers_dashboard::domain::classification::classify_peers(&peers, &summaries, &other);
    for (ad, id) in ads.iter().zip(&ids) {
        let answer = wide.ok(&wide.customer(), CLASSIFICATION, json!({ "id": ad })).await;
        let expected = serde_json::to_value(expected[id]).unwrap();
        assert_eq!(answer["node"]["classification"], expected, "{ad}");
    }
}

#[tokio::test]
async fn simultaneous_imports_for_one_ad_leave_the_summary_of_all_their_days() {
    if backend() != Backend::Postgres {
        return;
    }
    let app = TestApp::with_connections(10).await;
    let (_, set, ads) = live_ad_set(&app, 1, "DRAFT").await;
    let ids = uuids(&ads);
    let today = Utc::now().date_naive();
    for attempt in 0..3 {
        let imports = (0..8).map(|n| {
            let days = vec![day(today - Duration::days(n + 8 * attempt), 1_000 * (n + 1), n % 3, 2.0)];
            import(&app, &ads[0], days)
        });
        futures_util::future::join_all(imports).await;
        let (stored, computed) = stored_and_computed(&app, &set, &ids, &Thresholds::default()).await;
        assert_eq!(stored, computed, "attempt {attempt}");
    }
}
