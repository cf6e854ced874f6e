//! Where scenarios run, and everything that differs between the mock and the real hosts:
//! base URLs, credentials and the data they may name, authentication, and the clock.
//!
//! - **Mock, in-process** (the default): every scenario gets its own mock (port 0, clock
//!   frozen at one fixed instant), so scenarios run concurrently and may move their clock
//!   freely. The runner talks to it over HTTP only; the library is used just to start it.
//! - **Mock at `--base-url`**: one shared mock; credentials and sample ids come from its
//!   `/_mock/apps`; scenarios that change its state (clock, faults, rate limits, the
//!   Easemob quota) run alone, and the state is put back after each.
//! - **Real**: the vendor hosts (overridable per family), credentials and sample ids from
//!   `CONFORMANCE_*` environment variables, the local clock, read-only and paced requests.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde_json::{json, Map, Value};
use tokio::sync::Mutex;

use crate::{
    http::{Exchange, Http, Pacer, PreparedRequest},
    redact::Redactor,
    scenario::{Auth, Family, Role, Scenario},
};

/// The real vendor hosts, per family (SPEC: base URLs without the version prefix).
pub const REAL_HOSTS: [(Family, &str); 3] = [
    (Family::Jmessage, "https://report.im.jpush.cn"),
    (Family::Jpush, "https://report.jpush.cn"),
    (Family::Easemob, "https://a1.easemob.com"),
];
/// Easemob allows 10 history calls a minute per app; stay under it.
const EASEMOB_INTERVAL: Duration = Duration::from_millis(6_500);
/// Real waits report progress this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Environment variables, read once (tests pass their own instead of the process's).
#[derive(Debug, Clone, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    pub fn process() -> Env {
        Env(std::env::vars().collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Env {
        Env(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// A variable's value; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }
}

/// The environment variable of one role's field: `CONFORMANCE_VIP_APP_KEY`.
pub fn env_name(role: Role, field: &str) -> String {
    format!(
        "CONFORMANCE_{}_{}",
        role.name().to_ascii_uppercase(),
        field.to_ascii_uppercase()
    )
}

/// The environment variable overriding a family's base URL: `CONFORMANCE_JMESSAGE_BASE_URL`.
pub fn base_url_env(family: Family) -> String {
    format!("CONFORMANCE_{}_BASE_URL", family.name().to_ascii_uppercase())
}

/// Credentials of one role. Never printed (`Debug` shows only which kind they are).
#[derive(Clone)]
enum Credentials {
    Basic {
        app_key: String,
        master_secret: String,
    },
    Easemob {
        org_name: String,
        app_name: String,
        client_id: String,
        client_secret: String,
    },
}

/// Each role's credentials, and what scenarios may name as `${apps.ROLE.field}`: the
/// same data without any secret.
#[derive(Debug, Clone, Default)]
pub struct Apps {
    credentials: BTreeMap<Role, Credentials>,
    public: Map<String, Value>,
}

/// Fields of an app listing that are secrets, kept out of `${apps...}`.
const SECRET_FIELDS: [&str; 3] = ["master_secret", "client_id", "client_secret"];
/// Sample-id lists an app listing carries.
const SAMPLE_FIELDS: [&str; 5] = ["usernames", "group_ids", "chatroom_ids", "msg_ids", "registration_ids"];

impl Apps {
    /// From a mock's `GET /_mock/apps`: the first VIP app, the first other one, the first
    /// Easemob app.
    pub fn from_mock_listing(listing: &Value) -> Result<Apps, String> {
        let mut apps = Apps::default();
        let jiguang = listing["apps"].as_array().cloned().unwrap_or_default();
        for (role, vip) in [(Role::Vip, true), (Role::Plain, false)] {
            if let Some(app) = jiguang.iter().find(|a| a["vip"].as_bool() == Some(vip)) {
                let credentials = Credentials::Basic {
                    app_key: text_field(app, "app_key")?,
                    master_secret: text_field(app, "master_secret")?,
                };
                apps.insert(role, credentials, app);
            }
        }
        if let Some(app) = listing["easemob"].as_array().and_then(|list| list.first()) {
            let credentials = Credentials::Easemob {
                org_name: text_field(app, "org_name")?,
                app_name: text_field(app, "app_name")?,
                client_id: text_field(app, "client_id")?,
                client_secret: text_field(app, "client_secret")?,
            };
            apps.insert(Role::Easemob, credentials, app);
        }
        Ok(apps)
    }

    /// From `CONFORMANCE_*` variables; a role without credentials is simply absent.
    pub fn from_env(env: &Env) -> Apps {
        let mut apps = Apps::default();
        let get = |role: Role, field: &str| env.get(&env_name(role, field)).map(str::to_owned);
        for role in [Role::Vip, Role::Plain] {
            if let (Some(app_key), Some(master_secret)) = (get(role, "app_key"), get(role, "master_secret")) {
                let listing = json!({"app_key": app_key, "vip": role == Role::Vip});
                apps.insert(
                    role,
                    Credentials::Basic { app_key, master_secret },
                    &with_samples(listing, env, role),
                );
            }
        }
        let role = Role::Easemob;
        let fields = ["org_name", "app_name", "client_id", "client_secret"].map(|f| get(role, f));
        if let [Some(org_name), Some(app_name), Some(client_id), Some(client_secret)] = fields {
            let listing = json!({"org_name": org_name, "app_name": app_name});
            let credentials = Credentials::Easemob {
                org_name,
                app_name,
                client_id,
                client_secret,
            };
            apps.insert(role, credentials, &with_samples(listing, env, role));
        }
        apps
    }

    fn insert(&mut self, role: Role, credentials: Credentials, listing: &Value) {
        let mut public = listing.as_object().cloned().unwrap_or_default();
        public.retain(|key, _| !SECRET_FIELDS.contains(&key.as_str()));
        self.public.insert(role.name().to_owned(), Value::Object(public));
        self.credentials.insert(role, credentials);
    }

    pub fn has(&self, role: Role) -> bool {
        self.credentials.contains_key(&role)
    }

    /// Whether `${apps.ROLE.FIELD}` names something (a non-empty list, or a value).
    pub fn provides(&self, role: Role, field: &str) -> bool {
        match self.public.get(role.name()).and_then(|app| app.get(field)) {
            Some(Value::Array(items)) => !items.is_empty(),
            Some(value) => !value.is_null(),
            None => false,
        }
    }

    /// `{"vip": {...}, "plain": {...}, "easemob": {...}}`, without secrets.
    pub fn public(&self) -> Value {
        Value::Object(self.public.clone())
    }

    /// Each role's credentials, for `${credentials.ROLE.FIELD}` (an Easemob `/token`
    /// body): `app_key` and `master_secret`, or `org_name`, `app_name`, `client_id` and
    /// `client_secret`. Every one of them is registered with the redactor.
    pub fn credentials_listing(&self) -> Value {
        let listing = self
            .credentials
            .iter()
            .map(|(role, credentials)| {
                let fields = match credentials {
                    Credentials::Basic { app_key, master_secret } => {
                        json!({"app_key": app_key, "master_secret": master_secret})
                    }
                    Credentials::Easemob {
                        org_name,
                        app_name,
                        client_id,
                        client_secret,
                    } => json!({
                        "org_name": org_name,
                        "app_name": app_name,
                        "client_id": client_id,
                        "client_secret": client_secret,
                    }),
                };
                (role.name().to_owned(), fields)
            })
            .collect();
        Value::Object(listing)
    }

    /// Tells the redactor every secret these apps hold.
    fn register_secrets(&self, redactor: &Redactor) {
        for credentials in self.credentials.values() {
            match credentials {
                Credentials::Basic { app_key, master_secret } => {
                    redactor.add_credentials(app_key, master_secret);
                    redactor.add_credentials(app_key, &wrong_secret(master_secret));
                }
                Credentials::Easemob {
                    client_id,
                    client_secret,
                    ..
                } => redactor.add_credentials(client_id, client_secret),
            }
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { .. } => f.write_str("Basic(<redacted>)"),
            Credentials::Easemob { .. } => f.write_str("Easemob(<redacted>)"),
        }
    }
}

fn text_field(app: &Value, field: &str) -> Result<String, String> {
    app[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the app listing lacks `{field}`"))
}

/// Adds `CONFORMANCE_ROLE_USERNAMES` etc. (comma-separated) to a listing.
fn with_samples(mut listing: Value, env: &Env, role: Role) -> Value {
    for field in SAMPLE_FIELDS {
        if let Some(list) = env.get(&env_name(role, field)) {
            let ids: Vec<Value> = list
                .split(',')
                .map(|s| Value::from(s.trim()))
                .filter(|v| v != "")
                .collect();
            listing[field] = Value::Array(ids);
        }
    }
    listing
}

/// A secret of the same form that is certainly not `secret` (every character moved on
/// by one), for "wrong credentials" steps.
pub fn wrong_secret(secret: &str) -> String {
    secret
        .chars()
        .map(|c| match c {
            '9' => '0',
            'z' => 'a',
            'Z' => 'A',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct MockOptions {
    /// A running mock; `None` starts one in-process per scenario.
    pub base_url: Option<String>,
    /// Where an in-process mock's clock is frozen.
    pub clock: DateTime<FixedOffset>,
    pub timezone: FixedOffset,
}

#[derive(Debug, Clone)]
pub struct RealOptions {
    /// Relative times start here (then follow elapsed time) instead of the local clock.
    pub clock: Option<DateTime<FixedOffset>>,
    pub timezone: FixedOffset,
    /// Pause between two requests to a Jiguang host.
    pub delay: Duration,
}

#[derive(Debug)]
enum Source {
    InProcess {
        clock: DateTime<Utc>,
    },
    External {
        base: String,
        apps: Apps,
    },
    Real {
        bases: BTreeMap<Family, String>,
        apps: Apps,
        /// `--clock`: relative times start here instead of the local clock.
        clock: Option<DateTime<Utc>>,
    },
}

/// The real target's clock for one scenario: local time, or — with `--clock` — that
/// instant plus the waits of the scenario so far (so that a recording and a later
/// comparison at the same instant query the same windows).
#[derive(Debug)]
struct RealClock {
    origin: Option<DateTime<Utc>>,
    waited: std::sync::Mutex<TimeDelta>,
}

impl RealClock {
    fn new(origin: Option<DateTime<Utc>>) -> RealClock {
        RealClock {
            origin,
            waited: std::sync::Mutex::new(TimeDelta::zero()),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        match self.origin {
            Some(at) => at + *self.waited.lock().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        }
    }

    fn waited(&self, delta: TimeDelta) {
        *self.waited.lock().unwrap_or_else(|p| p.into_inner()) += delta;
    }
}

/// A target opened for a run.
#[derive(Debug)]
pub struct Target {
    source: Source,
    timezone: FixedOffset,
    http: Http,
    redactor: Arc<Redactor>,
}

impl Target {
    pub async fn mock(options: MockOptions, redactor: Arc<Redactor>) -> Result<Target, String> {
        let http = Http::new(None)?;
        let source = match options.base_url {
            None => Source::InProcess {
                clock: options.clock.to_utc(),
            },
            Some(base) => {
                let base = base.trim_end_matches('/').to_owned();
                let apps = fetch_mock_apps(&http, &base).await?;
                apps.register_secrets(&redactor);
                Source::External { base, apps }
            }
        };
        Ok(Target {
            source,
            timezone: options.timezone,
            http,
            redactor,
        })
    }

    pub fn real(env: &Env, options: RealOptions, redactor: Arc<Redactor>) -> Result<Target, String> {
        let bases = REAL_HOSTS
            .iter()
            .map(|(family, host)| {
                let base = env.get(&base_url_env(*family)).unwrap_or(host);
                (*family, base.trim_end_matches('/').to_owned())
            })
            .collect();
        let apps = Apps::from_env(env);
        if !Role::ALL.iter().any(|role| apps.has(*role)) {
            return Err(format!(
                "no credentials: set at least {} and {} (see README, \"Conformance\")",
                env_name(Role::Vip, "app_key"),
                env_name(Role::Vip, "master_secret")
            ));
        }
        apps.register_secrets(&redactor);
        let intervals = HashMap::from([
            (Family::Jmessage, options.delay),
            (Family::Jpush, options.delay),
            (Family::Easemob, EASEMOB_INTERVAL.max(options.delay)),
        ]);
        Ok(Target {
            source: Source::Real {
                bases,
                apps,
                clock: options.clock.map(|at| at.to_utc()),
            },
            timezone: options.timezone,
            http: Http::new(Some(Pacer::new(intervals)))?,
            redactor,
        })
    }

    pub fn is_real(&self) -> bool {
        matches!(self.source, Source::Real { .. })
    }

    pub fn name(&self) -> &'static str {
        if self.is_real() {
            "real"
        } else {
            "mock"
        }
    }

    /// What the run goes against, for the first line of output.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::InProcess { clock } => format!(
                "in-process mocks (clock frozen at {})",
                clock.with_timezone(&self.timezone).to_rfc3339()
            ),
            Source::External { base, .. } => format!("the mock at {base}"),
            Source::Real { bases, .. } => {
                let hosts: Vec<String> = bases.iter().map(|(family, base)| format!("{family} {base}")).collect();
                format!("the real hosts ({})", hosts.join(", "))
            }
        }
    }

    /// One mock shared by every scenario: those that change its state must run alone.
    pub fn is_shared_mock(&self) -> bool {
        matches!(self.source, Source::External { .. })
    }

    /// Why this target does not run `scenario`, if it does not.
    pub fn skip_reason(&self, scenario: &Scenario, options: &SkipOptions) -> Option<String> {
        let Source::Real { apps, .. } = &self.source else {
            return None;
        };
        if scenario.is_mock_only() {
            return Some("mock-only".into());
        }
        if scenario.needs_data() && !options.include_needs_data {
            return Some("needs data a real account may lack (--include-needs-data runs it)".into());
        }
        let wait = scenario.wait_seconds();
        if wait > 0.0 && options.skip_slow {
            return Some(format!("waits {wait:.0} s on the real clock (--skip-slow)"));
        }
        let mut missing: Vec<String> = scenario
            .roles()
            .into_iter()
            .filter(|role| !apps.has(*role))
            .map(|role| format!("{}_*", env_name(role, "").trim_end_matches('_')))
            .collect();
        missing.extend(
            scenario
                .app_data
                .iter()
                .filter(|(role, field)| apps.has(*role) && !apps.provides(*role, field))
                .map(|(role, field)| env_name(*role, field)),
        );
        (!missing.is_empty()).then(|| format!("needs credentials or ids: set {}", missing.join(", ")))
    }

    /// Opens what one scenario runs against. On a shared mock, a scenario that changes
    /// its state (`changes_state`) gets its clock, fault rules and rate limits put back as it found them on `close`.
    pub async fn session(&self, changes_state: bool) -> Result<Session<'_>, String> {
        let (bases, apps, clock, server) = match &self.source {
            Source::InProcess { clock } => {
                let settings = mock_server::Settings {
                    port: 0,
                    clock: Some(*clock),
                    timezone: self.timezone,
                    ..mock_server::Settings::default()
                };
                let server = mock_server::start(settings)
                    .await
                    .map_err(|e| format!("cannot start the mock: {e}"))?;
                let base = server.base_url();
                let apps = fetch_mock_apps(&self.http, &base).await?;
                apps.register_secrets(&self.redactor);
                (same_base(&base), apps, SessionClock::Mock(base), Some(server))
            }
            Source::External { base, apps } => (same_base(base), apps.clone(), SessionClock::Mock(base.clone()), None),
            Source::Real { bases, apps, clock } => (
                bases.clone(),
                apps.clone(),
                SessionClock::Real(RealClock::new(*clock)),
                None,
            ),
        };
        let restore = match (&self.source, &clock) {
            (Source::External { .. }, SessionClock::Mock(base)) if changes_state => {
                Some(MockSnapshot::take(&self.http, base).await?)
            }
            _ => None,
        };
        Ok(Session {
            target: self,
            bases,
            apps,
            clock,
            tokens: Mutex::new(HashMap::new()),
            server,
            restore,
        })
    }
}

/// A shared mock's state as a scenario found it: the clock, the fault rules and the rate
/// limits. Taking it freezes a running clock, so that the scenario sees the same instant
/// throughout, as on an in-process mock. Putting it back deletes the rules the scenario
/// added and adds back those it deleted, sets the limits again (which also forgets the
/// quota the scenario used up) and puts the clock back: where it was if it was frozen,
/// running from where it would be now if it was running.
struct MockSnapshot {
    now: DateTime<FixedOffset>,
    frozen: bool,
    taken: std::time::Instant,
    /// `None` when the mock does not list them (then they are left alone).
    faults: Option<Vec<Value>>,
    rate_limits: Option<Value>,
}

impl MockSnapshot {
    async fn take(http: &Http, base: &str) -> Result<MockSnapshot, String> {
        let exchange = send_plain(http, Family::Control, "GET", &format!("{base}/_mock/clock"), None).await?;
        let now = exchange.json["now"]
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .ok_or_else(|| format!("GET /_mock/clock answered {}", exchange.excerpt()))?;
        let frozen = exchange.json["frozen"].as_bool().unwrap_or(false);
        let taken = std::time::Instant::now();
        if !frozen {
            let body = json!({"frozen": true});
            let exchange = send_plain(http, Family::Control, "PUT", &format!("{base}/_mock/clock"), Some(body)).await?;
            expect_success(&exchange, "PUT /_mock/clock")?;
        }
        Ok(MockSnapshot {
            now,
            frozen,
            taken,
            faults: fault_rules(http, base).await?,
            rate_limits: read_control(http, base, "/_mock/rate-limits").await?,
        })
    }

    async fn restore(&self, http: &Http, base: &str) -> Result<(), String> {
        if let (Some(before), Some(now)) = (&self.faults, fault_rules(http, base).await?) {
            for rule in now.iter().filter(|rule| !before.iter().any(|b| same_rule(b, rule))) {
                let url = format!("{base}/_mock/faults/{}", rule["id"]);
                let exchange = send_plain(http, Family::Control, "DELETE", &url, None).await?;
                // A rule may have finished meanwhile (times used up, until passed).
                if exchange.status != 404 {
                    expect_success(&exchange, "DELETE /_mock/faults/{id}")?;
                }
            }
            // Rules the scenario deleted (or a reset dropped) come back, with new ids.
            for rule in before.iter().filter(|rule| !now.iter().any(|n| same_rule(n, rule))) {
                let spec: serde_json::Map<String, Value> = ["match", "effect", "times", "fraction", "until"]
                    .iter()
                    .filter_map(|key| rule.get(*key).map(|value| ((*key).to_owned(), value.clone())))
                    .collect();
                let url = format!("{base}/_mock/faults");
                let exchange = send_plain(http, Family::Control, "POST", &url, Some(Value::Object(spec))).await?;
                expect_success(&exchange, "POST /_mock/faults")?;
            }
        }
        if let Some(limits) = &self.rate_limits {
            let url = format!("{base}/_mock/rate-limits");
            let exchange = send_plain(http, Family::Control, "PUT", &url, Some(limits.clone())).await?;
            expect_success(&exchange, "PUT /_mock/rate-limits")?;
        }
        let now = if self.frozen {
            self.now
        } else {
            self.now + self.taken.elapsed()
        };
        let body = json!({"now": now.to_rfc3339(), "frozen": self.frozen});
        let exchange = send_plain(http, Family::Control, "PUT", &format!("{base}/_mock/clock"), Some(body)).await?;
        expect_success(&exchange, "PUT /_mock/clock")
    }
}

/// The fault rules a mock lists, if it lists them.
async fn fault_rules(http: &Http, base: &str) -> Result<Option<Vec<Value>>, String> {
    let listing = read_control(http, base, "/_mock/faults").await?;
    Ok(listing.and_then(|listing| listing["faults"].as_array().cloned()))
}

/// The body of a control `GET`, or `None` when the mock does not serve it.
async fn read_control(http: &Http, base: &str, path: &str) -> Result<Option<Value>, String> {
    let exchange = send_plain(http, Family::Control, "GET", &format!("{base}{path}"), None).await?;
    Ok((exchange.status == 200).then_some(exchange.json))
}

/// The same rule: same id, match and effect (its counters move on).
fn same_rule(a: &Value, b: &Value) -> bool {
    ["id", "match", "effect"].iter().all(|key| a[key] == b[key])
}

/// Which scenarios the real target leaves out.
#[derive(Debug, Clone, Copy, Default)]
pub struct SkipOptions {
    pub skip_slow: bool,
    pub include_needs_data: bool,
}

fn same_base(base: &str) -> BTreeMap<Family, String> {
    Family::ALL.iter().map(|f| (*f, base.to_owned())).collect()
}

async fn fetch_mock_apps(http: &Http, base: &str) -> Result<Apps, String> {
    let exchange = send_plain(http, Family::Control, "GET", &format!("{base}/_mock/apps"), None).await?;
    if exchange.status != 200 {
        return Err(format!(
            "GET {base}/_mock/apps answered {}: is it the mock?",
            exchange.excerpt()
        ));
    }
    Apps::from_mock_listing(&exchange.json)
}

async fn send_plain(
    http: &Http,
    family: Family,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> Result<Exchange, String> {
    let headers = match body {
        Some(_) => vec![("Content-Type".to_owned(), "application/json".to_owned())],
        None => Vec::new(),
    };
    http.send(PreparedRequest {
        family,
        method: method.to_owned(),
        url: url.to_owned(),
        headers,
        body: body.map(|b| b.to_string()),
    })
    .await
}

#[derive(Debug)]
enum SessionClock {
    Mock(String),
    Real(RealClock),
}

/// What one scenario runs against: base URLs, credentials, clock. Dropping it stops an
/// in-process mock.
pub struct Session<'t> {
    target: &'t Target,
    bases: BTreeMap<Family, String>,
    apps: Apps,
    clock: SessionClock,
    /// Easemob tokens already obtained in this session.
    tokens: Mutex<HashMap<Role, String>>,
    server: Option<mock_server::RunningServer>,
    /// A shared mock's state, to put back on close.
    restore: Option<MockSnapshot>,
}

impl Session<'_> {
    pub fn http(&self) -> &Http {
        &self.target.http
    }

    pub fn apps(&self) -> &Apps {
        &self.apps
    }

    pub fn base_url(&self, family: Family) -> Result<&str, String> {
        self.bases
            .get(&family)
            .map(String::as_str)
            .ok_or_else(|| format!("the {} target has no {family} host", self.target.name()))
    }

    /// The target's clock, in the configured zone.
    pub async fn now(&self) -> Result<DateTime<FixedOffset>, String> {
        let now = match &self.clock {
            SessionClock::Real(clock) => clock.now(),
            SessionClock::Mock(base) => {
                let exchange = send_plain(
                    self.http(),
                    Family::Control,
                    "GET",
                    &format!("{base}/_mock/clock"),
                    None,
                )
                .await?;
                let text = exchange.json["now"].as_str().unwrap_or_default();
                DateTime::parse_from_rfc3339(text)
                    .map_err(|_| format!("GET /_mock/clock answered {}", exchange.excerpt()))?
                    .to_utc()
            }
        };
        Ok(now.with_timezone(&self.target.timezone))
    }

    /// Moves the clock: through the control API on the mock, by waiting on real hosts
    /// (reporting progress through `progress`).
    pub async fn advance(&self, seconds: f64, progress: &(dyn Fn(String) + Sync)) -> Result<(), String> {
        match &self.clock {
            SessionClock::Mock(base) => {
                let url = format!("{base}/_mock/clock/advance");
                let body = json!({ "seconds": seconds });
                let exchange = send_plain(self.http(), Family::Control, "POST", &url, Some(body)).await?;
                expect_success(&exchange, "POST /_mock/clock/advance")
            }
            SessionClock::Real(clock) => {
                let total = Duration::from_secs_f64(seconds);
                let started = tokio::time::Instant::now();
                while started.elapsed() < total {
                    let left = total - started.elapsed();
                    tokio::time::sleep(left.min(PROGRESS_EVERY)).await;
                    let waited = started.elapsed().min(total).as_secs();
                    progress(format!(
                        "waited {waited} of {:.0} s on the real clock",
                        total.as_secs_f64()
                    ));
                }
                clock.waited(TimeDelta::milliseconds((seconds * 1000.0).round() as i64));
                Ok(())
            }
        }
    }

    /// Injects a fault through the mock's control API.
    pub async fn inject_fault(&self, fault: &Value) -> Result<(), String> {
        let SessionClock::Mock(base) = &self.clock else {
            return Err("faults can be injected only into the mock".into());
        };
        let url = format!("{base}/_mock/faults");
        let exchange = send_plain(self.http(), Family::Control, "POST", &url, Some(fault.clone())).await?;
        expect_success(&exchange, "POST /_mock/faults")
    }

    /// The `Authorization` header value for `auth`, if any.
    pub async fn authorization(&self, auth: Auth, family: Family) -> Result<Option<String>, String> {
        let Auth::Role {
            role,
            wrong_secret: wrong,
        } = auth
        else {
            return Ok(None);
        };
        let credentials = self.apps.credentials.get(&role).ok_or_else(|| {
            format!(
                "no credentials for role `{}` (on the real target set {}_*)",
                role.name(),
                env_name(role, "").trim_end_matches('_')
            )
        })?;
        match credentials {
            Credentials::Basic { app_key, master_secret } => {
                let secret = if wrong {
                    wrong_secret(master_secret)
                } else {
                    master_secret.clone()
                };
                Ok(Some(format!(
                    "Basic {}",
                    STANDARD.encode(format!("{app_key}:{secret}"))
                )))
            }
            Credentials::Easemob { .. } => {
                let token = self.easemob_token(role, credentials, family).await?;
                let token = if wrong { wrong_secret(&token) } else { token };
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    async fn easemob_token(&self, role: Role, credentials: &Credentials, family: Family) -> Result<String, String> {
        let Credentials::Easemob {
            org_name,
            app_name,
            client_id,
            client_secret,
        } = credentials
        else {
            unreachable!("called for Easemob credentials only");
        };
        let mut tokens = self.tokens.lock().await;
        if let Some(token) = tokens.get(&role) {
            return Ok(token.clone());
        }
        let url = format!("{}/{org_name}/{app_name}/token", self.base_url(family)?);
        let body = json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret});
        let exchange = send_plain(self.http(), Family::Easemob, "POST", &url, Some(body)).await?;
        let token = exchange.json["access_token"]
            .as_str()
            .ok_or_else(|| {
                format!(
                    "no Easemob token for the run (POST /token answered {})",
                    exchange.excerpt()
                )
            })?
            .to_owned();
        self.target.redactor.add_secret(&token);
        self.target.redactor.add_secret(&wrong_secret(&token));
        tokens.insert(role, token.clone());
        Ok(token)
    }

    /// Stops an in-process mock; puts a shared mock's state back.
    pub async fn close(self) -> Result<(), String> {
        let restored = match (&self.restore, &self.clock) {
            (Some(snapshot), SessionClock::Mock(base)) => snapshot.restore(self.http(), base).await,
            _ => Ok(()),
        };
        if let Some(server) = self.server {
            let _ = server.stop().await;
        }
        restored
    }
}

fn expect_success(exchange: &Exchange, what: &str) -> Result<(), String> {
    if (200..300).contains(&exchange.status) {
        Ok(())
    } else {
        Err(format!("{what} answered {}", exchange.excerpt()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> Value {
        json!({
            "apps": [
                {"name": "p", "app_key": "plainkey", "master_secret": "plainsecret", "vip": false, "usernames": ["u1"]},
                {"name": "v", "app_key": "vipkey", "master_secret": "vipsecret1", "vip": true, "usernames": ["u2"]},
            ],
            "easemob": [{"org_name": "o", "app_name": "a", "client_id": "cid", "client_secret": "csecret1", "usernames": []}]
        })
    }

    #[test]
    fn mock_listing_gives_roles_without_secrets_in_public_data() {
        let apps = Apps::from_mock_listing(&listing()).unwrap();
        assert!(apps.has(Role::Vip) && apps.has(Role::Plain) && apps.has(Role::Easemob));
        let public = apps.public();
        assert_eq!(public["vip"]["usernames"][0], "u2");
        assert_eq!(public["plain"]["app_key"], "plainkey");
        assert_eq!(public["easemob"]["org_name"], "o");
        let text = public.to_string();
        for secret in ["vipsecret1", "plainsecret", "cid", "csecret1"] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }

    #[test]
    fn env_gives_roles_and_sample_lists() {
        let env = Env::from_pairs([
            ("CONFORMANCE_VIP_APP_KEY", "k"),
            ("CONFORMANCE_VIP_MASTER_SECRET", "s3cr3t-value"),
            ("CONFORMANCE_VIP_USERNAMES", "ann, bob,"),
            ("CONFORMANCE_PLAIN_APP_KEY", "only-a-key"),
            ("CONFORMANCE_EASEMOB_ORG_NAME", ""),
        ]);
        let apps = Apps::from_env(&env);
        assert!(apps.has(Role::Vip));
        assert!(!apps.has(Role::Plain), "a key without its secret is no credential");
        assert!(!apps.has(Role::Easemob));
        assert_eq!(apps.public()["vip"]["usernames"], json!(["ann", "bob"]));
        assert_eq!(apps.public()["vip"]["vip"], true);
        assert!(!apps.public().to_string().contains("s3cr3t"));
    }

    #[test]
    fn wrong_secrets_differ_everywhere_and_keep_their_form() {
        for secret in ["5e987ac6d2e04d95a9d8f0d1", "zzzz9999ZZZZ", "a-b"] {
            let wrong = wrong_secret(secret);
            assert_eq!(wrong.len(), secret.len());
            assert!(wrong
                .chars()
                .zip(secret.chars())
                .all(|(a, b)| a != b || !b.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn the_real_target_skips_what_the_account_cannot_run_and_says_why() {
        let env = Env::from_pairs([
            ("CONFORMANCE_VIP_APP_KEY", "k"),
            ("CONFORMANCE_VIP_MASTER_SECRET", "s3cr3t-value"),
            ("CONFORMANCE_VIP_USERNAMES", "ann"),
        ]);
        let options = RealOptions {
            clock: None,
            timezone: FixedOffset::east_opt(8 * 3600).unwrap(),
            delay: Duration::ZERO,
        };
        let target = Target::real(&env, options, Arc::new(Redactor::new())).unwrap();
        let scenario = |tags: &str, auth: &str, path: &str, advance: bool| {
            let wait = if advance { "[[steps]]\nadvance = \"121s\"\n" } else { "" };
            let text = format!(
                "name = \"s\"\nfamily = \"jmessage\"\ntags = [{tags}]\n[[steps]]\nrequest = {{ path = \"{path}\", auth = \"{auth}\" }}\nstatus = 200\n{wait}"
            );
            crate::scenario::parse(&text, &crate::schema::Schemas::default()).unwrap()
        };
        let all = SkipOptions {
            skip_slow: false,
            include_needs_data: true,
        };
        let reason = |s: &Scenario, options: &SkipOptions| target.skip_reason(s, options);
        assert_eq!(
            reason(
                &scenario("", "vip", "/v2/users/${apps.vip.usernames[0]}/messages", false),
                &all
            ),
            None
        );
        assert_eq!(
            reason(
                &scenario("", "vip", "/v2/groups/${apps.vip.group_ids[0]}/messages", false),
                &all
            )
            .unwrap(),
            "needs credentials or ids: set CONFORMANCE_VIP_GROUP_IDS"
        );
        assert_eq!(
            reason(&scenario("", "plain", "/v1/messages", false), &all).unwrap(),
            "needs credentials or ids: set CONFORMANCE_PLAIN_*"
        );
        assert_eq!(
            reason(&scenario("\"mock-only\"", "vip", "/v1/messages", false), &all).unwrap(),
            "mock-only"
        );
        let needs_data = scenario("\"needs-data\"", "vip", "/v1/messages", false);
        assert_eq!(reason(&needs_data, &all), None);
        assert!(reason(&needs_data, &SkipOptions::default())
            .unwrap()
            .contains("--include-needs-data"));
        let slow = scenario("", "vip", "/v1/messages", true);
        assert_eq!(reason(&slow, &all), None);
        let skip_slow = SkipOptions { skip_slow: true, ..all };
        assert!(reason(&slow, &skip_slow).unwrap().contains("waits 121 s"));
    }

    #[test]
    fn real_target_needs_credentials_and_honours_base_url_overrides() {
        let redactor = Arc::new(Redactor::new());
        let options = RealOptions {
            clock: None,
            timezone: FixedOffset::east_opt(8 * 3600).unwrap(),
            delay: Duration::ZERO,
        };
        let error = Target::real(&Env::default(), options.clone(), redactor.clone()).unwrap_err();
        assert!(error.contains("CONFORMANCE_VIP_APP_KEY"), "{error}");
        let env = Env::from_pairs([
            ("CONFORMANCE_VIP_APP_KEY", "k"),
            ("CONFORMANCE_VIP_MASTER_SECRET", "s3cr3t-value"),
            ("CONFORMANCE_JMESSAGE_BASE_URL", "http://127.0.0.1:1/"),
        ]);
        let target = Target::real(&env, options, redactor.clone()).unwrap();
        let Source::Real { bases, .. } = &target.source else {
            panic!("a real target")
        };
        assert_eq!(bases[&Family::Jmessage], "http://127.0.0.1:1");
        assert_eq!(bases[&Family::Jpush], "https://report.jpush.cn");
        assert_eq!(redactor.redact("x s3cr3t-value y"), "x <redacted> y");
    }
}
