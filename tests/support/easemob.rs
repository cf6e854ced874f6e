//! Easemob helpers of the end-to-end tests: the demo apps' credentials, tokens, bearer
//! requests, downloads, gunzip, and the shape checks of SPEC §4 (errors and messages).

use std::io::Read;

use chrono::{FixedOffset, TimeDelta};
use serde_json::{json, Value};

use crate::{now, Mock, Reply};

/// The demo Easemob apps, in fixture order: the first is the one most tests use.
pub const FIRST: usize = 0;
pub const SECOND: usize = 1;

/// One Easemob app as `/_mock/apps` lists it.
#[derive(Debug, Clone)]
pub struct EmApp {
    pub org: String,
    pub app: String,
    pub client_id: String,
    pub client_secret: String,
}

impl EmApp {
    /// `/{org}/{app}` followed by `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("/{}/{}{rest}", self.org, self.app)
    }

    pub fn token_request(&self) -> Value {
        json!({
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        })
    }
}

/// A downloaded file: status, the headers a client looks at, and the raw bytes.
#[derive(Debug)]
pub struct Download {
    pub status: u16,
    pub content_type: String,
    pub content_disposition: String,
    pub bytes: Vec<u8>,
}

impl Mock {
    /// Easemob app `index`, from `/_mock/apps`.
    pub async fn easemob_app(&self, index: usize) -> EmApp {
        let apps = self.get_with(None, "/_mock/apps").await.json;
        let app = &apps["easemob"][index];
        let text = |key: &str| app[key].as_str().unwrap_or_else(|| panic!("{key} in {app}")).to_owned();
        EmApp {
            org: text("org_name"),
            app: text("app_name"),
            client_id: text("client_id"),
            client_secret: text("client_secret"),
        }
    }

    /// POST `body` (sent as is, with this Content-Type or none) to the app's `/token`.
    pub async fn post_token(&self, app: &EmApp, body: &str, content_type: Option<&str>) -> Reply {
        let mut request = self.client.post(self.url(&app.path("/token"))).body(body.to_owned());
        if let Some(value) = content_type {
            request = request.header("Content-Type", value);
        }
        self.send(request).await
    }

    /// A fresh access token of app `app`, with `ttl` seconds if given.
    pub async fn easemob_token(&self, app: &EmApp, ttl: Option<u64>) -> String {
        let mut body = app.token_request();
        if let Some(ttl) = ttl {
            body["ttl"] = json!(ttl);
        }
        let reply = self.post_token(app, &body.to_string(), Some("application/json")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json["access_token"].as_str().unwrap().to_owned()
    }

    /// GET with `Authorization: Bearer <token>`, or no Authorization at all.
    pub async fn bearer_get(&self, token: Option<&str>, path: &str) -> Reply {
        let authorization = token.map(|t| format!("Bearer {t}"));
        self.get_with(authorization.as_deref(), path).await
    }

    /// The download URL that `GET /chatmessages/{hour}` answers with.
    pub async fn file_url(&self, app: &EmApp, token: &str, hour: &str) -> String {
        let reply = self
            .bearer_get(Some(token), &app.path(&format!("/chatmessages/{hour}")))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json["data"][0]["url"].as_str().unwrap().to_owned()
    }

    /// GET an absolute URL (a download link) and keep the body as bytes.
    pub async fn download(&self, url: &str) -> Download {
        let response = self.client.get(url).send().await.expect("request is answered");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let (status, content_type, content_disposition) = (
            response.status().as_u16(),
            header("content-type"),
            header("content-disposition"),
        );
        let path = response.url().path().to_owned();
        let bytes = response.bytes().await.expect("body is readable").to_vec();
        let json = serde_json::from_slice::<Value>(&bytes).ok();
        if let Err(why) = conformance::contract::check("GET", &path, status, &content_type, json.as_ref()) {
            panic!("the download breaks the OpenAPI document: {why}");
        }
        Download {
            status,
            content_type,
            content_disposition,
            bytes,
        }
    }

    /// The error reply of a download that is refused (same body parsing as any reply).
    pub async fn download_reply(&self, url: &str) -> Reply {
        self.send(self.client.get(url)).await
    }
}

/// Every line of a gzip file of JSON lines, parsed.
pub fn gunzip_lines(bytes: &[u8]) -> Vec<Value> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a valid gzip file of UTF-8 text");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "every line ends with a newline"
    );
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect()
}

/// The `YYYYMMDDHH` key (Beijing) of the hour that starts `hours` hours before the hour
/// of [`crate::NOW`] (an hour boundary).
pub fn hour_key(hours: i64) -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
    (now() - TimeDelta::hours(hours))
        .with_timezone(&beijing)
        .format("%Y%m%d%H")
        .to_string()
}

/// First instant (ms) of the hour `hours` hours before the hour of [`crate::NOW`].
pub fn hour_start_ms(hours: i64) -> i64 {
    (now() - TimeDelta::hours(hours)).timestamp_millis()
}

/// Asserts Easemob's error shape: status, exactly the five documented keys, the error
/// code, a JSON content type.
pub fn assert_easemob_error(reply: &Reply, status: u16, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("application/json"),
        "content type {}",
        reply.content_type
    );
    let mut keys: Vec<&str> = reply
        .json
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {}", reply.text))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["duration", "error", "error_description", "exception", "timestamp"],
        "{}",
        reply.text
    );
    assert_eq!(reply.json["error"], error, "{}", reply.text);
    assert!(reply.json["timestamp"].is_i64() && reply.json["duration"].is_u64());
    assert!(!reply.json["error_description"].as_str().unwrap().is_empty());
}

fn sorted_keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort_unstable();
    keys
}

/// Asserts the documented message record (SPEC §4) and returns its (body type, chat_type).
pub fn assert_message_shape(message: &Value) -> (String, String) {
    assert_eq!(
        sorted_keys(message),
        ["chat_type", "direction", "from", "msg_id", "payload", "timestamp", "to"],
        "{message}"
    );
    let msg_id = message["msg_id"].as_str().unwrap();
    assert!(
        !msg_id.is_empty() && msg_id.bytes().all(|b| b.is_ascii_digit()),
        "{message}"
    );
    assert!(
        message["timestamp"].as_i64().unwrap() > 1_000_000_000_000,
        "milliseconds"
    );
    assert_eq!(message["direction"], "outgoing");
    let chat_type = message["chat_type"].as_str().unwrap().to_owned();
    assert!(
        ["chat", "groupchat", "chatroom"].contains(&chat_type.as_str()),
        "{message}"
    );
    let payload = &message["payload"];
    assert_eq!(sorted_keys(payload), ["bodies", "ext", "from", "to"], "{message}");
    assert_eq!(payload["from"], message["from"]);
    assert_eq!(payload["to"], message["to"]);
    assert!(payload["ext"].is_object());
    let bodies = payload["bodies"].as_array().unwrap();
    assert_eq!(bodies.len(), 1, "{message}");
    let body = &bodies[0];
    let kind = body["type"].as_str().unwrap().to_owned();
    let expected: &[&str] = match kind.as_str() {
        "txt" => &["msg", "type"],
        "img" => &["file_length", "filename", "secret", "size", "type", "url"],
        "loc" => &["addr", "lat", "lng", "type"],
        "audio" => &["file_length", "filename", "length", "secret", "type", "url"],
        "video" => &[
            "file_length",
            "filename",
            "length",
            "secret",
            "size",
            "thumb",
            "thumb_secret",
            "type",
            "url",
        ],
        "file" => &["file_length", "filename", "secret", "type", "url"],
        "cmd" => &["action", "type"],
        "custom" => &["customEvent", "customExts", "type"],
        "combine" => &[
            "compatibleText",
            "file_length",
            "filename",
            "secret",
            "summary",
            "title",
            "type",
            "url",
        ],
        other => panic!("unknown body type {other}: {message}"),
    };
    assert_eq!(sorted_keys(body), expected, "{message}");
    if let Some(size) = body.get("size") {
        assert_eq!(sorted_keys(size), ["height", "width"]);
    }
    (kind, chat_type)
}
