//! Processes under measurement: the release `mock-server` binary (so that its startup
//! time and resident memory are its own) and this binary in `baseline-server` mode.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{client::Connection, CLOCK};

/// The mock-server binary, built beside this one, running on a free port.
pub struct Server {
    child: Child,
    pub addr: String,
}

impl Server {
    /// The mock with `args`, its per-request log lines off unless `args` sets a level
    /// (their cost is measured on its own, in the hot-path section).
    pub fn start(args: &[&str]) -> (Server, Duration) {
        let binary = std::env::current_exe().unwrap().with_file_name("mock-server");
        let mut all_args = vec!["--port", "0", "--clock", CLOCK];
        if !args.contains(&"--log-level") {
            all_args.extend_from_slice(&["--log-level", "warn"]);
        }
        all_args.extend_from_slice(args);
        Server::spawn(&binary, &all_args)
    }

    /// This binary in `baseline-server` mode.
    pub fn baseline() -> (Server, Duration) {
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

    /// Resident memory now (VmRSS), MB.
    pub fn rss_mb(&self) -> f64 {
        self.status_mb("VmRSS:")
    }

    /// The peak resident memory so far (VmHWM), MB.
    pub fn peak_rss_mb(&self) -> f64 {
        self.status_mb("VmHWM:")
    }

    fn status_mb(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix(field))
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
