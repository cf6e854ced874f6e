//! A small JSON path language for assertions, captures and variable lookups:
//! `$` (the root), `.name`, `["name"]`, `[N]`, `[-N]` (from the end), `[*]` / `.*`
//! (every element) and `[?(@.field == VALUE)]` / `[?(@.field != VALUE)]` (the elements
//! whose field equals, or differs from, a string, number, boolean or null literal; `@`
//! alone is the element itself). Recursive descent (`$..`) and richer filters are
//! deliberately absent: a scenario names what it checks.
//!
//! A path selects a list of values: empty when nothing matches, one value for a definite
//! path, any number through a wildcard or a filter.

use std::fmt;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(i64),
    Wildcard,
    /// The elements whose value at `field` (keys below `@`) equals `value` (or, with
    /// `equal` false, differs from it; a missing field differs from every value).
    Filter {
        field: Vec<String>,
        equal: bool,
        value: Value,
    },
}

impl JsonPath {
    /// Parses `$.a.b[0]`; the leading `$` is required.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let rest = text
            .strip_prefix('$')
            .ok_or_else(|| format!("JSON path `{text}` must start with `$`"))?;
        let segments = parse_segments(rest).map_err(|why| format!("JSON path `{text}`: {why}"))?;
        Ok(JsonPath {
            text: text.to_owned(),
            segments,
        })
    }

    /// Parses a variable reference such as `apps.vip.usernames[0]` (a path without `$.`).
    pub fn parse_variable(text: &str) -> Result<JsonPath, String> {
        let path = JsonPath::parse(&format!("$.{text}"))?;
        Ok(JsonPath {
            text: text.to_owned(),
            ..path
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path as a recorded shape names what it selects: every index, wildcard or
    /// filter becomes `[*]` (`$.messages[0].msgid` → `$.messages[*].msgid`).
    pub fn shape_path(&self) -> String {
        let mut out = String::from("$");
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Segment::Index(_) | Segment::Wildcard | Segment::Filter { .. } => out.push_str("[*]"),
            }
        }
        out
    }

    /// Whether the path can select at most one value (no wildcard).
    pub fn is_definite(&self) -> bool {
        self.segments
            .iter()
            .all(|segment| matches!(segment, Segment::Key(_) | Segment::Index(_)))
    }

    /// Every value the path selects, in document order.
    pub fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![root];
        for segment in &self.segments {
            current = current.into_iter().flat_map(|value| step(value, segment)).collect();
        }
        current
    }

    /// The one value a definite path selects, if any.
    pub fn select_one<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.select(root).into_iter().next()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn step<'a>(value: &'a Value, segment: &Segment) -> Vec<&'a Value> {
    match (segment, value) {
        (Segment::Key(key), Value::Object(map)) => map.get(key).into_iter().collect(),
        (Segment::Index(index), Value::Array(items)) => {
            let len = items.len() as i64;
            let at = if *index < 0 { len + index } else { *index };
            usize::try_from(at)
                .ok()
                .and_then(|at| items.get(at))
                .into_iter()
                .collect()
        }
        (Segment::Wildcard, Value::Array(items)) => items.iter().collect(),
        (Segment::Wildcard, Value::Object(map)) => map.values().collect(),
        (
            Segment::Filter {
                field,
                equal,
                value: literal,
            },
            _,
        ) => step(value, &Segment::Wildcard)
            .into_iter()
            .filter(|element| {
                let found = field.iter().try_fold(*element, |current, key| current.get(key));
                found.is_some_and(|found| found == literal) == *equal
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn parse_segments(mut rest: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '*'))
                .unwrap_or(after.len());
            let name = &after[..end];
            segments.push(match name {
                "" => return Err("empty name after `.`".into()),
                "*" => Segment::Wildcard,
                _ if name.contains('*') => return Err(format!("`{name}` mixes `*` into a name")),
                _ => Segment::Key(name.to_owned()),
            });
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or("unclosed `[`")?;
            segments.push(bracket(after[..end].trim())?);
            rest = &after[end + 1..];
        } else {
            return Err(format!("unexpected `{rest}` (expected `.name` or `[...]`)"));
        }
    }
    Ok(segments)
}

fn bracket(inner: &str) -> Result<Segment, String> {
    if inner == "*" {
        return Ok(Segment::Wildcard);
    }
    if let Some(filter) = inner.strip_prefix('?') {
        return parse_filter(filter.trim());
    }
    for quote in ['"', '\''] {
        if let Some(name) = inner.strip_prefix(quote).and_then(|s| s.strip_suffix(quote)) {
            return Ok(Segment::Key(name.to_owned()));
        }
    }
    inner
        .parse::<i64>()
        .map(Segment::Index)
        .map_err(|_| format!("`[{inner}]` is neither an index, `*`, a filter, nor a quoted name"))
}

/// `(@.a.b == 'text')`: the inside of a `[?...]` filter.
fn parse_filter(text: &str) -> Result<Segment, String> {
    let usage = || format!("filter `[?{text}]` must read `[?(@.field == VALUE)]` or `[?(@.field != VALUE)]`");
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(usage)?;
    let (left, equal, right) = match (inner.split_once("=="), inner.split_once("!=")) {
        (Some((left, right)), None) => (left, true, right),
        (None, Some((left, right))) => (left, false, right),
        _ => return Err(usage()),
    };
    let field = left.trim().strip_prefix('@').ok_or_else(usage)?;
    let field = parse_segments(field)?
        .into_iter()
        .map(|segment| match segment {
            Segment::Key(key) => Ok(key),
            _ => Err(usage()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let right = right.trim();
    let value = match right.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        Some(text) => Value::String(text.to_owned()),
        None => serde_json::from_str(right).map_err(|_| {
            format!("filter value `{right}` is not a 'quoted string', \"string\", number, true, false or null")
        })?,
    };
    Ok(Segment::Filter { field, equal, value })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn select(path: &str, doc: &Value) -> Vec<Value> {
        JsonPath::parse(path)
            .unwrap()
            .select(doc)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn selects_keys_indexes_and_wildcards() {
        let doc = json!({"messages": [{"msgid": 1}, {"msgid": 2}, {"other": 3}], "error": {"code": 899003}});
        assert_eq!(select("$.error.code", &doc), [json!(899003)]);
        assert_eq!(select("$.messages[1].msgid", &doc), [json!(2)]);
        assert_eq!(select("$.messages[-1].other", &doc), [json!(3)]);
        assert_eq!(select("$.messages[*].msgid", &doc), [json!(1), json!(2)]);
        assert_eq!(select("$['error'][\"code\"]", &doc), [json!(899003)]);
        assert_eq!(select("$.error.*", &doc), [json!(899003)]);
        assert_eq!(select("$", &doc), std::slice::from_ref(&doc));
        assert!(select("$.messages[7]", &doc).is_empty());
        assert!(select("$.messages[-4]", &doc).is_empty());
        assert!(select("$.error.code.deeper", &doc).is_empty());
    }

    #[test]
    fn filters_keep_the_elements_whose_field_matches() {
        let doc = json!({"messages": [
            {"t": "single", "id": 1, "body": {"kind": "txt"}},
            {"t": "group", "id": 2, "body": {"kind": "img"}},
            {"t": "single", "id": 3},
        ], "map": {"a": {"n": 1}, "b": {"n": 2}}});
        assert_eq!(select("$.messages[?(@.t == 'single')].id", &doc), [json!(1), json!(3)]);
        assert_eq!(select("$.messages[?( @.t != \"single\" )].id", &doc), [json!(2)]);
        assert_eq!(select("$.messages[?(@.id == 2)].t", &doc), [json!("group")]);
        assert_eq!(select("$.messages[?(@.body.kind == 'txt')].id", &doc), [json!(1)]);
        assert_eq!(
            select("$.messages[?(@.body.kind != 'txt')].id", &doc),
            [json!(2), json!(3)],
            "a missing field differs"
        );
        assert_eq!(
            select("$.messages[*].id[?(@ == 3)]", &json!({"messages": [{"id": [1, 3]}]})),
            [json!(3)]
        );
        assert_eq!(select("$.map[?(@.n == 2)]", &doc), [json!({"n": 2})]);
        assert!(select("$.messages[?(@.t == 'none')]", &doc).is_empty());
        assert!(!JsonPath::parse("$.messages[?(@.t == 'single')]").unwrap().is_definite());
    }

    #[test]
    fn variables_are_paths_without_the_root() {
        let vars = json!({"apps": {"vip": {"usernames": ["ann", "bob"]}}});
        let path = JsonPath::parse_variable("apps.vip.usernames[1]").unwrap();
        assert_eq!(path.select_one(&vars), Some(&json!("bob")));
        assert_eq!(path.to_string(), "apps.vip.usernames[1]");
    }

    #[test]
    fn definiteness_and_bad_paths() {
        assert!(JsonPath::parse("$.a[0].b").unwrap().is_definite());
        assert!(!JsonPath::parse("$.a[*].b").unwrap().is_definite());
        for bad in [
            "a.b",
            "$.",
            "$.a[",
            "$.a[x]",
            "$a",
            "$.a*b",
            "$..a",
            "$.a[?(@.b = 1)]",
            "$.a[?(@.b == x)]",
            "$.a[?(b == 1)]",
            "$.a[?(@.b[0] == 1)]",
            "$.a[?@.b == 1]",
        ] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }
}
