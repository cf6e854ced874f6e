//! The command line: `run`, `record`, `compare`, `list`, `fidelity` and `health`, their
//! options, and the glue from options to a target, a run, reports and an exit code.
//!
//! Exit codes: 0 when every selected scenario passed (skips allowed), 1 when any failed
//! (or, for `compare`, differed from its recording; for `health`, the mock is not
//! healthy), 2 for usage and setup errors.

use std::{
    ffi::OsString,
    io::Write,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, FixedOffset, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{
    compare::{self, Compared, Comparison},
    embedded, fidelity,
    http::{Exchange, Http},
    record,
    redact::Redactor,
    report::{
        self,
        console::{Buffer, Console},
        Totals,
    },
    result::ScenarioResult,
    runner::{self, Finisher, RunOptions},
    scenario::{self, Family, Scenario},
    schema::Schemas,
    target::{Env, MockOptions, RealOptions, SkipOptions, Target, CONTROL_TOKEN_ENV},
};

/// Where the in-process mock's clock is frozen unless `--clock` says otherwise: a fixed
/// instant makes every run see the same data.
pub const DEFAULT_MOCK_CLOCK: &str = "2026-11-20T12:00:00+08:00";
/// The zone of every wall-clock time the scenarios compute, unless `--timezone` says
/// otherwise: the vendors' (China Standard Time).
pub const DEFAULT_TIMEZONE: &str = "+08:00";

#[derive(Debug, Parser)]
#[command(
    name = "conformance",
    version,
    about = "Runs scripted scenarios against the mock or the real JPush / JMessage / Easemob hosts.",
    long_about = "Runs scripted scenarios (scenarios/*.toml) against the mock or the real JPush / JMessage / \
        Easemob hosts, records real responses, and compares the mock against the recordings.\n\n\
        Real credentials come from environment variables: CONFORMANCE_VIP_APP_KEY, \
        CONFORMANCE_VIP_MASTER_SECRET, CONFORMANCE_PLAIN_APP_KEY, CONFORMANCE_PLAIN_MASTER_SECRET, \
        CONFORMANCE_EASEMOB_{ORG_NAME,APP_NAME,CLIENT_ID,CLIENT_SECRET}; sample ids from \
        CONFORMANCE_{VIP,PLAIN,EASEMOB}_{USERNAMES,GROUP_IDS,CHATROOM_IDS} and \
        CONFORMANCE_{VIP,PLAIN}_{MSG_IDS,REGISTRATION_IDS} (comma-separated); base \
        URLs from CONFORMANCE_{JMESSAGE,JPUSH,EASEMOB}_BASE_URL. See the README, \"Conformance\"."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenarios and report.
    Run(RunArgs),
    /// Run scenarios against the real hosts and store their responses as recordings.
    Record(RecordArgs),
    /// Run scenarios on the mock and report every difference from the recordings.
    Compare(CompareArgs),
    /// Check every scenario file and list the scenarios.
    List(SelectArgs),
    /// Write the fidelity table (docs/FIDELITY.md): each endpoint and rule, its source,
    /// scenarios, client calls and recordings
    Fidelity(FidelityArgs),
    /// Exit 0 when the mock answers `GET /_mock/health` with 200 (a container health check).
    Health(HealthArgs),
}

#[derive(Debug, Args)]
struct FidelityArgs {
    /// Where to write it [default: docs/FIDELITY.md]
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write nothing; fail (exit 1) when the file differs from what would be written
    #[arg(long)]
    check: bool,
}

#[derive(Debug, Args)]
struct HealthArgs {
    /// The mock [default: http://127.0.0.1:$MOCK_PORT, or the MOCK_HOST it binds when that is
    /// one address; port 8080 when MOCK_PORT is unset]
    #[arg(long)]
    base_url: Option<String>,
    /// Seconds to wait for the answer
    #[arg(long, default_value_t = 5)]
    timeout: u64,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    reports: ReportArgs,
}

#[derive(Debug, Args)]
struct RecordArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Directory of the recordings [default: fixtures/recorded]
    #[arg(long)]
    recordings: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct CompareArgs {
    #[command(flatten)]
    record: RecordArgs,
    /// Compare the scenarios that have a recording and let the others pass (without it,
    /// a selected scenario without a recording fails)
    #[arg(long)]
    allow_missing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TargetKind {
    /// The mock: in-process (one per scenario), or the one at --base-url
    Mock,
    /// The vendors' hosts, with credentials from CONFORMANCE_* variables
    Real,
}

#[derive(Debug, Args)]
struct TargetArgs {
    /// Where the scenarios run
    #[arg(long, value_enum, default_value = "mock")]
    target: TargetKind,
    /// A running mock to use instead of in-process ones (mock target only)
    #[arg(long)]
    base_url: Option<String>,
    /// Mock: freeze the in-process mocks' clock here [default: 2026-11-20T12:00:00+08:00].
    /// Real: compute relative times from this instant (plus waits) instead of the local clock
    #[arg(long, value_parser = parse_instant)]
    clock: Option<DateTime<FixedOffset>>,
    /// Zone of every wall-clock time the scenarios compute
    #[arg(long, default_value = DEFAULT_TIMEZONE, value_parser = parse_offset)]
    timezone: FixedOffset,
    /// Real target: milliseconds between two requests to one host
    /// (the Easemob calls its quota counts are spaced 6.5 s apart: 10 a minute)
    #[arg(long, default_value_t = 300)]
    delay_ms: u64,
    /// Scenarios run at once on in-process mocks (the real target runs one at a time)
    #[arg(long, default_value_t = 8)]
    jobs: usize,
}

#[derive(Debug, Clone, Args)]
struct SelectArgs {
    /// Directory of the scenario files (and their schemas/) [default: the scenarios built into
    /// this binary]
    #[arg(long)]
    scenarios: Option<PathBuf>,
    /// Only these scenarios (repeatable; a trailing `*` matches a prefix)
    #[arg(long = "only", value_name = "NAME")]
    only: Vec<String>,
    /// Only scenarios with one of these tags (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Real target: skip scenarios that wait (e.g. 121 s for a cursor to expire)
    #[arg(long)]
    skip_slow: bool,
    /// Real target: also run scenarios tagged needs-data (your account has the data)
    #[arg(long)]
    include_needs_data: bool,
    /// --base-url: skip the scenarios that empty the mock's journal (DELETE /_mock/journal,
    /// POST /_mock/reset), which no control call can fill again
    #[arg(long)]
    keep_journal: bool,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Write a JUnit XML report here
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a JSON report here
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

/// What the run is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Run,
    Record,
    Compare { allow_missing: bool },
}

/// The command line run with `args` after the program name, its output captured: the
/// exit code and everything it printed (for tests and tools that drive it in-process).
pub async fn main_captured(args: &[&str], env: &Env) -> (i32, String) {
    let buffer = Buffer::default();
    let argv = std::iter::once("conformance").chain(args.iter().copied());
    let code = main_with(argv, env, Box::new(buffer.clone())).await;
    (code, buffer.text())
}

/// The whole program: parses `args`, runs, prints to `out`; returns the exit code.
pub async fn main_with<I, T>(args: I, env: &Env, out: Box<dyn Write + Send>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    main_with_progress(args, env, out, None).await
}

/// [`main_with`], with progress lines (long waits on real hosts) sent to `progress` when
/// given: the binary sends them to stderr.
pub async fn main_with_progress<I, T>(
    args: I,
    env: &Env,
    out: Box<dyn Write + Send>,
    progress: Option<Box<dyn Write + Send>>,
) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let redactor = Arc::new(Redactor::new());
    let console = Console::new(out, redactor.clone());
    let console = Arc::new(match progress {
        Some(progress) => console.with_progress(progress),
        None => console,
    });
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            console.line(err.render().to_string().trim_end());
            return if err.use_stderr() { 2 } else { 0 };
        }
    };
    let outcome = match cli.command {
        Command::List(select) => list(&select, &console),
        Command::Fidelity(args) => fidelity(&args, &console),
        Command::Health(args) => Ok(health(&args, env, &console).await),
        Command::Run(run) => execute(Purpose::Run, run, None, env, redactor, &console).await,
        Command::Record(args) => execute(Purpose::Record, args.run, args.recordings, env, redactor, &console).await,
        Command::Compare(args) => {
            let purpose = Purpose::Compare {
                allow_missing: args.allow_missing,
            };
            execute(
                purpose,
                args.record.run,
                args.record.recordings,
                env,
                redactor,
                &console,
            )
            .await
        }
    };
    outcome.unwrap_or_else(|message| {
        console.line(&format!("error: {message}"));
        2
    })
}

fn list(select: &SelectArgs, console: &Console) -> Result<i32, String> {
    let (scenarios, _) = load(select)?;
    for s in &scenarios {
        console.line(&format!(
            "{:<44} {:<9} [{}] {}",
            s.name,
            s.family,
            s.tags.join(", "),
            s.description
        ));
    }
    console.line(&format!("{} scenarios", scenarios.len()));
    Ok(0)
}

fn fidelity(args: &FidelityArgs, console: &Console) -> Result<i32, String> {
    let root = repo_root();
    let path = args.output.clone().unwrap_or_else(|| root.join(fidelity::TABLE));
    let table = fidelity::render(&root)?;
    if args.check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == table {
            console.line(&format!("{} is up to date", path.display()));
            return Ok(0);
        }
        console.line(&format!(
            "{} is stale: run `cargo run -p conformance -- fidelity`",
            path.display()
        ));
        return Ok(1);
    }
    std::fs::write(&path, &table).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    console.line(&format!("wrote {}", path.display()));
    Ok(0)
}

/// 0 when the mock answers its health check with 200, else 1; says which.
async fn health(args: &HealthArgs, env: &Env, console: &Console) -> i32 {
    let base = args
        .base_url
        .clone()
        .unwrap_or_else(|| default_health_base(env))
        .trim_end_matches('/')
        .to_owned();
    let url = format!("{base}/_mock/health");
    match probe(&url, Duration::from_secs(args.timeout)).await {
        Ok(exchange) if exchange.status == 200 => {
            console.line(&format!("healthy: GET {url} answered {}", exchange.excerpt()));
            0
        }
        Ok(exchange) => {
            console.line(&format!("unhealthy: GET {url} answered {}", exchange.excerpt()));
            1
        }
        Err(why) => {
            console.line(&format!("unhealthy: GET {url}: {why}"));
            1
        }
    }
}

/// `GET url`, answered within `timeout`.
async fn probe(url: &str, timeout: Duration) -> Result<Exchange, String> {
    let http = Http::new(None)?;
    let call = http.send_json(Family::Control, "GET", url, None);
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
}

/// The mock a health check asks without `--base-url`: the one this environment's
/// `MOCK_HOST` and `MOCK_PORT` configure (in the container image, the mock beside it),
/// through loopback when it binds every address.
fn default_health_base(env: &Env) -> String {
    let port = env.get("MOCK_PORT").map_or("8080", str::trim);
    let host = match env.get("MOCK_HOST").map(str::trim) {
        None | Some("0.0.0.0") => "127.0.0.1".to_owned(),
        Some("::") | Some("[::]") => "[::1]".to_owned(),
        Some(host) if host.contains(':') && !host.starts_with('[') => format!("[{host}]"),
        Some(host) => host.to_owned(),
    };
    format!("http://{host}:{port}")
}

/// The shared mock's base URL, when the run goes against one.
fn shared_mock(args: &TargetArgs) -> Option<&str> {
    match args.target {
        TargetKind::Mock => args.base_url.as_deref(),
        TargetKind::Real => None,
    }
}

/// On a shared mock, the scenarios that will empty its journal, said before they run.
fn announce_journal_clearing(args: &RunArgs, scenarios: &[Scenario], console: &Console) -> Vec<String> {
    let Some(base) = shared_mock(&args.target) else {
        return Vec::new();
    };
    if args.select.keep_journal {
        return Vec::new();
    }
    let clearing: Vec<String> = scenarios
        .iter()
        .filter(|s| s.clears_journal())
        .map(|s| s.name.clone())
        .collect();
    if !clearing.is_empty() {
        console.line(&format!(
            "note: {} empty the journal of the mock at {base}: the entries it holds now will \
             be gone (--keep-journal skips them)",
            clearing.join(", ")
        ));
    }
    clearing
}

async fn execute(
    purpose: Purpose,
    args: RunArgs,
    recordings: Option<PathBuf>,
    env: &Env,
    redactor: Arc<Redactor>,
    console: &Arc<Console>,
) -> Result<i32, String> {
    match (purpose, args.target.target) {
        (Purpose::Record, TargetKind::Mock) => {
            return Err("record stores real responses: use `record --target real`".into());
        }
        (Purpose::Compare { .. }, TargetKind::Real) => {
            return Err("compare holds the mock against the recordings: use `--target mock`".into());
        }
        _ => {}
    }
    let (scenarios, schemas) = load(&args.select)?;
    let recordings = recordings.unwrap_or_else(|| repo_root().join("fixtures/recorded"));
    let comparisons: Arc<Mutex<Vec<(String, Compared)>>> = Arc::default();
    let finish = match purpose {
        Purpose::Compare { allow_missing } => Some(comparer(
            &recordings,
            &scenarios,
            &schemas,
            allow_missing,
            &comparisons,
        )?),
        _ => None,
    };
    let schemas = Arc::new(schemas);
    let target = Arc::new(open_target(&args.target, env, redactor.clone()).await?);
    console.line(&format!(
        "running {} scenario(s) against {}",
        scenarios.len(),
        target.describe()
    ));
    let clearing = announce_journal_clearing(&args, &scenarios, console);
    let options = RunOptions {
        jobs: args.target.jobs,
        skip: SkipOptions {
            skip_slow: args.select.skip_slow,
            include_needs_data: args.select.include_needs_data,
            keep_journal: args.select.keep_journal,
        },
        collect: purpose != Purpose::Run,
        finish,
    };
    let started = Instant::now();
    let results = runner::run_all(target.clone(), scenarios, schemas, options, console.clone()).await;
    let elapsed = started.elapsed();
    match purpose {
        Purpose::Run => {}
        Purpose::Record => {
            let today = Utc::now().with_timezone(&args.target.timezone).date_naive().to_string();
            let written = record::write_recordings(&recordings, &results, &today, &redactor)?;
            let count = written.len();
            console.line(&format!("\nrecorded {count} scenario(s) into {}", recordings.display()));
        }
        Purpose::Compare { .. } => {
            let comparisons = std::mem::take(&mut *comparisons.lock().unwrap_or_else(|p| p.into_inner()));
            report_comparison(&recordings, &comparisons, console);
        }
    }
    write_reports(&args.reports, &results, target.name(), elapsed, &redactor)?;
    let against = if target.is_real() { "the real hosts" } else { "the mock" };
    console.summary(&results, against, elapsed);
    if let (Some(base), false) = (shared_mock(&args.target), clearing.is_empty()) {
        console.line(&format!(
            "the journal of the mock at {base} was emptied by {}: it holds only what came after",
            clearing.join(", ")
        ));
    }
    Ok(if Totals::of(&results).failed == 0 { 0 } else { 1 })
}

/// The finisher of `compare`: each result held against its recording. Refuses a
/// recordings directory that does not exist or holds no recording at all, so that a typo
/// or a missing checkout cannot pass as "no differences".
fn comparer(
    recordings: &Path,
    scenarios: &[Scenario],
    schemas: &Schemas,
    allow_missing: bool,
    comparisons: &Arc<Mutex<Vec<(String, Compared)>>>,
) -> Result<Finisher, String> {
    if !recordings.is_dir() {
        return Err(format!("no recordings directory {}", recordings.display()));
    }
    let recorded = scenarios
        .iter()
        .filter(|s| record::recording_path(recordings, &s.name).is_file())
        .count();
    if recorded == 0 {
        return Err(format!(
            "none of the {} selected scenario(s) has a recording in {} (see README, \"Refreshing the recordings\")",
            scenarios.len(),
            recordings.display()
        ));
    }
    let leniencies = compare::leniencies(scenarios, schemas);
    let (dir, comparisons) = (recordings.to_path_buf(), comparisons.clone());
    Ok(Arc::new(move |result: &mut ScenarioResult| {
        let lenient = leniencies.get(&result.name).cloned().unwrap_or_default();
        let compared = compare::compare_result(&dir, result, &lenient, allow_missing);
        comparisons
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((result.name.clone(), compared));
    }) as Finisher)
}

/// The comparison's summary: how many were compared, differ, were accepted and are
/// missing; each difference, accepted difference and note.
fn report_comparison(recordings: &Path, comparisons: &[(String, Compared)], console: &Console) {
    let mut compared: Vec<(&String, &Comparison)> = comparisons
        .iter()
        .filter_map(|(name, c)| match c {
            Compared::Compared(comparison) => Some((name, comparison)),
            _ => None,
        })
        .collect();
    compared.sort_by_key(|(name, _)| name.as_str());
    let differing: Vec<_> = compared.iter().filter(|(_, c)| !c.differences.is_empty()).collect();
    let accepted: usize = compared.iter().map(|(_, c)| c.accepted.len()).sum();
    let mut unrecorded: Vec<&str> = comparisons
        .iter()
        .filter(|(_, c)| *c == Compared::Unrecorded)
        .map(|(name, _)| name.as_str())
        .collect();
    unrecorded.sort();
    console.line(&format!(
        "\ncompared {} scenario(s) with their recordings in {}: {} differ, {accepted} accepted difference(s), {} missing",
        compared.len(),
        recordings.display(),
        differing.len(),
        unrecorded.len()
    ));
    for (name, comparison) in &compared {
        let lines = comparison_lines(comparison);
        if !lines.is_empty() {
            console.line(&format!("  {name}:"));
            for line in lines {
                console.line(&line);
            }
        }
    }
    if !unrecorded.is_empty() {
        console.line(&format!(
            "{} scenario(s) have no recording (see README, \"Refreshing the recordings\"): {}",
            unrecorded.len(),
            unrecorded.join(", ")
        ));
    }
}

/// A compared scenario's differences, accepted differences (with reasons) and notes.
fn comparison_lines(comparison: &Comparison) -> Vec<String> {
    let differences = comparison.differences.iter().map(|d| format!("    - {}", d.message));
    let accepted = comparison
        .accepted
        .iter()
        .map(|(d, why)| format!("    accepted: {} ({why})", d.message));
    let notes = comparison.notes.iter().map(|note| format!("    note: {note}"));
    differences.chain(accepted).chain(notes).collect()
}

fn write_reports(
    reports: &ReportArgs,
    results: &[ScenarioResult],
    target: &str,
    elapsed: Duration,
    redactor: &Redactor,
) -> Result<(), String> {
    if let Some(path) = &reports.junit {
        report::write_file(
            path,
            &report::junit::render(results, target, elapsed, redactor),
            redactor,
        )?;
    }
    if let Some(path) = &reports.json {
        report::write_file(
            path,
            &report::json::render(results, target, elapsed, redactor),
            redactor,
        )?;
    }
    Ok(())
}

async fn open_target(args: &TargetArgs, env: &Env, redactor: Arc<Redactor>) -> Result<Target, String> {
    match args.target {
        TargetKind::Mock => {
            let options = MockOptions {
                base_url: args.base_url.clone(),
                clock: args.clock.unwrap_or_else(default_mock_clock),
                timezone: args.timezone,
                control_token: env.get(CONTROL_TOKEN_ENV).map(str::to_owned),
            };
            Target::mock(options, redactor).await
        }
        TargetKind::Real => {
            if args.base_url.is_some() {
                return Err("--base-url is for a running mock; real base URLs come from CONFORMANCE_*_BASE_URL".into());
            }
            let options = RealOptions {
                clock: args.clock,
                timezone: args.timezone,
                delay: Duration::from_millis(args.delay_ms),
            };
            Target::real(env, options, redactor)
        }
    }
}

/// What `run` goes against without target options: in-process mocks, their clock frozen
/// at [`DEFAULT_MOCK_CLOCK`], times in [`DEFAULT_TIMEZONE`].
pub fn default_mock_options() -> MockOptions {
    MockOptions {
        base_url: None,
        clock: default_mock_clock(),
        timezone: parse_offset(DEFAULT_TIMEZONE).expect("the default zone is valid"),
        control_token: None,
    }
}

fn default_mock_clock() -> DateTime<FixedOffset> {
    parse_instant(DEFAULT_MOCK_CLOCK).expect("the default clock is valid")
}

/// Where `fixtures/recorded` is looked for: the working directory when it holds
/// `scenarios/` (a checkout), else the checkout this binary was built from.
fn repo_root() -> PathBuf {
    if Path::new("scenarios").is_dir() {
        PathBuf::from(".")
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }
}

/// The selected scenarios, every file checked, and the schemas they use: those of
/// `--scenarios DIR`, else those built into the binary.
fn load(select: &SelectArgs) -> Result<(Vec<Scenario>, Schemas), String> {
    let (loaded, source) = match &select.scenarios {
        Some(dir) => (scenario::load_dir(dir), dir.display().to_string()),
        None => (embedded::load(), embedded::LABEL.to_owned()),
    };
    let (scenarios, schemas) = loaded.map_err(|e| e.to_string())?;
    let selected: Vec<Scenario> = scenarios
        .into_iter()
        .filter(|s| select.only.is_empty() || select.only.iter().any(|pattern| name_matches(pattern, &s.name)))
        .filter(|s| select.tags.is_empty() || select.tags.iter().any(|tag| s.has_tag(tag)))
        .collect();
    if selected.is_empty() {
        return Err(format!("no scenario in {source} matches the selection"));
    }
    Ok((selected, schemas))
}

fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

fn parse_instant(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("`{text}` is not an RFC 3339 instant such as {DEFAULT_MOCK_CLOCK}"))
}

fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    text.parse::<FixedOffset>()
        .map_err(|_| format!("`{text}` is not a UTC offset such as +08:00"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_exactly_or_by_prefix() {
        assert!(name_matches("jm-cursor-*", "jm-cursor-expiry"));
        assert!(name_matches("jm-cursor-expiry", "jm-cursor-expiry"));
        assert!(!name_matches("jm-cursor", "jm-cursor-expiry"));
    }

    #[test]
    fn the_default_mock_options_are_those_of_a_bare_run() {
        let cli = Cli::try_parse_from(["conformance", "run"]).unwrap();
        let Command::Run(run) = cli.command else { panic!("run") };
        let defaults = default_mock_options();
        assert_eq!(
            (run.target.target, run.target.base_url, run.target.clock),
            (TargetKind::Mock, None, None)
        );
        assert_eq!(run.target.timezone, defaults.timezone);
        assert_eq!(defaults.clock.to_rfc3339(), DEFAULT_MOCK_CLOCK);
    }

    #[test]
    fn a_health_check_asks_the_mock_its_environment_configures() {
        let base = |pairs: &[(&str, &str)]| default_health_base(&Env::from_pairs(pairs.iter().copied()));
        assert_eq!(base(&[]), "http://127.0.0.1:8080");
        assert_eq!(
            base(&[("MOCK_HOST", "0.0.0.0"), ("MOCK_PORT", "9000")]),
            "http://127.0.0.1:9000"
        );
        assert_eq!(base(&[("MOCK_HOST", "::")]), "http://[::1]:8080");
        assert_eq!(base(&[("MOCK_HOST", "10.1.2.3")]), "http://10.1.2.3:8080");
        assert_eq!(base(&[("MOCK_HOST", "fd00::1")]), "http://[fd00::1]:8080");
    }

    #[test]
    fn the_command_line_parses() {
        let cli = Cli::try_parse_from([
            "conformance",
            "run",
            "--target",
            "real",
            "--skip-slow",
            "--junit",
            "j.xml",
            "--only",
            "a",
            "--only",
            "b*",
        ])
        .unwrap();
        let Command::Run(run) = cli.command else { panic!("run") };
        assert_eq!(run.target.target, TargetKind::Real);
        assert!(run.select.skip_slow);
        assert_eq!(run.select.only, ["a", "b*"]);
        assert!(Cli::try_parse_from(["conformance", "run", "--target", "staging"]).is_err());
        assert!(Cli::try_parse_from(["conformance", "run", "--clock", "yesterday"]).is_err());
    }
}
