//! Expiring pending actions nobody approved in time.
//!
//! One `UPDATE … WHERE status = 'pending' AND expires_at <= now RETURNING …` moves every due
//! action at once, so several instances may sweep together: each action is expired by exactly one
//! of them, which announces it.

use std::time::Duration;

use chrono::Utc;
use sea_orm::DbErr;

use super::Services;
use crate::events::Event;
use crate::store::pending;

impl Services {
    /// Expires every pending action whose time is up and announces each; returns how many.
    pub async fn expire_due(&self) -> Result<usize, DbErr> {
        let txn = crate::store::begin(&self.db).await?;
        let expired = pending::expire_due(&txn, Utc::now()).await?;
        let count = expired.len();
        self.commit(txn, expired.iter().map(Event::pending_changed).collect()).await?;
        Ok(count)
    }

    /// Sweeps for due pending actions every `every`, until the runtime stops.
    pub fn spawn_expiry_sweeper(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        self.spawn_periodic(every, super::periodic::FirstRun::Now, |services| async move {
            match services.expire_due().await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "expired pending actions"),
                Err(error) => tracing::warn!(%error, "expiry sweep failed"),
            }
        })
    }
}
