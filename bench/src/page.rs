//! The reference's rows, the classification of a page's ads, and the page's JSON: serialized
//! straight from the rows, in the shape `bench/page.graphql` asks for.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use layers_dashboard::domain::classification::{
    Classification, DailyMetrics, Thresholds, classify as classify_one, median_cpa_cents, recent_totals,
};
use layers_dashboard::domain::lifecycle::{CreativeFacts, creative_state};
use layers_dashboard::ids::{NodeKind, encode};
use serde::Serialize;
use uuid::Uuid;

/// A campaign with its layer and the authority in force `(creative, tactical, structural, own row)`.
pub struct CampaignRow {
    pub id: Uuid,
    pub name: String,
    pub platform: String,
    pub status: String,
    pub daily_budget_cents: Option<i64>,
    pub version: i64,
    pub layer_id: Uuid,
    pub layer_platform: String,
    pub currency: String,
    pub kill_switch_active: bool,
    pub authority: (String, String, String, bool),
}

/// An ad set.
pub struct SetRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub name: String,
    pub status: String,
}

/// A creative as an ad shows it.
pub struct CreativeRow {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub approval_status: String,
    pub archived: bool,
}

/// An ad with its creative.
pub struct AdRow {
    pub id: Uuid,
    pub ad_set_id: Uuid,
    pub name: String,
    pub status: String,
    pub creative: Option<CreativeRow>,
}

/// A waiting action.
pub struct PendingRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub kind: String,
    pub status: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub proposed_by_type: String,
    pub proposed_by_id: String,
    pub created_at: DateTime<Utc>,
}

/// An ad that classification compares: `(ad, its ad set, live since)`.
pub type Peer = (Uuid, Uuid, DateTime<Utc>);

/// One day of an ad's metrics.
pub struct MetricRow {
    pub ad_id: Uuid,
    pub day: NaiveDate,
    pub impressions: i64,
    pub frequency: f64,
    pub spend_cents: i64,
    pub conversions: i64,
}

/// Classifies every peer `(ad, ad set, live since)` against the other ads of its ad set, as the
/// server does (day 0 of a history is the ad's first recorded day).
pub fn classify(peers: &[Peer], days: &[MetricRow], t: &Thresholds) -> HashMap<Uuid, Classification> {
    let mut first: HashMap<Uuid, NaiveDate> = HashMap::new();
    for d in days {
        first.entry(d.ad_id).and_modify(|f| *f = (*f).min(d.day)).or_insert(d.day);
    }
    let mut history: HashMap<Uuid, Vec<DailyMetrics>> = HashMap::new();
    for d in days {
        let start = first.get(&d.ad_id).copied().unwrap_or(d.day);
        let day_index = u32::try_from((d.day - start).num_days()).unwrap_or(0);
        history.entry(d.ad_id).or_default().push(DailyMetrics {
            day_index,
            impressions: d.impressions,
            frequency: d.frequency,
            spend_cents: d.spend_cents,
            conversions: d.conversions,
        });
    }
    let empty = Vec::new();
    let mut by_set: HashMap<Uuid, Vec<&Peer>> = HashMap::new();
    for p in peers {
        by_set.entry(p.1).or_default().push(p);
    }
    let now = Utc::now();
    let mut classes = HashMap::new();
    for set in by_set.values() {
        let totals: Vec<_> = set
            .iter()
            .map(|p| recent_totals(history.get(&p.0).unwrap_or(&empty), t.performance_window_days))
            .collect();
        let median = median_cpa_cents(&totals);
        for p in set {
            let age = (now - p.2).num_hours();
            classes.insert(p.0, classify_one(age, history.get(&p.0).unwrap_or(&empty), median, t));
        }
    }
    classes
}

#[derive(Serialize)]
struct Body<'a> {
    data: Data<'a>,
}
#[derive(Serialize)]
struct Data<'a> {
    campaigns: Conn<Campaign<'a>>,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Conn<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    page_info: Option<PageInfo>,
    edges: Vec<Edge<T>>,
}
#[derive(Serialize)]
struct Edge<T> {
    node: T,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Campaign<'a> {
    id: String,
    name: &'a str,
    platform: String,
    status: String,
    daily_budget_cents: Option<i64>,
    version: i64,
    authority: Authority,
    authority_source: &'static str,
    layer: Layer<'a>,
    ad_sets: Conn<AdSet<'a>>,
    pending_actions: Conn<Pending<'a>>,
}
#[derive(Serialize)]
struct Authority {
    creative: String,
    tactical: String,
    structural: String,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Layer<'a> {
    id: String,
    platform: String,
    currency: &'a str,
    kill_switch_active: bool,
}
#[derive(Serialize)]
struct AdSet<'a> {
    id: String,
    name: &'a str,
    status: String,
    ads: Conn<Ad<'a>>,
}
#[derive(Serialize)]
struct Ad<'a> {
    id: String,
    name: &'a str,
    status: String,
    classification: Option<Classification>,
    creative: Option<Creative<'a>>,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Creative<'a> {
    id: String,
    name: &'a str,
    approval_status: &'a str,
    state: String,
    classification: Option<Classification>,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pending<'a> {
    id: String,
    kind: &'a str,
    status: String,
    before: &'a serde_json::Value,
    after: &'a serde_json::Value,
    proposed_by: Actor,
    created_at: String,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Actor {
    actor_type: String,
    actor_id: String,
}

fn upper(code: &str) -> String {
    code.to_ascii_uppercase()
}

fn severity(class: Classification) -> u8 {
    match class {
        Classification::Critical => 6,
        Classification::Fatigued => 5,
        Classification::Underperforming => 4,
        Classification::LearningPhase => 3,
        Classification::TooYoung => 2,
        Classification::Healthy => 1,
        Classification::TopPerformer => 0,
    }
}

fn creative<'a>(
    c: &'a CreativeRow,
    shown: &HashMap<Uuid, Vec<(Uuid, bool)>>,
    classes: &HashMap<Uuid, Classification>,
) -> Creative<'a> {
    let ads = shown.get(&c.id).map(Vec::as_slice).unwrap_or_default();
    let active: Vec<Classification> =
        ads.iter().filter(|a| a.1).filter_map(|a| classes.get(&a.0).copied()).collect();
    let facts = CreativeFacts {
        container_status: &c.status,
        approval_status: &c.approval_status,
        archived: c.archived,
        active_ads: u32::try_from(ads.iter().filter(|a| a.1).count()).unwrap_or(u32::MAX),
        ads: u32::try_from(ads.len()).unwrap_or(u32::MAX),
        fatigued: active.contains(&Classification::Fatigued),
    };
    Creative {
        id: encode(NodeKind::Creative, c.id),
        name: &c.name,
        approval_status: &c.approval_status,
        state: upper(&format!("{:?}", creative_state(&facts))),
        classification: active.into_iter().max_by_key(|c| severity(*c)),
    }
}

/// The page's JSON.
pub fn render(
    campaigns: &[CampaignRow],
    has_next: bool,
    sets: &[SetRow],
    ads: &[AdRow],
    shown: &HashMap<Uuid, Vec<(Uuid, bool)>>,
    classes: &HashMap<Uuid, Classification>,
    pending: &[PendingRow],
) -> Vec<u8> {
    let mut ads_of: HashMap<Uuid, Vec<Edge<Ad>>> = HashMap::new();
    for a in ads {
        let node = Ad {
            id: encode(NodeKind::Ad, a.id),
            name: &a.name,
            status: upper(&a.status),
            classification: classes.get(&a.id).copied(),
            creative: a.creative.as_ref().map(|c| creative(c, shown, classes)),
        };
        ads_of.entry(a.ad_set_id).or_default().push(Edge { node });
    }
    let mut sets_of: HashMap<Uuid, Vec<Edge<AdSet>>> = HashMap::new();
    for s in sets {
        let node = AdSet {
            id: encode(NodeKind::AdSet, s.id),
            name: &s.name,
            status: upper(&s.status),
            ads: Conn { page_info: None, edges: ads_of.remove(&s.id).unwrap_or_default() },
        };
        sets_of.entry(s.campaign_id).or_default().push(Edge { node });
    }
    let mut pending_of: HashMap<Uuid, Vec<Edge<Pending>>> = HashMap::new();
    for p in pending {
        let node = Pending {
            id: encode(NodeKind::PendingAction, p.id),
            kind: &p.kind,
            status: upper(&p.status),
            before: &p.before,
            after: &p.after,
            proposed_by: Actor { actor_type: upper(&p.proposed_by_type), actor_id: p.proposed_by_id.clone() },
            created_at: p.created_at.to_rfc3339(),
        };
        pending_of.entry(p.campaign_id).or_default().push(Edge { node });
    }
    let edges = campaigns
        .iter()
        .map(|c| {
            let (cr, ta, st, own) = &c.authority;
            Edge {
                node: Campaign {
                    id: encode(NodeKind::Campaign, c.id),
                    name: &c.name,
                    platform: upper(&c.platform),
                    status: upper(&c.status),
                    daily_budget_cents: c.daily_budget_cents,
                    version: c.version,
                    authority: Authority { creative: upper(cr), tactical: upper(ta), structural: upper(st) },
                    authority_source: if *own { "CAMPAIGN" } else { "LAYER_DEFAULTS" },
                    layer: Layer {
                        id: encode(NodeKind::Layer, c.layer_id),
                        platform: upper(&c.layer_platform),
                        currency: &c.currency,
                        kill_switch_active: c.kill_switch_active,
                    },
                    ad_sets: Conn { page_info: None, edges: sets_of.remove(&c.id).unwrap_or_default() },
                    pending_actions: Conn {
                        page_info: None,
                        edges: pending_of.remove(&c.id).unwrap_or_default(),
                    },
                },
            }
        })
        .collect();
    let end_cursor = campaigns.last().map(|c| URL_SAFE_NO_PAD.encode(format!("cursor:{}", c.id)));
    let body = Body {
        data: Data {
            campaigns: Conn { page_info: Some(PageInfo { has_next_page: has_next, end_cursor }), edges },
        },
    };
    serde_json::to_vec(&body).unwrap_or_default()
}
