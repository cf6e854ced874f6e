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
    let ids = match plain_ids(raw) {
        Some(ids) => ids,
        None => spaced_ids(raw)?,
    };
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

/// A room for the ids of `raw`, however many (a request is at most 32 KB).
fn room_for_ids(raw: &str) -> Vec<MsgId<'_>> {
    let items = memchr::memchr_iter(b',', raw.as_bytes()).count() + 1;
    Vec::with_capacity(items.min(MAX_MSG_IDS + 1))
}

/// The ids of a list of digits and commas only, none longer than 19 digits (which cannot
/// pass `u64::MAX`), read in one pass; `None` for any other list, which
/// [`spaced_ids`] reads.
fn plain_ids(raw: &str) -> Option<Vec<MsgId<'_>>> {
    const LONGEST: usize = 19;
    let mut ids = room_for_ids(raw);
    let (mut start, mut value) = (0, 0u64);
    for (at, &byte) in raw.as_bytes().iter().chain([&b',']).enumerate() {
        match byte {
            b'0'..=b'9' => value = value.wrapping_mul(10).wrapping_add(u64::from(byte - b'0')),
            b',' if at - start > LONGEST => return None,
            b',' => {
                if at > start {
                    ids.push(MsgId {
                        text: &raw[start..at],
                        value,
                    });
                }
                (start, value) = (at + 1, 0);
            }
            _ => return None,
        }
    }
    Some(ids)
}

/// The ids of any list: items trimmed (as `str::trim`), empty ones skipped, the others
/// digits within `u64`.
fn spaced_ids(raw: &str) -> Result<Vec<MsgId<'_>>, JpError> {
    let mut ids = room_for_ids(raw);
    for item in raw.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let value = digits_value(item)
            .ok_or_else(|| JpError::invalid(format!("msg_ids must be comma-separated numbers, got `{item}`")))?;
        ids.push(MsgId { text: item, value });
    }
    Ok(ids)
}

/// The value of a run of ASCII digits (no sign, unlike `str::parse`); `None` for anything
/// else, or past `u64`.
fn digits_value(item: &str) -> Option<u64> {
    item.bytes().try_fold(0u64, |value, byte| {
        let digit = byte.checked_sub(b'0').filter(|digit| *digit < 10)?;
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
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
    fn the_one_pass_reading_agrees_with_the_general_one() {
        for raw in [
            "1",
            "1,2",
            ",1,,2,",
            "0009",
            "9999999999999999999",
            "",
            ",",
            "1234567890123456789,7",
        ] {
            let plain = plain_ids(raw).unwrap_or_else(|| panic!("{raw} is plain"));
            assert_eq!(plain, spaced_ids(raw).unwrap(), "{raw}");
        }
        for other in ["18446744073709551615", "1, 2", "1,a", "+1", "99999999999999999999"] {
            assert!(plain_ids(other).is_none(), "{other}");
        }
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
