//! Shared helpers of the end-to-end tests: start a mock in-process on port 0 with its
//! clock frozen, and talk plain HTTP to it as a client would.

pub mod easemob;
pub mod scratch;

use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, FixedOffset, TimeDelta};
use mock_server::{start, RunningServer, Settings};
use serde_json::Value;

/// The instant every test server's clock is frozen at, unless a test says otherwise.
pub const NOW: &str = "2026-11-20T12:00:00+08:00";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Vip,
    Plain,
}

pub struct Mock {
    pub server: RunningServer,
    pub client: reqwest::Client,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub text: String,
    pub json: Value,
}

impl Mock {
    pub async fn start() -> Mock {
        Mock::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut Settings)) -> Mock {
        let mut settings = Settings {
            port: 0,
            clock: Some(now()),
            ..Settings::default()
        };
        configure(&mut settings);
        let server = start(settings).await.expect("mock starts");
        Mock {
            server,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// appKey and masterSecret of the first app with this role.
    pub fn credentials(&self, role: Role) -> (String, String) {
        let app = self
            .server
            .state
            .core
            .dataset
            .jiguang
            .iter()
            .find(|a| a.credentials.vip == (role == Role::Vip))
            .expect("the default dataset has a VIP and a non-VIP app");
        (app.credentials.app_key.clone(), app.credentials.master_secret.clone())
    }

    pub fn basic(&self, role: Role) -> String {
        let (key, secret) = self.credentials(role);
        format!("Basic {}", STANDARD.encode(format!("{key}:{secret}")))
    }

    /// GET with the Basic auth of `role`.
    pub async fn get(&self, role: Role, path: &str) -> Reply {
        self.get_with(Some(&self.basic(role)), path).await
    }

    /// GET with this Authorization header, or none.
    pub async fn get_with(&self, authorization: Option<&str>, path: &str) -> Reply {
        let mut request = self.client.get(self.url(path));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        self.send(request).await
    }

    /// Sends `request` and reads its answer, which must keep to the mock's OpenAPI
    /// document (R7.13): a documented status, content type and body schema.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let request = request.build().expect("a well-formed request");
        let (method, path) = (request.method().to_string(), request.url().path().to_owned());
        let reply = reply(self.client.execute(request).await.expect("request is answered")).await;
        assert_contract(&method, &path, &reply);
        reply
    }

    /// A control-API call (`/_mock/...`) with this method and body, declared JSON when
    /// there is one (as the control API requires).
    pub async fn control(&self, method: &str, path: &str, body: impl Into<String>) -> Reply {
        let method = method.parse().expect("an HTTP method");
        let body = body.into();
        let mut request = self.client.request(method, self.url(path));
        if !body.is_empty() {
            request = request.header("Content-Type", "application/json");
        }
        self.send(request.body(body)).await
    }

    pub async fn advance(&self, seconds: i64) {
        let reply = self
            .control("POST", "/_mock/clock/advance", format!("{{\"seconds\":{seconds}}}"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    /// Sample ids of the first app with `role`, from `/_mock/apps`.
    pub async fn samples(&self, role: Role, kind: &str) -> Vec<String> {
        let apps = self.get_with(None, "/_mock/apps").await.json;
        let app = apps["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["vip"] == (role == Role::Vip))
            .unwrap()
            .clone();
        app[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.expect("body is readable");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        text,
        json,
    }
}

/// Panics when `reply`, the answer to `method path`, breaks the mock's OpenAPI document.
pub fn assert_contract(method: &str, path: &str, reply: &Reply) {
    let json = (!reply.json.is_null()).then_some(&reply.json);
    if let Err(why) = conformance::contract::check(method, path, reply.status, &reply.content_type, json) {
        panic!("the answer breaks the OpenAPI document: {why}\n{}", reply.text);
    }
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    DateTime::parse_from_rfc3339(NOW).unwrap().to_utc()
}

/// A `yyyy-MM-dd HH:mm:ss` Beijing wall-clock time, `seconds` after [`NOW`].
pub fn local(seconds: i64) -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
    (now() + TimeDelta::seconds(seconds))
        .with_timezone(&beijing)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Percent-encodes a query value the way careful clients do.
pub fn enc(value: &str) -> String {
    value.replace(' ', "%20").replace(':', "%3A")
}

/// Asserts the Jiguang error shape: status, `{"error":{"code","message"}}` and JSON content type.
pub fn assert_jiguang_error(reply: &Reply, status: u16, code: u64) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("application/json"),
        "content type {}",
        reply.content_type
    );
    let error = reply.json["error"]
        .as_object()
        .unwrap_or_else(|| panic!("no error object in {}", reply.text));
    assert_eq!(error.len(), 2, "exactly code and message: {}", reply.text);
    assert_eq!(error["code"].as_u64(), Some(code), "{}", reply.text);
    assert!(!error["message"].as_str().unwrap().is_empty());
    assert_eq!(
        reply.json.as_object().unwrap().len(),
        1,
        "only the error key: {}",
        reply.text
    );
}

/// Every message of a V2 query, following the cursor chain; returns (total, messages, pages).
pub async fn follow_chain(mock: &Mock, role: Role, first: &str) -> (u64, Vec<Value>, usize) {
    let path = first.split('?').next().unwrap().to_owned();
    let mut reply = mock.get(role, first).await;
    let total = reply.json["total"].as_u64().unwrap_or_else(|| panic!("{}", reply.text));
    let mut messages = Vec::new();
    let mut pages = 0;
    loop {
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(
            reply.json["total"].as_u64(),
            Some(total),
            "total is stable across pages"
        );
        let page = reply.json["messages"].as_array().unwrap();
        assert_eq!(reply.json["count"].as_u64(), Some(page.len() as u64));
        messages.extend(page.iter().cloned());
        pages += 1;
        match reply.json.get("cursor").and_then(Value::as_str) {
            Some(cursor) => reply = mock.get(role, &format!("{path}?cursor={cursor}")).await,
            None => break,
        }
        assert!(pages < 10_000, "the chain ends");
    }
    (total, messages, pages)
}

impl Mock {
    /// POST a raw body with the Basic auth of `role` and this Content-Type (or none).
    pub async fn post(&self, role: Role, path: &str, content_type: Option<&str>, body: impl Into<String>) -> Reply {
        let mut request = self
            .client
            .post(self.url(path))
            .header("Authorization", self.basic(role))
            .body(body.into());
        if let Some(value) = content_type {
            request = request.header("Content-Type", value);
        }
        self.send(request).await
    }
}

/// Asserts that `value` has exactly these keys, each of the JSON type named
/// (`"number"`, `"string"`, `"object"`, `"array"`, `"number|null"` ...).
pub fn assert_fields(value: &Value, fields: &[(&str, &str)]) {
    let object = value.as_object().unwrap_or_else(|| panic!("not an object: {value}"));
    let mut expected: Vec<&str> = fields.iter().map(|f| f.0).collect();
    let mut got: Vec<&str> = object.keys().map(String::as_str).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected, "field set of {value}");
    for (name, types) in fields {
        let v = &object[*name];
        let kind = match v {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert!(
            types.split('|').any(|t| t == kind),
            "{name} is {kind}, expected {types}: {value}"
        );
    }
}
