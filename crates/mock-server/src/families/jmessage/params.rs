//! Request parameters of the history endpoints, checked as SPEC §2/§3 require.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

use super::{
    rules::{MAX_COUNT, MAX_RANGE, TIME_FORMAT},
    JmError,
};
use crate::kernel::query::QueryParams;

/// A V2 request: a first page (count and window) or a later page (cursor alone).
#[derive(Debug, PartialEq, Eq)]
pub enum V2Request {
    First {
        count: u32,
        begin: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    Next {
        cursor: String,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub struct V1Request {
    pub start: u64,
    pub count: u32,
    pub begin: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

pub fn v2_request(query: &QueryParams, timezone: FixedOffset) -> Result<V2Request, JmError> {
    // SPEC §2: later pages send the cursor alone; a cursor wins over anything sent with it.
    if let Some(cursor) = query.get("cursor") {
        return Ok(V2Request::Next {
            cursor: cursor.to_owned(),
        });
    }
    let count = count(query)?;
    let begin = time(query, "begin_time", timezone)?.ok_or_else(|| missing("begin_time"))?;
    let end = time(query, "end_time", timezone)?.ok_or_else(|| missing("end_time"))?;
    check_order(begin, end)?;
    if end - begin > MAX_RANGE {
        return Err(JmError::invalid(format!(
            "the range between begin_time and end_time must not exceed {} days",
            MAX_RANGE.num_days()
        )));
    }
    Ok(V2Request::First { count, begin, end })
}

/// The first-page parameters sent beside a `cursor`, which the cursor overrides: later
/// pages send the cursor alone (docs/SPEC.md §2).
pub fn sent_with_cursor(query: &QueryParams) -> Vec<&'static str> {
    if query.get("cursor").is_none() {
        return Vec::new();
    }
    ["count", "begin_time", "end_time"]
        .into_iter()
        .filter(|name| query.get(name).is_some())
        .collect()
}

pub fn v1_request(query: &QueryParams, timezone: FixedOffset) -> Result<V1Request, JmError> {
    let start = query.get("start").ok_or_else(|| missing("start"))?;
    let start = start
        .parse::<u64>()
        .map_err(|_| JmError::invalid(format!("start must be a non-negative integer, got `{start}`")))?;
    let count = count(query)?;
    let begin = time(query, "begin_time", timezone)?;
    let end = time(query, "end_time", timezone)?;
    if let (Some(begin), Some(end)) = (begin, end) {
        check_order(begin, end)?;
    }
    Ok(V1Request {
        start,
        count,
        begin,
        end,
    })
}

fn count(query: &QueryParams) -> Result<u32, JmError> {
    let raw = query.get("count").ok_or_else(|| missing("count"))?;
    raw.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_COUNT).contains(n))
        .ok_or_else(|| JmError::invalid(format!("count must be an integer from 1 to {MAX_COUNT}, got `{raw}`")))
}

/// A `yyyy-MM-dd HH:mm:ss` wall-clock time in the configured zone.
fn time(query: &QueryParams, name: &str, timezone: FixedOffset) -> Result<Option<DateTime<Utc>>, JmError> {
    let Some(raw) = query.get(name) else {
        return Ok(None);
    };
    NaiveDateTime::parse_from_str(raw.trim(), TIME_FORMAT)
        .ok()
        .and_then(|naive| naive.and_local_timezone(timezone).single())
        .map(|local| Some(local.to_utc()))
        .ok_or_else(|| JmError::invalid(format!("{name} must be formatted as yyyy-MM-dd HH:mm:ss, got `{raw}`")))
}

fn check_order(begin: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), JmError> {
    if end < begin {
        return Err(JmError::invalid("end_time must not be before begin_time"));
    }
    Ok(())
}

fn missing(name: &str) -> JmError {
    JmError::invalid(format!("{name} is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_v2(query: &str) -> Result<V2Request, JmError> {
        let uri: axum::http::Uri = format!("/v2/messages?{query}").parse().unwrap();
        v2_request(&QueryParams::from_uri(&uri), FixedOffset::east_opt(8 * 3600).unwrap())
    }

    #[test]
    fn first_page_reads_local_times() {
        let request = parse_v2("count=5&begin_time=2026-11-02+10:10:10&end_time=2026-11-02%2010:10:12").unwrap();
        let V2Request::First { count, begin, end } = request else {
            panic!("{request:?}")
        };
        assert_eq!(count, 5);
        assert_eq!(begin.to_rfc3339(), "2026-11-02T02:10:10+00:00");
        assert_eq!((end - begin).num_seconds(), 2);
    }

    #[test]
    fn parameter_rules() {
        let ok_window = "begin_time=2026-11-01+00:00:00&end_time=2026-11-08+00:00:00";
        assert!(
            parse_v2(&format!("count=1000&{ok_window}")).is_ok(),
            "exactly 7 days is allowed"
        );
        for bad in [
            format!("count=0&{ok_window}"),
            format!("count=1001&{ok_window}"),
            format!("count=ten&{ok_window}"),
            ok_window.to_string(),
            "count=1&begin_time=2026-11-01+00:00:00".into(),
            "count=1&begin_time=2026-11-01+00:00:00&end_time=2026-11-08+00:00:01".into(),
            "count=1&begin_time=2026-11-02+00:00:00&end_time=2026-11-01+00:00:00".into(),
            "count=1&begin_time=2026/11/01&end_time=2026-11-02+00:00:00".into(),
        ] {
            assert!(matches!(parse_v2(&bad), Err(JmError::Invalid(_))), "{bad}");
        }
        assert_eq!(
            parse_v2("cursor=abc&count=5"),
            Ok(V2Request::Next { cursor: "abc".into() })
        );
    }
}
