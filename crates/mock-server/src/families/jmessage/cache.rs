//! JMessage's memoised answers, behind one narrow API, keyed by validated, normalised
//! requests and bounded: rendered history pages and query totals (the shared page memo),
//! each statistics period's chat aggregate, and whole statistics answers.
//!
//! A statistics answer is a pure function of its [`StatKey`]: the app, the statistic, its
//! periods, and the two instants that clip them — where retention begins and the clock —
//! each clamped to the periods' span, so that an answer about the past keeps its key
//! while the clock runs.

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::rules::HISTORY_RETENTION;
use crate::{
    dataset::{chat::Window, chat_stats::ChatAggregate},
    families::shared::{
        page_memo::PageMemo,
        statistics_period::{StatsRange, TimeUnit},
    },
    kernel::memo::{Memo, DEFAULT_CAPACITY},
};

/// Bytes of whole statistics answers kept.
const STATISTICS_BYTES: usize = 4 << 20;

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
    /// Chat aggregates, by (app slot, window first ms, window last ms).
    aggregates: Memo<(u64, i64, i64), ChatAggregate>,
    statistics: Memo<StatKey, Bytes>,
}

impl Default for JmessageCache {
    fn default() -> JmessageCache {
        JmessageCache {
            pages: PageMemo::default(),
            aggregates: Memo::new(DEFAULT_CAPACITY),
            statistics: Memo::with_byte_budget(DEFAULT_CAPACITY, STATISTICS_BYTES, |_, body| {
                std::mem::size_of::<StatKey>() + body.len()
            }),
        }
    }
}

impl JmessageCache {
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
