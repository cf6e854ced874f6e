//! Which messages a history query selects. Pure: no HTTP, no JSON. Cursor pages are the
//! shared [`crate::families::shared::cursor`]; this module adds JMessage's
//! windows and its wording of cursor errors.

use chrono::{DateTime, Utc};

pub use super::rules::Boundary;
use super::JmError;
use crate::{
    dataset::chat::{Scope, Window},
    families::shared::cursor::{self, CursorError, CursorState},
    kernel::signing::Signer,
};

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

/// Checks a cursor token for this app and endpoint, at `now`.
pub fn open_cursor(
    signer: &Signer,
    token: &str,
    app: u64,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<CursorState, JmError> {
    cursor::open_cursor(signer, token, app, scope, now).map_err(|err| match err {
        CursorError::Malformed => JmError::invalid("cursor is invalid: not a cursor issued by this server"),
        CursorError::Altered => JmError::invalid("cursor is invalid: its signature does not match (was it altered?)"),
        CursorError::OtherApp => JmError::invalid("cursor is invalid: it was issued to another app"),
        CursorError::OtherScope => JmError::invalid("cursor is invalid: it was issued for another endpoint"),
        CursorError::Expired { age_secs } => JmError::CursorExpired { age_secs },
    })
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
