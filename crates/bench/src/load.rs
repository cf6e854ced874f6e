//! The load table (64 connections, wrk): each route of the mock beside the baselines
//! measured in the same run — hello-world and a pre-serialised body of the same size on
//! the baseline server, and the mock's own hello-world route — interleaved over a few
//! rounds whose medians are reported, since these machines are shared and noisy.

use std::time::Duration;

use serde::Serialize;

use crate::{
    server::Server,
    wrk::{self, Load, Request},
};

/// Interleaved rounds; the median of each series is reported.
const ROUNDS: usize = 3;

/// Which same-run baseline a route's target is stated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A small JSON answer: ≥ 0.6 of the baseline's hello-world.
    HelloWorld,
    /// The small request of the hot path: ≥ 0.65 of the baseline's hello-world.
    HotPath,
    /// A large answer: ≥ 0.5 of a pre-serialised body of the same size.
    SameSizeBody,
    /// A large answer to a query never asked before: ≥ 0.2 of a pre-serialised body of
    /// the same size.
    NewQuery,
}

impl Target {
    pub fn ratio(self) -> f64 {
        match self {
            Target::HelloWorld => 0.6,
            Target::HotPath => 0.65,
            Target::SameSizeBody => 0.5,
            Target::NewQuery => 0.2,
        }
    }

    /// Whether the target is stated against the hello-world (else the same-size body).
    pub fn against_hello_world(self) -> bool {
        matches!(self, Target::HelloWorld | Target::HotPath)
    }
}

pub struct Route {
    pub name: &'static str,
    pub request: Request,
    pub target: Target,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub name: &'static str,
    pub body_bytes: usize,
    pub load: Load,
    pub hello_world_rps: f64,
    pub same_size_body_rps: f64,
    pub mock_hello_world_rps: f64,
    pub ratio_to_hello_world: f64,
    pub ratio_to_same_size_body: f64,
    pub ratio_to_mock_hello_world: f64,
    pub target: Target,
    pub target_ratio: f64,
    pub met: bool,
}

/// Measures every route; `body_bytes` gives the size of each route's answer.
pub fn measure(
    mock: &Server,
    baseline: &Server,
    routes: &[(Route, usize)],
    connections: usize,
    duration: Duration,
) -> Vec<Row> {
    let run = |addr: &str, request: &Request| wrk::run(addr, request, connections, duration);
    let mut hello = Vec::new();
    let mut mock_hello = Vec::new();
    let mut twins = vec![Vec::new(); routes.len()];
    let mut measured: Vec<Vec<Load>> = vec![Vec::new(); routes.len()];
    // A route held against the hello-world has its own hello-world run just before it,
    // as the others have their twin: the machine drifts over the seconds of a round.
    let mut paired_hello = vec![Vec::new(); routes.len()];
    for _ in 0..ROUNDS {
        hello.push(run(&baseline.addr, &Request::get("/hello")).requests_per_second);
        mock_hello.push(run(&mock.addr, &Request::get("/_mock/health")).requests_per_second);
        for (i, (route, bytes)) in routes.iter().enumerate() {
            // The twin receives what the route receives (method, query and body; it
            // ignores them) and answers a pre-serialised body of the same size.
            let query = route
                .request
                .path
                .split_once('?')
                .map_or(String::new(), |(_, q)| format!("?{q}"));
            let twin = Request {
                path: format!("/blob/{bytes}{query}"),
                headers: Vec::new(),
                unique_weeks: false,
                ..route.request.clone()
            };
            twins[i].push(run(&baseline.addr, &twin).requests_per_second);
            if route.target.against_hello_world() {
                paired_hello[i].push(run(&baseline.addr, &Request::get("/hello")).requests_per_second);
            }
            let load = run(&mock.addr, &route.request);
            // Only the error route may answer with errors: anything else measures the wrong thing.
            assert!(
                load.non_2xx == 0 || route.target == Target::HelloWorld && route.name.contains("error"),
                "{} answered {} errors under load",
                route.name,
                load.non_2xx
            );
            measured[i].push(load);
        }
    }
    let (hello, mock_hello) = (median(hello), median(mock_hello));
    routes
        .iter()
        .zip(twins.into_iter().zip(measured).zip(paired_hello))
        .map(|((route, bytes), ((twin, loads), paired))| {
            let load = median_load(loads);
            let twin = median(twin);
            let hello = if paired.is_empty() { hello } else { median(paired) };
            let rps = load.requests_per_second;
            let ratio = if route.target.against_hello_world() {
                rps / hello
            } else {
                rps / twin
            };
            Row {
                name: route.name,
                body_bytes: *bytes,
                load,
                hello_world_rps: hello,
                same_size_body_rps: twin,
                mock_hello_world_rps: mock_hello,
                ratio_to_hello_world: rps / hello,
                ratio_to_same_size_body: rps / twin,
                ratio_to_mock_hello_world: rps / mock_hello,
                target: route.target,
                target_ratio: route.target.ratio(),
                met: ratio >= route.target.ratio(),
            }
        })
        .collect()
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// The run with the median throughput (its latencies come with it).
fn median_load(mut loads: Vec<Load>) -> Load {
    loads.sort_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second));
    loads[loads.len() / 2]
}
