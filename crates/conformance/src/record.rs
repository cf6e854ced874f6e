//! Recordings of real responses, and the comparison of the mock against them (after
//! LocalStack's parity tests).
//!
//! A recording (`fixtures/recorded/<scenario>.json`) keeps, per request step: the
//! request as written in the scenario (a template: no ids, no secrets), the status, the
//! response *shape* — every JSON path (array elements as `[*]`) with the set of types
//! seen there over all pages — and the first page as an example with its changing values
//! normalised into numbered placeholders (`<timestamp:1>`, `<id:3>`, `<cursor:1>`) and
//! secrets removed. Comparing (see [`crate::compare`]) checks status, field set, field
//! types and null-ness; values are never compared, so recordings stay valid as the real
//! data moves on.
//!
//! Besides recordings of a real account (`"source": "real"`, made by `record`), a
//! recording may transcribe a vendor document's response example (`"source": "doc"`) or
//! a real response seen in public (`"source": "seen"`: a client's issue tracker, an
//! official SDK's code), with `reference` saying where. Those hold only the steps they
//! have evidence for, keep the example verbatim (their shape is computed from it) and may
//! list accepted differences, each with its reason.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::LazyLock,
};

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    redact::Redactor,
    result::{shape_of, ScenarioResult, Shape, StepRecord},
    scenario::Family,
};

/// Arrays in examples keep this many elements (the shape covers all of them).
const EXAMPLE_ITEMS: usize = 3;

/// One scenario's recording file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    pub scenario: String,
    pub family: Family,
    /// The day it was recorded (local date): when a recording is worth refreshing.
    pub recorded_on: String,
    /// Where the answers come from (absent in older files: a real account).
    #[serde(default)]
    pub source: Source,
    /// For `doc` and `seen`: the document's file name and section, or where it was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub steps: Vec<RecordedStep>,
}

/// Where a recording's answers come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `conformance record --target real` against a real account.
    #[default]
    Real,
    /// A response example of a vendor document, transcribed.
    Doc,
    /// A real response seen in public: a client's issue, an official SDK's code or tests.
    Seen,
}

/// One recorded step: what the run kept, and what a transcription adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedStep {
    #[serde(flatten)]
    pub record: StepRecord,
    /// Where this step's example comes from, when it differs from the recording's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Differences the mock makes on purpose, each with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<Accepted>,
}

impl RecordedStep {
    /// The shape to compare: recorded, or for a transcription (whose example is verbatim
    /// and shape left out), the example's.
    pub fn shape(&self) -> Shape {
        if !self.record.shape.is_empty() {
            return self.record.shape.clone();
        }
        let mut shape = Shape::new();
        shape_of(&self.record.example, "$", &mut shape);
        shape
    }
}

/// A difference the mock makes on purpose: at `path` and below (`""`: the status or the
/// step), of `kind` if given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DiffKind>,
    pub reason: String,
}

/// What kind of difference: the answer's status or error code, the scenario's request, a
/// step recorded or run on one side only, a field missing on the mock or only on it, a
/// type, a null-ness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffKind {
    Status,
    Code,
    Request,
    Step,
    Missing,
    Extra,
    Type,
    Null,
}

impl Recording {
    /// The recording of a real run's result, examples normalised.
    pub fn of(result: &ScenarioResult, recorded_on: &str) -> Recording {
        let mut placeholders = Placeholders::default();
        let steps = result
            .records
            .iter()
            .map(|record| RecordedStep {
                record: StepRecord {
                    example: normalise(&truncate(&record.example), None, &mut placeholders),
                    ..record.clone()
                },
                reference: None,
                accepted: Vec::new(),
            })
            .collect();
        Recording {
            scenario: result.name.clone(),
            family: result.family,
            recorded_on: recorded_on.to_owned(),
            source: Source::Real,
            reference: None,
            steps,
        }
    }

    /// A transcription holds only the steps it has evidence for: steps of the scenario
    /// beyond them are not differences.
    pub fn is_partial(&self) -> bool {
        self.source != Source::Real
    }
}

pub fn recording_path(dir: &Path, scenario: &str) -> PathBuf {
    dir.join(format!("{scenario}.json"))
}

/// Writes one file per recorded scenario (redacted, as every output, and still JSON: the
/// recording is redacted as a JSON value before it is written); returns the paths.
pub fn write_recordings(
    dir: &Path,
    results: &[ScenarioResult],
    recorded_on: &str,
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for result in results.iter().filter(|r| !r.records.is_empty()) {
        let recording = serde_json::to_value(Recording::of(result, recorded_on)).expect("recordings serialise");
        let text = serde_json::to_string_pretty(&redactor.redact_json(&recording)).expect("values serialise") + "\n";
        let path = recording_path(dir, &result.name);
        crate::report::write_file(&path, &text, redactor)?;
        written.push(path);
    }
    Ok(written)
}

pub fn read_recording(dir: &Path, scenario: &str) -> Result<Option<Recording>, String> {
    let path = recording_path(dir, scenario);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Keeps the first few elements of every array.
fn truncate(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().take(EXAMPLE_ITEMS).map(truncate).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), truncate(v))).collect()),
        other => other.clone(),
    }
}

/// Numbered placeholders: the same value always gets the same number within a
/// recording, so that "page 2's cursor is page 1's" stays visible.
#[derive(Debug, Default)]
pub struct Placeholders {
    seen: HashMap<(&'static str, String), usize>,
    next: HashMap<&'static str, usize>,
}

impl Placeholders {
    fn of(&mut self, kind: &'static str, value: &Value) -> Value {
        let key = (kind, value.to_string());
        let number = match self.seen.get(&key) {
            Some(n) => *n,
            None => {
                let n = self.next.entry(kind).or_insert(0);
                *n += 1;
                self.seen.insert(key, *n);
                *n
            }
        };
        Value::String(format!("<{kind}:{number}>"))
    }
}

/// Fields whose values change between runs or accounts, by kind. Matched on the key name.
const TRANSFORMERS: &[(&str, &[&str])] = &[
    (
        "secret",
        &[
            "access_token",
            "token",
            "master_secret",
            "client_secret",
            "client_id",
            "secret",
            "thumb_secret",
        ],
    ),
    ("cursor", &["cursor"]),
    (
        "timestamp",
        &[
            "create_time",
            "msg_ctime",
            "timestamp",
            "created",
            "modified",
            "duration",
            "expires_in",
            "time",
            "date",
        ],
    ),
    (
        "id",
        &[
            "msgid",
            "msg_id",
            "target_id",
            "from_id",
            "from_appkey",
            "target_appkey",
            "app_key",
            "uuid",
            "media_id",
            "media_crc32",
            "hash",
            "application",
            "organization",
            "applicationName",
            "from",
            "to",
            "username",
            "registration_id",
            "order_id",
        ],
    ),
    (
        "text",
        &[
            "text",
            "msg",
            "target_name",
            "from_name",
            "nickname",
            "label",
            "fname",
            "filename",
            "addr",
            "name",
        ],
    ),
    ("url", &["url", "uri", "thumb"]),
];

static DATE_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-?\d{2}-?\d{2}([ T]?\d{2}(:?\d{2}(:?\d{2})?)?)?").expect("valid regex"));

/// Replaces changing values with numbered placeholders and secrets with `<secret:N>`.
/// Structure, types and stable values (`msg_type`, `target_type`, counts) are kept.
pub fn normalise(value: &Value, key: Option<&str>, placeholders: &mut Placeholders) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalise(v, Some(k), placeholders)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalise(v, key, placeholders)).collect()),
        Value::Null => Value::Null,
        scalar => {
            let kind = key.and_then(|k| {
                TRANSFORMERS
                    .iter()
                    .find(|(_, keys)| keys.contains(&k))
                    .map(|(kind, _)| *kind)
            });
            match kind {
                Some(kind) => placeholders.of(kind, scalar),
                None if scalar.as_str().is_some_and(|s| DATE_TIME.is_match(s)) => placeholders.of("timestamp", scalar),
                None => scalar.clone(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;
    use crate::{
        compare::{self, Comparison, StepLeniencies},
        result::Outcome,
    };

    fn shape(value: Value) -> Shape {
        let mut shape = Shape::new();
        shape_of(&value, "$", &mut shape);
        shape
    }

    fn record(step: &str, status: u16, body: Value) -> StepRecord {
        StepRecord {
            step: step.into(),
            request: "GET /v2/messages".into(),
            status,
            pages: 1,
            shape: shape(body.clone()),
            example: body,
        }
    }

    #[test]
    fn shapes_join_the_types_of_every_element() {
        let s = shape(json!({"messages": [{"a": 1, "b": null}, {"a": "x"}], "cursor": "c"}));
        assert_eq!(
            s["$.messages[*].a"],
            BTreeSet::from(["integer".into(), "string".into()])
        );
        assert_eq!(s["$.messages[*].b"], BTreeSet::from(["null".into()]));
        assert_eq!(s["$"], BTreeSet::from(["object".into()]));
        assert!(s.contains_key("$.cursor"));
    }

    #[test]
    fn normalising_numbers_changing_values_and_keeps_stable_ones() {
        let body = json!({
            "cursor": "abc",
            "messages": [
                {"msgid": 10, "msg_type": "text", "create_time": 1700000000, "from_id": "ann", "msg_body": {"text": "hello"}},
                {"msgid": 11, "msg_type": "image", "create_time": 1700000000, "from_id": "ann", "when": "2026-11-20 10:00:00"},
            ],
            "access_token": "YWMt-secret", "count": 2
        });
        let normalised = normalise(&body, None, &mut Placeholders::default());
        assert_eq!(
            normalised,
            json!({
                "cursor": "<cursor:1>",
                "messages": [
                    // Keys are visited in sorted order: from_id before msgid.
                    {"msgid": "<id:2>", "msg_type": "text", "create_time": "<timestamp:1>", "from_id": "<id:1>", "msg_body": {"text": "<text:1>"}},
                    {"msgid": "<id:3>", "msg_type": "image", "create_time": "<timestamp:1>", "from_id": "<id:1>", "when": "<timestamp:2>"},
                ],
                "access_token": "<secret:1>", "count": 2
            })
        );
    }

    #[test]
    fn a_recorded_token_body_is_redacted_and_reads_back() {
        let token = "YWMtRealLookingToken0123456789";
        let body = json!({"access_token": token, "expires_in": 5184000, "application": "8be024f0"});
        let result = ScenarioResult {
            name: "easemob-token".into(),
            family: Family::Easemob,
            tags: Vec::new(),
            outcome: Outcome::Passed,
            duration: std::time::Duration::ZERO,
            requests: 1,
            records: vec![record("token", 200, body)],
        };
        let dir = std::env::temp_dir().join(format!("recording-{}", std::process::id()));
        let redactor = Redactor::new();
        redactor.add_secret(token);
        write_recordings(&dir, std::slice::from_ref(&result), "2026-11-22", &redactor).unwrap();
        let text = std::fs::read_to_string(recording_path(&dir, "easemob-token")).unwrap();
        let recording = read_recording(&dir, "easemob-token");
        std::fs::remove_dir_all(&dir).unwrap();
        let recording = recording.expect("valid JSON").expect("written");
        assert!(!text.contains(token), "{text}");
        assert_eq!(recording.steps[0].record.example["access_token"], "<secret:1>");
        assert_eq!(
            recording.steps[0].record.shape, result.records[0].shape,
            "shapes survive"
        );
        assert_eq!(
            recording.steps[0].record.shape["$.access_token"],
            BTreeSet::from(["string".to_owned()])
        );
        assert_eq!(recording.source, Source::Real);
        assert_eq!(
            compare::compare(&recording, &result.records, &StepLeniencies::new()),
            Comparison::default()
        );
    }

    #[test]
    fn recordings_truncate_examples_and_keep_full_shapes() {
        let body = json!({"messages": [1, 2, 3, 4, 5]});
        let result = ScenarioResult {
            name: "s".into(),
            family: Family::Jmessage,
            tags: Vec::new(),
            outcome: Outcome::Passed,
            duration: std::time::Duration::ZERO,
            requests: 1,
            records: vec![record("first", 200, body)],
        };
        let recording = Recording::of(&result, "2026-11-22");
        assert_eq!(recording.steps[0].record.example, json!({"messages": [1, 2, 3]}));
        assert_eq!(recording.steps[0].record.shape, result.records[0].shape);
    }
}
