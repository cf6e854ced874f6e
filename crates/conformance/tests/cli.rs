//! The harness as users run it: the binary's exit codes; a shared mock (`--base-url`)
//! whose clock is put back after scenarios that move it; the wire form of a fault step;
//! real waits with progress lines. (At the workspace root, `tests/scenarios.rs` runs every
//! scenario against the mock, one test each, and `tests/conformance.rs` holds the other
//! suite-wide tests: reports, secrets, recordings.)

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{Arc, Mutex},
};

use conformance::{main_captured, Env};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const CLOCK: &str = "2026-11-20T12:00:00+08:00";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

/// A scenario directory: the repository's schemas, copies of `copied`, and `written`.
fn scenario_dir(name: &str, copied: &[&str], written: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conformance-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    for entry in std::fs::read_dir(repo("scenarios/schemas")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("schemas").join(path.file_name().unwrap())).unwrap();
    }
    for scenario in copied {
        let file = format!("{scenario}.toml");
        std::fs::copy(repo(&format!("scenarios/{file}")), dir.join(&file)).unwrap();
    }
    for (scenario, text) in written {
        std::fs::write(dir.join(format!("{scenario}.toml")), text).unwrap();
    }
    dir
}

fn binary(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env_clear()
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn the_binary_exits_0_on_success_1_on_failure_2_on_misuse() {
    let passing = scenario_dir("bin-pass", &["jmessage-unknown-chatroom"], &[]);
    let (code, out) = binary(&["run", "--scenarios", passing.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("PASS  jmessage-unknown-chatroom"), "{out}");

    let wrong = std::fs::read_to_string(repo("scenarios/jmessage-unknown-chatroom.toml"))
        .unwrap()
        .replace("status = 404", "status = 200");
    let failing = scenario_dir("bin-fail", &[], &[("jmessage-unknown-chatroom", wrong)]);
    let (code, out) = binary(&["run", "--scenarios", failing.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("status is 404, expected 200"), "{out}");

    let (code, out) = binary(&["run", "--target", "staging"]);
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = binary(&["record", "--scenarios", passing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "record needs the real target: {out}");
    let (code, out) = binary(&["run", "--target", "real", "--scenarios", passing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "no credentials in the (cleared) environment: {out}");
    assert!(out.contains("CONFORMANCE_VIP_APP_KEY"), "{out}");

    let (code, out) = binary(&["list"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("jmessage-cursor-expired-at-121s"), "{out}");
}

#[tokio::test]
async fn a_shared_mock_gets_its_clock_back_after_scenarios_that_move_it() {
    let settings = mock_server::Settings {
        port: 0,
        clock: Some(chrono::DateTime::parse_from_rfc3339(CLOCK).unwrap().to_utc()),
        ..mock_server::Settings::default()
    };
    let mock = mock_server::start(settings).await.unwrap();
    let base = mock.base_url();
    let dir = scenario_dir(
        "shared",
        &[
            "control-clock-set",
            "jmessage-cursor-expired-at-121s",
            "jmessage-cursor-renewed-each-page",
            "jmessage-v2-messages-first-page",
            "jmessage-unknown-user",
        ],
        &[],
    );
    let (code, out) = main_captured(
        &["run", "--base-url", &base, "--scenarios", dir.to_str().unwrap()],
        &Env::default(),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("against the mock at {base}")), "{out}");
    let clock: Value = reqwest::get(format!("{base}/_mock/clock"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        clock,
        json!({"now": CLOCK, "frozen": true}),
        "the clock is where it was"
    );
}

/// One request as the fake server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    body: String,
}

/// The token the fake server hands out for the Easemob app's client credentials.
const FAKE_TOKEN: &str = "YWMtFakeToken0123456789";

/// A stand-in that answers each request with a canned answer in the mock's documented
/// shape (the harness holds a mock's answers to its OpenAPI document), and logs each
/// request: enough of a mock to see what fault steps and Easemob auth send.
async fn recording_server() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let seen = seen.clone();
            tokio::spawn(async move {
                let request = read_request(&mut socket).await;
                let (status, reply) = stand_in_answer(&request);
                let reply = reply.to_string();
                seen.lock().unwrap().push(request);
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                socket.write_all(response.as_bytes()).await.unwrap();
            });
        }
    });
    (base, log)
}

/// The stand-in's answer to `request`: its status line and body.
fn stand_in_answer(request: &Seen) -> (&'static str, Value) {
    let path = request.path.as_str();
    match (request.method.as_str(), path) {
        (_, "/_mock/apps") => (
            "200 OK",
            json!({"apps": [
                {"name": "v", "app_key": "k1", "master_secret": "fake-secret-1", "vip": true, "usernames": [], "group_ids": [], "chatroom_ids": [], "msg_ids": [], "registration_ids": []}
            ], "easemob": [
                {"org_name": "org", "app_name": "app", "client_id": "YXA6fakeClientId", "client_secret": "YXA6fakeClientSecret99", "usernames": [], "group_ids": [], "chatroom_ids": []}
            ]}),
        ),
        (_, "/_mock/clock" | "/_mock/clock/advance") => ("200 OK", json!({"now": CLOCK, "frozen": true})),
        (_, "/_mock/rate-limits") => (
            "200 OK",
            json!({"jpush": {"limit": 2400, "window_seconds": 60}, "easemob": {"limit": 10, "window_seconds": 60}}),
        ),
        ("GET", "/_mock/faults") => ("200 OK", json!({"faults": []})),
        ("POST", "/_mock/faults") => ("201 Created", json!({"id": 1})),
        ("DELETE", _) if path.starts_with("/_mock/faults/") => ("200 OK", json!({"deleted": 1})),
        ("POST", "/org/app/token") => (
            "200 OK",
            json!({"access_token": FAKE_TOKEN, "expires_in": 7200, "application": "00000000-0000-0000-0000-0000000000a1"}),
        ),
        ("GET", _) if path.starts_with("/org/app/chatmessages/") => {
            if request.authorization.as_deref() == Some(&format!("Bearer {FAKE_TOKEN}")) {
                let hour = path.rsplit('/').next().unwrap_or_default();
                let url = format!("http://127.0.0.1/org/app/history/{hour}.gz?Expires=1&Signature=s");
                (
                    "200 OK",
                    json!({"action": "get", "application": "00000000-0000-0000-0000-0000000000a1", "uri": path, "data": [{"url": url}], "timestamp": 0, "duration": 0, "organization": "org", "applicationName": "app"}),
                )
            } else {
                (
                    "401 Unauthorized",
                    json!({"error": "auth_bad_access_token", "exception": "EasemobSecurityException", "timestamp": 0, "duration": 0, "error_description": "Unable to authenticate due to corrupt access token"}),
                )
            }
        }
        _ => (
            "404 Not Found",
            json!({"error": {"code": 404, "message": format!("no such endpoint: {} {path}", request.method)}}),
        ),
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Seen {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0 || !data.is_empty(), "the connection closed before a request");
        data.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        let Some(end) = text.find("\r\n\r\n") else {
            assert!(n > 0, "the connection closed mid-request");
            continue;
        };
        let head = &text[..end];
        let header = |name: &str| {
            head.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
            })
        };
        let length = header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        if data.len() >= end + 4 + length || n == 0 {
            let mut first = head.lines().next().unwrap().split(' ');
            return Seen {
                method: first.next().unwrap().to_owned(),
                path: first.next().unwrap().to_owned(),
                authorization: header("authorization"),
                body: text[end + 4..].to_owned(),
            };
        }
    }
}

#[tokio::test]
async fn a_fault_step_posts_its_table_to_the_control_api() {
    let (base, log) = recording_server().await;
    let scenario = r#"
        name = "fault-step"
        family = "jmessage"
        tags = ["mock-only"]

        [[steps]]
        name = "two 503s"
        fault = { route = "/v2/messages", status = 503, times = 2, until = "${now+1m:rfc3339}" }
    "#;
    let dir = scenario_dir("fault", &[], &[("fault-step", scenario.to_owned())]);
    let (code, out) = main_captured(
        &["run", "--base-url", &base, "--scenarios", dir.to_str().unwrap()],
        &Env::default(),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    let log = log.lock().unwrap().clone();
    let faults: Vec<Value> = log
        .iter()
        .filter(|seen| seen.method == "POST" && seen.path == "/_mock/faults")
        .map(|seen| serde_json::from_str(&seen.body).unwrap())
        .collect();
    assert_eq!(
        faults,
        [json!({"route": "/v2/messages", "status": 503, "times": 2, "until": "2026-11-20T12:01:00+08:00"})]
    );
    // A fault changes the shared mock's state: its clock was read before and put back after.
    assert!(
        log.iter()
            .any(|seen| seen.method == "PUT" && seen.path == "/_mock/clock"),
        "{log:?}"
    );
}

#[tokio::test]
async fn real_waits_report_progress_and_move_the_scenario_clock() {
    let stand_in = frozen_mock().await;
    let apps = stand_in.demo_apps();
    let vip = apps.vip().expect("the dataset has a VIP app");
    // `end_time = now - 1s` is before `begin_time = t0` unless the wait moved `now` on.
    let scenario = r#"
        name = "waits"
        family = "jmessage"
        auth = "vip"

        [variables]
        t0 = "${now}"

        [[steps]]
        advance = "1s"

        [[steps]]
        name = "now has moved on by the wait"
        request = { path = "/v2/messages", query = { count = 1, begin_time = "${t0}", end_time = "${now-1s}" } }
        status = 200
    "#
    .to_owned();
    let dir = scenario_dir("waits", &[], &[("waits", scenario)]);
    let env = Env::from_pairs([
        ("CONFORMANCE_JMESSAGE_BASE_URL", stand_in.base_url()),
        ("CONFORMANCE_VIP_APP_KEY", vip.app_key.clone()),
        ("CONFORMANCE_VIP_MASTER_SECRET", vip.master_secret.clone()),
    ]);
    let args = [
        "run",
        "--target",
        "real",
        "--clock",
        CLOCK,
        "--delay-ms",
        "0",
        "--scenarios",
        dir.to_str().unwrap(),
    ];
    let (code, out) = main_captured(&args, &env).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("..  waits: advance 1s: waited 1 of 1 s on the real clock"),
        "{out}"
    );

    let (code, out) = main_captured(&[&args[..], &["--skip-slow"]].concat(), &env).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("SKIP  waits  (jmessage): waits 1 s on the real clock (--skip-slow)"),
        "{out}"
    );
}

#[tokio::test]
async fn easemob_steps_send_the_bearer_token_the_runner_obtained_and_never_show_it() {
    let (base, log) = recording_server().await;
    let scenario = r#"
        name = "easemob-auth"
        family = "easemob"
        auth = "easemob"

        [[steps]]
        name = "history"
        request = { path = "/${apps.easemob.org_name}/${apps.easemob.app_name}/chatmessages/2026112010" }
        status = 200

        [[steps]]
        name = "wrong token"
        request = { path = "/org/app/chatmessages/2026112011", auth = { role = "easemob", wrong_secret = true } }
        status = 200
        assert = [{ path = "$.data", exists = true }]
    "#;
    let dir = scenario_dir("easemob", &[], &[("easemob-auth", scenario.to_owned())]);
    let (code, out) = main_captured(
        &["run", "--base-url", &base, "--scenarios", dir.to_str().unwrap()],
        &Env::default(),
    )
    .await;
    assert_eq!(code, 1, "the second step fails on purpose, to show its request: {out}");
    let log = log.lock().unwrap().clone();
    let tokens: Vec<&Seen> = log.iter().filter(|seen| seen.path == "/org/app/token").collect();
    assert_eq!(tokens.len(), 1, "one token per scenario: {log:?}");
    assert_eq!(tokens[0].method, "POST");
    let body: Value = serde_json::from_str(&tokens[0].body).unwrap();
    assert_eq!(
        body,
        json!({"grant_type": "client_credentials", "client_id": "YXA6fakeClientId", "client_secret": "YXA6fakeClientSecret99"})
    );
    let auth_of = |path: &str| log.iter().find(|seen| seen.path == path).unwrap().authorization.clone();
    assert_eq!(
        auth_of("/org/app/chatmessages/2026112010"),
        Some(format!("Bearer {FAKE_TOKEN}"))
    );
    let wrong = auth_of("/org/app/chatmessages/2026112011").unwrap();
    assert!(
        wrong.starts_with("Bearer ") && wrong != format!("Bearer {FAKE_TOKEN}"),
        "{wrong}"
    );
    assert!(out.contains("Authorization: Bearer <redacted>"), "{out}");
    for secret in [FAKE_TOKEN, &wrong["Bearer ".len()..], "YXA6fakeClientSecret99"] {
        assert!(!out.contains(secret), "{secret} leaked: {out}");
    }
}

/// The scenarios that empty the journal (`DELETE /_mock/journal`, `POST /_mock/reset`).
const CLEARING: &str =
    "control-fault-match, control-journal, control-journal-warnings, control-reset, jpush-rate-limit-2002";

/// A mock on port 0, its clock frozen at [`CLOCK`].
async fn frozen_mock() -> mock_server::RunningServer {
    let settings = mock_server::Settings {
        port: 0,
        clock: Some(chrono::DateTime::parse_from_rfc3339(CLOCK).unwrap().to_utc()),
        ..mock_server::Settings::default()
    };
    mock_server::start(settings).await.unwrap()
}

/// Runs `program` with `args` in `dir`, with only the variables of `env`, off the runtime
/// (the mock it talks to runs on it): exit code, stdout, stderr.
async fn run_in(program: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut command = Command::new(program);
    command.current_dir(dir).args(args).env_clear();
    command.envs(env.iter().copied());
    let output = tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
        .await
        .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

/// The built binary copied alone into an empty directory: no checkout beside it.
fn lone_binary(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("conformance-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join("conformance");
    std::fs::copy(env!("CARGO_BIN_EXE_conformance"), &program).unwrap();
    (dir, program)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_copied_alone_runs_every_scenario_against_a_mock_at_base_url() {
    let mock = frozen_mock().await;
    let base = mock.base_url();
    let (dir, program) = lone_binary("alone");
    let scenarios = std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert!(scenarios >= 40, "{scenarios}");

    let (code, out, err) = run_in(&program, &dir, &["run", "--base-url", &base], &[]).await;
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "{scenarios} scenarios against the mock: {scenarios} passed, 0 failed, 0 skipped"
        )),
        "{out}"
    );
    // Scenarios that empty the journal are named before they run and after.
    assert!(
        out.contains(&format!(
            "note: {CLEARING} empty the journal of the mock at {base}: the entries it holds now will be gone"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "the journal of the mock at {base} was emptied by {CLEARING}: "
        )),
        "{out}"
    );
    let listed = run_in(&program, &dir, &["list"], &[]).await;
    assert!(listed.1.contains(&format!("{scenarios} scenarios")), "{}", listed.1);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "nothing was written beside it"
    );
    mock.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_journal_skips_the_scenarios_that_would_empty_a_shared_mock_s_journal() {
    let mock = frozen_mock().await;
    let base = mock.base_url();
    let before = reqwest::get(format!("{base}/v2/messages")).await.unwrap();
    assert_eq!(before.status(), 401, "an entry for the journal");
    let (dir, program) = lone_binary("keep-journal");
    let args = ["run", "--base-url", &base, "--keep-journal"];
    let (code, out, err) = run_in(&program, &dir, &args, &[]).await;
    assert_eq!(code, Some(0), "{out}\n{err}");
    for name in CLEARING.split(", ") {
        let family = name.split('-').next().unwrap();
        assert!(
            out.contains(&format!(
                "SKIP  {name}  ({family}): empties the mock's journal (--keep-journal)"
            )),
            "{out}"
        );
    }
    assert!(!out.contains("note:"), "{out}");
    let journal: Value = reqwest::get(format!("{base}/_mock/journal?limit=1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(journal["entries"][0]["path"], "/v2/messages", "{journal}");
    assert_eq!(journal["entries"][0]["seq"], 1, "{journal}");
    mock.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_exits_0_for_a_live_mock_found_by_mock_port_and_1_for_none() {
    let mock = frozen_mock().await;
    let port = mock.base_url().rsplit(':').next().unwrap().to_owned();
    let (dir, program) = lone_binary("health");
    let (code, out, _) = run_in(&program, &dir, &["health"], &[("MOCK_PORT", &port)]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with(&format!(
            "healthy: GET http://127.0.0.1:{port}/_mock/health answered 200"
        )),
        "{out}"
    );
    let (code, out, _) = run_in(&program, &dir, &["health", "--base-url", &mock.base_url()], &[]).await;
    assert_eq!(code, Some(0), "{out}");
    mock.stop().await.unwrap();
    let (code, out, _) = run_in(&program, &dir, &["health"], &[("MOCK_PORT", &port)]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("unhealthy: GET"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_tells_real_waits_on_stderr_and_keeps_stdout_for_results() {
    let stand_in = frozen_mock().await;
    let apps = stand_in.demo_apps();
    let vip = apps.vip().expect("the dataset has a VIP app");
    let scenario = r#"
        name = "waits"
        family = "jmessage"
        auth = "vip"

        [[steps]]
        advance = "1s"

        [[steps]]
        name = "a page"
        request = { path = "/v2/messages", query = { count = 1, begin_time = "${now-1h}", end_time = "${now}" } }
        status = 200
    "#;
    let dir = scenario_dir("stderr", &[], &[("waits", scenario.to_owned())]);
    let base = stand_in.base_url();
    let env = [
        ("CONFORMANCE_JMESSAGE_BASE_URL", base.as_str()),
        ("CONFORMANCE_VIP_APP_KEY", vip.app_key.as_str()),
        ("CONFORMANCE_VIP_MASTER_SECRET", vip.master_secret.as_str()),
    ];
    let args = [
        "run",
        "--target",
        "real",
        "--clock",
        CLOCK,
        "--scenarios",
        dir.to_str().unwrap(),
    ];
    let program = Path::new(env!("CARGO_BIN_EXE_conformance"));
    let (code, out, err) = run_in(program, &dir, &args, &env).await;
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains("PASS  waits"), "{out}");
    assert!(
        err.contains("..  waits: advance 1s: waited 1 of 1 s on the real clock, 0 s left"),
        "{err}"
    );
    assert!(!out.contains("..  waits"), "progress stays off stdout: {out}");
    stand_in.stop().await.unwrap();
}
