//! Startup settings: the command line, its environment variables and the config file.
//!
//! Precedence is command line > environment > `--config` file > built-in default. Every
//! option is an `Option` in [`Overrides`] so that the three sources can be layered onto
//! [`Settings::default`] in one place ([`Settings::apply`]).

use std::{fmt, net::IpAddr, path::PathBuf, time::Duration};

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use clap::{CommandFactory, FromArgMatches, Parser};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{
    control::faults::{RuleSpec, MAX_RULES},
    dataset::{population::MAX_POPULATION, push::MsgIdStyle, DatasetSize},
    families::{
        easemob::{self, rules::EasemobSettings},
        jpush, shared,
    },
    kernel::{
        self,
        clock::check_range,
        ratelimit::{Quota, MAX_WINDOW_SECS},
    },
};

/// Upper bounds that keep generated ids within their documented widths.
const MAX_MESSAGES_PER_DAY: u32 = 1_000_000;
const MAX_PUSHES_PER_DAY: u32 = 2_000;
/// The longest Easemob file delay or retention: far beyond any real setting, and small
/// enough that instant arithmetic cannot overflow.
const MAX_EASEMOB_SPAN: TimeDelta = TimeDelta::days(3650);
const MAX_EASEMOB_QUOTA: u32 = 1_000_000;
/// The longest control token: ample for any generated secret, bounded for the header.
const MAX_TOKEN_BYTES: usize = 256;
/// The longest shutdown grace period, in seconds: an hour.
const MAX_SHUTDOWN_TIMEOUT: u32 = 3600;
/// How long a stop waits for open connections and delayed requests by default.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// The resolved settings a server is started with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub host: IpAddr,
    pub port: u16,
    pub seed: u64,
    pub dataset: DatasetSize,
    pub timezone: FixedOffset,
    /// JPush requests per app per window (default: the vendor's quota).
    pub jpush_rate_limit: u32,
    pub jpush_rate_window_secs: u32,
    /// How JPush msg_ids are written: today's 17 digits, or the legacy short form.
    pub jpush_msg_id_style: MsgIdStyle,
    /// The JPush API served: doc 003's, or today's.
    pub jpush_schema: jpush::rules::Schema,
    /// Requests the journal keeps; 0 turns it off.
    pub journal_size: usize,
    /// Fault rules installed at startup (and again by `POST /_mock/reset`).
    pub faults: Vec<RuleSpec>,
    /// Start with the clock frozen at this instant; `None` follows wall time.
    pub clock: Option<DateTime<Utc>>,
    pub easemob: EasemobSettings,
    /// When set, every control call but `GET /_mock/health` must carry it as a bearer token.
    pub control_token: Option<ControlToken>,
    /// How long a stop waits for open connections and requests in flight before it
    /// drops them.
    pub shutdown_timeout: Duration,
    /// How log lines are written to stderr.
    pub log_format: LogFormat,
    /// Which log lines are written, as a `tracing` filter (`info`, `warn`,
    /// `info,mock_server::request=off`); `None`: `RUST_LOG` if set, else [`DEFAULT_LOG_LEVEL`].
    pub log_level: Option<LogLevel>,
    /// Where a fleet of replicas keeps its shared state (`redis://HOST:PORT/DB`); `None`:
    /// in this process.
    pub state_url: Option<StateUrl>,
}

/// A checked `--state-url`. It may carry a password, so `Debug` shows it without one.
#[derive(Clone, PartialEq, Eq)]
pub struct StateUrl(String);

impl StateUrl {
    pub fn new(text: &str) -> Result<StateUrl, String> {
        kernel::store::check_url(text).map(|()| StateUrl(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StateUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateUrl({})", kernel::store::shown_url(&self.0))
    }
}

impl fmt::Display for StateUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&kernel::store::shown_url(&self.0))
    }
}

/// The log filter when neither `--log-level` nor `RUST_LOG` gives one: every request's
/// line (INFO) and the server's own events.
pub const DEFAULT_LOG_LEVEL: &str = "info";

/// How log lines look: `text` for people, `json` (one object per line) for collectors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

/// A `tracing` filter (a level such as `debug`, or directives such as
/// `warn,mock_server::request=info`), checked when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLevel(String);

/// The longest log filter accepted.
const MAX_LOG_LEVEL_BYTES: usize = 1024;

impl LogLevel {
    pub fn new(text: &str) -> Result<LogLevel, String> {
        // A lone word is a level: tracing would read `loud` as a target to trace.
        let is_directives = text.contains([',', '=', '[']);
        let levels = ["off", "error", "warn", "info", "debug", "trace"];
        let valid = text.len() <= MAX_LOG_LEVEL_BYTES
            && if is_directives {
                tracing_subscriber::EnvFilter::builder().parse(text).is_ok()
            } else {
                levels.iter().any(|l| l.eq_ignore_ascii_case(text.trim()))
            };
        if valid {
            Ok(LogLevel(text.to_owned()))
        } else {
            Err(format!(
                "`{text}` is not a log level (off, error, warn, info, debug, trace) nor a tracing filter such as warn,mock_server::request=info"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The control API's bearer token. It is compared in constant time and never shown:
/// `Debug` prints a placeholder.
#[derive(Clone)]
pub struct ControlToken(String);

impl ControlToken {
    /// A token of 1 to 256 visible ASCII characters (what an `Authorization` header carries).
    pub fn new(text: &str) -> Result<ControlToken, String> {
        let fits = (1..=MAX_TOKEN_BYTES).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic());
        if fits {
            Ok(ControlToken(text.to_owned()))
        } else {
            Err(format!(
                "the control token must be 1 to {MAX_TOKEN_BYTES} visible ASCII characters"
            ))
        }
    }

    /// Whether `candidate` is this token. Both sides are hashed first so that neither
    /// the comparison's time nor its length check tells anything about the token.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let (expected, given) = (Sha256::digest(self.0.as_bytes()), Sha256::digest(candidate));
        expected.ct_eq(&given).into()
    }
}

impl fmt::Debug for ControlToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ControlToken(<redacted>)")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            seed: 42,
            dataset: DatasetSize::default(),
            jpush_rate_limit: jpush::rules::RATE_LIMIT,
            jpush_rate_window_secs: jpush::rules::RATE_WINDOW_SECS,
            jpush_msg_id_style: MsgIdStyle::default(),
            jpush_schema: jpush::rules::Schema::default(),
            journal_size: 1000,
            faults: Vec::new(),
            timezone: shared::rules::DEFAULT_TIMEZONE,
            clock: None,
            easemob: EasemobSettings::default(),
            control_token: None,
            shutdown_timeout: SHUTDOWN_TIMEOUT,
            log_format: LogFormat::Text,
            log_level: None,
            state_url: None,
        }
    }
}

/// Command line of the `mock-server` binary. Every flag can also come from the
/// environment variable named in its help, or from the `--config` TOML file (same
/// names, with `-` written as `_`).
#[derive(Debug, Default, Parser, Deserialize)]
#[command(
    name = "mock-server",
    version,
    about = "Mock of the JPush / JMessage / Easemob report APIs, served from seeded synthetic data.",
    long_about = "Mock of the JPush / JMessage / Easemob report APIs, served from seeded synthetic data.\n\n\
        One listener serves every family: /v1 and /v2 (JMessage report), /v3 (JPush report), \
        /{org}/{app} (Easemob) and the control API under /_mock. Point an SDK's base URL at the \
        address printed on start; `GET /_mock/apps` lists the demo credentials."
)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Overrides {
    /// Address to bind: an IP address, or localhost (127.0.0.1)
    #[arg(long, env = "MOCK_HOST", value_parser = parse_host)]
    #[serde(default, deserialize_with = "de_host")]
    pub host: Option<IpAddr>,
    /// Port to bind; 0 picks a free port
    #[arg(long, env = "MOCK_PORT")]
    pub port: Option<u16>,
    /// Seed of the synthetic dataset: the same seed and clock give identical bodies
    #[arg(long, env = "MOCK_SEED")]
    pub seed: Option<u64>,
    /// Users per app
    #[arg(long, env = "MOCK_USERS", value_parser = clap::value_parser!(u32).range(2..=MAX_POPULATION as i64))]
    pub users: Option<u32>,
    /// Groups per app
    #[arg(long, env = "MOCK_GROUPS", value_parser = clap::value_parser!(u32).range(1..=MAX_POPULATION as i64))]
    pub groups: Option<u32>,
    /// Chatrooms per app
    #[arg(long, env = "MOCK_CHATROOMS", value_parser = clap::value_parser!(u32).range(1..=MAX_POPULATION as i64))]
    pub chatrooms: Option<u32>,
    /// Chat messages per app per day, on average
    #[arg(long, env = "MOCK_MESSAGES_PER_DAY", value_parser = clap::value_parser!(u32).range(1..=MAX_MESSAGES_PER_DAY as i64))]
    pub messages_per_day: Option<u32>,
    /// JPush devices (registration ids) per app
    #[arg(long, env = "MOCK_DEVICES", value_parser = clap::value_parser!(u32).range(1..=MAX_POPULATION as i64))]
    pub devices: Option<u32>,
    /// JPush pushes (msg_ids) per app per day, on average
    #[arg(long, env = "MOCK_PUSHES_PER_DAY", value_parser = clap::value_parser!(u32).range(1..=MAX_PUSHES_PER_DAY as i64))]
    pub pushes_per_day: Option<u32>,
    /// JPush requests allowed per app per window; more get 429 with code 2002
    #[arg(long, env = "MOCK_JPUSH_RATE_LIMIT", value_parser = clap::value_parser!(u32).range(1..))]
    pub jpush_rate_limit: Option<u32>,
    /// Length of the JPush rate-limit window in seconds, on the mock clock
    #[arg(long, env = "MOCK_JPUSH_RATE_WINDOW", value_parser = clap::value_parser!(u32).range(1..=MAX_WINDOW_SECS as i64))]
    pub jpush_rate_window: Option<u32>,
    /// How JPush msg_ids are written: `current` (17 digits, above 2^53, as the vendor's
    /// today) or `legacy` (10 digits)
    #[arg(long, env = "MOCK_JPUSH_MSG_ID_STYLE", value_enum)]
    pub jpush_msg_id_style: Option<MsgIdStyle>,
    /// The JPush report API served: `classic` (doc 003) or `2025` (today's fields,
    /// HarmonyOS and quick-app devices, the 28-day limit, today's error strings)
    #[arg(long, env = "MOCK_JPUSH_SCHEMA", value_enum)]
    pub jpush_schema: Option<jpush::rules::Schema>,
    /// How many requests the journal (GET /_mock/journal) keeps; 0 turns it off
    #[arg(long, env = "MOCK_JOURNAL_SIZE", value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub journal_size: Option<u32>,
    /// A fault rule as JSON (repeatable; MOCK_FAULTS takes a JSON array), e.g.
    /// '{"match":{"family":"jpush"},"effect":{"status":503},"times":3}'
    #[arg(long = "fault", env = "MOCK_FAULTS", value_parser = parse_faults)]
    #[serde(default)]
    pub faults: Vec<FaultList>,
    /// Time zone of every wall-clock string, as an offset such as +08:00
    #[arg(long, env = "MOCK_TIMEZONE", value_parser = parse_offset)]
    #[serde(default, deserialize_with = "de_offset")]
    pub timezone: Option<FixedOffset>,
    /// Start with the mock clock frozen at this RFC 3339 instant, e.g. 2026-11-20T12:00:00+08:00
    /// (between 2000-01-01 and 2100-01-01)
    #[arg(long, env = "MOCK_CLOCK", value_parser = parse_clock)]
    #[serde(default, deserialize_with = "de_instant")]
    pub clock: Option<DateTime<Utc>>,

    // --- Easemob chat history (SPEC §4) ---
    /// Time zone of Easemob's YYYYMMDDHH hour keys, apart from --timezone
    #[arg(long, env = "MOCK_EASEMOB_TIMEZONE", value_parser = parse_offset)]
    #[serde(default, deserialize_with = "de_offset")]
    pub easemob_timezone: Option<FixedOffset>,
    /// The app's cluster: `domestic` (hour keys in Beijing time) or `overseas` (UTC); sets
    /// --easemob-timezone, which wins when given in the same place
    #[arg(long, env = "MOCK_EASEMOB_CLUSTER", value_enum)]
    pub easemob_cluster: Option<easemob::rules::Cluster>,
    /// How long after an hour ends its history file can be downloaded, e.g. 90s, 30m, 1h
    #[arg(long, env = "MOCK_EASEMOB_FILE_DELAY", value_parser = parse_delay)]
    #[serde(default, deserialize_with = "de_delay")]
    pub easemob_file_delay: Option<TimeDelta>,
    /// How long an hour's history file is kept after it is generated, and how far back the
    /// legacy ql query reaches, e.g. 72h, 3d
    #[arg(long, env = "MOCK_EASEMOB_RETENTION", value_parser = parse_retention)]
    #[serde(default, deserialize_with = "de_retention")]
    pub easemob_retention: Option<TimeDelta>,
    /// History calls (file links and ql queries) allowed per app per minute
    #[arg(long, env = "MOCK_EASEMOB_HISTORY_QUOTA", value_parser = clap::value_parser!(u32).range(1..=MAX_EASEMOB_QUOTA as i64))]
    pub easemob_history_quota: Option<u32>,
    /// Make the legacy GET /chatmessages?ql= answer as retired, like the real service since 2017
    #[arg(long, env = "MOCK_EASEMOB_QL_RETIRED", num_args = 0..=1, default_missing_value = "true")]
    pub easemob_ql_retired: Option<bool>,
    // --- end Easemob ---
    /// Require this bearer token on every control call but GET /_mock/health
    /// (Authorization: Bearer TOKEN); without it the control API is open to any local client
    #[arg(long, env = "MOCK_CONTROL_TOKEN", hide_env_values = true, value_parser = TokenParser)]
    #[serde(default, deserialize_with = "de_token")]
    pub control_token: Option<ControlToken>,
    /// Seconds a stop (SIGINT, SIGTERM) waits for open connections and requests in flight
    /// before it drops them and exits; a second signal exits at once
    #[arg(long, env = "MOCK_SHUTDOWN_TIMEOUT", value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(0..=MAX_SHUTDOWN_TIMEOUT as i64))]
    pub shutdown_timeout: Option<u32>,
    /// How log lines are written to stderr: text, or json (one object per line)
    #[arg(long, env = "MOCK_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Which log lines are written: a level (off, error, warn, info, debug, trace) or a
    /// tracing filter; without it RUST_LOG is read. Each request is a line at info
    /// (target mock_server::request)
    #[arg(long, env = "MOCK_LOG_LEVEL", value_parser = parse_log_level)]
    #[serde(default, deserialize_with = "de_log_level")]
    pub log_level: Option<LogLevel>,
    /// Keep the mutable state (clock, faults, rate-limit windows, journal, reset epochs) in
    /// Redis or Valkey at redis://HOST:PORT/DB, shared by every replica started with the
    /// same seed; without it the state lives in this process
    #[arg(long, env = "MOCK_STATE_URL", hide_env_values = true, value_parser = parse_state_url)]
    #[serde(default, deserialize_with = "de_state_url")]
    pub state_url: Option<StateUrl>,
    /// TOML file with any of the options above (the command line and environment win)
    #[arg(long, env = "MOCK_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
}

/// Why settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid config file {path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("invalid value in config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{count} startup fault rules given; at most {MAX_RULES} are allowed")]
    TooManyFaults { count: usize },
}

impl Settings {
    /// Resolves command line and environment (already parsed into `cli`), then the
    /// config file it names, over the defaults.
    pub fn resolve(cli: Overrides) -> Result<Settings, SettingsError> {
        let mut settings = Settings::default();
        if let Some(path) = &cli.config {
            let file = read_config_file(path)?;
            settings.apply(file);
        }
        settings.apply(cli);
        if settings.faults.len() > MAX_RULES {
            return Err(SettingsError::TooManyFaults {
                count: settings.faults.len(),
            });
        }
        Ok(settings)
    }

    /// Layers every option that `overrides` sets onto `self`.
    pub fn apply(&mut self, overrides: Overrides) {
        let Overrides {
            host,
            port,
            seed,
            users,
            groups,
            chatrooms,
            messages_per_day,
            devices,
            pushes_per_day,
            jpush_rate_limit,
            jpush_rate_window,
            jpush_msg_id_style,
            jpush_schema,
            journal_size,
            faults,
            timezone,
            clock,
            easemob_timezone,
            easemob_cluster,
            easemob_file_delay,
            easemob_retention,
            easemob_history_quota,
            easemob_ql_retired,
            control_token,
            shutdown_timeout,
            log_format,
            log_level,
            state_url,
            config: _,
        } = overrides;
        set(&mut self.host, host);
        set(&mut self.port, port);
        set(&mut self.seed, seed);
        set(&mut self.dataset.users, users);
        set(&mut self.dataset.groups, groups);
        set(&mut self.dataset.chatrooms, chatrooms);
        set(&mut self.dataset.messages_per_day, messages_per_day);
        set(&mut self.dataset.devices, devices);
        set(&mut self.dataset.pushes_per_day, pushes_per_day);
        set(&mut self.jpush_rate_limit, jpush_rate_limit);
        set(&mut self.jpush_rate_window_secs, jpush_rate_window);
        set(&mut self.jpush_msg_id_style, jpush_msg_id_style);
        set(&mut self.jpush_schema, jpush_schema);
        set(&mut self.journal_size, journal_size.map(|n| n as usize));
        self.faults.extend(faults.into_iter().flat_map(|list| list.0));
        set(&mut self.timezone, timezone);
        if clock.is_some() {
            self.clock = clock;
        }
        let easemob = &mut self.easemob;
        set(&mut easemob.timezone, easemob_cluster.map(|c| c.zone()));
        set(&mut easemob.timezone, easemob_timezone);
        set(&mut easemob.file_delay, easemob_file_delay);
        set(&mut easemob.retention, easemob_retention);
        set(&mut easemob.history_quota, easemob_history_quota);
        set(&mut easemob.ql_retired, easemob_ql_retired);
        if control_token.is_some() {
            self.control_token = control_token;
        }
        set(
            &mut self.shutdown_timeout,
            shutdown_timeout.map(|secs| Duration::from_secs(secs.into())),
        );
        set(&mut self.log_format, log_format);
        if log_level.is_some() {
            self.log_level = log_level;
        }
        if state_url.is_some() {
            self.state_url = state_url;
        }
    }
}

impl Overrides {
    /// The command line, its help showing every default as [`Settings::default`] holds it
    /// (the defaults are the vendors' rules, written once, in the families' `rules.rs`).
    pub fn command() -> clap::Command {
        Settings::default().shown_defaults().into_iter().fold(
            <Overrides as CommandFactory>::command(),
            |command, (id, value)| {
                command.mut_arg(id, |arg| {
                    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                    arg.help(format!("{help} [default: {value}]"))
                })
            },
        )
    }
}

/// What the command line asks for: serve (the flags alone, as always), or print a
/// shell's completion script (`mock-server completions bash|zsh|fish|...`).
#[derive(Debug)]
pub enum Invocation {
    Serve(Box<Overrides>),
    Completions(clap_complete::Shell),
}

impl Invocation {
    /// The whole command line: [`Overrides::command`] and its one subcommand.
    pub fn command() -> clap::Command {
        Overrides::command().subcommand(
            clap::Command::new("completions")
                .about("Print the completion script of a shell, e.g. mock-server completions bash > /etc/bash_completion.d/mock-server")
                .arg(
                    clap::Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
    }

    /// Parses `args` (the first being the program name); `--help` and errors exit.
    pub fn parse_from<I, T>(args: I) -> Result<Invocation, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Invocation::command().try_get_matches_from(args)?;
        if let Some(("completions", sub)) = matches.subcommand() {
            let shell = *sub.get_one::<clap_complete::Shell>("shell").expect("required");
            return Ok(Invocation::Completions(shell));
        }
        Overrides::from_arg_matches(&matches).map(|o| Invocation::Serve(Box::new(o)))
    }

    /// Parses the process's arguments (and environment); `--help` and errors exit.
    pub fn from_command_line() -> Invocation {
        Invocation::parse_from(std::env::args_os()).unwrap_or_else(|err| err.exit())
    }

    /// Writes `shell`'s completion script for `mock-server` to `out`.
    pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
        clap_complete::generate(shell, &mut Invocation::command(), "mock-server", out);
    }
}

impl Settings {
    /// Each option's default, as its help shows it.
    fn shown_defaults(&self) -> Vec<(&'static str, String)> {
        let (dataset, easemob) = (&self.dataset, &self.easemob);
        vec![
            ("host", self.host.to_string()),
            ("port", self.port.to_string()),
            ("seed", self.seed.to_string()),
            ("users", dataset.users.to_string()),
            ("groups", dataset.groups.to_string()),
            ("chatrooms", dataset.chatrooms.to_string()),
            ("messages_per_day", dataset.messages_per_day.to_string()),
            ("devices", dataset.devices.to_string()),
            ("pushes_per_day", dataset.pushes_per_day.to_string()),
            ("jpush_rate_limit", self.jpush_rate_limit.to_string()),
            ("jpush_rate_window", self.jpush_rate_window_secs.to_string()),
            ("jpush_msg_id_style", self.jpush_msg_id_style.name().to_owned()),
            ("jpush_schema", self.jpush_schema.name().to_owned()),
            ("journal_size", self.journal_size.to_string()),
            ("timezone", self.timezone.to_string()),
            ("easemob_timezone", easemob.timezone.to_string()),
            ("easemob_cluster", easemob::rules::Cluster::default().name().to_owned()),
            ("easemob_file_delay", format_span(easemob.file_delay)),
            ("easemob_retention", format_span(easemob.retention)),
            ("easemob_history_quota", easemob.history_quota.to_string()),
            ("easemob_ql_retired", easemob.ql_retired.to_string()),
            ("shutdown_timeout", self.shutdown_timeout.as_secs().to_string()),
            ("log_format", self.log_format.to_string()),
            (
                "log_level",
                self.log_level
                    .as_ref()
                    .map_or_else(|| format!("RUST_LOG, else {DEFAULT_LOG_LEVEL}"), LogLevel::to_string),
            ),
        ]
    }

    pub fn jpush_quota(&self) -> Quota {
        Quota {
            limit: self.jpush_rate_limit,
            window: chrono::TimeDelta::seconds(self.jpush_rate_window_secs.into()),
        }
    }
}

/// One `--fault` value (a rule, or an array of rules), or the config file's `faults`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct FaultList(#[serde(deserialize_with = "de_fault_list")] pub Vec<RuleSpec>);

fn parse_faults(text: &str) -> Result<FaultList, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))?;
    let rules: Vec<RuleSpec> = match value {
        serde_json::Value::Array(_) => serde_json::from_value(value),
        _ => serde_json::from_value(value).map(|rule| vec![rule]),
    }
    .map_err(|err| format!("not a fault rule: {err}"))?;
    check_faults(&rules)?;
    Ok(FaultList(rules))
}

fn de_fault_list<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<RuleSpec>, D::Error> {
    let rule = RuleSpec::deserialize(de)?;
    check_faults(std::slice::from_ref(&rule)).map_err(serde::de::Error::custom)?;
    Ok(vec![rule])
}

fn check_faults(rules: &[RuleSpec]) -> Result<(), String> {
    rules.iter().try_for_each(RuleSpec::check)
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

fn read_config_file(path: &PathBuf) -> Result<Overrides, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.clone(),
        source,
    })?;
    let file: Overrides = toml::from_str(&text).map_err(|source| SettingsError::Parse {
        path: path.clone(),
        source,
    })?;
    // The file skips clap's range checks, so they are repeated here.
    let checks = [
        ("users", file.users, 2, MAX_POPULATION),
        ("groups", file.groups, 1, MAX_POPULATION),
        ("chatrooms", file.chatrooms, 1, MAX_POPULATION),
        ("messages_per_day", file.messages_per_day, 1, MAX_MESSAGES_PER_DAY),
        ("devices", file.devices, 1, MAX_POPULATION),
        ("pushes_per_day", file.pushes_per_day, 1, MAX_PUSHES_PER_DAY),
        ("jpush_rate_limit", file.jpush_rate_limit, 1, u32::MAX),
        ("jpush_rate_window", file.jpush_rate_window, 1, MAX_WINDOW_SECS),
        ("journal_size", file.journal_size, 0, 1_000_000),
        (
            "easemob_history_quota",
            file.easemob_history_quota,
            1,
            MAX_EASEMOB_QUOTA,
        ),
        ("shutdown_timeout", file.shutdown_timeout, 0, MAX_SHUTDOWN_TIMEOUT),
    ];
    for (name, value, min, max) in checks {
        if let Some(value) = value {
            if !(min..=max).contains(&value) {
                return Err(SettingsError::Invalid {
                    path: path.clone(),
                    message: format!("{name} = {value} is outside {min}..={max}"),
                });
            }
        }
    }
    Ok(file)
}

/// Parses a UTC offset such as `+08:00`, `-05:30` or `Z`.
pub fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    if text == "Z" || text.eq_ignore_ascii_case("utc") {
        return Ok(FixedOffset::east_opt(0).expect("zero offset"));
    }
    text.parse::<FixedOffset>()
        .map_err(|_| format!("`{text}` is not a UTC offset such as +08:00 or -05:30"))
}

/// Parses an RFC 3339 instant such as `2026-11-20T12:00:00+08:00`.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|_| format!("`{text}` is not an RFC 3339 instant such as 2026-11-20T12:00:00+08:00"))
}

/// The `--clock` instant: RFC 3339, within the range the mock clock keeps to.
pub fn parse_clock(text: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(text).and_then(check_range)
}

/// Parses `--host`: an IP address, or `localhost` (the IPv4 loopback, which every
/// client's `localhost` reaches, unlike `::1` on hosts without IPv6).
pub fn parse_host(text: &str) -> Result<IpAddr, String> {
    if text.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    text.parse()
        .map_err(|_| format!("`{text}` is not an IP address (such as 127.0.0.1 or 0.0.0.0) nor localhost"))
}

fn parse_log_level(text: &str) -> Result<LogLevel, String> {
    LogLevel::new(text)
}

fn parse_state_url(text: &str) -> Result<StateUrl, String> {
    StateUrl::new(text)
}

fn de_state_url<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<StateUrl>, D::Error> {
    let text = String::deserialize(de)?;
    parse_state_url(&text).map(Some).map_err(serde::de::Error::custom)
}

fn de_host<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<IpAddr>, D::Error> {
    let text = String::deserialize(de)?;
    parse_host(&text).map(Some).map_err(serde::de::Error::custom)
}

fn de_log_level<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<LogLevel>, D::Error> {
    let text = String::deserialize(de)?;
    LogLevel::new(&text).map(Some).map_err(serde::de::Error::custom)
}

/// Parses `--control-token`. A refusal must not echo the value (it may be a real token
/// with a typo), which clap's plain function parsers do; hence a parser of its own.
#[derive(Clone)]
struct TokenParser;

impl clap::builder::TypedValueParser for TokenParser {
    type Value = ControlToken;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<ControlToken, clap::Error> {
        value
            .to_str()
            .ok_or_else(|| "the control token is not UTF-8".to_owned())
            .and_then(ControlToken::new)
            .map_err(|message| {
                clap::Error::raw(
                    clap::error::ErrorKind::ValueValidation,
                    format!("--control-token: {message}\n"),
                )
                .with_cmd(cmd)
            })
    }
}

/// A span as [`parse_span`] reads it, in its largest whole unit: `3d`, `1h`, `90s`.
pub fn format_span(span: TimeDelta) -> String {
    let seconds = span.num_seconds();
    [("d", 86_400), ("h", 3_600), ("m", 60)]
        .into_iter()
        .find(|(_, unit)| seconds != 0 && seconds % unit == 0)
        .map_or_else(
            || format!("{seconds}s"),
            |(suffix, unit)| format!("{}{suffix}", seconds / unit),
        )
}

/// Parses a span such as `90`, `90s`, `30m`, `1h` or `3d` (no suffix: seconds).
pub fn parse_span(text: &str) -> Result<TimeDelta, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let seconds_per_unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    digits
        .parse::<i64>()
        .ok()
        .filter(|_| seconds_per_unit > 0)
        .and_then(|n| n.checked_mul(seconds_per_unit))
        .map(TimeDelta::seconds)
        .filter(|span| *span <= MAX_EASEMOB_SPAN)
        .ok_or_else(|| format!("`{text}` is not a span such as 90s, 30m, 1h or 3d (at most 3650d)"))
}

/// A file delay: any span, zero included.
fn parse_delay(text: &str) -> Result<TimeDelta, String> {
    parse_span(text)
}

/// A retention: a span longer than zero.
fn parse_retention(text: &str) -> Result<TimeDelta, String> {
    let span = parse_span(text)?;
    if span <= TimeDelta::zero() {
        return Err(format!("`{text}`: the retention must be longer than zero"));
    }
    Ok(span)
}

/// A span in the config file: a string such as `"1h"`, or a number of seconds.
#[derive(Deserialize)]
#[serde(untagged)]
enum SpanText {
    Seconds(u64),
    Text(String),
}

fn de_span<'de, D: serde::Deserializer<'de>>(
    de: D,
    parse: fn(&str) -> Result<TimeDelta, String>,
) -> Result<Option<TimeDelta>, D::Error> {
    let text = match SpanText::deserialize(de)? {
        SpanText::Seconds(n) => n.to_string(),
        SpanText::Text(text) => text,
    };
    parse(&text).map(Some).map_err(serde::de::Error::custom)
}

fn de_delay<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<TimeDelta>, D::Error> {
    de_span(de, parse_delay)
}

fn de_retention<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<TimeDelta>, D::Error> {
    de_span(de, parse_retention)
}

fn de_offset<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<FixedOffset>, D::Error> {
    let text = String::deserialize(de)?;
    parse_offset(&text).map(Some).map_err(serde::de::Error::custom)
}

fn de_instant<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text = String::deserialize(de)?;
    parse_clock(&text).map(Some).map_err(serde::de::Error::custom)
}

fn de_token<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<ControlToken>, D::Error> {
    let text = String::deserialize(de)?;
    ControlToken::new(&text).map(Some).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_easemob_cluster_sets_the_hour_key_zone_and_a_zone_given_with_it_wins() {
        let overseas =
            Settings::resolve(Overrides::parse_from(["mock-server", "--easemob-cluster", "overseas"])).unwrap();
        assert_eq!(overseas.easemob.timezone, FixedOffset::east_opt(0).unwrap());
        let domestic =
            Settings::resolve(Overrides::parse_from(["mock-server", "--easemob-cluster", "domestic"])).unwrap();
        assert_eq!(domestic.easemob.timezone, FixedOffset::east_opt(8 * 3600).unwrap());
        let both = Overrides::parse_from([
            "mock-server",
            "--easemob-cluster",
            "overseas",
            "--easemob-timezone",
            "+09:00",
        ]);
        assert_eq!(
            Settings::resolve(both).unwrap().easemob.timezone,
            FixedOffset::east_opt(9 * 3600).unwrap()
        );
        let schema = Overrides::parse_from([
            "mock-server",
            "--jpush-schema",
            "2025",
            "--jpush-msg-id-style",
            "legacy",
        ]);
        let settings = Settings::resolve(schema).unwrap();
        assert_eq!(settings.jpush_schema, jpush::rules::Schema::Today);
        assert_eq!(settings.jpush_msg_id_style, MsgIdStyle::Legacy);
        assert!(Overrides::try_parse_from(["mock-server", "--jpush-schema", "2024"]).is_err());
    }

    #[test]
    fn help_shows_the_defaults_the_rules_hold() {
        let help = Overrides::command().render_long_help().to_string();
        for (flag, default) in [
            ("--jpush-rate-limit", jpush::rules::RATE_LIMIT.to_string()),
            (
                "--easemob-retention",
                format_span(crate::families::easemob::rules::RETENTION),
            ),
            (
                "--easemob-history-quota",
                crate::families::easemob::rules::HISTORY_QUOTA.to_string(),
            ),
            ("--port", "8080".to_owned()),
        ] {
            let (_, after) = help.split_once(flag).unwrap();
            let line = after.lines().nth(1).unwrap();
            assert!(line.ends_with(&format!("[default: {default}]")), "{flag}: {line}");
        }
    }

    #[test]
    fn command_line_wins_over_file_and_file_over_default() {
        let dir = std::env::temp_dir().join(format!("mock-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mock.toml");
        std::fs::write(&path, "port = 9000\nseed = 7\ntimezone = \"+09:00\"\n").unwrap();
        let cli = Overrides::parse_from(["mock-server", "--seed", "11", "--config", path.to_str().unwrap()]);
        let settings = Settings::resolve(cli).unwrap();
        assert_eq!(settings.port, 9000);
        assert_eq!(settings.seed, 11);
        assert_eq!(settings.timezone, FixedOffset::east_opt(9 * 3600).unwrap());
        assert_eq!(settings.dataset.users, Settings::default().dataset.users);
    }

    #[test]
    fn bad_values_are_refused_with_a_message() {
        let err = Overrides::try_parse_from(["mock-server", "--timezone", "Beijing"]).unwrap_err();
        assert!(err.to_string().contains("not a UTC offset"), "{err}");
        let err = Overrides::try_parse_from(["mock-server", "--clock", "yesterday"]).unwrap_err();
        assert!(err.to_string().contains("RFC 3339"), "{err}");
        for far in ["1999-12-31T23:59:59Z", "2100-01-01T00:00:01Z", "9999-12-31T23:59:59Z"] {
            let err = Overrides::try_parse_from(["mock-server", "--clock", far]).unwrap_err();
            assert!(err.to_string().contains("2100-01-01"), "{far}: {err}");
        }
        let err = Overrides::try_parse_from(["mock-server", "--control-token", "has space"]).unwrap_err();
        assert!(err.to_string().contains("visible ASCII"), "{err}");
        assert!(!err.to_string().contains("has space"), "the value is not echoed: {err}");
        let err = Overrides::try_parse_from(["mock-server", "--users", "0"]).unwrap_err();
        assert!(err.to_string().contains("users"), "{err}");
    }

    #[test]
    fn easemob_settings_layer_like_the_others() {
        let dir = std::env::temp_dir().join(format!("mock-settings-easemob-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mock.toml");
        let file = "easemob_file_delay = \"30m\"\neasemob_retention = 86400\neasemob_history_quota = 5\n\
                    easemob_timezone = \"Z\"\neasemob_ql_retired = true\n";
        std::fs::write(&path, file).unwrap();
        let cli = Overrides::parse_from([
            "mock-server",
            "--easemob-history-quota",
            "7",
            "--easemob-ql-retired=false",
            "--config",
            path.to_str().unwrap(),
        ]);
        let easemob = Settings::resolve(cli).unwrap().easemob;
        assert_eq!(easemob.file_delay, TimeDelta::minutes(30));
        assert_eq!(easemob.retention, TimeDelta::days(1));
        assert_eq!(easemob.history_quota, 7, "the command line wins");
        assert_eq!(easemob.timezone, FixedOffset::east_opt(0).unwrap());
        assert!(!easemob.ql_retired, "the command line wins");
        assert_eq!(Settings::default().timezone, Settings::default().easemob.timezone);
    }

    #[test]
    fn easemob_spans_and_flags_parse() {
        assert_eq!(parse_span("90"), Ok(TimeDelta::seconds(90)));
        assert_eq!(parse_span("0s"), Ok(TimeDelta::zero()));
        assert_eq!(parse_span("2h"), Ok(TimeDelta::hours(2)));
        assert_eq!(parse_span("3d"), Ok(TimeDelta::days(3)));
        for span in ["3d", "1h", "30m", "90s", "0s"] {
            assert_eq!(format_span(parse_span(span).unwrap()), span);
        }
        for bad in ["", "h", "-1h", "1.5h", "1w", "3651d", "99999999999999999999"] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
        let flag = Overrides::parse_from(["mock-server", "--easemob-ql-retired"]);
        assert_eq!(flag.easemob_ql_retired, Some(true));
        let err = Overrides::try_parse_from(["mock-server", "--easemob-retention", "0"]).unwrap_err();
        assert!(err.to_string().contains("longer than zero"), "{err}");
        let err = Overrides::try_parse_from(["mock-server", "--easemob-history-quota", "0"]).unwrap_err();
        assert!(err.to_string().contains("easemob-history-quota"), "{err}");
    }

    #[test]
    fn shutdown_timeout_parses_layers_and_is_bounded() {
        assert_eq!(Settings::default().shutdown_timeout, Duration::from_secs(10));
        let flag = Overrides::parse_from(["mock-server", "--shutdown-timeout", "0"]);
        assert_eq!(flag.shutdown_timeout, Some(0), "0 drops connections at once");
        for bad in ["-1", "2s", "3601", "soon"] {
            let arg = format!("--shutdown-timeout={bad}");
            let err = Overrides::try_parse_from(["mock-server", arg.as_str()]).unwrap_err();
            assert!(err.to_string().contains("shutdown-timeout"), "{bad}: {err}");
        }
        let dir = std::env::temp_dir().join(format!("mock-settings-shutdown-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mock.toml");
        std::fs::write(&path, "shutdown_timeout = 3\n").unwrap();
        let from_file = Overrides::parse_from(["mock-server", "--config", path.to_str().unwrap()]);
        assert_eq!(
            Settings::resolve(from_file).unwrap().shutdown_timeout,
            Duration::from_secs(3)
        );
        let cli = Overrides::parse_from([
            "mock-server",
            "--shutdown-timeout",
            "5",
            "--config",
            path.to_str().unwrap(),
        ]);
        assert_eq!(Settings::resolve(cli).unwrap().shutdown_timeout, Duration::from_secs(5));
        std::fs::write(&path, "shutdown_timeout = 4000\n").unwrap();
        assert!(matches!(read_config_file(&path), Err(SettingsError::Invalid { .. })));
    }

    #[test]
    fn unknown_and_out_of_range_file_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("mock-settings-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let unknown = dir.join("unknown.toml");
        std::fs::write(&unknown, "prot = 1\n").unwrap();
        assert!(matches!(read_config_file(&unknown), Err(SettingsError::Parse { .. })));
        let range = dir.join("range.toml");
        std::fs::write(&range, "users = 0\n").unwrap();
        assert!(matches!(read_config_file(&range), Err(SettingsError::Invalid { .. })));
    }

    #[test]
    fn the_control_token_matches_itself_only_and_never_shows() {
        let token = ControlToken::new("s3cret-token").unwrap();
        assert!(token.matches(b"s3cret-token"));
        for other in [&b""[..], b"s3cret-toke", b"s3cret-tokenn", b"S3cret-token"] {
            assert!(!token.matches(other));
        }
        let settings = Settings {
            control_token: Some(token),
            ..Settings::default()
        };
        assert!(!format!("{settings:?}").contains("s3cret"));
        let cli = Overrides::parse_from(["mock-server", "--control-token", "s3cret-token"]);
        assert!(Settings::resolve(cli).unwrap().control_token.is_some());
        let dir = std::env::temp_dir().join(format!("mock-settings-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (good, bad) = (dir.join("good.toml"), dir.join("bad.toml"));
        std::fs::write(&good, "control_token = \"from-file\"\n").unwrap();
        std::fs::write(&bad, "control_token = \"\"\n").unwrap();
        let file = read_config_file(&good).unwrap().control_token.unwrap();
        assert!(file.matches(b"from-file"));
        assert!(matches!(read_config_file(&bad), Err(SettingsError::Parse { .. })));
    }

    #[test]
    fn localhost_log_format_and_log_level_parse_and_layer() {
        let cli = Overrides::parse_from(["mock-server", "--host", "localhost", "--log-format", "json"]);
        let settings = Settings::resolve(cli).unwrap();
        assert_eq!(settings.host, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(settings.log_format, LogFormat::Json);
        assert_eq!(settings.log_level, None, "RUST_LOG, else info");
        let cli = Overrides::parse_from(["mock-server", "--log-level", "warn,mock_server::request=info"]);
        let level = Settings::resolve(cli).unwrap().log_level.unwrap();
        assert_eq!(level.as_str(), "warn,mock_server::request=info");
        for bad in ["loud", "mock_server=loud", ""] {
            let err = Overrides::try_parse_from(["mock-server", "--log-level", bad]).unwrap_err();
            assert!(err.to_string().contains("log-level"), "{bad}: {err}");
        }
        let err = Overrides::try_parse_from(["mock-server", "--host", "example.com"]).unwrap_err();
        assert!(err.to_string().contains("localhost"), "{err}");
        let err = Overrides::try_parse_from(["mock-server", "--log-format", "xml"]).unwrap_err();
        assert!(err.to_string().contains("json"), "{err}");
        let dir = std::env::temp_dir().join(format!("mock-settings-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mock.toml");
        std::fs::write(
            &path,
            "host = \"localhost\"\nlog_format = \"json\"\nlog_level = \"debug\"\n",
        )
        .unwrap();
        let file = read_config_file(&path).unwrap();
        assert_eq!(file.host, Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(file.log_format, Some(LogFormat::Json));
        assert_eq!(file.log_level.unwrap().as_str(), "debug");
        std::fs::write(&path, "log_level = \"loud\"\n").unwrap();
        assert!(read_config_file(&path).is_err());
    }

    #[test]
    fn the_completions_subcommand_leaves_the_flags_as_they_were() {
        match Invocation::parse_from(["mock-server", "--port", "0", "--seed", "7"]).unwrap() {
            Invocation::Serve(o) => assert_eq!((o.port, o.seed), (Some(0), Some(7))),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Invocation::parse_from(["mock-server"]).unwrap(),
            Invocation::Serve(_)
        ));
        assert!(matches!(
            Invocation::parse_from(["mock-server", "completions", "zsh"]).unwrap(),
            Invocation::Completions(clap_complete::Shell::Zsh)
        ));
        assert!(Invocation::parse_from(["mock-server", "completions", "tcsh"]).is_err());
        let mut script = Vec::new();
        Invocation::write_completions(clap_complete::Shell::Bash, &mut script);
        let script = String::from_utf8(script).unwrap();
        assert!(
            script.contains("--journal-size") && script.contains("completions"),
            "{script}"
        );
    }

    #[test]
    fn too_many_startup_faults_are_refused() {
        let rule = r#"{"effect":{"status":500}}"#;
        let many: Vec<String> = (0..=MAX_RULES).map(|_| rule.to_owned()).collect();
        let mut args = vec!["mock-server".to_owned()];
        args.extend(many.into_iter().flat_map(|r| ["--fault".to_owned(), r]));
        let cli = Overrides::parse_from(args);
        assert!(matches!(
            Settings::resolve(cli),
            Err(SettingsError::TooManyFaults { count }) if count == MAX_RULES + 1
        ));
    }
}
