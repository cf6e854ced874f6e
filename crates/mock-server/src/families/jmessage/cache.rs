//! JMessage's memoised answers, behind one narrow API, keyed by validated, normalised
//! requests and bounded: rendered history pages and query totals (the shared page memo),
//! each message's JSON, each statistics period's chat aggregate, and whole statistics
//! answers.
//!
//! A message's JSON is a pure function of where it sits in its app's stream (the app,
//! the hour, its index there), so the pages of distinct but overlapping windows — what a
//! suite of distinct queries sends — are assembled from messages rendered once.
//!
//! A statistics answer is a pure function of its [`StatKey`]: the app, the statistic, its
//! periods, and the two instants that clip them — where retention begins and the clock —
//! each clamped to the periods' span, so that an answer about the past keeps its key
//! while the clock runs.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::value::{to_raw_value, RawValue};

use super::rules::HISTORY_RETENTION;
use crate::{
    dataset::{
        chat::{ChatHead, Window},
        chat_stats::ChatAggregate,
    },
    families::shared::{
        page_memo::PageMemo,
        statistics_period::{StatsRange, TimeUnit},
    },
    kernel::memo::{Memo, DEFAULT_CAPACITY},
};

/// Bytes of whole statistics answers kept.
const STATISTICS_BYTES: usize = 4 << 20;
/// Bytes of single messages' JSON kept: about 16,000 messages, eight days of an app of the
/// default dataset.
const MESSAGE_BYTES: usize = 8 << 20;
/// What a kept message costs beside its JSON: its key, the shared pointer's counts, and
/// the map's slot.
const MESSAGE_OVERHEAD: usize = 64;

/// Where a message sits: the app's stream slot, the hour, its index in the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct MessageKey {
    app: u64,
    hour: i64,
    index: u32,
}

/// Which statistic an answer is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatKind {
    Users,
    Groups,
    Messages,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatKey {
    app: u64,
    kind: StatKind,
    unit: TimeUnit,
    first_start_ms: i64,
    periods: u32,
    floor_ms: i64,
    horizon_ms: i64,
}

impl StatKey {
    pub fn new(app: u64, kind: StatKind, range: &StatsRange, now: DateTime<Utc>) -> StatKey {
        let (first, last) = range.span();
        let (first, last) = (first.timestamp_millis(), last.timestamp_millis());
        StatKey {
            app,
            kind,
            unit: range.unit,
            first_start_ms: first,
            periods: range.duration,
            floor_ms: (now - HISTORY_RETENTION).timestamp_millis().clamp(first, last),
            horizon_ms: now.timestamp_millis().clamp(first, last),
        }
    }
}

#[derive(Debug)]
pub struct JmessageCache {
    /// Rendered history pages and query totals.
    pub pages: PageMemo,
    messages: Memo<MessageKey, Arc<RawValue>>,
    /// Chat aggregates, by (app slot, window first ms, window last ms).
    aggregates: Memo<(u64, i64, i64), ChatAggregate>,
    statistics: Memo<StatKey, Bytes>,
}

impl Default for JmessageCache {
    fn default() -> JmessageCache {
        JmessageCache {
            pages: PageMemo::default(),
            messages: Memo::with_byte_budget(4 * DEFAULT_CAPACITY, MESSAGE_BYTES, |_, json| {
                MESSAGE_OVERHEAD + json.get().len()
            }),
            aggregates: Memo::new(DEFAULT_CAPACITY),
            statistics: Memo::with_byte_budget(DEFAULT_CAPACITY, STATISTICS_BYTES, |_, body| {
                std::mem::size_of::<StatKey>() + body.len()
            }),
        }
    }
}

impl JmessageCache {
    /// The JSON array of the messages `heads` of app `slot`, each rendered by `render` the
    /// first time it is asked for.
    pub fn messages<M: serde::Serialize>(
        &self,
        slot: u64,
        heads: &[ChatHead],
        render: impl Fn(&ChatHead) -> M,
    ) -> Vec<u8> {
        let json: Vec<Arc<RawValue>> = heads
            .iter()
            .map(|head| {
                let key = MessageKey {
                    app: slot,
                    hour: head.hour,
                    index: head.index,
                };
                self.messages.get_or_compute(key, || {
                    Arc::from(to_raw_value(&render(head)).expect("messages serialise"))
                })
            })
            .collect();
        let mut array = Vec::with_capacity(2 + json.iter().map(|m| m.get().len() + 1).sum::<usize>());
        array.push(b'[');
        for (i, message) in json.iter().enumerate() {
            if i > 0 {
                array.push(b',');
            }
            array.extend_from_slice(message.get().as_bytes());
        }
        array.push(b']');
        array
    }

    /// The aggregate of `window` of app `slot`, computed by `compute` on a miss.
    pub fn aggregate(&self, slot: u64, window: Window, compute: impl FnOnce() -> ChatAggregate) -> ChatAggregate {
        self.aggregates
            .get_or_compute((slot, window.first_ms, window.last_ms), compute)
    }

    /// The statistics answer of `key`, built by `build` on a miss.
    pub fn statistics(&self, key: StatKey, build: impl FnOnce() -> Vec<u8>) -> Bytes {
        self.statistics.get_or_compute(key, || Bytes::from(build()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{families::shared::statistics_period, kernel::query::QueryParams};
    use chrono::{FixedOffset, TimeDelta};

    fn range(query: &str, now: DateTime<Utc>) -> StatsRange {
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        let query = QueryParams::parse(query);
        statistics_period::parse(&query, zone, now, super::super::rules::MESSAGE_UNITS).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn an_answer_about_the_past_keeps_its_key_while_the_clock_runs() {
        let now = at("2026-11-20T12:00:00+08:00");
        let past = range("time_unit=DAY&start=2026-11-10&duration=3", now);
        let later = now + TimeDelta::hours(30);
        assert_eq!(
            StatKey::new(0, StatKind::Users, &past, now),
            StatKey::new(0, StatKind::Users, &past, later)
        );
    }

    #[test]
    fn an_answer_reaching_today_changes_its_key_as_the_clock_runs() {
        let now = at("2026-11-20T12:00:00+08:00");
        let today = range("time_unit=DAY&start=2026-11-20&duration=1", now);
        assert_ne!(
            StatKey::new(0, StatKind::Messages, &today, now),
            StatKey::new(0, StatKind::Messages, &today, now + TimeDelta::seconds(1))
        );
    }

    #[test]
    fn the_key_tells_apps_and_statistics_apart() {
        let now = at("2026-11-20T12:00:00+08:00");
        let r = range("time_unit=DAY&start=2026-11-10&duration=3", now);
        let key = StatKey::new(0, StatKind::Users, &r, now);
        assert_ne!(key, StatKey::new(1, StatKind::Users, &r, now));
        assert_ne!(key, StatKey::new(0, StatKind::Groups, &r, now));
    }

    #[test]
    fn each_message_is_rendered_once_and_pages_are_its_json_in_order() {
        let cache = JmessageCache::default();
        let head = |hour, index| ChatHead {
            hour,
            index,
            t_ms: hour * 3_600_000 + i64::from(index),
            msgid: u64::from(index),
            from: crate::dataset::chat::Party::Admin,
            target: crate::dataset::chat::Target::Group(0),
            kind: crate::dataset::chat::MsgKind::Text,
            platform: crate::dataset::chat::Platform::Api,
        };
        let renders = std::cell::Cell::new(0);
        let render = |h: &ChatHead| {
            renders.set(renders.get() + 1);
            serde_json::json!({ "msgid": h.msgid, "hour": h.hour })
        };
        let first = cache.messages(7, &[head(1, 0), head(1, 1)], render);
        let overlapping = cache.messages(7, &[head(1, 1), head(2, 0)], render);
        assert_eq!(first, br#"[{"hour":1,"msgid":0},{"hour":1,"msgid":1}]"#);
        assert_eq!(overlapping, br#"[{"hour":1,"msgid":1},{"hour":2,"msgid":0}]"#);
        assert_eq!(renders.get(), 3, "the shared message is rendered once");
        cache.messages(8, &[head(1, 0)], render);
        assert_eq!(renders.get(), 4, "another app's message at the same place is its own");
    }

    #[test]
    fn statistics_are_built_once_per_key() {
        let cache = JmessageCache::default();
        let now = at("2026-11-20T12:00:00+08:00");
        let key = StatKey::new(
            0,
            StatKind::Users,
            &range("time_unit=DAY&start=2026-11-10&duration=3", now),
            now,
        );
        let mut builds = 0;
        for _ in 0..3 {
            cache.statistics(key.clone(), || {
                builds += 1;
                b"[]".to_vec()
            });
        }
        assert_eq!(builds, 1);
    }
}
