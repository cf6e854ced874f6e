//! Which messages a history query selects and how they are split into pages. Pure: no
//! HTTP, no JSON. Cursors are stateless: [`CursorState`] holds the whole query and the
//! position, and is signed into the token the client sends back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::JmError;
use crate::{
    dataset::chat::{ChatHead, ChatStream, Position, Scope, Window},
    signing::{Signer, TokenError},
};

/// A cursor is valid this long after it was issued, on the mock clock (SPEC §2).
pub const CURSOR_TTL_MS: i64 = 120_000;

/// How an endpoint treats messages sent exactly at `begin_time` or `end_time` (SPEC §2:
/// `/messages` is `begin ≤ t ≤ end`, the per-user/group/chatroom endpoints `begin < t < end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    Inclusive,
    Exclusive,
}

/// The messages in `[begin, end]` or `(begin, end)` at one-second resolution; an absent
/// bound does not limit.
pub fn window(begin: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>, boundary: Boundary) -> Window {
    let begin_s = begin.map(|t| t.timestamp());
    let end_s = end.map(|t| t.timestamp());
    let (first_ms, last_ms) = match boundary {
        Boundary::Inclusive => (begin_s.map(|s| s * 1000), end_s.map(|s| s * 1000 + 999)),
        Boundary::Exclusive => (begin_s.map(|s| (s + 1) * 1000), end_s.map(|s| s * 1000 - 1)),
    };
    Window {
        first_ms: first_ms.unwrap_or(i64::MIN / 4),
        last_ms: last_ms.unwrap_or(i64::MAX / 4),
    }
}

/// Everything needed to produce the next page: signed into the cursor token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorState {
    pub app: u64,
    pub scope: Scope,
    /// The query window, already clipped to what existed when the first page was served,
    /// so that later pages see the same messages and `total` stays true.
    pub window: Window,
    pub at: Position,
    pub count: u32,
    pub total: u64,
    pub served: u64,
    pub issued_ms: i64,
}

pub struct Page {
    pub heads: Vec<ChatHead>,
    pub total: u64,
    pub next: Option<CursorState>,
}

/// The first page of a V2 query.
pub fn first_page(stream: &ChatStream, scope: Scope, window: Window, count: u32, now: DateTime<Utc>) -> Page {
    let window = window.retained_at(now);
    let query = CursorState {
        app: stream.slot,
        scope,
        window,
        at: Position::start_of(window),
        count,
        total: stream.count(window, scope),
        served: 0,
        issued_ms: now.timestamp_millis(),
    };
    page_at(stream, query, now)
}

/// The page a cursor points at; every page gets a fresh cursor with its own lifetime.
pub fn page_at(stream: &ChatStream, query: CursorState, now: DateTime<Utc>) -> Page {
    let heads: Vec<ChatHead> = stream
        .scan(query.window, query.scope, query.at)
        .take(query.count as usize)
        .collect();
    let served = query.served + heads.len() as u64;
    let next = heads.last().filter(|_| served < query.total).map(|last| CursorState {
        at: last.next_position(),
        served,
        issued_ms: now.timestamp_millis(),
        ..query
    });
    Page {
        heads,
        total: query.total,
        next,
    }
}

/// Checks a cursor token for this app and endpoint, at `now`.
pub fn open_cursor(
    signer: &Signer,
    token: &str,
    app: u64,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<CursorState, JmError> {
    let state: CursorState = signer.verify(token).map_err(|err| match err {
        TokenError::Malformed => JmError::invalid("cursor is invalid: not a cursor issued by this server"),
        TokenError::BadSignature => {
            JmError::invalid("cursor is invalid: its signature does not match (was it altered?)")
        }
    })?;
    if state.app != app {
        return Err(JmError::invalid("cursor is invalid: it was issued to another app"));
    }
    if state.scope != scope {
        return Err(JmError::invalid(
            "cursor is invalid: it was issued for another endpoint",
        ));
    }
    let age_ms = now.timestamp_millis() - state.issued_ms;
    if age_ms > CURSOR_TTL_MS {
        return Err(JmError::CursorExpired {
            age_secs: age_ms / 1000,
        });
    }
    Ok(state)
}

/// The V1 page: `count` messages after skipping `start`.
pub fn offset_page(
    stream: &ChatStream,
    scope: Scope,
    window: Window,
    start: u64,
    count: u32,
    now: DateTime<Utc>,
) -> Page {
    let window = window.retained_at(now);
    let total = stream.count(window, scope);
    let (at, _) = stream.seek(window, scope, start);
    let heads = if start < total {
        stream.scan(window, scope, at).take(count as usize).collect()
    } else {
        Vec::new()
    };
    Page {
        heads,
        total,
        next: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_at_one_second_resolution() {
        let begin = DateTime::from_timestamp(100, 0);
        let end = DateTime::from_timestamp(200, 0);
        let inclusive = window(begin, end, Boundary::Inclusive);
        assert!(inclusive.contains(100_000) && inclusive.contains(200_999));
        assert!(!inclusive.contains(99_999) && !inclusive.contains(201_000));
        let exclusive = window(begin, end, Boundary::Exclusive);
        assert!(!exclusive.contains(100_999) && !exclusive.contains(200_000));
        assert!(exclusive.contains(101_000) && exclusive.contains(199_999));
    }
}
