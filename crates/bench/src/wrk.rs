//! The load generator: `wrk` (Debian's package, which `scripts/bench` installs when it is
//! missing), driven with a generated Lua script so that method, headers and body are
//! set in one way for every request. Loopback only; each run is bounded in time.

use std::{path::PathBuf, process::Command, time::Duration};

use serde::Serialize;

/// One request, repeated for the whole run.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
    /// Whether each request asks for a week no request asked for before (see
    /// [`Request::unique_weeks`]).
    pub unique_weeks: bool,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Request {
        Request {
            method: "GET",
            path: path.into(),
            headers: Vec::new(),
            body: None,
            unique_weeks: false,
        }
    }

    /// This request with `begin_time` and `end_time` of a 7-day window one second later
    /// on every request, each wrk thread a day apart: every page is new to the server,
    /// as the distinct queries of a test suite are (`UNIQUE_WEEKS_FROM` is the first).
    pub fn unique_weeks(self) -> Request {
        Request {
            unique_weeks: true,
            ..self
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    pub fn post(path: impl Into<String>, body: String) -> Request {
        Request {
            method: "POST",
            body: Some(body),
            ..Request::get(path).header("Content-Type", "application/json")
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Load {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers that were not 2xx or 3xx (expected only of error routes).
    pub non_2xx: u64,
    pub socket_errors: u64,
}

/// Runs `wrk` against `addr` with `connections` connections on 2 threads for `duration`.
pub fn run(addr: &str, request: &Request, connections: usize, duration: Duration) -> Load {
    let script = script_file(request);
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{}s", duration.as_secs().max(1)),
            "--latency",
        ])
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{addr}{}", request.path))
        .output()
        .expect("wrk runs (scripts/bench installs it: apt-get install wrk)");
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && errors.trim().is_empty(),
        "wrk failed: {text}{errors}"
    );
    parse(&text).unwrap_or_else(|| panic!("unexpected wrk output:\n{text}"))
}

fn script_file(request: &Request) -> PathBuf {
    // Long brackets need no escaping; the level is chosen so the body cannot close them.
    let quote = |text: &str| format!("[==[{text}]==]");
    let mut lua = format!("wrk.method = {}\n", quote(request.method));
    for (name, value) in &request.headers {
        // The spaces keep `[ [==[` from reading as the opening of a long string.
        lua.push_str(&format!("wrk.headers[ {} ] = {}\n", quote(name), quote(value)));
    }
    if let Some(body) = &request.body {
        lua.push_str(&format!("wrk.body = {}\n", quote(body)));
    }
    if request.unique_weeks {
        lua.push_str(&unique_weeks_lua(&request.path));
    }
    let path = std::env::temp_dir().join(format!("bench-wrk-{}-{:p}.lua", std::process::id(), request));
    std::fs::write(&path, lua).expect("write the wrk script");
    path
}

/// The first window of [`Request::unique_weeks`]: 2026-11-06 12:00:00, local time of the
/// dataset (seconds since the epoch, read as UTC by Lua's `os.date("!...")`).
const UNIQUE_WEEKS_FROM: i64 = 1_793_966_400;

/// A wrk `request` function that appends a new week to `path` on every call.
fn unique_weeks_lua(path: &str) -> String {
    format!(
        r#"
local threads = 0
function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end
local served = 0
function request()
  served = served + 1
  local first = {UNIQUE_WEEKS_FROM} + thread_index * 86400 + served
  local at = function(t) return os.date("!%Y-%m-%d%%20%H:%M:%S", t) end
  return wrk.format(nil, [==[{path}]==] .. "&begin_time=" .. at(first) .. "&end_time=" .. at(first + 7 * 86400))
end
"#
    )
}

/// Reads `Requests/sec`, the 50% and 99% latencies, and error counts from wrk's report.
fn parse(text: &str) -> Option<Load> {
    let value_after = |label: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(label).map(str::trim).map(str::to_owned))
    };
    let percentile = |p: &str| value_after(p).and_then(|v| duration_ms(&v));
    let socket_errors = value_after("Socket errors:").map_or(0, |line| {
        line.split(',')
            .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum()
    });
    Some(Load {
        requests_per_second: value_after("Requests/sec:")?.parse().ok()?,
        p50_ms: percentile("50%")?,
        p99_ms: percentile("99%")?,
        non_2xx: value_after("Non-2xx or 3xx responses:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        socket_errors,
    })
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`, `1.50m`.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        _ => return None,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let report = "Running 2s test @ http://127.0.0.1:1/x\n  2 threads and 64 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     1.10ms  400.00us   9.00ms   80.00%\n  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    1.80ms\n     99%    3.05ms\n  40000 requests in 2.00s, 5.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 7\nRequests/sec:  19999.50\nTransfer/sec:      2.50MB\n";
        let load = parse(report).unwrap();
        assert_eq!(load.requests_per_second, 19999.5);
        assert!((load.p50_ms - 0.812).abs() < 1e-9 && (load.p99_ms - 3.05).abs() < 1e-9);
        assert_eq!((load.non_2xx, load.socket_errors), (7, 3));
    }
}
