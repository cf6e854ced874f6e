//! One HTTP exchange: the request as sent, the response as received, and how both are
//! shown in reports. On real hosts the client also enforces the two promises made to
//! users: it sends only reads, and it keeps to the vendors' rate limits.

use std::{collections::HashMap, sync::Arc, time::Duration};

use serde_json::Value;
use tokio::{sync::Mutex, time::Instant};

use crate::scenario::{Decode, Family};

/// Longest response excerpt shown in a failure.
const EXCERPT_CHARS: usize = 600;
/// A request that takes longer has failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

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

/// Spaces requests to one family's host: at most one every `interval`.
#[derive(Debug, Default)]
pub struct Pacer {
    intervals: HashMap<Family, Duration>,
    last: Mutex<HashMap<Family, Instant>>,
}

impl Pacer {
    pub fn new(intervals: HashMap<Family, Duration>) -> Pacer {
        Pacer {
            intervals,
            last: Mutex::new(HashMap::new()),
        }
    }

    async fn wait_turn(&self, family: Family) {
        let interval = self.intervals.get(&family).copied().unwrap_or_default();
        let mut last = self.last.lock().await;
        if let Some(previous) = last.get(&family) {
            let ready = *previous + interval;
            let now = Instant::now();
            if ready > now {
                tokio::time::sleep(ready - now).await;
            }
        }
        last.insert(family, Instant::now());
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
        })
    }

    /// Sends `Authorization: Bearer <token>` on every control call (`/_mock`) that does
    /// not set its own `Authorization`.
    pub fn with_control_token(mut self, token: Option<String>) -> Http {
        self.control_token = token.map(Arc::from);
        self
    }

    pub async fn send(&self, request: PreparedRequest) -> Result<Exchange, String> {
        if let Some(pacer) = &self.guard {
            if !is_read(&request.method, request.path_and_query()) {
                return Err(format!(
                    "refused to send {} {} to a real host: the harness only reads",
                    request.method,
                    request.path_and_query()
                ));
            }
            pacer.wait_turn(request.family).await;
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
        let headers = response
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
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
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
    async fn the_pacer_spaces_requests_per_family() {
        let pacer = Pacer::new(HashMap::from([(Family::Easemob, Duration::from_secs(6))]));
        let start = tokio::time::Instant::now();
        pacer.wait_turn(Family::Easemob).await;
        pacer.wait_turn(Family::Jmessage).await;
        assert!(start.elapsed() < Duration::from_millis(10));
        pacer.wait_turn(Family::Easemob).await;
        assert!(start.elapsed() >= Duration::from_secs(6));
    }
}
