//! The OpenAPI document held against a live mock (docs/SPEC.md R7.13): PyPI
//! `schemathesis` generates requests for every operation of the document the mock serves
//! at `/_mock/openapi.json` and checks each answer — no server error, no undocumented
//! status or content type, no body that breaks its schema — and `openapi-spec-validator`
//! validates the document itself. Both are installed at the versions pinned in
//! `tests/schemathesis/requirements.txt` into a virtual environment under
//! `target/tmp/schemathesis/` (kept between runs); a failed install fails the test with
//! its reason.
//!
//! The mock runs in-process on port 0 with a control token. The vendor operations are
//! run first, with a VIP app's Basic auth and an Easemob token (the credentials travel in
//! the environment, `tests/schemathesis/schemathesis.toml` names them), then the control
//! API's: its fault rules only ever touch vendor requests, so what the control run arms
//! cannot fail the vendor run. Examples per operation are bounded, and so is each run.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD, Engine};
use e2e::{
    scratch::{install_once, pip_install, repo},
    Mock, Role,
};
use mock_server::{app::openapi, settings::ControlToken};
use serde_json::{json, Value};

const CONTROL_TOKEN: &str = "schemathesis-control-token";
/// Test cases per operation and phase.
const MAX_EXAMPLES: &str = "10";
/// The longest a run may take before it is stopped and the test fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

static TOOLS: Mutex<Option<Result<PathBuf, String>>> = Mutex::new(None);

/// The virtual environment's `bin` folder, with the pinned tools installed.
fn tools() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schemathesis");
    let dir = install_once(&TOOLS, "tests/schemathesis/requirements.txt", &root, |dir| {
        pip_install("tests/schemathesis/requirements.txt", dir)
    });
    dir.join("venv/bin")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_and_the_document_is_valid() {
    let bin = tokio::task::spawn_blocking(tools).await.unwrap();
    let mock = Mock::start_with(|s| s.control_token = Some(ControlToken::new(CONTROL_TOKEN).unwrap())).await;
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schemathesis/run");
    std::fs::create_dir_all(&work).unwrap();

    let served = mock.get_with(None, openapi::PATH).await;
    assert_eq!(served.status, 200, "{}", served.text);
    let document = work.join("openapi.json");
    std::fs::write(&document, &served.text).unwrap();
    let validator = Command::new(bin.join("openapi-spec-validator"))
        .arg(&document)
        .output()
        .unwrap();
    assert!(
        validator.status.success(),
        "openapi-spec-validator refuses the served document:\n{}{}",
        String::from_utf8_lossy(&validator.stdout),
        String::from_utf8_lossy(&validator.stderr)
    );

    let env = credentials(&mock).await;
    let schema_url = mock.url(openapi::PATH);
    let vendor = schemathesis(&bin, &work, &schema_url, &env, "vendor", &["--exclude-tag", "control"]).await;
    let control = schemathesis(&bin, &work, &schema_url, &env, "control", &["--include-tag", "control"]).await;

    let operations = |report: &Value| report["operations"]["tested"].as_u64().unwrap_or_default();
    let documented = openapi::operations().len() as u64;
    assert_eq!(
        operations(&vendor) + operations(&control),
        documented,
        "every documented operation was tested"
    );
}

/// The environment `schemathesis.toml` reads: a VIP app's Basic auth, an Easemob app and a
/// token for it, the control token. The Easemob history quota is lifted first, so that the
/// run reaches the handlers rather than the rate limit.
async fn credentials(mock: &Mock) -> Vec<(&'static str, String)> {
    let control = format!("Bearer {CONTROL_TOKEN}");
    let lifted = mock
        .send(
            mock.client
                .put(mock.url("/_mock/rate-limits"))
                .header("Authorization", &control)
                .header("Content-Type", "application/json")
                .body(json!({ "easemob": { "limit": 1_000_000 }, "jpush": { "limit": 1_000_000 } }).to_string()),
        )
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text);
    let (app_key, secret) = mock.credentials(Role::Vip);
    let app = &mock.server.demo_apps().easemob[0];
    let token = mock
        .send(
            mock.client
                .post(mock.url(&format!("/{}/{}/token", app.org_name, app.app_name)))
                .header("Content-Type", "application/json")
                .body(
                    json!({ "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret })
                        .to_string(),
                ),
        )
        .await;
    assert_eq!(token.status, 200, "an Easemob token");
    vec![
        (
            "MOCK_JIGUANG_AUTHORIZATION",
            format!("Basic {}", STANDARD.encode(format!("{app_key}:{secret}"))),
        ),
        (
            "MOCK_EASEMOB_AUTHORIZATION",
            format!("Bearer {}", token.json["access_token"].as_str().unwrap()),
        ),
        ("MOCK_EASEMOB_ORG", app.org_name.clone()),
        ("MOCK_EASEMOB_APP", app.app_name.clone()),
        ("MOCK_CONTROL_AUTHORIZATION", control),
    ]
}

/// One schemathesis run over the operations `filter` selects; its JSON report, once it is
/// checked to show a complete run without failures or errors.
async fn schemathesis(
    bin: &Path,
    work: &Path,
    schema_url: &str,
    env: &[(&'static str, String)],
    name: &str,
    filter: &[&str],
) -> Value {
    let report = work.join(format!("{name}.json"));
    let _ = std::fs::remove_file(&report);
    let mut command = tokio::process::Command::new(bin.join("schemathesis"));
    command
        .arg("--config-file")
        .arg(repo("tests/schemathesis/schemathesis.toml"))
        .args(["run", schema_url])
        .args(filter)
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
            "--max-examples",
            MAX_EXAMPLES,
            // One worker: CPython 3.11's `ast.parse`, which hypothesis calls, is not
            // thread-safe ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
            "--output-sanitize",
            "true",
            "--report",
            "json",
            "--report-json-path",
        ])
        .arg(&report)
        .current_dir(work)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .kill_on_drop(true);
    let started = Instant::now();
    let output = tokio::time::timeout(RUN_TIMEOUT, command.output())
        .await
        .unwrap_or_else(|_| panic!("the {name} run took over {} s", RUN_TIMEOUT.as_secs()))
        .expect("schemathesis runs");
    let console = String::from_utf8_lossy(&output.stdout);
    let text = std::fs::read_to_string(&report).unwrap_or_else(|e| {
        panic!(
            "no report of the {name} run ({e}):\n{console}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let report: Value = serde_json::from_str(&text).expect("the report is JSON");
    let cases = &report["test_cases"];
    eprintln!(
        "schemathesis {name} run: {} operations, {} test cases in {:.1} s",
        report["operations"]["tested"],
        cases["generated"],
        started.elapsed().as_secs_f64()
    );
    assert!(
        report["complete"] == true
            && report["failures"].as_array().is_some_and(Vec::is_empty)
            && report["errors"].as_array().is_some_and(Vec::is_empty)
            && cases["with_failures"] == 0
            && cases["errored"] == 0
            && cases["generated"].as_u64().unwrap_or_default() > 0,
        "schemathesis {name} run failed (seed {}):\nfailures: {:#}\nerrors: {:#}\n{console}",
        report["seed"],
        report["failures"],
        report["errors"]
    );
    assert!(
        output.status.success(),
        "schemathesis {name} exited with {}:\n{console}",
        output.status
    );
    report
}
