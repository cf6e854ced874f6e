//! The conformance harness end to end, through its command line (in-process, with its
//! output captured): the whole suite passes against a shared mock and leaves it as found;
//! a wrong expectation fails readably with a non-zero exit; the JUnit file is valid JUnit
//! XML; a `--target real` run whose vendor base URLs point at a local stand-in shows no
//! secret anywhere; recordings made that way compare clean against the mock, and every
//! kind of difference is named; a recording of another day's data compares clean, a field
//! renamed in one fails; `compare` without recordings fails; the committed recordings of
//! documented and seen answers compare clean. (Each scenario against its own mock, one
//! test per file: `scenarios.rs`.)

use std::path::{Path, PathBuf};

use base64::{engine::general_purpose::STANDARD, Engine};
use conformance::{main_captured, Env};
use e2e::{Mock, NOW};
use quick_xml::{events::Event, Reader};
use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conformance-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scenario directory holding the repository's schemas and the named scenarios, each
/// passed through `edit`.
fn scenario_dir(name: &str, scenarios: &[&str], edit: impl Fn(&str, String) -> String) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    for entry in std::fs::read_dir(repo("scenarios/schemas")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("schemas").join(path.file_name().unwrap())).unwrap();
    }
    for scenario in scenarios {
        let text = std::fs::read_to_string(repo(&format!("scenarios/{scenario}.toml"))).unwrap();
        std::fs::write(dir.join(format!("{scenario}.toml")), edit(scenario, text)).unwrap();
    }
    dir
}

fn scenario_files() -> usize {
    std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "toml"))
        .count()
}

/// A user's rule, on a path no scenario uses: it must survive the run.
fn users_own_rule() -> Value {
    serde_json::json!({"match": {"path": "/v9/nobody"}, "effect": {"status": 503}})
}

#[tokio::test]
async fn every_scenario_passes_against_a_shared_mock_with_a_running_clock_and_leaves_it_as_found() {
    // Started like `mock-server` without --clock: the clock runs with the wall time.
    let shared = Mock::start_with(|s| s.clock = None).await;
    let added = shared
        .send(
            shared
                .client
                .post(shared.url("/_mock/faults"))
                .header("Content-Type", "application/json")
                .body(users_own_rule().to_string()),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let before = chrono::Utc::now();
    let base = shared.server.base_url();
    let scenarios = repo("scenarios");
    let (code, out) = main_captured(
        &["run", "--scenarios", scenarios.to_str().unwrap(), "--base-url", &base],
        &Env::default(),
    )
    .await;
    let after = chrono::Utc::now();
    let files = scenario_files();
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("{files} scenarios against the mock: {files} passed, 0 failed")),
        "{out}"
    );

    // Faults added by scenarios are gone, the user's own rule is kept.
    let faults = shared.get_with(None, "/_mock/faults").await.json;
    let rules = faults["faults"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{faults}");
    assert_eq!(rules[0]["match"], users_own_rule()["match"]);
    // Quotas are as they were (and their windows fresh: a history call goes through).
    let limits = shared.get_with(None, "/_mock/rate-limits").await.json;
    assert_eq!(
        limits,
        serde_json::json!({"jpush": {"limit": 2400, "window_seconds": 60}, "easemob": {"limit": 10, "window_seconds": 60}})
    );
    // The clock runs on from where it would be, whatever the scenarios did with it.
    let clock = shared.get_with(None, "/_mock/clock").await.json;
    assert_eq!(clock["frozen"], false, "{clock}");
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let slack = chrono::TimeDelta::seconds(2);
    assert!(
        before - slack <= now && now <= chrono::Utc::now() + slack && after - slack <= now,
        "{now} between {before} and {after}"
    );
}

/// Scenarios meet the data of whatever hour they run at (a shared mock's clock is the wall
/// clock): they must pass in the quietest hours of the night, when an hour holds a handful
/// of messages, as at the busiest. Beijing 03:30, 05:30 and 20:30.
#[tokio::test]
async fn every_scenario_passes_at_the_quietest_and_busiest_hours_of_the_day() {
    let scenarios = repo("scenarios");
    for instant in [
        "2026-11-20T03:30:00+08:00",
        "2026-11-20T05:30:00+08:00",
        "2026-11-20T20:30:00+08:00",
    ] {
        let at = chrono::DateTime::parse_from_rfc3339(instant).unwrap().to_utc();
        let mock = Mock::start_with(|s| s.clock = Some(at)).await;
        let base = mock.server.base_url();
        let (code, out) = main_captured(
            &["run", "--scenarios", scenarios.to_str().unwrap(), "--base-url", &base],
            &Env::default(),
        )
        .await;
        assert_eq!(code, 0, "at {instant}:\n{out}");
    }
}

#[tokio::test]
async fn a_fault_scenario_on_a_shared_mock_has_its_rules_deleted_afterwards() {
    let shared = Mock::start().await;
    let base = shared.server.base_url();
    // control-faults-crud ends with a rule that faults every vendor request.
    let dir = scenario_dir(
        "shared-faults",
        &["control-faults-crud", "jmessage-faults-injected"],
        |_, text| text,
    );
    let (code, out) = main_captured(
        &["run", "--scenarios", dir.to_str().unwrap(), "--base-url", &base],
        &Env::default(),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    let faults = shared.get_with(None, "/_mock/faults").await.json;
    assert_eq!(faults["faults"], serde_json::json!([]), "{faults}");
    let served = shared.get(e2e::Role::Vip, "/v1/messages?start=0&count=1").await;
    assert_eq!(served.status, 200, "{}", served.text);
    assert_eq!(shared.get_with(None, "/_mock/clock").await.json["now"], NOW);
}

/// A shared mock started with `--control-token`: with `CONFORMANCE_CONTROL_TOKEN` the
/// harness drives its control API (state-changing scenarios included, and puts it back);
/// without, it stops at the first control call; the token never appears in the output.
#[tokio::test]
async fn the_harness_drives_a_token_protected_mock_with_conformance_control_token() {
    const TOKEN: &str = "harness-control-token";
    let shared = Mock::start_with(|s| {
        s.control_token = Some(mock_server::settings::ControlToken::new(TOKEN).unwrap());
    })
    .await;
    let base = shared.server.base_url();
    let dir = scenario_dir(
        "token",
        &[
            "control-faults-crud",
            "control-clock-set",
            "control-rate-limits",
            "control-health",
        ],
        |_, text| text,
    );
    let args = ["run", "--scenarios", dir.to_str().unwrap(), "--base-url", &base];
    let (code, out) = main_captured(&args, &Env::from_pairs([("CONFORMANCE_CONTROL_TOKEN", TOKEN)])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 scenarios against the mock: 4 passed"), "{out}");
    assert!(!out.contains(TOKEN), "{out}");
    let faults = shared
        .send(shared.client.get(shared.url("/_mock/faults")).bearer_auth(TOKEN))
        .await;
    assert_eq!(faults.json["faults"], serde_json::json!([]), "{}", faults.text);

    let (code, out) = main_captured(&args, &Env::default()).await;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("401"), "{out}");
}

#[tokio::test]
async fn a_wrong_expectation_fails_readably_with_a_nonzero_exit() {
    let dir = scenario_dir(
        "wrong",
        &["jmessage-unknown-group", "jmessage-unknown-user"],
        |name, text| {
            if name == "jmessage-unknown-group" {
                text.replace("error_code = 899006", "error_code = 899004")
            } else {
                text
            }
        },
    );
    let (code, out) = main_captured(&["run", "--scenarios", dir.to_str().unwrap()], &Env::default()).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("PASS  jmessage-unknown-user"), "{out}");
    for expected in [
        "FAIL  jmessage-unknown-group",
        "step 1 \"unknown group\": `$.error.code` equals 899004: got integer 899006",
        "request:  GET http://127.0.0.1:",
        "/v2/groups/999/messages?count=10&begin_time=",
        "Authorization: Basic <redacted>",
        "response: 404 {\"error\":{\"code\":899006,",
        "2 scenarios against the mock: 1 passed, 1 failed, 0 skipped",
        "failed: jmessage-unknown-group",
    ] {
        assert!(out.contains(expected), "`{expected}` in:\n{out}");
    }
}

#[tokio::test]
async fn credentials_named_in_a_body_are_redacted_from_failures() {
    let dir = scenario_dir("credentials", &["easemob-token-errors"], |_, text| {
        text.replace(
            "status = 400\nerror_code = \"invalid_grant\"",
            "status = 499\nerror_code = \"invalid_grant\"",
        )
    });
    let (code, out) = main_captured(&["run", "--scenarios", dir.to_str().unwrap()], &Env::default()).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("status is 400, expected 499"), "{out}");
    assert!(
        out.contains("POST http://127.0.0.1:") && out.contains("\"client_secret\":\"<redacted>\""),
        "the request is shown, its secret redacted: {out}"
    );
    let mock = Mock::start().await;
    let listing = mock.get_with(None, "/_mock/apps").await.json;
    let secret = listing["easemob"][0]["client_secret"].as_str().unwrap();
    assert!(!out.contains(secret), "the client secret leaked into:\n{out}");
}

#[tokio::test]
async fn the_readme_example_passes_against_the_mock() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let example = readme
        .split("<!-- scenario-example -->\n```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the README holds the scenario example")
        .to_owned();
    let dir = scenario_dir("readme", &[], |_, text| text);
    std::fs::write(dir.join("jmessage-v2-example.toml"), example).unwrap();
    let (code, out) = main_captured(&["run", "--scenarios", dir.to_str().unwrap()], &Env::default()).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS  jmessage-v2-example"), "{out}");
}

#[tokio::test]
async fn invalid_scenario_files_are_refused_before_anything_runs() {
    let dir = scenario_dir("invalid", &["jmessage-unknown-group"], |_, text| {
        text.replace("error_code = 899006", "error_kode = 899006")
    });
    let (code, out) = main_captured(&["run", "--scenarios", dir.to_str().unwrap()], &Env::default()).await;
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("jmessage-unknown-group.toml") && out.contains("unknown field `error_kode`"),
        "{out}"
    );
}

/// Environment for `--target real` against `stand_in`: its base URL for every family and
/// the given credentials; sample ids from its listing.
async fn real_env(stand_in: &Mock, vip: (&str, &str), plain: (&str, &str)) -> Env {
    let apps = stand_in.get_with(None, "/_mock/apps").await.json;
    let ids = |role_vip: bool, kind: &str| -> String {
        let app = apps["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["vip"] == role_vip)
            .unwrap();
        let ids: Vec<&str> = app[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        ids.join(",")
    };
    let base = stand_in.server.base_url();
    let mut pairs = vec![
        ("CONFORMANCE_JMESSAGE_BASE_URL".to_string(), base.clone()),
        ("CONFORMANCE_JPUSH_BASE_URL".to_string(), base.clone()),
        ("CONFORMANCE_EASEMOB_BASE_URL".to_string(), base),
        ("CONFORMANCE_VIP_APP_KEY".to_string(), vip.0.to_string()),
        ("CONFORMANCE_VIP_MASTER_SECRET".to_string(), vip.1.to_string()),
        ("CONFORMANCE_PLAIN_APP_KEY".to_string(), plain.0.to_string()),
        ("CONFORMANCE_PLAIN_MASTER_SECRET".to_string(), plain.1.to_string()),
    ];
    for (role, is_vip) in [("VIP", true), ("PLAIN", false)] {
        for kind in ["usernames", "group_ids", "chatroom_ids"] {
            pairs.push((format!("CONFORMANCE_{role}_{}", kind.to_uppercase()), ids(is_vip, kind)));
        }
    }
    Env::from_pairs(pairs)
}

/// Every file under `dir`, concatenated.
fn all_files(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text.push_str(&all_files(&path));
        } else {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    text
}

/// The secrets of a key pair as they could leak: the secret, and Basic encodings of the
/// pair with it and with the harness's "wrong secret" (which is derived from it).
fn leak_forms(key: &str, secret: &str) -> Vec<String> {
    let wrong = conformance::target::wrong_secret(secret);
    vec![
        secret.to_string(),
        wrong.clone(),
        STANDARD.encode(format!("{key}:{secret}")),
        STANDARD.encode(format!("{key}:{wrong}")),
    ]
}

/// Scenarios of every kind: passing with data, errors, wrong credentials, mock-only
/// (skipped), slow (skipped with --skip-slow).
const MIXED: [&str; 7] = [
    "jmessage-v2-messages-first-page",
    "jmessage-v1-matches-v2",
    "jmessage-auth-wrong-secret",
    "jmessage-cursor-foreign-app",
    "jmessage-unknown-user",
    "control-apps-listing",
    "jmessage-cursor-expired-at-121s",
];

#[tokio::test]
async fn a_real_run_against_a_stand_in_shows_no_secret_anywhere() {
    let stand_in = Mock::start().await;
    let (vip, plain) = (
        stand_in.credentials(e2e::Role::Vip),
        stand_in.credentials(e2e::Role::Plain),
    );
    let dir = scratch("secrets");
    let scenarios = scenario_dir("secrets-scenarios", &MIXED, |_, text| text);
    let mut outputs = String::new();
    let mut leaks: Vec<String> = Vec::new();

    // With the stand-in's own (demo) credentials: scenarios pass and responses flow.
    let env = real_env(&stand_in, (&vip.0, &vip.1), (&plain.0, &plain.1)).await;
    leaks.extend(leak_forms(&vip.0, &vip.1));
    leaks.extend(leak_forms(&plain.0, &plain.1));
    let out_dir = dir.join("demo");
    let args = real_args(&scenarios, &out_dir, "run");
    let (code, out) = main_captured(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS  jmessage-v2-messages-first-page"), "{out}");
    assert!(
        out.contains("SKIP  control-apps-listing  (control): mock-only"),
        "{out}"
    );
    assert!(
        out.contains("SKIP  jmessage-cursor-expired-at-121s") && out.contains("--skip-slow"),
        "{out}"
    );
    outputs.push_str(&out);
    let record_args = real_args(&scenarios, &out_dir, "record");
    let (code, out) = main_captured(&record_args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(code, 0, "{out}");
    outputs.push_str(&out);
    outputs.push_str(&all_files(&out_dir));

    // With made-up credentials: every authenticated request fails and is shown.
    let made_up = (("0123456789abcdefABCDEF01"), ("fedcba9876543210FEDCBA98"));
    let env = real_env(&stand_in, made_up, made_up).await;
    leaks.extend(leak_forms(made_up.0, made_up.1));
    let out_dir = dir.join("made-up");
    let args = real_args(&scenarios, &out_dir, "run");
    let (code, out) = main_captured(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("status is 401, expected 200"), "{out}");
    assert!(
        out.contains("Authorization: Basic <redacted>"),
        "the header is shown, redacted: {out}"
    );
    outputs.push_str(&out);
    outputs.push_str(&all_files(&out_dir));

    for report in [
        "demo/junit.xml",
        "demo/report.json",
        "made-up/junit.xml",
        "made-up/report.json",
    ] {
        assert!(dir.join(report).is_file(), "{report} was written");
    }
    assert!(
        dir.join("demo/recorded/jmessage-v1-matches-v2.json").is_file(),
        "recordings were written"
    );
    for leak in &leaks {
        assert!(!outputs.contains(leak.as_str()), "`{leak}` leaked into:\n{outputs}");
    }
}

/// `run`/`record` arguments against the real target, reports and recordings under `out`.
fn real_args(scenarios: &Path, out: &Path, command: &str) -> Vec<String> {
    let path = |name: &str| out.join(name).to_str().unwrap().to_string();
    let mut args: Vec<String> = [
        command,
        "--target",
        "real",
        "--scenarios",
        scenarios.to_str().unwrap(),
        "--clock",
        NOW,
        "--skip-slow",
        "--include-needs-data",
        "--delay-ms",
        "0",
    ]
    .map(String::from)
    .to_vec();
    match command {
        "record" => args.extend(["--recordings".into(), path("recorded")]),
        _ => args.extend([
            "--junit".into(),
            path("junit.xml"),
            "--json".into(),
            path("report.json"),
        ]),
    }
    args
}

#[tokio::test]
async fn the_junit_report_is_valid_junit_xml() {
    let stand_in = Mock::start().await;
    let (vip, plain) = (
        stand_in.credentials(e2e::Role::Vip),
        stand_in.credentials(e2e::Role::Plain),
    );
    let env = real_env(&stand_in, (&vip.0, &vip.1), (&plain.0, &plain.1)).await;
    let scenarios = scenario_dir(
        "junit-scenarios",
        &["jmessage-unknown-user", "jmessage-unknown-group", "control-health"],
        |name, text| {
            if name == "jmessage-unknown-group" {
                text.replace("status = 404", "status = 410")
            } else {
                text
            }
        },
    );
    let out = scratch("junit");
    let args = real_args(&scenarios, &out, "run");
    let (code, printed) = main_captured(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(code, 1, "{printed}");

    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let document = parse_xml(&xml);
    assert_eq!(document.children.len(), 1, "one root: {xml}");
    let root = &document.children[0];
    assert_eq!(root.name, "testsuites");
    let suites = root.named("testsuite");
    assert_eq!(suites.len(), 1, "{xml}");
    let suite = suites[0];
    for (key, value) in [("tests", "3"), ("failures", "1"), ("skipped", "1"), ("errors", "0")] {
        assert_eq!(suite.attributes[key], value, "{key} in {xml}");
        assert_eq!(root.attributes[key], value, "{key} in {xml}");
    }
    let cases = suite.named("testcase");
    assert_eq!(cases.len(), 3, "{xml}");
    for case in &cases {
        assert_eq!(
            case.attributes["classname"],
            format!(
                "conformance.{}",
                if case.attributes["name"].starts_with("control") {
                    "control"
                } else {
                    "jmessage"
                }
            )
        );
        assert!(case.attributes["time"].parse::<f64>().is_ok(), "{xml}");
    }
    let case = |name: &str| {
        *cases
            .iter()
            .find(|c| c.attributes["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {xml}"))
    };
    assert!(
        case("jmessage-unknown-user").children.is_empty(),
        "a pass is an empty testcase"
    );
    let skipped = case("control-health").named("skipped");
    assert_eq!(skipped.len(), 1, "{xml}");
    assert_eq!(skipped[0].attributes["message"], "mock-only");
    let failures = case("jmessage-unknown-group").named("failure");
    assert_eq!(failures.len(), 1, "{xml}");
    let failure = failures[0];
    assert_eq!(
        failure.attributes["message"],
        "step 1 \"unknown group\": status is 404, expected 410"
    );
    assert!(
        failure.text.contains("request:\nGET http://127.0.0.1:"),
        "{}",
        failure.text
    );
    assert!(
        failure.text.contains("Authorization: Basic <redacted>"),
        "{}",
        failure.text
    );
    assert!(
        failure.text.contains("response:\n404 {\"error\":{\"code\":899006"),
        "{}",
        failure.text
    );
}

/// An XML element: enough of a DOM to check a JUnit file.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: std::collections::BTreeMap<String, String>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn named(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// Parses `xml`, failing on anything that is not well-formed (mismatched or unclosed tags).
fn parse_xml(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack = vec![Element::default()];
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("invalid XML at byte {}: {e}\n{xml}", reader.buffer_position()));
        match event {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(element(&e)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack
                    .last_mut()
                    .expect("an end tag without a start")
                    .children
                    .push(done);
            }
            Event::Text(text) => stack.last_mut().unwrap().text.push_str(&text.unescape().unwrap()),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "every element is closed");
    stack.pop().unwrap()
}

fn element(start: &quick_xml::events::BytesStart) -> Element {
    let attributes = start
        .attributes()
        .map(|a| {
            let a = a.expect("well-formed attribute");
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.unescape_value().unwrap().into_owned(),
            )
        })
        .collect();
    Element {
        name: String::from_utf8(start.name().as_ref().to_vec()).unwrap(),
        attributes,
        ..Element::default()
    }
}

#[tokio::test]
async fn recordings_of_a_stand_in_compare_clean_and_every_difference_is_named() {
    let stand_in = Mock::start().await;
    let (vip, plain) = (
        stand_in.credentials(e2e::Role::Vip),
        stand_in.credentials(e2e::Role::Plain),
    );
    let env = real_env(&stand_in, (&vip.0, &vip.1), (&plain.0, &plain.1)).await;
    let picked = [
        "jmessage-v2-messages-first-page",
        "jmessage-unknown-user",
        "jmessage-v2-groups-messages",
    ];
    let scenarios = scenario_dir("compare-scenarios", &picked, |_, text| text);
    let out = scratch("compare");
    let record = real_args(&scenarios, &out, "record");
    let (code, printed) = main_captured(&record.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(code, 0, "{printed}");
    let recorded = out.join("recorded");
    assert!(
        printed.contains(&format!("recorded 3 scenario(s) into {}", recorded.display())),
        "{printed}"
    );
    let file = recorded.join("jmessage-v2-messages-first-page.json");
    let recording: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let example = &recording["steps"][0]["example"];
    assert_eq!(example["cursor"], "<cursor:1>", "cursors become placeholders");
    assert_eq!(
        example["messages"].as_array().unwrap().len(),
        3,
        "examples keep a few items"
    );
    assert!(example["messages"][0]["msgid"].as_str().unwrap().starts_with("<id:"));
    assert_eq!(
        recording["steps"][0]["request"], "GET /v2/messages",
        "the template, not the values"
    );

    let compare = |recordings: PathBuf| {
        let args = [
            "compare".to_string(),
            "--scenarios".into(),
            scenarios.to_str().unwrap().into(),
            "--recordings".into(),
            recordings.to_str().unwrap().into(),
        ];
        async move { main_captured(&args.iter().map(String::as_str).collect::<Vec<_>>(), &Env::default()).await }
    };
    let (code, printed) = compare(recorded.clone()).await;
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains("compared 3 scenario(s) with their recordings") && printed.contains(": 0 differ"),
        "{printed}"
    );

    // Alter the recording: a status, a field the mock lacks, a type, a null-ness.
    let mut altered = recording.clone();
    let step = &mut altered["steps"][0];
    step["status"] = 206.into();
    let shape = step["shape"].as_object_mut().unwrap();
    shape.insert("$.next_page".into(), serde_json::json!(["string"]));
    shape.insert("$.total".into(), serde_json::json!(["string"]));
    shape.insert("$.count".into(), serde_json::json!(["integer", "null"]));
    std::fs::write(&file, serde_json::to_string_pretty(&altered).unwrap()).unwrap();
    let (code, printed) = compare(recorded).await;
    assert_eq!(code, 1, "{printed}");
    for expected in [
        "FAIL  jmessage-v2-messages-first-page",
        "status recorded 206, mock 200",
        "`$.next_page` is missing on the mock (recorded: string)",
        "`$.total` type: recorded string, mock integer",
        "`$.count` null-ness: recorded sometimes null, mock never null",
        "PASS  jmessage-unknown-user",
    ] {
        assert!(printed.contains(expected), "`{expected}` in:\n{printed}");
    }
}

#[tokio::test]
async fn a_real_answer_that_fails_its_checks_is_still_recorded() {
    let stand_in = Mock::start().await;
    let (vip, plain) = (
        stand_in.credentials(e2e::Role::Vip),
        stand_in.credentials(e2e::Role::Plain),
    );
    let env = real_env(&stand_in, (&vip.0, &vip.1), (&plain.0, &plain.1)).await;
    // As if the real service answered differently from the mock's contract.
    let scenarios = scenario_dir("record-failing-scenarios", &["jmessage-unknown-group"], |_, text| {
        text.replace("error_code = 899006", "error_code = 899099")
    });
    let out = scratch("record-failing");
    let args = real_args(&scenarios, &out, "record");
    let (code, printed) = main_captured(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env).await;
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("`$.error.code` equals 899099: got integer 899006"),
        "{printed}"
    );
    let file = out.join("recorded/jmessage-unknown-group.json");
    let recording: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(recording["steps"][0]["status"], 404);
    assert_eq!(
        recording["steps"][0]["shape"]["$.error.code"],
        serde_json::json!(["integer"])
    );
}

/// Records the answers of the scenarios named in `only` (empty: every one) from
/// in-process mocks frozen at `clock`, as `record` would from a real account, into `dir`.
async fn record_the_mock(clock: &str, dir: &Path, only: &[&str]) {
    use conformance::{
        cli::default_mock_options,
        record,
        report::console::Console,
        runner::{self, RunOptions},
        target::{SkipOptions, Target},
    };
    use std::sync::Arc;
    let redactor = Arc::new(conformance::redact::Redactor::new());
    let options = conformance::target::MockOptions {
        clock: chrono::DateTime::parse_from_rfc3339(clock).unwrap(),
        ..default_mock_options()
    };
    let target = Arc::new(Target::mock(options, redactor.clone()).await.unwrap());
    let (mut scenarios, schemas) = conformance::scenario::load_dir(&repo("scenarios")).unwrap();
    scenarios.retain(|s| only.is_empty() || only.contains(&s.name.as_str()));
    let console = Arc::new(Console::new(Box::new(conformance::Buffer::default()), redactor.clone()));
    let run = RunOptions {
        jobs: 8,
        skip: SkipOptions::default(),
        collect: true,
        finish: None,
    };
    let results = runner::run_all(target, scenarios, Arc::new(schemas), run, console).await;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.name.as_str())
        .collect();
    assert!(failed.is_empty(), "every scenario passes at {clock}: {failed:?}");
    let written = record::write_recordings(dir, &results, &clock[..10], &redactor).unwrap();
    let expected = if only.is_empty() { scenario_files() } else { only.len() };
    assert_eq!(written.len(), expected);
}

/// Real data differ from day to day (other message types on a page, a platform without
/// devices, a count null one day): a recording of another day's data compares clean.
#[tokio::test]
async fn the_mock_recorded_on_one_day_compares_clean_with_another_days_data() {
    let dir = scratch("two-days");
    record_the_mock("2026-11-18T09:30:00+08:00", &dir, &[]).await;
    let (code, printed) = main_captured(
        &["compare", "--recordings", dir.to_str().unwrap(), "--clock", NOW],
        &Env::default(),
    )
    .await;
    let files = scenario_files();
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains(&format!(
            "compared {files} scenario(s) with their recordings in {}: 0 differ, 0 accepted difference(s), 0 missing",
            dir.display()
        )),
        "{printed}"
    );
    assert!(
        printed.contains("seen only"),
        "variants differ between the days: {printed}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A field renamed in a recording (in every variant of its messages) is a difference,
/// named by its JSON path, and fails `compare`.
#[tokio::test]
async fn a_field_renamed_in_a_recording_fails_compare_and_names_its_path() {
    let dir = scratch("renamed");
    record_the_mock(NOW, &dir, &["jmessage-v2-messages-first-page"]).await;
    let file = dir.join("jmessage-v2-messages-first-page.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(".msgid\""), "{text}");
    std::fs::write(&file, text.replace(".msgid\"", ".msg_id\"")).unwrap();
    let (code, printed) = main_captured(
        &[
            "compare",
            "--recordings",
            dir.to_str().unwrap(),
            "--only",
            "jmessage-v2-messages-first-page",
        ],
        &Env::default(),
    )
    .await;
    assert_eq!(code, 1, "{printed}");
    for expected in [
        "FAIL  jmessage-v2-messages-first-page",
        "`$.messages[*].msg_id` is missing on the mock (recorded: integer)",
        "`$.messages[*].msgid` exists only on the mock (integer)",
        ": 1 differ",
    ] {
        assert!(printed.contains(expected), "`{expected}` in:\n{printed}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// `compare` is loud: no recordings directory, a directory without recordings, a
/// scenario without a recording are errors; `--allow-missing` lets the last pass.
#[tokio::test]
async fn compare_without_recordings_fails() {
    let compare = |dir: PathBuf, extra: &'static [&'static str]| async move {
        let mut args = vec![
            "compare".to_string(),
            "--recordings".into(),
            dir.to_str().unwrap().into(),
            "--only".into(),
            "jmessage-unknown-user".into(),
            "--only".into(),
            "jmessage-unknown-group".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        main_captured(&args.iter().map(String::as_str).collect::<Vec<_>>(), &Env::default()).await
    };
    let (code, printed) = compare(PathBuf::from("/typo/dir"), &[]).await;
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains("error: no recordings directory /typo/dir"),
        "{printed}"
    );

    let empty = scratch("no-recordings");
    let (code, printed) = compare(empty.clone(), &["--allow-missing"]).await;
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains("none of the 2 selected scenario(s) has a recording"),
        "{printed}"
    );

    record_the_mock(NOW, &empty, &["jmessage-unknown-user"]).await;
    let (code, printed) = compare(empty.clone(), &[]).await;
    assert_eq!(code, 1, "{printed}");
    assert!(printed.contains("FAIL  jmessage-unknown-group"), "{printed}");
    assert!(printed.contains("no recording"), "{printed}");
    assert!(
        printed.contains(": 0 differ, 0 accepted difference(s), 1 missing"),
        "{printed}"
    );
    let (code, printed) = compare(empty.clone(), &["--allow-missing"]).await;
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("compared 1 scenario(s)"), "{printed}");
    std::fs::remove_dir_all(empty).unwrap();
}

/// The committed recordings — vendor documents' response examples and answers seen in
/// public — compare clean against the mock (accepted differences aside, each with its
/// reason), and a field renamed in one of them is caught.
#[tokio::test]
async fn the_documented_and_seen_answers_compare_clean_and_a_renamed_field_fails() {
    let recorded = repo("fixtures/recorded");
    let mut evidence = 0;
    let mut args = vec!["compare".to_string(), "--allow-missing".into()];
    for entry in std::fs::read_dir(&recorded).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let recording: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let source = recording["source"].as_str().unwrap_or("real");
        assert!(
            ["doc", "seen"].contains(&source) && recording["reference"].as_str().is_some_and(|r| !r.is_empty()),
            "{} says where it comes from",
            path.display()
        );
        evidence += 1;
        // Only the recorded scenarios run: the others would be "missing" anyway.
        args.extend(["--only".into(), recording["scenario"].as_str().unwrap().to_owned()]);
    }
    assert!(evidence >= 20, "{evidence} recordings of documented or seen answers");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, printed) = main_captured(&args, &Env::default()).await;
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains(&format!("compared {evidence} scenario(s) with their recordings in"))
            && printed.contains(": 0 differ, "),
        "{printed}"
    );
    assert!(
        printed.contains("accepted: "),
        "the documents' own slips are listed: {printed}"
    );

    let dir = scratch("evidence");
    let name = "jmessage-v2-groups-messages.json";
    let text = std::fs::read_to_string(recorded.join(name)).unwrap();
    assert!(text.contains("\"msgid\""), "{text}");
    std::fs::write(dir.join(name), text.replace("\"msgid\"", "\"msg_id\"")).unwrap();
    let (code, printed) = main_captured(
        &[
            "compare",
            "--recordings",
            dir.to_str().unwrap(),
            "--only",
            "jmessage-v2-groups-messages",
        ],
        &Env::default(),
    )
    .await;
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed
            .contains("`$.messages[*].msg_id` is missing on the mock (recorded: integer) in variant(s) msg_type=text"),
        "{printed}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
