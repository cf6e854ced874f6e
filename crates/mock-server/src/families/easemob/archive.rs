//! Hourly history files: gzip, one JSON message per line in ascending timestamp order,
//! exactly the app's messages of that hour (SPEC §4), and a small bounded cache of them.
//!
//! A file is a pure function of (seed, app, hour), so caching its bytes is safe; the
//! cache is bounded both in entries and in bytes so that memory stays flat however many
//! distinct hours are downloaded.

use std::{
    collections::VecDeque,
    io::{BufWriter, Write},
    sync::Mutex,
};

use bytes::Bytes;
use flate2::{write::GzEncoder, Compression};

use super::wire::Renderer;
use crate::dataset::chat::{ChatStream, Position, Scope, Window};

/// Files kept: a client usually fetches the last few hours, often more than once.
const CACHE_ENTRIES: usize = 8;
/// Bytes kept, whatever the entries: about eight busy hours of a large dataset.
const CACHE_BYTES: usize = 32 << 20;

/// Builds the gzip file of every message in `window` (one hour).
pub fn build(renderer: &Renderer, stream: &ChatStream, window: Window) -> Bytes {
    let bytes = compress(renderer, stream, window);
    crate::memory::release_freed();
    bytes
}

fn compress(renderer: &Renderer, stream: &ChatStream, window: Window) -> Bytes {
    // Fast compression: the files are made on demand and their size matters less than
    // the time a client waits for them.
    let gzip = GzEncoder::new(Vec::new(), Compression::fast());
    // The encoder does real work per write call; batch the many small JSON writes.
    let mut out = BufWriter::with_capacity(64 * 1024, gzip);
    for head in stream.scan(window, Scope::All, Position::start_of(window)) {
        serde_json::to_writer(&mut out, &renderer.message(&head)).expect("messages serialise into memory");
        out.write_all(b"\n").expect("writing to memory cannot fail");
    }
    let gzip = out.into_inner().expect("flushing into memory cannot fail");
    let mut bytes = gzip.finish().expect("finishing into memory cannot fail");
    // The buffer grew by doubling; the cache should hold the file, not the spare half.
    bytes.shrink_to_fit();
    bytes.into()
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
