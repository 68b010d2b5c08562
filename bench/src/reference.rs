//! The reference: a hand-written axum + SQL handler serving the dashboard page
//! (`bench/page.graphql`) on PostgreSQL, with the JSON the GraphQL server answers for it.
//!
//! Seven statements per page, rows decoded straight into the structs that are serialized; the
//! classification and creative state come from the server's own pure domain functions, so the
//! reference differs in how it reads and writes, not in what it decides.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use layers_dashboard::auth::{JwtKeys, Secret, bearer_token, verify_customer_token};
use layers_dashboard::domain::classification::Thresholds;
use sea_orm::sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sea_orm::sqlx::{self, Row};
use uuid::Uuid;

use crate::page::{self, AdRow, CampaignRow, CreativeRow, PendingRow, SetRow};

struct Ref {
    pool: PgPool,
    keys: JwtKeys,
    thresholds: Thresholds,
}

/// Serves the reference on `listen` until the process is stopped.
pub async fn serve(
    database_url: &str,
    listen: &str,
    jwt_secret: String,
    pool_size: u32,
) -> Result<(), String> {
    let pool = PgPoolOptions::new()
        .max_connections(pool_size)
        .connect(database_url)
        .await
        .map_err(|e| e.to_string())?;
    let state = Arc::new(Ref {
        pool,
        keys: JwtKeys::from_secret(&Secret::from(jwt_secret)),
        thresholds: Thresholds::default(),
    });
    let app = Router::new().route("/graphql", axum::routing::post(handle)).with_state(state);
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| e.to_string())?;
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

async fn handle(State(state): State<Arc<Ref>>, headers: HeaderMap) -> Response {
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer_token);
    let Some(claims) = token.and_then(|t| verify_customer_token(&state.keys, t).ok()) else {
        return (StatusCode::UNAUTHORIZED, "unauthenticated").into_response();
    };
    match load(&state, claims.org).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

const CAMPAIGNS: &str = "SELECT c.id, c.name, c.platform, c.status, c.daily_budget_cents, c.version, c.layer_id, \
    l.platform AS layer_platform, l.currency, l.kill_switch_active, l.default_creative, l.default_tactical, \
    l.default_structural, a.creative, a.tactical, a.structural \
    FROM campaigns c JOIN layers l ON l.id = c.layer_id \
    LEFT JOIN campaign_authority a ON a.campaign_id = c.id AND a.organization_id = c.organization_id \
    WHERE c.organization_id = $1 ORDER BY c.id DESC LIMIT 51";
const AD_SETS: &str = "SELECT id, campaign_id, name, status FROM (SELECT s.id, s.campaign_id, s.name, s.status, \
    row_number() OVER (PARTITION BY s.campaign_id ORDER BY s.id DESC) AS rn FROM ad_sets s \
    WHERE s.organization_id = $1 AND s.campaign_id = ANY($2)) x WHERE rn <= 2 ORDER BY campaign_id, id DESC";
const ADS: &str = "SELECT x.id, x.ad_set_id, x.name, x.status, x.content_container_id, cc.name AS c_name, \
    cc.status AS c_status, cc.approval_status, ac.archived_at IS NOT NULL AS archived FROM (SELECT a.*, \
    row_number() OVER (PARTITION BY a.ad_set_id ORDER BY a.id DESC) AS rn FROM ads a \
    WHERE a.organization_id = $1 AND a.ad_set_id = ANY($2)) x \
    LEFT JOIN content_containers cc ON cc.id = x.content_container_id AND cc.organization_id = $1 \
    LEFT JOIN ads_content ac ON ac.content_container_id = cc.id \
    WHERE x.rn <= 5 ORDER BY x.ad_set_id, x.id DESC";
const SHOWN: &str = "SELECT id, content_container_id, ad_set_id, status FROM ads \
    WHERE organization_id = $1 AND content_container_id = ANY($2)";
const PEERS: &str = "SELECT id, ad_set_id, COALESCE(launched_at, created_at) AS live_since FROM ads \
    WHERE organization_id = $1 AND ad_set_id = ANY($2)";
const METRICS: &str = "SELECT ad_id, day, impressions, frequency, spend_cents, conversions FROM ad_daily_metrics \
    WHERE organization_id = $1 AND ad_id = ANY($2)";
const PENDING: &str = "SELECT id, campaign_id, kind, status, before, after, proposed_by_type, proposed_by_id, created_at \
    FROM (SELECT p.*, row_number() OVER (PARTITION BY p.campaign_id ORDER BY p.id DESC) AS rn \
    FROM optimizer_pending_actions p WHERE p.organization_id = $1 AND p.campaign_id = ANY($2) AND p.status = 'pending') x \
    WHERE rn <= 5 ORDER BY campaign_id, id DESC";

async fn rows(pool: &PgPool, sql: &'static str, org: Uuid, ids: &[Uuid]) -> Result<Vec<PgRow>, sqlx::Error> {
    sqlx::query(sql).bind(org).bind(ids).fetch_all(pool).await
}

/// The page of organization `org`, serialized.
async fn load(state: &Ref, org: Uuid) -> Result<Vec<u8>, sqlx::Error> {
    let pool = &state.pool;
    let mut campaigns: Vec<CampaignRow> = sqlx::query(CAMPAIGNS)
        .bind(org)
        .fetch_all(pool)
        .await?
        .iter()
        .map(campaign)
        .collect::<Result<_, _>>()?;
    let has_next = campaigns.len() > 50;
    campaigns.truncate(50);
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let (sets, pending) = tokio::try_join!(rows(pool, AD_SETS, org, &ids), rows(pool, PENDING, org, &ids))?;
    let sets: Vec<SetRow> = sets.iter().map(set).collect::<Result<_, _>>()?;
    let set_ids: Vec<Uuid> = sets.iter().map(|s| s.id).collect();
    let ads: Vec<AdRow> = rows(pool, ADS, org, &set_ids).await?.iter().map(ad).collect::<Result<_, _>>()?;
    let creatives: Vec<Uuid> = ads
        .iter()
        .filter_map(|a| a.creative.as_ref().map(|c| c.id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut shown: HashMap<Uuid, Vec<(Uuid, bool)>> = HashMap::new();
    let mut classify_sets: HashSet<Uuid> = ads.iter().map(|a| a.ad_set_id).collect();
    for row in rows(pool, SHOWN, org, &creatives).await? {
        let (id, creative, set, status): (Uuid, Uuid, Uuid, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
        let active = status == "active";
        if active {
            classify_sets.insert(set);
        }
        shown.entry(creative).or_default().push((id, active));
    }
    let classify_sets: Vec<Uuid> = classify_sets.into_iter().collect();
    let peers: Vec<page::Peer> = rows(pool, PEERS, org, &classify_sets)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let peer_ids: Vec<Uuid> = peers.iter().map(|p| p.0).collect();
    let metrics = rows(pool, METRICS, org, &peer_ids).await?;
    let mut days = Vec::with_capacity(metrics.len());
    for r in &metrics {
        days.push(page::MetricRow {
            ad_id: r.try_get(0)?,
            day: r.try_get(1)?,
            impressions: r.try_get(2)?,
            frequency: r.try_get(3)?,
            spend_cents: r.try_get(4)?,
            conversions: r.try_get(5)?,
        });
    }
    let classes = page::classify(&peers, &days, &state.thresholds);
    let pending: Vec<PendingRow> = pending.iter().map(pending_row).collect::<Result<_, _>>()?;
    Ok(page::render(&campaigns, has_next, &sets, &ads, &shown, &classes, &pending))
}

fn campaign(r: &PgRow) -> Result<CampaignRow, sqlx::Error> {
    let own: Option<String> = r.try_get("creative")?;
    let authority = match own {
        Some(creative) => (creative, r.try_get("tactical")?, r.try_get("structural")?, true),
        None => (
            r.try_get("default_creative")?,
            r.try_get("default_tactical")?,
            r.try_get("default_structural")?,
            false,
        ),
    };
    Ok(CampaignRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        platform: r.try_get("platform")?,
        status: r.try_get("status")?,
        daily_budget_cents: r.try_get("daily_budget_cents")?,
        version: r.try_get("version")?,
        layer_id: r.try_get("layer_id")?,
        layer_platform: r.try_get("layer_platform")?,
        currency: r.try_get("currency")?,
        kill_switch_active: r.try_get("kill_switch_active")?,
        authority,
    })
}

fn set(r: &PgRow) -> Result<SetRow, sqlx::Error> {
    Ok(SetRow { id: r.try_get(0)?, campaign_id: r.try_get(1)?, name: r.try_get(2)?, status: r.try_get(3)? })
}

fn ad(r: &PgRow) -> Result<AdRow, sqlx::Error> {
    let creative_id: Option<Uuid> = r.try_get(4)?;
    let creative = match creative_id {
        Some(id) => Some(CreativeRow {
            id,
            name: r.try_get(5)?,
            status: r.try_get(6)?,
            approval_status: r.try_get(7)?,
            archived: r.try_get(8)?,
        }),
        None => None,
    };
    Ok(AdRow {
        id: r.try_get(0)?,
        ad_set_id: r.try_get(1)?,
        name: r.try_get(2)?,
        status: r.try_get(3)?,
        creative,
    })
}

fn pending_row(r: &PgRow) -> Result<PendingRow, sqlx::Error> {
    Ok(PendingRow {
        id: r.try_get(0)?,
        campaign_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        status: r.try_get(3)?,
        before: r.try_get(4)?,
        after: r.try_get(5)?,
        proposed_by_type: r.try_get(6)?,
        proposed_by_id: r.try_get(7)?,
        created_at: r.try_get(8)?,
    })
}
