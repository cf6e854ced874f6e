//! The assertion vocabulary: what a scenario can say about a response (or about every
//! page of a paginated step), how it is written in TOML, and how it is checked.
//!
//! An assertion names a subject — `path = "$.json.path"` or `header = "name"` — and one or
//! more checks. The subject selects a list of values (a wildcard path selects many; over
//! pages, the selections of every page are joined). Every check except the negative ones
//! (`exists = false`, `not_contains`) and `count` needs at least one selected value, so a
//! mistyped path cannot pass a positive check.

use std::cmp::Ordering;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    jsonpath::JsonPath,
    schema::{describe, type_name, Fields, Leniencies, Schemas, TypeSpec},
    template::{as_text, Vars},
};

/// One assertion as written in a scenario file (`[[steps.assert]]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertSpec {
    /// JSON path into the body.
    pub path: Option<String>,
    /// Response header name (case-insensitive).
    pub header: Option<String>,
    pub exists: Option<bool>,
    pub equals: Option<toml::Value>,
    pub not_equals: Option<toml::Value>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub matches: Option<String>,
    pub length: Option<LengthSpec>,
    pub ascending: Option<bool>,
    pub strictly_ascending: Option<bool>,
    pub unique: Option<bool>,
    pub contains: Option<toml::Value>,
    pub not_contains: Option<toml::Value>,
    pub at_least: Option<toml::Value>,
    pub at_most: Option<toml::Value>,
    pub greater_than: Option<toml::Value>,
    pub less_than: Option<toml::Value>,
    pub schema: Option<String>,
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    pub strict: Option<bool>,
    pub count: Option<toml::Value>,
    pub sum: Option<toml::Value>,
    pub all_equal: Option<bool>,
    pub sequence: Option<toml::Value>,
    pub starts_with: Option<toml::Value>,
    pub any_of: Option<Vec<AssertSpec>>,
    pub each: Option<Vec<AssertSpec>>,
}

/// `length = 3` or `length = { min = 1, max = 100 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum LengthSpec {
    Exactly(usize),
    Range { min: Option<usize>, max: Option<usize> },
}

#[derive(Debug, Clone)]
pub struct Assertion {
    subject: Subject,
    checks: Vec<Check>,
}

#[derive(Debug, Clone)]
enum Subject {
    Body(JsonPath),
    Header(String),
}

#[derive(Debug, Clone)]
enum Check {
    Exists(bool),
    Equals(Value),
    NotEquals(Value),
    Type(TypeSpec),
    Matches(Pattern),
    Length(Option<usize>, Option<usize>),
    Ascending {
        strict: bool,
    },
    Unique,
    Contains(Value),
    NotContains(Value),
    Compare(Ordering, bool, Value),
    Schema(String),
    Fields(Fields),
    Count(Value),
    Sum(Value),
    /// The sum within bounds: `sum = { min = .., max = .. }` (either may be omitted).
    SumWithin {
        min: Option<Value>,
        max: Option<Value>,
    },
    AllEqual,
    /// The selected values are exactly these, in order (`prefix`: begin with these).
    Sequence {
        expected: Value,
        prefix: bool,
    },
    AnyOf(Vec<Assertion>),
    Each(Vec<Assertion>),
}

/// A response as assertions see it: a JSON body (`null` when not JSON) and headers.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    pub body: &'a Value,
    pub headers: &'a [(String, String)],
}

impl Assertion {
    pub fn compile(spec: &AssertSpec, schemas: &Schemas) -> Result<Assertion, String> {
        let subject = match (&spec.path, &spec.header) {
            (Some(path), None) => Subject::Body(JsonPath::parse(path)?),
            (None, Some(name)) => Subject::Header(name.to_ascii_lowercase()),
            _ => return Err("an assertion needs exactly one of `path` or `header`".into()),
        };
        let checks = compile_checks(spec, schemas)?;
        if checks.is_empty() {
            return Err(format!("assertion on {} checks nothing", subject.describe()));
        }
        Ok(Assertion { subject, checks })
    }

    /// A JSON-path assertion with one equality check (used by the step shorthands).
    pub fn path_equals(path: &str, expected: Value) -> Assertion {
        Assertion {
            subject: Subject::Body(JsonPath::parse(path).expect("shorthand paths are valid")),
            checks: vec![Check::Equals(expected)],
        }
    }

    /// What the schemas and types this assertion checks allow where it looks: optional
    /// and nullable fields, by shape path (`each` children below their parent's path).
    pub fn leniencies(&self, schemas: &Schemas, out: &mut Leniencies) {
        self.leniencies_at("", schemas, out);
    }

    fn leniencies_at(&self, parent: &str, schemas: &Schemas, out: &mut Leniencies) {
        let Subject::Body(path) = &self.subject else { return };
        let at = match parent {
            "" => path.shape_path(),
            _ => format!("{parent}{}", &path.shape_path()[1..]),
        };
        for check in &self.checks {
            match check {
                Check::Schema(name) => schemas.leniencies_of_schema(name, &at, out),
                Check::Type(spec) => schemas.leniencies_of_type(spec, &at, out),
                Check::Fields(fields) => schemas.leniencies_of_fields(fields, &at, out),
                Check::Each(children) | Check::AnyOf(children) => {
                    for child in children {
                        child.leniencies_at(&at, schemas, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// Checks every check against the values selected from `docs`. `this` is what
    /// `${$...}` in expected values names: the response being checked (a page), or the
    /// element inside `each`/`any_of`; `None` over several pages.
    pub fn evaluate(&self, docs: &[Doc], this: Option<&Value>, vars: &Vars, schemas: &Schemas) -> Result<(), String> {
        let values = self.subject.select(docs);
        let scope = Scope { vars, this };
        for check in &self.checks {
            check
                .evaluate(&values, &self.subject, scope, schemas)
                .map_err(|why| format!("{} {}: {why}", self.subject.describe(), check.describe()))?;
        }
        Ok(())
    }
}

fn compile_checks(spec: &AssertSpec, schemas: &Schemas) -> Result<Vec<Check>, String> {
    let value = |v: &Option<toml::Value>| v.as_ref().map(toml_to_json);
    let mut checks = Vec::new();
    let mut push = |check: Option<Check>| checks.extend(check);
    push(spec.exists.map(Check::Exists));
    push(value(&spec.equals).map(Check::Equals));
    push(value(&spec.not_equals).map(Check::NotEquals));
    if let Some(text) = &spec.type_ {
        let parsed = TypeSpec::parse(text)?;
        schemas.check_spec_refs(&parsed)?;
        push(Some(Check::Type(parsed)));
    }
    if let Some(pattern) = &spec.matches {
        push(Some(Check::Matches(Pattern::compile(pattern)?)));
    }
    push(spec.length.as_ref().map(|length| match *length {
        LengthSpec::Exactly(n) => Check::Length(Some(n), Some(n)),
        LengthSpec::Range { min, max } => Check::Length(min, max),
    }));
    push(
        spec.ascending
            .filter(|on| *on)
            .map(|_| Check::Ascending { strict: false }),
    );
    push(
        spec.strictly_ascending
            .filter(|on| *on)
            .map(|_| Check::Ascending { strict: true }),
    );
    push(spec.unique.filter(|on| *on).map(|_| Check::Unique));
    push(value(&spec.contains).map(Check::Contains));
    push(value(&spec.not_contains).map(Check::NotContains));
    push(value(&spec.at_least).map(|v| Check::Compare(Ordering::Greater, true, v)));
    push(value(&spec.at_most).map(|v| Check::Compare(Ordering::Less, true, v)));
    push(value(&spec.greater_than).map(|v| Check::Compare(Ordering::Greater, false, v)));
    push(value(&spec.less_than).map(|v| Check::Compare(Ordering::Less, false, v)));
    if let Some(name) = &spec.schema {
        if !schemas.contains(name) {
            return Err(format!("unknown schema `{name}`"));
        }
        push(Some(Check::Schema(name.clone())));
    }
    if let Some(table) = &spec.fields {
        let fields = Fields::parse(table, spec.strict.unwrap_or(false))?;
        schemas.check_fields_refs(&fields)?;
        push(Some(Check::Fields(fields)));
    } else if spec.strict.is_some() {
        return Err("`strict` only applies to `fields`".into());
    }
    push(value(&spec.count).map(Check::Count));
    push(spec.sum.as_ref().map(sum_check).transpose()?);
    push(spec.all_equal.filter(|on| *on).map(|_| Check::AllEqual));
    push(value(&spec.sequence).map(|expected| Check::Sequence {
        expected,
        prefix: false,
    }));
    push(value(&spec.starts_with).map(|expected| Check::Sequence { expected, prefix: true }));
    if let Some(alternatives) = &spec.any_of {
        push(Some(Check::AnyOf(compile_relative("any_of", alternatives, schemas)?)));
    }
    if let Some(all) = &spec.each {
        push(Some(Check::Each(compile_relative("each", all, schemas)?)));
    }
    Ok(checks)
}

/// The assertions of `any_of` / `each`: paths relative to each selected value.
fn compile_relative(key: &str, specs: &[AssertSpec], schemas: &Schemas) -> Result<Vec<Assertion>, String> {
    let compiled = specs
        .iter()
        .map(|spec| {
            let assertion = Assertion::compile(spec, schemas)?;
            match assertion.subject {
                Subject::Body(_) => Ok(assertion),
                Subject::Header(_) => Err(format!("`{key}` assertions take `path`, relative to each value")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if compiled.is_empty() {
        return Err(format!("`{key}` needs at least one assertion"));
    }
    Ok(compiled)
}

/// A `matches` pattern: a regex, or one with placeholders whose values are matched
/// literally (`'/history/${hour}\.gz\?'`).
#[derive(Debug, Clone)]
enum Pattern {
    Fixed(Regex),
    Template(String),
}

impl Pattern {
    fn compile(text: &str) -> Result<Pattern, String> {
        let invalid = |e: regex::Error| format!("invalid pattern `{text}`: {e}");
        if text.contains("${") {
            // Checked now with a stand-in for every value, so a bad pattern fails at load.
            let placeholder = Regex::new(r"\$\{[^}]*\}").expect("valid regex");
            Regex::new(&placeholder.replace_all(text, "x")).map_err(invalid)?;
            Ok(Pattern::Template(text.to_owned()))
        } else {
            Regex::new(text).map(Pattern::Fixed).map_err(invalid)
        }
    }

    fn text(&self) -> &str {
        match self {
            Pattern::Fixed(re) => re.as_str(),
            Pattern::Template(text) => text,
        }
    }

    fn regex(&self, scope: Scope) -> Result<Regex, String> {
        match self {
            Pattern::Fixed(re) => Ok(re.clone()),
            Pattern::Template(text) => {
                let resolved = scope.vars.interpolate_escaped(text, scope.this, &regex::escape)?;
                Regex::new(&resolved).map_err(|e| format!("pattern `{resolved}`: {e}"))
            }
        }
    }
}

/// What expected values may name: variables, and `${$...}` in `this`.
#[derive(Clone, Copy)]
struct Scope<'a> {
    vars: &'a Vars,
    this: Option<&'a Value>,
}

impl Scope<'_> {
    fn resolve(&self, value: &Value) -> Result<Value, String> {
        self.vars.resolve_value_in(value, self.this)
    }
}

/// A response header as assertions and captures see it: a decimal integer is a number
/// (`X-Rate-Limit-Remaining`, `Retry-After`), anything else text.
pub fn header_value(text: &str) -> Value {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(number) = text.parse::<i64>() {
            return Value::from(number);
        }
    }
    Value::String(text.to_owned())
}

impl Subject {
    fn select<'a>(&self, docs: &[Doc<'a>]) -> Vec<Value> {
        docs.iter()
            .flat_map(|doc| match self {
                Subject::Body(path) => path.select(doc.body).into_iter().cloned().collect::<Vec<_>>(),
                Subject::Header(name) => doc
                    .headers
                    .iter()
                    .filter(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| header_value(value))
                    .collect(),
            })
            .collect()
    }

    fn describe(&self) -> String {
        match self {
            Subject::Body(path) => format!("`{path}`"),
            Subject::Header(name) => format!("header `{name}`"),
        }
    }
}

impl Check {
    fn describe(&self) -> String {
        match self {
            Check::Exists(true) => "exists".into(),
            Check::Exists(false) => "is absent".into(),
            Check::Equals(v) => format!("equals {v}"),
            Check::NotEquals(v) => format!("differs from {v}"),
            Check::Type(spec) => format!("has type {spec}"),
            Check::Matches(pattern) => format!("matches /{}/", pattern.text()),
            Check::Length(min, max) => match (min, max) {
                (Some(a), Some(b)) if a == b => format!("has length {a}"),
                _ => format!(
                    "has length in {}..={}",
                    min.map(|n| n.to_string()).unwrap_or_default(),
                    max.map(|n| n.to_string()).unwrap_or_default()
                ),
            },
            Check::Ascending { strict: false } => "is ascending".into(),
            Check::Ascending { strict: true } => "is strictly ascending".into(),
            Check::Unique => "has unique values".into(),
            Check::Contains(v) => format!("contains {v}"),
            Check::NotContains(v) => format!("does not contain {v}"),
            Check::Compare(order, inclusive, v) => {
                let op = match (order, inclusive) {
                    (Ordering::Greater, true) => ">=",
                    (Ordering::Greater, false) => ">",
                    (_, true) => "<=",
                    (_, false) => "<",
                };
                format!("{op} {v}")
            }
            Check::Schema(name) => format!("follows schema `{name}`"),
            Check::Fields(fields) => {
                let names: Vec<_> = fields.fields.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                format!("has fields {{{}}}", names.join(", "))
            }
            Check::Count(v) => format!("selects {v} values"),
            Check::Sum(v) => format!("sums to {v}"),
            Check::SumWithin { min, max } => match (min, max) {
                (Some(min), Some(max)) => format!("sums to {min}..={max}"),
                (Some(min), None) => format!("sums to at least {min}"),
                (None, Some(max)) => format!("sums to at most {max}"),
                (None, None) => "sums to anything".into(),
            },
            Check::AllEqual => "has one value throughout".into(),
            Check::Sequence {
                expected,
                prefix: false,
            } => format!("is the sequence {expected}"),
            Check::Sequence { expected, prefix: true } => format!("starts with the sequence {expected}"),
            Check::AnyOf(_) => "satisfies one of its alternatives".into(),
            Check::Each(_) => "satisfies each of its assertions".into(),
        }
    }

    fn evaluate(&self, values: &[Value], subject: &Subject, scope: Scope, schemas: &Schemas) -> Result<(), String> {
        let resolve = |v: &Value| scope.resolve(v);
        match self {
            Check::Exists(true) => non_empty(values).map(|_| ()),
            Check::Exists(false) => match values.first() {
                None => Ok(()),
                Some(v) => Err(format!("found {}", describe(v))),
            },
            Check::Count(expected) => {
                let expected = as_count(&resolve(expected)?)?;
                expect(values.len() == expected, || {
                    format!("selected {}, expected {expected}", values.len())
                })
            }
            Check::NotContains(unwanted) => {
                let unwanted = resolve(unwanted)?;
                expect(!values.iter().any(|v| json_eq(v, &unwanted)), || "it is present".into())
            }
            Check::Sequence { expected, prefix } => {
                let expected = match resolve(expected)? {
                    Value::Array(items) => items,
                    other => return Err(format!("expected a list of values, got {}", describe(&other))),
                };
                let long_enough = if *prefix {
                    values.len() >= expected.len()
                } else {
                    values.len() == expected.len()
                };
                if let Some(i) = (0..expected.len().min(values.len())).find(|&i| !json_eq(&values[i], &expected[i])) {
                    return Err(format!(
                        "value #{i} is {}, expected {}",
                        describe(&values[i]),
                        describe(&expected[i])
                    ));
                }
                expect(long_enough, || {
                    format!("selected {} values, expected {}", values.len(), expected.len())
                })
            }
            _ => {
                non_empty(values)?;
                self.evaluate_present(values, subject, scope, schemas)
            }
        }
    }

    /// Checks that need at least one selected value.
    fn evaluate_present(
        &self,
        values: &[Value],
        subject: &Subject,
        scope: Scope,
        schemas: &Schemas,
    ) -> Result<(), String> {
        let resolve = |v: &Value| scope.resolve(v);
        let at = |i: usize| match subject {
            Subject::Body(path) if values.len() == 1 => path.to_string(),
            Subject::Body(path) => format!("{path} #{i}"),
            Subject::Header(name) => name.clone(),
        };
        match self {
            Check::Equals(written) => {
                let expected = resolve(written)?;
                // An expected value from a placeholder is shown as resolved.
                let shown = if expected == *written {
                    String::new()
                } else {
                    format!(" (expected {})", describe(&expected))
                };
                each(values, |v| {
                    expect(json_eq(v, &expected), || format!("got {}{shown}", describe(v)))
                })
            }
            Check::NotEquals(unwanted) => {
                let unwanted = resolve(unwanted)?;
                each(values, |v| {
                    expect(!json_eq(v, &unwanted), || format!("got {}", describe(v)))
                })
            }
            Check::Type(spec) => values
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| schemas.check_type(spec, v, &at(i))),
            Check::Matches(pattern) => {
                let re = pattern.regex(scope)?;
                let shown = match pattern {
                    Pattern::Fixed(_) => String::new(),
                    Pattern::Template(_) => format!(" (the pattern is /{re}/)"),
                };
                each(values, |v| match v {
                    Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                        expect(re.is_match(&as_text(v)), || format!("got {}{shown}", describe(v)))
                    }
                    _ => Err(format!("got {}, not text", describe(v))),
                })
            }
            Check::Length(min, max) => each(values, |v| {
                let len = length_of(v).ok_or_else(|| format!("got {}, which has no length", describe(v)))?;
                let ok = min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m);
                expect(ok, || format!("length is {len}"))
            }),
            Check::Ascending { strict } => values.windows(2).enumerate().try_for_each(|(i, pair)| {
                let order = compare(&pair[0], &pair[1])?;
                let ok = order == Ordering::Less || (!strict && order == Ordering::Equal);
                expect(ok, || format!("value #{i} {} then #{} {}", pair[0], i + 1, pair[1]))
            }),
            Check::Unique => {
                let mut seen = std::collections::HashSet::new();
                each(values, |v| {
                    expect(seen.insert(v.to_string()), || format!("{v} appears more than once"))
                })
            }
            Check::Contains(wanted) => {
                let wanted = resolve(wanted)?;
                expect(values.iter().any(|v| json_eq(v, &wanted)), || {
                    format!("not among the {} selected values", values.len())
                })
            }
            Check::Compare(order, inclusive, written) => {
                let bound = resolve(written)?;
                // A bound from a placeholder is shown as resolved.
                let shown = if bound == *written {
                    String::new()
                } else {
                    format!(" (the bound is {bound})")
                };
                each(values, |v| {
                    let actual = compare(v, &bound)?;
                    let ok = actual == *order || (*inclusive && actual == Ordering::Equal);
                    expect(ok, || format!("got {}{shown}", describe(v)))
                })
            }
            Check::Schema(name) => values
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| schemas.check_named(name, v, &at(i))),
            Check::Fields(fields) => values
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| schemas.check_fields(fields, v, &at(i))),
            Check::Sum(expected) => {
                let expected = resolve(expected)?;
                let sum = sum_of(values)?;
                expect(json_eq(&Value::from(sum), &expected), || {
                    format!("the sum is {sum}, expected {expected}")
                })
            }
            Check::SumWithin { min, max } => {
                let sum = Value::from(sum_of(values)?);
                for (bound, below) in [(min, true), (max, false)] {
                    let Some(written) = bound else { continue };
                    let bound = resolve(written)?;
                    let order = compare(&sum, &bound)?;
                    let outside = if below {
                        order == Ordering::Less
                    } else {
                        order == Ordering::Greater
                    };
                    expect(!outside, || {
                        let side = if below { "below" } else { "above" };
                        format!("the sum is {sum}, {side} {bound}")
                    })?;
                }
                Ok(())
            }
            Check::AllEqual => each(values, |v| {
                expect(json_eq(v, &values[0]), || {
                    format!("{} differs from {}", describe(v), describe(&values[0]))
                })
            }),
            Check::AnyOf(alternatives) => each(values, |v| {
                let doc = [Doc { body: v, headers: &[] }];
                let failures: Vec<String> = alternatives
                    .iter()
                    .filter_map(|alt| alt.evaluate(&doc, Some(v), scope.vars, schemas).err())
                    .collect();
                expect(failures.len() < alternatives.len(), || {
                    format!("{} fails all: {}", describe(v), failures.join(" | "))
                })
            }),
            Check::Each(assertions) => values.iter().enumerate().try_for_each(|(i, v)| {
                let doc = [Doc { body: v, headers: &[] }];
                assertions
                    .iter()
                    .try_for_each(|assertion| assertion.evaluate(&doc, Some(v), scope.vars, schemas))
                    .map_err(|why| format!("{}: {why}", at(i)))
            }),
            Check::Exists(_) | Check::Count(_) | Check::NotContains(_) | Check::Sequence { .. } => {
                unreachable!("handled in evaluate")
            }
        }
    }
}

fn non_empty(values: &[Value]) -> Result<&Value, String> {
    values.first().ok_or_else(|| "nothing was selected".to_string())
}

fn each(values: &[Value], mut check: impl FnMut(&Value) -> Result<(), String>) -> Result<(), String> {
    values.iter().try_for_each(&mut check)
}

fn expect(ok: bool, otherwise: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(otherwise())
    }
}

fn as_count(value: &Value) -> Result<usize, String> {
    value
        .as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| format!("expected count {value} is not a non-negative integer"))
}

fn length_of(value: &Value) -> Option<usize> {
    match value {
        Value::Array(items) => Some(items.len()),
        Value::Object(map) => Some(map.len()),
        Value::String(text) => Some(text.chars().count()),
        _ => None,
    }
}

/// JSON equality where `1` and `1.0` are the same number.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The sum of numbers; anything else is an error.
fn sum_of(values: &[Value]) -> Result<f64, String> {
    values
        .iter()
        .map(|v| v.as_f64().ok_or_else(|| format!("got {}, not a number", describe(v))))
        .sum()
}

/// `sum = N` (exactly) or `sum = { min = N, max = M }` (within, either bound optional):
/// the bounded form suits counts taken from two answers between which data may arrive.
fn sum_check(spec: &toml::Value) -> Result<Check, String> {
    let Some(table) = spec.as_table() else {
        return Ok(Check::Sum(toml_to_json(spec)));
    };
    if let Some(key) = table.keys().find(|k| !matches!(k.as_str(), "min" | "max")) {
        return Err(format!("`sum` takes `min` and `max`, not `{key}`"));
    }
    let (min, max) = (table.get("min").map(toml_to_json), table.get("max").map(toml_to_json));
    if min.is_none() && max.is_none() {
        return Err("`sum = { .. }` needs `min`, `max` or both".into());
    }
    Ok(Check::SumWithin { min, max })
}

/// Orders two numbers or two strings; anything else cannot be ordered.
fn compare(a: &Value, b: &Value) -> Result<Ordering, String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Ok(x.cmp(&y)),
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => Ok(x.cmp(&y)),
                _ => x
                    .as_f64()
                    .zip(y.as_f64())
                    .and_then(|(x, y)| x.partial_cmp(&y))
                    .ok_or_else(|| "numbers cannot be ordered".to_string()),
            },
        },
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => Err(format!("cannot order {} against {}", type_name(a), type_name(b))),
    }
}

/// A TOML value as JSON (datetimes become their text).
pub fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(table.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use serde_json::json;

    use super::*;

    fn vars() -> Vars {
        let mut vars = Vars::new(DateTime::parse_from_rfc3339("2026-11-20T12:00:00+08:00").unwrap());
        vars.set("total", json!(3));
        vars.set("user", json!("ann"));
        vars
    }

    fn check(spec: &str, body: Value) -> Result<(), String> {
        let spec: AssertSpec = toml::from_str(spec).unwrap();
        let assertion = Assertion::compile(&spec, &Schemas::default())?;
        let headers = [("Content-Type".to_string(), "application/json".to_string())];
        assertion.evaluate(
            &[Doc {
                body: &body,
                headers: &headers,
            }],
            Some(&body),
            &vars(),
            &Schemas::default(),
        )
    }

    #[test]
    fn value_checks() {
        let body = json!({"error": {"code": 899003, "message": "bad"}, "ids": [1, 2, 2], "t": "2026-11-20"});
        assert!(check("path = '$.error.code'\nequals = 899003", body.clone()).is_ok());
        let failure = check("path = '$.error.code'\nequals = 899004", body.clone()).unwrap_err();
        assert_eq!(failure, "`$.error.code` equals 899004: got integer 899003");
        assert!(check("path = '$.error.code'\nequals = 899003.0", body.clone()).is_ok());
        assert!(check(
            "path = '$.error.message'\ntype = 'string'\nmatches = '^b'",
            body.clone()
        )
        .is_ok());
        assert!(check("path = '$.t'\nmatches = '^\\d{4}-\\d{2}-\\d{2}$'", body.clone()).is_ok());
        assert!(check("path = '$.ids'\nlength = 3", body.clone()).is_ok());
        assert!(check("path = '$.ids'\nlength = { min = 4 }", body.clone())
            .unwrap_err()
            .contains("length is 3"));
        assert!(check("path = '$.ids[*]'\nascending = true", body.clone()).is_ok());
        assert!(check("path = '$.ids[*]'\nstrictly_ascending = true", body.clone()).is_err());
        assert!(check("path = '$.ids[*]'\nunique = true", body.clone())
            .unwrap_err()
            .contains("2 appears more than once"));
        assert!(check(
            "path = '$.ids[*]'\ncount = '${total}'\nsum = 5\ncontains = 2",
            body.clone()
        )
        .is_ok());
        assert!(check("path = '$.ids[*]'\nat_least = 1\nless_than = 3", body.clone()).is_ok());
        assert!(check("path = '$.ids[*]'\ngreater_than = 1", body.clone()).is_err());
        assert!(check("path = '$.nothing'\nexists = false", body.clone()).is_ok());
        assert!(check("path = '$.error'\nexists = false", body.clone()).is_err());
        assert!(check("header = 'content-type'\nmatches = '^application/json'", body.clone()).is_ok());
    }

    #[test]
    fn a_sum_can_be_bounded_instead_of_exact() {
        let body = json!({"ids": [1, 2, 3]});
        assert!(check("path = '$.ids[*]'\nsum = { min = 6, max = 8 }", body.clone()).is_ok());
        assert!(check("path = '$.ids[*]'\nsum = { min = '${total}' }", body.clone()).is_ok());
        let above = check("path = '$.ids[*]'\nsum = { max = 5 }", body.clone()).unwrap_err();
        assert!(above.contains("the sum is 6.0, above 5"), "{above}");
        let below = check("path = '$.ids[*]'\nsum = { min = 7 }", body.clone()).unwrap_err();
        assert!(below.contains("below 7"), "{below}");
        assert!(check("path = '$.ids[*]'\nsum = { least = 1 }", body.clone())
            .unwrap_err()
            .contains("not `least`"));
        assert!(check("path = '$.ids[*]'\nsum = {}", body).is_err());
    }

    #[test]
    fn patterns_with_placeholders_match_their_values_literally() {
        let body = json!({"url": "http://h/history/ann.gz?Expires=1", "other": "http://h/history/annXgz"});
        assert!(check(
            "path = '$.url'\nmatches = '/history/${user}\\.gz\\?Expires=\\d+$'",
            body.clone()
        )
        .is_ok());
        let mut vars = vars();
        vars.set("dotted", json!("ann.gz"));
        let spec: AssertSpec = toml::from_str("path = '$.other'\nmatches = '/history/${dotted}$'").unwrap();
        let assertion = Assertion::compile(&spec, &Schemas::default()).unwrap();
        let failure = assertion
            .evaluate(
                &[Doc {
                    body: &body,
                    headers: &[],
                }],
                Some(&body),
                &vars,
                &Schemas::default(),
            )
            .unwrap_err();
        assert!(
            failure.contains("got string \"http://h/history/annXgz\" (the pattern is //history/ann\\.gz$/)"),
            "{failure}"
        );
        assert!(check("path = '$.url'\nmatches = '${$.url}'", body.clone()).is_ok());
        let compile = |spec: &str| Assertion::compile(&toml::from_str(spec).unwrap(), &Schemas::default());
        assert!(compile("path = '$.a'\nmatches = '(${user}'")
            .unwrap_err()
            .contains("invalid pattern"));
    }

    #[test]
    fn nothing_selected_fails_every_positive_check() {
        for spec in [
            "equals = 1",
            "type = 'integer?'",
            "ascending = true",
            "unique = true",
            "sum = 0",
            "all_equal = true",
            "exists = true",
        ] {
            let failure = check(&format!("path = '$.typo[*]'\n{spec}"), json!({"ids": []})).unwrap_err();
            assert!(failure.contains("nothing was selected"), "{spec}: {failure}");
        }
        assert!(check("path = '$.typo[*]'\ncount = 0", json!({})).is_ok());
        assert!(check("path = '$.ids[*]'\nnot_contains = 1", json!({"ids": []})).is_ok());
        assert!(check("path = '$.ids[*]'\nnot_contains = 1", json!({"ids": [2, 1]})).is_err());
    }

    #[test]
    fn any_of_applies_relative_paths_to_each_value() {
        let body = json!({"messages": [{"from_id": "ann", "target_id": "x"}, {"from_id": "y", "target_id": "ann"}]});
        let spec = "path = '$.messages[*]'\nany_of = [{ path = '$.from_id', equals = '${user}' }, { path = '$.target_id', equals = '${user}' }]";
        assert!(check(spec, body).is_ok());
        let body = json!({"messages": [{"from_id": "bob", "target_id": "x"}]});
        assert!(check(spec, body).unwrap_err().contains("fails all"));
    }

    #[test]
    fn each_applies_every_relative_assertion_to_every_value() {
        let body = json!({"items": [
            {"target": 5, "received": 4, "vendors": {"a": {"target": 2}, "b": {"target": 3}}},
            {"target": 2, "received": 2, "vendors": {"a": {"target": 1}, "b": {"target": 1}}},
        ]});
        let spec = "path = '$.items[*]'\neach = [{ path = '$.received', at_most = '${$.target}' }, { path = '$.vendors[*].target', sum = '${$.target}' }]";
        assert!(check(spec, body.clone()).is_ok());
        let mut wrong = body.clone();
        wrong["items"][1]["vendors"]["b"]["target"] = json!(5);
        let failure = check(spec, wrong).unwrap_err();
        assert!(
            failure.contains("#1") && failure.contains("the sum is 6, expected 2"),
            "{failure}"
        );
        wrong = body;
        wrong["items"][0]["received"] = json!(6);
        assert!(check(spec, wrong)
            .unwrap_err()
            .contains("got integer 6 (the bound is 5)"));
    }

    #[test]
    fn self_references_name_the_response_being_checked() {
        let body = json!({"stat": [{"n": 2}, {"n": 3}], "total": 5, "by_kind": {"a": 1, "b": 4}});
        assert!(check("path = '$.stat[*].n'\nsum = '${$.total}'", body.clone()).is_ok());
        assert!(check("path = '$.by_kind[*]'\nsum = '${$.total}'", body.clone()).is_ok());
        assert!(check("path = '$.total'\nequals = '${$.stat[0].n}'", body)
            .unwrap_err()
            .contains("equals \"${$.stat[0].n}\": got integer 5 (expected integer 2)"));
    }

    #[test]
    fn sequences_compare_the_selected_values_in_order() {
        let body = json!({"ids": [1, 2, 3]});
        assert!(check("path = '$.ids[*]'\nsequence = [1, 2, 3]", body.clone()).is_ok());
        assert!(check("path = '$.ids[*]'\nstarts_with = [1, 2]", body.clone()).is_ok());
        assert!(check("path = '$.ids[*]'\nsequence = [1, 2]", body.clone())
            .unwrap_err()
            .contains("selected 3 values, expected 2"));
        assert!(check("path = '$.ids[*]'\nstarts_with = [1, 3]", body.clone())
            .unwrap_err()
            .contains("value #1 is integer 2, expected integer 3"));
        assert!(check("path = '$.ids[*]'\nstarts_with = [1, 2, 3, 4]", body.clone())
            .unwrap_err()
            .contains("selected 3 values, expected 4"));
        assert!(check("path = '$.none[*]'\nsequence = []", body.clone()).is_ok());
        assert!(check("path = '$.ids[*]'\nsequence = '${total}'", body)
            .unwrap_err()
            .contains("expected a list"));
    }

    #[test]
    fn integer_headers_are_numbers() {
        let headers = [
            ("X-Rate-Limit-Remaining".to_string(), "2399".to_string()),
            ("Content-Type".to_string(), "application/json".to_string()),
        ];
        let doc = [Doc {
            body: &Value::Null,
            headers: &headers,
        }];
        let run = |spec: &str| {
            let assertion = Assertion::compile(&toml::from_str(spec).unwrap(), &Schemas::default()).unwrap();
            assertion.evaluate(&doc, None, &vars(), &Schemas::default())
        };
        assert!(run("header = 'x-rate-limit-remaining'\nequals = 2399\nat_least = 1").is_ok());
        assert!(run("header = 'x-rate-limit-remaining'\nmatches = '^\\d+$'").is_ok());
        assert!(run("header = 'content-type'\nequals = 'application/json'").is_ok());
        assert_eq!(header_value("-3"), json!(-3));
        assert_eq!(header_value("007"), json!(7));
        assert_eq!(header_value("1e3"), json!("1e3"));
        assert_eq!(header_value(""), json!(""));
        assert_eq!(header_value("99999999999999999999"), json!("99999999999999999999"));
    }

    #[test]
    fn badly_written_assertions_are_refused() {
        let compile = |spec: &str| Assertion::compile(&toml::from_str(spec).unwrap(), &Schemas::default());
        assert!(compile("path = '$.a'").unwrap_err().contains("checks nothing"));
        assert!(compile("equals = 1").is_err());
        assert!(compile("path = '$.a'\nheader = 'x'\nequals = 1").is_err());
        assert!(compile("path = '$.a'\nmatches = '('")
            .unwrap_err()
            .contains("invalid pattern"));
        assert!(compile("path = '$.a'\nschema = 'nope'")
            .unwrap_err()
            .contains("unknown schema"));
        assert!(compile("path = '$.a'\ntype = 'int'").is_err());
        assert!(compile("path = '$.a'\nstrict = true").is_err());
        assert!(compile("path = '$.a'\neach = []").unwrap_err().contains("at least one"));
        assert!(compile("path = '$.a'\neach = [{ header = 'x', equals = 1 }]")
            .unwrap_err()
            .contains("take `path`"));
        assert!(toml::from_str::<AssertSpec>("path = '$.a'\nequal = 1").is_err());
    }

    #[test]
    fn leniencies_come_from_schemas_types_and_field_tables_where_the_assertion_looks() {
        let mut schemas = Schemas::default();
        schemas
            .add_file("[item]\nfields = { id = \"integer\", note = \"string?\", count = \"integer|null\" }\n")
            .unwrap();
        let mut out = Leniencies::new();
        for spec in [
            r#"path = "$.items[0]"
schema = "item""#,
            r#"path = "$.extra"
type = "[@item]""#,
            r#"path = "$[?(@.kind == 'x')]"
fields = { when = "string?" }"#,
            r#"path = "$.pages[*]"
each = [{ path = "$.total", type = "integer|null" }]"#,
        ] {
            let assertion = Assertion::compile(&toml::from_str(spec).unwrap(), &schemas).unwrap();
            assertion.leniencies(&schemas, &mut out);
        }
        assert!(out["$.items[*].note"].optional && !out["$.items[*].id"].optional);
        assert!(out["$.items[*].count"].nullable);
        assert!(out["$.extra[*].note"].optional);
        assert!(out["$[*].when"].optional);
        assert!(out["$.pages[*].total"].nullable);
    }
}
