//! `compare`: holds the mock's answers against a recording, shape against shape, and
//! tells real differences from noise.
//!
//! Real data differ from run to run: a page holds whichever message types were sent that
//! day, a platform without devices is left out, a count is `null` one day and a number the
//! next. So shapes are kept per variant (see [`crate::result::DISCRIMINATORS`]) and
//! compared only in the variants both sides saw (a variant seen on one side only is a
//! note, not a difference); a field the scenario's schemas mark optional (`?`) may be
//! absent, one they mark nullable (`|null`) may be null, on either side. What is left is a
//! difference and fails: a status, an error code, a field missing or extra in a variant
//! both sides saw (so a renamed field), a type, a null-ness, each named by its JSON path.
//! A recording may accept a difference with a reason (a vendor document eliding part of a
//! body, say); accepted ones are counted, not failed.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use crate::{
    record::{self, Accepted, DiffKind, RecordedStep, Recording},
    redact::Redactor,
    result::{plain_path, variant_prefixes, Failure, Outcome, ScenarioResult, Shape, StepRecord},
    scenario::{Action, RequestSpec, RequestStep, Scenario},
    schema::{Leniencies, Schemas},
};

/// Objects whose keys are data, not field names, by the request that answers them: JPush
/// `status/message` maps each registration id to its status. Their keys compare as `[*]`.
const KEYED_BY_DATA: &[(&str, &str)] = &[("/status/message", "$")];

/// One difference between a recording and the mock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub step: String,
    pub kind: DiffKind,
    /// The JSON path without variant keys (`$.messages[*].msg_body.width`); empty for a
    /// status, request or step difference.
    pub path: String,
    pub message: String,
}

/// What comparing one scenario found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Differences that fail the scenario.
    pub differences: Vec<Difference>,
    /// Differences the recording accepts, each with its reason.
    pub accepted: Vec<(Difference, String)>,
    /// Information: the variants seen on one side only (one line per side).
    pub notes: Vec<String>,
}

/// Step name → what the scenario's schemas allow in that step's answer.
pub type StepLeniencies = BTreeMap<String, Leniencies>;

/// Scenario name → its [`StepLeniencies`]. A step has the optional and nullable fields of
/// the schemas, types and inline field tables its own assertions check, and those of
/// every step of these scenarios that calls the same endpoint (a step that checks only a
/// count still gets an answer of the endpoint's documented shape).
pub fn leniencies(scenarios: &[Scenario], schemas: &Schemas) -> BTreeMap<String, StepLeniencies> {
    let mut by_endpoint: BTreeMap<String, Leniencies> = BTreeMap::new();
    for (_, request) in scenarios.iter().flat_map(request_steps) {
        let leniencies = by_endpoint.entry(endpoint(&request.request)).or_default();
        for assertion in request.asserts.iter().chain(&request.assert_all) {
            assertion.leniencies(schemas, leniencies);
        }
    }
    let mut out: BTreeMap<String, StepLeniencies> = BTreeMap::new();
    for scenario in scenarios {
        let steps = out.entry(scenario.name.clone()).or_default();
        for (name, request) in request_steps(scenario) {
            let step = steps.entry(name.to_owned()).or_default();
            for (path, leniency) in by_endpoint.get(&endpoint(&request.request)).into_iter().flatten() {
                step.entry(path.clone()).or_default().join(*leniency);
            }
        }
    }
    out
}

fn request_steps(scenario: &Scenario) -> impl Iterator<Item = (&str, &RequestStep)> {
    scenario.steps.iter().filter_map(|step| match &step.action {
        Action::Request(request) => Some((step.name.as_str(), request.as_ref())),
        _ => None,
    })
}

/// `GET /v2/users/{}/messages`: the method and path, placeholders blanked, the Beijing
/// alias (`/v3/report/...`) folded into `/v3/...`.
fn endpoint(request: &RequestSpec) -> String {
    let mut path = String::new();
    let mut rest = request.path.as_str();
    while let Some(start) = rest.find("${") {
        path.push_str(&rest[..start]);
        path.push_str("{}");
        rest = rest[start..].find('}').map_or("", |end| &rest[start + end + 1..]);
    }
    path.push_str(rest);
    let path = path
        .split('?')
        .next()
        .unwrap_or_default()
        .replacen("/v3/report/", "/v3/", 1);
    format!("{} {path}", request.method)
}

/// Compares the mock's step records with a recording.
pub fn compare(recording: &Recording, actual: &[StepRecord], leniencies: &StepLeniencies) -> Comparison {
    let mut raw = Vec::new();
    let mut notes: BTreeSet<(bool, String)> = BTreeSet::new();
    let none = Leniencies::new();
    let names = Names::new();
    for (index, recorded) in recording.steps.iter().enumerate() {
        let step = &recorded.record;
        // Steps pair by name, the n-th of a name with the n-th (names may repeat).
        let nth = recording.steps[..index]
            .iter()
            .filter(|r| r.record.step == step.step)
            .count();
        match actual.iter().filter(|a| names.same(&step.step, &a.step)).nth(nth) {
            Some(mock) => {
                let lenient = leniencies.get(&step.step).unwrap_or(&none);
                raw.extend(step_differences(recorded, mock, lenient, &names, &mut notes));
            }
            None => raw.push(difference(
                &step.step,
                DiffKind::Step,
                "",
                format!("step \"{}\": recorded, but the mock run did not reach it", step.step),
            )),
        }
    }
    if !recording.is_partial() {
        raw.extend(unrecorded_steps(recording, actual, &names));
    }
    let mut comparison = Comparison {
        notes: one_sided(&notes),
        ..Comparison::default()
    };
    for found in raw {
        match accepted_by(recording, &found) {
            Some(reason) => comparison.accepted.push((found, reason.to_owned())),
            None => comparison.differences.push(found),
        }
    }
    comparison
}

/// Step names and request templates as a recording keeps them: through the redactor.
struct Names(Redactor);

impl Names {
    fn new() -> Names {
        Names(Redactor::new())
    }

    fn same(&self, recorded: &str, mock: &str) -> bool {
        recorded == mock || recorded == self.0.redact(mock)
    }
}

/// The differences of one step: request, status, error code, shape.
fn step_differences(
    recorded: &RecordedStep,
    mock: &StepRecord,
    lenient: &Leniencies,
    names: &Names,
    notes: &mut BTreeSet<(bool, String)>,
) -> Vec<Difference> {
    let step = &recorded.record;
    let prefix = format!("step \"{}\" ({})", step.step, step.request);
    let mut out = Vec::new();
    let mut found = |kind: DiffKind, path: &str, text: String| {
        out.push(difference(&step.step, kind, path, format!("{prefix}: {text}")));
    };
    if !names.same(&step.request, &mock.request) {
        found(
            DiffKind::Request,
            "",
            format!("the scenario now sends {}", mock.request),
        );
    }
    if step.status != mock.status {
        found(
            DiffKind::Status,
            "",
            format!("status recorded {}, mock {}", step.status, mock.status),
        );
    }
    if let (Some(recorded_code), Some(mock_code)) = (error_code(&step.example), error_code(&mock.example)) {
        if recorded_code != mock_code {
            found(
                DiffKind::Code,
                "",
                format!("error code recorded {recorded_code}, mock {mock_code}"),
            );
        }
    }
    let (recorded_shape, mock_shape) = (
        keyed_by_data(&recorded.shape(), &step.request),
        keyed_by_data(&mock.shape, &mock.request),
    );
    for (kind, path, text) in shape_differences(&recorded_shape, &mock_shape, lenient, notes) {
        found(kind, &path, text);
    }
    out
}

/// The mock's steps a (complete) recording lacks.
fn unrecorded_steps(recording: &Recording, actual: &[StepRecord], names: &Names) -> Vec<Difference> {
    actual
        .iter()
        .filter(|a| !recording.steps.iter().any(|r| names.same(&r.record.step, &a.step)))
        .map(|extra| {
            difference(
                &extra.step,
                DiffKind::Step,
                "",
                format!("step \"{}\": not in the recording (record again?)", extra.step),
            )
        })
        .collect()
}

/// The reason the recording gives for accepting this difference, if it does.
fn accepted_by<'a>(recording: &'a Recording, found: &Difference) -> Option<&'a str> {
    recording
        .steps
        .iter()
        .filter(|r| r.record.step == found.step)
        .flat_map(|r| &r.accepted)
        .find(|a| accepts(a, found))
        .map(|a| a.reason.as_str())
}

/// What `compare` found for one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compared {
    /// No recording exists for it.
    Unrecorded,
    /// Skipped on the mock: nothing to compare.
    Skipped,
    /// Compared with its recording (no differences: it matches).
    Compared(Comparison),
}

/// Holds a mock result against its recording in `dir`; if they differ (or the recording
/// is unreadable, or missing and `allow_missing` is false), the scenario fails, its
/// failure listing every difference.
pub fn compare_result(
    dir: &Path,
    result: &mut ScenarioResult,
    leniencies: &StepLeniencies,
    allow_missing: bool,
) -> Compared {
    if matches!(result.outcome, Outcome::Skipped(_)) {
        return Compared::Skipped;
    }
    let comparison = match record::read_recording(dir, &result.name) {
        Ok(None) => {
            if !allow_missing && result.passed() {
                result.outcome = Outcome::Failed(Failure::outside(
                    "compare",
                    format!(
                        "no recording {} (--allow-missing to compare only the recorded scenarios)",
                        record::recording_path(dir, &result.name).display()
                    ),
                ));
            }
            return Compared::Unrecorded;
        }
        Ok(Some(recording)) => compare(&recording, &result.records, leniencies),
        Err(why) => Comparison {
            differences: vec![Difference {
                step: String::new(),
                kind: DiffKind::Step,
                path: String::new(),
                message: format!("unreadable recording: {why}"),
            }],
            ..Comparison::default()
        },
    };
    if !comparison.differences.is_empty() && result.passed() {
        result.outcome = Outcome::Failed(Failure::outside("compare", listed(&comparison.differences)));
    }
    Compared::Compared(comparison)
}

/// `2 difference(s) from the recording:` and one line each.
fn listed(differences: &[Difference]) -> String {
    let lines: Vec<String> = differences.iter().map(|d| format!("  - {}", d.message)).collect();
    format!(
        "{} difference(s) from the recording:\n{}",
        differences.len(),
        lines.join("\n")
    )
}

/// `variants seen only on the mock: $.messages[*]{msg_type=voice} ...`: one line a side.
fn one_sided(notes: &BTreeSet<(bool, String)>) -> Vec<String> {
    [(false, "in the recording"), (true, "on the mock")]
        .into_iter()
        .filter_map(|(on_mock, side)| {
            let variants: BTreeSet<&str> = notes
                .iter()
                .filter(|(mock, _)| *mock == on_mock)
                .map(|(_, variant)| variant.as_str())
                .collect();
            (!variants.is_empty()).then(|| {
                let list: Vec<&str> = variants.into_iter().collect();
                format!("variants seen only {side}: {}", list.join(" "))
            })
        })
        .collect()
}

fn difference(step: &str, kind: DiffKind, path: &str, message: String) -> Difference {
    Difference {
        step: step.to_owned(),
        kind,
        path: path.to_owned(),
        message,
    }
}

/// The one value `compare` holds besides shapes: an error's code, which names the rule
/// broken (`$.error.code` of JPush and JMessage, Easemob's `$.error` string).
fn error_code(example: &serde_json::Value) -> Option<&serde_json::Value> {
    let error = example.get("error")?;
    error.get("code").or(error.is_string().then_some(error))
}

/// An accepted difference covers its path and everything below it, of its kind if given.
fn accepts(accepted: &Accepted, found: &Difference) -> bool {
    let path_ok = found.path == accepted.path
        || (found.path.starts_with(&accepted.path) && found.path[accepted.path.len()..].starts_with(['.', '[']))
        || (accepted.path.is_empty() && found.path.is_empty());
    path_ok && accepted.kind.is_none_or(|kind| kind == found.kind)
}

/// The shape with the keys of data-keyed objects (see [`KEYED_BY_DATA`]) written `[*]`.
fn keyed_by_data(shape: &Shape, request: &str) -> Shape {
    let maps: Vec<&str> = KEYED_BY_DATA
        .iter()
        .filter(|(suffix, _)| request.ends_with(suffix))
        .map(|(_, path)| *path)
        .collect();
    if maps.is_empty() {
        return shape.clone();
    }
    let mut out = Shape::new();
    for (path, types) in shape {
        let rewritten = maps
            .iter()
            .find_map(|map| {
                let rest = path.strip_prefix(map)?.strip_prefix('.')?;
                let end = rest.find(['.', '[', '{']).unwrap_or(rest.len());
                Some(format!("{map}[*]{}", &rest[end..]))
            })
            .unwrap_or_else(|| path.clone());
        out.entry(rewritten).or_default().extend(types.iter().cloned());
    }
    out
}

/// One difference found in a shape, before grouping: kind, qualified path, detail.
type Found = (DiffKind, String, String);

/// Shape differences, grouped by plain path (the variants they occur in listed).
fn shape_differences(
    recorded: &Shape,
    mock: &Shape,
    lenient: &Leniencies,
    notes: &mut BTreeSet<(bool, String)>,
) -> Vec<(DiffKind, String, String)> {
    let mut found: Vec<Found> = Vec::new();
    let mut tops: Vec<String> = Vec::new();
    let comparable = |path: &str, notes: &mut BTreeSet<(bool, String)>| {
        variant_prefixes(path).into_iter().all(|variant| {
            match (recorded.contains_key(variant), mock.contains_key(variant)) {
                (true, true) => true,
                (true, false) => {
                    notes.insert((false, variant.to_owned()));
                    false
                }
                _ => {
                    notes.insert((true, variant.to_owned()));
                    false
                }
            }
        })
    };
    let leniency = |path: &str| {
        let plain = plain_path(path);
        let mut found = lenient.get(&plain).copied().unwrap_or_default();
        // Below a free-form object (a schema's bare `object`: ext, extras), every field is optional.
        if lenient
            .iter()
            .any(|(top, l)| l.opaque() && plain.starts_with(top.as_str()) && plain[top.len()..].starts_with(['.', '[']))
        {
            found.optional = true;
        }
        // Below a field free-form in this variant only (JMessage `custom` bodies), too.
        found.optional |= variant_leniency(lenient, path);
        found
    };
    for (path, types) in recorded {
        if mock.contains_key(path) || under(path, &tops) || !comparable(path, notes) {
            continue;
        }
        tops.push(path.clone());
        if !leniency(path).optional {
            found.push((
                DiffKind::Missing,
                path.clone(),
                format!("is missing on the mock (recorded: {})", join(types)),
            ));
        }
    }
    for (path, types) in mock {
        if recorded.contains_key(path) || under(path, &tops) || !comparable(path, notes) {
            continue;
        }
        tops.push(path.clone());
        if !leniency(path).optional {
            found.push((
                DiffKind::Extra,
                path.clone(),
                format!("exists only on the mock ({})", join(types)),
            ));
        }
    }
    for (path, recorded_types) in recorded {
        let Some(mock_types) = mock.get(path) else { continue };
        found.extend(type_differences(
            path,
            recorded_types,
            mock_types,
            leniency(path).nullable,
        ));
    }
    group(found)
}

/// Whether the shape path `path` lies below a field that is free-form in its variant
/// (see `schema::variant_leniencies`): `$.m[*]{t=custom}.body.k` when `$.m[*]{t=*}.body` is
/// free and no `$.m[*]{t=custom}.body` describes it.
fn variant_leniency(lenient: &Leniencies, path: &str) -> bool {
    path.match_indices('}').any(|(end, _)| {
        let qualified = &path[..=end];
        let Some(open) = qualified.rfind('{') else { return false };
        let (Some((by, _)), rest) = (qualified[open + 1..end].split_once('='), &path[end + 1..]) else {
            return false;
        };
        let Some(field) = rest
            .strip_prefix('.')
            .map(|r| r.split(['.', '[', '{']).next().unwrap_or(r))
        else {
            return false;
        };
        let below = rest.len() > field.len() + 1;
        let element = plain_path(&qualified[..open]);
        let free = lenient.contains_key(&format!("{element}{{{by}=*}}.{field}"));
        let described = lenient.contains_key(&format!("{qualified}.{field}").replacen(&qualified[..open], &element, 1));
        below && free && !described
    })
}

/// Whether `path` lies below one of `tops` (a subtree reported, or excused, at its top).
fn under(path: &str, tops: &[String]) -> bool {
    tops.iter()
        .any(|top| path.starts_with(top.as_str()) && path[top.len()..].starts_with(['.', '[', '{']))
}

fn type_differences(path: &str, recorded: &BTreeSet<String>, mock: &BTreeSet<String>, nullable: bool) -> Vec<Found> {
    let mut out = Vec::new();
    let strip = |types: &BTreeSet<String>| types.iter().filter(|t| *t != "null").cloned().collect::<BTreeSet<_>>();
    let (r, m) = (strip(recorded), strip(mock));
    // An integer is a number: a float seen on one side only is no type change.
    let numeric = |t: &BTreeSet<String>| !t.is_empty() && t.iter().all(|t| t == "integer" || t == "number");
    let same = r == m || (numeric(&r) && numeric(&m));
    if !same && !r.is_empty() && !m.is_empty() {
        out.push((
            DiffKind::Type,
            path.to_owned(),
            format!("type: recorded {}, mock {}", join(&r), join(&m)),
        ));
    }
    let (r_null, m_null) = (recorded.contains("null"), mock.contains("null"));
    if r_null != m_null && !nullable {
        let says = |null: bool, only: bool| match (null, only) {
            (true, true) => "always null",
            (true, false) => "sometimes null",
            (false, _) => "never null",
        };
        out.push((
            DiffKind::Null,
            path.to_owned(),
            format!(
                "null-ness: recorded {}, mock {}",
                says(r_null, r.is_empty()),
                says(m_null, m.is_empty())
            ),
        ));
    }
    out
}

/// One line per (kind, plain path, detail), with the variants it was found in.
fn group(found: Vec<Found>) -> Vec<(DiffKind, String, String)> {
    let mut grouped: BTreeMap<(String, DiffKind, String), Vec<String>> = BTreeMap::new();
    for (kind, path, detail) in found {
        let variants = variant_prefixes(&path)
            .last()
            .map(|v| v[v.rfind('{').map_or(0, |i| i + 1)..v.len() - 1].to_owned());
        let entry = grouped.entry((plain_path(&path), kind, detail)).or_default();
        entry.extend(variants);
    }
    grouped
        .into_iter()
        .map(|((path, kind, detail), variants)| {
            let text = match variants.is_empty() {
                true => format!("`{path}` {detail}"),
                false => format!("`{path}` {detail} in variant(s) {}", variants.join("; ")),
            };
            (kind, path, text)
        })
        .collect()
}

fn join(types: &BTreeSet<String>) -> String {
    types.iter().cloned().collect::<Vec<_>>().join("|")
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    #[test]
    fn below_a_field_free_in_its_variant_everything_is_optional() {
        let mut lenient = Leniencies::new();
        lenient
            .entry("$.messages[*]{msg_type=*}.msg_body".into())
            .or_default()
            .object = true;
        lenient
            .entry("$.messages[*]{msg_type=text}.msg_body".into())
            .or_default()
            .described = true;
        assert!(variant_leniency(
            &lenient,
            "$.messages[*]{msg_type=custom}.msg_body.gift_id"
        ));
        assert!(!variant_leniency(
            &lenient,
            "$.messages[*]{msg_type=text}.msg_body.text"
        ));
        assert!(
            !variant_leniency(&lenient, "$.messages[*]{msg_type=custom}.msg_body"),
            "the body itself is compared"
        );
        assert!(!variant_leniency(&lenient, "$.messages[*]{msg_type=custom}.msgid"));
    }
    use crate::{
        record::{RecordedStep, Source},
        result::shape_of,
        scenario::Family,
        schema::Leniency,
    };

    fn record(step: &str, request: &str, status: u16, body: Value) -> StepRecord {
        let mut shape = Shape::new();
        shape_of(&body, "$", &mut shape);
        StepRecord {
            step: step.into(),
            request: request.into(),
            status,
            pages: 1,
            shape,
            example: body,
        }
    }

    fn recording(source: Source, steps: Vec<StepRecord>) -> Recording {
        Recording {
            scenario: "s".into(),
            family: Family::Jmessage,
            recorded_on: "2026-11-22".into(),
            source,
            reference: None,
            steps: steps
                .into_iter()
                .map(|record| RecordedStep {
                    record,
                    reference: None,
                    accepted: Vec::new(),
                })
                .collect(),
        }
    }

    fn messages(bodies: &[(&str, &str, Value)]) -> Value {
        let items: Vec<Value> = bodies
            .iter()
            .map(|(msg_type, target_type, body)| {
                json!({"msgid": 1, "msg_type": msg_type, "target_type": target_type, "msg_body": body})
            })
            .collect();
        json!({"total": items.len(), "messages": items})
    }

    fn texts(comparison: &Comparison) -> String {
        comparison
            .differences
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn identical_shapes_have_no_differences_and_every_kind_of_change_is_named() {
        let real = json!({"total": 2, "cursor": "c", "messages": [{"msgid": 1, "extras": {"k": 1}, "v": null}]});
        let recorded = recording(
            Source::Real,
            vec![
                record("first", "GET /v2/messages", 200, real.clone()),
                record("second", "GET /v2/messages", 400, json!({})),
            ],
        );
        let same = [
            record("first", "GET /v2/messages", 200, real),
            record("second", "GET /v2/messages", 400, json!({})),
        ];
        assert_eq!(compare(&recorded, &same, &StepLeniencies::new()), Comparison::default());

        let mock = json!({"total": "2", "count": 1, "messages": [{"msgid": 1, "v": 3}]});
        let found = compare(
            &recorded,
            &[record("first", "GET /v2/messages", 404, mock)],
            &StepLeniencies::new(),
        );
        let text = texts(&found);
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
        assert_eq!(found.differences.len(), 7, "{text}");
    }

    #[test]
    fn variants_seen_on_one_side_are_notes_and_shared_variants_are_compared() {
        let text = json!({"text": "hi", "extras": {}});
        let image = json!({"media_id": "m", "width": 3, "height": 4});
        let recorded = recording(
            Source::Real,
            vec![record(
                "page",
                "GET /v2/messages",
                200,
                messages(&[("text", "single", text.clone()), ("image", "group", image)]),
            )],
        );
        let voice = json!({"media_id": "m", "duration": 3});
        let mock = [record(
            "page",
            "GET /v2/messages",
            200,
            messages(&[("text", "single", text), ("voice", "single", voice)]),
        )];
        let found = compare(&recorded, &mock, &StepLeniencies::new());
        assert!(found.differences.is_empty(), "{}", texts(&found));
        assert_eq!(
            found.notes,
            [
                "variants seen only in the recording: $.messages[*]{msg_type=image}",
                "variants seen only on the mock: $.messages[*]{msg_type=voice}",
            ]
        );

        // In a variant both sides saw, a missing field is a difference, named by its path.
        let mock = [record(
            "page",
            "GET /v2/messages",
            200,
            messages(&[("text", "single", json!({"extras": {}}))]),
        )];
        let found = compare(&recorded, &mock, &StepLeniencies::new());
        assert_eq!(
            texts(&found),
            "step \"page\" (GET /v2/messages): `$.messages[*].msg_body.text` is missing on the mock \
             (recorded: string) in variant(s) msg_type=text"
        );
        assert_eq!(found.differences[0].path, "$.messages[*].msg_body.text");
    }

    #[test]
    fn a_field_renamed_in_every_variant_is_named_once_with_its_variants() {
        let page = |key: &str| {
            json!({"messages": [
                {"msg_type": "text", key: 1, "msg_body": {}},
                {"msg_type": "image", key: 2, "msg_body": {}},
            ]})
        };
        let recorded = recording(
            Source::Real,
            vec![record("page", "GET /v2/messages", 200, page("msg_id"))],
        );
        let found = compare(
            &recorded,
            &[record("page", "GET /v2/messages", 200, page("msgid"))],
            &StepLeniencies::new(),
        );
        let text = texts(&found);
        assert_eq!(found.differences.len(), 2, "{text}");
        assert!(text.contains(
            "`$.messages[*].msg_id` is missing on the mock (recorded: integer) in variant(s) msg_type=image; msg_type=text"
        ));
        assert!(text.contains("`$.messages[*].msgid` exists only on the mock (integer)"));
    }

    #[test]
    fn optional_and_nullable_fields_of_the_schemas_are_no_difference() {
        let recorded = recording(
            Source::Doc,
            vec![record(
                "users",
                "GET /v3/users",
                200,
                json!({"items": [{"time": "t", "android": {"active": 1}}], "count": null}),
            )],
        );
        let mock = [record(
            "users",
            "GET /v3/users",
            200,
            json!({"items": [{"time": "t", "ios": {"new": 2}}], "count": 3}),
        )];
        let strict = compare(&recorded, &mock, &StepLeniencies::new());
        assert_eq!(strict.differences.len(), 3, "{}", texts(&strict));
        let optional = Leniency {
            optional: true,
            ..Leniency::default()
        };
        let lenient = StepLeniencies::from([(
            "users".to_owned(),
            Leniencies::from([
                ("$.items[*].android".to_owned(), optional),
                ("$.items[*].ios".to_owned(), optional),
                (
                    "$.count".to_owned(),
                    Leniency {
                        nullable: true,
                        ..Leniency::default()
                    },
                ),
            ]),
        )]);
        let found = compare(&recorded, &mock, &lenient);
        assert!(found.differences.is_empty(), "{}", texts(&found));
    }

    #[test]
    fn an_error_code_is_the_one_value_compared() {
        let recorded = recording(
            Source::Seen,
            vec![
                record(
                    "jiguang",
                    "GET /v2/messages",
                    401,
                    json!({"error": {"code": 899008, "message": "a"}}),
                ),
                record(
                    "easemob",
                    "GET /o/a/chatmessages",
                    401,
                    json!({"error": "unauthorized", "duration": 0}),
                ),
            ],
        );
        let same = [
            record(
                "jiguang",
                "GET /v2/messages",
                401,
                json!({"error": {"code": 899008, "message": "b"}}),
            ),
            record(
                "easemob",
                "GET /o/a/chatmessages",
                401,
                json!({"error": "unauthorized", "duration": 7}),
            ),
        ];
        assert_eq!(compare(&recorded, &same, &StepLeniencies::new()), Comparison::default());
        let other = [
            record(
                "jiguang",
                "GET /v2/messages",
                401,
                json!({"error": {"code": 899007, "message": "a"}}),
            ),
            record(
                "easemob",
                "GET /o/a/chatmessages",
                401,
                json!({"error": "forbidden", "duration": 0}),
            ),
        ];
        let found = compare(&recorded, &other, &StepLeniencies::new());
        let text = texts(&found);
        assert!(text.contains("error code recorded 899008, mock 899007"), "{text}");
        assert!(
            text.contains("error code recorded \"unauthorized\", mock \"forbidden\""),
            "{text}"
        );
        assert!(found.differences.iter().all(|d| d.kind == DiffKind::Code));
    }

    #[test]
    fn objects_keyed_by_registration_ids_compare_by_their_values() {
        let request = "POST /v3/status/message";
        let recorded = recording(
            Source::Doc,
            vec![record("JSON", request, 200, json!({"02078f0f1b8": {"status": 2}}))],
        );
        let mock = [record(
            "JSON",
            request,
            200,
            json!({"abc": {"status": 0}, "nonsense-id": {"status": 2}}),
        )];
        let found = compare(&recorded, &mock, &StepLeniencies::new());
        assert_eq!(found, Comparison::default());
        let mock = [record("JSON", request, 200, json!({"abc": {"state": 0}}))];
        let text = texts(&compare(&recorded, &mock, &StepLeniencies::new()));
        assert!(text.contains("`$[*].status` is missing on the mock"), "{text}");
    }

    #[test]
    fn accepted_differences_are_counted_apart_and_transcriptions_may_be_partial() {
        let mut recorded = recording(
            Source::Doc,
            vec![record(
                "first",
                "GET /v3/received",
                200,
                json!({"msg_id": "1", "typo": 1}),
            )],
        );
        recorded.steps[0].accepted.push(Accepted {
            path: "$.typo".into(),
            kind: Some(DiffKind::Missing),
            reason: "the document's typo".into(),
        });
        let mock = [
            record("first", "GET /v3/received", 200, json!({"msg_id": "1"})),
            record("second", "GET /v3/received", 400, json!({})),
        ];
        let found = compare(&recorded, &mock, &StepLeniencies::new());
        assert!(found.differences.is_empty(), "{}", texts(&found));
        assert_eq!(found.accepted.len(), 1);
        assert_eq!(found.accepted[0].1, "the document's typo");
        // A recording of a real account holds every step.
        recorded.source = Source::Real;
        let text = texts(&compare(&recorded, &mock, &StepLeniencies::new()));
        assert!(text.contains("step \"second\": not in the recording"), "{text}");
    }
}
