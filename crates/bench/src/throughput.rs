//! Closed-loop throughput: `connections` keep-alive connections, each sending its next
//! request as soon as the previous answer is read, for a fixed time. Bounded in time and
//! loopback-only. Each route is quoted as a ratio to the hello-world route measured in
//! the same run.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde::Serialize;

use crate::Connection;

#[derive(Serialize)]
pub struct Throughput {
    pub name: &'static str,
    pub body_bytes: usize,
    pub requests_per_second: f64,
    /// The mock's own hello-world route (`/_mock/health`).
    pub hello_world_requests_per_second: f64,
    pub ratio_to_hello_world: f64,
    /// The baseline server's pre-serialised body of the same size.
    pub same_size_blob_requests_per_second: f64,
    pub ratio_to_same_size_blob: f64,
}

/// Requests per second of `path` over `duration` with `connections` connections.
pub fn requests_per_second(addr: &str, path: &str, connections: usize, duration: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, path, done, stop) = (addr.to_owned(), path.to_owned(), done.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut conn = Connection::open(&addr);
                while !stop.load(Ordering::Relaxed) {
                    let (status, _) = conn.get(&path);
                    assert_eq!(status, 200, "{path}");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    for worker in workers {
        worker.join().expect("a load worker failed");
    }
    done.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

/// Rounds of interleaved measurements per route: the median of each series is reported,
/// so a burst of load from elsewhere on a shared machine skews one round, not the figure.
const ROUNDS: usize = 3;

/// Each route's throughput against the mock's hello-world route and the baseline
/// server's pre-serialised body of the same size, interleaved over [`ROUNDS`] rounds.
pub fn compare(
    addr: &str,
    baseline_addr: &str,
    routes: &[(&'static str, String)],
    connections: usize,
    duration: Duration,
) -> Vec<Throughput> {
    routes
        .iter()
        .map(|(name, path)| {
            let body_bytes = Connection::open(addr).get(path).1.len();
            let blob_path = format!("/blob/{body_bytes}");
            let (mut hello, mut blob, mut measured) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                hello.push(requests_per_second(addr, "/_mock/health", connections, duration));
                blob.push(requests_per_second(baseline_addr, &blob_path, connections, duration));
                measured.push(requests_per_second(addr, path, connections, duration));
            }
            let (hello, blob, measured) = (median(hello), median(blob), median(measured));
            Throughput {
                name,
                body_bytes,
                requests_per_second: measured,
                hello_world_requests_per_second: hello,
                ratio_to_hello_world: measured / hello,
                same_size_blob_requests_per_second: blob,
                ratio_to_same_size_blob: measured / blob,
            }
        })
        .collect()
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Requests per second of `path` on each server, interleaved over [`ROUNDS`] rounds;
/// the median of each.
pub fn side_by_side(addrs: &[&str], path: &str, connections: usize, duration: Duration) -> Vec<f64> {
    let mut samples = vec![Vec::new(); addrs.len()];
    for _ in 0..ROUNDS {
        for (addr, series) in addrs.iter().zip(&mut samples) {
            series.push(requests_per_second(addr, path, connections, duration));
        }
    }
    samples.into_iter().map(median).collect()
}
