//! Which messages the Easemob history endpoints serve, and when. Pure: no HTTP, no JSON.
//!
//! - An hourly file exists from the end of its hour plus the generation delay, for the
//!   retention after that (SPEC §4; both configurable).
//! - The legacy ql query reaches back over the same retention, up to now; its pages are
//!   the shared cursor pages of [`crate::families::shared::cursor`].

use chrono::{DateTime, Utc};

use super::rules::EasemobSettings;
use super::{params::HOUR, ql::Comparison, EmError};
use crate::{
    dataset::chat::{Scope, Window},
    families::shared::{
        cursor::{self, CursorError, CursorState},
        rules::CURSOR_TTL,
    },
    kernel::signing::Signer,
};

/// Whether the file of the hour starting at `start` can be served at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// The hour has not ended, or its file is still being generated.
    Pending,
    Ready,
    /// Generated longer ago than the retention.
    Expired,
}

pub fn file_state(start: DateTime<Utc>, now: DateTime<Utc>, rules: &EasemobSettings) -> FileState {
    let generated = start + HOUR + rules.file_delay;
    if now < generated {
        FileState::Pending
    } else if now >= generated + rules.retention {
        FileState::Expired
    } else {
        FileState::Ready
    }
}

/// Every instant of the hour starting at `start`.
pub fn hour_window(start: DateTime<Utc>) -> Window {
    let first_ms = start.timestamp_millis();
    Window {
        first_ms,
        last_ms: first_ms + HOUR.num_milliseconds() - 1,
    }
}

/// The messages a ql query selects at `now`: those its comparison admits (all when there
/// is no `ql`), within the retention, up to now. `timestamp<N` thus covers
/// `[now - retention, N)`.
pub fn ql_window(comparison: Option<Comparison>, now: DateTime<Utc>, rules: &EasemobSettings) -> Window {
    let (first_ms, last_ms) = match comparison {
        Some(Comparison::After(n)) => (n.saturating_add(1), i64::MAX),
        Some(Comparison::Before(n)) => (i64::MIN, n.saturating_sub(1)),
        None => (i64::MIN, i64::MAX),
    };
    Window {
        first_ms: first_ms.max((now - rules.retention).timestamp_millis()),
        last_ms: last_ms.min(now.timestamp_millis()),
    }
}

/// Whether a cursor's window belongs to the query that `comparison` states: a cursor sent
/// with a different ql continues another query, which would break "each message once".
fn same_query(comparison: Comparison, window: Window) -> bool {
    window.is_empty()
        || match comparison {
            Comparison::After(n) => window.first_ms > n,
            Comparison::Before(n) => window.last_ms < n,
        }
}

/// The query a ql cursor continues, `limit` messages a page (each request sets its own).
pub fn next_query(
    signer: &Signer,
    app: u64,
    cursor: &str,
    comparison: Option<Comparison>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<CursorState, EmError> {
    let state = open_cursor(signer, cursor, app, now)?;
    if comparison.is_some_and(|c| !same_query(c, state.window)) {
        return Err(EmError::illegal(
            "cursor is invalid: it was issued for another ql query (keep ql unchanged while paging)",
        ));
    }
    Ok(CursorState { count: limit, ..state })
}

fn open_cursor(signer: &Signer, token: &str, app: u64, now: DateTime<Utc>) -> Result<CursorState, EmError> {
    cursor::open_cursor(signer, token, app, Scope::All, now).map_err(|err| {
        EmError::illegal(match err {
            CursorError::Malformed | CursorError::OtherScope => {
                "cursor is invalid: not a cursor issued by this server".to_owned()
            }
            CursorError::Altered => "cursor is invalid: its signature does not match (was it altered?)".to_owned(),
            CursorError::OtherApp => "cursor is invalid: it was issued to another application".to_owned(),
            CursorError::Expired { age_secs } => format!(
                "cursor expired: it was issued {age_secs} s ago and is valid for {} s; start again without cursor",
                CURSOR_TTL.num_seconds()
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::settings::Settings;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_file_exists_after_its_hour_and_delay_for_the_retention() {
        let rules = Settings::default().easemob;
        let start = at("2026-11-20T01:00:00Z");
        let state = |now: &str| file_state(start, at(now), &rules);
        assert_eq!(state("2026-11-20T01:30:00Z"), FileState::Pending, "hour not over");
        assert_eq!(state("2026-11-20T02:59:59Z"), FileState::Pending, "being generated");
        assert_eq!(state("2026-11-20T03:00:00Z"), FileState::Ready);
        assert_eq!(state("2026-11-23T02:59:59Z"), FileState::Ready);
        assert_eq!(state("2026-11-23T03:00:00Z"), FileState::Expired);
        assert_eq!(
            file_state(
                start,
                at("2026-11-20T02:00:00Z"),
                &EasemobSettings {
                    file_delay: TimeDelta::zero(),
                    ..rules
                }
            ),
            FileState::Ready
        );
    }

    #[test]
    fn ql_windows_stay_within_retention_and_now() {
        let rules = Settings::default().easemob;
        let now = at("2026-11-20T04:00:00Z");
        let start = (now - rules.retention).timestamp_millis();
        let n = now.timestamp_millis() - 5000;
        assert_eq!(
            ql_window(Some(Comparison::After(n)), now, &rules),
            Window {
                first_ms: n + 1,
                last_ms: now.timestamp_millis()
            }
        );
        assert_eq!(
            ql_window(Some(Comparison::Before(n)), now, &rules),
            Window {
                first_ms: start,
                last_ms: n - 1
            }
        );
        assert_eq!(ql_window(Some(Comparison::After(0)), now, &rules).first_ms, start);
        assert!(ql_window(Some(Comparison::After(i64::MAX)), now, &rules).is_empty());
        assert!(ql_window(Some(Comparison::Before(i64::MIN)), now, &rules).is_empty());
        let window = ql_window(Some(Comparison::After(n)), now, &rules);
        assert!(same_query(Comparison::After(n), window));
        assert!(!same_query(Comparison::After(n + 10), window));
        assert!(!same_query(Comparison::Before(n), window));
    }
}
