//! The OpenAPI 3.1 document of the mock (docs/SPEC.md R7.13), served at
//! `GET /_mock/openapi.json` and committed as `docs/openapi.json`. It is built from the
//! route tables the router is built from — each family's `ROUTES`, `control_routes::ROUTES`
//! and the dashboard's files — so that no route can be served undocumented: one
//! operation per route ([`vendor`], [`control`]), the bodies' schemas ([`components`]),
//! and what an operation is made of ([`operation`]).

mod components;
mod control;
mod operation;
mod vendor;

use std::sync::OnceLock;

use axum::{body::Bytes, http::StatusCode, response::Response};
use serde_json::{json, Map, Value};

pub use self::operation::Operation;
use crate::families::shared::jiguang_error::json_bytes;

/// Where the document is served.
pub const PATH: &str = super::control_routes::OPENAPI_PATH;

/// Every operation of the document, vendor families first.
pub fn operations() -> Vec<Operation> {
    let mut all = vendor::operations();
    all.extend(control::operations());
    all
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// The document as served: pretty JSON ending in a newline (as `docs/openapi.json` holds it).
pub fn text() -> &'static Bytes {
    static TEXT: OnceLock<Bytes> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut text = serde_json::to_vec_pretty(document()).expect("the document serialises");
        text.push(b'\n');
        Bytes::from(text)
    })
}

/// `GET /_mock/openapi.json`.
pub async fn serve() -> Response {
    json_bytes(StatusCode::OK, text().clone())
}

fn build() -> Value {
    let mut paths = Map::new();
    for operation in operations() {
        let item = paths.entry(operation.path.clone()).or_insert_with(|| json!({}));
        let method = operation.method.as_str().to_ascii_lowercase();
        assert!(
            item.get(&method).is_none(),
            "{} {} is described twice",
            operation.method,
            operation.path
        );
        item[method] = operation.to_json();
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "jiguang-mock",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "A credential-free mock of the JPush / JMessage / Easemob report APIs, and its control API",
            "description": "Every vendor endpoint the mock serves (JPush Report v3 and its Beijing alias /v3/report, JMessage Report V1 and V2 history and statistics, Easemob token, hourly export, download link and ql) and the mock's own control API under /_mock. Errors keep each vendor's shape: {\"error\":{\"code\",\"message\"}} for JPush, JMessage and the control API, {\"error\",\"exception\",\"timestamp\",\"duration\",\"error_description\"} for Easemob. Every vendor operation may also answer an injected fault (429, 500, 503) and the HTTP limits' refusals (400, 413, 414, 431). Generated from the mock's route tables; see docs/SPEC.md.",
            "license": { "name": "MIT", "identifier": "MIT" },
        },
        "servers": [{ "url": "http://127.0.0.1:8080", "description": "the mock's default address" }],
        "tags": [
            { "name": "jpush", "description": "JPush Report API v3 (docs/SPEC.md §1), under /v3 and the Beijing host's /v3/report" },
            { "name": "jmessage", "description": "JMessage Report V2 (cursors) and V1 (offsets) history, V2 statistics (§2, §3)" },
            { "name": "easemob", "description": "Easemob chat-history export and the legacy ql query (§4)" },
            { "name": "control", "description": "The mock's control API (§7)" },
        ],
        "paths": paths,
        "components": {
            "schemas": components::schemas(),
            "securitySchemes": {
                "jiguangBasic": { "type": "http", "scheme": "basic", "description": "appKey:masterSecret of a Jiguang app (GET /_mock/apps)" },
                "easemobBearer": { "type": "http", "scheme": "bearer", "description": "a token from POST /{org}/{app}/token" },
                "controlToken": { "type": "http", "scheme": "bearer", "description": "the --control-token, when the mock is started with one" },
            },
        },
    })
}
