//! The nested reads of one delivered event, shared by every subscriber it concerns.
//!
//! A subscriber's selection may reach past the event's own row (`pendingAction { campaign {
//! name } }`): those relations are read through its DataLoader, whose cache is off so that
//! every event reads fresh rows. Without sharing, one event to 10,000 subscribers selecting a
//! campaign is 10,000 identical campaign reads. [`DeliveryLoader`] wraps a request's loader: while
//! a subscription resolves a delivered event (its [`DeliveryMark`] says which), each key is read
//! once for that delivery and organization, by the first subscriber to ask, and every other
//! subscriber resolving the same delivery gets a clone of those rows (or of the same failure).
//!
//! What is shared is rows, never answers: each subscriber still resolves its own selection with
//! its own caller. The rows are keyed by the organization the loader reads (the only thing a
//! load depends on besides its keys: loaders carry no caller, so customers and partners of one
//! organization see the same rows), so they never cross organizations. Outside a delivery (every
//! query and mutation, and subscriptions with more than one root field), loads go straight to
//! the wrapped loader. Shared rows are kept a short while, then dropped.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Instant;

use async_graphql::dataloader::Loader;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use uuid::Uuid;

use super::shared_reads::KEEP;

/// A loader whose loads are shared by the subscribers of one delivered event.
pub struct DeliveryLoader<L> {
    inner: Arc<L>,
    org: Uuid,
    delivery: DeliveryMark,
}

impl<L> DeliveryLoader<L> {
    /// Wraps `inner`, which reads the rows of organization `org` (and depends on nothing else
    /// but its keys).
    pub fn new(inner: L, org: Uuid) -> Self {
        DeliveryLoader { inner: Arc::new(inner), org, delivery: DeliveryMark::default() }
    }

    /// The mark a subscription sets to the delivery it is resolving.
    pub(crate) fn mark(&self) -> DeliveryMark {
        self.delivery.clone()
    }
}

/// Which delivered event the subscription owning a loader is resolving (0: none).
///
/// Async-graphql resolves the items of one subscription field one after the other, so a
/// subscription with one root field sets its mark before handing over each item, and every load
/// made while that item resolves belongs to that delivery.
#[derive(Clone, Default)]
pub(crate) struct DeliveryMark(Arc<AtomicU64>);

impl DeliveryMark {
    /// The next loads belong to `delivery` (0: to no delivery; they are not shared).
    pub(crate) fn resolving(&self, delivery: u64) {
        self.0.store(delivery, Ordering::Release);
    }

    fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

/// One batched read of some keys, awaited by everyone who needs one of them.
type Batch<K, V, E> = Shared<BoxFuture<'static, Result<Arc<HashMap<K, V>>, E>>>;

/// The batch reading each key, of one delivery, organization and key type.
type Batches<K, V, E> = HashMap<K, Batch<K, V, E>>;

impl<K, L> Loader<K> for DeliveryLoader<L>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K>,
    L::Error: Sync,
{
    type Value = L::Value;
    type Error = L::Error;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, Self::Value>, Self::Error> {
        let delivery = self.delivery.current();
        if delivery == 0 {
            return self.inner.load(keys).await;
        }
        let batches = SHARED.batches(delivery, self.org, keys, |missing| self.batch(missing));
        let mut found = HashMap::with_capacity(keys.len());
        for batch in batches {
            let rows = batch.await?;
            found.extend(keys.iter().filter_map(|key| Some((key.clone(), rows.get(key)?.clone()))));
        }
        Ok(found)
    }
}

impl<L> DeliveryLoader<L> {
    /// One read of `keys` that any subscriber awaiting it can drive to its end.
    fn batch<K>(&self, keys: Vec<K>) -> Batch<K, L::Value, L::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        L: Loader<K>,
    {
        let inner = Arc::clone(&self.inner);
        async move { inner.load(&keys).await.map(Arc::new) }.boxed().shared()
    }
}

/// The shared batches of one delivery, organization and key type, and when they started.
struct Entry {
    batches: Box<dyn Any + Send + Sync>,
    created: Instant,
}

/// A delivery, an organization and the type of the batches kept for them.
type Key = (u64, Uuid, TypeId);

/// The shared loads of this process.
#[derive(Default)]
struct SharedLoads {
    entries: Mutex<HashMap<Key, Entry>>,
}

static SHARED: LazyLock<SharedLoads> = LazyLock::new(SharedLoads::default);

impl SharedLoads {
    /// The batches reading `keys` for `delivery` in `org`: those already started by another
    /// subscriber, plus one started by `start` for the keys nobody has asked for yet.
    fn batches<K, V, E>(
        &self,
        delivery: u64,
        org: Uuid,
        keys: &[K],
        start: impl FnOnce(Vec<K>) -> Batch<K, V, E>,
    ) -> Vec<Batch<K, V, E>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + 'static,
        E: Send + Sync + 'static,
    {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (delivery, org, TypeId::of::<Batches<K, V, E>>());
        if !entries.contains_key(&key) {
            let now = Instant::now();
            entries.retain(|_, entry| now.duration_since(entry.created) < KEEP);
            let fresh: Batches<K, V, E> = HashMap::new();
            entries.insert(key, Entry { batches: Box::new(fresh), created: now });
        }
        let Some(known) = entries.get_mut(&key).and_then(|entry| entry.batches.downcast_mut()) else {
            // The key carries the type, so this does not happen; read unshared if it did.
            return vec![start(keys.to_vec())];
        };
        claim(known, keys, start)
    }

    /// How many deliveries, organizations and key types have shared batches (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// The distinct batches of `keys` in `known`, after starting one for those not in it.
fn claim<K, V, E>(
    known: &mut Batches<K, V, E>,
    keys: &[K],
    start: impl FnOnce(Vec<K>) -> Batch<K, V, E>,
) -> Vec<Batch<K, V, E>>
where
    K: Hash + Eq + Clone,
{
    let missing: Vec<K> = keys.iter().filter(|key| !known.contains_key(key)).cloned().collect();
    if !missing.is_empty() {
        let batch = start(missing.clone());
        known.extend(missing.into_iter().map(|key| (key, batch.clone())));
    }
    let mut distinct: Vec<Batch<K, V, E>> = Vec::new();
    for batch in keys.iter().filter_map(|key| known.get(key)) {
        if !distinct.iter().any(|seen| Shared::ptr_eq(seen, batch)) {
            distinct.push(batch.clone());
        }
    }
    distinct
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;

    /// Answers each key with itself times ten, counting the keys it was asked for.
    #[derive(Clone, Default)]
    struct Counting(Arc<AtomicUsize>);

    impl Counting {
        fn asked(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    impl Loader<u32> for Counting {
        type Value = u32;
        type Error = Arc<str>;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, Self::Error> {
            self.0.fetch_add(keys.len(), Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(keys.iter().map(|key| (*key, key * 10)).collect())
        }
    }

    type Subscribers = Vec<Arc<DeliveryLoader<Counting>>>;

    /// `count` subscribers of organization `org` reading through one counting loader.
    fn subscribers(count: usize, org: Uuid) -> (Counting, Subscribers) {
        let counting = Counting::default();
        let loaders = (0..count).map(|_| Arc::new(DeliveryLoader::new(counting.clone(), org))).collect();
        (counting, loaders)
    }

    /// Every subscriber loads `keys` at once.
    async fn load_all(loaders: &Subscribers, keys: &'static [u32]) -> Vec<HashMap<u32, u32>> {
        let tasks: Vec<_> = loaders
            .iter()
            .map(|loader| {
                let loader = Arc::clone(loader);
                tokio::spawn(async move { loader.load(keys).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.ok().and_then(Result::ok).unwrap_or_default());
        }
        answers
    }

    #[tokio::test]
    async fn subscribers_of_one_delivery_read_each_key_once() {
        let (counting, loaders) = subscribers(50, Uuid::now_v7());
        loaders.iter().for_each(|loader| loader.mark().resolving(1_000_001));
        let answers = load_all(&loaders, &[1, 2]).await;
        assert!(answers.iter().all(|answer| answer == &HashMap::from([(1, 10), (2, 20)])));
        assert_eq!(counting.asked(), 2, "two keys read once, not once per subscriber");

        loaders.iter().for_each(|loader| loader.mark().resolving(1_000_002));
        let answers = load_all(&loaders, &[2, 3]).await;
        assert!(answers.iter().all(|answer| answer == &HashMap::from([(2, 20), (3, 30)])));
        assert_eq!(counting.asked(), 4, "the next delivery reads afresh");
        assert!(SHARED.len() >= 2);
    }

    #[tokio::test]
    async fn outside_a_delivery_or_in_another_organization_nothing_is_shared() {
        let (counting, loaders) = subscribers(3, Uuid::now_v7());
        load_all(&loaders, &[1]).await;
        assert_eq!(counting.asked(), 3, "queries read for themselves");

        let (elsewhere, others) = subscribers(1, Uuid::now_v7());
        loaders.iter().for_each(|loader| loader.mark().resolving(2_000_001));
        others[0].mark().resolving(2_000_001);
        load_all(&loaders, &[1]).await;
        load_all(&others, &[1]).await;
        assert_eq!(counting.asked(), 4, "one read for the organization");
        assert_eq!(elsewhere.asked(), 1, "another organization reads its own");
    }
}
