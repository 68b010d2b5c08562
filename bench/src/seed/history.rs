//! The seeded history: daily metrics, pending actions and audit rows.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::json;
use uuid::Uuid;

use super::{METRIC_DAYS, PLATFORMS, Seeder, Target};
use crate::sql::text;

impl Seeder {
    /// Eight days of delivery ending yesterday, in one of four shapes: steady, cheap, fatiguing
    /// (frequency up, CPA up by half) or failing (no conversions lately).
    pub(super) fn metrics(&mut self, org: Uuid, ad: Uuid) {
        let d = self.d;
        let shape = self.rng.random_range(0..20);
        let base_cpa = self.rng.random_range(800..3_000_i64);
        for day in 0..METRIC_DAYS {
            let id = self.id();
            let date = (self.now - Duration::days(METRIC_DAYS - day)).date_naive();
            let conversions = match shape {
                0..3 if day >= 4 => 0,
                _ => self.rng.random_range(4..25_i64),
            };
            let cpa = match shape {
                3..7 => base_cpa + base_cpa * day / 10,
                7..10 => base_cpa * 6 / 10,
                _ => base_cpa + self.rng.random_range(-100..100),
            };
            let spend = if conversions == 0 { base_cpa * 2 } else { cpa * conversions };
            let frequency = match shape {
                3..7 => 1.5 + 0.4 * day as f64,
                _ => 1.1 + self.rng.random_range(0..100) as f64 / 100.0,
            };
            let impressions = self.rng.random_range(2_000..40_000_i64);
            let at = self.now - Duration::days(METRIC_DAYS - day - 1);
            self.t.metrics.push(&[
                d.uuid(id),
                d.uuid(org),
                d.uuid(ad),
                d.date(date),
                impressions.to_string(),
                format!("{frequency:.2}"),
                spend.to_string(),
                conversions.to_string(),
                d.ts(at),
                d.ts(at),
            ]);
        }
    }

    pub(super) fn pending(&mut self, c: &Target, budget: i64, created: DateTime<Utc>) {
        let d = self.d;
        let (id, verdict) = (self.id(), self.id());
        let at = created + Duration::days(1);
        let before =
            json!({"id": c.campaign, "daily_budget_cents": budget, "status": "active", "version": 1});
        let proposed = budget + self.rng.random_range(1..20) * 100;
        let after =
            json!({"budget": {"daily": proposed}, "campaign_id": c.campaign, "kind": "campaign_budget"});
        let expires = self.now + Duration::days(30);
        self.t.pending.push(&[
            d.uuid(id),
            d.uuid(c.org),
            d.uuid(c.layer),
            text(c.platform),
            d.uuid(c.campaign),
            text("campaign"),
            d.uuid(c.campaign),
            text("campaign.budget"),
            text("tactical"),
            d.bool(false),
            d.json(&before),
            d.json(&after),
            "1".into(),
            text("pending"),
            text("optimizer"),
            text("optimizer"),
            d.uuid(verdict),
            d.ts(expires),
            d.ts(at),
            d.ts(at),
        ]);
        self.audit_row(
            verdict,
            c,
            "campaign",
            c.campaign,
            ("ads.write.queued", "campaign.budget", "tactical"),
            Some(id),
            at,
        );
    }

    pub(super) fn budget_history(&mut self, org: Uuid, layers: &[Uuid]) {
        let p = self.rng.random_range(0..3);
        let days = self.rng.random_range(1..30);
        let at = self.ago(days);
        let c = Target { org, layer: layers[p], platform: PLATFORMS[p], campaign: Uuid::nil() };
        let id = self.id();
        self.audit_row(
            id,
            &c,
            "campaign",
            Uuid::nil(),
            ("ads.write.allowed", "campaign.budget", "tactical"),
            None,
            at,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn audit(
        &mut self,
        c: &Target,
        target_type: &str,
        target: Uuid,
        event: &str,
        action: &str,
        axis: &str,
        at: DateTime<Utc>,
    ) {
        let id = self.id();
        self.audit_row(id, c, target_type, target, (event, action, axis), None, at);
    }

    #[allow(clippy::too_many_arguments)]
    fn audit_row(
        &mut self,
        id: Uuid,
        c: &Target,
        target_type: &str,
        target: Uuid,
        what: (&str, &str, &str),
        pending: Option<Uuid>,
        at: DateTime<Utc>,
    ) {
        let d = self.d;
        let (event, action, axis) = what;
        let queued = event == "ads.write.queued";
        let decision = if queued { "queue_for_approval" } else { "allow" };
        let mode = if queued { "draft" } else { "auto" };
        let trace = json!([
            "tenancy=ok",
            "scope=not_required(customer)",
            "kill_switch=released",
            format!("axis.{axis}={mode}(campaign)"),
            "decided_by=axis"
        ]);
        let campaign = (!c.campaign.is_nil()).then_some(c.campaign);
        let target = (!target.is_nil()).then_some(target);
        let dispatch = if queued { "NULL".to_owned() } else { text("succeeded") };
        self.t.audit.push(&[
            d.uuid(id),
            d.uuid(c.org),
            d.uuid(c.layer),
            text(c.platform),
            d.uuid_opt(campaign),
            text(target_type),
            d.uuid_opt(target),
            text(event),
            text(action),
            text(axis),
            text(decision),
            d.json(&trace),
            text("customer"),
            text("bench"),
            d.uuid_opt(pending),
            dispatch,
            d.ts(at),
        ]);
    }
}
