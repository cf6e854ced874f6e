//! The scenario format (TOML, one file per scenario) and its loader.
//!
//! Files are read into the `*File` structs exactly as written (unknown keys are
//! refused), then checked and compiled into [`Scenario`]: every rule about what a valid
//! scenario is lives in `compile`, so the runner never meets a half-valid one. The
//! format is documented with a full example in the README ("Conformance").

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
    sync::LazyLock,
};

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    assertions::{toml_to_json, AssertSpec, Assertion},
    jsonpath::JsonPath,
    schema::Schemas,
};

/// Scenarios with this tag run only against the mock (control API, fault injection).
pub const MOCK_ONLY: &str = "mock-only";
/// Scenarios with this tag need data a real account may lack; skipped on real hosts
/// unless asked for.
pub const NEEDS_DATA: &str = "needs-data";
/// Later pages of a paginated step stop after this many pages unless the step says more.
const DEFAULT_MAX_PAGES: usize = 1000;
/// `${apps.ROLE.FIELD...}` anywhere in a scenario's text.
static APP_DATA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{\s*apps\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)").expect("valid regex"));
/// `${credentials.ROLE.FIELD}` anywhere in a scenario's text.
static CREDENTIALS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{\s*credentials\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)").expect("valid regex"));
/// Names a capture cannot take: they are the runner's own variables.
const RESERVED_NAMES: [&str; 3] = ["now", "apps", "credentials"];

/// The API family a request belongs to: it picks the base URL on the real target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Jmessage,
    Jpush,
    Easemob,
    /// The mock's own `/_mock` API.
    Control,
}

impl Family {
    pub const ALL: [Family; 4] = [Family::Jmessage, Family::Jpush, Family::Easemob, Family::Control];

    pub fn name(self) -> &'static str {
        match self {
            Family::Jmessage => "jmessage",
            Family::Jpush => "jpush",
            Family::Easemob => "easemob",
            Family::Control => "control",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The app whose credentials authenticate a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Vip,
    Plain,
    Easemob,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Vip, Role::Plain, Role::Easemob];

    pub fn name(self) -> &'static str {
        match self {
            Role::Vip => "vip",
            Role::Plain => "plain",
            Role::Easemob => "easemob",
        }
    }

    fn parse(text: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.name() == text)
            .ok_or_else(|| format!("unknown role `{text}` (vip, plain or easemob)"))
    }
}

// ---------------------------------------------------------------------------------------
// The file format, as written.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    family: Family,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    /// Default `auth` of every request of the scenario.
    auth: Option<AuthFile>,
    #[serde(default)]
    variables: toml::Table,
    steps: Vec<StepFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    name: Option<String>,
    family: Option<Family>,
    request: Option<RequestFile>,
    advance: Option<String>,
    fault: Option<toml::Table>,
    status: Option<u16>,
    error_code: Option<ErrorCodeFile>,
    #[serde(default, rename = "assert")]
    asserts: Vec<AssertSpec>,
    #[serde(default)]
    capture: BTreeMap<String, CaptureFile>,
    paginate: Option<PaginateFile>,
    #[serde(default)]
    assert_all: Vec<AssertSpec>,
    repeat: Option<usize>,
    decode: Option<Decode>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestFile {
    method: Option<String>,
    path: Option<String>,
    url: Option<String>,
    #[serde(default)]
    query: toml::Table,
    raw_query: Option<String>,
    #[serde(default)]
    headers: toml::Table,
    json: Option<toml::Value>,
    body: Option<String>,
    auth: Option<AuthFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum AuthFile {
    Named(String),
    Detailed {
        role: String,
        #[serde(default)]
        wrong_secret: bool,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ErrorCodeFile {
    Number(i64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CaptureFile {
    Path(String),
    Detailed {
        path: Option<String>,
        header: Option<String>,
        regex: Option<String>,
        #[serde(default)]
        optional: bool,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaginateFile {
    cursor: Option<String>,
    cursor_param: Option<String>,
    #[serde(default)]
    keep_query: bool,
    offset: Option<String>,
    items: Option<String>,
    max_pages: Option<usize>,
}

// ---------------------------------------------------------------------------------------
// The compiled form the runner executes.

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub family: Family,
    pub description: String,
    pub tags: Vec<String>,
    /// Evaluated in order at the start of a run; later ones may use earlier ones.
    pub variables: Vec<(String, Value)>,
    pub steps: Vec<Step>,
    /// The app data it names (`${apps.vip.group_ids[0]}`: vip, group_ids), which a real
    /// account must provide.
    pub app_data: Vec<(Role, String)>,
    /// Roles whose credentials it names (`${credentials.easemob.client_id}`).
    pub credential_roles: Vec<Role>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub family: Family,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub enum Action {
    Request(Box<RequestStep>),
    /// Move the clock: the control API on the mock, a real wait on real hosts.
    Advance {
        seconds: f64,
        text: String,
    },
    /// Inject a fault through `POST /_mock/faults` (mock only); the table is sent as JSON.
    Fault(Value),
}

#[derive(Debug, Clone)]
pub struct RequestStep {
    pub request: RequestSpec,
    pub status: Option<u16>,
    /// Checked on every page (and every repetition).
    pub asserts: Vec<Assertion>,
    /// Taken from the first page (or repetition).
    pub captures: Vec<Capture>,
    pub paginate: Option<Paginate>,
    /// Checked once over the pages joined.
    pub assert_all: Vec<Assertion>,
    /// The request is sent this many times, each answer checked (1 unless `repeat`).
    pub repeat: usize,
    /// How the body is read before checks: JSON unless it says otherwise.
    pub decode: Option<Decode>,
}

/// `decode = "..."`: a body that is not one JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Decode {
    /// One JSON value per line; checks see the array of lines.
    #[serde(rename = "json-lines")]
    JsonLines,
    /// Gzip-compressed JSON lines (an Easemob history file).
    #[serde(rename = "gzip-json-lines")]
    GzipJsonLines,
}

#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: String,
    /// Templates: `${...}` is substituted when the request is sent. With `is_url`, a whole
    /// URL (such as a captured download link) rather than a path on the family's host.
    pub path: String,
    pub is_url: bool,
    pub query: Vec<(String, Value)>,
    pub raw_query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub auth: Auth,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    /// The role's credentials; `wrong_secret` sends its key with a secret that is not its own.
    Role {
        role: Role,
        wrong_secret: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub source: CaptureSource,
    /// Keeps only this part of the value (read as text): group 1, or the whole match.
    pub regex: Option<Regex>,
    pub optional: bool,
}

#[derive(Debug, Clone)]
pub enum CaptureSource {
    Body(JsonPath),
    Header(String),
}

#[derive(Debug, Clone)]
pub enum Paginate {
    /// Follow the cursor at `path` until a page has none.
    Cursor {
        path: JsonPath,
        param: String,
        keep_query: bool,
        max_pages: usize,
    },
    /// Advance query parameter `param` by the number of `items` until a page has none.
    Offset {
        param: String,
        items: JsonPath,
        max_pages: usize,
    },
}

impl Scenario {
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    pub fn is_mock_only(&self) -> bool {
        self.has_tag(MOCK_ONLY)
    }

    pub fn needs_data(&self) -> bool {
        self.has_tag(NEEDS_DATA)
    }

    /// Seconds of clock movement: instant on the mock, a real wait on real hosts.
    pub fn wait_seconds(&self) -> f64 {
        self.steps
            .iter()
            .map(|step| match step.action {
                Action::Advance { seconds, .. } => seconds,
                _ => 0.0,
            })
            .sum()
    }

    /// Whether running it changes the mock's shared state — its clock, faults or rate
    /// limits, or the Easemob history quota (10 calls a minute per app) that its Easemob
    /// requests use up — so that on a shared mock it must run alone, and the runner puts
    /// the state back afterwards.
    pub fn changes_mock_state(&self) -> bool {
        self.steps.iter().any(|step| match &step.action {
            Action::Advance { .. } | Action::Fault(_) => true,
            Action::Request(r) => {
                (r.request.path.starts_with("/_mock/") && r.request.method != "GET") || step.family == Family::Easemob
            }
        })
    }

    /// Whether it empties the mock's journal (`DELETE /_mock/journal`, `POST /_mock/reset`):
    /// no control call can put the entries back, so on a shared mock the run says so.
    pub fn clears_journal(&self) -> bool {
        self.steps.iter().any(|step| match &step.action {
            Action::Request(r) => {
                let path = r
                    .request
                    .path
                    .split('?')
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('/');
                matches!(
                    (r.request.method.as_str(), path),
                    ("DELETE", "/_mock/journal") | ("POST", "/_mock/reset")
                )
            }
            _ => false,
        })
    }

    /// Every role a request of the scenario authenticates as, or whose credentials it names.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .steps
            .iter()
            .filter_map(|step| match &step.action {
                Action::Request(r) => match r.request.auth {
                    Auth::Role { role, .. } => Some(role),
                    Auth::None => None,
                },
                _ => None,
            })
            .chain(self.credential_roles.iter().copied())
            .collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

/// Why scenarios could not be loaded: every problem of every file.
#[derive(Debug)]
pub struct LoadError(pub Vec<String>);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} invalid scenario file(s):", self.0.len())?;
        for problem in &self.0 {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

/// Loads the schemas of `dir/schemas` and every `dir/*.toml` scenario, sorted by name.
pub fn load_dir(dir: &Path) -> Result<(Vec<Scenario>, Schemas), LoadError> {
    let schemas = Schemas::load_dir(&dir.join("schemas")).map_err(|e| LoadError(vec![e]))?;
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LoadError(vec![format!("cannot read scenario directory {}: {e}", dir.display())]))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push((path, text)),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    if !problems.is_empty() {
        return Err(LoadError(problems));
    }
    Ok((compile_files(&files, &schemas)?, schemas))
}

/// The scenarios of these files (`(path, text)`; each name must be its file's stem),
/// sorted by name.
pub fn compile_files(files: &[(PathBuf, String)], schemas: &Schemas) -> Result<Vec<Scenario>, LoadError> {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for (path, text) in files {
        match parse_named(path, text, schemas) {
            Ok(scenario) => scenarios.push(scenario),
            Err(problem) => problems.push(format!("{}: {problem}", path.display())),
        }
    }
    if !problems.is_empty() {
        return Err(LoadError(problems));
    }
    scenarios.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(scenarios)
}

pub fn load_file(path: &Path, schemas: &Schemas) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    parse_named(path, &text, schemas)
}

/// Parses the text of the file at `path`, whose stem must be the scenario's name.
fn parse_named(path: &Path, text: &str, schemas: &Schemas) -> Result<Scenario, String> {
    let scenario = parse(text, schemas)?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if scenario.name != stem {
        return Err(format!(
            "name `{}` must match the file name `{stem}.toml` (recordings are named after it)",
            scenario.name
        ));
    }
    Ok(scenario)
}

/// Parses and checks one scenario's text.
pub fn parse(text: &str, schemas: &Schemas) -> Result<Scenario, String> {
    let file: ScenarioFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut scenario = compile(file, schemas)?;
    scenario.app_data = app_data(text)?;
    scenario.credential_roles = credential_roles(text)?;
    Ok(scenario)
}

/// Every role whose credentials the text names, checking the fields exist.
fn credential_roles(text: &str) -> Result<Vec<Role>, String> {
    const FIELDS: [&str; 6] = [
        "app_key",
        "master_secret",
        "org_name",
        "app_name",
        "client_id",
        "client_secret",
    ];
    let mut roles = CREDENTIALS
        .captures_iter(text)
        .map(|caps| {
            if !FIELDS.contains(&&caps[2]) {
                return Err(format!(
                    "`credentials.{}.{}`: credentials have {}",
                    &caps[1],
                    &caps[2],
                    FIELDS.join(", ")
                ));
            }
            Role::parse(&caps[1])
        })
        .collect::<Result<Vec<_>, String>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// Every (role, field) of app data the text names.
fn app_data(text: &str) -> Result<Vec<(Role, String)>, String> {
    let mut named = APP_DATA
        .captures_iter(text)
        .map(|caps| Ok((Role::parse(&caps[1])?, caps[2].to_owned())))
        .collect::<Result<Vec<_>, String>>()?;
    named.sort();
    named.dedup();
    Ok(named)
}

fn compile(file: ScenarioFile, schemas: &Schemas) -> Result<Scenario, String> {
    if file.steps.is_empty() {
        return Err("a scenario needs at least one step".into());
    }
    let steps = file
        .steps
        .into_iter()
        .enumerate()
        .map(|(i, step)| {
            let label = step.name.clone().unwrap_or_else(|| format!("step {}", i + 1));
            compile_step(step, &label, file.family, file.auth.as_ref(), schemas)
                .map_err(|why| format!("step {} ({label}): {why}", i + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let scenario = Scenario {
        name: file.name,
        family: file.family,
        description: file.description,
        tags: file.tags,
        variables: file
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect(),
        steps,
        app_data: Vec::new(),
        credential_roles: Vec::new(),
    };
    check_mock_only(&scenario)?;
    Ok(scenario)
}

/// The control API and fault injection exist only on the mock: such scenarios must say so.
fn check_mock_only(scenario: &Scenario) -> Result<(), String> {
    let needs_mock = scenario.family == Family::Control
        || scenario.steps.iter().any(|step| match &step.action {
            Action::Fault(_) => true,
            Action::Request(r) => !r.request.is_url && r.request.path.starts_with("/_mock"),
            Action::Advance { .. } => false,
        });
    if needs_mock && !scenario.is_mock_only() {
        return Err(format!(
            "it uses the control API or faults, which exist only on the mock: tag it `{MOCK_ONLY}`"
        ));
    }
    Ok(())
}

fn compile_step(
    step: StepFile,
    label: &str,
    family: Family,
    default_auth: Option<&AuthFile>,
    schemas: &Schemas,
) -> Result<Step, String> {
    let family = step.family.unwrap_or(family);
    let actions = [step.request.is_some(), step.advance.is_some(), step.fault.is_some()];
    if actions.iter().filter(|a| **a).count() != 1 {
        return Err("a step has exactly one of `request`, `advance` or `fault`".into());
    }
    let action = if let Some(text) = &step.advance {
        reject_checks(&step, "an `advance` step")?;
        Action::Advance {
            seconds: parse_duration(text)?,
            text: text.clone(),
        }
    } else if let Some(table) = &step.fault {
        reject_checks(&step, "a `fault` step")?;
        Action::Fault(toml_to_json(&toml::Value::Table(table.clone())))
    } else {
        Action::Request(Box::new(compile_request_step(step, default_auth, schemas)?))
    };
    Ok(Step {
        name: label.to_owned(),
        family,
        action,
    })
}

fn reject_checks(step: &StepFile, what: &str) -> Result<(), String> {
    let has_checks = step.status.is_some()
        || step.error_code.is_some()
        || !step.asserts.is_empty()
        || !step.capture.is_empty()
        || step.paginate.is_some()
        || !step.assert_all.is_empty()
        || step.repeat.is_some()
        || step.decode.is_some();
    if has_checks {
        return Err(format!(
            "{what} takes no status, assertions, captures, pagination, repeat or decode"
        ));
    }
    Ok(())
}

fn compile_request_step(
    step: StepFile,
    default_auth: Option<&AuthFile>,
    schemas: &Schemas,
) -> Result<RequestStep, String> {
    let request = step.request.expect("checked by the caller");
    let auth = request
        .auth
        .clone()
        .or_else(|| default_auth.cloned())
        .ok_or("say which credentials to send: `auth = \"vip\"`, \"plain\", \"easemob\" or \"none\"")?;
    let mut asserts = Vec::new();
    match step.error_code {
        Some(ErrorCodeFile::Number(code)) => {
            asserts.push(Assertion::path_equals("$.error.code", Value::from(code)));
        }
        Some(ErrorCodeFile::Text(error)) => asserts.push(Assertion::path_equals("$.error", Value::from(error))),
        None => {}
    }
    for spec in &step.asserts {
        asserts.push(Assertion::compile(spec, schemas)?);
    }
    let assert_all = step
        .assert_all
        .iter()
        .map(|spec| Assertion::compile(spec, schemas))
        .collect::<Result<Vec<_>, _>>()?;
    if !assert_all.is_empty() && step.paginate.is_none() {
        return Err("`assert_all` checks the pages of a `paginate` step; use `assert` here".into());
    }
    if step.status.is_none() && asserts.is_empty() && step.capture.is_empty() && assert_all.is_empty() {
        return Err(
            "a request step checks something: give it `status`, `error_code`, `assert`, `capture` or `assert_all`"
                .into(),
        );
    }
    let repeat = step.repeat.unwrap_or(1);
    if repeat == 0 || (repeat > 1 && step.paginate.is_some()) {
        return Err("`repeat` is a number of times (1 or more), and not for a `paginate` step".into());
    }
    Ok(RequestStep {
        request: compile_request(request, &auth)?,
        status: step.status,
        asserts,
        captures: step
            .capture
            .into_iter()
            .map(|(name, capture)| compile_capture(name, capture))
            .collect::<Result<_, _>>()?,
        paginate: step.paginate.map(compile_paginate).transpose()?,
        assert_all,
        repeat,
        decode: step.decode,
    })
}

fn compile_request(request: RequestFile, auth: &AuthFile) -> Result<RequestSpec, String> {
    let method = request.method.unwrap_or_else(|| "GET".into()).to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!("`{method}` is not an HTTP method"));
    }
    let (path, is_url) = match (request.path, request.url) {
        (Some(path), None) => {
            if !path.starts_with('/') || path.contains('?') {
                return Err(format!(
                    "path `{path}` must start with `/` and carry no query (use `query` or `raw_query`)"
                ));
            }
            (path, false)
        }
        (None, Some(url)) => {
            let literal = url.starts_with("http://") || url.starts_with("https://");
            if !(literal || url.starts_with("${")) {
                return Err(format!(
                    "url `{url}` must be a whole URL (http:// or https://) or start with a placeholder such as `${{link}}`"
                ));
            }
            (url, true)
        }
        _ => return Err("a request has exactly one of `path` or `url`".into()),
    };
    if request.raw_query.is_some() && !request.query.is_empty() {
        return Err("use either `query` or `raw_query`, not both".into());
    }
    let body = match (request.json, request.body) {
        (Some(_), Some(_)) => return Err("use either `json` or `body`, not both".into()),
        (Some(json), None) => Some(Body::Json(toml_to_json(&json))),
        (None, Some(text)) => Some(Body::Text(text)),
        (None, None) => None,
    };
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| match value {
            toml::Value::String(text) => Ok((name.clone(), text.clone())),
            other => Err(format!("header `{name}` must be a string, got {other}")),
        })
        .collect::<Result<_, _>>()?;
    let auth = compile_auth(auth)?;
    let explicit = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
    if explicit && auth != Auth::None {
        return Err("an explicit Authorization header needs `auth = \"none\"`".into());
    }
    Ok(RequestSpec {
        method,
        path,
        is_url,
        query: request
            .query
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect(),
        raw_query: request.raw_query,
        headers,
        body,
        auth,
    })
}

fn compile_auth(auth: &AuthFile) -> Result<Auth, String> {
    match auth {
        AuthFile::Named(name) if name == "none" => Ok(Auth::None),
        AuthFile::Named(name) => Ok(Auth::Role {
            role: Role::parse(name)?,
            wrong_secret: false,
        }),
        AuthFile::Detailed { role, wrong_secret } => Ok(Auth::Role {
            role: Role::parse(role)?,
            wrong_secret: *wrong_secret,
        }),
    }
}

fn compile_capture(name: String, capture: CaptureFile) -> Result<Capture, String> {
    let (path, header, regex, optional) = match capture {
        CaptureFile::Path(path) => (Some(path), None, None, false),
        CaptureFile::Detailed {
            path,
            header,
            regex,
            optional,
        } => (path, header, regex, optional),
    };
    let regex = regex
        .map(|pattern| Regex::new(&pattern).map_err(|e| format!("capture `{name}`: invalid regex `{pattern}`: {e}")))
        .transpose()?;
    let source = match (path, header) {
        (Some(path), None) => CaptureSource::Body(JsonPath::parse(&path)?),
        (None, Some(header)) => CaptureSource::Header(header),
        _ => return Err(format!("capture `{name}` needs exactly one of `path` or `header`")),
    };
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || RESERVED_NAMES.contains(&name.as_str()) {
        return Err(format!(
            "`{name}` cannot be a capture name (letters, digits, `_`; not {})",
            RESERVED_NAMES.join(", ")
        ));
    }
    Ok(Capture {
        name,
        source,
        regex,
        optional,
    })
}

fn compile_paginate(file: PaginateFile) -> Result<Paginate, String> {
    let max_pages = file.max_pages.unwrap_or(DEFAULT_MAX_PAGES);
    match (file.cursor, file.offset) {
        (Some(cursor), None) => {
            if file.items.is_some() {
                return Err("`items` belongs to offset pagination".into());
            }
            Ok(Paginate::Cursor {
                path: JsonPath::parse(&cursor)?,
                param: file.cursor_param.unwrap_or_else(|| "cursor".into()),
                keep_query: file.keep_query,
                max_pages,
            })
        }
        (None, Some(param)) => {
            if file.cursor_param.is_some() || file.keep_query {
                return Err("`cursor_param` and `keep_query` belong to cursor pagination".into());
            }
            let items = file
                .items
                .ok_or("offset pagination needs `items`, the JSON path of a page's items")?;
            Ok(Paginate::Offset {
                param,
                items: JsonPath::parse(&items)?,
                max_pages,
            })
        }
        _ => Err("`paginate` needs exactly one of `cursor` (a JSON path) or `offset` (a query parameter)".into()),
    }
}

/// `121s`, `2m`, `1h`, `500ms`, `1d`: a positive duration in seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 121s, 2m or 500ms"))?;
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(format!("`{text}` is not a duration such as 121s, 2m or 500ms")),
    };
    if number <= 0.0 {
        return Err(format!("`{text}`: a duration must be positive"));
    }
    Ok(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
        name = "example"
        family = "jmessage"
        tags = ["cursor", "needs-data"]
        auth = "vip"
        [variables]
        begin = "${now-1h}"

        [[steps]]
        name = "first page"
        request = { path = "/v2/messages", query = { count = 5, begin_time = "${begin}" } }
        status = 200
        capture = { cursor = "$.cursor", total = { path = "$.total" }, limit = { header = "X-Rate-Limit-Limit", optional = true } }
        [[steps.assert]]
        path = "$.count"
        at_most = 5

        [[steps]]
        advance = "121s"

        [[steps]]
        request = { path = "/v2/messages", query = { cursor = "${cursor}" }, auth = { role = "plain", wrong_secret = true } }
        error_code = 899003

        [[steps]]
        request = { path = "/v1/messages", query = { start = 0, count = 100 } }
        paginate = { offset = "start", items = "$.messages" }
        [[steps.assert_all]]
        path = "$.messages[*].msgid"
        unique = true
    "#;

    #[test]
    fn a_full_scenario_compiles() {
        let scenario = parse(FULL, &Schemas::default()).unwrap();
        assert_eq!(scenario.steps.len(), 4);
        assert_eq!(scenario.wait_seconds(), 121.0);
        assert!(scenario.changes_mock_state());
        assert!(scenario.needs_data() && !scenario.is_mock_only());
        assert_eq!(scenario.roles(), [Role::Vip, Role::Plain]);
        assert!(scenario.app_data.is_empty());
        let named = FULL.replace(
            "count = 5,",
            "count = 5, user = \"${apps.plain.usernames[0]}\", g = \"${ apps.vip.group_ids[1]}\",",
        );
        let scenario = parse(&named, &Schemas::default()).unwrap();
        assert_eq!(
            scenario.app_data,
            [
                (Role::Vip, "group_ids".to_string()),
                (Role::Plain, "usernames".to_string())
            ]
        );
        let unknown = FULL.replace("count = 5,", "count = 5, user = \"${apps.admin.usernames[0]}\",");
        assert!(parse(&unknown, &Schemas::default())
            .unwrap_err()
            .contains("unknown role `admin`"));
        let Action::Request(first) = &scenario.steps[0].action else {
            panic!("a request")
        };
        assert_eq!(first.request.method, "GET");
        assert_eq!(first.captures.len(), 3);
        assert_eq!(first.request.query[0].0, "count", "query keeps the written order");
        let Action::Request(third) = &scenario.steps[2].action else {
            panic!("a request")
        };
        assert_eq!(
            third.request.auth,
            Auth::Role {
                role: Role::Plain,
                wrong_secret: true
            }
        );
        assert_eq!(scenario.steps[1].name, "step 2");
    }

    #[test]
    fn invalid_scenarios_are_refused_with_the_reason() {
        let cases = [
            (
                FULL.replace("family = \"jmessage\"", "family = \"jpushh\""),
                "unknown variant",
            ),
            (FULL.replace("auth = \"vip\"\n", ""), "say which credentials"),
            (
                FULL.replace("advance = \"121s\"", "advance = \"soon\""),
                "not a duration",
            ),
            (
                FULL.replace("path = \"$.count\"", "path = \"count\""),
                "must start with `$`",
            ),
            (
                FULL.replace("status = 200", "status = 200\nstatuss = 1"),
                "unknown field",
            ),
            (
                FULL.replace("offset = \"start\", ", ""),
                "needs exactly one of `cursor`",
            ),
            (
                FULL.replace("\"/v1/messages\"", "\"v1/messages\""),
                "must start with `/`",
            ),
            (
                FULL.replace("auth = \"vip\"", "auth = \"admin\""),
                "unknown role `admin`",
            ),
            (
                FULL.replace("paginate = { offset = \"start\", items = \"$.messages\" }", ""),
                "`assert_all` checks the pages",
            ),
        ];
        for (text, expected) in cases {
            let why = parse(&text, &Schemas::default()).expect_err(expected);
            assert!(why.contains(expected), "{expected} in {why}");
        }
    }

    #[test]
    fn urls_repeats_decoding_regex_captures_and_credentials_compile() {
        let text = r#"
            name = "e"
            family = "easemob"
            auth = "easemob"
            [[steps]]
            request = { method = "POST", path = "/${apps.easemob.org_name}/x/token", auth = "none", json = { client_id = "${credentials.easemob.client_id}" } }
            capture = { sig = { path = "$.data[0].url", regex = "Signature=([^&]+)" } }
            repeat = 3
            [[steps]]
            request = { url = "${link}", auth = "none" }
            decode = "gzip-json-lines"
            status = 200
        "#;
        let scenario = parse(text, &Schemas::default()).unwrap();
        assert_eq!(scenario.credential_roles, [Role::Easemob]);
        assert_eq!(scenario.roles(), [Role::Easemob], "named credentials need the role");
        assert!(scenario.changes_mock_state(), "Easemob calls use up a shared quota");
        let Action::Request(first) = &scenario.steps[0].action else {
            panic!("a request")
        };
        assert_eq!(first.repeat, 3);
        assert!(first.captures[0].regex.is_some());
        let Action::Request(second) = &scenario.steps[1].action else {
            panic!("a request")
        };
        assert!(second.request.is_url && second.request.path == "${link}");
        assert_eq!(second.decode, Some(Decode::GzipJsonLines));
        assert_eq!(second.repeat, 1);

        let cases = [
            (
                text.replace("url = \"${link}\"", "url = \"/relative\""),
                "must be a whole URL",
            ),
            (
                text.replace("url = \"${link}\"", "url = \"${link}\", path = \"/x\""),
                "exactly one of `path` or `url`",
            ),
            (text.replace("repeat = 3", "repeat = 0"), "`repeat` is a number"),
            (text.replace("status = 200", ""), "a request step checks something"),
            (
                text.replace("repeat = 3", "repeat = 2\npaginate = { cursor = \"$.c\" }"),
                "not for a `paginate` step",
            ),
            (text.replace("gzip-json-lines", "zip"), "unknown variant"),
            (
                text.replace("regex = \"Signature=([^&]+)\"", "regex = \"(\""),
                "invalid regex",
            ),
            (
                text.replace("credentials.easemob.client_id", "credentials.easemob.password"),
                "credentials have",
            ),
            (
                text.replace("capture = { sig", "capture = { credentials"),
                "cannot be a capture name",
            ),
        ];
        for (text, expected) in cases {
            let why = parse(&text, &Schemas::default()).expect_err(expected);
            assert!(why.contains(expected), "{expected} in {why}");
        }
    }

    #[test]
    fn control_api_and_faults_need_the_mock_only_tag() {
        let control = r#"
            name = "c"
            family = "control"
            [[steps]]
            request = { path = "/_mock/health", auth = "none" }
            status = 200
        "#;
        assert!(parse(control, &Schemas::default()).unwrap_err().contains("mock-only"));
        let tagged = control.replace("family = \"control\"", "family = \"control\"\ntags = [\"mock-only\"]");
        assert!(parse(&tagged, &Schemas::default()).is_ok());
        let fault = r#"
            name = "f"
            family = "jmessage"
            [[steps]]
            fault = { route = "/v2/messages", status = 503, times = 1 }
        "#;
        assert!(parse(fault, &Schemas::default()).unwrap_err().contains("mock-only"));
    }

    #[test]
    fn the_readme_example_is_a_valid_scenario() {
        let readme = include_str!("../../../README.md");
        let block = readme
            .split("<!-- scenario-example -->\n```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```").next())
            .expect("the README holds the scenario example");
        let mut schemas = Schemas::default();
        schemas
            .add_file(include_str!("../../../scenarios/schemas/jmessage.toml"))
            .unwrap();
        let scenario = parse(block, &schemas).unwrap_or_else(|e| panic!("README example: {e}"));
        assert_eq!(scenario.name, "jmessage-v2-example");
        assert_eq!(scenario.steps.len(), 5);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("121s"), Ok(121.0));
        assert_eq!(parse_duration("2m"), Ok(120.0));
        assert_eq!(parse_duration("500ms"), Ok(0.5));
        assert_eq!(parse_duration("1d"), Ok(86400.0));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("-5s").is_err());
    }
}
