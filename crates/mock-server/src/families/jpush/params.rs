//! JPush request parameters: the `msg_ids` list and the `status/message` body.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::Deserialize;

use super::{
    rules::{MAX_MSG_IDS, MAX_REGISTRATION_IDS},
    JpError,
};
use crate::kernel::query::QueryParams;

/// A requested msg_id: as the client wrote it (echoed back) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsgId<'a> {
    pub text: &'a str,
    pub value: u64,
}

impl MsgId<'_> {
    /// Written without leading zeros, as the mock itself writes it.
    pub fn is_canonical(&self) -> bool {
        !self.text.starts_with('0') || self.text == "0"
    }
}

/// `msg_ids`: comma-separated digits (commas possibly sent as `%2C`), 1 to 100 of them.
pub fn msg_ids(query: &QueryParams) -> Result<Vec<MsgId<'_>>, JpError> {
    let raw = query
        .get("msg_ids")
        .ok_or_else(|| JpError::invalid("msg_ids is required"))?;
    let items = memchr::memchr_iter(b',', raw.as_bytes()).count() + 1;
    let mut ids = Vec::with_capacity(items.min(MAX_MSG_IDS + 1));
    let mut start = 0;
    while start <= raw.len() {
        // A plain byte loop: `str::split`'s searcher costs more than these short items.
        let end = raw.as_bytes()[start..]
            .iter()
            .position(|&b| b == b',')
            .map_or(raw.len(), |at| start + at);
        let item = trimmed(&raw[start..end]);
        start = end + 1;
        // Empty items (a trailing comma) are tolerated; anything else must be digits.
        if item.is_empty() {
            continue;
        }
        let value = digits_value(item)
            .ok_or_else(|| JpError::invalid(format!("msg_ids must be comma-separated numbers, got `{item}`")))?;
        ids.push(MsgId { text: item, value });
    }
    if ids.is_empty() {
        return Err(JpError::invalid("msg_ids is required"));
    }
    if ids.len() > MAX_MSG_IDS {
        return Err(JpError::invalid(format!(
            "at most {MAX_MSG_IDS} msg_ids per request, got {}",
            ids.len()
        )));
    }
    Ok(ids)
}

/// The value of a run of ASCII digits (no sign, unlike `str::parse`); `None` for anything
/// else, or past `u64`.
fn digits_value(item: &str) -> Option<u64> {
    // Up to 19 digits cannot pass `u64::MAX`: no checks on the arithmetic then.
    if item.len() <= 19 && item.bytes().all(|b| b.is_ascii_digit()) {
        return Some(item.bytes().fold(0, |value, b| value * 10 + u64::from(b - b'0')));
    }
    item.bytes().try_fold(0u64, |value, byte| {
        let digit = byte.checked_sub(b'0').filter(|digit| *digit < 10)?;
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// `item` without surrounding whitespace (as `str::trim`), at once when it starts and ends
/// with a digit.
fn trimmed(item: &str) -> &str {
    let digit_at = |at: Option<&u8>| at.is_some_and(u8::is_ascii_digit);
    match digit_at(item.as_bytes().first()) && digit_at(item.as_bytes().last()) {
        true => item,
        false => item.trim(),
    }
}

/// The ids as they are echoed, joined by commas: the normalised `msg_ids`.
pub fn echoed(ids: &[MsgId<'_>]) -> String {
    let mut joined = String::with_capacity(ids.iter().map(|id| id.text.len() + 1).sum());
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            joined.push(',');
        }
        joined.push_str(id.text);
    }
    joined
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest<'a> {
    pub msg_id: u64,
    pub registration_ids: Vec<Cow<'a, str>>,
    pub date: Option<NaiveDate>,
}

/// The body as sent; strings are borrowed from it where they need no unescaping.
#[derive(Deserialize)]
struct StatusBody<'a> {
    msg_id: u64,
    #[serde(borrow)]
    registration_ids: Vec<Text<'a>>,
    #[serde(default, borrow)]
    date: Option<Cow<'a, str>>,
}

/// A string borrowed from the body unless it has escapes. (serde borrows a `Cow` only
/// as a field of its own, never inside a `Vec`: a `Vec<Cow<str>>` allocates every item,
/// which tripled the cost of parsing 1000 registration ids.)
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Text<'a>, D::Error> {
        struct Borrowing<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Borrowing<'a> {
            type Value = Text<'a>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }

        deserializer.deserialize_str(Borrowing(std::marker::PhantomData))
    }
}

/// The `status/message` body, whatever its Content-Type (SDKs send malformed ones).
pub fn status_request(body: &[u8]) -> Result<StatusRequest<'_>, JpError> {
    let invalid = |err: &dyn std::fmt::Display| {
        JpError::invalid(format!(
            "invalid body: {err} (expected {{\"msg_id\": number, \"registration_ids\": [string], \"date\"?: \"yyyy-mm-dd\"}})"
        ))
    };
    // Checked as UTF-8 once, whole: parsing from a `str` then skips checking each string.
    let text = std::str::from_utf8(body).map_err(|err| invalid(&err))?;
    let body: StatusBody = serde_json::from_str(text).map_err(|err| invalid(&err))?;
    let ids = body.registration_ids.len();
    if ids == 0 || ids > MAX_REGISTRATION_IDS {
        return Err(JpError::invalid(format!(
            "registration_ids must hold 1 to {MAX_REGISTRATION_IDS} ids, got {ids}"
        )));
    }
    let date = body
        .date
        .map(|text| {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| JpError::invalid(format!("date must be formatted as yyyy-mm-dd, got `{text}`")))
        })
        .transpose()?;
    Ok(StatusRequest {
        msg_id: body.msg_id,
        registration_ids: body.registration_ids.into_iter().map(|text| text.0).collect(),
        date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(query: &str) -> Result<Vec<u64>, JpError> {
        let uri: axum::http::Uri = format!("/v3/received?{query}").parse().unwrap();
        msg_ids(&QueryParams::from_uri(&uri)).map(|v| v.into_iter().map(|m| m.value).collect())
    }

    #[test]
    fn msg_ids_rules() {
        assert_eq!(ids("msg_ids=1,2").unwrap(), [1, 2]);
        assert_eq!(ids("msg_ids=1%2C2%2c3,").unwrap(), [1, 2, 3]);
        assert_eq!(ids("msg_ids=1,+2").unwrap(), [1, 2]);
        assert_eq!(
            ids("msg_ids=,7+,,%E3%80%808,0009").unwrap(),
            [7, 8, 9],
            "trimmed as str::trim"
        );
        assert_eq!(ids("msg_ids=18446744073709551615").unwrap(), [u64::MAX]);
        assert_eq!(ids("msg_ids=9999999999999999999").unwrap(), [9_999_999_999_999_999_999]);
        for bad in [
            "",
            "msg_ids=",
            "msg_ids=1,a",
            "msg_ids=-1",
            "msg_ids=1.5",
            "msg_ids=99999999999999999999999",
            "msg_ids=18446744073709551616",
            "msg_ids=,,",
        ] {
            assert!(matches!(ids(bad), Err(JpError::Invalid(_))), "{bad}");
        }
        let hundred = (0..100).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(ids(&format!("msg_ids={hundred}")).unwrap().len(), 100);
        assert!(ids(&format!("msg_ids={hundred},100")).is_err());
    }

    #[test]
    fn registration_ids_are_borrowed_unless_escaped() {
        let request = status_request(br#"{"msg_id": 5, "registration_ids": ["plain", "esc\u0061ped"]}"#).unwrap();
        assert!(matches!(request.registration_ids[0], Cow::Borrowed("plain")));
        assert!(matches!(&request.registration_ids[1], Cow::Owned(text) if text == "escaped"));
    }

    #[test]
    fn status_body_rules() {
        let ok = status_request(br#"{"msg_id": 5, "registration_ids": ["a"], "date": "2026-11-20"}"#).unwrap();
        assert_eq!(ok.msg_id, 5);
        assert!(ok.date.is_some());
        for bad in [
            &b"{"[..],
            br#"[]"#,
            br#"{"registration_ids": ["a"]}"#,
            br#"{"msg_id": "5", "registration_ids": ["a"]}"#,
            br#"{"msg_id": -5, "registration_ids": ["a"]}"#,
            br#"{"msg_id": 5}"#,
            br#"{"msg_id": 5, "registration_ids": []}"#,
            br#"{"msg_id": 5, "registration_ids": [1]}"#,
            br#"{"msg_id": 5, "registration_ids": ["a"], "date": "20261120"}"#,
        ] {
            assert!(status_request(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let too_many = format!(
            r#"{{"msg_id": 5, "registration_ids": [{}]}}"#,
            vec!["\"x\""; 1001].join(",")
        );
        assert!(status_request(too_many.as_bytes()).is_err());
    }
}
