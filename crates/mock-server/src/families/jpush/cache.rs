//! JPush's memoised answers, behind one narrow API. Everything here is keyed by validated,
//! normalised requests (never the raw query or body) and bounded by bytes, keys included.
//!
//! - a push's item per endpoint, as JSON: a pure function of (app, msg_id, endpoint, the
//!   steps of its delivery curve passed);
//! - device activity per period: a pure function of (app, period, counted-until);
//! - whole answers, with the [`Span`] of the mock clock over which they hold: an answer
//!   changes only at a few instants (a push's statistics appear, a step of its delivery
//!   curve passes, its retention runs out, local midnight), so it is served again until
//!   the clock leaves its span.

use bytes::Bytes;
use chrono::NaiveDate;

use super::Endpoint;
use crate::{
    dataset::push::PlatformActivity,
    kernel::memo::{Memo, DEFAULT_CAPACITY},
};

/// Bytes of whole answers kept, keys included.
const ANSWER_BYTES: usize = 8 << 20;
/// Bytes of per-push items kept.
const ITEM_BYTES: usize = 8 << 20;

/// A request, validated and normalised: what determines its answer besides the clock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AnswerKey {
    /// A per-msg_id endpoint: the ids as they are echoed (trimmed, empty items dropped),
    /// joined by commas.
    PerMsgId {
        app: u64,
        endpoint: Endpoint,
        ids: Box<str>,
    },
    /// `status/message`: the msg_id, the date asked for, and the registration ids in
    /// request order, each length-prefixed ([`AnswerKey::status`]).
    Status {
        app: u64,
        msg_id: u64,
        date: Option<NaiveDate>,
        registration_ids: Box<[u8]>,
    },
}

impl AnswerKey {
    /// The key of a `status/message` request: one allocation, however many ids.
    pub fn status<'a>(
        app: u64,
        msg_id: u64,
        date: Option<NaiveDate>,
        registration_ids: impl ExactSizeIterator<Item = &'a str> + Clone,
    ) -> AnswerKey {
        let bytes = registration_ids.clone().map(|id| id.len() + 4).sum();
        let mut encoded = Vec::with_capacity(bytes);
        for id in registration_ids {
            // Ids are at most a request body long, far below 4 GiB.
            encoded.extend_from_slice(&(id.len() as u32).to_le_bytes());
            encoded.extend_from_slice(id.as_bytes());
        }
        AnswerKey::Status {
            app,
            msg_id,
            date,
            registration_ids: encoded.into_boxed_slice(),
        }
    }

    fn bytes(&self) -> usize {
        std::mem::size_of::<AnswerKey>()
            + match self {
                AnswerKey::PerMsgId { ids, .. } => ids.len(),
                AnswerKey::Status { registration_ids, .. } => registration_ids.len(),
            }
    }
}

/// The span of the mock clock `[from_ms, until_ms)` over which an answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    from_ms: i64,
    until_ms: i64,
}

impl Span {
    /// Every instant, until narrowed.
    pub fn always() -> Span {
        Span {
            from_ms: i64::MIN,
            until_ms: i64::MAX,
        }
    }

    pub fn holds_at(&self, now_ms: i64) -> bool {
        (self.from_ms..self.until_ms).contains(&now_ms)
    }

    /// Narrows the span to the instants, among `changes`, nearest `now_ms` on each side:
    /// an instant at or before `now_ms` is where the answer began to hold, one after it
    /// where it stops.
    pub fn narrow(&mut self, changes: &[i64], now_ms: i64) {
        for &change in changes {
            if change <= now_ms {
                self.from_ms = self.from_ms.max(change);
            } else {
                self.until_ms = self.until_ms.min(change);
            }
        }
    }
}

/// A whole answer's JSON and the span over which it holds.
#[derive(Debug, Clone)]
pub struct Answer {
    pub body: Bytes,
    pub span: Span,
}

/// The key of a push's item: (app slot, msg_id, endpoint, delivery steps passed).
pub type ItemKey = (u64, u64, Endpoint, u8);
/// The key of a period's device activity: (app slot, period start ms, counted-until ms,
/// hourly).
pub type ActivityKey = (u64, i64, i64, bool);

#[derive(Debug)]
pub struct JpushCache {
    /// A push's item as JSON, as it stands after some steps of its delivery curve.
    items: Memo<ItemKey, Bytes>,
    activity: Memo<ActivityKey, PlatformActivity>,
    answers: Memo<AnswerKey, Answer>,
}

impl Default for JpushCache {
    fn default() -> JpushCache {
        JpushCache {
            items: Memo::with_byte_budget(DEFAULT_CAPACITY, ITEM_BYTES, |_, json| {
                std::mem::size_of::<(ItemKey, Bytes)>() + json.len()
            }),
            activity: Memo::new(DEFAULT_CAPACITY),
            answers: Memo::with_byte_budget(DEFAULT_CAPACITY, ANSWER_BYTES, |key, answer| {
                key.bytes() + answer.body.len()
            }),
        }
    }
}

impl JpushCache {
    /// The answer to `key` if one is kept and still holds at `now_ms`.
    pub fn answer(&self, key: &AnswerKey, now_ms: i64) -> Option<Bytes> {
        self.answers
            .get(key)
            .filter(|answer| answer.span.holds_at(now_ms))
            .map(|answer| answer.body)
    }

    pub fn keep_answer(&self, key: AnswerKey, answer: Answer) {
        self.answers.insert(key, answer);
    }

    pub fn item(&self, key: ItemKey, compute: impl FnOnce() -> Bytes) -> Bytes {
        self.items.get_or_compute(key, compute)
    }

    pub fn activity(&self, key: ActivityKey, compute: impl FnOnce() -> PlatformActivity) -> PlatformActivity {
        self.activity.get_or_compute(key, compute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_narrows_to_the_nearest_changes_on_each_side() {
        let mut span = Span::always();
        assert!(span.holds_at(i64::MIN) && span.holds_at(i64::MAX - 1));
        span.narrow(&[100, 500, 900], 600);
        assert_eq!(
            span,
            Span {
                from_ms: 500,
                until_ms: 900
            }
        );
        span.narrow(&[550, 2000], 600);
        assert_eq!(
            span,
            Span {
                from_ms: 550,
                until_ms: 900
            }
        );
        assert!(span.holds_at(550) && span.holds_at(899));
        assert!(
            !span.holds_at(549) && !span.holds_at(900),
            "[from, until): the change instant is outside"
        );
    }

    #[test]
    fn a_change_at_now_starts_the_span() {
        let mut span = Span::always();
        span.narrow(&[600], 600);
        assert!(span.holds_at(600));
        assert!(!span.holds_at(599));
    }

    #[test]
    fn answers_are_served_only_within_their_span() {
        let cache = JpushCache::default();
        let key = AnswerKey::PerMsgId {
            app: 0,
            endpoint: Endpoint::Received,
            ids: "1,2".into(),
        };
        let mut span = Span::always();
        span.narrow(&[1000], 0);
        cache.keep_answer(
            key.clone(),
            Answer {
                body: Bytes::from_static(b"[]"),
                span,
            },
        );
        assert_eq!(cache.answer(&key, 999), Some(Bytes::from_static(b"[]")));
        assert_eq!(cache.answer(&key, 1000), None, "the span is over");
        let other_endpoint = AnswerKey::PerMsgId {
            app: 0,
            endpoint: Endpoint::Messages,
            ids: "1,2".into(),
        };
        assert_eq!(
            cache.answer(&other_endpoint, 0),
            None,
            "the endpoint is part of the key"
        );
    }

    #[test]
    fn status_keys_tell_id_lists_apart_however_they_split() {
        let key = |ids: &[&str]| AnswerKey::status(0, 7, None, ids.iter().copied());
        assert_eq!(key(&["ab", "c"]), key(&["ab", "c"]));
        assert_ne!(
            key(&["ab", "c"]),
            key(&["a", "bc"]),
            "length prefixes keep the boundaries"
        );
        assert_ne!(key(&["ab", "c"]), key(&["c", "ab"]), "answers are in request order");
        assert_ne!(
            key(&["a"]),
            AnswerKey::status(0, 7, NaiveDate::from_ymd_opt(2026, 11, 20), ["a"].into_iter())
        );
    }

    #[test]
    fn keys_count_in_the_byte_bound() {
        let cache = JpushCache::default();
        let long_ids: Box<str> = "1,".repeat(ANSWER_BYTES / 4).into();
        for app in 0..3 {
            let key = AnswerKey::PerMsgId {
                app,
                endpoint: Endpoint::Received,
                ids: long_ids.clone(),
            };
            cache.keep_answer(
                key,
                Answer {
                    body: Bytes::new(),
                    span: Span::always(),
                },
            );
        }
        assert_eq!(cache.answers.len(), 1, "each key takes half the budget: two never fit");
    }
}
