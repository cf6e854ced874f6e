//! `bench`: starts the release `mock-server` binary as a separate process (so that its
//! startup time and resident memory are its own), sends bounded sequential traffic over
//! one keep-alive loopback connection, and reports each measurement beside a baseline
//! measured in the same run — `/_mock/health`, the server's hello-world route — because
//! these machines are shared and noisy.
//!
//! A third run measures Easemob's hourly history files with a large dataset (about 10,000
//! messages in the measured hour): the file served cold (built on demand) and warm (from
//! the server's small cache), and resident memory as more and more distinct hours are
//! downloaded.
//!
//! Usage: `scripts/bench [--requests N] [--json FILE]` (see docs in README.md).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    ops::Range,
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

/// With 240,000 messages a day, the hour 08:00-09:00 (Beijing) of CLOCK's day has about 10,000.
const EASEMOB_MESSAGES_PER_DAY: u32 = 240_000;
const EASEMOB_APP: &str = "/demo-org/demo-app";
const EASEMOB_TOKEN_REQUEST: &str = r#"{"grant_type":"client_credentials","client_id":"YXA6mockClientIdDemo0000001","client_secret":"YXA6mockClientSecretDemo000000000001"}"#;
const EASEMOB_HOUR: &str = "2026112008";
/// Cold downloads whose hour has about 10,000 messages count towards the cold median.
const ABOUT_10K: Range<usize> = 8_000..12_000;
/// Files are kept 30 days for this run (3 by default), so that memory can be watched over
/// many more distinct hours than the cache holds.
const EASEMOB_RETENTION: &str = "30d";
/// The distinct hours downloaded cold, counted back from CLOCK's hour: the first whose
/// file is ready (generated an hour after it ended) and the 239 before it.
const COLD_HOURS: Range<i64> = 2..242;
/// Resident memory is read after this many distinct hours.
const RSS_CHECKPOINTS: [usize; 8] = [1, 8, 24, 48, 96, 144, 192, 240];

#[derive(Serialize)]
struct Report {
    requests_per_measurement: usize,
    datasets: Vec<DatasetReport>,
    /// Resident memory with 10× the messages per day over the default, after the same load.
    rss_growth_10x: f64,
    easemob: EasemobReport,
}

#[derive(Serialize)]
struct EasemobReport {
    messages_per_day: u32,
    /// The hour measured warm, its message count and the size of its gzip file.
    hour: &'static str,
    hour_messages: usize,
    hour_gzip_bytes: usize,
    /// `GET /chatmessages/{hour}`: the signed link.
    link_p50_ms: f64,
    /// The same file again and again (served from the cache).
    warm_p50_ms: f64,
    warm_p99_ms: f64,
    /// First download of each distinct hour of about 10,000 messages (built on demand).
    cold_about_10k: usize,
    cold_about_10k_p50_ms: f64,
    cold_about_10k_max_ms: f64,
    /// Build speed over every cold download.
    cold_ms_per_1000_messages: f64,
    /// Resident memory after 1, 8, 24 ... 240 distinct hours downloaded.
    rss_mb_by_hours: Vec<(usize, f64)>,
    /// RSS after 240 distinct hours divided by RSS after 24 (the cache holds 8).
    rss_growth_24_to_240_hours: f64,
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
    let mut json_out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--requests" => requests = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| usage()),
            "--json" => json_out = Some(args.next().unwrap_or_else(|| usage()).into()),
            _ => usage(),
        }
    }
    let default = measure_dataset(DEFAULT_MESSAGES_PER_DAY, requests);
    let large = measure_dataset(DEFAULT_MESSAGES_PER_DAY * 10, requests);
    let easemob = measure_easemob(requests);
    let report = Report {
        requests_per_measurement: requests,
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
    eprintln!("usage: bench [--requests N] [--json FILE]");
    std::process::exit(2);
}

fn measure_dataset(messages_per_day: u32, requests: usize) -> DatasetReport {
    let (server, startup) = Server::start(messages_per_day, &[]);
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

fn measure_easemob(requests: usize) -> EasemobReport {
    // The quota would refuse the link requests of a benchmark after 10 a minute.
    let (server, _) = Server::start(
        EASEMOB_MESSAGES_PER_DAY,
        &[
            "--easemob-history-quota",
            "1000000",
            "--easemob-retention",
            EASEMOB_RETENTION,
        ],
    );
    let mut conn = Connection::open(&server.addr);
    let (status, body) = conn.post(&format!("{EASEMOB_APP}/token"), EASEMOB_TOKEN_REQUEST);
    assert_eq!(status, 200, "token: {}", String::from_utf8_lossy(&body));
    let token = json(&body)["access_token"].as_str().expect("a token").to_owned();
    conn.authorization = format!("Bearer {token}");

    let link_path = format!("{EASEMOB_APP}/chatmessages/{EASEMOB_HOUR}");
    let link = time_requests(&mut conn, &link_path, requests, true);
    let file = file_path(&mut conn, EASEMOB_HOUR);
    let mut cold = vec![download_cold(&mut conn, &file)];
    let warm = time_requests(&mut conn, &file, requests, true);
    let (hour_messages, hour_gzip_bytes) = (cold[0].messages, cold[0].gzip_bytes);

    let mut rss_mb_by_hours = vec![(1, server.rss_mb())];
    let clock = chrono::DateTime::parse_from_rfc3339(CLOCK).expect("CLOCK is RFC 3339");
    let hours = COLD_HOURS
        .map(|back| (clock - chrono::TimeDelta::hours(back)).format("%Y%m%d%H").to_string())
        .filter(|hour| hour != EASEMOB_HOUR)
        .take(RSS_CHECKPOINTS[RSS_CHECKPOINTS.len() - 1] - cold.len());
    for hour in hours {
        let file = file_path(&mut conn, &hour);
        cold.push(download_cold(&mut conn, &file));
        if RSS_CHECKPOINTS.contains(&cold.len()) {
            rss_mb_by_hours.push((cold.len(), server.rss_mb()));
        }
    }

    let mut about_10k: Vec<f64> = cold
        .iter()
        .filter(|c| ABOUT_10K.contains(&c.messages))
        .map(|c| c.ms)
        .collect();
    about_10k.sort_by(f64::total_cmp);
    let (messages, ms) = cold.iter().fold((0, 0.0), |(n, t), c| (n + c.messages, t + c.ms));
    let rss_at = |hours: usize| rss_mb_by_hours.iter().find(|r| r.0 == hours).map_or(f64::NAN, |r| r.1);
    let rss_growth_24_to_240_hours = rss_at(240) / rss_at(24);
    EasemobReport {
        messages_per_day: EASEMOB_MESSAGES_PER_DAY,
        hour: EASEMOB_HOUR,
        hour_messages,
        hour_gzip_bytes,
        link_p50_ms: link.p50_ms,
        warm_p50_ms: warm.p50_ms,
        warm_p99_ms: warm.p99_ms,
        cold_about_10k: about_10k.len(),
        cold_about_10k_p50_ms: about_10k.get(about_10k.len() / 2).copied().unwrap_or(f64::NAN),
        cold_about_10k_max_ms: about_10k.last().copied().unwrap_or(f64::NAN),
        cold_ms_per_1000_messages: ms / (messages as f64 / 1000.0),
        rss_growth_24_to_240_hours,
        rss_mb_by_hours,
    }
}

/// The path (and signed query) of the download link of `hour`.
fn file_path(conn: &mut Connection, hour: &str) -> String {
    let (status, body) = conn.get(&format!("{EASEMOB_APP}/chatmessages/{hour}"));
    assert_eq!(status, 200, "link of {hour}: {}", String::from_utf8_lossy(&body));
    let url = json(&body)["data"][0]["url"].as_str().expect("a url").to_owned();
    let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    after_scheme[after_scheme.find('/').expect("a path")..].to_owned()
}

struct ColdDownload {
    ms: f64,
    messages: usize,
    gzip_bytes: usize,
}

/// Downloads a file for the first time (timed), then counts its lines (not timed).
fn download_cold(conn: &mut Connection, path: &str) -> ColdDownload {
    let started = Instant::now();
    let (status, body) = conn.get(path);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 200, "{path}");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut text)
        .expect("a gzip file of text");
    ColdDownload {
        ms,
        messages: text.lines().count(),
        gzip_bytes: body.len(),
    }
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("a JSON body")
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
    fn start(messages_per_day: u32, extra_args: &[&str]) -> (Server, Duration) {
        let binary = std::env::current_exe().unwrap().with_file_name("mock-server");
        let started = Instant::now();
        let mut child = Command::new(&binary)
            .args([
                "--port",
                "0",
                "--clock",
                CLOCK,
                "--messages-per-day",
                &messages_per_day.to_string(),
            ])
            .args(extra_args)
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
        let (status, _) = Connection::open(&server.addr).get("/_mock/health");
        assert_eq!(status, 200);
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
    let e = &report.easemob;
    println!(
        "\nEasemob, messages/day {}: hour {} has {} messages, gzip {} bytes",
        e.messages_per_day, e.hour, e.hour_messages, e.hour_gzip_bytes
    );
    println!("  link (GET /chatmessages/{{hour}})      p50 {:>8.3} ms", e.link_p50_ms);
    println!(
        "  file, warm (cached)                   p50 {:>8.3} ms   p99 {:.3} ms",
        e.warm_p50_ms, e.warm_p99_ms
    );
    println!(
        "  file, cold, {:>3} hours of 8k-12k msgs p50 {:>8.3} ms   max {:.3} ms",
        e.cold_about_10k, e.cold_about_10k_p50_ms, e.cold_about_10k_max_ms
    );
    println!(
        "  cold build speed                          {:.3} ms per 1000 messages",
        e.cold_ms_per_1000_messages
    );
    let rss: Vec<String> = e
        .rss_mb_by_hours
        .iter()
        .map(|(hours, mb)| format!("{hours} h: {mb:.1} MB"))
        .collect();
    println!("  RSS by distinct hours downloaded: {}", rss.join(", "));
    println!(
        "  RSS after 240 distinct hours vs after 24: {:.3}x",
        e.rss_growth_24_to_240_hours
    );
}
