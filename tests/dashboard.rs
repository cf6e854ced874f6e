//! The dashboard (`GET /_mock/ui`) in a real browser: Debian's `/usr/bin/chromium`,
//! headless, driven by npm `playwright-core` (pinned in `tests/dashboard/`, installed
//! under `target/tmp/dashboard/`) through `tests/dashboard/drive.js`. Each flow runs
//! against its own mock; the script asks this test to act (send a vendor request, read the
//! mock's clock) and reports what the page showed. Screenshots of every step go to
//! `target/dashboard-screenshots/`. Without chromium the tests fail and say how to
//! install it (`.ci/run` does).

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::Duration,
};

use e2e::{
    scratch::{install_once, npm_ci, repo},
    Mock, Role, NOW,
};
use mock_server::settings::ControlToken;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::mpsc,
};

const CHROMIUM: &str = "/usr/bin/chromium";
const TOKEN: &str = "dashboard-test-token";
/// A flow's bound, browser start included (each takes a few seconds).
const FLOW_TIMEOUT: Duration = Duration::from_secs(45);

static NODE: Mutex<Option<Result<PathBuf, String>>> = Mutex::new(None);

/// `node_modules` with the pinned `playwright-core`.
fn node_modules() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    let dir = install_once(&NODE, "tests/dashboard/package-lock.json", &root, |dir| {
        npm_ci("tests/dashboard", dir)
    });
    dir.join("node_modules")
}

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the tests' scratch folder is inside the target folder")
        .join("dashboard-screenshots")
}

fn chromium() -> &'static str {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing, so the dashboard cannot be tested in a browser: install Debian's \
         chromium (`apt-get install chromium`; .ci/run does when it is missing)"
    );
    CHROMIUM
}

/// What the script asked for and what the test answered, in order, and its result.
struct Run {
    steps: Vec<(Value, Value)>,
    result: Value,
}

/// Runs `flow` in the browser against `mock`, answering the script's questions.
async fn drive(mock: &Mock, flow: &str, extra: Value) -> Run {
    let modules = node_modules();
    let mut settings = json!({
        "base_url": mock.server.base_url(),
        "flow": flow,
        "chromium": chromium(),
        "screenshots": screenshots(),
    });
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    let mut child = Command::new("node")
        .arg(repo("tests/dashboard/drive.js"))
        .env("DASHBOARD_SETTINGS", settings.to_string())
        .env("NODE_PATH", modules)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (.ci/run installs it)");
    let lines = read_lines(&mut child);
    let run = tokio::time::timeout(FLOW_TIMEOUT, converse(mock, &mut child, lines)).await;
    let outcome = match run {
        Ok(Ok(run)) => Ok(run),
        Ok(Err(why)) => Err(why),
        Err(_) => Err(format!("the {flow} flow took over {FLOW_TIMEOUT:?}")),
    };
    // The script closes its browser and ends after its result; past the bound (or after
    // a failure) it is ended here, and its stderr says where it stood.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while outcome.is_ok() && child.try_wait().ok().flatten().is_none() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let output = child.wait_with_output().expect("node ends");
    let why = match outcome {
        Ok(run) if output.status.success() => return run,
        Ok(_) => String::new(),
        Err(why) => why,
    };
    panic!(
        "the {flow} flow failed ({why}; {}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The script's stdout, line by line, read on a thread of its own.
fn read_lines(child: &mut Child) -> mpsc::UnboundedReceiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

async fn converse(mock: &Mock, child: &mut Child, mut lines: mpsc::UnboundedReceiver<String>) -> Result<Run, String> {
    let mut stdin = child.stdin.take().unwrap();
    let mut steps = Vec::new();
    while let Some(line) = lines.recv().await {
        if let Some(step) = line.strip_prefix("WAIT ") {
            let step: Value = serde_json::from_str(step).map_err(|e| format!("{e}: {line}"))?;
            let answer = answer(mock, &step).await;
            writeln!(stdin, "{answer}").map_err(|e| format!("cannot answer the script: {e}"))?;
            steps.push((step, answer));
        } else if let Some(result) = line.strip_prefix("RESULT ") {
            let result = serde_json::from_str(result).map_err(|e| format!("{e}: {line}"))?;
            return Ok(Run { steps, result });
        }
    }
    Err("the script ended without a result".into())
}

/// Does what the script asked for, as a client of the mock would.
async fn answer(mock: &Mock, step: &Value) -> Value {
    match step["step"].as_str() {
        Some("vendor-request") => {
            let apps = control_get(mock, "/_mock/apps").await;
            let vip = apps["apps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["vip"] == true)
                .unwrap();
            let id = vip["msg_ids"][0].as_str().unwrap();
            let reply = mock.get(Role::Vip, &format!("/v3/received?msg_ids={id}")).await;
            json!({"status": reply.status, "body": reply.json, "seq": last_seq(mock).await})
        }
        Some("hostile-request") => {
            let status = hostile_request(mock).await;
            let page = control_get(mock, "/_mock/journal?limit=1000").await;
            let entry = page["entries"].as_array().unwrap().last().unwrap().clone();
            json!({"status": status, "seq": entry["seq"], "entry": entry})
        }
        Some("read-clock") => control_get(mock, "/_mock/clock").await,
        other => panic!("the script asked for an unknown step {other:?}"),
    }
}

/// A control-API GET, with the token when the mock has one.
async fn control_get(mock: &Mock, path: &str) -> Value {
    let token = mock
        .server
        .state
        .settings
        .control_token
        .as_ref()
        .map(|_| format!("Bearer {TOKEN}"));
    let reply = mock.get_with(token.as_deref(), path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.json
}

/// The `seq` of the journal's newest entry.
async fn last_seq(mock: &Mock) -> u64 {
    let page = control_get(mock, "/_mock/journal?limit=1000").await;
    page["entries"]
        .as_array()
        .and_then(|entries| entries.last())
        .and_then(|entry| entry["seq"].as_u64())
        .unwrap_or_else(|| panic!("the journal is empty: {page}"))
}

/// Markup where a hostile client can put it: raw in the query string (the mock keeps it
/// percent-encoded), as a parameter name (a warning quotes it decoded) and in a header.
const HOSTILE_TARGET: &str = "/v3/received?msg_ids=<b>1</b>&%3Cimg%20src%3Dx%20onerror%3Dwindow.pwned%3D1%3E=1";
const HOSTILE_MARKUP: &str = "<img src=x onerror=window.pwned=1>";
const HOSTILE_HEADER: &str = "<script>window.pwned=1</script>";

/// Sends the hostile request as raw bytes (a well-behaved client would percent-encode);
/// returns the answer's status.
async fn hostile_request(mock: &Mock) -> u16 {
    let mut stream = TcpStream::connect(mock.server.addr).await.unwrap();
    let request = format!(
        "GET {HOSTILE_TARGET} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nUser-Agent: {HOSTILE_HEADER}\r\n\
         Connection: close\r\n\r\n",
        mock.server.addr,
        mock.basic(Role::Vip)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"))
}

fn no_problems(run: &Run) {
    assert_eq!(run.result["problems"], json!([]), "the page logged errors");
}

/// Cells of a journal row: seq, time, method, path, family, app, status, ms, fault, warnings.
fn cell(row: &Value, index: usize) -> &str {
    row["cells"][index]
        .as_str()
        .unwrap_or_else(|| panic!("no cell {index} in {row}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vendor_request_shows_in_the_journal_view_with_its_status_and_hostile_text_stays_text() {
    let mock = Mock::start().await;
    let run = drive(&mock, "journal", json!({})).await;
    no_problems(&run);
    let (_, sent) = &run.steps[0];
    assert_eq!(sent["status"], 200, "{sent}");
    let row = &run.result["row"];
    assert_eq!(cell(row, 0), sent["seq"].to_string(), "{row}");
    assert_eq!(cell(row, 2), "GET");
    assert!(cell(row, 3).starts_with("/v3/received?msg_ids="), "{row}");
    assert_eq!(cell(row, 4), "jpush");
    assert_eq!(cell(row, 6), "200", "{row}");

    // The hostile request: shown as the text it was, its contract warnings highlighted,
    // its detail exactly what the control API holds.
    let (_, hostile) = &run.steps[1];
    let hostile_status = hostile["status"].as_u64().unwrap();
    assert!((400..500).contains(&hostile_status), "{hostile}");
    let entry = &hostile["entry"];
    let warnings: Vec<&str> = entry["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains(HOSTILE_MARKUP)),
        "the journal holds the markup as sent: {entry}"
    );
    assert_eq!(entry["headers"]["user-agent"], HOSTILE_HEADER, "{entry}");
    let row = &run.result["hostile_row"];
    let query = entry["query"].as_str().unwrap();
    assert_eq!(cell(row, 3), format!("/v3/received?{query}"), "{row}");
    assert_eq!(cell(row, 6), hostile_status.to_string(), "{row}");
    assert!(row["class"].as_str().unwrap().contains("warned"), "{row}");
    assert_eq!(cell(row, 9), format!("⚠ {} {}", warnings.len(), warnings[0]), "{row}");
    assert_eq!(run.result["detail_warnings"], json!(warnings));
    let detail: Value = serde_json::from_str(run.result["detail"].as_str().unwrap()).unwrap();
    assert_eq!(&detail, entry, "the detail is the entry, as text");
    assert_eq!(detail["headers"]["authorization"], "Basic REDACTED");
    assert_eq!(run.result["injected_elements"], 0);
    assert_eq!(run.result["pwned"], false);

    // The status filter leaves the status asked for only.
    let statuses = run.result["filtered_statuses"].as_array().unwrap();
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| s == "200"),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fault_added_from_a_template_fails_the_next_vendor_request() {
    let mock = Mock::start().await;
    let run = drive(&mock, "fault", json!({})).await;
    no_problems(&run);
    assert_eq!(
        run.result["rule"],
        json!({"match": {"family": "jpush"}, "effect": {"status": 429}, "times": 3})
    );
    assert_eq!(run.result["result"], "added rule #1");
    let (_, sent) = &run.steps[0];
    assert_eq!(sent["status"], 429, "{sent}");
    assert_eq!(sent["body"]["error"]["code"], 2002, "JPush's own 429: {sent}");
    let row = &run.result["row"];
    assert_eq!(cell(row, 6), "429", "{row}");
    assert_eq!(cell(row, 8), "#1", "{row}");
    // The page shows what the mock holds: one applied, two left.
    let faults = control_get(&mock, "/_mock/faults").await;
    assert_eq!(faults["faults"][0]["applied"], 1, "{faults}");
    assert_eq!(faults["faults"][0]["times"], 2, "{faults}");
    let shown = &run.result["fault_row"];
    assert_eq!(shown[0], "1");
    assert_eq!(shown[3], "2 more", "{shown}");
    assert_eq!(shown[6], "1", "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn advancing_the_clock_from_the_page_moves_the_mocks_clock() {
    let mock = Mock::start().await;
    let run = drive(&mock, "clock", json!({})).await;
    no_problems(&run);
    assert_eq!(run.result["before"], NOW);
    assert_eq!(run.result["mock_after_hour"]["now"], "2026-11-20T13:00:00+08:00");
    assert_eq!(run.result["after_hour"], run.result["mock_after_hour"]["now"]);
    assert_eq!(run.result["mock_after_custom"]["now"], "2026-11-20T13:02:01+08:00");
    assert_eq!(run.result["after_custom"], run.result["mock_after_custom"]["now"]);
    assert_eq!(
        control_get(&mock, "/_mock/clock").await["frozen"],
        true,
        "advancing keeps it frozen"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_control_token_the_page_asks_for_it_and_then_works() {
    let mock = Mock::start_with(|s| s.control_token = Some(ControlToken::new(TOKEN).unwrap())).await;
    // The page itself loads without the token, and holds no secret.
    let page = mock.get_with(None, "/_mock/ui").await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains(TOKEN));
    let run = drive(&mock, "token", json!({ "token": TOKEN })).await;
    no_problems(&run);
    assert!(
        run.result["refusal"].as_str().unwrap().contains("refused"),
        "{}",
        run.result
    );
    assert_eq!(cell(&run.result["row"], 6), "200", "{}", run.result);
    assert_eq!(run.result["clock"], NOW);
    assert_eq!(run.result["kept_in_session"], json!(["jiguang-mock-control-token"]));
    assert_eq!(run.result["asks_again_after_reload"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_is_public_embedded_linked_from_the_index_and_served_with_a_self_only_csp() {
    let mock = Mock::start_with(|s| s.control_token = Some(ControlToken::new(TOKEN).unwrap())).await;
    for (path, content_type) in [
        ("/_mock/ui", "text/html; charset=utf-8"),
        ("/_mock/ui/app.js", "text/javascript; charset=utf-8"),
        ("/_mock/ui/app.css", "text/css; charset=utf-8"),
    ] {
        let response = mock.client.get(mock.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path} needs no token");
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(header("content-type"), content_type, "{path}");
        let csp = header("content-security-policy");
        assert!(
            csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(header("x-content-type-options"), "nosniff");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains(TOKEN) && !body.contains("masterSecret\":"),
            "{path} holds no secret"
        );
    }
    // The page's data is not public: the control calls it makes still need the token.
    assert_eq!(mock.get_with(None, "/_mock/journal").await.status, 401);
    let page = mock.get_with(None, "/_mock/ui").await.text;
    assert!(
        page.contains(r#"<script src="/_mock/ui/app.js" defer></script>"#),
        "{page}"
    );
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "nothing inline: the CSP allows none"
    );
    let index = mock.get_with(None, "/").await.json;
    assert_eq!(index["control"]["dashboard"], "/_mock/ui");
    let html = mock
        .client
        .get(mock.url("/"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<a href="/_mock/ui">the dashboard</a>"#), "{html}");
}
