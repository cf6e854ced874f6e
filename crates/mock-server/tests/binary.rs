//! The `mock-server` binary as a user runs it: the banner, refused flags, clean stops on
//! SIGTERM (bounded by the shutdown timeout, at once on a second signal), identical
//! bodies from two processes with the same seed and clock, its request log, a port in
//! use, `--host localhost` and shell completions.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_mock-server");
const VIP_AUTH: &str = "N2Q0MzFlNDJkZmE2YTZkNjkzYWMyZDA0OjVlOTg3YWM2ZDJlMDRkOTVhOWQ4ZjBkMQ==";

struct Process {
    child: Child,
    addr: String,
    banner: String,
}

impl Process {
    fn start(args: &[&str]) -> Process {
        Process::spawn(args, Stdio::null())
    }

    fn spawn(args: &[&str], stderr: Stdio) -> Process {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--clock", "2026-11-20T12:00:00+08:00"])
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = String::new();
        let mut addr = None;
        for line in lines.by_ref().take(16) {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("mock-server listening on http://") {
                addr = Some(rest.trim().to_owned());
            }
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("/token") {
                break;
            }
        }
        Process {
            child,
            addr: addr.unwrap_or_else(|| panic!("no address in banner:\n{banner}")),
            banner,
        }
    }

    /// A blocking HTTP/1.1 GET with the VIP app's Basic auth; returns the raw response.
    fn get(&self, path: &str) -> String {
        self.exchange(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {VIP_AUTH}\r\nConnection: close\r\n\r\n"
        ))
    }

    /// Sends `request` (which asks to close the connection) and returns the raw response.
    fn exchange(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        String::from_utf8_lossy(&response).into_owned()
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        self.sigterm();
        self.exit_within(Duration::from_secs(5))
            .unwrap_or_else(|| panic!("did not stop within 5 s of SIGTERM"))
    }

    fn sigterm(&self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    /// The exit status, if the process exits within `limit`; killed otherwise.
    fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().unwrap();
        let _ = self.child.wait();
        None
    }

    /// A connection that has sent `request` and reads nothing.
    fn send(&self, request: &str) -> TcpStream {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        stream
    }
}

fn body(response: &str) -> &str {
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default()
}

#[test]
fn banner_shows_address_credentials_and_curl_commands() {
    let process = Process::start(&[]);
    assert!(
        process.banner.contains("7d431e42dfa6a6d693ac2d04"),
        "{}",
        process.banner
    );
    assert_eq!(process.banner.matches("curl ").count(), 3, "{}", process.banner);
    assert!(
        process.banner.contains("/demo-org/demo-app/token") && process.banner.contains("client_credentials"),
        "an Easemob token line: {}",
        process.banner
    );
    assert!(process.get("/_mock/health").starts_with("HTTP/1.1 200"));
    assert!(process.terminate().success(), "SIGTERM is a clean stop");
}

#[test]
fn two_processes_with_the_same_seed_and_clock_answer_byte_for_byte_alike() {
    let a = Process::start(&["--seed", "99"]);
    let b = Process::start(&["--seed", "99"]);
    let path = "/v2/messages?count=200&begin_time=2026-11-19%2000:00:00&end_time=2026-11-20%2000:00:00";
    let (body_a, body_b) = (a.get(path), b.get(path));
    assert!(body(&body_a).contains("\"cursor\""), "{body_a}");
    assert_eq!(body(&body_a), body(&body_b));
    assert_eq!(
        body(&a.get("/v1/messages?start=7&count=30")),
        body(&b.get("/v1/messages?start=7&count=30"))
    );
    a.terminate();
    b.terminate();
}

#[test]
fn bad_flags_are_refused_with_a_message_and_non_zero_exit() {
    for args in [
        vec!["--port", "http"],
        vec!["--timezone", "Mars"],
        vec!["--clock", "noon"],
        vec!["--messages-per-day", "0"],
        vec!["--no-such-flag"],
        vec!["--config", "/nonexistent/mock.toml"],
    ] {
        let output = Command::new(BIN).args(&args).output().unwrap();
        assert!(!output.status.success(), "{args:?} accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn environment_variables_set_flags() {
    let output = Command::new(BIN).env("MOCK_PORT", "not-a-port").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not-a-port"));
}

#[test]
fn faults_come_from_the_command_line_the_environment_and_the_config_file() {
    let dir = std::env::temp_dir().join(format!("mock-binary-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("mock.toml");
    std::fs::write(
        &config,
        "[[faults]]\nmatch = { path = \"/v1/*\" }\neffect = { status = 500 }\n",
    )
    .unwrap();
    let process = Process::start(&[
        "--config",
        config.to_str().unwrap(),
        "--fault",
        r#"{"match":{"family":"jpush"},"effect":{"status":503},"times":1}"#,
    ]);
    assert!(process.get("/v1/messages?start=0&count=1").starts_with("HTTP/1.1 500"));
    let jpush = process.get("/v3/received?msg_ids=1");
    assert!(jpush.starts_with("HTTP/1.1 503"), "{jpush}");
    assert!(body(&jpush).contains("\"code\":10"));
    assert!(
        process.get("/v3/received?msg_ids=1").starts_with("HTTP/1.1 200"),
        "times: 1"
    );
    process.terminate();

    let output = Command::new(BIN)
        .args(["--fault", r#"{"effect":{"status":404}}"#])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("429, 500 or 503"));
    let output = Command::new(BIN)
        .env("MOCK_FAULTS", "[{\"effect\":{\"drop\":true}}, 7]")
        .output()
        .unwrap();
    assert!(!output.status.success(), "a bad rule in MOCK_FAULTS is refused");
}

#[test]
fn a_clock_out_of_range_stops_the_start_with_exit_2() {
    for far in ["1969-07-20T20:17:00Z", "2100-01-01T00:00:01Z", "2500-01-01T00:00:00Z"] {
        let output = Command::new(BIN)
            .args(["--port", "0", "--clock", far])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{far} accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("2000-01-01") && stderr.contains("2100-01-01"),
            "{far}: {stderr}"
        );
        let output = Command::new(BIN)
            .args(["--port", "0"])
            .env("MOCK_CLOCK", far)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "MOCK_CLOCK={far} accepted");
    }
}

/// Starts the binary with `args`, reads stderr until the banner's address appears on
/// stdout, stops it, and returns what it wrote to stderr before serving.
fn startup_stderr(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut child = Command::new(BIN)
        .args(["--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("mock-server listening on"), "{first}");
    // The warning is written before the banner; once the banner is out, stop the process
    // so that stderr reaches its end.
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    stderr
}

#[test]
fn binding_beyond_loopback_without_a_token_warns() {
    let exposed = startup_stderr(&["--host", "0.0.0.0"], &[]);
    assert!(
        exposed.contains("warning") && exposed.contains("--control-token"),
        "{exposed}"
    );
    let token = "binary-test-token";
    let protected = startup_stderr(&["--host", "0.0.0.0"], &[("MOCK_CONTROL_TOKEN", token)]);
    assert!(!protected.contains("warning"), "{protected}");
    assert!(!protected.contains(token), "the token is never printed: {protected}");
    let local = startup_stderr(&[], &[]);
    assert!(!local.contains("warning"), "{local}");
}

#[test]
fn sigterm_stops_within_the_shutdown_timeout_though_a_client_stalls_mid_head() {
    let mut process = Process::start(&["--shutdown-timeout", "2"]);
    let _stalled = process.send("GET /v2/messages HTTP/1.1\r\nHost: x\r\n");
    std::thread::sleep(Duration::from_millis(300));
    process.sigterm();
    // The issue's bound is the grace period plus one second (3 s); 5 s more of slack
    // keeps the test robust on a loaded machine while still catching a hang.
    let status = process
        .exit_within(Duration::from_secs(2 + 5))
        .expect("SIGTERM with a stalled client must exit within --shutdown-timeout 2 (plus slack)");
    assert!(status.success(), "a stop within the timeout is clean: {status}");
}

#[test]
fn a_second_sigterm_during_a_long_delay_exits_at_once() {
    let mut process = Process::start(&["--shutdown-timeout", "120"]);
    let rule = r#"{"match":{"family":"jpush"},"effect":{"delay_ms":60000}}"#;
    let mut control = process.send(&format!(
        "POST /_mock/faults HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{rule}",
        rule.len()
    ));
    control.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut created = String::new();
    control.read_to_string(&mut created).unwrap();
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let _delayed = process.send(&format!(
        "GET /v3/received?msg_ids=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {VIP_AUTH}\r\n\r\n"
    ));
    std::thread::sleep(Duration::from_millis(300));
    process.sigterm();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        process.child.try_wait().unwrap().is_none(),
        "the first SIGTERM waits for the delayed request"
    );
    process.sigterm();
    let status = process
        .exit_within(Duration::from_secs(5))
        .expect("a second SIGTERM must exit at once, not after the 60 s delay");
    assert!(!status.success(), "a forced stop is not a clean one: {status}");
}

/// A JSON string value in `text` after `"key":"`.
fn json_string<'a>(text: &'a str, key: &str) -> &'a str {
    let start = text
        .find(&format!("\"{key}\":\""))
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        + key.len()
        + 4;
    let end = start + text[start..].find('"').unwrap();
    &text[start..end]
}

fn temp_file(name: &str) -> (std::path::PathBuf, std::fs::File) {
    let path = std::env::temp_dir().join(format!("mock-binary-{name}-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    (path, file)
}

#[test]
fn request_log_lines_are_json_with_status_and_latency_and_no_secret() {
    let (log, file) = temp_file("json-log");
    let fault = r#"{"match":{"path":"/v1/*"},"effect":{"status":503},"times":1}"#;
    let process = Process::spawn(&["--log-format", "json", "--fault", fault], Stdio::from(file));
    let client_secret = "YXA6mockClientSecretDemo000000000001";
    assert!(process.get("/v3/received?msg_ids=1").starts_with("HTTP/1.1 200"));
    let body = format!(
        r#"{{"grant_type":"client_credentials","client_id":"YXA6mockClientIdDemo0000001","client_secret":"{client_secret}"}}"#
    );
    let token = process.exchange(&format!(
        "POST /demo-org/demo-app/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    assert!(token.starts_with("HTTP/1.1 200"), "{token}");
    let token = json_string(&token, "access_token").to_owned();
    let link = process.exchange(&format!(
        "GET /demo-org/demo-app/chatmessages/2026112008 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    ));
    assert!(link.starts_with("HTTP/1.1 200"), "{link}");
    let url = json_string(&link, "url").replace("\\u0026", "&");
    let download = &url[url.find("/demo-org").unwrap()..];
    let signature = download
        .split("Signature=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let file = process.exchange(&format!(
        "GET {download} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ));
    assert!(file.starts_with("HTTP/1.1 200"), "{}", &file[..file.len().min(300)]);
    assert!(process.get("/v1/messages?start=0&count=1").starts_with("HTTP/1.1 503"));
    assert!(process.get("/_mock/health").starts_with("HTTP/1.1 200"));
    assert!(process.terminate().success());

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let requests: Vec<&serde_json::Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    let seen: Vec<(&str, u64, &str)> = requests
        .iter()
        .map(|r| {
            assert!(r["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{r}");
            assert_eq!(r["target"], "mock_server::request", "{r}");
            (
                r["method"].as_str().unwrap(),
                r["status"].as_u64().unwrap(),
                r["family"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", 200, "jpush"),
            ("POST", 200, "easemob"),
            ("GET", 200, "easemob"),
            ("GET", 200, "easemob"),
            ("GET", 503, "jmessage"),
            ("GET", 200, "control"),
        ],
        "{text}"
    );
    assert_eq!(requests[4]["fault"], 1, "the fault applied: {text}");
    assert_eq!(requests[0].get("fault"), None, "{text}");
    assert_eq!(requests[0]["app"], "7d431e42dfa6a6d693ac2d04", "{text}");
    assert_eq!(requests[2]["app"], "demo-org#demo-app", "{text}");
    assert!(
        requests[3]["query"].as_str().unwrap().contains("Signature=REDACTED"),
        "{text}"
    );
    for secret in [
        "5e987ac6d2e04d95a9d8f0d1",
        VIP_AUTH,
        client_secret,
        token.as_str(),
        signature.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "no ANSI codes in a file");
    let _ = std::fs::remove_file(log);
}

#[test]
fn text_logs_have_no_colour_off_a_terminal_and_log_level_silences_requests() {
    let (log, file) = temp_file("text-log");
    let process = Process::spawn(&[], Stdio::from(file));
    assert!(process.get("/v1/messages?start=0&count=1").starts_with("HTTP/1.1 200"));
    assert!(process.terminate().success());
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("mock_server::request"))
        .unwrap_or_else(|| panic!("{text}"));
    for field in [
        "method=GET",
        "path=/v1/messages",
        "status=200",
        "latency_ms=",
        "family=\"jmessage\"",
    ] {
        assert!(line.contains(field), "{field} in {line}");
    }
    assert!(
        !text.contains('\u{1b}'),
        "no ANSI codes when stderr is not a terminal: {text:?}"
    );
    assert!(!text.contains("5e987ac6d2e04d95a9d8f0d1") && !text.contains(VIP_AUTH));

    let (quiet_log, file) = temp_file("quiet-log");
    let quiet = Process::spawn(&["--log-level", "warn"], Stdio::from(file));
    assert!(quiet.get("/v1/messages?start=0&count=1").starts_with("HTTP/1.1 200"));
    assert!(quiet.terminate().success());
    let text = std::fs::read_to_string(&quiet_log).unwrap();
    assert!(!text.contains("mock_server::request"), "{text}");
    let _ = (std::fs::remove_file(log), std::fs::remove_file(quiet_log));
}

#[test]
fn a_port_in_use_is_named_with_a_way_out() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(BIN).args(["--port", &port]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port}")) && stderr.contains("in use") && stderr.contains("--port 0"),
        "{stderr}"
    );
}

#[test]
fn host_localhost_binds_the_loopback() {
    let process = Process::start(&["--host", "localhost"]);
    assert!(process.addr.starts_with("127.0.0.1:"), "{}", process.addr);
    assert!(process.get("/_mock/health").starts_with("HTTP/1.1 200"));
    assert!(process.terminate().success());
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = Command::new(BIN).args(["completions", shell]).output().unwrap();
        assert!(
            output.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(
            script.contains("mock-server") && script.contains("journal-size"),
            "{shell}: {script}"
        );
    }
    let output = Command::new(BIN).args(["completions", "cmd.exe"]).output().unwrap();
    assert!(!output.status.success());
}
