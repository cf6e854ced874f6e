//! A minimal keep-alive HTTP/1.1 client for setting up measurements and timing
//! sequential requests: one request at a time, Content-Length bodies, loopback only.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD, Engine};

use crate::VIP;

/// A minimal keep-alive HTTP/1.1 client: one request at a time, Content-Length bodies.
pub struct Connection {
    reader: BufReader<TcpStream>,
    pub authorization: String,
}

impl Connection {
    pub fn open(addr: &str) -> Connection {
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

    pub fn get(&mut self, path: &str) -> (u16, Vec<u8>) {
        let auth = format!("Authorization: {}\r\n", self.authorization);
        self.request("GET", path, &auth, "")
    }

    pub fn get_unauthorized(&mut self, path: &str) -> (u16, Vec<u8>) {
        self.request("GET", path, "", "")
    }

    /// POST with this connection's Authorization.
    pub fn post_authorized(&mut self, path: &str, body: &str) -> (u16, Vec<u8>) {
        let headers = format!(
            "Authorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.authorization,
            body.len()
        );
        self.request("POST", path, &headers, body)
    }

    pub fn post(&mut self, path: &str, body: &str) -> (u16, Vec<u8>) {
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

pub struct Timing {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub body_bytes: usize,
}

/// Times `requests` sequential GETs of `path` (with or without auth).
pub fn time_requests(conn: &mut Connection, path: &str, requests: usize, authorized: bool) -> Timing {
    time_paths(conn, |_| path.to_owned(), requests, authorized)
}

/// Times `requests` sequential GETs, the i-th of `path(i)`.
pub fn time_paths(conn: &mut Connection, path: impl Fn(usize) -> String, requests: usize, authorized: bool) -> Timing {
    let mut samples = Vec::with_capacity(requests);
    let mut body_bytes = 0;
    for i in 0..requests.max(1) {
        let path = path(i);
        let started = Instant::now();
        let (status, body) = if authorized {
            conn.get(&path)
        } else {
            conn.get_unauthorized(&path)
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
