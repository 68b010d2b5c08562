//! Background jobs that run every so often on their own task, for as long as the runtime runs:
//! the expiry sweeper, the reconciler, the token refresher, the optimizer schedule and the
//! sandbox's generation workflow. Each job logs its own outcome; this module only keeps time.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::Services;

/// When a periodic job first runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstRun {
    /// At once, then every period.
    Now,
    /// After one period.
    AfterOnePeriod,
}

impl Services {
    /// Runs `job` with these services every `every` (a late tick is delayed, never bunched up),
    /// first as `first` says.
    pub(crate) fn spawn_periodic<F, Fut>(&self, every: Duration, first: FirstRun, job: F) -> JoinHandle<()>
    where
        F: Fn(Services) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let services = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            if first == FirstRun::AfterOnePeriod {
                ticks.tick().await;
            }
            loop {
                ticks.tick().await;
                job(services.clone()).await;
            }
        })
    }
}
