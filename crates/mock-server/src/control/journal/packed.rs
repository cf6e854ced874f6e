//! An entry as the journal keeps it in memory: its numbers inline, and every text field
//! (method, path, query, headers, app, warnings) one after another in one buffer, each
//! cut to its bound as it is written. Recording a request then costs one allocation
//! rather than one per field, and evicting it one free (docs/PERFORMANCE.md); it becomes
//! an [`Entry`] only when read. This is the one place that applies the entry's bounds,
//! and the one that writes and reads the form a fleet's store keeps ([`Packed::stored`]):
//! the same numbers and text in one byte string, so a replica sends what it packed without
//! making JSON of it.

use axum::http::HeaderMap;
use chrono::{DateTime, FixedOffset, Utc};

use super::{Entry, Facts, CUT_MARK, MAX_FIELD_BYTES, MAX_HEADERS, MAX_HEADER_VALUE_BYTES, MAX_WARNINGS};
use crate::control::{faults::FamilyName, redact};

/// The fields an entry may name as cut, in the order `truncated` lists them; bit `i` of
/// a packed entry's cut fields stands for `CUTTABLE[i]`.
pub const CUTTABLE: [&str; 6] = ["method", "path", "query", "app", "headers", "warnings"];
const METHOD: u8 = 1;
const PATH: u8 = 1 << 1;
const QUERY: u8 = 1 << 2;
const APP: u8 = 1 << 3;
const HEADERS: u8 = 1 << 4;
const WARNINGS: u8 = 1 << 5;

/// A first guess at a packed entry's text: most requests' fit.
const TYPICAL_TEXT: usize = 256;

/// Text fields one after another, each as its length (two bytes, little endian) and its
/// UTF-8 bytes; and which fields were cut.
#[derive(Debug)]
struct Text {
    bytes: Vec<u8>,
    cut: u8,
}

impl Text {
    /// Writes one field of at most `max` bytes from what `write` pushes; `flag` marks it cut.
    fn field(&mut self, max: usize, flag: u8, write: impl FnOnce(&mut Field<'_>)) {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(&[0, 0]);
        let mut field = Field {
            bytes: &mut self.bytes,
            start: at + 2,
            max,
            cut: false,
        };
        write(&mut field);
        if field.cut {
            self.cut |= flag;
        }
        let len = u16::try_from(self.bytes.len() - at - 2).expect("fields are at most MAX_FIELD_BYTES");
        self.bytes[at..at + 2].copy_from_slice(&len.to_le_bytes());
    }

    #[inline]
    fn text(&mut self, max: usize, flag: u8, text: &str) {
        match u16::try_from(text.len()) {
            Ok(len) if text.len() <= max => {
                self.bytes.extend_from_slice(&len.to_le_bytes());
                self.bytes.extend_from_slice(text.as_bytes());
            }
            _ => self.field(max, flag, |field| field.push(text)),
        }
    }
}

/// One field being written: pieces are appended until they pass `max` bytes; the field
/// is then cut as [`super::clip`] cuts a string, on a character boundary, ending in
/// [`CUT_MARK`].
pub struct Field<'a> {
    bytes: &'a mut Vec<u8>,
    start: usize,
    max: usize,
    cut: bool,
}

impl Field<'_> {
    #[inline]
    pub fn push(&mut self, piece: &str) {
        if !self.cut && self.bytes.len() - self.start + piece.len() <= self.max {
            self.bytes.extend_from_slice(piece.as_bytes());
        } else {
            self.cut_with(piece);
        }
    }

    #[cold]
    fn cut_with(&mut self, piece: &str) {
        if self.cut {
            return;
        }
        let written = self.bytes.len() - self.start;
        // Enough of the piece to stand past the bound by a whole character, then back to
        // the last boundary that leaves room for the mark.
        let take = (self.max + 4 - written).min(piece.len());
        self.bytes.extend_from_slice(&piece.as_bytes()[..take]);
        let mut end = self.start + self.max - CUT_MARK.len();
        while end > self.start && is_continuation(self.bytes[end]) {
            end -= 1;
        }
        self.bytes.truncate(end);
        self.bytes.extend_from_slice(CUT_MARK.as_bytes());
        self.cut = true;
    }
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// An entry whose request is written and whose answer is not yet known.
#[derive(Debug)]
pub struct Draft {
    text: Text,
    has_query: bool,
    headers: u8,
}

/// What is known of an exchange once it is answered.
pub struct Outcome<'a, W> {
    pub time: DateTime<FixedOffset>,
    pub body_bytes: u64,
    pub family: Option<FamilyName>,
    pub app: Option<&'a str>,
    pub status: u16,
    pub latency_ms: f64,
    pub fault: Option<u64>,
    pub warnings: &'a [W],
}

impl Draft {
    fn new(method: &str, path: &str) -> Draft {
        let mut text = Text {
            bytes: Vec::with_capacity(TYPICAL_TEXT),
            cut: 0,
        };
        text.text(MAX_FIELD_BYTES, METHOD, method);
        text.text(MAX_FIELD_BYTES, PATH, path);
        Draft {
            text,
            has_query: false,
            headers: 0,
        }
    }

    /// A request's head as the journal shows it: its query and headers as
    /// [`redact`] shows them (secrets replaced, the mock's own marks left out).
    pub fn request(method: &str, path: &str, query: Option<&str>, headers: &HeaderMap) -> Draft {
        let mut draft = Draft::new(method, path);
        if let Some(query) = query {
            draft.has_query = true;
            draft.text.field(MAX_FIELD_BYTES, QUERY, |field| {
                redact::query_pieces(query, |piece| field.push(piece))
            });
        }
        for (name, value) in headers {
            if usize::from(draft.headers) == MAX_HEADERS {
                if redact::header_pieces(name, value.as_bytes(), |_| {}) {
                    draft.text.cut |= HEADERS;
                    break;
                }
                continue;
            }
            let mark = draft.text.bytes.len();
            draft.text.text(MAX_HEADER_VALUE_BYTES, HEADERS, name.as_str());
            let mut shown = false;
            draft.text.field(MAX_HEADER_VALUE_BYTES, HEADERS, |field| {
                shown = redact::header_pieces(name, value.as_bytes(), |piece| field.push(piece));
            });
            match shown {
                true => draft.headers += 1,
                false => draft.text.bytes.truncate(mark),
            }
        }
        draft
    }

    /// The entry, numbered `seq` 0 until the journal keeps it.
    pub fn finish<W: AsRef<str>>(mut self, outcome: Outcome<'_, W>) -> Packed {
        let text = &mut self.text;
        if let Some(app) = outcome.app {
            text.text(MAX_FIELD_BYTES, APP, app);
        }
        let warnings = outcome.warnings;
        let named = if warnings.len() > MAX_WARNINGS {
            MAX_WARNINGS - 1
        } else {
            warnings.len()
        };
        for warning in &warnings[..named] {
            text.text(MAX_FIELD_BYTES, WARNINGS, warning.as_ref());
        }
        if named < warnings.len() {
            let more = warnings.len() - named;
            text.text(MAX_FIELD_BYTES, WARNINGS, &format!("… and {more} more warnings"));
            text.cut |= WARNINGS;
        }
        Packed {
            seq: 0,
            time: outcome.time,
            body_bytes: outcome.body_bytes,
            latency_ms: outcome.latency_ms,
            fault: outcome.fault,
            status: outcome.status,
            family: outcome.family,
            has_query: self.has_query,
            has_app: outcome.app.is_some(),
            headers: self.headers,
            warnings: u8::try_from(warnings.len().min(MAX_WARNINGS)).expect("MAX_WARNINGS fits"),
            cut: self.text.cut,
            text: self.text.bytes.into_boxed_slice(),
        }
    }
}

/// An entry as the journal keeps it.
#[derive(Debug, Clone)]
pub struct Packed {
    pub seq: u64,
    time: DateTime<FixedOffset>,
    body_bytes: u64,
    latency_ms: f64,
    fault: Option<u64>,
    status: u16,
    family: Option<FamilyName>,
    has_query: bool,
    has_app: bool,
    headers: u8,
    warnings: u8,
    cut: u8,
    /// method, path, query?, (header name, header value)*, app?, warning*
    text: Box<[u8]>,
}

impl Packed {
    /// The heap and inline bytes the entry holds.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Packed>() + self.text.len()
    }

    /// The text's fields as written, each after its two length bytes; stops at the end or
    /// at a field its length runs past.
    fn raw_fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = &self.text[..];
        std::iter::from_fn(move || {
            let (len, after) = rest.split_first_chunk::<2>()?;
            let (field, after) = after.split_at_checked(usize::from(u16::from_le_bytes(*len)))?;
            rest = after;
            Some(field)
        })
    }

    fn fields(&self) -> impl Iterator<Item = &str> {
        // Written from `&str` pieces cut on boundaries (or checked when read from a store):
        // always UTF-8.
        self.raw_fields()
            .map(|field| std::str::from_utf8(field).unwrap_or_default())
    }

    fn path(&self) -> &str {
        self.fields().nth(1).unwrap_or_default()
    }

    /// The app and the warnings, after the request's fields.
    fn answer_fields(&self) -> impl Iterator<Item = &str> {
        let request_fields = 2 + usize::from(self.has_query) + 2 * usize::from(self.headers);
        self.fields().skip(request_fields)
    }

    fn app(&self) -> Option<&str> {
        self.has_app.then(|| self.answer_fields().next()).flatten()
    }

    /// What a journal filter looks at.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            seq: self.seq,
            family: self.family,
            path: self.path(),
            status: self.status,
            app: self.app(),
            warned: self.warnings > 0,
        }
    }

    /// The entry as `GET /_mock/journal` shows it.
    pub fn entry(&self) -> Entry {
        let mut fields = self.fields().map(str::to_owned);
        let mut next = || fields.next().unwrap_or_default();
        let method = next();
        let path = next();
        let query = self.has_query.then(&mut next);
        let headers = (0..self.headers).map(|_| (next(), next())).collect();
        let app = self.has_app.then(&mut next);
        let warnings = (0..self.warnings).map(|_| next()).collect();
        let truncated = CUTTABLE
            .iter()
            .enumerate()
            .filter(|(bit, _)| self.cut & (1 << bit) != 0)
            .map(|(_, name)| *name)
            .collect();
        Entry {
            seq: self.seq,
            time: self.time,
            method,
            path,
            query,
            headers,
            body_bytes: self.body_bytes,
            family: self.family,
            app,
            status: self.status,
            latency_ms: self.latency_ms,
            fault: self.fault,
            warnings,
            truncated,
        }
    }
}

/// The first byte of an entry in a fleet's store: the version of the form below. A
/// replica reads back only entries of the form it writes.
const STORED_FORM: u8 = 1;

/// The numbers of a stored entry, before its text: form, seconds, nanoseconds, offset,
/// body bytes, latency, fault (present, id), status, family, has query, has app, headers,
/// warnings, cut fields.
const STORED_HEAD: usize = 1 + 8 + 4 + 4 + 8 + 8 + 1 + 8 + 2 + 1 + 1 + 1 + 1 + 1 + 1;

const FAMILIES: [FamilyName; 3] = [FamilyName::Jpush, FamilyName::Jmessage, FamilyName::Easemob];

impl Packed {
    /// The entry as a fleet's store keeps it (without its `seq`, which the store assigns):
    /// its numbers little endian, then its text as kept here.
    pub fn stored(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(STORED_HEAD + self.text.len());
        out.push(STORED_FORM);
        out.extend_from_slice(&self.time.timestamp().to_le_bytes());
        out.extend_from_slice(&self.time.timestamp_subsec_nanos().to_le_bytes());
        out.extend_from_slice(&self.time.offset().local_minus_utc().to_le_bytes());
        out.extend_from_slice(&self.body_bytes.to_le_bytes());
        out.extend_from_slice(&self.latency_ms.to_bits().to_le_bytes());
        out.push(u8::from(self.fault.is_some()));
        out.extend_from_slice(&self.fault.unwrap_or_default().to_le_bytes());
        out.extend_from_slice(&self.status.to_le_bytes());
        let family = self
            .family
            .map_or(0, |f| 1 + FAMILIES.iter().position(|k| *k == f).unwrap_or_default());
        out.push(family as u8);
        out.extend_from_slice(&[
            u8::from(self.has_query),
            u8::from(self.has_app),
            self.headers,
            self.warnings,
            self.cut,
        ]);
        out.extend_from_slice(&self.text);
        out
    }

    /// An entry [`Packed::stored`] wrote, numbered `seq`; `None` for any other bytes
    /// (another form, or damaged): every number is checked, and the text must hold
    /// exactly the fields its counts name, each UTF-8.
    pub fn from_stored(bytes: &[u8], seq: u64) -> Option<Packed> {
        let (&form, mut rest) = bytes.split_first()?;
        if form != STORED_FORM {
            return None;
        }
        let mut take = |n: usize| -> Option<&[u8]> {
            let (taken, after) = rest.split_at_checked(n)?;
            rest = after;
            Some(taken)
        };
        let secs = i64::from_le_bytes(take(8)?.try_into().ok()?);
        let nanos = u32::from_le_bytes(take(4)?.try_into().ok()?);
        let offset = i32::from_le_bytes(take(4)?.try_into().ok()?);
        let time = DateTime::<Utc>::from_timestamp(secs, nanos)?.with_timezone(&FixedOffset::east_opt(offset)?);
        let body_bytes = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let latency_ms = f64::from_bits(u64::from_le_bytes(take(8)?.try_into().ok()?));
        let has_fault = flag(take(1)?[0])?;
        let fault = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let status = u16::from_le_bytes(take(2)?.try_into().ok()?);
        let family = match take(1)?[0] {
            0 => None,
            n => Some(*FAMILIES.get(usize::from(n) - 1)?),
        };
        let [has_query, has_app, headers, warnings, cut] = *take(5)? else {
            return None;
        };
        let packed = Packed {
            seq,
            time,
            body_bytes,
            latency_ms,
            fault: has_fault.then_some(fault),
            status,
            family,
            has_query: flag(has_query)?,
            has_app: flag(has_app)?,
            headers,
            warnings,
            cut,
            text: rest.into(),
        };
        let named = 2
            + usize::from(packed.has_query)
            + 2 * usize::from(headers)
            + usize::from(packed.has_app)
            + usize::from(warnings);
        let well_formed = usize::from(headers) <= MAX_HEADERS
            && usize::from(warnings) <= MAX_WARNINGS
            && usize::from(cut) < 1 << CUTTABLE.len()
            && packed.text_is_exactly(named);
        well_formed.then_some(packed)
    }

    /// Whether the text is `count` fields, each UTF-8, and nothing after them.
    fn text_is_exactly(&self, count: usize) -> bool {
        let (mut fields, mut bytes) = (0, 0);
        for field in self.raw_fields() {
            if std::str::from_utf8(field).is_err() {
                return false;
            }
            fields += 1;
            bytes += 2 + field.len();
        }
        fields == count && bytes == self.text.len()
    }
}

fn flag(byte: u8) -> Option<bool> {
    match byte {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// For tests that record entries made by hand.
#[cfg(test)]
impl From<&Entry> for Packed {
    /// `entry` cut to its bounds (its own `truncated` is recomputed).
    fn from(entry: &Entry) -> Packed {
        let mut draft = Draft::new(&entry.method, &entry.path);
        if let Some(query) = &entry.query {
            draft.has_query = true;
            draft.text.text(MAX_FIELD_BYTES, QUERY, query);
        }
        for (name, value) in &entry.headers {
            if usize::from(draft.headers) == MAX_HEADERS {
                draft.text.cut |= HEADERS;
                break;
            }
            draft.text.text(MAX_HEADER_VALUE_BYTES, HEADERS, name);
            draft.text.text(MAX_HEADER_VALUE_BYTES, HEADERS, value);
            draft.headers += 1;
        }
        let mut packed = draft.finish(Outcome {
            time: entry.time,
            body_bytes: entry.body_bytes,
            family: entry.family,
            app: entry.app.as_deref(),
            status: entry.status,
            latency_ms: entry.latency_ms,
            fault: entry.fault,
            warnings: &entry.warnings,
        });
        packed.seq = entry.seq;
        packed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn outcome<'a>(app: Option<&'a str>, warnings: &'a [&'a str]) -> Outcome<'a, &'a str> {
        Outcome {
            time: DateTime::default(),
            body_bytes: 7,
            family: Some(FamilyName::Jpush),
            app,
            status: 200,
            latency_ms: 1.5,
            fault: Some(3),
            warnings,
        }
    }

    #[test]
    fn a_request_reads_back_redacted_and_whole() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Basic N2Q0MzE6NWU5OA=="));
        headers.insert("x-mock-raw-space", HeaderValue::from_static("1"));
        headers.append("accept", HeaderValue::from_static("a"));
        headers.append("accept", HeaderValue::from_static("b"));
        headers.insert("user-agent", HeaderValue::from_bytes(b"sdk/\xff").unwrap());
        let draft = Draft::request("GET", "/v3/received", Some("msg_ids=1&Signatur%65=s"), &headers);
        let packed = draft.finish(outcome(Some("7d431e42"), &["w1", "w2"]));
        let entry = packed.entry();
        assert_eq!((entry.method.as_str(), entry.path.as_str()), ("GET", "/v3/received"));
        assert_eq!(entry.query.as_deref(), Some("msg_ids=1&Signatur%65=REDACTED"));
        let shown: Vec<(&str, &str)> = entry.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            shown,
            [
                ("authorization", "Basic REDACTED"),
                ("accept", "a"),
                ("accept", "b"),
                ("user-agent", "sdk/\u{fffd}")
            ]
        );
        assert_eq!(entry.app.as_deref(), Some("7d431e42"));
        assert_eq!(entry.warnings, ["w1", "w2"]);
        assert_eq!((entry.body_bytes, entry.status, entry.fault), (7, 200, Some(3)));
        assert!(entry.truncated.is_empty());
        let facts = packed.facts();
        assert_eq!(
            (facts.path, facts.app, facts.warned),
            ("/v3/received", Some("7d431e42"), true)
        );
        let bare = Draft::request("POST", "/x", None, &HeaderMap::new()).finish(outcome(None, &[]));
        let facts = bare.facts();
        assert_eq!((facts.path, facts.app, facts.warned), ("/x", None, false));
        assert_eq!(bare.entry().query, None);
    }

    /// Entries of every shape: with and without query, headers, app, fault, family and
    /// warnings, cut fields, an offset and a fraction of a second.
    fn varied() -> Vec<Packed> {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Basic N2Q0MzE6NWU5OA=="));
        headers.append("accept", HeaderValue::from_static("a"));
        headers.append("accept", HeaderValue::from_static("b"));
        let long_path = format!("/v3/{}", "é".repeat(MAX_FIELD_BYTES));
        let many: Vec<String> = (0..MAX_WARNINGS + 3).map(|i| format!("w{i}")).collect();
        let time = DateTime::parse_from_rfc3339("2026-11-20T20:00:00.123456789+08:00").unwrap();
        let mut full = Draft::request("POST", &long_path, Some("a=1&b=%20"), &headers).finish(Outcome {
            time,
            body_bytes: u64::MAX,
            family: Some(FamilyName::Easemob),
            app: Some("org#app"),
            status: 503,
            latency_ms: 0.125,
            fault: Some(u64::MAX),
            warnings: &many,
        });
        full.seq = 41;
        let bare = Draft::request("GET", "/", None, &HeaderMap::new()).finish(Outcome {
            time: DateTime::default(),
            body_bytes: 0,
            family: None,
            app: None,
            status: 200,
            latency_ms: 0.0,
            fault: None,
            warnings: &[] as &[&str],
        });
        vec![
            full,
            bare,
            Draft::request("GET", "/v3/received", Some(""), &headers).finish(outcome(None, &["w"])),
        ]
    }

    fn json(packed: &Packed) -> serde_json::Value {
        serde_json::to_value(packed.entry()).unwrap()
    }

    #[test]
    fn the_stored_form_reads_back_as_the_same_entry() {
        for packed in varied() {
            let back = Packed::from_stored(&packed.stored(), packed.seq).expect("its own form");
            assert_eq!(json(&back), json(&packed));
            assert_eq!(back.bytes(), packed.bytes());
            let (a, b) = (back.facts(), packed.facts());
            assert_eq!(
                (a.seq, a.family, a.path, a.status, a.app, a.warned),
                (b.seq, b.family, b.path, b.status, b.app, b.warned)
            );
        }
        let renumbered = Packed::from_stored(&varied()[1].stored(), 7).unwrap();
        assert_eq!(renumbered.entry().seq, 7);
    }

    #[test]
    fn any_other_bytes_are_refused_without_a_panic() {
        for packed in varied() {
            let stored = packed.stored();
            // Every shorter prefix, and one byte more.
            for len in 0..stored.len() {
                assert!(Packed::from_stored(&stored[..len], 1).is_none(), "cut to {len}");
            }
            let mut longer = stored.clone();
            longer.push(b'x');
            assert!(Packed::from_stored(&longer, 1).is_none());
            // Each byte of the numbers changed to values out of their range, and the text
            // made invalid UTF-8: refused or read, never a panic.
            for at in 0..stored.len() {
                for value in [0, 2, 0x7f, 0xff] {
                    let mut damaged = stored.clone();
                    damaged[at] = value;
                    if let Some(read) = Packed::from_stored(&damaged, 1) {
                        let _ = (read.entry(), read.facts().path.len());
                    }
                }
            }
            let mut other_form = stored.clone();
            other_form[0] = b'{';
            assert!(Packed::from_stored(&other_form, 1).is_none());
            let family_at = 1 + 8 + 4 + 4 + 8 + 8 + 1 + 8 + 2;
            let mut no_family = stored.clone();
            no_family[family_at] = 4;
            assert!(Packed::from_stored(&no_family, 1).is_none());
            let mut not_a_flag = stored.clone();
            not_a_flag[family_at + 1] = 2;
            assert!(Packed::from_stored(&not_a_flag, 1).is_none());
        }
        assert!(Packed::from_stored(b"", 1).is_none());
    }

    #[test]
    fn fields_are_cut_on_character_boundaries_as_clip_cuts_them() {
        for len in [0, 1, 2040, 2045, 2046, 2047, 2048, 2049, 2050, 5000] {
            for text in [
                "a".repeat(len),
                "é".repeat(len / 2),
                format!("a{}", "€".repeat(len / 3)),
            ] {
                let mut expected = text.clone();
                let cut = super::super::clip(&mut expected, MAX_FIELD_BYTES);
                // In one piece, and in pieces of every size around the bound.
                for pieces in [1, 2, 7] {
                    let mut t = Text {
                        bytes: Vec::new(),
                        cut: 0,
                    };
                    let chunk = text.len().div_ceil(pieces).max(1);
                    let mut rest = text.as_str();
                    t.field(MAX_FIELD_BYTES, PATH, |field| {
                        while !rest.is_empty() {
                            let mut at = chunk.min(rest.len());
                            while !rest.is_char_boundary(at) {
                                at += 1;
                            }
                            field.push(&rest[..at]);
                            rest = &rest[at..];
                        }
                    });
                    assert_eq!(&t.bytes[2..], expected.as_bytes(), "len {len}, {pieces} pieces");
                    assert_eq!(t.cut == PATH, cut);
                }
            }
        }
    }

    #[test]
    fn headers_past_the_bound_are_left_out_and_marked() {
        let mut headers = HeaderMap::new();
        for i in 0..MAX_HEADERS {
            headers.insert(
                format!("x-h{i}").parse::<axum::http::HeaderName>().unwrap(),
                HeaderValue::from_static("v"),
            );
        }
        let exact = Draft::request("GET", "/", None, &headers).finish(outcome(None, &[]));
        assert_eq!((exact.entry().headers.len(), exact.cut), (MAX_HEADERS, 0));
        headers.insert("x-mock-invalid-target", HeaderValue::from_static("1"));
        let marked = Draft::request("GET", "/", None, &headers).finish(outcome(None, &[]));
        assert_eq!(marked.cut, 0, "the mock's own marks do not count");
        headers.insert("x-one-more", HeaderValue::from_static("1"));
        let over = Draft::request("GET", "/", None, &headers).finish(outcome(None, &[]));
        assert_eq!(over.entry().headers.len(), MAX_HEADERS);
        assert_eq!(over.entry().truncated, ["headers"]);
    }
}
