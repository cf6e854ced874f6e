//! What a fleet's shared state (`--state-url`) costs one replica: the small JPush request
//! and a 1000-message page, each served by the same release binary with its state in a
//! local `redis-server` and in-process, alternated in the same run; the ratio is shared
//! over in-process requests per second. Needs Debian's `redis-server` (`scripts/bench`
//! installs it when missing); the server runs on a free loopback port, nothing on disk.

use std::{
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde::Serialize;

use crate::{client::Connection, server::Server, wrk, wrk::Request, CONNECTIONS, UNLIMITED, WEEK_QUERY};

#[derive(Serialize)]
pub struct FleetReport {
    pub small_route: &'static str,
    pub small_in_process_rps: f64,
    pub small_shared_rps: f64,
    pub small_ratio: f64,
    pub page_route: String,
    pub page_in_process_rps: f64,
    pub page_shared_rps: f64,
    pub page_ratio: f64,
}

struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> (Redis, u16) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server (Debian's redis-server package; scripts/bench installs it)");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (Redis(child), port)
}

/// Median requests per second of `request` on each server, alternated over three rounds.
fn alternated(servers: [&Server; 2], request: &Request, duration: Duration) -> [f64; 2] {
    let mut rps = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        for (server, series) in servers.iter().zip(&mut rps) {
            let load = wrk::run(&server.addr, request, CONNECTIONS, duration);
            assert_eq!(load.non_2xx, 0, "{} answered errors", request.path);
            series.push(load.requests_per_second);
        }
    }
    rps.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    })
}

pub fn measure(duration: Duration) -> FleetReport {
    let (_redis, port) = start_redis();
    let url = format!("redis://127.0.0.1:{port}/0");
    let (local, _) = Server::start(&UNLIMITED);
    let (shared, _) = Server::start(&[&UNLIMITED[..], &["--state-url", &url]].concat());
    let authorization = Connection::open(&local.addr).authorization;
    let small_route = "/v3/received?msg_ids=1";
    let small = Request::get(small_route).header("Authorization", authorization.clone());
    let [small_in_process_rps, small_shared_rps] = alternated([&local, &shared], &small, duration);
    let page_route = format!("/v2/messages?count=1000&{WEEK_QUERY}");
    let page = Request::get(page_route.clone()).header("Authorization", authorization);
    let [page_in_process_rps, page_shared_rps] = alternated([&local, &shared], &page, duration);
    FleetReport {
        small_route,
        small_in_process_rps,
        small_shared_rps,
        small_ratio: small_shared_rps / small_in_process_rps,
        page_route,
        page_in_process_rps,
        page_shared_rps,
        page_ratio: page_shared_rps / page_in_process_rps,
    }
}

pub fn print(report: &FleetReport) {
    println!(
        "\nshared state (--state-url, one replica, local redis-server) vs in-process:\n  \
         {}: {:.0} vs {:.0} req/s = {:.3}x\n  1000-message page: {:.0} vs {:.0} req/s = {:.3}x",
        report.small_route,
        report.small_shared_rps,
        report.small_in_process_rps,
        report.small_ratio,
        report.page_shared_rps,
        report.page_in_process_rps,
        report.page_ratio
    );
}
