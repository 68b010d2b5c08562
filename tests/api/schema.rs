//! `schema.graphql` is the schema the code serves.

#[test]
fn committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = layers_dashboard::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is out of date with the code; regenerate it with\n\n    cargo run -q -- print-schema > schema.graphql\n"
    );
}
