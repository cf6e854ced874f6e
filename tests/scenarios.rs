//! Every scenario of the repository passes against the mock: one test per file in
//! `scenarios/`, named after it, so that `cargo test -- jmessage-v2-seven-day-range` runs
//! that scenario alone and a failure names the scenario that failed.
//!
//! Each scenario runs as `conformance run` runs it: its own in-process mock, the default
//! clock and zone. A failure shows what the run's console would: the step, the failed
//! check, the request and the response, redacted.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use conformance::{
    cli::default_mock_options,
    redact::Redactor,
    report::console::{Buffer, Console},
    result::Observer,
    runner,
    scenario::load_file,
    schema::Schemas,
    target::Target,
};
use libtest_mimic::{Arguments, Failed, Trial};
use tokio::runtime::Runtime;

/// Scenarios run at once unless `--test-threads` says otherwise: as many as
/// `conformance run --jobs` does by default (they mostly wait on their mocks).
const JOBS: usize = 8;

/// What every scenario's test shares: one runtime, the target and the schemas.
struct Shared {
    runtime: Runtime,
    target: Target,
    schemas: Schemas,
    redactor: Arc<Redactor>,
}

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = args.test_threads.or(Some(JOBS));
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repository");
    let dir = repository.join("scenarios");
    let files = scenario_files(&dir);
    assert!(
        files.len() >= 40,
        "the repository holds the scenarios ({})",
        files.len()
    );
    let shared = Arc::new(shared(&dir));
    let trials = files.into_iter().map(|file| trial(file, shared.clone())).collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Every `*.toml` file of `dir`, sorted.
fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn shared(dir: &Path) -> Shared {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let redactor = Arc::new(Redactor::new());
    let target = runtime
        .block_on(Target::mock(default_mock_options(), redactor.clone()))
        .expect("the in-process mock target opens");
    let schemas = Schemas::load_dir(&dir.join("schemas")).expect("the schemas load");
    Shared {
        runtime,
        target,
        schemas,
        redactor,
    }
}

/// The test of one scenario file, named after the file.
fn trial(file: PathBuf, shared: Arc<Shared>) -> Trial {
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    Trial::test(name, move || run(&file, &shared))
}

/// Loads and runs one scenario; a failure reads as the console's line for it.
fn run(file: &Path, shared: &Shared) -> Result<(), Failed> {
    let scenario = load_file(file, &shared.schemas).map_err(|why| format!("{}: {why}", file.display()))?;
    let buffer = Buffer::default();
    let console = Console::new(Box::new(buffer.clone()), shared.redactor.clone());
    let result = shared.runtime.block_on(runner::run_one(
        &shared.target,
        &scenario,
        &shared.schemas,
        false,
        &console,
    ));
    if result.passed() {
        Ok(())
    } else {
        console.finished(&result);
        Err(buffer.text().into())
    }
}
