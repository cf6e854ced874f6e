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
    let decoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let app = decoded.as_deref().and_then(|pair| {
        let (key, secret) = pair.split_once(':')?;
        dataset.jiguang_by_credentials(key, secret)
    });
    app.map_or(BasicAuth::Failed, BasicAuth::App)
}
