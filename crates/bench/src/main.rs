//! `bench`: the performance of the mock, each figure beside a baseline measured in the
//! same run (these machines are shared and noisy). One command: `scripts/bench`.
//!
//! Sections:
//! - datasets: startup, resident memory, and sequential latency of 1000-message pages,
//!   with the default dataset and with 10× the messages per day;
//! - load: every route under 64 connections (wrk) against the baseline server's
//!   hello-world and same-size pre-serialised bodies, with the targets of the issue;
//! - hot path: what the request journal and an unused fault rule cost;
//! - easemob: hourly files built cold and served warm, and memory over many hours;
//! - shared state: the small JPush request and a 1000-message page with `--state-url`
//!   (a local redis-server) against in-process (`--only fleet` runs this section alone);
//! - conformance: the wall time of the whole scenario suite against the mock.
//!
//! Traffic goes to loopback only, and every run is bounded in time.

mod baseline;
mod client;
mod easemob;
mod fleet;
mod load;
mod server;
mod wrk;

use std::{
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use serde::Serialize;

use crate::{
    client::{time_paths, time_requests, Connection},
    load::{Route, Target},
    server::Server,
    wrk::Request,
};

const CLOCK: &str = "2026-11-20T12:00:00+08:00";
const VIP: (&str, &str) = ("7d431e42dfa6a6d693ac2d04", "5e987ac6d2e04d95a9d8f0d1");
const WEEK_QUERY: &str = "begin_time=2026-11-13%2012:00:00&end_time=2026-11-20%2012:00:00";
const DEFAULT_MESSAGES_PER_DAY: u32 = 2000;
/// Connections of the load runs (2 cores, shared by the server and wrk).
const CONNECTIONS: usize = 64;
/// Flags that take the rate limits out of the way of a load test.
const UNLIMITED: [&str; 4] = ["--jpush-rate-limit", "1000000000", "--easemob-history-quota", "1000000"];
const EASEMOB_APP: &str = "/demo-org/demo-app";
const EASEMOB_TOKEN_REQUEST: &str = r#"{"grant_type":"client_credentials","client_id":"YXA6mockClientIdDemo0000001","client_secret":"YXA6mockClientSecretDemo000000000001"}"#;

#[derive(Serialize)]
struct Report {
    machine: String,
    datasets: Vec<DatasetReport>,
    /// RSS after the same sequential load, 10× messages per day over the default.
    rss_growth_10x: f64,
    load: LoadReport,
    hot_path: HotPath,
    easemob: easemob::EasemobReport,
    fleet: fleet::FleetReport,
    conformance_suite_seconds: f64,
    targets: Vec<TargetCheck>,
}

#[derive(Serialize)]
struct DatasetReport {
    messages_per_day: u32,
    startup_ms: f64,
    rss_idle_mb: f64,
    rss_after_load_mb: f64,
    measurements: Vec<Measurement>,
}

#[derive(Serialize)]
struct Measurement {
    name: &'static str,
    body_bytes: usize,
    p50_ms: f64,
    p99_ms: f64,
    /// p50 of this route divided by p50 of the mock's hello-world measured just before it.
    p50_vs_baseline: f64,
    baseline_p50_ms: f64,
}

#[derive(Serialize)]
struct LoadReport {
    connections: usize,
    seconds_per_run: u64,
    startup_ms: f64,
    rss_idle_mb: f64,
    /// The peak resident memory of the mock over the whole load section.
    rss_peak_under_load_mb: f64,
    rows: Vec<load::Row>,
}

/// What the journal, an unused fault rule and the per-request log line (at its default
/// level, written to a discarded stderr) cost a small JPush request: requests per second
/// with each, as a ratio to a server with none of them.
#[derive(Serialize)]
struct HotPath {
    route: &'static str,
    neither_requests_per_second: f64,
    journal_ratio: f64,
    unused_fault_ratio: f64,
    request_log_ratio: f64,
}

#[derive(Serialize)]
struct TargetCheck {
    what: String,
    value: f64,
    limit: String,
    met: bool,
}

fn main() {
    let mut requests = 300;
    let mut seconds = 2;
    let mut json_out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("baseline-server") {
        return baseline::serve();
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--requests" => requests = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| usage()),
            "--seconds" => seconds = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| usage()),
            "--json" => json_out = Some(args.next().unwrap_or_else(|| usage()).into()),
            "--only" if args.next().as_deref() == Some("fleet") => {
                let report = fleet::measure(Duration::from_secs(seconds));
                fleet::print(&report);
                return;
            }
            _ => usage(),
        }
    }
    let duration = Duration::from_secs(seconds);
    let default = measure_dataset(DEFAULT_MESSAGES_PER_DAY, requests);
    let large = measure_dataset(DEFAULT_MESSAGES_PER_DAY * 10, requests);
    let load = measure_load(duration);
    let hot_path = measure_hot_path(duration);
    let easemob = easemob::measure(requests);
    let fleet = fleet::measure(duration);
    let conformance_suite_seconds = time_conformance_suite();
    let mut report = Report {
        machine: machine(),
        rss_growth_10x: large.rss_after_load_mb / default.rss_after_load_mb,
        datasets: vec![default, large],
        load,
        hot_path,
        easemob,
        fleet,
        conformance_suite_seconds,
        targets: Vec::new(),
    };
    report.targets = targets(&report);
    print_report(&report);
    if let Some(path) = json_out {
        std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).expect("write the JSON report");
        println!("JSON written to {}", path.display());
    }
}

fn usage() -> ! {
    eprintln!("usage: bench [--requests N] [--seconds S] [--json FILE] [--only fleet]");
    std::process::exit(2);
}

fn measure_dataset(messages_per_day: u32, requests: usize) -> DatasetReport {
    let (server, startup) = Server::start(&["--messages-per-day", &messages_per_day.to_string()]);
    let rss_idle_mb = server.rss_mb();
    let mut conn = Connection::open(&server.addr);
    let first_page = format!("/v2/messages?count=1000&{WEEK_QUERY}");
    let cursor = cursor_of(&mut conn, &first_page);
    let routes: [(&'static str, String); 4] = [
        (
            "v2 1000-message page via cursor",
            format!("/v2/messages?cursor={cursor}"),
        ),
        ("v2 first page (1000, 7-day window)", first_page),
        (
            "v1 offset page of 1000",
            "/v1/messages?start=20000&count=1000".to_owned(),
        ),
        ("jmessage 401 error", "/v2/messages?count=1".to_owned()),
    ];
    let measure = |conn: &mut Connection, name: &'static str, measured: client::Timing| {
        let baseline = time_requests(conn, "/_mock/health", requests, true);
        Measurement {
            name,
            body_bytes: measured.body_bytes,
            p50_ms: measured.p50_ms,
            p99_ms: measured.p99_ms,
            p50_vs_baseline: measured.p50_ms / baseline.p50_ms,
            baseline_p50_ms: baseline.p50_ms,
        }
    };
    let mut measurements: Vec<Measurement> = routes
        .into_iter()
        .map(|(name, path)| {
            let timing = time_requests(&mut conn, &path, requests, !name.contains("401"));
            measure(&mut conn, name, timing)
        })
        .collect();
    // A window a second later each time: nothing is memoised, every page is generated.
    let cold = time_paths(
        &mut conn,
        |i| format!("/v2/messages?count=1000&{}", shifted_week(i as i64)),
        requests,
        true,
    );
    measurements.push(measure(
        &mut conn,
        "v2 first page, new window each (a second later)",
        cold,
    ));
    // A window a day later each time: pages share no message, none was rendered before.
    let first_renders = time_paths(
        &mut conn,
        |i| format!("/v2/messages?count=1000&{}", shifted_week(-(i as i64 + 1) * 86_400)),
        FIRST_RENDERS,
        true,
    );
    measurements.push(measure(
        &mut conn,
        "v2 first page, messages never rendered",
        first_renders,
    ));
    DatasetReport {
        messages_per_day,
        startup_ms: startup.as_secs_f64() * 1000.0,
        rss_idle_mb,
        rss_after_load_mb: server.rss_mb(),
        measurements,
    }
}

/// Pages of messages never rendered before: windows a day apart, going back from the day
/// before [`WEEK_QUERY`]'s (the retained days allow no more).
const FIRST_RENDERS: usize = 35;

/// The week of [`WEEK_QUERY`], starting `seconds` later.
fn shifted_week(seconds: i64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 13)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let begin = start + chrono::TimeDelta::seconds(seconds);
    let end = begin + chrono::TimeDelta::days(7);
    let format = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d%%20%H:%M:%S").to_string();
    format!("begin_time={}&end_time={}", format(begin), format(end))
}

fn cursor_of(conn: &mut Connection, first_page: &str) -> String {
    let (_, body) = conn.get(first_page);
    json(&body)["cursor"]
        .as_str()
        .expect("a week has more than 1000 messages")
        .to_owned()
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("a JSON answer")
}

fn measure_load(duration: Duration) -> LoadReport {
    let (mock, startup) = Server::start(&UNLIMITED);
    let rss_idle_mb = mock.rss_mb();
    let (baseline, _) = Server::baseline();
    let routes = load_routes(&mock);
    let rows = load::measure(&mock, &baseline, &routes, CONNECTIONS, duration);
    LoadReport {
        connections: CONNECTIONS,
        seconds_per_run: duration.as_secs(),
        startup_ms: startup.as_secs_f64() * 1000.0,
        rss_idle_mb,
        rss_peak_under_load_mb: mock.peak_rss_mb(),
        rows,
    }
}

/// The routes of the load table, set up against `mock`, each with its answer's size.
fn load_routes(mock: &Server) -> Vec<(Route, usize)> {
    let mut conn = Connection::open(&mock.addr);
    let basic = conn.authorization.clone();
    let apps = json(&conn.get("/_mock/apps").1);
    let msg_ids: Vec<&str> = apps["apps"][0]["msg_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let devices: Vec<&str> = apps["apps"][0]["registration_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // 1000 registration ids: the sample of real devices, the rest of no app (status 2).
    let registration_ids: Vec<String> = (0..1000)
        .map(|i| {
            devices
                .get(i)
                .map_or_else(|| format!("bench{i:015}"), |d| d.to_string())
        })
        .collect();
    let status_body =
        serde_json::json!({"msg_id": msg_ids[0].parse::<u64>().unwrap(), "registration_ids": registration_ids})
            .to_string();
    let first_page = format!("/v2/messages?count=1000&{WEEK_QUERY}");
    let cursor = cursor_of(&mut conn, &first_page);
    let (_, token) = conn.post(&format!("{EASEMOB_APP}/token"), EASEMOB_TOKEN_REQUEST);
    let bearer = format!("Bearer {}", json(&token)["access_token"].as_str().unwrap());
    conn.authorization = bearer.clone();
    let file_path = easemob::file_path(&mut conn, "2026112008");
    let since = chrono::DateTime::parse_from_rfc3339(CLOCK).unwrap().timestamp_millis() - 2 * 86_400_000;
    let ql = format!("{EASEMOB_APP}/chatmessages?ql=select+*+where+timestamp%3E{since}&limit=1000");

    let authed = |path: String| Request::get(path).header("Authorization", basic.clone());
    let routes = [
        Route {
            name: "v2 1000-message page via cursor",
            request: authed(format!("/v2/messages?cursor={cursor}")),
            target: Target::SameSizeBody,
        },
        Route {
            name: "v2 first page (1000, 7-day window)",
            request: authed(first_page),
            target: Target::SameSizeBody,
        },
        Route {
            name: "v2 first page (1000), a new 7-day window each",
            request: authed("/v2/messages?count=1000".into()).unique_weeks(),
            target: Target::NewQuery,
        },
        Route {
            name: "v1 offset page of 1000",
            request: authed("/v1/messages?start=2000&count=1000".into()),
            target: Target::SameSizeBody,
        },
        Route {
            name: "v3/received, 100 msg_ids",
            request: authed(format!(
                "/v3/received?msg_ids={}",
                vec![msg_ids.join(","); 10].join(",")
            )),
            target: Target::SameSizeBody,
        },
        Route {
            name: "v3/received, 1 msg_id",
            request: authed(format!("/v3/received?msg_ids={}", msg_ids[0])),
            target: Target::HotPath,
        },
        Route {
            name: "v3/status/message, 1000 ids",
            request: Request::post("/v3/status/message", status_body).header("Authorization", basic.clone()),
            target: Target::SameSizeBody,
        },
        Route {
            name: "v2/statistic/messages, 60 days",
            request: authed("/v2/statistic/messages?time_unit=DAY&start=2026-09-22&duration=60".into()),
            target: Target::SameSizeBody,
        },
        Route {
            name: "easemob hourly file download",
            request: Request::get(file_path),
            target: Target::SameSizeBody,
        },
        Route {
            name: "easemob ql, limit 1000",
            request: Request::get(ql).header("Authorization", bearer),
            target: Target::SameSizeBody,
        },
        Route {
            name: "jmessage 401 error",
            request: Request::get("/v2/messages?count=1"),
            target: Target::HelloWorld,
        },
    ];
    routes
        .into_iter()
        .map(|route| {
            let bytes = answer_size(&mock.addr, &route.request);
            (route, bytes)
        })
        .collect()
}

/// The size of a route's answer, asked once over a fresh connection.
fn answer_size(addr: &str, request: &Request) -> usize {
    let path = if request.unique_weeks {
        format!("{}&{WEEK_QUERY}", request.path)
    } else {
        request.path.clone()
    };
    let mut conn = Connection::open(addr);
    let authorization = request.headers.iter().find(|(name, _)| *name == "Authorization");
    conn.authorization = authorization.map(|(_, v)| v.clone()).unwrap_or_default();
    let (_, body) = match (&request.body, authorization) {
        (Some(body), _) => conn.post_authorized(&path, body),
        (None, Some(_)) => conn.get(&path),
        (None, None) => conn.get_unauthorized(&path),
    };
    body.len()
}

fn measure_hot_path(duration: Duration) -> HotPath {
    const NO_JOURNAL: [&str; 2] = ["--journal-size", "0"];
    let unused_fault = ["--fault", r#"{"match":{"path":"/nowhere"},"effect":{"status":500}}"#];
    let (neither, _) = Server::start(&[&UNLIMITED[..], &NO_JOURNAL].concat());
    let (journal, _) = Server::start(&UNLIMITED);
    let (fault, _) = Server::start(&[&UNLIMITED[..], &NO_JOURNAL, &unused_fault].concat());
    let (logging, _) = Server::start(&[&UNLIMITED[..], &NO_JOURNAL, &["--log-level", "info"]].concat());
    let route = "/v3/received?msg_ids=1";
    let request = Request::get(route).header("Authorization", Connection::open(&neither.addr).authorization);
    let mut rps = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..3 {
        for (server, series) in [&neither, &journal, &fault, &logging].into_iter().zip(&mut rps) {
            series.push(wrk::run(&server.addr, &request, CONNECTIONS, duration).requests_per_second);
        }
    }
    let [neither, journal, fault, logging] = rps.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    });
    HotPath {
        route,
        neither_requests_per_second: neither,
        journal_ratio: journal / neither,
        unused_fault_ratio: fault / neither,
        request_log_ratio: logging / neither,
    }
}

/// Wall time of `conformance run --target mock` (built beside this binary).
fn time_conformance_suite() -> f64 {
    let binary = std::env::current_exe().unwrap().with_file_name("conformance");
    let started = Instant::now();
    let output = Command::new(&binary)
        .args(["run", "--target", "mock"])
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", binary.display()));
    assert!(
        output.status.success(),
        "the suite fails:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    started.elapsed().as_secs_f64()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!(
        "{} cores, {cpu}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
}

fn targets(report: &Report) -> Vec<TargetCheck> {
    let check = |what: String, value: f64, limit: &str, met: bool| TargetCheck {
        what,
        value,
        limit: limit.to_owned(),
        met,
    };
    let default = &report.datasets[0];
    let page_p50 = default.measurements[0].p50_ms;
    let mut checks = vec![
        check(
            "v2 1000-message page, sequential p50 (ms)".into(),
            page_p50,
            "<= 2",
            page_p50 <= 2.0,
        ),
        check(
            "RSS with the default dataset (MB)".into(),
            default.rss_after_load_mb,
            "<= 32",
            default.rss_after_load_mb <= 32.0,
        ),
        check(
            "RSS growth with 10x messages per day".into(),
            report.rss_growth_10x,
            "< 1.2",
            report.rss_growth_10x < 1.2,
        ),
        check(
            "startup to first answer (ms)".into(),
            report.load.startup_ms,
            "<= 50",
            report.load.startup_ms <= 50.0,
        ),
        check(
            "RSS idle (MB)".into(),
            report.load.rss_idle_mb,
            "<= 16",
            report.load.rss_idle_mb <= 16.0,
        ),
        check(
            "RSS peak under load (MB)".into(),
            report.load.rss_peak_under_load_mb,
            "<= 64",
            report.load.rss_peak_under_load_mb <= 64.0,
        ),
        check(
            "conformance suite against the mock (s)".into(),
            report.conformance_suite_seconds,
            "<= 10",
            report.conformance_suite_seconds <= 10.0,
        ),
        check(
            "easemob 10k-message file, cold p50 (ms)".into(),
            report.easemob.cold_about_10k_p50_ms,
            "<= 50",
            report.easemob.cold_about_10k_p50_ms <= 50.0,
        ),
    ];
    checks.push(check(
        "shared state (--state-url): small JPush request vs in-process".into(),
        report.fleet.small_ratio,
        ">= 0.5",
        report.fleet.small_ratio >= 0.5,
    ));
    for row in &report.load.rows {
        let (value, baseline) = match row.target {
            Target::HelloWorld | Target::HotPath => (row.ratio_to_hello_world, "hello-world"),
            Target::SameSizeBody | Target::NewQuery => (row.ratio_to_same_size_body, "same-size body"),
        };
        checks.push(check(
            format!("{} vs {baseline}", row.name),
            value,
            &format!(">= {}", row.target_ratio),
            row.met,
        ));
    }
    checks
}

fn print_report(report: &Report) {
    println!("machine: {}", report.machine);
    for dataset in &report.datasets {
        println!(
            "\nmessages/day {}: startup {:.1} ms, RSS idle {:.1} MB, after load {:.1} MB (sequential, one connection)",
            dataset.messages_per_day, dataset.startup_ms, dataset.rss_idle_mb, dataset.rss_after_load_mb
        );
        println!(
            "  {:<38} {:>9} {:>9} {:>9} {:>12}",
            "route", "bytes", "p50 ms", "p99 ms", "p50/hello"
        );
        for m in &dataset.measurements {
            println!(
                "  {:<38} {:>9} {:>9.3} {:>9.3} {:>12.2}",
                m.name, m.body_bytes, m.p50_ms, m.p99_ms, m.p50_vs_baseline
            );
        }
    }
    println!(
        "\nRSS after load, 10x messages/day vs default: {:.3}x",
        report.rss_growth_10x
    );
    let load = &report.load;
    println!(
        "\nload: {} connections, wrk, {} s a run; startup {:.1} ms; RSS idle {:.1} MB, peak {:.1} MB",
        load.connections, load.seconds_per_run, load.startup_ms, load.rss_idle_mb, load.rss_peak_under_load_mb
    );
    println!(
        "  {:<34} {:>8} {:>9} {:>8} {:>8} {:>7} {:>7} {:>7}",
        "route", "bytes", "req/s", "p50 ms", "p99 ms", "/hello", "/same", "/mock-hello"
    );
    for r in &load.rows {
        println!(
            "  {:<34} {:>8} {:>9.0} {:>8.2} {:>8.2} {:>7.2} {:>7.2} {:>7.2}",
            r.name,
            r.body_bytes,
            r.load.requests_per_second,
            r.load.p50_ms,
            r.load.p99_ms,
            r.ratio_to_hello_world,
            r.ratio_to_same_size_body,
            r.ratio_to_mock_hello_world
        );
    }
    let hot = &report.hot_path;
    println!(
        "\nhot path, {}: {:.0} req/s with no journal, fault rule or request log; journal on: {:.3}x; one unused fault rule: {:.3}x; request log lines on: {:.3}x",
        hot.route, hot.neither_requests_per_second, hot.journal_ratio, hot.unused_fault_ratio, hot.request_log_ratio
    );
    easemob::print(&report.easemob);
    fleet::print(&report.fleet);
    println!(
        "\nconformance suite against the mock: {:.2} s",
        report.conformance_suite_seconds
    );
    println!("\ntargets:");
    for t in &report.targets {
        println!(
            "  {:<4} {:<58} {:>10.3} (target {})",
            if t.met { "ok" } else { "MISS" },
            t.what,
            t.value,
            t.limit
        );
    }
}
