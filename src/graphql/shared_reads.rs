//! One re-read per event, shared by every subscriber it concerns.
//!
//! The bus carries ids only, and every subscriber of an organization re-reads the same row for
//! the same event with the same tenancy (the event's organization); each delivery of an event
//! is numbered by the bus (`Event::delivery`), and its answer is shared under that number. Without sharing, one event to
//! 10,000 subscribers is 10,000 identical SELECTs through a pool of ten connections. Here the
//! first subscriber to ask reads; the others wait for its answer and get a clone of it (a failed
//! read too: they all resync). Answers are kept a short while, then dropped.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// How long a shared answer is kept for subscribers that come late to an event.
pub(super) const KEEP: Duration = Duration::from_secs(10);

type Answer = Arc<dyn Any + Send + Sync>;

/// A delivery, the feed reading it, and the type of its answer.
type Key = (u64, &'static str, TypeId);

struct Entry {
    cell: Arc<OnceCell<Answer>>,
    created: Instant,
}

/// The shared re-reads of this process.
#[derive(Default)]
pub(crate) struct SharedReads {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl SharedReads {
    /// The answer of feed `feed` for delivery `delivery`: read by `read` once for everyone
    /// asking, cloned for each. `None` only if another type were stored under this type's key,
    /// which the key (it carries the type) rules out.
    pub(crate) async fn get<T, F>(&self, feed: &'static str, delivery: u64, read: F) -> Option<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = T>,
    {
        let cell = self.cell((delivery, feed, TypeId::of::<T>()));
        let answer = cell.get_or_init(|| async { Arc::new(read.await) as Answer }).await;
        answer.downcast_ref::<T>().cloned()
    }

    /// The cell of `key`. Expired answers are dropped only when a new key arrives (once per
    /// delivery and feed), not on every subscriber's lookup.
    fn cell(&self, key: Key) -> Arc<OnceCell<Answer>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get(&key) {
            return Arc::clone(&entry.cell);
        }
        let now = Instant::now();
        entries.retain(|_, entry| now.duration_since(entry.created) < KEEP);
        let entry = entries.entry(key).or_insert_with(|| Entry { cell: Arc::default(), created: now });
        Arc::clone(&entry.cell)
    }

    /// How many answers are kept (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn subscribers_of_one_event_share_one_read() {
        let shared = Arc::new(SharedReads::default());
        let reads = Arc::new(AtomicUsize::new(0));
        let event = 7;
        let waiting: Vec<_> = (0..100)
            .map(|_| {
                let (shared, reads) = (Arc::clone(&shared), Arc::clone(&reads));
                tokio::spawn(async move {
                    shared
                        .get("feed", event, async {
                            reads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Some(42_u32)
                        })
                        .await
                })
            })
            .collect();
        for handle in waiting {
            assert_eq!(handle.await.ok().flatten().flatten(), Some(42));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        let other: Option<u32> = shared.get("feed", 8, async { 7 }).await;
        assert_eq!(other, Some(7), "another delivery reads for itself");
        let elsewhere: Option<u32> = shared.get("another feed", 8, async { 9 }).await;
        assert_eq!(elsewhere, Some(9), "another feed reads for itself");
        assert_eq!(shared.len(), 3);
    }
}
