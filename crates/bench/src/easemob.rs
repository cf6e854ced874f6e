//! Easemob's hourly history files with a large dataset (about 10,000 messages in the
//! measured hour): the file served cold (built on demand) and warm (from the server's
//! small cache), and resident memory as more and more distinct hours are downloaded.

use std::{io::Read, ops::Range, time::Instant};

use serde::Serialize;

use crate::{
    client::{time_requests, Connection},
    server::Server,
    CLOCK,
};

/// With 240,000 messages a day, the hour 08:00-09:00 (Beijing) of CLOCK's day has about 10,000.
const MESSAGES_PER_DAY: u32 = 240_000;
const APP: &str = "/demo-org/demo-app";
const TOKEN_REQUEST: &str = r#"{"grant_type":"client_credentials","client_id":"YXA6mockClientIdDemo0000001","client_secret":"YXA6mockClientSecretDemo000000000001"}"#;
const HOUR: &str = "2026112008";
/// Cold downloads whose hour has about 10,000 messages count towards the cold median.
const ABOUT_10K: Range<usize> = 8_000..12_000;
/// Files are kept 30 days for this run (3 by default), so that memory can be watched over
/// many more distinct hours than the cache holds.
const RETENTION: &str = "30d";
/// The distinct hours downloaded cold, counted back from CLOCK's hour: the first whose
/// file is ready (generated an hour after it ended) and the 239 before it.
const COLD_HOURS: Range<i64> = 2..242;
/// Resident memory is read after this many distinct hours.
const RSS_CHECKPOINTS: [usize; 8] = [1, 8, 24, 48, 96, 144, 192, 240];

#[derive(Serialize)]
pub struct EasemobReport {
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
    pub cold_about_10k_p50_ms: f64,
    cold_about_10k_max_ms: f64,
    /// Build speed over every cold download.
    cold_ms_per_1000_messages: f64,
    /// Resident memory after 1, 8, 24 ... 240 distinct hours downloaded.
    rss_mb_by_hours: Vec<(usize, f64)>,
    /// RSS after 240 distinct hours divided by RSS after 24 (the cache holds 8).
    rss_growth_24_to_240_hours: f64,
}

pub fn measure(requests: usize) -> EasemobReport {
    // The quota would refuse the link requests of a benchmark after 10 a minute.
    let per_day = MESSAGES_PER_DAY.to_string();
    let (server, _) = Server::start(&[
        "--messages-per-day",
        &per_day,
        "--easemob-history-quota",
        "1000000",
        "--easemob-retention",
        RETENTION,
    ]);
    let mut conn = Connection::open(&server.addr);
    let (status, body) = conn.post(&format!("{APP}/token"), TOKEN_REQUEST);
    assert_eq!(status, 200, "token: {}", String::from_utf8_lossy(&body));
    let token = json(&body)["access_token"].as_str().expect("a token").to_owned();
    conn.authorization = format!("Bearer {token}");

    let link_path = format!("{APP}/chatmessages/{HOUR}");
    let link = time_requests(&mut conn, &link_path, requests, true);
    let file = file_path(&mut conn, HOUR);
    let mut cold = vec![download_cold(&mut conn, &file)];
    let warm = time_requests(&mut conn, &file, requests, true);
    let (hour_messages, hour_gzip_bytes) = (cold[0].messages, cold[0].gzip_bytes);

    let mut rss_mb_by_hours = vec![(1, server.rss_mb())];
    let clock = chrono::DateTime::parse_from_rfc3339(CLOCK).expect("CLOCK is RFC 3339");
    let hours = COLD_HOURS
        .map(|back| (clock - chrono::TimeDelta::hours(back)).format("%Y%m%d%H").to_string())
        .filter(|hour| hour != HOUR)
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
        messages_per_day: MESSAGES_PER_DAY,
        hour: HOUR,
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

/// The path (and signed query) of the download link of `hour`, asked with `conn`'s token.
pub fn file_path(conn: &mut Connection, hour: &str) -> String {
    let (status, body) = conn.get(&format!("{APP}/chatmessages/{hour}"));
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

pub fn print(e: &EasemobReport) {
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
