//! Writes to one object take turns within this process.
//!
//! The dispatch ledger lets one started dispatch per platform object be in flight at a time, across
//! every instance (`store::audit::ledger`): a write that finds its object busy records its decision
//! and then waits, looking again every few milliseconds, for the object to be free. Within one
//! process, writes to one object instead queue here before they are decided, in arrival order, each
//! holding its turn until its dispatch has settled: the decision finds the object free and records
//! the call's start itself, and the next write is woken as soon as the previous one is done.
//! Writes from other instances still meet at the ledger.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

/// The queues of writes to objects of this process.
#[derive(Debug, Default)]
pub struct Turns {
    queues: StdMutex<HashMap<Uuid, Arc<Mutex<()>>>>,
}

/// A write's turn on an object: the next write to it waits until this is dropped.
#[derive(Debug)]
pub(crate) struct Turn<'a> {
    turns: &'a Turns,
    object: Uuid,
    queue: Option<Arc<Mutex<()>>>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Turns {
    /// Waits for the turn on `object`, at most `patience`; past it, answers without one (the
    /// write then meets the ledger's own check, as a write from another instance does).
    pub(crate) async fn take(&self, object: Uuid, patience: Duration) -> Turn<'_> {
        let queue = {
            let mut queues = self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(queues.entry(object).or_default())
        };
        let guard = tokio::time::timeout(patience, Arc::clone(&queue).lock_owned()).await.ok();
        Turn { turns: self, object, queue: Some(queue), guard }
    }

    /// How many objects have writes queued or under way.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.queues.lock().map(|queues| queues.len()).unwrap_or_default()
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let Some(queue) = self.queue.take() else { return };
        let mut queues = self.turns.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's own reference and this one: nobody else waits for the object.
        if Arc::strong_count(&queue) == 2 {
            queues.remove(&self.object);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_write_to_an_object_waits_for_the_first_and_the_queue_goes_away() {
        let turns = Turns::default();
        let object = Uuid::now_v7();
        let first = turns.take(object, Duration::from_secs(5)).await;
        assert!(first.guard.is_some());
        let other = turns.take(Uuid::now_v7(), Duration::from_millis(10)).await;
        assert!(other.guard.is_some(), "another object is not held up");
        drop(other);
        let waiting = turns.take(object, Duration::from_millis(20)).await;
        assert!(waiting.guard.is_none(), "the object's turn is taken");
        drop(waiting);
        let (second, ()) = tokio::join!(turns.take(object, Duration::from_secs(5)), async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(first);
        });
        assert!(second.guard.is_some());
        drop(second);
        assert_eq!(turns.len(), 0, "no queue is kept for objects nobody writes to");
    }
}
