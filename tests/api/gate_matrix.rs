//! The write gate through the API (README.md, "The gate"): every axis × authority source × mode × kill
//! switch × actor as a dry run, checked against a small table written independently of the
//! product; then real writes, with what each decision writes, applies and audits.

use layers_dashboard::domain::Scope;
use serde_json::{Value, json};

use crate::support::{
    TestApp, UPDATE_BUDGET, VERDICT, audit_rows, create_ad_set, drop_campaign_authority, insert_creative,
    read_campaign, row_totals, set_campaign_authority, set_kill_switch,
};

/// The authority axes, each with the write the matrix sends for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Axis {
    Creative,
    Tactical,
    Structural,
}

impl Axis {
    /// The lowercase name the verdict and the trace use.
    fn code(self) -> &'static str {
        match self {
            Axis::Creative => "creative",
            Axis::Tactical => "tactical",
            Axis::Structural => "structural",
        }
    }
}

/// Where the authority in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Campaign,
    LayerDefaults,
}

/// Who sends the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Customer,
    PartnerWriter,
    PartnerReader,
}

/// Every axis mode.
const MODES: [&str; 3] = ["OFF", "DRAFT", "AUTO"];

/// What the gate must answer.
#[derive(Debug)]
struct Expected {
    decision: &'static str,
    reason: Option<&'static str>,
    decided_by: &'static str,
    axis_ran: bool,
}

/// The gate's order (README.md, "The gate"), written out: scope (partners need `ads:write`) → kill switch → axis mode.
fn expected(actor: Actor, kill_switch: bool, mode: &str) -> Expected {
    let deny = |reason, decided_by, axis_ran| Expected {
        decision: "DENY",
        reason: Some(reason),
        decided_by,
        axis_ran,
    };
    if actor == Actor::PartnerReader {
        return deny("scope_missing", "scope", false);
    }
    if kill_switch {
        return deny("kill_switch_active", "kill_switch", false);
    }
    match mode {
        "OFF" => deny("authority_axis_off", "axis", true),
        "DRAFT" => {
            Expected { decision: "QUEUE_FOR_APPROVAL", reason: None, decided_by: "axis", axis_ran: true }
        }
        _ => Expected { decision: "ALLOW", reason: None, decided_by: "axis", axis_ran: true },
    }
}

/// A mode other than `mode`, so a gate reading the wrong axis or source answers differently.
fn other(mode: &str) -> &'static str {
    if mode == "OFF" { "AUTO" } else { "OFF" }
}

/// A campaign the matrix writes to, with an ad set to launch into.
struct Target {
    campaign: String,
    ad_set: String,
}

/// The app, its two targets (one with its own authority row, one on layer defaults), a
/// creative and a token per actor.
struct Matrix {
    app: TestApp,
    with_row: Target,
    on_defaults: Target,
    creative: String,
    tokens: Vec<(Actor, String)>,
}

impl Matrix {
    /// Sets everything up on Meta with every axis open, then drops one campaign's authority row.
    async fn new() -> Matrix {
        let app = TestApp::new().await;
        let mut targets = Vec::new();
        for _ in 0..2 {
            let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
            let ad_set = create_ad_set(&app, &campaign).await;
            targets.push(Target { campaign, ad_set });
        }
        let on_defaults = targets.pop().expect("two targets");
        let with_row = targets.pop().expect("two targets");
        drop_campaign_authority(&app, &on_defaults.campaign).await;
        let creative = insert_creative(&app, "Matrix creative").await;
        let tokens = vec![
            (Actor::Customer, app.customer()),
            (Actor::PartnerWriter, app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await),
            (Actor::PartnerReader, app.partner(&[Scope::AdsRead]).await),
        ];
        Matrix { app, with_row, on_defaults, creative, tokens }
    }

    /// Puts `axis` in `mode` from `source`, with every other axis and the other source set apart.
    async fn set_mode(&self, axis: Axis, source: Source, mode: &str) {
        let others = other(mode);
        let mut block = json!({ "creative": others, "tactical": others, "structural": others });
        block[axis.code()] = json!(mode);
        match source {
            Source::Campaign => {
                set_campaign_authority(&self.app, &self.with_row.campaign, block).await;
                self.app.set_defaults("META", others, others, others).await;
            }
            Source::LayerDefaults => {
                let modes = |name: &str| block[name].as_str().expect("mode").to_owned();
                self.app
                    .set_defaults("META", &modes("creative"), &modes("tactical"), &modes("structural"))
                    .await;
            }
        }
        let target = self.target(source);
        let campaign = read_campaign(&self.app, &target.campaign).await;
        let source_name = if source == Source::Campaign { "CAMPAIGN" } else { "LAYER_DEFAULTS" };
        assert_eq!(campaign["authoritySource"], source_name, "{campaign:#}");
        assert_eq!(campaign["authority"][axis.code()], mode, "{campaign:#}");
    }

    /// The target whose authority comes from `source`.
    fn target(&self, source: Source) -> &Target {
        match source {
            Source::Campaign => &self.with_row,
            Source::LayerDefaults => &self.on_defaults,
        }
    }

    /// Sends `axis`'s write to `source`'s target as a dry run and returns the payload.
    async fn dry_run(&self, token: &str, axis: Axis, source: Source) -> Value {
        let target = self.target(source);
        let (field, query, input) = match axis {
            Axis::Creative => (
                "launchAd",
                "mutation($input: LaunchAdInput!) { launchAd(input: $input) {
                    verdict { id decision reason axis trace dryRun } pendingAction { id } userErrors { code } } }",
                json!({ "adSetId": target.ad_set, "creativeId": self.creative, "name": "Matrix ad", "dryRun": true }),
            ),
            Axis::Tactical => (
                "updateCampaignBudget",
                UPDATE_BUDGET,
                json!({ "campaignId": target.campaign, "dailyBudgetCents": 7500, "dryRun": true }),
            ),
            Axis::Structural => (
                "changeCampaignStatus",
                "mutation($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) {
                    verdict { id decision reason axis trace dryRun } pendingAction { id } userErrors { code } } }",
                json!({ "campaignId": target.campaign, "action": "PAUSE", "dryRun": true }),
            ),
        };
        let data = self.app.ok(token, query, json!({ "input": input })).await;
        data[field].clone()
    }
}

/// Runs the whole matrix for `axis` and checks that the dry runs left no trace.
async fn run_matrix(axis: Axis) {
    let matrix = Matrix::new().await;
    let app = &matrix.app;
    let before = [
        read_campaign(app, &matrix.with_row.campaign).await,
        read_campaign(app, &matrix.on_defaults.campaign).await,
    ];
    let mut verdict_ids = Vec::new();
    for source in [Source::Campaign, Source::LayerDefaults] {
        for mode in MODES {
            matrix.set_mode(axis, source, mode).await;
            for kill_switch in [false, true] {
                if kill_switch {
                    set_kill_switch(app, "META", true).await;
                }
                for (actor, token) in &matrix.tokens {
                    let case =
                        format!("{axis:?} from {source:?} {mode}, kill switch {kill_switch}, {actor:?}");
                    let totals = row_totals(app).await;
                    let payload = matrix.dry_run(token, axis, source).await;
                    assert_eq!(row_totals(app).await, totals, "{case}: a dry run wrote rows");
                    check_verdict(&payload, &expected(*actor, kill_switch, mode), axis, source, mode, &case);
                    verdict_ids.push(payload["verdict"]["id"].clone());
                }
                if kill_switch {
                    set_kill_switch(app, "META", false).await;
                }
            }
        }
    }
    assert_eq!(verdict_ids.len(), 36);
    for id in verdict_ids {
        let row = app.ok(&app.customer(), VERDICT, json!({ "id": id })).await;
        assert_eq!(row["verdict"], Value::Null, "dry-run verdict {id} has an audit row");
    }
    let pending = app.ok(&app.customer(), "{ pendingActions(first: 100) { nodes { id } } }", json!({})).await;
    assert_eq!(pending["pendingActions"]["nodes"], json!([]));
    let after = [
        read_campaign(app, &matrix.with_row.campaign).await,
        read_campaign(app, &matrix.on_defaults.campaign).await,
    ];
    for (before, after) in before.iter().zip(&after) {
        for field in ["status", "dailyBudgetCents", "version"] {
            assert_eq!(before[field], after[field], "a dry run changed {field}");
        }
    }
}

/// Asserts one dry-run payload against the table.
fn check_verdict(payload: &Value, expected: &Expected, axis: Axis, source: Source, mode: &str, case: &str) {
    let verdict = &payload["verdict"];
    assert_eq!(verdict["decision"], expected.decision, "{case}: {payload:#}");
    assert_eq!(verdict["reason"], json!(expected.reason), "{case}: {payload:#}");
    assert_eq!(verdict["axis"], axis.code(), "{case}");
    assert_eq!(verdict["dryRun"], true, "{case}");
    assert_eq!(payload["pendingAction"], Value::Null, "{case}");
    assert_eq!(payload["userErrors"], json!([]), "{case}");
    let trace: Vec<&str> =
        verdict["trace"].as_array().expect("trace").iter().filter_map(Value::as_str).collect();
    assert_eq!(trace.first(), Some(&"tenancy=ok"), "{case}: {trace:?}");
    let decided_by = format!("decided_by={}", expected.decided_by);
    assert_eq!(trace.last(), Some(&decided_by.as_str()), "{case}: {trace:?}");
    let source_code = if source == Source::Campaign { "campaign" } else { "layer_defaults" };
    let axis_entry = format!("axis.{}={}({source_code})", axis.code(), mode.to_lowercase());
    if expected.axis_ran {
        assert!(trace.contains(&axis_entry.as_str()), "{case}: {axis_entry} not in {trace:?}");
    } else {
        assert!(!trace.iter().any(|entry| entry.starts_with("axis.")), "{case}: axis checked in {trace:?}");
    }
}

#[tokio::test]
async fn creative_matrix_matches_the_table() {
    run_matrix(Axis::Creative).await;
}

#[tokio::test]
async fn tactical_matrix_matches_the_table() {
    run_matrix(Axis::Tactical).await;
}

#[tokio::test]
async fn structural_matrix_matches_the_table() {
    run_matrix(Axis::Structural).await;
}

/// The budget mutation's payload for `cents` on `campaign`, sent by `token`.
async fn budget(app: &TestApp, token: &str, campaign: &str, cents: i64) -> Value {
    let data = app
        .ok(token, UPDATE_BUDGET, json!({ "input": { "campaignId": campaign, "dailyBudgetCents": cents } }))
        .await;
    data["updateCampaignBudget"].clone()
}

/// The status mutation's payload for `action` on `campaign`, sent by the customer.
async fn change_status(app: &TestApp, campaign: &str, action: &str) -> Value {
    let data = app
        .ok(
            &app.customer(),
            "mutation($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) {
                verdict { id decision reason axis trace } campaign { status version } pendingAction { id }
                userErrors { code } } }",
            json!({ "input": { "campaignId": campaign, "action": action } }),
        )
        .await;
    data["changeCampaignStatus"].clone()
}

/// The audit row of the verdict in `payload`.
async fn audit_row(app: &TestApp, payload: &Value) -> Value {
    let row = app.ok(&app.customer(), VERDICT, json!({ "id": payload["verdict"]["id"] })).await;
    assert_ne!(row["verdict"], Value::Null, "no audit row for {payload:#}");
    row["verdict"].clone()
}

/// Asserts `payload` was denied for `reason` and that its audit row says so.
async fn assert_denied(app: &TestApp, payload: &Value, reason: &str) -> Value {
    assert_eq!(payload["verdict"]["decision"], "DENY", "{payload:#}");
    assert_eq!(payload["verdict"]["reason"], reason, "{payload:#}");
    assert_eq!(payload["pendingAction"], Value::Null, "{payload:#}");
    let row = audit_row(app, payload).await;
    assert_eq!(row["event"], "ads.write.denied");
    assert_eq!(row["decision"], "DENY");
    assert_eq!(row["reason"], reason);
    assert_eq!(row["dispatchStatus"], Value::Null);
    row
}

#[tokio::test]
async fn auto_writes_on_every_axis_dispatch_apply_and_audit() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = create_ad_set(&app, &campaign).await;
    let creative = insert_creative(&app, "Auto creative").await;
    let version = read_campaign(&app, &campaign).await["version"].as_i64().expect("version");

    let launched = app
        .ok(
            &app.customer(),
            "mutation($input: LaunchAdInput!) { launchAd(input: $input) {
                verdict { id decision reason axis } ad { id status creative { id } } userErrors { code } } }",
            json!({ "input": { "adSetId": ad_set, "creativeId": creative, "name": "Auto ad" } }),
        )
        .await;
    let launched = &launched["launchAd"];
    assert_eq!(launched["verdict"]["decision"], "ALLOW", "{launched:#}");
    assert_eq!(launched["verdict"]["axis"], "creative");
    assert_eq!(launched["ad"]["status"], "ACTIVE");
    assert_eq!(launched["ad"]["creative"]["id"], creative);
    let ads = app
        .ok(
            &app.customer(),
            "query($id: ID!) { node(id: $id) { ... on AdSet { ads { nodes { id } } } } }",
            json!({ "id": ad_set }),
        )
        .await;
    assert_eq!(ads["node"]["ads"]["nodes"], json!([{ "id": launched["ad"]["id"] }]));

    let budgeted = budget(&app, &app.customer(), &campaign, 7500).await;
    assert_eq!(budgeted["verdict"]["decision"], "ALLOW", "{budgeted:#}");
    let paused = change_status(&app, &campaign, "PAUSE").await;
    assert_eq!(paused["verdict"]["decision"], "ALLOW", "{paused:#}");
    assert_eq!(paused["verdict"]["axis"], "structural");

    let stored = read_campaign(&app, &campaign).await;
    assert_eq!(stored["dailyBudgetCents"], 7500);
    assert_eq!(stored["status"], "PAUSED");
    assert_eq!(stored["version"], version + 2, "one version per applied campaign write");
    for payload in [launched, &budgeted, &paused] {
        let row = audit_row(&app, payload).await;
        assert_eq!(row["event"], "ads.write.allowed");
        assert_eq!(row["decision"], "ALLOW");
        assert_eq!(row["dispatchStatus"], "succeeded");
        assert_eq!(row["actorType"], "CUSTOMER");
    }
}

#[tokio::test]
async fn a_draft_write_queues_a_pending_action_and_changes_nothing() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
    let version = read_campaign(&app, &campaign).await["version"].clone();

    let payload = budget(&app, &app.customer(), &campaign, 7500).await;
    assert_eq!(payload["verdict"]["decision"], "QUEUE_FOR_APPROVAL", "{payload:#}");
    assert_eq!(payload["verdict"]["reason"], Value::Null);
    let action = &payload["pendingAction"];
    assert_eq!(action["status"], "PENDING");
    assert_eq!(action["kind"], "campaign.budget");
    assert_eq!(action["targetVersion"], version);

    let stored = read_campaign(&app, &campaign).await;
    assert_eq!(stored["dailyBudgetCents"], 5000);
    assert_eq!(stored["version"], version);
    let row = audit_row(&app, &payload).await;
    assert_eq!(row["event"], "ads.write.queued");
    assert_eq!(row["decision"], "QUEUE_FOR_APPROVAL");
    assert_eq!(row["dispatchStatus"], Value::Null);
    let listed = app
        .ok(
            &app.customer(),
            "query($c: ID) { pendingActions(campaignId: $c, status: PENDING) { nodes { id } } }",
            json!({ "c": campaign }),
        )
        .await;
    assert_eq!(listed["pendingActions"]["nodes"], json!([{ "id": action["id"] }]));
}

#[tokio::test]
async fn an_off_axis_denies_audits_and_changes_nothing() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("MANUAL", "MANUAL")).await;
    let before = read_campaign(&app, &campaign).await;

    let payload = budget(&app, &app.customer(), &campaign, 7500).await;
    assert_denied(&app, &payload, "authority_axis_off").await;
    let paused = change_status(&app, &campaign, "PAUSE").await;
    assert_denied(&app, &paused, "authority_axis_off").await;

    assert_eq!(read_campaign(&app, &campaign).await, before);
    let pending = app.ok(&app.customer(), "{ pendingActions { nodes { id } } }", json!({})).await;
    assert_eq!(pending["pendingActions"]["nodes"], json!([]));
}

#[tokio::test]
async fn the_kill_switch_denies_customer_and_partner_alike() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await;
    let before = read_campaign(&app, &campaign).await;
    set_kill_switch(&app, "META", true).await;

    let by_customer = budget(&app, &app.customer(), &campaign, 7500).await;
    let row = assert_denied(&app, &by_customer, "kill_switch_active").await;
    assert_eq!(row["actorType"], "CUSTOMER");
    let by_partner = budget(&app, &partner, &campaign, 7500).await;
    let row = assert_denied(&app, &by_partner, "kill_switch_active").await;
    assert_eq!(row["actorType"], "PARTNER");

    assert_eq!(read_campaign(&app, &campaign).await, before);
    let denied =
        audit_rows(&app, &app.customer(), json!({ "campaignId": campaign, "event": "ads.write.denied" }))
            .await;
    assert_eq!(denied.len(), 2, "{denied:#?}");

    set_kill_switch(&app, "META", false).await;
    let released = budget(&app, &partner, &campaign, 7500).await;
    assert_eq!(released["verdict"]["decision"], "ALLOW", "{released:#}");
}

#[tokio::test]
async fn a_partner_without_ads_write_is_denied_scope_missing() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let reader = app.partner(&[Scope::AdsRead, Scope::AdsWritePending, Scope::AdsWritePolicy]).await;

    let payload = budget(&app, &reader, &campaign, 7500).await;
    let row = assert_denied(&app, &payload, "scope_missing").await;
    assert_eq!(row["actorType"], "PARTNER");
    assert!(row["trace"].as_array().expect("trace").contains(&json!("scope=missing(ads:write)")), "{row:#}");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5000);
}

#[tokio::test]
async fn budgets_below_the_platform_minimum_fail_the_safety_check() {
    let app = TestApp::new().await;
    for (platform, minimum) in [("META", 100), ("TIKTOK", 5000), ("APPLE", 100)] {
        let campaign = app.campaign(platform, ("AUTOPILOT", "AUTOPILOT")).await;
        let under = budget(&app, &app.customer(), &campaign, minimum - 1).await;
        let row = assert_denied(&app, &under, "safety_check_failed:budget_below_minimum").await;
        assert!(
            row["trace"].as_array().expect("trace").contains(&json!("safety.budget_below_minimum=failed"))
        );
        let at = budget(&app, &app.customer(), &campaign, minimum).await;
        assert_eq!(at["verdict"]["decision"], "ALLOW", "{platform}: {at:#}");
        assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], minimum, "{platform}");
    }
}

#[tokio::test]
async fn budgets_above_the_layer_cap_fail_the_safety_check() {
    let app = TestApp::new().await;
    let campaign = app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    let capped = app
        .ok(
            &app.customer(),
            "mutation($input: UpdateLayerDefaultsInput!) { updateLayerDefaults(input: $input) { applied layer { maxDailyBudgetCents } } }",
            json!({ "input": { "platform": "TIKTOK", "maxDailyBudgetCents": 10000 } }),
        )
        .await;
    assert_eq!(capped["updateLayerDefaults"]["layer"]["maxDailyBudgetCents"], 10000, "{capped:#}");

    let over = budget(&app, &app.customer(), &campaign, 10001).await;
    assert_denied(&app, &over, "safety_check_failed:budget_above_cap").await;
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 5000);
    let at = budget(&app, &app.customer(), &campaign, 10000).await;
    assert_eq!(at["verdict"]["decision"], "ALLOW", "{at:#}");
    assert_eq!(read_campaign(&app, &campaign).await["dailyBudgetCents"], 10000);
}

// Multi-threaded so that, should the write fail with an open transaction, the pool can roll it
// back while the harness drops the PostgreSQL schema (a current-thread runtime would hang there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_a_deleted_campaign_fails_the_status_transition_check() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let deleted = change_status(&app, &campaign, "DELETE").await;
    assert_eq!(deleted["verdict"]["decision"], "ALLOW", "{deleted:#}");
    assert_eq!(deleted["campaign"]["status"], "DELETED");

    let resumed = change_status(&app, &campaign, "RESUME").await;
    assert_denied(&app, &resumed, "safety_check_failed:status_transition").await;
    assert_eq!(read_campaign(&app, &campaign).await["status"], "DELETED");
}

#[tokio::test]
async fn a_partner_write_is_audited_as_the_partner() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let partner = app.partner(&[Scope::AdsRead, Scope::AdsWrite]).await;
    let viewer = app.ok(&partner, "{ viewer { actorType actorId } }", json!({})).await;
    assert_eq!(viewer["viewer"]["actorType"], "PARTNER");
    let key_id = viewer["viewer"]["actorId"].clone();

    let payload = budget(&app, &partner, &campaign, 7500).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    let row = audit_row(&app, &payload).await;
    assert_eq!(row["event"], "ads.write.allowed");
    assert_eq!(row["dispatchStatus"], "succeeded");
    assert_eq!(row["actorType"], "PARTNER");
    assert_eq!(row["actorApiKeyId"], key_id);
    assert_eq!(row["actorId"], key_id);
}
