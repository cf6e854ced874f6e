//! Recordings of real responses, and the comparison of the mock against them (after
//! LocalStack's parity tests).
//!
//! A recording (`fixtures/recorded/<scenario>.json`) keeps, per request step: the
//! request as written in the scenario (a template: no ids, no secrets), the status, the
//! response *shape* — every JSON path (array elements as `[*]`) with the set of types
//! seen there over all pages — and the first page as an example with its changing values
//! normalised into numbered placeholders (`<timestamp:1>`, `<id:3>`, `<cursor:1>`) and
//! secrets removed. Comparing checks status, field set, field types and null-ness; values
//! are never compared, so recordings stay valid as the real data moves on.

use std::{
    collections::{BTreeSet, HashMap},
    path::{Path, PathBuf},
    sync::LazyLock,
};

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    redact::Redactor,
    result::{Failure, Outcome, ScenarioResult, Shape, StepRecord},
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
    pub steps: Vec<StepRecord>,
}

impl Recording {
    /// The recording of a real run's result, examples normalised.
    pub fn of(result: &ScenarioResult, recorded_on: &str) -> Recording {
        let mut placeholders = Placeholders::default();
        let steps = result
            .records
            .iter()
            .map(|record| StepRecord {
                example: normalise(&truncate(&record.example), None, &mut placeholders),
                ..record.clone()
            })
            .collect();
        Recording {
            scenario: result.name.clone(),
            family: result.family,
            recorded_on: recorded_on.to_owned(),
            steps,
        }
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

/// What `compare` found for one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compared {
    /// No recording exists for it yet.
    Unrecorded,
    /// The differences found (none: it matches its recording).
    Differences(Vec<String>),
}

/// Holds a mock result against its recording in `dir`; if they differ (or the recording
/// is unreadable), the scenario fails, its failure listing every difference.
pub fn compare_result(dir: &Path, result: &mut ScenarioResult) -> Compared {
    if matches!(result.outcome, Outcome::Skipped(_)) {
        return Compared::Differences(Vec::new());
    }
    let differences = match read_recording(dir, &result.name) {
        Ok(None) => return Compared::Unrecorded,
        Ok(Some(recording)) => differences(&recording, &result.records),
        Err(why) => vec![format!("unreadable recording: {why}")],
    };
    if !differences.is_empty() && result.passed() {
        result.outcome = Outcome::Failed(Failure {
            step: "compare".into(),
            message: format!(
                "{} difference(s) from the recording:\n{}",
                differences.len(),
                differences
                    .iter()
                    .map(|d| format!("  - {d}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            request: None,
            response: None,
        });
    }
    Compared::Differences(differences)
}

/// Every difference in status, field set, types and null-ness, step by step.
pub fn differences(recording: &Recording, actual: &[StepRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for recorded in &recording.steps {
        let Some(mock) = actual.iter().find(|a| a.step == recorded.step) else {
            out.push(format!(
                "step \"{}\": recorded, but the mock run did not reach it",
                recorded.step
            ));
            continue;
        };
        let prefix = format!("step \"{}\" ({})", recorded.step, recorded.request);
        if recorded.status != mock.status {
            out.push(format!(
                "{prefix}: status recorded {}, mock {}",
                recorded.status, mock.status
            ));
        }
        out.extend(
            shape_differences(&recorded.shape, &mock.shape)
                .into_iter()
                .map(|d| format!("{prefix}: {d}")),
        );
    }
    for extra in actual
        .iter()
        .filter(|a| !recording.steps.iter().any(|r| r.step == a.step))
    {
        out.push(format!("step \"{}\": not in the recording (record again?)", extra.step));
    }
    out
}

fn shape_differences(recorded: &Shape, mock: &Shape) -> Vec<String> {
    let mut out = Vec::new();
    // Report a missing subtree once, at its top.
    let under_reported = |path: &str, reported: &[String]| {
        reported
            .iter()
            .any(|top| path.starts_with(top.as_str()) && path[top.len()..].starts_with(['.', '[']))
    };
    let mut missing: Vec<String> = Vec::new();
    for (path, types) in recorded {
        if !mock.contains_key(path) && !under_reported(path, &missing) {
            out.push(format!("`{path}` is missing on the mock (recorded: {})", join(types)));
            missing.push(path.clone());
        }
    }
    let mut extra: Vec<String> = Vec::new();
    for (path, types) in mock {
        if !recorded.contains_key(path) && !under_reported(path, &extra) {
            out.push(format!("`{path}` exists only on the mock ({})", join(types)));
            extra.push(path.clone());
        }
    }
    for (path, recorded_types) in recorded {
        let Some(mock_types) = mock.get(path) else { continue };
        let strip = |types: &BTreeSet<String>| types.iter().filter(|t| *t != "null").cloned().collect::<BTreeSet<_>>();
        let (r, m) = (strip(recorded_types), strip(mock_types));
        if r != m && !r.is_empty() && !m.is_empty() {
            out.push(format!("`{path}` type: recorded {}, mock {}", join(&r), join(&m)));
        }
        let (r_null, m_null) = (recorded_types.contains("null"), mock_types.contains("null"));
        if r_null != m_null {
            let says = |null: bool, only: bool| match (null, only) {
                (true, true) => "always null",
                (true, false) => "sometimes null",
                (false, _) => "never null",
            };
            out.push(format!(
                "`{path}` null-ness: recorded {}, mock {}",
                says(r_null, r.is_empty()),
                says(m_null, m.is_empty())
            ));
        }
    }
    out
}

fn join(types: &BTreeSet<String>) -> String {
    types.iter().cloned().collect::<Vec<_>>().join("|")
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
    use serde_json::json;

    use super::*;
    use crate::result::shape_of;

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
    fn identical_shapes_have_no_differences_and_every_kind_of_change_is_named() {
        let real = json!({"total": 2, "cursor": "c", "messages": [{"msgid": 1, "extras": {"k": 1}, "v": null}]});
        let recording = Recording {
            scenario: "s".into(),
            family: Family::Jmessage,
            recorded_on: "2026-11-22".into(),
            steps: vec![record("first", 200, real.clone()), record("second", 400, json!({}))],
        };
        assert!(differences(
            &recording,
            &[record("first", 200, real), record("second", 400, json!({}))]
        )
        .is_empty());

        let mock = json!({"total": "2", "count": 1, "messages": [{"msgid": 1, "v": 3}]});
        let found = differences(&recording, &[record("first", 404, mock)]);
        let text = found.join("\n");
        for expected in [
            "status recorded 200, mock 404",
            "`$.cursor` is missing on the mock (recorded: string)",
            "`$.messages[*].extras` is missing on the mock (recorded: object)",
            "`$.count` exists only on the mock (integer)",
            "`$.total` type: recorded integer, mock string",
            "`$.messages[*].v` null-ness: recorded always null, mock never null",
            "step \"second\": recorded, but the mock run did not reach it",
        ] {
            assert!(text.contains(expected), "{expected} in\n{text}");
        }
        assert!(!text.contains("extras.k"), "a missing subtree is reported once: {text}");
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
        assert_eq!(recording.steps[0].example["access_token"], "<secret:1>");
        assert_eq!(recording.steps[0].shape, result.records[0].shape, "shapes survive");
        assert_eq!(
            recording.steps[0].shape["$.access_token"],
            BTreeSet::from(["string".to_owned()])
        );
        assert!(differences(&recording, &result.records).is_empty());
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
        assert_eq!(recording.steps[0].example, json!({"messages": [1, 2, 3]}));
        assert_eq!(recording.steps[0].shape, result.records[0].shape);
    }
}
