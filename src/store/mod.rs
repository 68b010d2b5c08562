//! Persistence: every query the service runs, each scoped to one organization.
//!
//! Functions take any connection or transaction (`ConnectionTrait`) and an organization id; a row
//! of another organization is never returned, so "not yours" and "does not exist" look the same.
//! No decisions are made here: the service decides, the store reads and writes.

pub mod accounts;
pub mod audit;
pub mod campaigns;
pub mod limits;
pub mod metrics;
pub mod page;
pub mod pending;
pub mod platform_creatives;
pub mod tenancy;

pub use page::{Page, PageRequest};
