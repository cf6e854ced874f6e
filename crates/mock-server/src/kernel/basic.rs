//! HTTP Basic credentials: the (user, password) pair an `Authorization: Basic` header
//! carries, and the header value of a pair.

use axum::http::{header::AUTHORIZATION, HeaderMap};
use base64::{engine::general_purpose::STANDARD, Engine};

/// The (appKey, masterSecret) pair a `Basic` Authorization header carries, if it is one.
pub fn basic_credentials(headers: &HeaderMap) -> Option<BasicCredentials> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let colon = decoded.find(':')?;
    Some(BasicCredentials { decoded, colon })
}

/// The `user:password` of a Basic header, decoded once and read in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    decoded: String,
    colon: usize,
}

impl BasicCredentials {
    /// The user: an appKey.
    pub fn key(&self) -> &str {
        &self.decoded[..self.colon]
    }

    /// The password: a master secret.
    pub fn secret(&self) -> &str {
        &self.decoded[self.colon + 1..]
    }
}

/// The canonical header value of an app's credentials: `Basic base64(appKey:masterSecret)`.
pub fn basic_header(app_key: &str, master_secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{app_key}:{master_secret}")))
}
