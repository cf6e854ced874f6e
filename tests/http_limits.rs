//! The HTTP layer's limits and refusals (docs/SPEC.md §0 "HTTP limits and shutdown"),
//! sent as raw bytes where a client library would not send them: oversized bodies,
//! broken chunking, bad percent-encoding, long targets and big heads all get JSON in the
//! shape of the family the path belongs to, and the server keeps serving; a client that
//! stalls mid-head or mid-body, or stays idle after a request, is let go.

use std::time::Duration;

use e2e::{Mock, Role};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Over the mock's 2 MiB body limit.
const BIG_BODY: usize = 3 << 20;
/// Guards every read: far above any answer, so only a hang trips it.
const READ_GUARD: Duration = Duration::from_secs(30);

struct Raw {
    status: u16,
    content_type: String,
    body: String,
}

impl Raw {
    fn json(&self) -> Value {
        assert!(
            self.content_type.starts_with("application/json"),
            "{} answered with Content-Type `{}`: {}",
            self.status,
            self.content_type,
            self.body
        );
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.body))
    }

    /// The Jiguang shape (JPush, JMessage, control API): `{"error":{"code":N,"message":..}}`.
    fn assert_jiguang(&self, status: u16, code: u64) {
        assert_eq!(self.status, status, "{}", self.body);
        let json = self.json();
        assert_eq!(json["error"]["code"], code, "{json}");
        assert!(json["error"]["message"].is_string(), "{json}");
    }
}

/// Writes `head` and `body` while reading the answer (the server may answer and close
/// before the body is sent), then parses what came back before EOF or a reset.
async fn exchange(mock: &Mock, head: String, body: Vec<u8>) -> Raw {
    let stream = TcpStream::connect(mock.server.addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut answer = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    let read_all = async {
        while let Ok(n) = reader.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(READ_GUARD, read_all)
        .await
        .expect("the server answered and closed");
    writing.abort();
    parse(&answer)
}

fn parse(answer: &[u8]) -> Raw {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete answer: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    Raw {
        status,
        content_type,
        body: body.to_owned(),
    }
}

fn request(method: &str, target: &str, headers: &[String]) -> String {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for header in headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

fn auth(mock: &Mock) -> String {
    format!("Authorization: {}", mock.basic(Role::Vip))
}

/// A JSON body of `size` bytes: `["x...x"]`.
fn big_json(size: usize) -> Vec<u8> {
    let mut body = b"[\"".to_vec();
    body.resize(size - 2, b'x');
    body.extend_from_slice(b"\"]");
    body
}

/// `body` in HTTP/1.1 chunks of 64 KiB, with the final empty chunk.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 1000 + 16);
    for chunk in body.chunks(64 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

async fn assert_still_serving(mock: &Mock) {
    let health = exchange(mock, request("GET", "/_mock/health", &[]), Vec::new()).await;
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json()["status"], "ok");
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_in_the_jpush_shape_announced_or_chunked() {
    let mock = Mock::start().await;
    let body = big_json(BIG_BODY);
    let announced = request(
        "POST",
        "/v3/status/message",
        &[auth(&mock), format!("Content-Length: {}", body.len())],
    );
    exchange(&mock, announced, body.clone()).await.assert_jiguang(413, 3002);
    let streamed = request(
        "POST",
        "/v3/status/message",
        &[auth(&mock), "Transfer-Encoding: chunked".to_owned()],
    );
    exchange(&mock, streamed, chunked(&body))
        .await
        .assert_jiguang(413, 3002);
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn a_broken_chunked_body_gets_400_in_the_jpush_shape() {
    let mock = Mock::start().await;
    let head = request(
        "POST",
        "/v3/status/message",
        &[auth(&mock), "Transfer-Encoding: chunked".to_owned()],
    );
    let reply = exchange(&mock, head, b"zz\r\n{\"registration_ids\":[]}\r\n0\r\n\r\n".to_vec()).await;
    reply.assert_jiguang(400, 3002);
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn easemob_bodies_over_the_limit_get_its_own_413() {
    let mock = Mock::start().await;
    let body = big_json(BIG_BODY);
    let head = request(
        "POST",
        "/some-org/some-app/token",
        &[format!("Content-Length: {}", body.len())],
    );
    let reply = exchange(&mock, head, body).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["error"], "Request Entity Too Large", "{json}");
    for field in ["exception", "timestamp", "duration", "error_description"] {
        assert!(json.get(field).is_some(), "no `{field}`: {json}");
    }
}

#[tokio::test]
async fn control_api_refusals_are_in_its_json_shape() {
    let mock = Mock::start().await;
    let body = big_json(BIG_BODY);
    let head = request("POST", "/_mock/faults", &[format!("Content-Length: {}", body.len())]);
    exchange(&mock, head, body).await.assert_jiguang(413, 413);
    exchange(&mock, request("DELETE", "/_mock/faults/%ff", &[]), Vec::new())
        .await
        .assert_jiguang(400, 400);
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn long_targets_and_big_heads_get_json_in_the_family_shape() {
    let mock = Mock::start().await;
    let long = format!("/v3/received?msg_ids={}", "1,".repeat(20 * 1024));
    exchange(&mock, request("GET", &long, &[auth(&mock)]), Vec::new())
        .await
        .assert_jiguang(414, 3002);
    let long = format!("/v2/messages?count=10&x={}", "a".repeat(40 * 1024));
    exchange(&mock, request("GET", &long, &[auth(&mock)]), Vec::new())
        .await
        .assert_jiguang(414, 899003);

    let big_header = format!("X-Padding: {}", "p".repeat(80 * 1024));
    exchange(
        &mock,
        request("GET", "/v3/received?msg_ids=1", &[auth(&mock), big_header]),
        Vec::new(),
    )
    .await
    .assert_jiguang(431, 3002);
    let many: Vec<String> = (0..150).map(|i| format!("X-Header-{i}: {i}")).collect();
    let reply = exchange(&mock, request("GET", "/some-org/some-app/users", &many), Vec::new()).await;
    assert_eq!(reply.status, 431, "{}", reply.body);
    assert_eq!(reply.json()["error"], "illegal_argument");
    // Far beyond hyper's own field limit: the listener keeps hyper from seeing them.
    let thousand: Vec<String> = (0..1000).map(|i| format!("X-Header-{i}: {i}")).collect();
    let reply = exchange(&mock, request("GET", "/v3/received?msg_ids=1", &thousand), Vec::new()).await;
    reply.assert_jiguang(431, 3002);
    let message = reply.json()["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message.starts_with("1002 header fields"),
        "Host, Connection and 1000 more: {message}"
    );
    assert_still_serving(&mock).await;
}

/// The documented limitation: beyond hyper's own limits hyper answers before the mock
/// can, with a bodiless response; the server still keeps serving.
#[tokio::test]
async fn heads_beyond_hypers_limits_get_its_bare_answer() {
    let mock = Mock::start().await;
    let huge = format!("X-Padding: {}", "p".repeat(600 * 1024));
    let reply = exchange(&mock, request("GET", "/v3/received?msg_ids=1", &[huge]), Vec::new()).await;
    assert_eq!(reply.status, 431);
    assert!(reply.body.is_empty(), "{}", reply.body);
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn a_client_stalled_mid_head_or_idle_after_a_request_is_disconnected() {
    let mock = Mock::start().await;
    let mut stalled = TcpStream::connect(mock.server.addr).await.unwrap();
    stalled
        .write_all(b"GET /v2/messages HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(mock.server.addr).await.unwrap();
    idle.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answered = vec![0; 4096];
    let n = tokio::time::timeout(READ_GUARD, idle.read(&mut answered))
        .await
        .expect("an answer")
        .unwrap();
    assert!(answered[..n].starts_with(b"HTTP/1.1 200"));

    for (name, stream) in [("stalled mid-head", &mut stalled), ("idle keep-alive", &mut idle)] {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(READ_GUARD, stream.read_to_end(&mut rest))
            .await
            .unwrap_or_else(|_| panic!("the {name} connection was held open"));
        // EOF, or a reset; either way the server let go.
        if let Ok(bytes) = read {
            assert!(bytes == 0 || rest.starts_with(b"HTTP/1.1 408"), "{name}: {rest:?}");
        }
    }
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn raw_control_or_non_ascii_bytes_in_the_target_get_400_in_the_family_shape() {
    let mock = Mock::start().await;
    let jpush = format!(
        "GET /v3/received?msg_ids=1\x01 HTTP/1.1\r\nHost: x\r\n{}\r\nConnection: close\r\n\r\n",
        auth(&mock)
    );
    exchange(&mock, jpush, Vec::new()).await.assert_jiguang(400, 3002);
    let jmessage = "GET /v2/messages?x=\u{5f20}\x7f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    exchange(&mock, jmessage.to_owned(), Vec::new())
        .await
        .assert_jiguang(400, 899003);
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn a_body_that_stalls_gets_400_in_the_family_shape() {
    let mock = Mock::start().await;
    let head = request(
        "POST",
        "/v3/status/message",
        &[auth(&mock), "Content-Length: 100".to_owned()],
    );
    // Ten bytes of the hundred announced, then silence: the answer comes once the body
    // read times out (READ_GUARD is far above that timeout).
    let reply = exchange(&mock, head, b"{\"msg_id\":".to_vec()).await;
    reply.assert_jiguang(400, 3002);
    let message = reply.json()["error"]["message"].to_string();
    assert!(message.contains("timeout"), "{message}");
    assert_still_serving(&mock).await;
}

#[tokio::test]
async fn a_stop_drops_a_delayed_request_once_the_shutdown_timeout_is_over() {
    let mock = Mock::start_with(|settings| settings.shutdown_timeout = Duration::from_secs(1)).await;
    let rule = r#"{"match":{"family":"jpush"},"effect":{"delay_ms":60000}}"#;
    assert_eq!(mock.control("POST", "/_mock/faults", rule).await.status, 201);
    let mut delayed = TcpStream::connect(mock.server.addr).await.unwrap();
    let head = request("GET", "/v3/received?msg_ids=1", &[auth(&mock)]);
    delayed.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The guard only catches a stop that waits for the 60 s delay.
    tokio::time::timeout(READ_GUARD, mock.server.stop())
        .await
        .expect("the stop waited for the delayed request")
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(READ_GUARD, delayed.read_to_end(&mut rest))
        .await
        .expect("the delayed connection was dropped");
    assert!(read.is_err() || rest.is_empty(), "answered: {rest:?}");
}
