//! `bench`: starts the release `mock-server` binary as a separate process (so that its
//! startup time and resident memory are its own), sends bounded sequential traffic over
//! one keep-alive loopback connection, and reports each measurement beside a baseline
//! measured in the same run — `/_mock/health`, the server's hello-world route — because
//! these machines are shared and noisy. A separate run measures Easemob's hourly history
//! files (see [`easemob`]).
//!
//! Usage: `scripts/bench [--requests N] [--seconds S] [--json FILE]` (see docs/PERFORMANCE.md).

mod baseline;
mod easemob;
mod throughput;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Serialize;

const CLOCK: &str = "2026-11-20T12:00:00+08:00";
const VIP: (&str, &str) = ("7d431e42dfa6a6d693ac2d04", "5e987ac6d2e04d95a9d8f0d1");
const WEEK_QUERY: &str = "begin_time=2026-11-13%2012:00:00&end_time=2026-11-20%2012:00:00";
const DEFAULT_MESSAGES_PER_DAY: u32 = 2000;

#[derive(Serialize)]
struct Report {
    requests_per_measurement: usize,
    datasets: Vec<DatasetReport>,
    /// Closed-loop requests per second against the same-run hello-world route.
    throughput: Vec<throughput::Throughput>,
    hot_path: HotPath,
    /// Resident memory with 10× the messages per day over the default, after the same load.
    rss_growth_10x: f64,
    easemob: easemob::EasemobReport,
}

/// What the journal and an unused fault rule cost a small JPush request: requests per
/// second with each, as a ratio to a server with neither.
#[derive(Serialize)]
struct HotPath {
    route: &'static str,
    neither_requests_per_second: f64,
    journal_ratio: f64,
    unused_fault_ratio: f64,
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
    /// p50 of this route divided by p50 of the baseline measured just before it.
    p50_vs_baseline: f64,
    baseline_p50_ms: f64,
}

fn main() {
    let mut requests = 300;
    let mut seconds = 1.0;
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
            _ => usage(),
        }
    }
    let default = measure_dataset(DEFAULT_MESSAGES_PER_DAY, requests);
    let large = measure_dataset(DEFAULT_MESSAGES_PER_DAY * 10, requests);
    let throughput = measure_throughput(Duration::from_secs_f64(seconds));
    let hot_path = measure_hot_path(Duration::from_secs_f64(seconds));
    let easemob = easemob::measure(requests);
    let report = Report {
        requests_per_measurement: requests,
        throughput,
        hot_path,
        rss_growth_10x: large.rss_after_load_mb / default.rss_after_load_mb,
        datasets: vec![default, large],
        easemob,
    };
    print_report(&report);
    if let Some(path) = json_out {
        std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).expect("write the JSON report");
        println!("JSON written to {}", path.display());
    }
}

fn usage() -> ! {
    eprintln!("usage: bench [--requests N] [--seconds S] [--json FILE]");
    std::process::exit(2);
}

fn measure_dataset(messages_per_day: u32, requests: usize) -> DatasetReport {
    let (server, startup) = Server::start(&["--messages-per-day", &messages_per_day.to_string()]);
    let rss_idle_mb = server.rss_mb();
    let mut conn = Connection::open(&server.addr);
    let first_page = format!("/v2/messages?count=1000&{WEEK_QUERY}");
    let (_, body) = conn.get(&first_page);
    let cursor = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["cursor"]
        .as_str()
        .expect("a week has more than 1000 messages")
        .to_owned();
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
    let measurements = routes
        .into_iter()
        .map(|(name, path)| {
            let baseline = time_requests(&mut conn, "/_mock/health", requests, true);
            let measured = time_requests(&mut conn, &path, requests, !name.contains("401"));
            Measurement {
                name,
                body_bytes: measured.body_bytes,
                p50_ms: measured.p50_ms,
                p99_ms: measured.p99_ms,
                p50_vs_baseline: measured.p50_ms / baseline.p50_ms,
                baseline_p50_ms: baseline.p50_ms,
            }
        })
        .collect();
    let rss_after_load_mb = server.rss_mb();
    DatasetReport {
        messages_per_day,
        startup_ms: startup.as_secs_f64() * 1000.0,
        rss_idle_mb,
        rss_after_load_mb,
        measurements,
    }
}

/// Connections of the closed-loop throughput runs (the machine has 2 cores, shared by
/// the server and this load generator).
const CONNECTIONS: usize = 16;

fn measure_throughput(duration: Duration) -> Vec<throughput::Throughput> {
    let (server, _) = Server::start(&["--jpush-rate-limit", "1000000000"]);
    let (baseline, _) = Server::baseline();
    let apps: serde_json::Value = serde_json::from_slice(&Connection::open(&server.addr).get("/_mock/apps").1).unwrap();
    let samples: Vec<&str> = apps["apps"][0]["msg_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // 100 ids: the sample of 10 recent pushes, ten times over.
    let hundred_ids = vec![samples.join(","); 10].join(",");
    let routes = [
        (
            "/v3/received, 100 msg_ids",
            format!("/v3/received?msg_ids={hundred_ids}"),
        ),
        (
            "/v2/statistic/messages, 60 days",
            "/v2/statistic/messages?time_unit=DAY&start=2026-09-22&duration=60".to_owned(),
        ),
    ];
    throughput::compare(&server.addr, &baseline.addr, &routes, CONNECTIONS, duration)
}

fn measure_hot_path(duration: Duration) -> HotPath {
    const UNLIMITED: [&str; 2] = ["--jpush-rate-limit", "1000000000"];
    const NO_JOURNAL: [&str; 2] = ["--journal-size", "0"];
    let unused_fault = ["--fault", r#"{"match":{"path":"/nowhere"},"effect":{"status":500}}"#];
    let (neither, _) = Server::start(&[UNLIMITED, NO_JOURNAL].concat());
    let (journal, _) = Server::start(&UNLIMITED);
    let (fault, _) = Server::start(&[UNLIMITED, NO_JOURNAL, unused_fault].concat());
    let route = "/v3/received?msg_ids=1";
    let rps = throughput::side_by_side(
        &[&neither.addr, &journal.addr, &fault.addr],
        route,
        CONNECTIONS,
        duration,
    );
    HotPath {
        route,
        neither_requests_per_second: rps[0],
        journal_ratio: rps[1] / rps[0],
        unused_fault_ratio: rps[2] / rps[0],
    }
}

struct Timing {
    p50_ms: f64,
    p99_ms: f64,
    body_bytes: usize,
}

fn time_requests(conn: &mut Connection, path: &str, requests: usize, authorized: bool) -> Timing {
    let mut samples = Vec::with_capacity(requests);
    let mut body_bytes = 0;
    for _ in 0..requests.max(1) {
        let started = Instant::now();
        let (status, body) = if authorized {
            conn.get(path)
        } else {
            conn.get_unauthorized(path)
        };
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(status == 200 || !authorized, "{path} answered {status}");
        body_bytes = body.len();
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Timing {
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        body_bytes,
    }
}

/// The mock-server binary, built beside this one, running on a free port.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[&str]) -> (Server, Duration) {
        let binary = std::env::current_exe().unwrap().with_file_name("mock-server");
        let mut all_args = vec!["--port", "0", "--clock", CLOCK];
        all_args.extend_from_slice(args);
        Server::spawn(&binary, &all_args)
    }

    /// This binary in `baseline-server` mode.
    fn baseline() -> (Server, Duration) {
        Server::spawn(&std::env::current_exe().unwrap(), &["baseline-server"])
    }

    fn spawn(binary: &std::path::Path, args: &[&str]) -> (Server, Duration) {
        let started = Instant::now();
        let mut child = Command::new(binary)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err} (build it with --release)", binary.display()));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("mock-server listening on http://").map(str::to_owned))
            .expect("the banner names the address");
        // Keep reading so that the server never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let server = Server { child, addr };
        // Startup ends with the first answered request.
        let (status, _) = Connection::open(&server.addr).get("/");
        assert!(status > 0);
        (server, started.elapsed())
    }

    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN);
        kb / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal keep-alive HTTP/1.1 client: one request at a time, Content-Length bodies.
struct Connection {
    reader: BufReader<TcpStream>,
    authorization: String,
}

impl Connection {
    fn open(addr: &str) -> Connection {
        let deadline = Instant::now() + Duration::from_secs(10);
        let stream = loop {
            match TcpStream::connect(addr) {
                Ok(stream) => break stream,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
                Err(err) => panic!("cannot connect to {addr}: {err}"),
            }
        };
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Connection {
            reader: BufReader::new(stream),
            authorization: format!("Basic {}", STANDARD.encode(format!("{}:{}", VIP.0, VIP.1))),
        }
    }

    fn get(&mut self, path: &str) -> (u16, Vec<u8>) {
        let auth = format!("Authorization: {}\r\n", self.authorization);
        self.request("GET", path, &auth, "")
    }

    fn get_unauthorized(&mut self, path: &str) -> (u16, Vec<u8>) {
        self.request("GET", path, "", "")
    }

    fn post(&mut self, path: &str, body: &str) -> (u16, Vec<u8>) {
        let headers = format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len());
        self.request("POST", path, &headers, body)
    }

    fn request(&mut self, method: &str, path: &str, extra_headers: &str, body: &str) -> (u16, Vec<u8>) {
        let request = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\n{extra_headers}\r\n{body}");
        self.reader.get_mut().write_all(request.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line for {path}: {line:?}"));
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, body)
    }
}

fn print_report(report: &Report) {
    print_dataset_reports(report);
    print_throughput(report);
    let hot = &report.hot_path;
    println!(
        "\nhot path, {}: {:.0} req/s with neither journal nor faults; journal on: {:.3}x; one unused fault rule: {:.3}x",
        hot.route, hot.neither_requests_per_second, hot.journal_ratio, hot.unused_fault_ratio
    );
    easemob::print(&report.easemob);
}

fn print_dataset_reports(report: &Report) {
    for dataset in &report.datasets {
        println!(
            "\nmessages/day {}: startup {:.1} ms, RSS idle {:.1} MB, after load {:.1} MB",
            dataset.messages_per_day, dataset.startup_ms, dataset.rss_idle_mb, dataset.rss_after_load_mb
        );
        println!(
            "  {:<38} {:>9} {:>9} {:>9} {:>12}",
            "route", "bytes", "p50 ms", "p99 ms", "p50/baseline"
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
}

fn print_throughput(report: &Report) {
    println!("\nthroughput, {CONNECTIONS} connections (req/s; ratios to the same run's baselines):");
    println!(
        "  {:<34} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}",
        "route", "req/s", "mock hello", "ratio", "bytes", "blob req/s", "ratio"
    );
    for t in &report.throughput {
        println!(
            "  {:<34} {:>9.0} {:>10.0} {:>7.2} {:>9} {:>10.0} {:>7.2}",
            t.name,
            t.requests_per_second,
            t.hello_world_requests_per_second,
            t.ratio_to_hello_world,
            t.body_bytes,
            t.same_size_blob_requests_per_second,
            t.ratio_to_same_size_blob
        );
    }
}
