//! HTTP Basic authentication of the Jiguang families (JPush and JMessage): which app,
//! if any, the `Authorization: Basic base64(appKey:masterSecret)` header names.

use axum::http::{header::AUTHORIZATION, HeaderMap};
use base64::{engine::general_purpose::STANDARD, Engine};

use crate::dataset::Dataset;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasicAuth {
    /// No Authorization header at all.
    Missing,
    /// A header that is not Basic, not decodable, or names no app with that secret.
    Failed,
    /// Index of the authenticated Jiguang app.
    App(usize),
}

pub fn basic_auth(headers: &HeaderMap, dataset: &Dataset) -> BasicAuth {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return BasicAuth::Missing;
    };
    // Most requests carry one of the demo apps' header values exactly: no decoding then.
    if let Some(app) = dataset.jiguang_by_authorization(value.as_bytes()) {
        return BasicAuth::App(app);
    }
    let app = basic_credentials(headers).and_then(|(key, secret)| dataset.jiguang_by_credentials(&key, &secret));
    app.map_or(BasicAuth::Failed, BasicAuth::App)
}

/// The (appKey, masterSecret) pair a `Basic` Authorization header carries, if it is one.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (key, secret) = decoded.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

/// The canonical header value of an app's credentials: `Basic base64(appKey:masterSecret)`.
pub fn basic_header(app_key: &str, master_secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{app_key}:{master_secret}")))
}
