use async_graphql::Variables;
use async_graphql::parser::parse_query;
use serde_json::json;

use super::*;

fn check(query: &str) -> Result<(), LimitExceeded> {
    check_with(query, json!({}))
}

fn check_with(query: &str, variables: serde_json::Value) -> Result<(), LimitExceeded> {
    let limits = QueryLimits::default();
    check_text(query, &limits)?;
    let document = parse_query(query).expect("parses");
    check_document(&document, &Variables::from_json(variables), &limits)
}

const DASHBOARD_PAGE: &str = "query($first: Int!) { campaigns(first: $first) { edges { node {
    name status authority { creative } layer { platform defaults { tactical } }
    adSets(first: 5) { edges { node { name ads(first: 5) { edges { node { name creative { name state } } } } } } }
    pendingActions(first: 5) { edges { node { kind proposedBy { actorType } campaign { name } } } }
} } pageInfo { hasNextPage endCursor } } }";

#[test]
fn the_dashboard_page_fits_every_default() {
    assert_eq!(check_with(DASHBOARD_PAGE, json!({ "first": 50 })), Ok(()));
}

#[test]
fn connection_plumbing_adds_no_depth_but_fields_do() {
    let five = "{ campaigns(first: 2) { edges { node { adSets(first: 2) { edges { node { ads(first: 2) { edges { node { creative { state } } } } } } } } } } }";
    assert_eq!(check(five), Ok(()));
    let eight = "{ viewer { organization { layers { campaigns { nodes { adSets { nodes { ads { nodes { creative { state } } } } } } } } } } }";
    assert_eq!(check(eight), Err(LimitExceeded::TooDeep { found: 8, limit: 6 }));
    let via_fragments = "{ a { ...F } } fragment F on X { b { c { d { e { f { g } } } } } }";
    assert_eq!(check(via_fragments), Err(LimitExceeded::TooDeep { found: 7, limit: 6 }));
}

#[test]
fn introspection_is_exempt_from_depth_but_not_circular() {
    let deep_type_ref = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }";
    assert_eq!(check(deep_type_ref), Ok(()));
    let circular = "query { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }";
    assert_eq!(check(circular), Err(LimitExceeded::CircularIntrospection));
}

#[test]
fn aliases_are_capped_at_fifteen() {
    let aliases = |n: usize| {
        format!("{{ {} }}", (0..n).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" "))
    };
    assert_eq!(check(&aliases(15)), Ok(()));
    assert_eq!(check(&aliases(16)), Err(LimitExceeded::TooManyAliases { found: 16, limit: 15 }));
}

#[test]
fn directives_are_capped_per_field_and_per_document() {
    let on_one = "query { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }";
    assert_eq!(
        check(on_one),
        Err(LimitExceeded::TooManyDirectives { place: "on one field", found: 10, limit: 5 })
    );
    let spread: String = (0..11).map(|i| format!("f{i}: __typename @a @b @c @d @e ")).collect();
    let spread = format!("{{ {spread} }}");
    let limits = QueryLimits { max_aliases: 100, ..QueryLimits::default() };
    let document = parse_query(&spread).expect("parses");
    assert_eq!(
        check_document(&document, &Variables::default(), &limits),
        Err(LimitExceeded::TooManyDirectives { place: "in the document", found: 55, limit: 50 })
    );
}

#[test]
fn duplicated_fields_are_capped() {
    let duplicated = format!("query {{ {} }}", "__typename \n".repeat(500));
    assert_eq!(check(&duplicated), Err(LimitExceeded::TooManyFields { found: 500, limit: 250 }));
}

#[test]
fn cost_multiplies_by_page_sizes() {
    // 100 campaigns × (1 + 100 ad sets × (1 + 100 ads)): a million objects.
    let wide = "{ campaigns(first: 100) { edges { node { adSets(first: 100) { edges { node { ads(first: 100) { edges { node { id } } } } } } } } } }";
    assert_eq!(check(wide), Err(LimitExceeded::TooCostly { found: 1_010_100, limit: 5_000 }));
    // Without `first`, a connection counts the default page of 20: 20 × (1 + 20 × (1 + 20)).
    let defaults =
        "{ campaigns { edges { node { adSets { edges { node { ads { edges { node { id } } } } } } } } } }";
    assert_eq!(check(defaults), Err(LimitExceeded::TooCostly { found: 8_420, limit: 5_000 }));
    // A variable counts with its value; over the page maximum it counts the maximum.
    let variable =
        "query($n: Int) { campaigns(first: $n) { edges { node { adSets(first: 40) { nodes { id } } } } } }";
    assert_eq!(check_with(variable, json!({ "n": 100 })), Ok(()));
    assert_eq!(check_with(variable, json!({ "n": 100_000 })), Ok(()), "clamped to 100 × (1 + 40) = 4,100");
    let over =
        "query($n: Int) { campaigns(first: $n) { edges { node { adSets(first: 50) { nodes { id } } } } } }";
    assert_eq!(
        check_with(over, json!({ "n": 100 })),
        Err(LimitExceeded::TooCostly { found: 5_100, limit: 5_000 })
    );
}

#[test]
fn fragment_bombs_are_costed_without_expanding_them_each_time() {
    let mut query = String::from("{ campaigns(first: 2) { edges { node { ...F0 } } } }");
    for level in 0..40 {
        query.push_str(&format!(
            " fragment F{level} on Campaign {{ ...F{next} ...F{next} }}",
            next = level + 1
        ));
    }
    query.push_str(" fragment F40 on Campaign { id }");
    let limits = QueryLimits { max_tokens: 10_000, ..QueryLimits::default() };
    let document = parse_query(&query).expect("parses");
    assert_eq!(check_document(&document, &Variables::default(), &limits), Ok(()));
}

#[test]
fn size_and_tokens_are_checked_before_parsing() {
    let big = format!("{{ __typename }} # {}", "x".repeat(40_000));
    assert!(matches!(check_text(&big, &QueryLimits::default()), Err(LimitExceeded::DocumentTooLarge { .. })));
    let many = format!("{{ {} }}", "a ".repeat(1_000));
    assert_eq!(
        check_text(&many, &QueryLimits::default()),
        Err(LimitExceeded::TooManyTokens { limit: 1_000 })
    );
}

#[test]
fn tokens_are_graphql_tokens() {
    assert_eq!(
        count_tokens("query Q($a: Int = -1.5e3) { f(a: $a, s: \"x y\\\" z\") ...on T { g } }", 100),
        28
    );
    assert_eq!(count_tokens("# a comment\n{ a, b }", 100), 4);
    assert_eq!(count_tokens("{ f(s: \"\"\"block \\\"\"\" \"quoted\" \"\"\") }", 100), 8);
    assert_eq!(count_tokens("{ a b c d }", 3), 3, "counting stops at the limit");
}
