//! HTTP Basic credentials: the (user, password) pair an `Authorization: Basic` header
//! carries, and the header value of a pair.

use axum::http::{header::AUTHORIZATION, HeaderMap};
use base64::{engine::general_purpose::STANDARD, Engine};

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
