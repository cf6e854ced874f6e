//! A small bounded memo for values that are pure functions of their key (push
//! statistics, a day's chat aggregates, rendered pages). Because the values are
//! deterministic, a cached value is never stale; the bounds (entries, and bytes for large
//! values) keep memory flat: when full, the memo starts over.

use std::{collections::HashMap, hash::Hash, sync::Mutex};

use rustc_hash::FxBuildHasher;

/// Entries a memo holds by default before it starts over: far more than a test or
/// benchmark touches, a few MB at most for small values.
pub const DEFAULT_CAPACITY: usize = 20_000;

#[derive(Debug)]
pub struct Memo<K, V> {
    // Keys are validated, normalised requests, bounded in count and bytes: a fast hash is fine.
    entries: Mutex<Entries<K, V>>,
    capacity: usize,
    byte_budget: usize,
    weigh: fn(&K, &V) -> usize,
}

#[derive(Debug)]
struct Entries<K, V> {
    map: HashMap<K, V, FxBuildHasher>,
    bytes: usize,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// A memo of at most `capacity` entries.
    pub fn new(capacity: usize) -> Memo<K, V> {
        Memo::with_byte_budget(capacity, usize::MAX, |_, _| 0)
    }

    /// A memo of at most `capacity` entries and `byte_budget` bytes as `weigh` counts each
    /// entry, its key included.
    pub fn with_byte_budget(capacity: usize, byte_budget: usize, weigh: fn(&K, &V) -> usize) -> Memo<K, V> {
        Memo {
            entries: Mutex::new(Entries {
                map: HashMap::default(),
                bytes: 0,
            }),
            capacity,
            byte_budget,
            weigh,
        }
    }

    /// The value for `key`, computed by `compute` (outside the lock) on a miss.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> V {
        if let Some(value) = self.get(&key) {
            return value;
        }
        let value = compute();
        self.insert(key, value.clone());
        value
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.lock().map.get(key).cloned()
    }

    /// Keeps `value` under `key`, in place of any value there.
    pub fn insert(&self, key: K, value: V) {
        let weight = (self.weigh)(&key, &value);
        let mut entries = self.lock();
        if entries.map.len() >= self.capacity || entries.bytes.saturating_add(weight) > self.byte_budget {
            entries.map.clear();
            entries.bytes = 0;
        }
        if weight <= self.byte_budget {
            entries.bytes += weight;
            let old_weight = entries.map.get_key_value(&key).map(|(k, v)| (self.weigh)(k, v));
            entries.map.insert(key, value);
            entries.bytes -= old_weight.unwrap_or(0);
        }
    }

    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        // Entries are whole values; a panic elsewhere cannot leave one half-written.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_and_stays_bounded() {
        let memo = Memo::new(3);
        let mut calls = 0;
        for _ in 0..2 {
            assert_eq!(
                memo.get_or_compute(1, || {
                    calls += 1;
                    10
                }),
                10
            );
        }
        assert_eq!(calls, 1);
        for k in 0..10 {
            memo.get_or_compute(k, || k * 10);
        }
        assert!(memo.len() <= 3);
    }

    #[test]
    fn a_byte_budget_bounds_large_values() {
        let memo: Memo<u32, Vec<u8>> = Memo::with_byte_budget(100, 1000, |_, v: &Vec<u8>| v.len());
        for k in 0..10 {
            memo.get_or_compute(k, || vec![0; 300]);
            assert!(memo.len() <= 3, "at most 900 of 1000 bytes");
        }
        assert_eq!(
            memo.get_or_compute(99, || vec![0; 5000]).len(),
            5000,
            "too large: served, not kept"
        );
        assert_eq!(memo.len(), 0);
    }
}
