use clap::Parser;

use crate::cli::Cli;

const STRONG: &str = "k3J9x-Qm2vR8pLw4Zt6Yc1Nb7Hs5Dg0F";
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn settings(args: &[&str]) -> crate::config::Settings {
    let mut argv = vec!["layers-dashboard"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).expect("arguments parse").settings
}

#[test]
fn the_development_defaults_have_no_problem_and_serve_graphiql_and_demo_data() {
    let defaults = settings(&[]);
    assert_eq!(defaults.problems(), Vec::<String>::new());
    assert!(defaults.graphiql_enabled());
    assert!(defaults.demo_seed_allowed());
}

#[test]
fn production_turns_graphiql_and_demo_data_off_unless_graphiql_is_asked_for() {
    let production =
        settings(&["--environment", "production", "--jwt-secret", STRONG, "--token-encryption-key", KEY]);
    assert_eq!(production.problems(), Vec::<String>::new());
    assert!(!production.graphiql_enabled());
    assert!(!production.demo_seed_allowed());
    let asked = settings(&["--environment", "production", "--graphiql", "on"]);
    assert!(asked.graphiql_enabled());
    assert!(!settings(&["--graphiql", "off"]).graphiql_enabled());
}

#[test]
fn live_mode_never_seeds_and_refuses_an_explicit_always() {
    let live = settings(&["--platform-mode", "live", "--token-encryption-key", KEY]);
    assert!(!live.demo_seed_allowed());
    assert_eq!(live.problems(), Vec::<String>::new());
    let always =
        settings(&["--platform-mode", "live", "--token-encryption-key", KEY, "--seed-demo", "always"]);
    let problems = always.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("LAYERS_SEED_DEMO=always") && problems[0].contains("LAYERS_PLATFORM_MODE=live")
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let broken = settings(&[
        "--environment",
        "production",
        "--seed-demo",
        "always",
        "--metrics-token",
        "short",
        "--graphql-max-directives-per-field",
        "60",
        "--graphql-max-directives",
        "50",
        "--platform-backoff-base-ms",
        "1000",
        "--platform-backoff-cap-ms",
        "10",
        "--meta-app-id",
        "123",
    ]);
    let problems = broken.problems();
    for expected in [
        "LAYERS_JWT_SECRET",
        "LAYERS_TOKEN_ENCRYPTION_KEY",
        "LAYERS_SEED_DEMO=always",
        "LAYERS_METRICS_TOKEN",
        "LAYERS_GRAPHQL_MAX_DIRECTIVES_PER_FIELD",
        "LAYERS_PLATFORM_BACKOFF_CAP_MS",
        "LAYERS_META_APP_SECRET",
    ] {
        assert!(
            problems.iter().any(|problem| problem.contains(expected)),
            "{expected} missing from {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 7, "{problems:#?}");
    let report = super::Problems(problems).to_string();
    assert!(report.starts_with("the configuration has 7 problem(s):"));
}

#[test]
fn weak_secrets_and_contradictory_limits_are_named() {
    let weak = settings(&["--jwt-secret", &"ab".repeat(20)]);
    assert!(weak.problems().iter().any(|p| p.contains("too regular")), "{:?}", weak.problems());
    let short = settings(&["--jwt-secret", "short"]);
    assert!(short.problems().iter().any(|p| p.contains("at least 32 characters")));
    let lease = settings(&[
        "--platform-mode",
        "live",
        "--token-encryption-key",
        KEY,
        "--dispatch-lease-secs",
        "60",
        "--platform-timeout-ms",
        "30000",
    ]);
    assert!(
        lease.problems().iter().any(|p| p.contains("LAYERS_DISPATCH_LEASE_SECS")),
        "{:?}",
        lease.problems()
    );
    let sweep = settings(&["--token-refresh-margin-secs", "60", "--token-refresh-sweep-secs", "600"]);
    assert!(sweep.problems().iter().any(|p| p.contains("LAYERS_TOKEN_REFRESH_SWEEP_SECS")));
}
