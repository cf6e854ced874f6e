//! The `mock-server` binary's resident memory under hostile traffic: large bodies, long
//! queries, made-up app keys under a 429 fault and long journaled URLs all leave it
//! within a fixed bound, and the journal still reads as one bounded page.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_mock-server");
const VIP_AUTH: &str = "N2Q0MzFlNDJkZmE2YTZkNjkzYWMyZDA0OjVlOTg3YWM2ZDJlMDRkOTVhOWQ4ZjBkMQ==";
const VIP_KEY: &str = "7d431e42dfa6a6d693ac2d04";
const MAX_RSS_KB: u64 = 64 * 1024;

/// How much of each kind of traffic a run sends.
struct Load {
    bodies: usize,
    queries: usize,
    app_keys: usize,
    urls: usize,
}

/// `cargo test --release` sends the hostile-client probe's full counts. A debug binary
/// parses some 30 times slower, so a debug run sends fewer of the slow requests (2 MB
/// bodies, 60,000-comma queries) and of the made-up keys; the journaled URLs stay 1,000,
/// enough to pass the bound had the journal not been bounded by bytes.
const LOAD: Load = if cfg!(debug_assertions) {
    Load {
        bodies: 40,
        queries: 100,
        app_keys: 2_000,
        urls: 1_000,
    }
} else {
    Load {
        bodies: 1_000,
        queries: 1_000,
        app_keys: 20_000,
        urls: 1_000,
    }
};
/// Each made-up app key: 8 KB, so keeping them would show.
const APP_KEY_LEN: usize = 8 << 10;

/// The binary, started on port 0; killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--clock", "2026-11-20T12:00:00+08:00"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = lines
            .take(12)
            .map_while(Result::ok)
            .find_map(|line| Some(line.strip_prefix("mock-server listening on http://")?.trim().to_owned()))
            .expect("the banner names the address");
        Server { child, addr }
    }

    fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive HTTP/1.1 connection, reopened whenever the server closes it.
struct Client<'a> {
    addr: &'a str,
    stream: Option<BufReader<TcpStream>>,
}

impl Client<'_> {
    fn new(addr: &str) -> Client<'_> {
        Client { addr, stream: None }
    }

    /// Sends a request; its status and body, or None if the connection failed (a
    /// refused body may close it before it is all sent).
    fn send(&mut self, method: &str, target: &str, auth: Option<&str>, body: &[u8]) -> Option<(u16, Vec<u8>)> {
        let result = self.try_send(method, target, auth, body);
        if result.is_none() {
            self.stream = None;
        }
        result
    }

    fn try_send(&mut self, method: &str, target: &str, auth: Option<&str>, body: &[u8]) -> Option<(u16, Vec<u8>)> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).ok()?;
            stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
            // Head and body go in two writes: without this, the body waits for an ACK.
            stream.set_nodelay(true).ok()?;
            self.stream = Some(BufReader::new(stream));
        }
        let reader = self.stream.as_mut()?;
        let auth = auth
            .map(|a| format!("Authorization: Basic {a}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes()).ok()?;
        stream.write_all(body).ok()?;
        read_response(reader)
    }
}

fn read_response(reader: &mut BufReader<TcpStream>) -> Option<(u16, Vec<u8>)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let status = line.split(' ').nth(1)?.parse().ok()?;
    let (mut length, mut chunked) = (0, false);
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        chunked |= header.starts_with("transfer-encoding:") && header.contains("chunked");
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).ok()?;
            let size = usize::from_str_radix(line.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some((status, body))
}

fn basic(key: &str, secret: &str) -> String {
    use base64::{engine::general_purpose::STANDARD, Engine};
    STANDARD.encode(format!("{key}:{secret}"))
}

#[test]
fn hostile_traffic_leaves_resident_memory_bounded() {
    let server = Server::start();
    let mut client = Client::new(&server.addr);
    let started = Instant::now();
    let rss_at_start = server.rss_kb();

    // status/message bodies of 2 MB, whitespace-padded valid JSON, unique msg_ids.
    let padding = " ".repeat(2_000_000);
    for i in 0..LOAD.bodies {
        let body = format!(
            r#"{{"msg_id": {},{padding}"registration_ids": ["1a0018970a{i:08}"]}}"#,
            1_000_000 + i
        );
        client.send("POST", "/v3/status/message", Some(VIP_AUTH), body.as_bytes());
    }
    let rss_after_bodies = server.rss_kb();
    eprintln!("bodies: {:.1} s", started.elapsed().as_secs_f64());

    // Queries of 60,000 commas, unique ids.
    let commas = ",".repeat(60_000);
    for i in 0..LOAD.queries {
        client.send("GET", &format!("/v3/received?msg_ids={i}{commas}"), Some(VIP_AUTH), b"");
    }

    eprintln!("queries: {:.1} s", started.elapsed().as_secs_f64());
    // Made-up app keys under a 429 fault.
    let fault = br#"{"match":{"family":"jpush"},"effect":{"status":429}}"#;
    assert_eq!(client.send("POST", "/_mock/faults", None, fault).unwrap().0, 201);
    for i in 0..LOAD.app_keys {
        let auth = basic(&format!("{i:0APP_KEY_LEN$}"), "secret");
        let (status, _) = client.send("GET", "/v3/received?msg_ids=1", Some(&auth), b"").unwrap();
        assert_eq!(status, 429);
    }
    assert_eq!(client.send("DELETE", "/_mock/faults", None, b"").unwrap().0, 200);

    eprintln!("app keys: {:.1} s", started.elapsed().as_secs_f64());
    // Journaled URLs of 54 KB.
    let pad = "a".repeat(54_000);
    for i in 0..LOAD.urls {
        client.send(
            "GET",
            &format!("/v3/received?msg_ids=1&pad{i}={pad}"),
            Some(VIP_AUTH),
            b"",
        );
    }

    eprintln!("urls: {:.1} s", started.elapsed().as_secs_f64());
    let rss = server.rss_kb();
    let (status, page) = client.send("GET", "/_mock/journal", None, b"").unwrap();
    assert_eq!(status, 200);
    let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
    let entries = page["entries"].as_array().unwrap();
    let rss_after_read = server.rss_kb();
    eprintln!(
        "RSS: {rss_at_start} kB at start, {rss_after_bodies} kB after the bodies, {rss} kB after \
         all traffic, {rss_after_read} kB after reading the journal ({} bytes, {} entries); {:.1} s",
        page.to_string().len(),
        entries.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(entries.len(), 100, "one page of the default limit");
    assert!(page.to_string().len() < 1 << 20);
    assert!(entries.iter().all(|e| e["query"].as_str().unwrap().len() <= 2048));
    assert!(
        entries.iter().all(|e| e["app"] == VIP_KEY),
        "no made-up app key is kept"
    );
    assert!(page.to_string().contains(VIP_KEY));
    for (what, kb) in [
        ("after the traffic", rss),
        ("after reading the journal", rss_after_read),
    ] {
        assert!(kb <= MAX_RSS_KB, "{kb} kB resident {what}");
    }
}
