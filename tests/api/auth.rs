//! Authentication and read scope: who may ask, as whom, and how refusals look on the wire.

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use layers_dashboard::auth::{self, JwtKeys, Secret};
use layers_dashboard::domain::Scope;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::support::{CREATE_CAMPAIGN, SECRET, TestApp, post_raw, row_totals};

const CAMPAIGNS: &str = "{ campaigns { nodes { id name } } }";

/// The claims of a customer token for `org`, valid for an hour.
fn claims(org: uuid::Uuid) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": "user-1", "org": org, "iat": now, "exp": now + 3600 })
}

/// `value` as unpadded base64url JSON, as in a JWT.
fn segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A create request for a Meta campaign (defaults are opened first, so a create that got through
/// would be written).
fn create_body() -> String {
    let input = json!({
        "platform": "META", "name": "Sneaky", "dailyBudgetCents": 5000, "outcome": "CONVERSIONS",
        "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT",
    });
    json!({ "query": CREATE_CAMPAIGN, "variables": { "input": input } }).to_string()
}

/// Sends `body` with `authorization` and asserts an HTTP 200 JSON answer whose first error has
/// `code`, and no data for the field.
async fn refused(app: &TestApp, authorization: Option<&str>, body: String, code: &str) -> Value {
    let (status, content_type, response) = post_raw(app, authorization, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{authorization:?}: {response:#}");
    assert!(is_json(&content_type), "{content_type}");
    assert_eq!(response["errors"][0]["extensions"]["code"], code, "{authorization:?} {body}: {response:#}");
    assert_eq!(response["data"], Value::Null, "{authorization:?}: {response:#}");
    response
}

/// Whether a `Content-Type` is JSON (`application/json` or `application/graphql-response+json`).
fn is_json(content_type: &str) -> bool {
    content_type.starts_with("application/") && content_type.contains("json")
}

/// A GraphQL request body without variables.
fn body(query: &str) -> String {
    json!({ "query": query }).to_string()
}

#[tokio::test]
async fn no_token_is_unauthenticated_on_queries_and_mutations() {
    let app = TestApp::new().await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let totals = row_totals(&app).await;
    refused(&app, None, body(CAMPAIGNS), "UNAUTHENTICATED").await;
    refused(&app, None, body("{ viewer { actorType } }"), "UNAUTHENTICATED").await;
    refused(&app, None, create_body(), "UNAUTHENTICATED").await;
    refused(
        &app,
        None,
        body("mutation { tripKillSwitch(platform: META) { layer { id } } }"),
        "UNAUTHENTICATED",
    )
    .await;
    assert_eq!(row_totals(&app).await, totals, "nothing written");
    let data = app.ok(&app.customer(), "{ layer(platform: META) { killSwitchActive } }", json!({})).await;
    assert_eq!(data["layer"]["killSwitchActive"], false);
}

#[tokio::test]
async fn bad_credentials_are_unauthenticated() {
    let app = TestApp::new().await;
    app.set_defaults("META", "AUTO", "AUTO", "AUTO").await;
    let now = chrono::Utc::now().timestamp();
    let valid = app.customer();

    let expired = auth::mint_customer_token(&app.state.jwt, app.org, "user-1", now - 7200, 3600).unwrap();
    let other_keys = JwtKeys::from_secret(&Secret::from("another-secret-that-is-long-enough-too".to_owned()));
    let other_secret = auth::mint_customer_token(&other_keys, app.org, "user-1", now, 3600).unwrap();
    let none_header = segment(&json!({ "alg": "none", "typ": "JWT" }));
    let alg_none = format!("{none_header}.{}.", segment(&claims(app.org)));
    let alg_none_signed =
        format!("{none_header}.{}.{}", segment(&claims(app.org)), valid.rsplit('.').next().unwrap());
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(app.org),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let (other_org, _) = app.other_org().await;
    let mut parts: Vec<&str> = valid.split('.').collect();
    let forged_payload = segment(&claims(other_org));
    parts[1] = &forged_payload;
    let tampered = parts.join(".");
    let unknown_key = format!("{}{}", auth::PARTNER_KEY_PREFIX, URL_SAFE_NO_PAD.encode([7_u8; 32]));
    let (row, key) = app.services().create_partner_key(app.org, "revoked", &Scope::ALL).await.unwrap();
    let revoked = key.plaintext.expose().to_owned();
    let mut row = row.into_active_model();
    row.revoked_at = Set(Some(chrono::Utc::now()));
    row.update(&app.services().db).await.unwrap();

    let bearer = |token: &str| format!("Bearer {token}");
    let headers = [
        ("expired", bearer(&expired)),
        ("signed with another secret", bearer(&other_secret)),
        ("alg none, no signature", bearer(&alg_none)),
        ("alg none, a signature", bearer(&alg_none_signed)),
        ("HS512 with the right secret", bearer(&hs512)),
        ("payload swapped under a valid signature", bearer(&tampered)),
        ("garbage", bearer("garbage")),
        ("three garbage segments", bearer("a.b.c")),
        ("unknown partner key", bearer(&unknown_key)),
        ("bare prefix", bearer(auth::PARTNER_KEY_PREFIX)),
        ("revoked partner key", bearer(&revoked)),
        ("Basic scheme", format!("Basic {}", URL_SAFE_NO_PAD.encode("user:pass"))),
        ("Token scheme", format!("Token {valid}")),
        ("no scheme", valid.clone()),
        ("Bearer without a token", "Bearer".to_owned()),
        ("two tokens", format!("Bearer {valid} {valid}")),
    ];
    let totals = row_totals(&app).await;
    for (label, header) in &headers {
        let response = refused(&app, Some(header), body(CAMPAIGNS), "UNAUTHENTICATED").await;
        assert!(!response.to_string().contains(&app.org.to_string()), "{label}: no data leaks: {response:#}");
        refused(&app, Some(header), create_body(), "UNAUTHENTICATED").await;
    }
    assert_eq!(row_totals(&app).await, totals, "nothing written");

    let (status, _, response) = post_raw(&app, Some(&bearer(&valid)), body(CAMPAIGNS)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(response.get("errors").is_none(), "the untampered token works: {response:#}");
}

#[tokio::test]
async fn a_partner_key_without_ads_read_is_forbidden_on_reads() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let key = app.partner(&[Scope::AdsWrite, Scope::AdsWritePending, Scope::AdsWritePolicy]).await;
    let reads = [
        CAMPAIGNS.to_owned(),
        format!("{{ campaign(id: \"{campaign}\") {{ id }} }}"),
        format!("{{ node(id: \"{campaign}\") {{ id }} }}"),
        "{ layer(platform: META) { id } }".to_owned(),
        "{ layers { id } }".to_owned(),
        "{ pendingActions { nodes { id } } }".to_owned(),
        "{ auditLog { nodes { id } } }".to_owned(),
        "{ creatives { nodes { id } } }".to_owned(),
        format!("{{ verdict(id: \"{}\") {{ id }} }}", uuid::Uuid::now_v7()),
    ];
    for query in &reads {
        let response = refused(&app, Some(&format!("Bearer {key}")), body(query), "FORBIDDEN").await;
        assert!(!response.to_string().contains("Test campaign"), "{query}: {response:#}");
    }
}

#[tokio::test]
async fn a_partner_key_with_ads_read_can_read() {
    let app = TestApp::new().await;
    let campaign = app.campaign("META", ("AUTOPILOT", "DRAFT")).await;
    let key = app.partner(&[Scope::AdsRead]).await;
    let query = "query($id: ID!) {
        campaigns { nodes { id } }
        campaign(id: $id) { name dailyBudgetCents authority { creative tactical structural } }
        layer(platform: META) { defaults { structural } killSwitchActive }
        auditLog(platform: META, event: \"ads.write.allowed\") { nodes { event action actorType } } }";
    let data = app.ok(&key, query, json!({ "id": campaign })).await;
    assert_eq!(data["campaigns"]["nodes"], json!([{ "id": campaign }]));
    assert_eq!(data["campaign"]["name"], "Test campaign");
    assert_eq!(data["campaign"]["dailyBudgetCents"], 5000);
    assert_eq!(
        data["campaign"]["authority"],
        json!({ "creative": "DRAFT", "tactical": "AUTO", "structural": "AUTO" })
    );
    assert_eq!(data["layer"], json!({ "defaults": { "structural": "AUTO" }, "killSwitchActive": false }));
    assert_eq!(
        data["auditLog"]["nodes"],
        json!([{ "event": "ads.write.allowed", "action": "campaign.create", "actorType": "CUSTOMER" }])
    );
}

#[tokio::test]
async fn viewer_shows_who_is_asking() {
    let app = TestApp::new().await;
    let (row, key) = app
        .services()
        .create_partner_key(app.org, "reader", &[Scope::AdsRead, Scope::AdsWrite])
        .await
        .unwrap();
    let key = key.plaintext.expose().to_owned();
    let query = "{ viewer { actorType actorId organizationId organizationName scopes } }";

    let data = app.ok(&key, query, json!({})).await;
    assert_eq!(
        data["viewer"],
        json!({
            "actorType": "PARTNER", "actorId": row.id.to_string(), "organizationId": app.org.to_string(),
            "organizationName": "Test Org", "scopes": ["ads:read", "ads:write"],
        })
    );

    let data = app.ok(&app.customer(), query, json!({})).await;
    assert_eq!(
        data["viewer"],
        json!({
            "actorType": "CUSTOMER", "actorId": "user-1", "organizationId": app.org.to_string(),
            "organizationName": "Test Org",
            "scopes": ["ads:read", "ads:write", "ads:write:pending", "ads:write:policy"],
        })
    );

    let writer = app.partner(&[Scope::AdsWrite]).await;
    let data = app.ok(&writer, "{ viewer { actorType scopes } }", json!({})).await;
    let expected = json!({ "actorType": "PARTNER", "scopes": ["ads:write"] });
    assert_eq!(data["viewer"], expected, "a key without ads:read still sees what it holds");
}

#[tokio::test]
async fn the_whole_schema_needs_a_token_by_default() {
    let app = TestApp::new().await;
    let schema_query = body("{ __schema { queryType { name } mutationType { name } } }");
    let (status, _, response) = post_raw(&app, None, schema_query.clone()).await;
    assert_eq!(status, StatusCode::OK, "a request that cannot run is 200 under application/json");
    assert_eq!(response["errors"][0]["extensions"]["code"], "INTROSPECTION_DISABLED", "{response:#}");
    assert!(response.get("data").is_none(), "{response:#}");

    let token = format!("Bearer {}", app.customer());
    let (status, content_type, response) = post_raw(&app, Some(&token), schema_query).await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_json(&content_type), "{content_type}");
    assert!(response.get("errors").is_none(), "{response:#}");
    let query_type = response["data"]["__schema"]["queryType"]["name"].as_str().expect("query type name");
    assert!(response["data"]["__schema"]["mutationType"]["name"].is_string(), "{response:#}");

    for (type_name, field) in [(query_type, "campaigns"), ("Campaign", "dailyBudgetCents")] {
        let query = format!("{{ __type(name: \"{type_name}\") {{ fields {{ name }} }} }}");
        let (_, _, response) = post_raw(&app, Some(&token), body(&query)).await;
        let fields = response["data"]["__type"]["fields"].as_array().expect("fields");
        assert!(fields.iter().any(|f| f["name"] == field), "{type_name}.{field}: {response:#}");
    }
    let (_, _, response) = post_raw(&app, None, body("{ __typename }")).await;
    assert_eq!(response["data"]["__typename"], "Query", "__typename is not introspection");
    // One named type is open to everyone (GraphQL-over-HTTP clients look types up); the whole
    // schema, also through a fragment, is not.
    let (_, _, response) = post_raw(&app, None, body("{ __type(name: \"Platform\") { name } }")).await;
    assert_eq!(response["data"]["__type"]["name"], "Platform", "{response:#}");
    let hidden = "{ ...S } fragment S on Query { __schema { types { name } } }";
    let (_, _, response) = post_raw(&app, None, body(hidden)).await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "INTROSPECTION_DISABLED", "{response:#}");
}

#[tokio::test]
async fn graphql_errors_are_http_200_with_a_json_body() {
    let app = TestApp::new().await;
    let token = format!("Bearer {}", app.customer());
    let scopeless = format!("Bearer {}", app.partner(&[Scope::AdsWrite]).await);
    let cases = [
        (None, body(CAMPAIGNS), "UNAUTHENTICATED"),
        (Some("Bearer garbage"), body(CAMPAIGNS), "UNAUTHENTICATED"),
        (Some(scopeless.as_str()), body(CAMPAIGNS), "FORBIDDEN"),
        (Some(token.as_str()), body("{ campaigns(first: 101) { nodes { id } } }"), "BAD_USER_INPUT"),
        (Some(token.as_str()), body("{ campaigns { nodes { id } "), "GRAPHQL_PARSE_FAILED"),
        (Some(token.as_str()), body("{ campaigns { nodes { noSuchField } } }"), "GRAPHQL_VALIDATION_FAILED"),
    ];
    for (authorization, request, code) in cases {
        let (status, content_type, response) = post_raw(&app, authorization, request.clone()).await;
        assert_eq!(status, StatusCode::OK, "{request}: {response:#}");
        assert!(is_json(&content_type), "{request}: {content_type}");
        assert_eq!(response["errors"][0]["extensions"]["code"], code, "{request}: {response:#}");
        assert!(response["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()), "{response:#}");
    }
}

#[tokio::test]
async fn a_token_for_an_organization_that_does_not_exist_reaches_nothing() {
    let app = TestApp::new().await;
    app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ghost = format!("Bearer {}", app.token_for(uuid::Uuid::now_v7()));
    let totals = row_totals(&app).await;

    let (_, _, response) =
        post_raw(&app, Some(&ghost), body("{ campaigns { nodes { id } } layers { id } }")).await;
    assert_eq!(response["data"], json!({ "campaigns": { "nodes": [] }, "layers": [] }), "{response:#}");

    let (status, _, response) = post_raw(&app, Some(&ghost), create_body()).await;
    assert_eq!(status, StatusCode::OK);
    let refused = response["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        || response["data"]["createCampaign"]["userErrors"][0]["code"] == "NOT_FOUND";
    assert!(refused, "UNAUTHENTICATED, or NOT_FOUND for the layer; not an internal error: {response:#}");
    assert_eq!(row_totals(&app).await, totals, "nothing written");
}
