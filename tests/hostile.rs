//! The mock as a hostile or careless client meets it: for each vendor family and for the
//! control API, thousands of generated malformed requests (seeded, so a failure replays),
//! sent as raw bytes over loopback. Every answer must be well-formed: no 5xx (no fault is
//! installed), and every error in the family's own JSON shape with a JSON content type.
//! The server must keep serving throughout: a request that gets no answer at all is a
//! failure, except where the HTTP layer closes a connection it cannot parse.
//!
//! `HOSTILE_REQUESTS` (default 10,000) sets how many requests each family gets, and
//! `HOSTILE_SEED` which requests they are (the default is the one CI runs).

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

use e2e::{Mock, Role};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::Value;

fn seed() -> u64 {
    std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_261_202)
}

fn requests_per_family() -> usize {
    std::env::var("HOSTILE_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// The family whose error shape an answer must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `{"error":{"code":N,"message":"..."}}`: JPush, JMessage and the control API.
    Jiguang,
    /// `{"error":"...","exception":"...","timestamp":N,"duration":N,"error_description":"..."}`.
    Easemob,
}

/// An answer as read off the wire.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// A keep-alive connection that reconnects when the server closes it.
struct Client {
    addr: SocketAddr,
    stream: Option<TcpStream>,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client { addr, stream: None }
    }

    /// Sends `request` and reads one answer; `None` when the server closed the connection
    /// without answering.
    fn exchange(&mut self, request: &[u8]) -> Option<Answer> {
        let head_only = request.starts_with(b"HEAD ");
        let stream = match &mut self.stream {
            Some(stream) => stream,
            None => {
                let stream = TcpStream::connect(self.addr).expect("the mock accepts connections");
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                stream.set_nodelay(true).unwrap();
                self.stream.insert(stream)
            }
        };
        if stream.write_all(request).is_err() {
            self.stream = None;
            return None;
        }
        let answer = read_answer(stream, head_only);
        let close = answer.as_ref().is_none_or(|a| a.status == 400 && a.body.is_empty());
        if close {
            self.stream = None;
        }
        answer
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` (the mock always sends one); the
/// answer to a HEAD request has no body, whatever its length says.
fn read_answer(stream: &mut TcpStream, head_only: bool) -> Option<Answer> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let header = |name: &str| {
        head.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let length: usize = match head_only {
        true => 0,
        false => header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some(Answer {
        status,
        content_type: header("content-type").unwrap_or_default(),
        body,
    })
}

/// What was wrong with an answer, if anything. (The answer to a HEAD request has the
/// headers of an answer and no body.)
fn judge(answer: &Answer, shape: Shape, head_only: bool) -> Result<(), String> {
    if answer.status >= 500 {
        return Err(format!("status {}", answer.status));
    }
    if answer.status < 400 {
        return Ok(());
    }
    if !answer.content_type.starts_with("application/json") {
        return Err(format!("{} with content type `{}`", answer.status, answer.content_type));
    }
    if head_only {
        return Ok(());
    }
    let body: Value = serde_json::from_slice(&answer.body)
        .map_err(|err| format!("{} with a body that is not JSON: {err}", answer.status))?;
    let well_formed = match shape {
        Shape::Jiguang => body["error"]["code"].is_u64() && body["error"]["message"].is_string(),
        Shape::Easemob => {
            body["error"].is_string() && body["error_description"].is_string() && body["timestamp"].is_i64()
        }
    };
    if well_formed {
        Ok(())
    } else {
        Err(format!("{} in another shape: {body}", answer.status))
    }
}

/// Pieces the generator combines: values clients send by mistake or on purpose.
const NASTY: &[&str] = &[
    "",
    "0",
    "-1",
    "1.5",
    "NaN",
    "99999999999999999999999",
    "1e308",
    "null",
    "true",
    "[]",
    "{}",
    "%",
    "%ff",
    "%zz",
    "%00",
    "%0d%0a",
    "%2C%2C%2C",
    ",,,,",
    "a,b,c",
    "1,,2",
    "+",
    "%20",
    "\u{7f}",
    "中文",
    "%E4%B8%AD",
    "'",
    "\"",
    "<script>",
    "../../etc/passwd",
    "%2e%2e%2f",
    "YYYYMMDDHH",
    "2026-11-20",
    "2026-11-20 12",
    "2026-13-45 99:99:99",
    "2026-11-20+12:00:00",
    "HOUR",
    "DAY",
    "MONTH",
    "WEEK",
    "select * where timestamp>1",
    "select * where timestamp<1 and 1=1",
];

fn nasty(rng: &mut StdRng) -> String {
    match rng.random_range(0..10) {
        // A long run of one character, up to 8 KB.
        0 => "9".repeat(rng.random_range(1..8192)),
        1 => ",".repeat(rng.random_range(1..4096)),
        2 => format!("{}", rng.random::<i64>()),
        3 => (0..rng.random_range(1..20))
            .map(|_| rng.random_range(0..=u32::MAX).to_string())
            .collect::<Vec<_>>()
            .join(","),
        _ => NASTY[rng.random_range(0..NASTY.len())].to_owned(),
    }
}

fn query(rng: &mut StdRng, names: &[&str]) -> String {
    let count = rng.random_range(0..=names.len() + 2);
    (0..count)
        .map(|_| {
            let name = match names.is_empty() || rng.random_bool(0.2) {
                true => segment(rng),
                false => names[rng.random_range(0..names.len())].to_owned(),
            };
            format!("{name}={}", segment(rng))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A nasty value as it appears in a path segment or header.
fn segment(rng: &mut StdRng) -> String {
    let text = nasty(rng);
    in_target(rng, &text)
}

/// `text` as a request target carries it: percent-encoded as a careful client would, or,
/// now and then, raw (spaces, quotes, control bytes and UTF-8 as a sloppy one sends them).
fn in_target(rng: &mut StdRng, text: &str) -> String {
    if rng.random_bool(0.15) {
        return text.to_owned();
    }
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' | b'%' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn body(rng: &mut StdRng) -> String {
    match rng.random_range(0..8) {
        0 => String::new(),
        1 => "{".repeat(rng.random_range(1..3000)),
        2 => format!(r#"{{"msg_id":{},"registration_ids":[{}]}}"#, nasty(rng), nasty(rng)),
        3 => format!(r#"{{"msg_id":1,"registration_ids":["a"],"date":"{}"}}"#, nasty(rng)),
        4 => format!(
            r#"{{"grant_type":"{}","client_id":"{}","client_secret":"{}","ttl":{}}}"#,
            nasty(rng),
            nasty(rng),
            nasty(rng),
            nasty(rng)
        ),
        5 => format!(r#"{{"seconds":{}}}"#, nasty(rng)),
        6 => format!(r#"{{"now":"{}","frozen":{}}}"#, nasty(rng), nasty(rng)),
        _ => nasty(rng),
    }
}

/// A request line target: spaces and raw bytes are the client's problem, not the mock's.
fn request(method: &str, target: &str, headers: &[(String, String)], body: &str) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    out.into_bytes()
}

fn method(rng: &mut StdRng, usual: &str) -> String {
    if rng.random_bool(0.85) {
        usual.to_owned()
    } else {
        ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"][rng.random_range(0..7)].to_owned()
    }
}

fn authorization(rng: &mut StdRng, good: &str) -> Option<String> {
    match rng.random_range(0..8) {
        0 => None,
        1 => Some(format!("Basic {}", segment(rng))),
        2 => Some(format!("Bearer {}", segment(rng))),
        3 => Some("Basic".to_owned()),
        _ => Some(good.to_owned()),
    }
}

/// Sends `count` generated requests made by `make` and collects what was wrong.
fn run(addr: SocketAddr, count: usize, shape: Shape, seed: u64, make: impl Fn(&mut StdRng) -> Vec<u8>) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut client = Client::new(addr);
    let mut problems = Vec::new();
    let mut unanswered = 0;
    for n in 0..count {
        let request = make(&mut rng);
        match client.exchange(&request) {
            Some(answer) => {
                if let Err(problem) = judge(&answer, shape, request.starts_with(b"HEAD ")) {
                    let shown = String::from_utf8_lossy(&request[..request.len().min(300)]).into_owned();
                    problems.push(format!("request {n} ({shown:?}): {problem}"));
                }
            }
            None => unanswered += 1,
        }
    }
    // The HTTP layer may close a connection it cannot parse; it may not stop answering.
    let health = client
        .exchange(&request("GET", "/_mock/health", &[], ""))
        .map(|a| a.status);
    if health != Some(200) {
        problems.push(format!("the mock stopped answering (health: {health:?})"));
    }
    if unanswered * 10 > count {
        problems.push(format!("{unanswered} of {count} requests got no answer"));
    }
    problems
}

fn report(family: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{family}: {} bad answers; the first ones:\n{}",
        problems.len(),
        problems.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
    );
}

async fn in_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn jpush_answers_every_malformed_request_in_its_shape() {
    let mock = Mock::start().await;
    let (addr, auth) = (mock.server.addr, mock.basic(Role::Vip));
    let ids = mock.samples(Role::Vip, "msg_ids").await.join(",");
    let problems = in_blocking(move || {
        run(addr, requests_per_family(), Shape::Jiguang, seed(), |rng| {
            let root = if rng.random_bool(0.8) { "/v3" } else { "/v3/report" };
            let (usual, route, names): (&str, &str, &[&str]) = match rng.random_range(0..7) {
                0 => ("GET", "/received", &["msg_ids"]),
                1 => ("GET", "/received/detail", &["msg_ids"]),
                2 => ("GET", "/messages", &["msg_ids"]),
                3 => ("GET", "/messages/detail", &["msg_ids"]),
                4 => ("POST", "/status/message", &[]),
                5 => ("GET", "/users", &["time_unit", "start", "duration"]),
                _ => ("GET", "/", &["x"]),
            };
            let route = if rng.random_bool(0.1) {
                format!("{route}/{}", segment(rng))
            } else {
                route.to_owned()
            };
            let query = if rng.random_bool(0.1) {
                format!("msg_ids={ids}")
            } else {
                query(rng, names)
            };
            let headers: Vec<_> = authorization(rng, &auth)
                .map(|a| ("Authorization".to_owned(), a))
                .into_iter()
                .collect();
            let body = if usual == "POST" { body(rng) } else { String::new() };
            request(&method(rng, usual), &format!("{root}{route}?{query}"), &headers, &body)
        })
    })
    .await;
    report("JPush", &problems);
}

#[tokio::test(flavor = "multi_thread")]
async fn jmessage_answers_every_malformed_request_in_its_shape() {
    let mock = Mock::start().await;
    let (addr, auth) = (mock.server.addr, mock.basic(Role::Vip));
    let user = mock.samples(Role::Vip, "usernames").await.remove(0);
    let problems = in_blocking(move || {
        run(addr, requests_per_family(), Shape::Jiguang, seed() + 1, |rng| {
            let history: &[&str] = &["count", "begin_time", "end_time", "cursor"];
            let v1: &[&str] = &["start", "count", "begin_time", "end_time"];
            let stats: &[&str] = &["time_unit", "start", "duration"];
            let (path, names) = match rng.random_range(0..9) {
                0 => ("/v2/messages".to_owned(), history),
                1 => (
                    format!(
                        "/v2/users/{}/messages",
                        if rng.random_bool(0.5) {
                            user.clone()
                        } else {
                            segment(rng)
                        }
                    ),
                    history,
                ),
                2 => (format!("/v2/groups/{}/messages", segment(rng)), history),
                3 => (format!("/v2/chatrooms/{}/messages", segment(rng)), history),
                4 => ("/v2/statistic/users".to_owned(), stats),
                5 => ("/v2/statistic/messages".to_owned(), stats),
                6 => ("/v2/statistic/groups".to_owned(), stats),
                7 => ("/v1/messages".to_owned(), v1),
                _ => (format!("/v1/users/{}/messages", segment(rng)), v1),
            };
            let headers: Vec<_> = authorization(rng, &auth)
                .map(|a| ("Authorization".to_owned(), a))
                .into_iter()
                .collect();
            request(
                &method(rng, "GET"),
                &format!("{path}?{}", query(rng, names)),
                &headers,
                "",
            )
        })
    })
    .await;
    report("JMessage", &problems);
}

#[tokio::test(flavor = "multi_thread")]
async fn easemob_answers_every_malformed_request_in_its_shape() {
    let mock = Mock::start().await;
    let addr = mock.server.addr;
    let apps = mock.get_with(None, "/_mock/apps").await.json;
    let app = &apps["easemob"][0];
    let (org, name) = (
        app["org_name"].as_str().unwrap().to_owned(),
        app["app_name"].as_str().unwrap().to_owned(),
    );
    let token_body = serde_json::json!({
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    });
    let token = mock
        .send(
            mock.client
                .post(mock.url(&format!("/{org}/{name}/token")))
                .body(token_body.to_string()),
        )
        .await
        .json["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The history quota (10 a minute) would answer most requests 429 (well-formed, but
    // it would hide the parameter checks): the probe lifts it.
    let lifted = mock
        .control("PUT", "/_mock/rate-limits", r#"{"easemob":{"limit":1000000}}"#)
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text);
    let problems = in_blocking(move || {
        run(addr, requests_per_family(), Shape::Easemob, seed() + 2, |rng| {
            let app = if rng.random_bool(0.85) {
                format!("{org}/{name}")
            } else {
                format!("{}/{}", segment(rng), segment(rng))
            };
            let (usual, path, names): (&str, String, &[&str]) = match rng.random_range(0..5) {
                0 => ("POST", "token".to_owned(), &[]),
                1 => ("GET", "chatmessages".to_owned(), &["ql", "limit", "cursor"]),
                2 => ("GET", format!("chatmessages/{}", segment(rng)), &[]),
                3 => ("GET", format!("history/{}.gz", segment(rng)), &["Expires", "Signature"]),
                _ => ("GET", segment(rng), &["x"]),
            };
            let good = format!("Bearer {token}");
            let headers: Vec<_> = authorization(rng, &good)
                .map(|a| ("Authorization".to_owned(), a))
                .into_iter()
                .collect();
            let body = if usual == "POST" { body(rng) } else { String::new() };
            request(
                &method(rng, usual),
                &format!("/{app}/{path}?{}", query(rng, names)),
                &headers,
                &body,
            )
        })
    })
    .await;
    report("Easemob", &problems);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_control_api_answers_every_malformed_request_in_its_shape() {
    let mock = Mock::start().await;
    let addr = mock.server.addr;
    let problems = in_blocking(move || {
        run(addr, requests_per_family(), Shape::Jiguang, seed() + 3, |rng| {
            let (usual, path) = match rng.random_range(0..9) {
                0 => ("PUT", "/_mock/clock".to_owned()),
                1 => ("POST", "/_mock/clock/advance".to_owned()),
                2 => ("POST", "/_mock/faults".to_owned()),
                3 => ("DELETE", format!("/_mock/faults/{}", segment(rng))),
                4 => ("PUT", "/_mock/rate-limits".to_owned()),
                5 => (
                    "GET",
                    format!(
                        "/_mock/journal?{}",
                        query(rng, &["family", "path", "status", "warnings", "limit", "since"])
                    ),
                ),
                6 => ("GET", "/_mock/apps".to_owned()),
                7 => ("GET", "/_mock/clock".to_owned()),
                _ => ("GET", format!("/_mock/{}", segment(rng))),
            };
            let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
            // Valid fault rules would fail the vendor requests of other tests' mocks only;
            // here they could fill the rule table, which must stay answerable too.
            let body = if usual == "GET" { String::new() } else { body(rng) };
            request(&method(rng, usual), &path, &headers, &body)
        })
    })
    .await;
    report("control API", &problems);
}
