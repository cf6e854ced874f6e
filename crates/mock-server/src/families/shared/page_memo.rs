//! Rendered history pages, memoised, for every family that pages chat history (JMessage
//! V1/V2, Easemob's ql). A page's messages are a pure function of (app, scope, clipped
//! window, where the page starts, count) — a cursor's issue time and the clock only decide
//! *whether* it may be served — so their JSON is kept in a byte-bounded memo and reused,
//! as a pre-serialised body would be. Totals are memoised alike.

use bytes::Bytes;

use crate::{
    dataset::chat::{ChatHead, ChatStream, Position, Scope, Window},
    kernel::memo::{Memo, DEFAULT_CAPACITY},
};

/// Bytes of rendered pages kept: about 16 pages of 1000 messages.
const PAGE_BYTES: usize = 8 << 20;

/// Where a page starts: at a cursor's position, or after skipping V1's `start` matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageStart {
    At(Position),
    Offset(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub app: u64,
    pub scope: Scope,
    pub window: Window,
    pub start: PageStart,
    pub count: u32,
}

/// A page's records as a JSON array (each family renders its own), how many, and where
/// the next page starts.
#[derive(Debug, Clone)]
pub struct RenderedPage {
    /// A JSON array.
    pub records: Bytes,
    pub len: usize,
    pub next_at: Option<Position>,
}

#[derive(Debug)]
pub struct PageMemo {
    pages: Memo<PageKey, RenderedPage>,
    totals: Memo<(u64, Scope, Window), u64>,
}

impl Default for PageMemo {
    fn default() -> PageMemo {
        PageMemo {
            pages: Memo::with_byte_budget(DEFAULT_CAPACITY, PAGE_BYTES, |_, page| {
                std::mem::size_of::<PageKey>() + page.records.len()
            }),
            totals: Memo::new(DEFAULT_CAPACITY),
        }
    }
}

impl PageMemo {
    /// How many messages of `stream` in `window` the scope selects.
    pub fn total(&self, stream: &ChatStream, scope: Scope, window: Window) -> u64 {
        self.totals
            .get_or_compute((stream.slot, scope, window), || stream.count(window, scope))
    }

    /// The page `key` names, its records rendered as a JSON array by `render` on a miss.
    pub fn page(&self, stream: &ChatStream, key: PageKey, render: impl FnOnce(&[ChatHead]) -> Vec<u8>) -> RenderedPage {
        self.pages.get_or_compute(key, || {
            let at = match key.start {
                PageStart::At(position) => position,
                PageStart::Offset(skip) => stream.seek(key.window, key.scope, skip).0,
            };
            let heads: Vec<ChatHead> = stream
                .scan(key.window, key.scope, at)
                .take(key.count as usize)
                .collect();
            RenderedPage {
                records: Bytes::from(render(&heads)),
                len: heads.len(),
                next_at: heads.last().map(ChatHead::next_position),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset};
    use serde_json::to_vec;

    use super::*;
    use crate::dataset::{chat::HOUR_MS, Dataset, DatasetSize};

    fn dataset() -> Dataset {
        let start = DateTime::from_timestamp_millis(490_000 * HOUR_MS).unwrap();
        Dataset::generate(7, DatasetSize::default(), FixedOffset::east_opt(0).unwrap(), start)
    }

    /// `count` whole hours from hour `first` (hours since the Unix epoch).
    fn hours(first: i64, count: i64) -> Window {
        Window {
            first_ms: first * HOUR_MS,
            last_ms: (first + count) * HOUR_MS - 1,
        }
    }

    fn key(window: Window, start: PageStart, count: u32) -> PageKey {
        PageKey {
            app: 0,
            scope: Scope::All,
            window,
            start,
            count,
        }
    }

    #[test]
    fn a_page_is_rendered_once_per_key_and_keys_tell_pages_apart() {
        let dataset = dataset();
        let stream = dataset.jiguang_chat(0);
        let memo = PageMemo::default();
        let window = hours(489_990, 2);
        let mut renders = 0;
        let mut page = |key: PageKey| {
            memo.page(&stream, key, |heads| {
                renders += 1;
                to_vec(&heads.iter().map(|h| h.msgid).collect::<Vec<_>>()).unwrap()
            })
        };
        let first = page(key(window, PageStart::Offset(0), 5));
        let again = page(key(window, PageStart::Offset(0), 5));
        assert_eq!(first.records, again.records);
        assert_eq!(first.len, 5);
        let next = page(key(window, PageStart::At(first.next_at.unwrap()), 5));
        let skipped = page(key(window, PageStart::Offset(5), 5));
        assert_eq!(next.records, skipped.records, "a cursor's position and an offset agree");
        assert_ne!(first.records, next.records);
        assert_eq!(renders, 3, "the repeated key was served from the memo");
    }

    #[test]
    fn totals_count_what_the_pages_hold() {
        let dataset = dataset();
        let stream = dataset.jiguang_chat(0);
        let memo = PageMemo::default();
        let window = hours(489_990, 1);
        let total = memo.total(&stream, Scope::All, window);
        let all = memo.page(&stream, key(window, PageStart::Offset(0), 10_000), |heads| {
            to_vec(&heads.len()).unwrap()
        });
        assert!(total > 0, "an hour of the default dataset has messages");
        assert_eq!(all.len as u64, total);
    }
}
