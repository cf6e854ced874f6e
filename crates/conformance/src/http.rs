//! One HTTP exchange: the request as sent, the response as received, and how both are
//! shown in reports. On real hosts the client also enforces the two promises made to
//! users: it sends only reads, and it keeps to the vendors' rate limits (Easemob's quota
//! only for the calls it counts, [`uses_easemob_quota`]), saying so while it waits.

use std::{collections::HashMap, sync::Arc, time::Duration};

use serde_json::Value;
use tokio::{sync::Mutex, time::Instant};

use crate::{
    contract,
    scenario::{Auth, Decode, Family, RequestStep, Role},
};

/// Longest response excerpt shown in a failure.
const EXCERPT_CHARS: usize = 600;
/// A request that takes longer has failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A pacing wait at least this long is announced (the 300 ms between Jiguang calls is not).
const ANNOUNCED_WAIT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct PreparedRequest {
    pub family: Family,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: PreparedRequest,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub bytes: Vec<u8>,
    /// The body as text (invalid UTF-8 replaced); decoded text after [`Exchange::decoded`].
    pub text: String,
    /// The body parsed as JSON; `null` when it is not JSON.
    pub json: Value,
}

impl PreparedRequest {
    /// `GET url`, the headers, and the body: what a failure shows (before redaction).
    pub fn render(&self) -> String {
        let mut out = format!("{} {}", self.method, self.url);
        for (name, value) in &self.headers {
            out.push_str(&format!("\n{name}: {value}"));
        }
        if let Some(body) = &self.body {
            out.push_str(&format!("\n\n{body}"));
        }
        out
    }

    /// The path and query of the URL.
    pub fn path_and_query(&self) -> &str {
        let after_scheme = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
    }
}

impl Exchange {
    /// `STATUS body...`, cut to a readable length.
    pub fn excerpt(&self) -> String {
        let mut text: String = self.text.chars().take(EXCERPT_CHARS).collect();
        if text.len() < self.text.len() {
            text.push_str(&format!("... ({} bytes in all)", self.text.len()));
        }
        format!("{} {text}", self.status)
    }

    /// Reads the body as `decode` says: `json` becomes the array of the body's JSON lines
    /// (blank lines skipped), `text` the decoded text. A body that cannot be decoded is an
    /// error, and the exchange stays as received.
    pub fn decode(&mut self, decode: Decode) -> Result<(), String> {
        let text = match decode {
            Decode::JsonLines => self.text.clone(),
            Decode::GzipJsonLines => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&self.bytes[..]), &mut text)
                    .map_err(|e| format!("the body is not gzip-compressed UTF-8 text: {e}"))?;
                text
            }
        };
        let lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(number, line)| {
                serde_json::from_str(line).map_err(|e| format!("line {} of the body is not JSON: {e}", number + 1))
            })
            .collect::<Result<Vec<Value>, String>>()?;
        self.text = text;
        self.json = Value::Array(lines);
        Ok(())
    }
}

/// Whether a request only reads. Real hosts get nothing else: GETs, and the two POSTs that
/// are reads (JPush `status/message`, Easemob `token`).
pub fn is_read(method: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    match method {
        "GET" | "HEAD" => true,
        "POST" => {
            let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            let jpush_status = matches!(
                segments.as_slice(),
                ["v3", "status", "message"] | ["v3", "report", "status", "message"]
            );
            let easemob_token = matches!(segments.as_slice(), [org, app, "token"]
                if !app.is_empty() && !["", "v1", "v2", "v3", "_mock"].contains(org));
            jpush_status || easemob_token
        }
        _ => false,
    }
}

/// Whether a request counts against Easemob's history quota (10 calls a minute per app,
/// SPEC R4.17), so that on real hosts it must wait its turn under that quota: a file link
/// or ql query (`GET /{org}/{app}/chatmessages[/{hour}]`) sent with the app's own token.
/// Not `/token`, not a download (a captured `url`), and not a request meant to fail
/// authentication (no token, an altered or a literal one, an expected 401): the service
/// refuses those before it counts.
pub fn uses_easemob_quota(family: Family, step: &RequestStep, request: &PreparedRequest) -> bool {
    let spec = &step.request;
    let own_token = spec.auth
        == Auth::Role {
            role: Role::Easemob,
            wrong_secret: false,
        }
        && !spec
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
    family == Family::Easemob
        && own_token
        && !spec.is_url
        && step.status != Some(401)
        && is_easemob_history_call(&request.method, request.path_and_query())
}

/// `GET /{org}/{app}/chatmessages` or `GET /{org}/{app}/chatmessages/{hour}`.
fn is_easemob_history_call(method: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    method == "GET" && matches!(segments.as_slice(), [_, _, "chatmessages"] | [_, _, "chatmessages", _])
}

/// What a request waits its turn in on real hosts: its family's host, and for the calls
/// Easemob counts, that quota as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    Host(Family),
    EasemobQuota,
}

impl Lane {
    /// What a wait in this lane is for, in a progress line.
    fn purpose(self) -> String {
        match self {
            Lane::Host(family) => format!("the next request to the {family} host"),
            Lane::EasemobQuota => "the next Easemob history call (its quota: 10 a minute per app)".into(),
        }
    }
}

/// Spaces requests per lane: at most one every `interval`.
#[derive(Debug, Default)]
pub struct Pacer {
    intervals: HashMap<Lane, Duration>,
    last: Mutex<HashMap<Lane, Instant>>,
}

impl Pacer {
    pub fn new(intervals: HashMap<Lane, Duration>) -> Pacer {
        Pacer {
            intervals,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// Takes the next turn in every one of `lanes`: how long to wait for it, and the lane
    /// that makes the wait longest.
    async fn reserve(&self, lanes: &[Lane]) -> (Duration, Lane) {
        let mut last = self.last.lock().await;
        let now = Instant::now();
        let (ready, lane) = lanes
            .iter()
            .map(|lane| {
                let interval = self.intervals.get(lane).copied().unwrap_or_default();
                let ready = last.get(lane).map_or(now, |previous| (*previous + interval).max(now));
                (ready, *lane)
            })
            .max_by_key(|(ready, _)| *ready)
            .unwrap_or((now, Lane::Host(Family::Control)));
        for lane in lanes {
            last.insert(*lane, ready);
        }
        (ready - now, lane)
    }

    /// Waits for the next turn in `lanes`, telling `waiting` when the wait is long enough
    /// to notice.
    async fn wait_turn(&self, lanes: &[Lane], waiting: &(dyn Fn(String) + Sync)) {
        let (wait, lane) = self.reserve(lanes).await;
        if wait >= ANNOUNCED_WAIT {
            waiting(format!("waiting {:.1} s for {}", wait.as_secs_f64(), lane.purpose()));
        }
        tokio::time::sleep(wait).await;
    }
}

/// The client every scenario sends through.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    /// Real hosts: pace requests and refuse writes.
    guard: Option<Arc<Pacer>>,
    /// A shared mock's control token, sent on its control calls. It is added to the wire
    /// request only, never to the recorded [`PreparedRequest`], so no report can show it.
    control_token: Option<Arc<str>>,
    /// The mock: every answer is held to its OpenAPI document ([`contract`]).
    contract: bool,
}

impl Http {
    pub fn new(guard: Option<Pacer>) -> Result<Http, String> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("jiguang-mock-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Http {
            client,
            guard: guard.map(Arc::new),
            control_token: None,
            contract: false,
        })
    }

    /// Sends `Authorization: Bearer <token>` on every control call (`/_mock`) that does
    /// not set its own `Authorization`.
    pub fn with_control_token(mut self, token: Option<String>) -> Http {
        self.control_token = token.map(Arc::from);
        self
    }

    /// Holds every answer to the mock's OpenAPI document: one that breaks it is an error
    /// of the exchange, as a missing answer is.
    pub fn held_to_contract(mut self) -> Http {
        self.contract = true;
        self
    }

    pub async fn send(&self, request: PreparedRequest) -> Result<Exchange, String> {
        self.send_paced(request, false, &|_| {}).await
    }

    /// Sends `request`; on real hosts after its turn (under Easemob's quota too when
    /// `quota`, see [`uses_easemob_quota`]), telling `waiting` what a long wait is for.
    pub async fn send_paced(
        &self,
        request: PreparedRequest,
        quota: bool,
        waiting: &(dyn Fn(String) + Sync),
    ) -> Result<Exchange, String> {
        if let Some(pacer) = &self.guard {
            if !is_read(&request.method, request.path_and_query()) {
                return Err(format!(
                    "refused to send {} {} to a real host: the harness only reads",
                    request.method,
                    request.path_and_query()
                ));
            }
            let host = Lane::Host(request.family);
            let lanes: &[Lane] = if quota { &[host, Lane::EasemobQuota] } else { &[host] };
            pacer.wait_turn(lanes, waiting).await;
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let (Family::Control, Some(token)) = (request.family, &self.control_token) {
            if !request
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            {
                builder = builder.bearer_auth(token);
            }
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().await.map_err(|e| format!("no answer: {e}"))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("unreadable body: {e}"))?
            .to_vec();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json: Option<Value> = serde_json::from_str(&text).ok();
        if self.contract {
            let content_type = headers
                .iter()
                .find(|(name, _)| name == "content-type")
                .map_or("", |(_, value)| value.as_str());
            contract::check(
                &request.method,
                request.path_and_query(),
                status,
                content_type,
                json.as_ref(),
            )
            .map_err(|why| format!("the answer breaks the mock's OpenAPI document: {why}"))?;
        }
        let json = json.unwrap_or(Value::Null);
        Ok(Exchange {
            request,
            status,
            headers,
            bytes,
            text,
            json,
        })
    }

    /// A request the harness makes itself, outside any scenario step (the mock's control
    /// API, an Easemob token): a JSON body, if any, with its content type.
    pub async fn send_json(
        &self,
        family: Family,
        method: &str,
        url: &str,
        body: Option<Value>,
    ) -> Result<Exchange, String> {
        let headers = match body {
            Some(_) => vec![("Content-Type".to_owned(), "application/json".to_owned())],
            None => Vec::new(),
        };
        self.send(PreparedRequest {
            family,
            method: method.to_owned(),
            url: url.to_owned(),
            headers,
            body: body.map(|b| b.to_string()),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_reach_real_hosts() {
        for (method, path) in [
            ("GET", "/v2/messages?count=1"),
            ("POST", "/v3/status/message"),
            ("POST", "/v3/report/status/message"),
            ("POST", "/demo-org/demo-app/token"),
        ] {
            assert!(is_read(method, path), "{method} {path}");
        }
        for (method, path) in [
            ("POST", "/v2/messages"),
            ("POST", "/_mock/clock/advance"),
            ("PUT", "/_mock/clock"),
            ("DELETE", "/v1/messages"),
            ("POST", "/v3/push"),
            ("POST", "/org/app/users"),
            ("POST", "/token"),
            ("POST", "/v2/users/token"),
        ] {
            assert!(!is_read(method, path), "{method} {path}");
        }
    }

    #[test]
    fn renders_and_cuts() {
        let request = PreparedRequest {
            family: Family::Jmessage,
            method: "GET".into(),
            url: "http://127.0.0.1:9/v2/messages?count=1".into(),
            headers: vec![("Authorization".into(), "Basic xyz".into())],
            body: None,
        };
        assert_eq!(request.path_and_query(), "/v2/messages?count=1");
        assert_eq!(
            request.render(),
            "GET http://127.0.0.1:9/v2/messages?count=1\nAuthorization: Basic xyz"
        );
        let exchange = Exchange {
            request,
            status: 200,
            headers: Vec::new(),
            bytes: Vec::new(),
            text: "x".repeat(1000),
            json: Value::Null,
        };
        let excerpt = exchange.excerpt();
        assert!(
            excerpt.starts_with("200 xxx") && excerpt.ends_with("(1000 bytes in all)"),
            "{excerpt}"
        );
    }

    #[test]
    fn json_lines_and_gzip_bodies_decode_into_arrays() {
        use std::io::Write;
        let exchange = |bytes: Vec<u8>| Exchange {
            request: PreparedRequest {
                family: Family::Easemob,
                method: "GET".into(),
                url: "http://127.0.0.1:9/f.gz".into(),
                headers: Vec::new(),
                body: None,
            },
            status: 200,
            headers: Vec::new(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
            json: Value::Null,
        };
        let decoded = |bytes: Vec<u8>, decode: Decode| {
            let mut exchange = exchange(bytes);
            exchange.decode(decode).map(|()| exchange)
        };
        let lines = "{\"a\":1}\n\n{\"a\":2}\n";
        let plain = decoded(lines.as_bytes().to_vec(), Decode::JsonLines).unwrap();
        assert_eq!(plain.json, serde_json::json!([{"a": 1}, {"a": 2}]));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(lines.as_bytes()).unwrap();
        let gz = decoded(encoder.finish().unwrap(), Decode::GzipJsonLines).unwrap();
        assert_eq!(gz.json, plain.json);
        assert_eq!(gz.text, lines, "failures show the decoded text");
        let why = decoded(lines.as_bytes().to_vec(), Decode::GzipJsonLines).unwrap_err();
        assert!(why.contains("not gzip"), "{why}");
        let why = decoded(b"{\"a\":1}\nnope".to_vec(), Decode::JsonLines).unwrap_err();
        assert!(why.contains("line 2"), "{why}");
    }

    #[tokio::test]
    async fn writes_are_refused_before_anything_is_sent() {
        let http = Http::new(Some(Pacer::default())).unwrap();
        let request = PreparedRequest {
            family: Family::Jmessage,
            method: "POST".into(),
            // Nothing listens here: a refusal proves no connection was attempted.
            url: "http://127.0.0.1:9/v2/messages".into(),
            headers: Vec::new(),
            body: Some("{}".into()),
        };
        let error = http.send(request).await.unwrap_err();
        assert!(error.starts_with("refused to send POST /v2/messages"), "{error}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_pacer_spaces_requests_per_lane_and_announces_long_waits() {
        let (easemob, quota) = (Lane::Host(Family::Easemob), Lane::EasemobQuota);
        let pacer = Pacer::new(HashMap::from([
            (easemob, Duration::from_millis(300)),
            (quota, Duration::from_millis(6_500)),
        ]));
        let said = std::sync::Mutex::new(Vec::new());
        let waiting = |line: String| said.lock().unwrap().push(line);
        let start = tokio::time::Instant::now();
        pacer.wait_turn(&[easemob, quota], &waiting).await;
        pacer.wait_turn(&[Lane::Host(Family::Jmessage)], &waiting).await;
        assert!(start.elapsed() < Duration::from_millis(10));
        // A call outside the quota (a token, a download, a 401 check) waits for the host only.
        pacer.wait_turn(&[easemob], &waiting).await;
        assert_eq!(start.elapsed(), Duration::from_millis(300));
        assert!(said.lock().unwrap().is_empty(), "short waits go unannounced");
        // The next counted call waits for the quota's spacing from the previous counted one.
        pacer.wait_turn(&[easemob, quota], &waiting).await;
        assert_eq!(start.elapsed(), Duration::from_millis(6_500));
        assert_eq!(
            *said.lock().unwrap(),
            ["waiting 6.2 s for the next Easemob history call (its quota: 10 a minute per app)"]
        );
    }

    #[test]
    fn only_authenticated_history_calls_use_the_easemob_quota() {
        let schemas = crate::schema::Schemas::default();
        let steps = r#"
            name = "s"
            family = "easemob"
            auth = "easemob"
            tags = ["mock-only"]
            [[steps]]
            name = "file link"
            request = { path = "/o/a/chatmessages/${hour}" }
            status = 200
            [[steps]]
            name = "ql"
            request = { path = "/o/a/chatmessages", query = { limit = 1 } }
            status = 200
            [[steps]]
            name = "token"
            request = { method = "POST", path = "/o/a/token", auth = "none", json = { grant_type = "client_credentials" } }
            status = 200
            [[steps]]
            name = "download"
            request = { url = "${link}", auth = "none" }
            status = 200
            [[steps]]
            name = "no token"
            request = { path = "/o/a/chatmessages/${hour}", auth = "none" }
            status = 401
            [[steps]]
            name = "a literal token"
            request = { path = "/o/a/chatmessages", auth = "none", headers = { Authorization = "Bearer x" } }
            status = 401
            [[steps]]
            name = "an altered token"
            request = { path = "/o/a/chatmessages", auth = { role = "easemob", wrong_secret = true } }
            status = 401
            [[steps]]
            name = "an expected 401"
            request = { path = "/o/a/chatmessages" }
            status = 401
            [[steps]]
            name = "an unknown route"
            request = { path = "/o/a/chatmessages/2026112010/extra" }
            status = 404
            [[steps]]
            name = "a JMessage call"
            family = "jmessage"
            request = { path = "/v2/messages", auth = "vip" }
            status = 200
        "#;
        let scenario = crate::scenario::parse(steps, &schemas).unwrap();
        let counted: Vec<(&str, bool)> = scenario
            .steps
            .iter()
            .map(|step| {
                let crate::scenario::Action::Request(spec) = &step.action else {
                    panic!("requests only")
                };
                let path = spec
                    .request
                    .path
                    .replace("${hour}", "2026112010")
                    .replace("${link}", "http://h/o/a/history/2026112010.gz");
                let url = if spec.request.is_url {
                    path
                } else {
                    format!("http://h{path}")
                };
                let request = PreparedRequest {
                    family: step.family,
                    method: spec.request.method.clone(),
                    url,
                    headers: Vec::new(),
                    body: None,
                };
                (step.name.as_str(), uses_easemob_quota(step.family, spec, &request))
            })
            .collect();
        assert_eq!(
            counted,
            [
                ("file link", true),
                ("ql", true),
                ("token", false),
                ("download", false),
                ("no token", false),
                ("a literal token", false),
                ("an altered token", false),
                ("an expected 401", false),
                ("an unknown route", false),
                ("a JMessage call", false),
            ]
        );
    }
}
