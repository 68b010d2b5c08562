//! Work that must finish whatever its caller does: a write's gate decision, its dispatch and the
//! dispatch's settlement.
//!
//! An HTTP request's future is dropped when its client hangs up (a closed tab, a load balancer
//! timeout, a killed script), and a WebSocket operation is aborted when the socket closes. A write
//! run inside such a future would stop at whatever `.await` it had reached: a transaction dropped
//! half-way, a decision recorded but never dispatched, a dispatch holding its object until the
//! reconciler takes its lease over. [`Detached::run`] runs the work in a task of its own instead,
//! so dropping the caller only drops the wait for the answer. The work is bounded by the limits it
//! already has (the database timeouts, the platform timeouts and the dispatch lease).
//!
//! Shutdown waits for detached work ([`Detached::drain`]) after the HTTP server has drained.

use std::future::Future;
use std::time::Duration;

use tokio_util::task::TaskTracker;

/// The detached work of this process.
#[derive(Debug, Clone, Default)]
pub struct Detached {
    tracker: TaskTracker,
}

/// Detached work that did not return: it panicked (or the runtime is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("detached work did not finish: {0}")]
pub struct DetachedError(String);

impl Detached {
    /// Runs `work` to its end in a task of its own and waits for its result. Dropping the returned
    /// future does not stop `work`. A panic in `work` unwinds its task only (its transaction, if
    /// any, is rolled back as it is dropped) and comes back as an error.
    pub async fn run<F>(&self, work: F) -> Result<F::Output, DetachedError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tracker.spawn(work).await.map_err(|error| {
            tracing::error!(%error, "detached work panicked");
            DetachedError(error.to_string())
        })
    }

    /// How many detached tasks are still running.
    pub fn running(&self) -> usize {
        self.tracker.len()
    }

    /// Waits up to `limit` for every detached task to finish; whether they all did. Work started
    /// after this call is waited for too.
    pub async fn drain(&self, limit: Duration) -> bool {
        self.tracker.close();
        let drained = tokio::time::timeout(limit, self.tracker.wait()).await.is_ok();
        self.tracker.reopen();
        drained
    }
}
