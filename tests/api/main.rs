//! The integration tests: the public GraphQL API, driven through the real router, on a fresh
//! database per test (SQLite by default, PostgreSQL when `TEST_DATABASE_URL` names one).

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

mod support;

mod accounts;
mod apple;
mod approvals;
mod auth;
mod cancellation;
mod codes;
mod config;
mod creatives;
mod dispatch;
mod gate_matrix;
mod http;
mod http_rules;
mod inputs;
mod layer_settings;
mod limits;
mod live;
mod loaders;
mod metric_summaries;
mod migrations;
mod observability;
mod optimizer;
mod payload_snapshots;
mod platform_promotion;
mod platform_truth;
mod platforms;
mod policy;
mod schema;
mod startup;
mod subscriptions;
mod superseding;
mod tenancy;
mod writes;
mod ws;
