//! Easemob's memoised answers, behind one narrow API: the most recently served hourly
//! files (a small LRU bounded in entries and bytes, keyed by app and hour), and the ql
//! query's rendered pages and totals (the shared page memo). Both hold pure functions of
//! the seed, so nothing here is ever stale.

use std::{collections::VecDeque, sync::Mutex};

use bytes::Bytes;

use crate::families::shared::page_memo::PageMemo;

/// Files kept: a client usually fetches the last few hours, often more than once.
const CACHE_ENTRIES: usize = 8;
/// Bytes kept, whatever the entries: about eight busy hours of a large dataset.
const CACHE_BYTES: usize = 32 << 20;

#[derive(Debug, Default)]
pub struct EasemobCache {
    pub files: ArchiveCache,
    /// Rendered ql pages and query totals.
    pub pages: PageMemo,
}

/// Which file: an app's slot and the first instant (ms) of the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveKey {
    pub app: u64,
    pub hour_ms: i64,
}

/// The most recently used files, newest first.
#[derive(Debug, Default)]
pub struct ArchiveCache {
    entries: Mutex<VecDeque<(ArchiveKey, Bytes)>>,
}

impl ArchiveCache {
    pub fn get(&self, key: ArchiveKey) -> Option<Bytes> {
        let mut entries = self.lock();
        let at = entries.iter().position(|(k, _)| *k == key)?;
        let entry = entries.remove(at)?;
        let bytes = entry.1.clone();
        entries.push_front(entry);
        Some(bytes)
    }

    pub fn insert(&self, key: ArchiveKey, bytes: Bytes) {
        let mut entries = self.lock();
        entries.retain(|(k, _)| *k != key);
        entries.push_front((key, bytes));
        let mut total: usize = entries.iter().map(|(_, b)| b.len()).sum();
        // Evict the least recently used, keeping at least the newest file.
        while entries.len() > 1 && (entries.len() > CACHE_ENTRIES || total > CACHE_BYTES) {
            if let Some((_, evicted)) = entries.pop_back() {
                total -= evicted.len();
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(ArchiveKey, Bytes)>> {
        // The deque stays consistent even if a holder panicked.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hour: i64) -> ArchiveKey {
        ArchiveKey {
            app: 1,
            hour_ms: hour * 3_600_000,
        }
    }

    #[test]
    fn the_cache_is_bounded_and_keeps_the_recently_used() {
        let cache = ArchiveCache::default();
        for hour in 0..20 {
            cache.insert(key(hour), Bytes::from(vec![0; 10]));
            if hour > 0 {
                // Hour 0 is used again and again, so it stays.
                assert!(cache.get(key(0)).is_some(), "hour 0 after inserting {hour}");
            }
        }
        assert_eq!(cache.lock().len(), CACHE_ENTRIES);
        assert!(cache.get(key(19)).is_some());
        assert!(cache.get(key(5)).is_none(), "old hours are evicted");

        cache.insert(key(100), Bytes::from(vec![0; CACHE_BYTES]));
        assert_eq!(cache.lock().len(), 1, "one large file evicts the rest");
        assert!(cache.get(key(100)).is_some());
    }
}
