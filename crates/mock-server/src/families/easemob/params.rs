//! Request parameters of the Easemob endpoints, checked as SPEC §4 requires: the token
//! request body, the `YYYYMMDDHH` hour key and the ql query's `limit`. Pure: no HTTP.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde_json::Value;

use super::{
    rules::{DEFAULT_LIMIT, MAX_LIMIT, MAX_TOKEN_TTL_SECS},
    EmError,
};
use crate::kernel::query::QueryParams;

/// `POST /{org}/{app}/token`. Deliberately not `Debug`: it holds the client secret.
pub struct TokenRequest {
    pub client_id: String,
    pub client_secret: String,
    /// Seconds; `Some(0)` asks for a token that never expires, as the vendor documents.
    pub ttl: Option<u64>,
}

/// Reads a token request body, whatever its Content-Type (SDKs send none or a wrong one).
pub fn token_request(body: &[u8]) -> Result<TokenRequest, EmError> {
    let value: Value = serde_json::from_slice(body).map_err(|err| EmError::JsonParse(err.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| EmError::illegal("the request body must be a JSON object"))?;
    let text = |name: &str| -> Result<String, EmError> {
        match object.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(_) => Err(EmError::illegal(format!("{name} must be a non-empty string"))),
            None => Err(EmError::illegal(format!("{name} is required"))),
        }
    };
    if text("grant_type")? != "client_credentials" {
        return Err(EmError::UnsupportedGrantType);
    }
    Ok(TokenRequest {
        client_id: text("client_id")?,
        client_secret: text("client_secret")?,
        ttl: object.get("ttl").map(ttl).transpose()?,
    })
}

/// A ttl in seconds, as a JSON number or a numeric string (SDKs send either).
fn ttl(value: &Value) -> Result<u64, EmError> {
    let seconds = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    seconds.filter(|s| *s <= MAX_TOKEN_TTL_SECS).ok_or_else(|| {
        EmError::illegal(format!(
            "ttl must be a whole number of seconds from 0 to {MAX_TOKEN_TTL_SECS}"
        ))
    })
}

/// The hour a `YYYYMMDDHH` key names in the Easemob zone: its first instant.
pub fn hour_key(text: &str, zone: FixedOffset) -> Result<DateTime<Utc>, EmError> {
    let bad = || {
        EmError::illegal(format!(
            "This chatmessage request is not supported: the time must be YYYYMMDDHH (10 digits), got `{text}`"
        ))
    };
    if text.len() != 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| bad());
    let (year, month, day, hour) = (number(0..4)?, number(4..6)?, number(6..8)?, number(8..10)?);
    NaiveDate::from_ymd_opt(year as i32, month, day)
        .and_then(|date| date.and_hms_opt(hour, 0, 0))
        .and_then(|local| local.and_local_timezone(zone).single())
        .map(|local| local.to_utc())
        .ok_or_else(bad)
}

/// The `YYYYMMDDHH` key of the hour that starts at `start`, in the Easemob zone.
pub fn format_hour_key(start: DateTime<Utc>, zone: FixedOffset) -> String {
    start.with_timezone(&zone).format("%Y%m%d%H").to_string()
}

/// One hour from `start`: the span an hour key covers.
pub const HOUR: TimeDelta = TimeDelta::hours(1);

/// `limit` of a ql query.
pub fn limit(query: &QueryParams) -> Result<u32, EmError> {
    let Some(raw) = query.get("limit") else {
        return Ok(DEFAULT_LIMIT);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| EmError::illegal(format!("limit must be an integer from 1 to {MAX_LIMIT}, got `{raw}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beijing() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn hour_keys_are_local_hours() {
        let start = hour_key("2026112009", beijing()).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-11-20T01:00:00+00:00");
        assert_eq!(format_hour_key(start, beijing()), "2026112009");
        let utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(
            hour_key("2026112009", utc).unwrap().to_rfc3339(),
            "2026-11-20T09:00:00+00:00"
        );
        for bad in [
            "202611200",
            "20261120090",
            "2026112024",
            "2026133009",
            "2026022909",
            "2026-11-20",
            "２０２６１１２００９",
            "abcdefghij",
            "",
        ] {
            assert!(
                matches!(hour_key(bad, beijing()), Err(EmError::IllegalArgument(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn token_requests() {
        let ok =
            token_request(br#"{"grant_type":"client_credentials","client_id":"a","client_secret":"b","ttl":"60"}"#)
                .unwrap();
        assert_eq!(
            (ok.client_id.as_str(), ok.client_secret.as_str(), ok.ttl),
            ("a", "b", Some(60))
        );
        assert!(matches!(token_request(b"{not json"), Err(EmError::JsonParse(_))));
        assert!(matches!(token_request(b"[1]"), Err(EmError::IllegalArgument(_))));
        assert!(matches!(
            token_request(br#"{"grant_type":"password","client_id":"a","client_secret":"b"}"#),
            Err(EmError::UnsupportedGrantType)
        ));
        for bad in [
            r#"{"grant_type":"client_credentials","client_secret":"b"}"#,
            r#"{"grant_type":"client_credentials","client_id":7,"client_secret":"b"}"#,
            r#"{"grant_type":"client_credentials","client_id":"a","client_secret":"b","ttl":-1}"#,
            r#"{"grant_type":"client_credentials","client_id":"a","client_secret":"b","ttl":1e99}"#,
        ] {
            assert!(
                matches!(token_request(bad.as_bytes()), Err(EmError::IllegalArgument(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn limits() {
        let parse = |q: &str| limit(&QueryParams::from_uri(&format!("/x?{q}").parse().unwrap()));
        assert_eq!(parse(""), Ok(DEFAULT_LIMIT));
        assert_eq!(parse("limit=1000"), Ok(1000));
        for bad in ["limit=0", "limit=1001", "limit=ten", "limit=-1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
