//! Cursor pages over a chat stream, shared by every history endpoint that pages with
//! cursors (JMessage V2, Easemob's legacy ql query): the query a cursor carries, the
//! next cursor, and checking a cursor. Pure: no HTTP, no JSON. A page's records are
//! produced (and memoised) by [`crate::families::shared::page_memo`].
//!
//! Cursors are stateless: [`CursorState`] holds the whole query and the position and is
//! signed into the token the client sends back, so following a chain returns every
//! selected message once, in stream order, then stops. A cursor is bound to one app and
//! one scope and expires [`CURSOR_TTL`] after it was issued, on the mock clock.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rules::CURSOR_TTL;
use crate::{
    dataset::chat::{Position, Scope, Window},
    kernel::signing::{Signer, TokenError},
};

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

/// The query of a first page over `window`, which the caller has already clipped to what
/// exists at `now` (each family has its own retention); `total` counts its matches.
pub fn first_query(app: u64, scope: Scope, window: Window, count: u32, total: u64, now: DateTime<Utc>) -> CursorState {
    CursorState {
        app,
        scope,
        window,
        at: Position::start_of(window),
        count,
        total,
        served: 0,
        issued_ms: now.timestamp_millis(),
    }
}

/// The cursor of the page after `query`'s, which served `len` messages and whose next
/// message, if any, is at `next_at`; `None` after the last page. Every page gets a fresh
/// cursor with its own lifetime.
pub fn next_cursor(
    query: &CursorState,
    len: usize,
    next_at: Option<Position>,
    now: DateTime<Utc>,
) -> Option<CursorState> {
    let served = query.served + len as u64;
    next_at.filter(|_| served < query.total).map(|at| CursorState {
        at,
        served,
        issued_ms: now.timestamp_millis(),
        ..*query
    })
}

/// Why a cursor was refused; each family words it in its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not a token this server issued.
    Malformed,
    /// A token whose signature does not match: it was altered.
    Altered,
    OtherApp,
    /// Issued for another endpoint (another scope) of the same app.
    OtherScope,
    Expired {
        age_secs: i64,
    },
}

/// Checks a cursor token for this app and scope, at `now`.
pub fn open_cursor(
    signer: &Signer,
    token: &str,
    app: u64,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<CursorState, CursorError> {
    let state: CursorState = signer.verify(token).map_err(|err| match err {
        TokenError::Malformed => CursorError::Malformed,
        TokenError::BadSignature => CursorError::Altered,
    })?;
    if state.app != app {
        return Err(CursorError::OtherApp);
    }
    if state.scope != scope {
        return Err(CursorError::OtherScope);
    }
    let age_ms = now.timestamp_millis() - state.issued_ms;
    if age_ms > CURSOR_TTL.num_milliseconds() {
        return Err(CursorError::Expired {
            age_secs: age_ms / 1000,
        });
    }
    Ok(state)
}
