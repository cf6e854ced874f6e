//! The request journal: the last N vendor requests (bounded), each with what a client
//! library author needs to see — time, method, path, query, family, app, status,
//! latency, the fault applied, and contract warnings (what a client should not do, or a
//! real server may reject). Filled by `traffic`, read through `GET /_mock/journal`.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::control::faults::{glob, FamilyName};

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// When the request arrived, on the mock clock (written as RFC 3339 when read).
    pub time: DateTime<FixedOffset>,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    pub family: Option<FamilyName>,
    /// The appKey (JPush/JMessage) or `org#app` (Easemob) the request named, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub status: u16,
    pub latency_ms: f64,
    /// Id of the fault rule applied, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<u64>,
    pub warnings: Vec<String>,
}

/// Filters of `GET /_mock/journal`; every one is optional.
#[derive(Debug, Default)]
pub struct Filter {
    pub family: Option<FamilyName>,
    /// A path pattern, `*` standing for any run of characters.
    pub path: Option<String>,
    pub status: Option<u16>,
    pub warnings_only: bool,
}

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
    /// Per app: until when (mock clock) a 429 said to wait.
    blocked_until: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            blocked_until: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    pub fn record(&self, entry: Entry) {
        if !self.is_enabled() {
            return;
        }
        let mut entries = lock(&self.entries);
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Entries that pass `filter`, oldest first.
    pub fn entries(&self, filter: &Filter) -> Vec<Entry> {
        lock(&self.entries)
            .iter()
            .filter(|e| filter.family.is_none_or(|f| e.family == Some(f)))
            .filter(|e| filter.path.as_deref().is_none_or(|p| glob(p, &e.path)))
            .filter(|e| filter.status.is_none_or(|s| e.status == s))
            .filter(|e| !filter.warnings_only || !e.warnings.is_empty())
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
        lock(&self.blocked_until).clear();
    }

    /// Remembers that `app` was told to wait `reset_secs` after `now`.
    pub fn note_throttled(&self, app: &str, now: DateTime<Utc>, reset_secs: i64) {
        lock(&self.blocked_until).insert(app.to_owned(), now + chrono::TimeDelta::seconds(reset_secs));
    }

    /// Whether `app` calls again before the wait a 429 asked for is over.
    pub fn is_early_retry(&self, app: &str, now: DateTime<Utc>) -> bool {
        lock(&self.blocked_until).get(app).is_some_and(|until| now < *until)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Whole values only are written under these locks; a panic cannot tear them.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: u16, warnings: &[&str]) -> Entry {
        Entry {
            time: DateTime::default(),
            method: "GET".into(),
            path: path.into(),
            query: None,
            family: Some(FamilyName::Jpush),
            app: None,
            status,
            latency_ms: 0.0,
            fault: None,
            warnings: warnings.iter().map(|w| w.to_string()).collect(),
        }
    }

    #[test]
    fn bounded_and_filtered() {
        let journal = Journal::new(3);
        for i in 0..5 {
            journal.record(entry(&format!("/v3/{i}"), 200 + i, &[]));
        }
        assert_eq!(journal.len(), 3);
        journal.record(entry("/v3/x", 429, &["w"]));
        let warned = journal.entries(&Filter {
            warnings_only: true,
            ..Filter::default()
        });
        assert_eq!(warned.len(), 1);
        let by_path = journal.entries(&Filter {
            path: Some("/v3/4".into()),
            ..Filter::default()
        });
        assert_eq!(by_path[0].status, 204);
        assert!(Journal::new(0).entries(&Filter::default()).is_empty());
    }
}
