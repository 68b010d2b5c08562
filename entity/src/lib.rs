//! SeaORM entities of the Layers dashboard API: one module per table, mirroring the schema the
//! `migration` crate creates.
//!
//! Entities only: no business logic, no GraphQL types, no validation. Enumerated values
//! (platform, modes, statuses) are the lowercase codes stored in text columns; the domain parses
//! them. Money columns are `i64` minor units ("cents").

pub mod ad_metrics;
pub mod ad_sets;
pub mod ads;
pub mod ads_content;
pub mod audit;
pub mod campaign_authority;
pub mod campaigns;
pub mod connected_accounts;
pub mod content_containers;
pub mod layers;
pub mod oauth_state_uses;
pub mod optimizer_runs;
pub mod organizations;
pub mod partner_keys;
pub mod pending_actions;
pub mod platform_creatives;
pub mod prelude;
