//! The OpenAPI document (docs/SPEC.md R7.13): served at `GET /_mock/openapi.json`, open
//! without the control token, equal to the committed `docs/openapi.json`
//! (`OPENAPI_WRITE=1 cargo test -p e2e --test openapi` writes it anew), naming every route
//! the router serves and nothing it does not; and the harness's HTTP client holds answers
//! to it.

use std::collections::BTreeSet;

use conformance::{
    http::{Http, PreparedRequest},
    scenario::Family,
};
use e2e::{scratch::repo, Mock};
use mock_server::{
    app::{control_routes, dashboard, openapi},
    families::{easemob, jmessage, jpush},
    settings::ControlToken,
};
use serde_json::Value;
use tokio::{io::AsyncWriteExt, net::TcpListener};

const TOKEN: &str = "openapi-test-control-token";
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let mock = Mock::start().await;
    let reply = mock.get_with(None, openapi::PATH).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("application/json"),
        "{}",
        reply.content_type
    );
    assert_eq!(reply.json["openapi"], "3.1.0");
    let committed = repo("docs/openapi.json");
    if std::env::var_os("OPENAPI_WRITE").is_some() {
        std::fs::write(&committed, &reply.text).expect("docs/openapi.json is writable");
    }
    let text = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        text == reply.text,
        "docs/openapi.json is not what the mock serves: write it anew with \
         `OPENAPI_WRITE=1 cargo test -p e2e --test openapi`"
    );
}

#[tokio::test]
async fn the_document_is_open_without_the_control_token_and_listed_in_the_index() {
    let mock = Mock::start_with(|s| s.control_token = Some(ControlToken::new(TOKEN).unwrap())).await;
    let reply = mock.get_with(None, openapi::PATH).await;
    assert_eq!(reply.status, 200, "public like the index: {}", reply.text);
    assert_eq!(
        mock.get_with(None, "/_mock/apps").await.status,
        401,
        "the rest stays guarded"
    );
    let head = mock.send(mock.client.head(mock.url(openapi::PATH))).await;
    assert_eq!((head.status, head.text.as_str()), (200, ""));
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let reply = mock.control(method, openapi::PATH, "").await;
        assert_eq!(reply.status, 405, "{method}: {}", reply.text);
        assert_eq!(
            reply.json["error"]["code"], 405,
            "the control API's shape: {}",
            reply.text
        );
    }
    let foreign = mock
        .send(
            mock.client
                .get(mock.url(openapi::PATH))
                .header("Origin", "https://evil.example"),
        )
        .await;
    assert_eq!(foreign.status, 403, "{}", foreign.text);
    let index = mock.get_with(None, "/_mock").await.json;
    assert_eq!(index["control"]["openapi"], openapi::PATH);
    assert_eq!(index["docs"]["openapi"], "docs/openapi.json");
}

/// The documented operations, as (METHOD, path template).
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.insert((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

/// A concrete path for `template`: the first Easemob demo app for `{org}/{app}`, an hour,
/// a file name, a number, or a plain name.
fn concrete(mock: &Mock, template: &str) -> String {
    let app = &mock.server.demo_apps().easemob[0];
    template
        .replace("{org}", &app.org_name)
        .replace("{app}", &app.app_name)
        .replace("{time}", "2026112010")
        .replace("{file}", "2026112010.gz")
        .replace("{id}", "1")
        .split('/')
        .map(|segment| if segment.starts_with('{') { "someone" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether an answer comes from the router's fallbacks (an unknown route or method).
fn unserved(text: &str) -> bool {
    text.contains("no such endpoint") || text.contains("is not allowed on")
}

#[tokio::test]
async fn every_served_route_is_documented_and_every_documented_one_served() {
    let mock = Mock::start().await;
    let document = openapi::document();
    let operations = documented(document);
    let tables = 2 * jpush::ROUTES.len()
        + jmessage::ROUTES.len()
        + easemob::ROUTES.len()
        + control_routes::ROUTES.len()
        + dashboard::ASSETS.len();
    assert_eq!(
        operations.len(),
        tables,
        "one operation per route of the tables the router is built from"
    );
    for route in control_routes::ROUTES {
        assert!(
            operations.contains(&(route.method.to_string(), route.path.to_owned())),
            "{route:?}"
        );
    }
    let paths: BTreeSet<&String> = operations.iter().map(|(_, path)| path).collect();
    for template in paths {
        let path = concrete(&mock, template);
        for method in METHODS {
            let is_documented = operations.contains(&(method.to_owned(), template.clone()));
            let body = if matches!(method, "POST" | "PUT") { "{}" } else { "" };
            let reply = mock.control(method, &path, body).await;
            if is_documented {
                assert!(
                    !unserved(&reply.text),
                    "{method} {path} is documented but not served: {}",
                    reply.text
                );
            } else {
                assert_eq!(
                    reply.status, 405,
                    "{method} {path} is served but not documented: {}",
                    reply.text
                );
                assert!(unserved(&reply.text), "{method} {path}: {}", reply.text);
            }
        }
    }
}

#[tokio::test]
async fn the_harness_holds_answers_to_the_document() {
    // A stand-in for a mock that breaks its contract: `msg_id` must be a string.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v3/received?msg_ids=1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let body = r#"[{"msg_id":1}]"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut request = [0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
        socket.write_all(answer.as_bytes()).await.unwrap();
    });
    let request = PreparedRequest {
        family: Family::Jpush,
        method: "GET".into(),
        url,
        headers: Vec::new(),
        body: None,
    };
    let error = Http::new(None)
        .unwrap()
        .held_to_contract()
        .send(request)
        .await
        .expect_err("a body that breaks its schema is an error of the exchange");
    assert!(
        error.contains("OpenAPI") && error.contains("the 200 body breaks its schema"),
        "{error}"
    );
}
