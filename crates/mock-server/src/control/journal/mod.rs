//! The request journal: the last vendor requests, bounded by count and by bytes, each
//! with what a client library author needs to see — a sequence number, time, method,
//! path, query, headers (secrets redacted), body size, family, app, status, latency, the
//! fault applied, and contract warnings
//! (what a client should not do, or a real server may reject). Filled by the request
//! layer, read a page at a time through `GET /_mock/journal`. It also owns the bounded
//! memory of which apps a 429 told to wait, for the early-retry warning. Entries are
//! kept packed ([`packed`]) and become [`Entry`] values when read.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde::Serialize;

use crate::control::faults::{glob, FamilyName};

mod packed;

pub use packed::{Draft, Outcome, Packed};

/// The most memory the journal's entries may hold together; the oldest go first.
pub const BYTE_BUDGET: usize = 8 << 20;
/// The longest method, path, query, app or warning an entry keeps, in bytes.
pub const MAX_FIELD_BYTES: usize = 2 << 10;
/// The most warnings an entry keeps; a last one says how many more there were.
pub const MAX_WARNINGS: usize = 16;
/// The most request headers an entry keeps (the first ones, in the order sent).
pub const MAX_HEADERS: usize = 32;
/// The longest header value an entry keeps, in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 256;
/// Entries in a page of `GET /_mock/journal` when `limit` is not given.
pub const DEFAULT_PAGE: usize = 100;
/// The largest `limit` of `GET /_mock/journal`.
pub const MAX_PAGE: usize = 1000;
/// The most apps whose 429 wait is remembered.
const MAX_THROTTLED_APPS: usize = 1024;
/// The most bytes the names of those apps may take together.
const THROTTLED_BYTE_BUDGET: usize = 256 << 10;
/// The longest wait a 429 can ask for that is remembered (a day).
const MAX_RESET_SECS: i64 = 86_400;
/// What ends a field cut to [`MAX_FIELD_BYTES`].
const CUT_MARK: &str = "…";

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Assigned by [`Journal::record`]: 1 for the first request ever journaled, one more
    /// for each next, never reused (not even after a clear or reset).
    pub seq: u64,
    /// When the request arrived, on the mock clock (written as RFC 3339 when read).
    #[serde(serialize_with = "crate::kernel::rfc3339::serialize")]
    pub time: DateTime<FixedOffset>,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The request's headers as `control::redact` shows them (names lower case; a name
    /// sent twice is shown with its values joined by `, `).
    #[serde(serialize_with = "headers_as_object")]
    pub headers: Vec<(String, String)>,
    /// The request body's size in bytes: its `Content-Length`, or the bytes read of a
    /// chunked body.
    pub body_bytes: u64,
    pub family: Option<FamilyName>,
    /// The appKey (JPush/JMessage) or `org#app` (Easemob) of a known app the request
    /// named, if any: never a value the client made up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub status: u16,
    pub latency_ms: f64,
    /// Id of the fault rule applied, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<u64>,
    pub warnings: Vec<String>,
    /// The fields cut to their bounds when the entry was written ([`Draft`]): `method`,
    /// `path`, `query`, `app`, `headers`, `warnings`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub truncated: Vec<&'static str>,
}

/// What a journal filter looks at in an entry.
pub struct Facts<'a> {
    pub seq: u64,
    pub family: Option<FamilyName>,
    pub path: &'a str,
    pub status: u16,
    pub app: Option<&'a str>,
    pub warned: bool,
}

/// Headers as one JSON object; a name sent more than once has its values joined.
fn headers_as_object<S: serde::Serializer>(headers: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(None)?;
    for (i, (name, value)) in headers.iter().enumerate() {
        if headers[..i].iter().any(|(n, _)| n == name) {
            continue;
        }
        let mut joined = value.clone();
        for (_, more) in headers[i + 1..].iter().filter(|(n, _)| n == name) {
            joined.push_str(", ");
            joined.push_str(more);
        }
        map.serialize_entry(name, &joined)?;
    }
    map.end()
}

/// Cuts `text` to at most `max` bytes (on a character boundary, ending in
/// [`CUT_MARK`]) and releases the rest; whether it was cut.
pub fn clip(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        text.shrink_to_fit();
        return false;
    }
    let mut end = max - CUT_MARK.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut kept = String::with_capacity(end + CUT_MARK.len());
    kept.push_str(&text[..end]);
    kept.push_str(CUT_MARK);
    *text = kept;
    true
}

/// Filters of `GET /_mock/journal`; every one is optional.
#[derive(Debug, Default)]
pub struct Filter {
    /// Only entries with a larger `seq`.
    pub since: u64,
    pub family: Option<FamilyName>,
    /// A path pattern, `*` standing for any run of characters.
    pub path: Option<String>,
    pub status: Option<u16>,
    /// A known app, as entries name it (appKey or `org#app`).
    pub app: Option<String>,
    pub warnings_only: bool,
}

impl Filter {
    pub fn passes(&self, entry: &Packed) -> bool {
        let e = entry.facts();
        e.seq > self.since
            && self.family.is_none_or(|f| e.family == Some(f))
            && self.path.as_deref().is_none_or(|p| glob(p, e.path))
            && self.status.is_none_or(|s| e.status == s)
            && self.app.as_deref().is_none_or(|a| e.app == Some(a))
            && (!self.warnings_only || e.warned)
    }
}

/// One page of the journal, oldest first.
#[derive(Debug, Serialize)]
pub struct Page {
    pub entries: Vec<Entry>,
    /// How many entries pass the filter, this page's and the ones after it.
    pub matched: usize,
    /// The `since` that reads the next page: this page's last `seq` (or the `since`
    /// asked, when the page is empty).
    pub next_since: u64,
}

/// Up to `limit` of `entries` (oldest first) that pass `filter`, and how many passed: the
/// one paging rule, for this process's journal and a fleet's shared one.
pub fn paginate<'a>(entries: impl Iterator<Item = &'a Packed>, filter: &Filter, limit: usize) -> Page {
    let mut page = Vec::new();
    let mut matched = 0;
    for entry in entries.filter(|e| filter.passes(e)) {
        matched += 1;
        if page.len() < limit {
            page.push(entry.entry());
        }
    }
    let next_since = page.last().map_or(filter.since, |e| e.seq);
    Page {
        entries: page,
        matched,
        next_since,
    }
}

#[derive(Debug, Default)]
struct Entries {
    list: VecDeque<Packed>,
    bytes: usize,
    last_seq: u64,
}

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<Entries>,
    throttled: Mutex<Throttled>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            entries: Mutex::new(Entries::default()),
            throttled: Mutex::new(Throttled::default()),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Keeps `entry` (its `seq` assigned), dropping the oldest entries while the count or
    /// the bytes are over their bounds.
    pub fn record(&self, mut entry: Packed) {
        if !self.is_enabled() {
            return;
        }
        let size = entry.bytes();
        let mut entries = lock(&self.entries);
        while !entries.list.is_empty() && (entries.list.len() >= self.capacity || entries.bytes + size > BYTE_BUDGET) {
            if let Some(oldest) = entries.list.pop_front() {
                entries.bytes -= oldest.bytes();
            }
        }
        entries.last_seq += 1;
        entry.seq = entries.last_seq;
        entries.bytes += size;
        entries.list.push_back(entry);
    }

    /// Up to `limit` entries that pass `filter`, oldest first, and how many passed.
    pub fn page(&self, filter: &Filter, limit: usize) -> Page {
        let entries = lock(&self.entries);
        paginate(entries.list.iter(), filter, limit)
    }

    /// How many entries pass `filter`.
    pub fn count(&self, filter: &Filter) -> usize {
        lock(&self.entries).list.iter().filter(|e| filter.passes(e)).count()
    }

    pub fn len(&self) -> usize {
        lock(&self.entries).list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes the entries hold (at most [`BYTE_BUDGET`]).
    pub fn bytes(&self) -> usize {
        lock(&self.entries).bytes
    }

    /// Empties the journal and forgets every 429 wait; `seq` keeps counting up.
    pub fn clear(&self) {
        let mut entries = lock(&self.entries);
        entries.list.clear();
        entries.list.shrink_to_fit();
        entries.bytes = 0;
        *lock(&self.throttled) = Throttled::default();
    }

    /// Remembers that `app` (a known app's name) was told to wait `reset_secs` after `now`.
    pub fn note_throttled(&self, app: &str, now: DateTime<Utc>, reset_secs: i64) {
        let until = now + TimeDelta::seconds(reset_secs.clamp(0, MAX_RESET_SECS));
        lock(&self.throttled).insert(app, until, now);
    }

    /// Whether `app` calls again before the wait a 429 asked for is over.
    pub fn is_early_retry(&self, app: &str, now: DateTime<Utc>) -> bool {
        let name = bounded_name(app);
        lock(&self.throttled)
            .until
            .get(name.as_ref())
            .is_some_and(|(until, _)| now < *until)
    }

    /// How many apps' waits are remembered, and the bytes their names take.
    pub fn throttled_size(&self) -> (usize, usize) {
        let throttled = lock(&self.throttled);
        (throttled.until.len(), throttled.bytes)
    }
}

/// Per app: until when (mock clock) a 429 said to wait, and when it was noted (to
/// evict the oldest). Bounded by count and by the bytes of its names.
#[derive(Debug, Default)]
struct Throttled {
    until: HashMap<String, (DateTime<Utc>, u64)>,
    bytes: usize,
    noted: u64,
}

impl Throttled {
    fn insert(&mut self, app: &str, until: DateTime<Utc>, now: DateTime<Utc>) {
        self.noted += 1;
        let noted = self.noted;
        let name = bounded_name(app);
        if let Some(slot) = self.until.get_mut(name.as_ref()) {
            *slot = (until, noted);
            return;
        }
        let name = name.into_owned();
        self.bytes += name.len();
        self.until.insert(name, (until, noted));
        if self.is_over() {
            self.evict(now);
        }
    }

    fn is_over(&self) -> bool {
        self.until.len() > MAX_THROTTLED_APPS || self.bytes > THROTTLED_BYTE_BUDGET
    }

    /// Forgets the waits that are over, then the oldest, until within bounds.
    fn evict(&mut self, now: DateTime<Utc>) {
        let mut freed = 0;
        self.until.retain(|name, (until, _)| {
            let keep = now < *until;
            if !keep {
                freed += name.len();
            }
            keep
        });
        self.bytes -= freed;
        while self.is_over() {
            let Some(oldest) = self
                .until
                .iter()
                .min_by_key(|(_, (_, noted))| *noted)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.until.remove(&oldest);
            self.bytes -= oldest.len();
        }
        self.until.shrink_to(MAX_THROTTLED_APPS + 1);
    }
}

/// `app` as the retry map keys it: cut to [`MAX_FIELD_BYTES`].
fn bounded_name(app: &str) -> std::borrow::Cow<'_, str> {
    if app.len() <= MAX_FIELD_BYTES {
        return app.into();
    }
    let mut name = app.to_owned();
    clip(&mut name, MAX_FIELD_BYTES);
    name.into()
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
            seq: 0,
            time: DateTime::default(),
            method: "GET".into(),
            path: path.into(),
            query: None,
            headers: Vec::new(),
            body_bytes: 0,
            family: Some(FamilyName::Jpush),
            app: None,
            status,
            latency_ms: 0.0,
            fault: None,
            warnings: warnings.iter().map(|w| w.to_string()).collect(),
            truncated: Vec::new(),
        }
    }

    fn all(journal: &Journal, filter: &Filter) -> Vec<Entry> {
        journal.page(filter, usize::MAX).entries
    }

    #[test]
    fn bounded_and_filtered() {
        let journal = Journal::new(3);
        for i in 0..5 {
            journal.record(Packed::from(&entry(&format!("/v3/{i}"), 200 + i, &[])));
        }
        assert_eq!(journal.len(), 3);
        journal.record(Packed::from(&entry("/v3/x", 429, &["w"])));
        let warned = all(
            &journal,
            &Filter {
                warnings_only: true,
                ..Filter::default()
            },
        );
        assert_eq!(warned.len(), 1);
        let by_path = all(
            &journal,
            &Filter {
                path: Some("/v3/4".into()),
                ..Filter::default()
            },
        );
        assert_eq!(by_path[0].status, 204);
        assert!(all(&Journal::new(0), &Filter::default()).is_empty());
    }

    #[test]
    fn the_byte_budget_evicts_the_oldest_entries() {
        let journal = Journal::new(1_000_000);
        let path = format!("/v3/{}", "p".repeat(MAX_FIELD_BYTES));
        let mut recorded = 0;
        while recorded < 20_000 {
            let mut e = entry(&path, 200, &[]);
            e.query = Some("q".repeat(60_000));
            journal.record(Packed::from(&e));
            recorded += 1;
        }
        assert!(journal.bytes() <= BYTE_BUDGET, "{}", journal.bytes());
        let kept = journal.len();
        assert!(kept < recorded && kept > 1000, "the bytes bound, not the count: {kept}");
        let first = all(&journal, &Filter::default())[0].seq;
        assert_eq!(first, (recorded - kept + 1) as u64, "the oldest went first");
    }

    #[test]
    fn long_fields_are_cut_and_marked() {
        let journal = Journal::new(10);
        let mut e = entry(&format!("/v3/{}", "é".repeat(5000)), 200, &[]);
        e.query = Some("a=1".into());
        e.app = Some("k".repeat(10_000));
        e.warnings = (0..100).map(|i| format!("w{i} {}", "x".repeat(5000))).collect();
        journal.record(Packed::from(&e));
        let kept = &all(&journal, &Filter::default())[0];
        assert!(kept.path.len() <= MAX_FIELD_BYTES && kept.path.ends_with(CUT_MARK));
        assert!(kept.path.starts_with("/v3/é"));
        assert_eq!(kept.query.as_deref(), Some("a=1"), "short fields stay whole");
        assert!(kept.app.as_ref().unwrap().len() <= MAX_FIELD_BYTES);
        assert_eq!(kept.warnings.len(), MAX_WARNINGS);
        assert!(kept.warnings.iter().all(|w| w.len() <= MAX_FIELD_BYTES));
        assert_eq!(kept.warnings.last().unwrap(), "… and 85 more warnings");
        assert_eq!(kept.truncated, ["path", "app", "warnings"]);
        let json = serde_json::to_value(kept).unwrap();
        assert_eq!(json["truncated"], serde_json::json!(["path", "app", "warnings"]));
        assert!(serde_json::to_value(entry("/", 200, &[]))
            .unwrap()
            .get("truncated")
            .is_none());
    }

    #[test]
    fn headers_are_bounded_joined_by_name_and_counted_in_bytes() {
        let journal = Journal::new(10);
        let mut e = entry("/v3/received", 200, &[]);
        e.headers = (0..100)
            .map(|i| (format!("x-h{i}"), "v".repeat(10_000)))
            .chain([("accept".to_owned(), "a".to_owned())])
            .collect();
        let unbounded: usize = e.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
        journal.record(Packed::from(&e));
        assert!(journal.bytes() < unbounded / 10, "{} of {unbounded}", journal.bytes());
        let kept = &all(&journal, &Filter::default())[0];
        assert_eq!(kept.headers.len(), MAX_HEADERS);
        assert!(kept.headers.iter().all(|(_, v)| v.len() <= MAX_HEADER_VALUE_BYTES));
        assert_eq!(kept.truncated, ["headers"]);
        let mut twice = entry("/v3/received", 200, &[]);
        twice.headers = vec![
            ("accept".into(), "a".into()),
            ("x-b".into(), "1".into()),
            ("accept".into(), "b".into()),
        ];
        let json = serde_json::to_value(&twice).unwrap();
        assert_eq!(json["headers"], serde_json::json!({"accept": "a, b", "x-b": "1"}));
        assert_eq!(json["body_bytes"], 0);
    }

    #[test]
    fn count_and_the_app_filter() {
        let journal = Journal::new(10);
        for (i, app) in ["k1", "k2", "k1"].into_iter().enumerate() {
            let mut e = entry(&format!("/v3/{i}"), 200, &[]);
            e.app = Some(app.into());
            journal.record(Packed::from(&e));
        }
        journal.record(Packed::from(&entry("/v3/none", 400, &[])));
        let k1 = Filter {
            app: Some("k1".into()),
            ..Filter::default()
        };
        assert_eq!(journal.count(&k1), 2);
        assert_eq!(journal.page(&k1, 10).matched, 2);
        assert_eq!(journal.count(&Filter::default()), 4);
        let failed_k1 = Filter {
            status: Some(400),
            ..k1
        };
        assert_eq!(journal.count(&failed_k1), 0);
    }

    #[test]
    fn pages_follow_seq_since_and_limit() {
        let journal = Journal::new(5);
        for i in 0..8 {
            journal.record(Packed::from(&entry(
                &format!("/v3/{i}"),
                if i % 2 == 0 { 200 } else { 400 },
                &[],
            )));
        }
        let page = journal.page(&Filter::default(), 2);
        let seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [4, 5], "seq counts every request, the oldest kept first");
        assert_eq!((page.matched, page.next_since), (5, 5));
        let next = journal.page(
            &Filter {
                since: page.next_since,
                ..Filter::default()
            },
            2,
        );
        assert_eq!(next.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [6, 7]);
        assert_eq!((next.matched, next.next_since), (3, 7));
        let failed = journal.page(
            &Filter {
                since: 5,
                status: Some(400),
                ..Filter::default()
            },
            10,
        );
        assert_eq!(failed.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [6, 8]);
        let past_the_end = journal.page(
            &Filter {
                since: 8,
                ..Filter::default()
            },
            10,
        );
        assert_eq!(
            (
                past_the_end.entries.len(),
                past_the_end.matched,
                past_the_end.next_since
            ),
            (0, 0, 8)
        );
        journal.clear();
        journal.record(Packed::from(&entry("/v3/after", 200, &[])));
        assert_eq!(
            journal.page(&Filter::default(), 1).entries[0].seq,
            9,
            "seq survives a clear"
        );
    }

    #[test]
    fn the_retry_map_stays_bounded_and_forgets_the_oldest() {
        let journal = Journal::new(10);
        let now = DateTime::<Utc>::default();
        for i in 0..20_000 {
            journal.note_throttled(&format!("app-{i}-{}", "k".repeat(i % 5000)), now, 60);
        }
        let (apps, bytes) = journal.throttled_size();
        assert!(
            apps <= MAX_THROTTLED_APPS && bytes <= THROTTLED_BYTE_BUDGET,
            "{apps} apps, {bytes} B"
        );
        let last = format!("app-19999-{}", "k".repeat(19_999 % 5000));
        assert!(journal.is_early_retry(&last, now), "the newest is remembered");
        assert!(!journal.is_early_retry("app-0-", now), "the oldest is forgotten");
        // Waits that are over go before any that still runs, however old.
        let journal = Journal::new(10);
        journal.note_throttled("long", now, 3600);
        for i in 0..MAX_THROTTLED_APPS - 1 {
            journal.note_throttled(&format!("ended-{i}"), now, 1);
        }
        let later = now + TimeDelta::seconds(2);
        for i in 0..MAX_THROTTLED_APPS - 1 {
            journal.note_throttled(&format!("running-{i}"), later, 60);
        }
        assert!(
            journal.is_early_retry("long", later),
            "a running wait outlives ended ones"
        );
        assert!(journal.is_early_retry("running-0", later));
        assert!(journal.throttled_size().0 <= MAX_THROTTLED_APPS);
    }
}
