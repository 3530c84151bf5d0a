//! Metric handles kept between events. Recording through the `metrics` macros builds and hashes
//! a key and looks it up in the recorder's registry on every call; the driver reports several
//! events per command, so the telemetry looks a series up once (per command, collection and
//! profile; per pool address) and records on the handle it kept.
//!
//! A handle belongs to the recorder that made it: one made before the process installed its
//! recorder records nothing. So a cache remembers which recorder was in effect when it filled,
//! and starts again when another one is (a recorder installed after the first command, a
//! thread's local recorder in a test).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The identity of the recorder in effect for this thread: its address.
fn recorder_in_effect() -> usize {
    metrics::with_recorder(|recorder| std::ptr::from_ref(recorder).cast::<()>().addr())
}

/// Values made for the recorder in effect, by key.
#[derive(Debug)]
pub(super) struct Cache<K, V> {
    inner: Mutex<Filled<K, V>>,
}

/// The entries of a [`Cache`], with the recorder they were made for.
#[derive(Debug)]
pub(super) struct Filled<K, V> {
    recorder: usize,
    entries: HashMap<K, V>,
}

impl<K, V> Filled<K, V> {
    /// The entries.
    pub(super) fn entries(&mut self) -> &mut HashMap<K, V> {
        &mut self.entries
    }
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self { inner: Mutex::new(Filled { recorder: 0, entries: HashMap::new() }) }
    }
}

impl<K: Eq + Hash, V> Cache<K, V> {
    /// The entries, emptied first when the recorder in effect is not the one they were made for.
    pub(super) fn current(&self) -> MutexGuard<'_, Filled<K, V>> {
        let recorder = recorder_in_effect();
        // A panic elsewhere leaves the cache usable: entries are independent handles.
        let mut filled = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if filled.recorder != recorder {
            filled.recorder = recorder;
            filled.entries.clear();
        }
        filled
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

    use super::*;

    /// A recorder whose every counter is one number.
    struct OneCounter(Arc<AtomicU64>);

    impl Recorder for OneCounter {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(Arc::clone(&self.0))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    #[test]
    fn a_cache_starts_again_when_another_recorder_is_in_effect() {
        let cache: Cache<&str, Counter> = Cache::default();
        cache.current().entries().insert("made", metrics::counter!("cached_total"));
        assert_eq!(cache.current().entries().len(), 1, "the same recorder keeps the entries");

        let counted = Arc::new(AtomicU64::new(0));
        let recorder = OneCounter(Arc::clone(&counted));
        metrics::with_local_recorder(&recorder, || {
            let mut current = cache.current();
            assert!(current.entries().is_empty(), "the handles of the previous recorder are dropped");
            current.entries().entry("made").or_insert_with(|| metrics::counter!("cached_total")).increment(3);
        });

        assert_eq!(counted.load(Ordering::Relaxed), 3, "the new handle records to the recorder in effect");
    }
}
