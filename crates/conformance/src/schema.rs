//! Documented shapes: a tiny type language and named schemas ("each message has the
//! documented fields and types").
//!
//! Types: `string`, `integer`, `number`, `boolean`, `object`, `array`, `null`, `any`;
//! `[T]` is an array whose elements are `T`; `@name` is an object following the named
//! schema; `T|U` accepts either; a trailing `?` lets the field be absent.
//!
//! Named schemas live in `scenarios/schemas/*.toml`, one table per schema:
//! ```toml
//! [jmessage_message]
//! variant_by = "msg_type"            # optional: extra fields by the value of this field
//! strict = false                     # true: no fields beyond those listed
//! fields = { msgid = "integer", msg_body = "object", set_from_name = "integer?" }
//! variants.text = { msg_body = "@jmessage_text_body" }
//! ```

use std::{collections::BTreeMap, fmt, path::Path};

use serde::Deserialize;
use serde_json::Value;

/// At most this many shape errors are listed in one failure message.
const MAX_ERRORS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSpec {
    text: String,
    optional: bool,
    alternatives: Vec<Ty>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    Any,
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Object,
    Array(Option<Box<TypeSpec>>),
    Schema(String),
}

impl TypeSpec {
    pub fn parse(text: &str) -> Result<TypeSpec, String> {
        let trimmed = text.trim();
        let (body, optional) = match trimmed.strip_suffix('?') {
            Some(body) => (body, true),
            None => (trimmed, false),
        };
        let alternatives = split_alternatives(body)
            .into_iter()
            .map(|alt| parse_ty(alt.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| format!("type `{text}`: {why}"))?;
        Ok(TypeSpec {
            text: trimmed.to_owned(),
            optional,
            alternatives,
        })
    }

    pub fn is_optional(&self) -> bool {
        self.optional
    }

    /// Names of the schemas this type refers to, at any depth.
    fn schema_refs(&self) -> Vec<&str> {
        self.alternatives
            .iter()
            .flat_map(|ty| match ty {
                Ty::Schema(name) => vec![name.as_str()],
                Ty::Array(Some(inner)) => inner.schema_refs(),
                _ => Vec::new(),
            })
            .collect()
    }
}

impl fmt::Display for TypeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Splits `a|[b|c]|d` at the top-level bars only.
fn split_alternatives(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '|' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_ty(text: &str) -> Result<Ty, String> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return TypeSpec::parse(inner).map(|spec| Ty::Array(Some(Box::new(spec))));
    }
    if let Some(name) = text.strip_prefix('@') {
        if name.is_empty() {
            return Err("`@` needs a schema name".into());
        }
        return Ok(Ty::Schema(name.to_owned()));
    }
    Ok(match text {
        "any" => Ty::Any,
        "null" => Ty::Null,
        "boolean" => Ty::Boolean,
        "integer" => Ty::Integer,
        "number" => Ty::Number,
        "string" => Ty::String,
        "object" => Ty::Object,
        "array" => Ty::Array(None),
        other => {
            return Err(format!(
                "unknown type `{other}` (string, integer, number, boolean, object, array, null, any, [T], @schema)"
            ))
        }
    })
}

/// The JSON type name of a value, as the type language spells it.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A field → type table, possibly closed to other fields.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub fields: Vec<(String, TypeSpec)>,
    pub strict: bool,
}

impl Fields {
    pub fn parse(table: &BTreeMap<String, String>, strict: bool) -> Result<Fields, String> {
        let fields = table
            .iter()
            .map(|(name, spec)| {
                Ok((
                    name.clone(),
                    TypeSpec::parse(spec).map_err(|e| format!("field `{name}`: {e}"))?,
                ))
            })
            .collect::<Result<_, String>>()?;
        Ok(Fields { fields, strict })
    }

    fn schema_refs(&self) -> Vec<&str> {
        self.fields.iter().flat_map(|(_, spec)| spec.schema_refs()).collect()
    }
}

#[derive(Debug, Clone)]
struct Schema {
    fields: Fields,
    variant_by: Option<String>,
    variants: BTreeMap<String, Fields>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    strict: bool,
    variant_by: Option<String>,
    #[serde(default)]
    variants: BTreeMap<String, BTreeMap<String, String>>,
}

/// Every named schema.
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    named: BTreeMap<String, Schema>,
}

impl Schemas {
    /// Loads every `*.toml` in `dir` (absent: no schemas).
    pub fn load_dir(dir: &Path) -> Result<Schemas, String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Schemas::default());
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        let files = paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|path| {
                let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok((path.display().to_string(), text))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Schemas::from_files(&files)
    }

    /// The schemas of these files (`(label, text)`, the label naming the file in errors).
    pub fn from_files(files: &[(String, String)]) -> Result<Schemas, String> {
        let mut schemas = Schemas::default();
        for (label, text) in files {
            schemas.add_file(text).map_err(|e| format!("{label}: {e}"))?;
        }
        schemas.check_refs()?;
        Ok(schemas)
    }

    /// Adds the schemas of one file's text.
    pub fn add_file(&mut self, text: &str) -> Result<(), String> {
        let file: BTreeMap<String, SchemaFile> = toml::from_str(text).map_err(|e| e.to_string())?;
        for (name, schema) in file {
            if self.named.contains_key(&name) {
                return Err(format!("schema `{name}` is defined twice"));
            }
            let variants = schema
                .variants
                .iter()
                .map(|(value, table)| Ok((value.clone(), Fields::parse(table, false)?)))
                .collect::<Result<_, String>>()
                .map_err(|e| format!("schema `{name}`: {e}"))?;
            let schema = Schema {
                fields: Fields::parse(&schema.fields, schema.strict).map_err(|e| format!("schema `{name}`: {e}"))?,
                variant_by: schema.variant_by,
                variants,
            };
            self.named.insert(name, schema);
        }
        Ok(())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.named.contains_key(name)
    }

    /// Every `@name` a type mentions exists.
    pub fn check_spec_refs(&self, spec: &TypeSpec) -> Result<(), String> {
        self.missing(spec.schema_refs())
    }

    pub fn check_fields_refs(&self, fields: &Fields) -> Result<(), String> {
        self.missing(fields.schema_refs())
    }

    fn check_refs(&self) -> Result<(), String> {
        for schema in self.named.values() {
            self.check_fields_refs(&schema.fields)?;
            for variant in schema.variants.values() {
                self.check_fields_refs(variant)?;
            }
        }
        Ok(())
    }

    fn missing(&self, refs: Vec<&str>) -> Result<(), String> {
        match refs.into_iter().find(|name| !self.contains(name)) {
            Some(name) => Err(format!("unknown schema `@{name}`")),
            None => Ok(()),
        }
    }

    /// Checks `value` (at `at`) against a type; returns the problems found, if any.
    pub fn check_type(&self, spec: &TypeSpec, value: &Value, at: &str) -> Result<(), String> {
        let mut errors = Vec::new();
        self.type_errors(spec, value, at, &mut errors);
        summarise(errors)
    }

    pub fn check_named(&self, name: &str, value: &Value, at: &str) -> Result<(), String> {
        let mut errors = Vec::new();
        self.schema_errors(name, value, at, &mut errors);
        summarise(errors)
    }

    pub fn check_fields(&self, fields: &Fields, value: &Value, at: &str) -> Result<(), String> {
        let mut errors = Vec::new();
        self.fields_errors(fields, value, at, &mut errors, &[fields]);
        summarise(errors)
    }

    fn type_errors(&self, spec: &TypeSpec, value: &Value, at: &str, errors: &mut Vec<String>) {
        let mut best: Option<Vec<String>> = None;
        for ty in &spec.alternatives {
            let mut inner = Vec::new();
            self.ty_errors(ty, value, at, &mut inner);
            if inner.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| inner.len() < b.len()) {
                best = Some(inner);
            }
        }
        match (spec.alternatives.len(), best) {
            (1, Some(only)) => errors.extend(only),
            _ => errors.push(format!("{at}: expected {spec}, got {}", describe(value))),
        }
    }

    fn ty_errors(&self, ty: &Ty, value: &Value, at: &str, errors: &mut Vec<String>) {
        let plain = |wanted: &str, ok: bool, errors: &mut Vec<String>| {
            if !ok {
                errors.push(format!("{at}: expected {wanted}, got {}", describe(value)));
            }
        };
        match ty {
            Ty::Any => {}
            Ty::Null => plain("null", value.is_null(), errors),
            Ty::Boolean => plain("boolean", value.is_boolean(), errors),
            Ty::Integer => plain("integer", type_name(value) == "integer", errors),
            Ty::Number => plain("number", value.is_number(), errors),
            Ty::String => plain("string", value.is_string(), errors),
            Ty::Object => plain("object", value.is_object(), errors),
            Ty::Array(None) => plain("array", value.is_array(), errors),
            Ty::Array(Some(inner)) => match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.type_errors(inner, item, &format!("{at}[{i}]"), errors);
                    }
                }
                None => plain("array", false, errors),
            },
            Ty::Schema(name) => self.schema_errors(name, value, at, errors),
        }
    }

    fn schema_errors(&self, name: &str, value: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(schema) = self.named.get(name) else {
            errors.push(format!("{at}: unknown schema `{name}`"));
            return;
        };
        let variant = schema
            .variant_by
            .as_ref()
            .and_then(|field| value.get(field))
            .and_then(Value::as_str)
            .and_then(|tag| schema.variants.get(tag));
        // A strict schema documents its variant's fields too.
        let documented: Vec<&Fields> = [Some(&schema.fields), variant].into_iter().flatten().collect();
        self.fields_errors(&schema.fields, value, at, errors, &documented);
        if let Some(variant) = variant {
            self.fields_errors(variant, value, at, errors, &[variant]);
        }
    }

    /// The errors of `value` against `fields`; when they are strict, a key that none of
    /// `documented` lists is one.
    fn fields_errors(
        &self,
        fields: &Fields,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
        documented: &[&Fields],
    ) {
        let Some(object) = value.as_object() else {
            errors.push(format!("{at}: expected an object, got {}", describe(value)));
            return;
        };
        for (name, spec) in &fields.fields {
            match object.get(name) {
                Some(field) => self.type_errors(spec, field, &format!("{at}.{name}"), errors),
                None if spec.optional => {}
                None => errors.push(format!("{at}.{name}: missing (expected {spec})")),
            }
        }
        if fields.strict {
            let listed = |key: &str| documented.iter().any(|f| f.fields.iter().any(|(name, _)| name == key));
            for key in object.keys().filter(|k| !listed(k)) {
                errors.push(format!("{at}.{key}: not a documented field"));
            }
        }
    }
}

/// What a schema lets a field do: be absent (`?`) or be null (`|null`). `compare` takes
/// these from the schemas a scenario checks, so a field the vendor may leave out or set
/// to null is no difference when one side happens not to have it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Leniency {
    pub optional: bool,
    pub nullable: bool,
    /// Typed a bare `object` somewhere ...
    pub object: bool,
    /// ... and a named schema nowhere: its keys are free (Easemob `ext`, JMessage `extras`).
    pub described: bool,
}

impl Leniency {
    /// Whether the value is a free-form object, whose keys belong to the app.
    pub fn opaque(&self) -> bool {
        self.object && !self.described
    }

    /// What either allows.
    pub fn join(&mut self, other: Leniency) {
        self.optional |= other.optional;
        self.nullable |= other.nullable;
        self.object |= other.object;
        self.described |= other.described;
    }
}

/// Shape path (array elements as `[*]`) → what the schemas allow there.
pub type Leniencies = BTreeMap<String, Leniency>;

/// Nested schemas deeper than this are not followed (schemas may refer to themselves).
const MAX_DEPTH: usize = 12;

impl Schemas {
    /// The leniencies of a value of type `spec` found at `at`, at any depth.
    pub fn leniencies_of_type(&self, spec: &TypeSpec, at: &str, out: &mut Leniencies) {
        self.type_leniencies(spec, at, out, 0);
    }

    /// The leniencies of an object following the named schema, found at `at`.
    pub fn leniencies_of_schema(&self, name: &str, at: &str, out: &mut Leniencies) {
        self.schema_leniencies(name, at, out, 0);
    }

    /// The leniencies of an object with these fields, found at `at`.
    pub fn leniencies_of_fields(&self, fields: &Fields, at: &str, out: &mut Leniencies) {
        self.fields_leniencies(fields, at, out, 0);
    }

    fn type_leniencies(&self, spec: &TypeSpec, at: &str, out: &mut Leniencies, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let entry = out.entry(at.to_owned()).or_default();
        entry.nullable |= spec.alternatives.contains(&Ty::Null);
        entry.object |= spec.alternatives.contains(&Ty::Object);
        entry.described |= spec.alternatives.iter().any(|ty| matches!(ty, Ty::Schema(_)));
        for ty in &spec.alternatives {
            match ty {
                Ty::Schema(name) => self.schema_leniencies(name, at, out, depth + 1),
                Ty::Array(Some(inner)) => self.type_leniencies(inner, &format!("{at}[*]"), out, depth + 1),
                _ => {}
            }
        }
    }

    fn schema_leniencies(&self, name: &str, at: &str, out: &mut Leniencies, depth: usize) {
        let Some(schema) = self.named.get(name) else { return };
        self.fields_leniencies(&schema.fields, at, out, depth);
        for variant in schema.variants.values() {
            self.fields_leniencies(variant, at, out, depth);
        }
        if let Some(by) = &schema.variant_by {
            variant_leniencies(schema, by, at, out);
        }
    }

    fn fields_leniencies(&self, fields: &Fields, at: &str, out: &mut Leniencies, depth: usize) {
        for (name, spec) in &fields.fields {
            let path = format!("{at}.{name}");
            let entry = out.entry(path.clone()).or_default();
            entry.optional |= spec.optional;
            self.type_leniencies(spec, &path, out, depth + 1);
        }
    }
}

/// A field the schema types a bare `object` that some variants describe stays free-form
/// in the variants that do not (JMessage's `custom` bodies belong to the app): the entry
/// `{at}{by=*}.{field}` says so, and `{at}{by=V}.{field}` marks each variant V that
/// describes it (shape paths name their variant as `{by=V}`; `compare` reads them).
fn variant_leniencies(schema: &Schema, by: &str, at: &str, out: &mut Leniencies) {
    for (field, spec) in &schema.fields.fields {
        if !spec.alternatives.contains(&Ty::Object) {
            continue;
        }
        let described: Vec<&String> = schema
            .variants
            .iter()
            .filter(|(_, fields)| fields.fields.iter().any(|(name, _)| name == field))
            .map(|(tag, _)| tag)
            .collect();
        if described.is_empty() {
            continue;
        }
        let free = out.entry(format!("{at}{{{by}=*}}.{field}")).or_default();
        free.object = true;
        for tag in described {
            out.entry(format!("{at}{{{by}={tag}}}.{field}")).or_default().described = true;
        }
    }
}

fn summarise(errors: Vec<String>) -> Result<(), String> {
    if errors.is_empty() {
        return Ok(());
    }
    let mut text = errors.iter().take(MAX_ERRORS).cloned().collect::<Vec<_>>().join("; ");
    if errors.len() > MAX_ERRORS {
        text.push_str(&format!(" (and {} more)", errors.len() - MAX_ERRORS));
    }
    Err(text)
}

/// A value for a message: its type and a short excerpt.
pub fn describe(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 60 {
        let cut = (0..=57).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.truncate(cut);
        text.push_str("...");
    }
    format!("{} {text}", type_name(value))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const FILE: &str = r#"
        [message]
        variant_by = "msg_type"
        fields = { msgid = "integer", msg_type = "string", msg_body = "object", set_from_name = "integer?" }
        variants.text = { msg_body = "@text_body" }

        [text_body]
        strict = true
        fields = { text = "string", extras = "object" }

        [page]
        fields = { total = "integer", cursor = "string?", messages = "[@message]" }
    "#;

    fn schemas() -> Schemas {
        let mut schemas = Schemas::default();
        schemas.add_file(FILE).unwrap();
        schemas.check_refs().unwrap();
        schemas
    }

    #[test]
    fn documented_shapes_pass() {
        let page = json!({"total": 2, "messages": [
            {"msgid": 1, "msg_type": "text", "msg_body": {"text": "hi", "extras": {}}},
            {"msgid": 2, "msg_type": "image", "msg_body": {"width": 3}, "set_from_name": 1},
        ]});
        assert_eq!(schemas().check_named("page", &page, "$"), Ok(()));
    }

    #[test]
    fn each_deviation_is_named_with_its_path() {
        let page = json!({"total": "2", "cursor": null, "messages": [
            {"msgid": 1.5, "msg_type": "text", "msg_body": {"text": "hi", "extras": {}, "extra": 1}},
            {"msg_type": "text", "msg_body": {"text": 7, "extras": {}}},
        ]});
        let error = schemas().check_named("page", &page, "$").unwrap_err();
        for expected in [
            "$.messages[1].msg_body.text: expected string, got integer 7",
            "$.cursor: expected string, got null null",
            "$.messages[0].msgid: expected integer, got number 1.5",
            "$.messages[0].msg_body.extra: not a documented field",
            "$.messages[1].msgid: missing (expected integer)",
        ] {
            assert!(error.contains(expected), "{expected} in {error}");
        }
        assert!(error.contains("(and 1 more)"), "{error}");
    }

    #[test]
    fn a_strict_schema_documents_its_variants_fields() {
        let mut schemas = Schemas::default();
        schemas
            .add_file(
                "[body]\nstrict = true\nvariant_by = \"type\"\nfields = { type = \"string\" }\nvariants.txt = { msg = \"string\" }\n",
            )
            .unwrap();
        assert!(schemas
            .check_named("body", &json!({"type": "txt", "msg": "hi"}), "$")
            .is_ok());
        let error = schemas
            .check_named("body", &json!({"type": "txt", "msg": "hi", "url": "x"}), "$")
            .unwrap_err();
        assert_eq!(error, "$.url: not a documented field");
        assert!(schemas
            .check_named("body", &json!({"type": "loc", "msg": "hi"}), "$")
            .unwrap_err()
            .contains("$.msg: not a documented field"));
    }

    #[test]
    fn type_language() {
        let schemas = schemas();
        let check = |spec: &str, value: Value| schemas.check_type(&TypeSpec::parse(spec).unwrap(), &value, "$");
        assert!(check("integer|null", json!(null)).is_ok());
        assert!(check("integer|null", json!("x"))
            .unwrap_err()
            .contains("expected integer|null"));
        assert!(check("[string]", json!(["a", "b"])).is_ok());
        assert!(check("[string]", json!(["a", 1]))
            .unwrap_err()
            .contains("$[1]: expected string"));
        assert!(check("[integer|[string]]", json!([1, ["a"]])).is_ok());
        assert!(check("number", json!(1)).is_ok());
        assert!(check("any", json!({})).is_ok());
        assert!(TypeSpec::parse("integer?").unwrap().is_optional());
        for bad in ["int", "@", "[string", "string|"] {
            assert!(TypeSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn leniencies_follow_schemas_arrays_and_variants() {
        let mut out = Leniencies::new();
        schemas().leniencies_of_schema("page", "$", &mut out);
        assert!(out["$.cursor"].optional && !out["$.cursor"].nullable);
        assert!(out["$.messages[*].set_from_name"].optional);
        assert_eq!(out["$.messages[*].msgid"], Leniency::default());
        assert!(out["$.messages[*].msg_body.extras"].opaque());
        assert!(!out["$.messages[*].msg_body"].opaque(), "a variant describes it");
        assert!(
            out["$.messages[*]{msg_type=*}.msg_body"].object,
            "free where no variant describes it"
        );
        assert!(out["$.messages[*]{msg_type=text}.msg_body"].described, "{out:?}");
        assert!(out.contains_key("$.messages[*].msg_body.text"), "{out:?}");
        let mut out = Leniencies::new();
        schemas().leniencies_of_type(&TypeSpec::parse("[integer|null]").unwrap(), "$.counts", &mut out);
        assert!(out["$.counts[*]"].nullable);
    }

    #[test]
    fn unknown_references_are_refused_at_load() {
        let mut schemas = Schemas::default();
        schemas.add_file("[a]\nfields = { b = \"@nowhere\" }\n").unwrap();
        assert_eq!(schemas.check_refs().unwrap_err(), "unknown schema `@nowhere`");
        assert!(schemas
            .add_file("[a]\nfields = {}\n")
            .unwrap_err()
            .contains("defined twice"));
    }
}
