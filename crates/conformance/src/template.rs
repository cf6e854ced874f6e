//! `${...}` substitution: scenario variables, captures, app data and relative times.
//!
//! Placeholder grammar (inside `${` and `}`):
//! - `name`, `name.field[0]`: a variable, looked up as a JSON path in [`Vars`]
//!   (`apps.vip.usernames[0]`, `cursor`, `page.total`);
//! - `BASE±N<unit>...:FORMAT`: a time. `BASE` is `now` (the target's clock) or a variable
//!   holding a time (epoch seconds, RFC 3339, or `yyyy-MM-dd HH:mm:ss` in the zone);
//!   units are `ms`, `s`, `m`, `h`, `d`; `FORMAT` is a pattern of `yyyy MM dd HH mm ss SSS`
//!   (`YYYY`, `DD` too), or `epoch`, `epoch_ms`, `rfc3339`. Without `:FORMAT`, a time
//!   renders as `yyyy-MM-dd HH:mm:ss`. Example: `${now-3600s:yyyy-MM-dd HH:mm:ss}`;
//! - `name±N...` (no unit): integer arithmetic on an integer variable, or a string of
//!   digits (`${total-1}`; `${apps.vip.msg_ids[0]+0}` is that id as a number);
//! - a trailing `|tamper` changes one character in the middle of the value (to send an
//!   altered cursor or token);
//! - `$.json.path` (in expected values of assertions only): a value of the response being
//!   checked — inside `each`/`any_of`, of the element — so that one field can be compared
//!   with another (`at_most = "${$.target}"`). A path with a wildcard gives the array of
//!   what it selects.
//!
//! A string that is exactly one placeholder keeps the JSON type of the value (so
//! `equals = "${total}"` compares numbers); anywhere else values are spliced in as text.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta};
use regex::Regex;
use serde_json::{Map, Value};

use crate::jsonpath::JsonPath;

/// Everything a placeholder can name, and the clock reading relative times start from.
#[derive(Debug, Clone)]
pub struct Vars {
    /// Always an object: one key per variable.
    values: Value,
    now: DateTime<FixedOffset>,
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\$\{([^}]*)\}").expect("valid regex"));
static TIME_EXPR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<base>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[-?\d+\])*)(?P<offsets>(?:[+-]\d+(?:ms|s|m|h|d)?)*)$")
        .expect("valid regex")
});
static OFFSET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"([+-])(\d+)(ms|s|m|h|d)?").expect("valid regex"));

const DEFAULT_TIME_FORMAT: &str = "yyyy-MM-dd HH:mm:ss";

impl Vars {
    pub fn new(now: DateTime<FixedOffset>) -> Vars {
        Vars {
            values: Value::Object(Map::new()),
            now,
        }
    }

    pub fn set(&mut self, name: &str, value: Value) {
        if let Value::Object(map) = &mut self.values {
            map.insert(name.to_owned(), value);
        }
    }

    pub fn set_now(&mut self, now: DateTime<FixedOffset>) {
        self.now = now;
    }

    /// Substitutes every placeholder of `template`; a lone placeholder keeps its JSON type.
    pub fn resolve(&self, template: &str) -> Result<Value, String> {
        self.resolve_in(template, None)
    }

    /// Substitutes every placeholder of `template`, splicing values in as text.
    pub fn interpolate(&self, template: &str) -> Result<String, String> {
        self.interpolate_in(template, None)
    }

    /// Resolves every string inside a JSON value (request bodies, expected values).
    pub fn resolve_value(&self, value: &Value) -> Result<Value, String> {
        self.resolve_value_in(value, None)
    }

    /// As [`Vars::resolve_value`], with `${$...}` naming values of `this` (the response
    /// or element an assertion is checking).
    pub fn resolve_value_in(&self, value: &Value, this: Option<&Value>) -> Result<Value, String> {
        Ok(match value {
            Value::String(text) => self.resolve_in(text, this)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.resolve_value_in(v, this))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.resolve_value_in(v, this)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    fn resolve_in(&self, template: &str, this: Option<&Value>) -> Result<Value, String> {
        if let Some(caps) = PLACEHOLDER.captures(template) {
            if caps.get(0).map(|m| m.as_str().len()) == Some(template.len()) {
                return self.evaluate(&caps[1], this);
            }
        }
        self.interpolate_in(template, this).map(Value::String)
    }

    fn interpolate_in(&self, template: &str, this: Option<&Value>) -> Result<String, String> {
        self.interpolate_escaped(template, this, &|text| text.to_owned())
    }

    /// Substitutes every placeholder of `template`, each value passed through `escape`
    /// (to splice values into a regex literally).
    pub fn interpolate_escaped(
        &self,
        template: &str,
        this: Option<&Value>,
        escape: &dyn Fn(&str) -> String,
    ) -> Result<String, String> {
        let mut out = String::with_capacity(template.len());
        let mut last = 0;
        for caps in PLACEHOLDER.captures_iter(template) {
            let whole = caps.get(0).expect("group 0 always matches");
            out.push_str(&template[last..whole.start()]);
            out.push_str(&escape(&as_text(&self.evaluate(&caps[1], this)?)));
            last = whole.end();
        }
        out.push_str(&template[last..]);
        Ok(out)
    }

    fn evaluate(&self, expression: &str, this: Option<&Value>) -> Result<Value, String> {
        let expression = expression.trim();
        let (expression, tamper) = match expression.strip_suffix("|tamper") {
            Some(inner) => (inner.trim_end(), true),
            None => (expression, false),
        };
        let value = if expression.starts_with('$') {
            self_reference(expression, this)?
        } else {
            self.evaluate_plain(expression)?
        };
        Ok(if tamper {
            Value::String(tampered(&as_text(&value)))
        } else {
            value
        })
    }

    fn evaluate_plain(&self, expression: &str) -> Result<Value, String> {
        let (head, format) = match expression.split_once(':') {
            Some((head, format)) => (head.trim(), Some(format)),
            None => (expression, None),
        };
        let caps = TIME_EXPR
            .captures(head)
            .ok_or_else(|| format!("`${{{expression}}}` is not a variable or a time expression"))?;
        let (base, offsets) = (&caps["base"], &caps["offsets"]);
        if base != "now" && offsets.is_empty() && format.is_none() {
            return self.lookup(base).cloned();
        }
        if let Some(sum) = self.arithmetic(base, offsets, format)? {
            return Ok(sum);
        }
        let start = if base == "now" { self.now } else { self.time_of(base)? };
        let time = start + offset_of(offsets);
        Ok(format_time(time, format.unwrap_or(DEFAULT_TIME_FORMAT)))
    }

    /// `${total-1}`: offsets without a unit add to an integer variable. `None` when the
    /// expression is a time instead.
    fn arithmetic(&self, base: &str, offsets: &str, format: Option<&str>) -> Result<Option<Value>, String> {
        let terms: Vec<regex::Captures> = OFFSET.captures_iter(offsets).collect();
        let unitless = terms.iter().filter(|caps| caps.get(3).is_none()).count();
        if unitless == 0 {
            return Ok(None);
        }
        if unitless != terms.len() || format.is_some() || base == "now" {
            return Err(format!(
                "`{base}{offsets}` mixes numbers and times (times take a unit: s, m, h, d, ms)"
            ));
        }
        let value = self.lookup(base)?;
        let start = value
            .as_i64()
            .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
            .ok_or_else(|| format!("variable `{base}` is not an integer"))?;
        let sum = terms.iter().try_fold(start, |sum, caps| {
            let amount: i64 = caps[2].parse().map_err(|_| format!("`{}` is too large", &caps[2]))?;
            let signed = if &caps[1] == "-" { -amount } else { amount };
            sum.checked_add(signed).ok_or_else(|| "integer overflow".to_string())
        })?;
        Ok(Some(Value::from(sum)))
    }

    fn lookup(&self, name: &str) -> Result<&Value, String> {
        JsonPath::parse_variable(name)?
            .select_one(&self.values)
            .ok_or_else(|| format!("unknown variable `{name}`"))
    }

    /// A variable's value read as a time in the clock's zone.
    fn time_of(&self, name: &str) -> Result<DateTime<FixedOffset>, String> {
        let zone = *self.now.offset();
        let value = self.lookup(name)?;
        let parsed = match value {
            Value::Number(n) => n
                .as_i64()
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .map(|t| t.with_timezone(&zone)),
            Value::String(text) => DateTime::parse_from_rfc3339(text).ok().or_else(|| {
                NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                    .ok()
                    .and_then(|naive| naive.and_local_timezone(zone).single())
            }),
            _ => None,
        };
        parsed.ok_or_else(|| format!("variable `{name}` = {value} is not a time (epoch seconds or a date-time)"))
    }
}

/// `${$.path}`: what `path` selects in the value being checked.
fn self_reference(expression: &str, this: Option<&Value>) -> Result<Value, String> {
    let this = this.ok_or_else(|| {
        format!(
            "`${{{expression}}}` names a value of the response being checked: use it in an assertion's expected value"
        )
    })?;
    let path = JsonPath::parse(expression)?;
    let found = path.select(this);
    match (path.is_definite(), found.first()) {
        (_, None) => Err(format!("`{expression}` selects nothing in the value being checked")),
        (true, Some(value)) => Ok((*value).clone()),
        (false, Some(_)) => Ok(Value::Array(found.into_iter().cloned().collect())),
    }
}

fn offset_of(offsets: &str) -> TimeDelta {
    OFFSET
        .captures_iter(offsets)
        .map(|caps| {
            let amount: i64 = caps[2].parse().unwrap_or(i64::MAX / 1_000_000_000);
            let delta = match caps.get(3).map_or("", |unit| unit.as_str()) {
                "ms" => TimeDelta::milliseconds(amount),
                "s" => TimeDelta::seconds(amount),
                "m" => TimeDelta::minutes(amount),
                "h" => TimeDelta::hours(amount),
                _ => TimeDelta::days(amount),
            };
            if &caps[1] == "-" {
                -delta
            } else {
                delta
            }
        })
        .fold(TimeDelta::zero(), |sum, delta| sum + delta)
}

/// Renders a time in one of the documented formats.
pub fn format_time(time: DateTime<FixedOffset>, format: &str) -> Value {
    match format {
        "epoch" => Value::from(time.timestamp()),
        "epoch_ms" => Value::from(time.timestamp_millis()),
        "rfc3339" => Value::from(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)),
        pattern => Value::from(time.format(&chrono_pattern(pattern)).to_string()),
    }
}

/// Translates `yyyy-MM-dd HH:mm:ss.SSS` (the vendors' notation) into chrono's.
fn chrono_pattern(pattern: &str) -> String {
    const TOKENS: &[(&str, &str)] = &[
        ("yyyy", "%Y"),
        ("YYYY", "%Y"),
        ("MM", "%m"),
        ("dd", "%d"),
        ("DD", "%d"),
        ("HH", "%H"),
        ("mm", "%M"),
        ("ss", "%S"),
        ("SSS", "%3f"),
    ];
    let mut out = String::new();
    let mut rest = pattern;
    'outer: while let Some(c) = rest.chars().next() {
        for (token, replacement) in TOKENS {
            if let Some(after) = rest.strip_prefix(token) {
                out.push_str(replacement);
                rest = after;
                continue 'outer;
            }
        }
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A value as it appears spliced into text: strings bare, everything else as JSON.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The value with its middle character replaced by a different one of the same class, so
/// that it stays well-formed but no longer matches its signature.
fn tampered(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let middle = chars.len() / 2;
    if let Some(c) = chars.get_mut(middle) {
        *c = match *c {
            'A' => 'B',
            'a' => 'b',
            '0' => '1',
            c if c.is_ascii_uppercase() => 'A',
            c if c.is_ascii_digit() => '0',
            _ => 'a',
        };
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars() -> Vars {
        let now = DateTime::parse_from_rfc3339("2026-11-20T12:00:00+08:00").unwrap();
        let mut vars = Vars::new(now);
        vars.set("apps", json!({"vip": {"usernames": ["ann", "bob"], "app_key": "k1"}}));
        vars.set("total", json!(42));
        vars.set("t", json!(1_763_611_200)); // 2025-11-20T12:00:00+08:00
        vars.set("stamp", json!("2026-11-20 10:00:00"));
        vars.set("cursor", json!("abcdef"));
        vars
    }

    #[test]
    fn lone_placeholders_keep_their_type_spliced_ones_become_text() {
        let vars = vars();
        assert_eq!(vars.resolve("${total}").unwrap(), json!(42));
        assert_eq!(vars.resolve("total=${total}").unwrap(), json!("total=42"));
        assert_eq!(vars.resolve("${apps.vip.usernames[1]}").unwrap(), json!("bob"));
        assert_eq!(
            vars.resolve("${apps.vip}").unwrap(),
            json!({"usernames": ["ann", "bob"], "app_key": "k1"})
        );
        assert_eq!(
            vars.interpolate("/v2/users/${apps.vip.usernames[0]}/messages").unwrap(),
            "/v2/users/ann/messages"
        );
        assert_eq!(vars.resolve("no placeholders").unwrap(), json!("no placeholders"));
    }

    #[test]
    fn relative_times_follow_the_clock_and_the_format() {
        let vars = vars();
        assert_eq!(vars.resolve("${now}").unwrap(), json!("2026-11-20 12:00:00"));
        assert_eq!(
            vars.resolve("${now-3600s:yyyy-MM-dd HH:mm:ss}").unwrap(),
            json!("2026-11-20 11:00:00")
        );
        assert_eq!(vars.resolve("${now-7d+1s}").unwrap(), json!("2026-11-13 12:00:01"));
        assert_eq!(vars.resolve("${now-1h:YYYYMMDDHH}").unwrap(), json!("2026112011"));
        assert_eq!(vars.resolve("${now:yyyy-MM}").unwrap(), json!("2026-11"));
        assert_eq!(
            vars.resolve("${now+90s:rfc3339}").unwrap(),
            json!("2026-11-20T12:01:30+08:00")
        );
        assert_eq!(vars.resolve("${now:epoch}").unwrap(), json!(1_795_147_200));
        assert_eq!(
            vars.resolve("${now-1500ms:epoch_ms}").unwrap(),
            json!(1_795_147_198_500i64)
        );
        assert_eq!(vars.resolve("${t+1s}").unwrap(), json!("2025-11-20 12:00:01"));
        assert_eq!(vars.resolve("${stamp+2h:HH}").unwrap(), json!("12"));
        assert_eq!(vars.resolve("${now:yyyy%}").unwrap(), json!("2026%"));
    }

    #[test]
    fn unitless_offsets_are_integer_arithmetic() {
        let vars = vars();
        assert_eq!(vars.resolve("${total-1}").unwrap(), json!(41));
        assert_eq!(vars.resolve("${total+10-2}").unwrap(), json!(50));
        assert!(vars.resolve("${total-1s+1}").unwrap_err().contains("mixes"));
        assert!(vars.resolve("${now-1}").unwrap_err().contains("mixes"));
        assert!(vars.resolve("${cursor+1}").unwrap_err().contains("not an integer"));
        let mut vars = vars;
        vars.set("id", json!("1096580832"));
        assert_eq!(vars.resolve("${id+0}").unwrap(), json!(1_096_580_832));
    }

    #[test]
    fn self_references_read_the_value_being_checked() {
        let vars = vars();
        let this = json!({"target": 7, "items": [{"n": 1}, {"n": 2}], "id": "abc"});
        let resolve = |text: &str| vars.resolve_value_in(&json!(text), Some(&this));
        assert_eq!(resolve("${$.target}").unwrap(), json!(7));
        assert_eq!(resolve("${$.items[*].n}").unwrap(), json!([1, 2]));
        assert_eq!(resolve("n=${$.items[1].n}/${total}").unwrap(), json!("n=2/42"));
        assert_ne!(resolve("${$.id|tamper}").unwrap(), json!("abc"));
        assert!(resolve("${$.missing}").unwrap_err().contains("selects nothing"));
        assert!(vars
            .resolve("${$.target}")
            .unwrap_err()
            .contains("assertion's expected value"));
    }

    #[test]
    fn tamper_changes_exactly_one_character() {
        let vars = vars();
        let altered = vars.resolve("${cursor|tamper}").unwrap();
        let altered = altered.as_str().unwrap();
        assert_eq!(altered.len(), 6);
        let differing = altered.chars().zip("abcdef".chars()).filter(|(a, b)| a != b).count();
        assert_eq!(differing, 1, "{altered}");
    }

    #[test]
    fn unknown_names_and_bad_expressions_are_errors() {
        let vars = vars();
        assert!(vars
            .resolve("${missing}")
            .unwrap_err()
            .contains("unknown variable `missing`"));
        assert!(vars.resolve("${apps.vip.usernames[9]}").is_err());
        assert!(vars.resolve("${total-}").is_err());
        assert!(vars.resolve("${cursor+1s}").unwrap_err().contains("not a time"));
        assert!(vars.interpolate("x${nope}y").is_err());
    }
}
