//! The codes errors carry: `userErrors.code` is the enum `UserErrorCode`, whose schema values are
//! exactly the domain's codes on the wire.

use layers_dashboard::domain::UserErrorCode;

/// The values of `enum <name>` in the served SDL (its description lines left out).
fn enum_values(sdl: &str, name: &str) -> Vec<String> {
    let start = sdl.find(&format!("enum {name} {{")).unwrap_or_else(|| panic!("no enum {name}"));
    let body = &sdl[start..];
    let body = &body[body.find('{').unwrap_or(0) + 1..body.find('}').unwrap_or(0)];
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && line.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_schema_lists_every_user_error_code_as_it_is_sent() {
    let sdl = layers_dashboard::graphql::sdl();
    let mut listed = enum_values(&sdl, "UserErrorCode");
    listed.sort();
    let mut codes: Vec<String> = UserErrorCode::ALL.iter().map(|code| code.as_str().to_owned()).collect();
    codes.sort();
    assert_eq!(listed, codes);
    assert!(sdl.contains("code: UserErrorCode!"), "userErrors.code is the enum");
}
