//! The test harness: a fresh database per test (SQLite file, or a PostgreSQL schema when
//! `TEST_DATABASE_URL` names one), the real migrations, and the real router driven in-process.
//!
//! - [`app`]: [`TestApp`], the app on its own database, and the requests tests send it;
//! - [`db`]: the fresh databases;
//! - [`fixtures`]: shared set-up and read-back through the API;
//! - [`events`]: subscriptions run in-process;
//! - [`fake_platform`]: a platform adapter scripted call by call, for failures the sandbox
//!   cannot show;
//! - [`snapshot`]: redactions for snapshot tests of payloads and audit rows;
//! - [`panics`]: resolvers that panic, for what a panicking operation answers.

pub mod app;
pub mod db;
pub mod events;
pub mod fake_platform;
pub mod fixtures;
pub mod panics;
pub mod snapshot;

pub use app::*;
pub use db::*;
pub use events::*;
pub use fake_platform::*;
pub use fixtures::*;
pub use panics::PanicOn;
pub use snapshot::redacted;
