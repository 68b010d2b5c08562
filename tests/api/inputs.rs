//! Bad input: every malformed value is answered with a typed `userErrors` entry naming the field
//! at fault, or a top-level error carrying `extensions.code`; never a 500 or a panic; and
//! nothing is written (no audit row, no pending action, no campaign, no change to the target).

use axum::http::StatusCode;
use layers_dashboard::ids::{self, NodeKind};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{TestApp, post_raw, row_totals};

/// An app with a Meta campaign whose every axis is DRAFT (a write that got past validation would
/// queue a pending action) under layer defaults opened to AUTO on every platform (a create that
/// got past validation would write a campaign).
struct Fixture {
    app: TestApp,
    token: String,
    campaign: String,
    totals: (u64, u64, u64),
}

impl Fixture {
    /// The fixture, with the row totals taken after set-up.
    async fn new() -> Self {
        let app = TestApp::new().await;
        let campaign = app.campaign("META", ("DRAFT", "DRAFT")).await;
        app.set_defaults("TIKTOK", "AUTO", "AUTO", "AUTO").await;
        app.set_defaults("APPLE", "AUTO", "AUTO", "AUTO").await;
        let token = app.customer();
        let totals = row_totals(&app).await;
        Fixture { app, token, campaign, totals }
    }

    /// Sends `query` through the router and returns the JSON body, asserting an HTTP 200 answer.
    async fn send(&self, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        self.send_raw(body).await
    }

    /// Sends a raw request body (for numbers `serde_json` cannot hold) and returns the JSON body.
    async fn send_raw(&self, body: String) -> Value {
        let (status, _, response) = post_raw(&self.app, Some(&format!("Bearer {}", self.token)), body).await;
        assert_eq!(status, StatusCode::OK, "{response:#}");
        assert!(response.is_object(), "a JSON body, not a crash page");
        response
    }

    /// Runs mutation `field` and returns its single user error, asserting nothing got past it.
    async fn refused(&self, field: &str, query: &str, variables: Value) -> Value {
        let response = self.send(query, variables.clone()).await;
        assert!(response.get("errors").is_none(), "{field} {variables}: expected data: {response:#}");
        let payload = &response["data"][field];
        assert_eq!(payload["verdict"], Value::Null, "{field} {variables}: refused before the gate");
        assert_eq!(payload["pendingAction"], Value::Null, "{field} {variables}");
        let errors = payload["userErrors"].as_array().expect("userErrors");
        assert_eq!(errors.len(), 1, "{field} {variables}: {payload:#}");
        assert!(!errors[0]["message"].as_str().unwrap_or_default().is_empty(), "{payload:#}");
        errors[0].clone()
    }

    /// Asserts mutation `field` refuses `variables` with `code` on input field `at`.
    async fn expect(&self, field: &str, query: &str, variables: Value, code: &str, at: &str) {
        let error = self.refused(field, query, variables.clone()).await;
        assert_eq!(error["code"], code, "{field} {variables}: {error:#}");
        assert_eq!(error["field"], json!(["input", at]), "{field} {variables}: {error:#}");
    }

    /// The `extensions.code` of the top-level error a request got (it must get one, not data).
    async fn top_level_code(&self, body: String) -> String {
        let response = self.send_raw(body.clone()).await;
        let code = response["errors"][0]["extensions"]["code"].as_str();
        let code =
            code.unwrap_or_else(|| panic!("{body}: expected a top-level error with a code: {response:#}"));
        assert_ne!(code, "INTERNAL", "{body}: bad input is not our fault: {response:#}");
        code.to_owned()
    }

    /// Asserts that nothing was written and the campaign is as it was created.
    async fn nothing_written(&self) {
        assert_eq!(row_totals(&self.app).await, self.totals, "(audit rows, pending actions, campaigns)");
        let query =
            "query($id: ID!) { campaign(id: $id) { version status dailyBudgetCents lifetimeBudgetCents
            bidStrategy schedule { startTime endTime } targeting { countries } name } }";
        let data = self.app.ok(&self.token, query, json!({ "id": self.campaign })).await;
        let campaign = &data["campaign"];
        assert_eq!(campaign["version"], 1, "{campaign:#}");
        assert_eq!(campaign["dailyBudgetCents"], 5000, "{campaign:#}");
        assert_eq!(campaign["lifetimeBudgetCents"], Value::Null, "{campaign:#}");
        assert_eq!(campaign["bidStrategy"], "LOWEST_COST", "{campaign:#}");
        assert_eq!(campaign["schedule"]["endTime"], Value::Null, "{campaign:#}");
        assert_eq!(campaign["name"], "Test campaign", "{campaign:#}");
    }
}

/// A mutation with one `input` argument of type `input_type`, selecting what tests read back.
fn mutation(field: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {field}(input: $input) {{
            verdict {{ id decision }} pendingAction {{ id }} userErrors {{ field code message }} }} }}"
    )
}

/// A valid Meta create input with `changes` applied (a `null` change sets the field to null).
fn create_input(changes: Value) -> Value {
    let mut input = json!({
        "platform": "META", "name": "Spring sale", "dailyBudgetCents": 5000, "outcome": "CONVERSIONS",
        "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT",
    });
    for (key, value) in changes.as_object().expect("changes object") {
        input[key] = value.clone();
    }
    input
}

/// `input` without `key`.
fn without(mut input: Value, key: &str) -> Value {
    input.as_object_mut().expect("input object").remove(key);
    input
}

/// The first two elements of a user error's `field` path.
fn path_head(error: &Value) -> Vec<&str> {
    let path = error["field"].as_array().expect("a field path");
    path.iter().take(2).map(|part| part.as_str().expect("path element")).collect()
}

const CREATE: (&str, &str) = ("createCampaign", "CreateCampaignInput");
const BUDGET: (&str, &str) = ("updateCampaignBudget", "UpdateCampaignBudgetInput");

#[tokio::test]
async fn negative_zero_and_overflowing_money_is_a_typed_user_error() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let budget = mutation(BUDGET.0, BUDGET.1);
    let cases = [
        (-500_i64, "MONEY_NEGATIVE"),
        (-1, "MONEY_NEGATIVE"),
        (i64::MIN, "MONEY_NEGATIVE"),
        (0, "MONEY_ZERO"),
        (9_007_199_254_740_992, "MONEY_OVERFLOW"),
        (i64::MAX, "MONEY_OVERFLOW"),
    ];
    for (cents, code) in cases {
        for field in ["dailyBudgetCents", "lifetimeBudgetCents"] {
            let input = create_input(json!({ "dailyBudgetCents": null, field: cents }));
            f.expect(CREATE.0, &create, json!({ "input": input }), code, field).await;
            let input = json!({ "campaignId": f.campaign, field: cents });
            f.expect(BUDGET.0, &budget, json!({ "input": input }), code, field).await;
        }
    }
    let input = create_input(json!({ "dailyBudgetCents": -1, "dryRun": true }));
    f.expect(CREATE.0, &create, json!({ "input": input }), "MONEY_NEGATIVE", "dailyBudgetCents").await;
    f.nothing_written().await;
}

#[tokio::test]
async fn the_largest_exact_amount_passes_validation() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let input = create_input(json!({ "dailyBudgetCents": 9_007_199_254_740_991_i64, "dryRun": true }));
    let data = f.app.ok(&f.token, &create, json!({ "input": input })).await;
    let payload = &data["createCampaign"];
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    f.nothing_written().await;
}

#[tokio::test]
async fn money_beyond_sixty_four_bits_or_fractional_is_a_top_level_error() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let budget = mutation(BUDGET.0, BUDGET.1);
    let campaign = &f.campaign;
    let (create, budget) = (serde_json::to_string(&create).unwrap(), serde_json::to_string(&budget).unwrap());
    for amount in ["9223372036854775808", "-9223372036854775809", "99999999999999999999999", "50.5", "1e3"] {
        let create_body = format!(
            r#"{{"query": {create}, "variables": {{"input": {{"platform": "META", "name": "Big",
                "dailyBudgetCents": {amount}, "outcome": "CONVERSIONS", "campaignManagementMode": "AUTOPILOT",
                "creativeMode": "AUTOPILOT"}}}}}}"#
        );
        assert_eq!(f.top_level_code(create_body).await, "BAD_USER_INPUT", "create {amount}");
        let budget_body = format!(
            r#"{{"query": {budget}, "variables": {{"input": {{"campaignId": "{campaign}",
                "lifetimeBudgetCents": {amount}}}}}}}"#
        );
        assert_eq!(f.top_level_code(budget_body).await, "BAD_USER_INPUT", "budget {amount}");
    }
    for amount in ["9223372036854775808", "-9223372036854775809", "50.5"] {
        let inline = format!(
            "mutation {{ updateCampaignBudget(input: {{ campaignId: \"{campaign}\", dailyBudgetCents: {amount} }})
                {{ verdict {{ id }} userErrors {{ code }} }} }}"
        );
        let code = f.top_level_code(json!({ "query": inline }).to_string()).await;
        assert_eq!(code, "BAD_USER_INPUT", "inline {amount}");
    }
    let string = create_input(json!({ "dailyBudgetCents": "5000" }));
    let query = mutation(CREATE.0, CREATE.1);
    let code =
        f.top_level_code(json!({ "query": query, "variables": { "input": string } }).to_string()).await;
    assert_eq!(code, "BAD_USER_INPUT");
    f.nothing_written().await;
}

#[tokio::test]
async fn both_budgets_or_neither_is_refused() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let budget = mutation(BUDGET.0, BUDGET.1);
    let both = create_input(json!({ "lifetimeBudgetCents": 90_000 }));
    f.expect(CREATE.0, &create, json!({ "input": both }), "BUDGET_BOTH_GIVEN", "dailyBudgetCents").await;
    let neither = without(create_input(json!({})), "dailyBudgetCents");
    f.expect(CREATE.0, &create, json!({ "input": neither }), "BUDGET_MISSING", "dailyBudgetCents").await;
    let nulls = create_input(json!({ "dailyBudgetCents": null, "lifetimeBudgetCents": null }));
    f.expect(CREATE.0, &create, json!({ "input": nulls }), "BUDGET_MISSING", "dailyBudgetCents").await;

    let both = json!({ "campaignId": f.campaign, "dailyBudgetCents": 6000, "lifetimeBudgetCents": 90_000 });
    f.expect(BUDGET.0, &budget, json!({ "input": both }), "BUDGET_BOTH_GIVEN", "dailyBudgetCents").await;
    let neither = json!({ "campaignId": f.campaign });
    f.expect(BUDGET.0, &budget, json!({ "input": neither }), "BUDGET_MISSING", "dailyBudgetCents").await;
    let dry = json!({ "campaignId": f.campaign, "dryRun": true });
    f.expect(BUDGET.0, &budget, json!({ "input": dry }), "BUDGET_MISSING", "dailyBudgetCents").await;
    f.nothing_written().await;
}

#[tokio::test]
async fn unknown_enum_values_are_top_level_errors_with_a_code() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let inline = "mutation { createCampaign(input: { platform: MARS, name: \"Mars\", dailyBudgetCents: 5000,
        outcome: CONVERSIONS, campaignManagementMode: AUTOPILOT, creativeMode: AUTOPILOT }) { verdict { id } } }";
    let code = f.top_level_code(json!({ "query": inline }).to_string()).await;
    assert_eq!(code, "BAD_USER_INPUT");

    for (key, value) in
        [("platform", "MARS"), ("platform", "meta"), ("outcome", "WORLD_DOMINATION"), ("creativeMode", "")]
    {
        let input = create_input(json!({ key: value }));
        let body = json!({ "query": create, "variables": { "input": input } }).to_string();
        assert_eq!(f.top_level_code(body).await, "BAD_USER_INPUT", "{key}: {value}");
    }

    let status = mutation("changeCampaignStatus", "ChangeCampaignStatusInput");
    let input = json!({ "campaignId": f.campaign, "action": "EXPLODE" });
    let body = json!({ "query": status, "variables": { "input": input } }).to_string();
    assert_eq!(f.top_level_code(body).await, "BAD_USER_INPUT");
    let query = "query($p: Platform) { campaigns(platform: $p) { nodes { id } } }";
    let body = json!({ "query": query, "variables": { "p": "MARS" } }).to_string();
    assert_eq!(f.top_level_code(body).await, "BAD_USER_INPUT");
    f.nothing_written().await;
}

#[tokio::test]
async fn malformed_ids_are_invalid_id() {
    let f = Fixture::new().await;
    let data = f.app.ok(&f.token, "{ layer(platform: META) { id } }", json!({})).await;
    let layer = data["layer"]["id"].as_str().expect("layer id").to_owned();
    let not_a_campaign = [
        "not-an-id".to_owned(),
        String::new(),
        layer.clone(),
        ids::encode(NodeKind::Ad, Uuid::now_v7()),
        "A".repeat(10_000),
        format!("{}{}", f.campaign, "A".repeat(10_000)),
    ];
    let writes = [
        ("updateCampaignBudget", "UpdateCampaignBudgetInput", json!({ "dailyBudgetCents": 6000 })),
        ("changeCampaignStatus", "ChangeCampaignStatusInput", json!({ "action": "PAUSE" })),
        ("updateCampaignAuthority", "UpdateCampaignAuthorityInput", json!({ "tactical": "AUTO" })),
        (
            "updateCampaignTargeting",
            "UpdateCampaignTargetingInput",
            json!({ "targeting": { "countries": ["US"] } }),
        ),
        ("createAdSet", "CreateAdSetInput", json!({ "name": "Set" })),
    ];
    for id in &not_a_campaign {
        for (field, input_type, rest) in &writes {
            let mut input = rest.clone();
            input["campaignId"] = json!(id);
            let query = mutation(field, input_type);
            f.expect(field, &query, json!({ "input": input }), "INVALID_ID", "campaignId").await;
        }
    }

    let not_a_pending_action = ["garbage".to_owned(), f.campaign.clone(), "B".repeat(10_000)];
    for id in &not_a_pending_action {
        let approve = "mutation($id: ID!) { approvePendingAction(id: $id) {
            verdict { id } pendingAction { id } userErrors { field code message } } }";
        let error = f.refused("approvePendingAction", approve, json!({ "id": id })).await;
        assert_eq!(error["code"], "INVALID_ID", "{error:#}");
        assert_eq!(error["field"].as_array().and_then(|path| path.last()), Some(&json!("id")), "{error:#}");
        let reject = "mutation($id: ID!) { rejectPendingAction(id: $id) {
            verdict { id } pendingAction { id } userErrors { field code message } } }";
        let error = f.refused("rejectPendingAction", reject, json!({ "id": id })).await;
        assert_eq!(error["code"], "INVALID_ID", "{error:#}");
    }

    let reads = [
        "query($id: ID!) { campaign(id: $id) { id } }",
        "query($id: ID!) { node(id: $id) { id } }",
        "query($id: ID!) { verdict(id: $id) { id } }",
        "query($id: ID!) { auditLog(campaignId: $id) { nodes { id } } }",
        "query($id: ID!) { pendingActions(campaignId: $id) { nodes { id } } }",
    ];
    for query in reads {
        for id in ["garbage".to_owned(), "C".repeat(10_000)] {
            let body = json!({ "query": query, "variables": { "id": id } }).to_string();
            assert_eq!(f.top_level_code(body).await, "BAD_USER_INPUT", "{query}");
        }
    }
    let body = json!({ "query": reads[0], "variables": { "id": layer } }).to_string();
    assert_eq!(f.top_level_code(body).await, "BAD_USER_INPUT", "a layer id is not a campaign id");
    f.nothing_written().await;
}

#[tokio::test]
async fn empty_blank_and_overlong_names_are_refused() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let ad_set = mutation("createAdSet", "CreateAdSetInput");
    let cases = [
        (String::new(), "NAME_EMPTY"),
        ("   \t ".to_owned(), "NAME_EMPTY"),
        ("x".repeat(256), "NAME_TOO_LONG"),
        ("x".repeat(10_000), "NAME_TOO_LONG"),
        ("two\nlines".to_owned(), "NAME_INVALID"),
    ];
    for (name, code) in &cases {
        let input = create_input(json!({ "name": name }));
        f.expect(CREATE.0, &create, json!({ "input": input }), code, "name").await;
        let input = json!({ "campaignId": f.campaign, "name": name });
        f.expect("createAdSet", &ad_set, json!({ "input": input }), code, "name").await;
    }
    f.nothing_written().await;
}

#[tokio::test]
async fn outcomes_and_budget_kinds_a_platform_cannot_run_are_refused() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    for outcome in ["TRAFFIC", "CONVERSIONS"] {
        let input = create_input(json!({ "platform": "APPLE", "outcome": outcome }));
        f.expect(CREATE.0, &create, json!({ "input": input }), "OUTCOME_UNSUPPORTED", "outcome").await;
    }
    let input = create_input(json!({
        "platform": "APPLE", "outcome": "APP_INSTALLS", "dailyBudgetCents": null, "lifetimeBudgetCents": 90_000,
    }));
    let error = f.refused(CREATE.0, &create, json!({ "input": input })).await;
    assert_eq!(error["code"], "BUDGET_LIFETIME_UNSUPPORTED", "{error:#}");
    assert_eq!(error["field"], json!(["input", "lifetimeBudgetCents"]), "{error:#}");
    f.nothing_written().await;
}

#[tokio::test]
async fn bid_amounts_must_match_the_strategy() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let bidding = mutation("updateCampaignBidding", "UpdateCampaignBiddingInput");
    let cases = [
        (json!({ "bidStrategy": "COST_CAP" }), "BID_AMOUNT_REQUIRED"),
        (json!({ "bidStrategy": "BID_CAP", "bidAmountCents": null }), "BID_AMOUNT_REQUIRED"),
        (json!({ "bidStrategy": "LOWEST_COST", "bidAmountCents": 300 }), "BID_AMOUNT_NOT_ALLOWED"),
        (json!({ "bidStrategy": "COST_CAP", "bidAmountCents": -300 }), "MONEY_NEGATIVE"),
        (json!({ "bidStrategy": "BID_CAP", "bidAmountCents": 0 }), "MONEY_ZERO"),
    ];
    for (change, code) in cases {
        let input = create_input(change.clone());
        f.expect(CREATE.0, &create, json!({ "input": input }), code, "bidAmountCents").await;
        let mut input = change;
        input["campaignId"] = json!(f.campaign);
        f.expect("updateCampaignBidding", &bidding, json!({ "input": input }), code, "bidAmountCents").await;
    }
    f.nothing_written().await;
}

#[tokio::test]
async fn bad_targeting_is_a_targeting_error() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let targeting = mutation("updateCampaignTargeting", "UpdateCampaignTargetingInput");
    let cases = [
        (json!({ "countries": ["USA"] }), "TARGETING_INVALID_COUNTRY"),
        (json!({ "countries": ["US", "1Z"] }), "TARGETING_INVALID_COUNTRY"),
        (json!({ "countries": [""] }), "TARGETING_INVALID_COUNTRY"),
        (json!({ "countries": [] }), "TARGETING_NO_COUNTRIES"),
        (json!({ "countries": ["US"], "ageMin": 12 }), "TARGETING_AGE_OUT_OF_RANGE"),
        (json!({ "countries": ["US"], "ageMax": 9_000_000_000_i64 }), "TARGETING_AGE_OUT_OF_RANGE"),
        (json!({ "countries": ["US"], "ageMin": 40, "ageMax": 20 }), "TARGETING_AGE_RANGE_INVERTED"),
    ];
    for (value, code) in cases {
        let input = create_input(json!({ "targeting": value }));
        let error = f.refused(CREATE.0, &create, json!({ "input": input })).await;
        assert_eq!(error["code"], code, "{value}: {error:#}");
        assert_eq!(path_head(&error), ["input", "targeting"], "{error:#}");
        let input = json!({ "campaignId": f.campaign, "targeting": value });
        let error = f.refused("updateCampaignTargeting", &targeting, json!({ "input": input })).await;
        assert_eq!(error["code"], code, "{value}: {error:#}");
        assert_eq!(path_head(&error), ["input", "targeting"], "{error:#}");
    }
    f.nothing_written().await;
}

#[tokio::test]
async fn a_schedule_must_end_after_it_starts() {
    let f = Fixture::new().await;
    let create = mutation(CREATE.0, CREATE.1);
    let schedule = mutation("updateCampaignSchedule", "UpdateCampaignScheduleInput");
    let cases =
        [("2030-06-01T00:00:00Z", "2030-05-01T00:00:00Z"), ("2030-06-01T00:00:00Z", "2030-06-01T00:00:00Z")];
    for (start, end) in cases {
        let input = create_input(json!({ "startTime": start, "endTime": end }));
        f.expect(CREATE.0, &create, json!({ "input": input }), "SCHEDULE_END_NOT_AFTER_START", "endTime")
            .await;
        let input = json!({ "campaignId": f.campaign, "startTime": start, "endTime": end });
        let vars = json!({ "input": input });
        f.expect("updateCampaignSchedule", &schedule, vars, "SCHEDULE_END_NOT_AFTER_START", "endTime").await;
    }
    let input = json!({ "campaignId": f.campaign, "startTime": "next tuesday" });
    let body = json!({ "query": schedule, "variables": { "input": input } }).to_string();
    assert_eq!(f.top_level_code(body).await, "BAD_USER_INPUT");
    f.nothing_written().await;
}

#[tokio::test]
async fn free_text_is_bounded_and_free_of_nul_characters() {
    let f = Fixture::new().await;
    let queue = mutation(BUDGET.0, BUDGET.1);
    let input = json!({ "campaignId": f.campaign, "dailyBudgetCents": 6000 });
    let data = f.app.ok(&f.token, &queue, json!({ "input": input })).await;
    let pending = data["updateCampaignBudget"]["pendingAction"]["id"].clone();
    let f = Fixture { totals: row_totals(&f.app).await, ..f };

    let reject = "mutation($id: ID!, $reason: String) { rejectPendingAction(id: $id, reason: $reason) {
        verdict { id } pendingAction { id } userErrors { field code message } } }";
    let trip = "mutation($reason: String) { tripKillSwitch(platform: META, reason: $reason) {
        verdict { id } layer { killSwitchActive } userErrors { field code message } } }";
    for (reason, code) in [("x".repeat(1001), "TEXT_TOO_LONG"), ("bad\u{0}byte".to_owned(), "TEXT_INVALID")] {
        let error =
            f.refused("rejectPendingAction", reject, json!({ "id": pending, "reason": reason })).await;
        assert_eq!(error["code"], code, "{error:#}");
        assert_eq!(
            error["field"].as_array().and_then(|path| path.last()),
            Some(&json!("reason")),
            "{error:#}"
        );
        let error = f.refused("tripKillSwitch", trip, json!({ "reason": reason })).await;
        assert_eq!(error["code"], code, "{error:#}");
    }
    let body = json!({ "query": "query($e: String) { auditLog(event: $e) { nodes { id } } }", "variables": { "e": "a\u{0}b" } });
    assert_eq!(f.top_level_code(body.to_string()).await, "BAD_USER_INPUT");

    let query = "query($id: ID!) { node(id: $id) { ... on PendingAction { status } } layer(platform: META) { killSwitchActive } }";
    let data = f.app.ok(&f.token, query, json!({ "id": pending })).await;
    assert_eq!(data, json!({ "node": { "status": "PENDING" }, "layer": { "killSwitchActive": false } }));
    assert_eq!(row_totals(&f.app).await, f.totals, "nothing written");
}

#[tokio::test]
async fn layer_caps_and_ad_set_budgets_are_checked_like_budgets() {
    let f = Fixture::new().await;
    let defaults = "mutation($input: UpdateLayerDefaultsInput!) { updateLayerDefaults(input: $input) {
        applied verdict { id } pendingAction { id } userErrors { field code message } } }";
    let ad_set = mutation("createAdSet", "CreateAdSetInput");
    for (cents, code) in
        [(-1_i64, "MONEY_NEGATIVE"), (0, "MONEY_ZERO"), (9_007_199_254_740_992, "MONEY_OVERFLOW")]
    {
        let input = json!({ "platform": "META", "structural": "OFF", "maxDailyBudgetCents": cents });
        f.expect("updateLayerDefaults", defaults, json!({ "input": input }), code, "maxDailyBudgetCents")
            .await;
        let input = json!({ "campaignId": f.campaign, "name": "Set", "dailyBudgetCents": cents });
        f.expect("createAdSet", &ad_set, json!({ "input": input }), code, "dailyBudgetCents").await;
    }
    let data = f
        .app
        .ok(&f.token, "{ layer(platform: META) { maxDailyBudgetCents defaults { structural } } }", json!({}))
        .await;
    assert_eq!(data["layer"], json!({ "maxDailyBudgetCents": null, "defaults": { "structural": "AUTO" } }));
    f.nothing_written().await;
}

#[tokio::test]
async fn bulk_approvals_and_rejections_take_at_most_a_hundred_ids() {
    let f = Fixture::new().await;
    let ids: Vec<String> = (0..101).map(|_| ids::encode(NodeKind::PendingAction, Uuid::now_v7())).collect();
    for field in ["approvePendingActions", "rejectPendingActions"] {
        let query = format!(
            "mutation($ids: [ID!]!) {{ {field}(ids: $ids) {{ results {{ pendingActionId }} userErrors {{ field code }} }} }}"
        );
        let data = f.app.ok(&f.token, &query, json!({ "ids": ids })).await;
        assert_eq!(data[field]["results"], json!([]), "{data:#}");
        assert_eq!(data[field]["userErrors"][0]["code"], "TOO_MANY_IDS", "{data:#}");
        let path = data[field]["userErrors"][0]["field"].as_array().cloned().unwrap_or_default();
        assert_eq!(path.last(), Some(&json!("ids")), "{data:#}");
    }
    f.nothing_written().await;
}

#[tokio::test]
async fn apple_refuses_a_lifetime_budget_update_as_it_refuses_one_on_create() {
    let f = Fixture::new().await;
    let apple = f.app.campaign("APPLE", ("AUTOPILOT", "AUTOPILOT")).await;
    let totals = row_totals(&f.app).await;
    let budget = mutation(BUDGET.0, BUDGET.1);
    let input = json!({ "campaignId": apple, "lifetimeBudgetCents": 90_000 });
    let update = f.refused(BUDGET.0, &budget, json!({ "input": input })).await;
    let create = mutation(CREATE.0, CREATE.1);
    let input = create_input(json!({
        "platform": "APPLE", "outcome": "APP_INSTALLS", "dailyBudgetCents": null, "lifetimeBudgetCents": 90_000,
    }));
    let on_create = f.refused(CREATE.0, &create, json!({ "input": input })).await;
    assert_eq!(row_totals(&f.app).await, totals, "nothing written");
    assert_eq!(
        (&update["code"], &update["field"]),
        (&on_create["code"], &on_create["field"]),
        "the same input error as on create: {update:#} vs {on_create:#}"
    );
}
