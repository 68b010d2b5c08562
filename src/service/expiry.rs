//! Expiring pending actions nobody approved in time.
//!
//! One `UPDATE … WHERE status = 'pending' AND expires_at <= now RETURNING …` moves every due
//! action at once, so several instances may sweep together: each action is expired by exactly one
//! of them, which announces it.

use std::time::Duration;

use chrono::Utc;
use entity::pending_actions;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use super::Services;
use crate::domain::gate::PendingStatus;
use crate::events::Event;

impl Services {
    /// Expires every pending action whose time is up and announces each; returns how many.
    pub async fn expire_due(&self) -> Result<usize, DbErr> {
        let txn = self.db.begin().await?;
        let now = Utc::now();
        let expired = pending_actions::Entity::update_many()
            .col_expr(pending_actions::Column::Status, Expr::value(PendingStatus::Expired.as_str()))
            .col_expr(pending_actions::Column::UpdatedAt, Expr::value(now))
            .col_expr(pending_actions::Column::ResolvedAt, Expr::value(now))
            .col_expr(pending_actions::Column::ResolvedByType, Expr::value("system"))
            .col_expr(pending_actions::Column::ResolvedById, Expr::value("expiry"))
            .filter(pending_actions::Column::Status.eq(PendingStatus::Pending.as_str()))
            .filter(pending_actions::Column::ExpiresAt.lte(now))
            .exec_with_returning(&txn)
            .await?;
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
