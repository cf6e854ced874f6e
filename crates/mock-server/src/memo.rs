//! A small bounded memo for values that are pure functions of their key (push
//! statistics, a day's chat aggregates). Because the values are deterministic, a cached
//! value is never stale; the bound keeps memory flat: when full, the memo starts over.

use std::{collections::HashMap, hash::Hash, sync::Mutex};

use rustc_hash::FxBuildHasher;

#[derive(Debug)]
pub struct Memo<K, V> {
    // Keys are the mock's own ids, not attacker-chosen: a fast non-DoS-resistant hash is fine.
    entries: Mutex<HashMap<K, V, FxBuildHasher>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub fn new(capacity: usize) -> Memo<K, V> {
        Memo {
            entries: Mutex::new(HashMap::default()),
            capacity,
        }
    }

    /// The value for `key`, computed by `compute` (outside the lock) on a miss.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> V {
        if let Some(value) = self.lock().get(&key) {
            return value.clone();
        }
        let value = compute();
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, value.clone());
        value
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, V, FxBuildHasher>> {
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
}
