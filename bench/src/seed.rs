//! The benchmark dataset, seeded reproducibly (fixed RNG seed) straight into a migrated schema:
//! 10 organizations, each with 3 layers, 1,000 creatives, 200 campaigns, 2 ad sets per campaign,
//! 5 ads per ad set (20,000 ads), 8 days of metrics for every other ad (80,000 rows), pending
//! actions on about a quarter of the campaigns, and about 47,000 audit rows.
//!
//! Dates are relative to the day of seeding (an ad's classification depends on its age), so the
//! same seed gives the same dataset on the same day, and the same shape on any day.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::sql::{Batch, Dialect, text};

mod history;

/// Organizations seeded.
pub const ORGS: usize = 10;
/// Campaigns per organization.
pub const CAMPAIGNS: usize = 200;
/// Ad sets per campaign.
const AD_SETS: usize = 2;
/// Ads per ad set.
const ADS: usize = 5;
/// Creatives per organization.
const CREATIVES: usize = 1_000;
/// Days of metrics of an ad that has some.
const METRIC_DAYS: i64 = 8;
/// Past budget decisions recorded per organization (audit rows).
const BUDGET_HISTORY: usize = 2_000;
/// The newest campaigns of an organization, shown by the dashboard page: writes avoid them.
pub const PAGE: usize = 50;
const PLATFORMS: [&str; 3] = ["meta", "tiktok", "apple"];

/// What was seeded for one organization.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeededOrg {
    /// Its id.
    pub id: Uuid,
    /// TikTok campaigns off the page whose tactical axis is `auto`.
    pub auto_campaigns: Vec<Uuid>,
    /// Campaigns off the page whose tactical axis is `draft`.
    pub draft_campaigns: Vec<Uuid>,
}

/// Row counts, for the log.
#[derive(Debug, Default, serde::Serialize)]
pub struct Counts {
    /// Rows per table.
    pub tables: Vec<(String, usize)>,
}

struct Seeder {
    rng: StdRng,
    d: Dialect,
    clock_ms: u64,
    now: DateTime<Utc>,
    t: Tables,
    /// Platform ids handed out so far: each object's is unique across the dataset, as a
    /// platform's own ids are.
    platform_ids: u64,
}

struct Tables {
    orgs: Batch,
    layers: Batch,
    containers: Batch,
    content: Batch,
    campaigns: Batch,
    authority: Batch,
    ad_sets: Batch,
    ads: Batch,
    metrics: Batch,
    pending: Batch,
    audit: Batch,
}

impl Tables {
    fn new() -> Self {
        Tables {
            orgs: Batch::new("organizations", "id, name, requires_approval, created_at"),
            layers: Batch::new(
                "layers",
                "id, organization_id, platform, currency, default_creative, default_tactical, default_structural, kill_switch_active, ad_account_id, apple_org_id, apple_adam_id, countries, version, created_at, updated_at",
            ),
            containers: Batch::new(
                "content_containers",
                "id, organization_id, name, status, approval_status, media_url, completed_at, created_at, updated_at",
            ),
            content: Batch::new(
                "ads_content",
                "id, organization_id, content_container_id, organic_score, scoring_pool, archived_at, created_at, updated_at",
            ),
            campaigns: Batch::new(
                "campaigns",
                "id, organization_id, layer_id, platform, name, outcome, status, daily_budget_cents, bid_strategy, platform_campaign_id, version, created_at, updated_at",
            ),
            authority: Batch::new(
                "campaign_authority",
                "campaign_id, organization_id, creative, tactical, structural, updated_by, created_at, updated_at",
            ),
            ad_sets: Batch::new(
                "ad_sets",
                "id, organization_id, campaign_id, name, status, platform_ad_set_id, version, created_at, updated_at",
            ),
            ads: Batch::new(
                "ads",
                "id, organization_id, campaign_id, ad_set_id, content_container_id, name, status, platform_ad_id, version, launched_at, created_at, updated_at",
            ),
            metrics: Batch::new(
                "ad_daily_metrics",
                "id, organization_id, ad_id, day, impressions, frequency, spend_cents, conversions, created_at, updated_at",
            ),
            pending: Batch::new(
                "optimizer_pending_actions",
                "id, organization_id, layer_id, platform, campaign_id, target_type, target_id, kind, axis, is_policy, before, after, target_version, status, proposed_by_type, proposed_by_id, verdict_id, expires_at, created_at, updated_at",
            ),
            audit: Batch::new(
                "layer_ads_audit",
                "id, organization_id, layer_id, platform, campaign_id, target_type, target_id, event, action, axis, decision, trace, actor_type, actor_id, pending_action_id, dispatch_status, created_at",
            ),
        }
    }

    /// Every batch, parents before children.
    fn in_order(&mut self) -> [&mut Batch; 11] {
        let t = self;
        [
            &mut t.orgs,
            &mut t.layers,
            &mut t.containers,
            &mut t.content,
            &mut t.campaigns,
            &mut t.authority,
            &mut t.ad_sets,
            &mut t.ads,
            &mut t.metrics,
            &mut t.pending,
            &mut t.audit,
        ]
    }
}

/// Seeds the dataset into `db` (migrated, empty) with RNG seed `seed`.
pub async fn seed(
    db: &DatabaseConnection,
    postgres: bool,
    seed: u64,
) -> Result<(Vec<SeededOrg>, Counts), DbErr> {
    let today = Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc();
    let mut s = Seeder {
        rng: StdRng::seed_from_u64(seed),
        d: Dialect { postgres },
        clock_ms: u64::try_from((today - Duration::days(60)).timestamp_millis()).unwrap_or(0),
        platform_ids: 0,
        now: today + Duration::hours(12),
        t: Tables::new(),
    };
    #[allow(clippy::disallowed_methods)] // a command run to its end
    let txn = db.begin().await?;
    let mut orgs = Vec::new();
    for n in 0..ORGS {
        orgs.push(s.organization(n));
        for batch in s.t.in_order() {
            batch.flush(&txn).await?;
        }
    }
    txn.commit().await?;
    let names = [
        "organizations",
        "layers",
        "content_containers",
        "ads_content",
        "campaigns",
        "campaign_authority",
        "ad_sets",
        "ads",
        "ad_daily_metrics",
        "optimizer_pending_actions",
        "layer_ads_audit",
    ];
    let tables = names.iter().zip(s.t.in_order()).map(|(n, b)| ((*n).to_owned(), b.inserted)).collect();
    Ok((orgs, Counts { tables }))
}

impl Seeder {
    /// A UUID v7 from the seeded clock and RNG: ids sort in creation order.
    /// A platform id for a new object, above `base` (one base per kind of object).
    fn platform_id(&mut self, base: u64) -> String {
        self.platform_ids += 1;
        (base + self.platform_ids).to_string()
    }

    fn id(&mut self) -> Uuid {
        self.clock_ms += 1;
        let bytes: [u8; 10] = self.rng.random();
        uuid::Builder::from_unix_timestamp_millis(self.clock_ms, &bytes).into_uuid()
    }

    fn ago(&mut self, days: i64) -> DateTime<Utc> {
        let minutes = self.rng.random_range(0..24 * 60);
        self.now - Duration::days(days) - Duration::minutes(minutes)
    }

    fn organization(&mut self, n: usize) -> SeededOrg {
        let d = self.d;
        let org = self.id();
        let created = self.now - Duration::days(90);
        self.t.orgs.push(&[d.uuid(org), text(&format!("Bench org {n}")), d.bool(false), d.ts(created)]);
        let layers: Vec<Uuid> = PLATFORMS.iter().map(|p| self.layer(org, p, created)).collect();
        let creatives: Vec<Uuid> = (0..CREATIVES).filter_map(|i| self.creative(org, i)).collect();
        let mut seeded = SeededOrg { id: org, auto_campaigns: Vec::new(), draft_campaigns: Vec::new() };
        for i in 0..CAMPAIGNS {
            let p = i % 3;
            let (campaign, tactical) = self.campaign(org, layers[p], PLATFORMS[p], i, &creatives);
            if i + PAGE < CAMPAIGNS {
                match (tactical, p) {
                    (Some("auto"), 1) => seeded.auto_campaigns.push(campaign),
                    (Some("draft"), _) => seeded.draft_campaigns.push(campaign),
                    _ => {}
                }
            }
        }
        for _ in 0..BUDGET_HISTORY {
            self.budget_history(org, &layers);
        }
        seeded
    }

    fn layer(&mut self, org: Uuid, platform: &str, at: DateTime<Utc>) -> Uuid {
        let (d, id) = (self.d, self.id());
        let draft = text("draft");
        let (account, apple_org, adam) = match platform {
            "meta" => ("1000000000000001", "NULL".to_owned(), "NULL".to_owned()),
            "tiktok" => ("7000000000000000001", "NULL".to_owned(), "NULL".to_owned()),
            _ => ("40669820", text("40669820"), text("1450000000")),
        };
        let countries = d.json(&json!(["US"]));
        let row = [
            d.uuid(id),
            d.uuid(org),
            text(platform),
            text("USD"),
            draft.clone(),
            draft.clone(),
            draft,
            d.bool(false),
            text(account),
            apple_org,
            adam,
            countries,
            "0".into(),
            d.ts(at),
            d.ts(at),
        ];
        self.t.layers.push(&row);
        id
    }

    /// A creative; `None` when it is not one ads can show (still processing, or failed).
    fn creative(&mut self, org: Uuid, i: usize) -> Option<Uuid> {
        let (d, id) = (self.d, self.id());
        let days = self.rng.random_range(20..60);
        let created = self.ago(days);
        let roll = self.rng.random_range(0..100);
        let status = match roll {
            0..3 => "processing",
            3..5 => "failed",
            _ => "completed",
        };
        let approval = if roll % 4 == 0 { "approved" } else { "not_required" };
        let done = (status == "completed").then_some(created + Duration::minutes(3));
        let media = done
            .map(|_| text(&format!("https://cdn.example.com/c/{i}.mp4")))
            .unwrap_or_else(|| "NULL".into());
        let completed = done.map_or_else(|| "NULL".to_owned(), |t| d.ts(t));
        self.t.containers.push(&[
            d.uuid(id),
            d.uuid(org),
            text(&format!("Creative {i}")),
            text(status),
            text(approval),
            media,
            completed,
            d.ts(created),
            d.ts(created),
        ]);
        let at = done?;
        let content = self.id();
        let archived =
            if self.rng.random_range(0..100) < 3 { d.ts(at + Duration::days(5)) } else { "NULL".into() };
        let score = format!("{:.1}", self.rng.random_range(40..95) as f64 / 10.0);
        self.t.content.push(&[
            d.uuid(content),
            d.uuid(org),
            d.uuid(id),
            score,
            text("generated"),
            archived,
            d.ts(at),
            d.ts(at),
        ]);
        Some(id)
    }

    fn campaign(
        &mut self,
        org: Uuid,
        layer: Uuid,
        platform: &'static str,
        i: usize,
        creatives: &[Uuid],
    ) -> (Uuid, Option<&'static str>) {
        let (d, id) = (self.d, self.id());
        let created = self.ago(40 - (i as i64) / 10);
        let status = if self.rng.random_range(0..10) == 0 { "paused" } else { "active" };
        let outcome = if platform == "apple" { "app_installs" } else { "conversions" };
        let budget = self.rng.random_range(60..500) * 100;
        let row = [
            d.uuid(id),
            d.uuid(org),
            d.uuid(layer),
            text(platform),
            text(&format!("Campaign {i}")),
            text(outcome),
            text(status),
            budget.to_string(),
            text("lowest_cost"),
            text(&self.platform_id(1_200_000)),
            "1".into(),
            d.ts(created),
            d.ts(created),
        ];
        self.t.campaigns.push(&row);
        let tactical = (i % 5 != 4).then_some(if i.is_multiple_of(2) { "auto" } else { "draft" });
        if let Some(tactical) = tactical {
            let creative = ["draft", "auto", "off"][i % 3];
            self.t.authority.push(&[
                d.uuid(id),
                d.uuid(org),
                text(creative),
                text(tactical),
                text("draft"),
                text("customer"),
                d.ts(created),
                d.ts(created),
            ]);
        }
        let target = Target { org, layer, platform, campaign: id };
        self.audit(&target, "campaign", id, "ads.write.allowed", "campaign.create", "structural", created);
        for s in 0..AD_SETS {
            self.ad_set(&target, i * AD_SETS + s, created, creatives);
        }
        if self.rng.random_range(0..4) == 0 {
            for _ in 0..self.rng.random_range(1..=3) {
                self.pending(&target, budget, created);
            }
        }
        (id, tactical)
    }

    fn ad_set(&mut self, c: &Target, n: usize, created: DateTime<Utc>, creatives: &[Uuid]) {
        let (d, id, platform_id) = (self.d, self.id(), self.platform_id(2_300_000));
        self.t.ad_sets.push(&[
            d.uuid(id),
            d.uuid(c.org),
            d.uuid(c.campaign),
            text(&format!("Ad set {n}")),
            text("active"),
            text(&platform_id),
            "1".into(),
            d.ts(created),
            d.ts(created),
        ]);
        self.audit(c, "ad_set", id, "ads.write.allowed", "ad_set.create", "structural", created);
        for a in 0..ADS {
            let creative = creatives[self.rng.random_range(0..creatives.len())];
            self.ad(c, id, n * ADS + a, creative);
        }
    }

    fn ad(&mut self, c: &Target, ad_set: Uuid, n: usize, creative: Uuid) {
        let (d, id, platform_id) = (self.d, self.id(), self.platform_id(3_400_000));
        let with_metrics = n.is_multiple_of(2);
        let age_days =
            if with_metrics { self.rng.random_range(METRIC_DAYS..30) } else { self.rng.random_range(1..30) };
        let launched = self.ago(age_days);
        let status = if self.rng.random_range(0..5) == 0 { "paused" } else { "active" };
        self.t.ads.push(&[
            d.uuid(id),
            d.uuid(c.org),
            d.uuid(c.campaign),
            d.uuid(ad_set),
            d.uuid(creative),
            text(&format!("Ad {n}")),
            text(status),
            text(&platform_id),
            "1".into(),
            d.ts(launched),
            d.ts(launched),
            d.ts(launched),
        ]);
        self.audit(c, "ad", id, "ads.write.allowed", "ad.launch", "creative", launched);
        if with_metrics {
            self.metrics(c.org, id);
        }
    }
}

/// The campaign (and its layer and organization) rows are written under.
struct Target {
    org: Uuid,
    layer: Uuid,
    platform: &'static str,
    campaign: Uuid,
}
