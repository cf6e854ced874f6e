//! What a run produces, shared by the runner that makes it and everything that reads it
//! (reports, recordings, comparisons): a scenario's [`ScenarioResult`], its [`Outcome`]
//! and [`Failure`], the [`StepRecord`] of each request step, and the [`Observer`] that
//! hears of results as they come. It sits below `runner`, `record` and `report`, and
//! imports none of them.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    http::Exchange,
    scenario::{Family, RequestSpec, Scenario},
    schema::type_name,
};

/// One scenario as it ran (or was skipped).
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub name: String,
    pub family: Family,
    pub tags: Vec<String>,
    pub outcome: Outcome,
    pub duration: Duration,
    /// Requests sent (pages included).
    pub requests: usize,
    /// Filled when collecting: one record per request step that got an answer.
    pub records: Vec<StepRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    Failed(Failure),
    Skipped(String),
}

/// The first thing that went wrong in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// `step 3 "cursor refused after 121 s"`.
    pub step: String,
    /// The failed assertion and what was found instead.
    pub message: String,
    /// The request as sent (unredacted here; every report redacts it).
    pub request: Option<String>,
    /// `STATUS body excerpt`.
    pub response: Option<String>,
}

impl Failure {
    /// A failure outside any step (opening the session, scenario variables, closing).
    pub fn outside(step: &str, message: String) -> Failure {
        Failure {
            step: step.into(),
            message,
            request: None,
            response: None,
        }
    }
}

impl ScenarioResult {
    pub fn new(scenario: &Scenario, outcome: Outcome) -> ScenarioResult {
        ScenarioResult {
            name: scenario.name.clone(),
            family: scenario.family,
            tags: scenario.tags.clone(),
            outcome,
            duration: Duration::ZERO,
            requests: 0,
            records: Vec::new(),
        }
    }

    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }

    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Failed(failure) => Some(failure),
            _ => None,
        }
    }
}

/// Who hears about progress while a run goes on (the console).
pub trait Observer: Send + Sync {
    /// Something worth telling during a long step (a real wait).
    fn progress(&self, scenario: &str, message: &str);
    /// A scenario has finished, passed, failed or been skipped.
    fn finished(&self, result: &ScenarioResult);
}

/// JSON path → the type names seen there (`null` included: null-ness is a type here).
pub type Shape = BTreeMap<String, BTreeSet<String>>;

/// What one request step produced, kept while running.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: String,
    /// `GET /v2/users/${user}/messages`: the scenario's template, never resolved values.
    pub request: String,
    pub status: u16,
    #[serde(default)]
    pub pages: usize,
    /// Left out of a transcribed recording, whose shape is its example's.
    #[serde(default, skip_serializing_if = "Shape::is_empty")]
    pub shape: Shape,
    pub example: Value,
}

impl StepRecord {
    pub fn of(step: &str, request: &RequestSpec, pages: &[Exchange]) -> StepRecord {
        let mut shape = Shape::new();
        for page in pages {
            shape_of(&page.json, "$", &mut shape);
        }
        StepRecord {
            step: step.to_owned(),
            request: format!("{} {}", request.method, request.path),
            status: pages.first().map_or(0, |page| page.status),
            pages: pages.len(),
            shape,
            example: pages.first().map_or(Value::Null, |page| page.json.clone()),
        }
    }
}

/// Fields whose value names the variant of an array element, the first one an element
/// has deciding: the vendors' message type (JMessage `msg_type`), the conversation kind
/// (Easemob `chat_type`, which a ql entity carries beside its constant `type`), Easemob's
/// body `type`, JMessage's `target_type`. An element's fields depend on it, so shapes keep
/// one entry per variant.
pub const DISCRIMINATORS: &[&str] = &["msg_type", "chat_type", "type", "target_type"];

/// Adds the shape of `value` (found at `path`) to `shape`. An array element with
/// a discriminator is keyed by its value: `$.messages[*]{msg_type=image}`.
/// Only the innermost keys count (an Easemob body's fields follow its `type`, whatever the
/// `chat_type` of its line): `$[*].payload.bodies[*]{type=img}.url`.
pub fn shape_of(value: &Value, path: &str, shape: &mut Shape) {
    let path = match variant_of(value) {
        Some(variant) if path.ends_with("[*]") => format!("{}{{{variant}}}", plain_path(path)),
        _ => path.to_owned(),
    };
    shape
        .entry(path.clone())
        .or_default()
        .insert(type_name(value).to_owned());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                shape_of(child, &format!("{path}.{key}"), shape);
            }
        }
        Value::Array(items) => {
            for item in items {
                shape_of(item, &format!("{path}[*]"), shape);
            }
        }
        _ => {}
    }
}

/// `msg_type=image`: the first discriminator an object has (with a string value).
fn variant_of(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    DISCRIMINATORS
        .iter()
        .find_map(|key| Some(format!("{key}={}", object.get(*key)?.as_str()?)))
}

/// A shape path without its variant keys: `$.messages[*].msg_body.width`.
pub fn plain_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The variant elements a shape path lies under, outermost first:
/// `$.a[*]{type=x}.b[*]{type=y}.c` is under `$.a[*]{type=x}` and `$.a[*]{type=x}.b[*]{type=y}`.
pub fn variant_prefixes(path: &str) -> Vec<&str> {
    path.match_indices('}').map(|(i, _)| &path[..=i]).collect()
}
