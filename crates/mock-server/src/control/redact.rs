//! What of a request is a secret, and how it is shown instead: the one place that
//! decides it for the journal and the request log alike. Credentials travel in headers
//! (`Authorization`: Basic app keys and master secrets, Easemob bearer tokens, the
//! control token) and in the query of Easemob's signed download links (`Signature`);
//! bodies (an Easemob `/token` call's `client_secret`) are never kept nor logged.

use axum::http::{HeaderMap, HeaderName};

/// What a secret is shown as.
pub const REDACTED: &str = "REDACTED";

/// Query parameters whose values are credentials, by decoded name (any case).
const SECRET_PARAMS: [&str; 7] = [
    "signature",
    "client_secret",
    "master_secret",
    "access_token",
    "token",
    "secret",
    "password",
];

/// Headers whose whole value is a credential.
const SECRET_HEADERS: [&str; 3] = ["cookie", "x-api-key", "x-auth-token"];

/// Headers that carry `scheme credentials`: the scheme is kept, the credentials are not.
const AUTH_HEADERS: [&str; 2] = ["authorization", "proxy-authorization"];

/// The headers the mock adds to a request itself (the listener's marks): not the
/// client's, so not shown.
pub const OWN_HEADER_PREFIX: &str = "x-mock-";

/// `query` as sent, but for the values of credential parameters, recognised by their
/// decoded names (as handlers read them: `Signatur%65` is `Signature`).
pub fn query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, _)) if is_secret_param(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(pair),
        }
    }
    out
}

/// Whether a raw parameter name, once decoded, names a credential.
fn is_secret_param(raw_name: &str) -> bool {
    let is_secret = |name: &str| SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s));
    if !raw_name.contains(['%', '+']) {
        return is_secret(raw_name);
    }
    form_urlencoded::parse(raw_name.as_bytes())
        .next()
        .is_some_and(|(name, _)| is_secret(&name))
}

/// A header's value as it may be shown: `Basic REDACTED` for credentials behind a
/// scheme, `REDACTED` for a secret header, the value itself (lossily decoded) otherwise;
/// `None` for the mock's own marks.
pub fn header_value(name: &HeaderName, value: &[u8]) -> Option<String> {
    let name = name.as_str();
    if name.starts_with(OWN_HEADER_PREFIX) {
        return None;
    }
    if AUTH_HEADERS.contains(&name) {
        let scheme = value
            .split(|b| *b == b' ')
            .next()
            .filter(|s| !s.is_empty() && s.len() < value.len() && s.iter().all(u8::is_ascii_alphabetic))
            .map(String::from_utf8_lossy);
        let mut shown = String::with_capacity(scheme.as_ref().map_or(0, |s| s.len() + 1) + REDACTED.len());
        if let Some(scheme) = scheme {
            shown.push_str(&scheme);
            shown.push(' ');
        }
        shown.push_str(REDACTED);
        return Some(shown);
    }
    if SECRET_HEADERS.contains(&name) || contains(name, b"secret") || contains(name, b"token") {
        return Some(REDACTED.to_owned());
    }
    Some(match std::str::from_utf8(value) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(value).into_owned(),
    })
}

/// `str::contains` for the short names of headers, without its searcher's setup cost.
fn contains(name: &str, word: &[u8]) -> bool {
    name.as_bytes().windows(word.len()).any(|w| w == word)
}

/// The headers of a request as they may be shown, in order, at most `max_headers` of
/// them; whether some were left out.
pub fn headers(headers: &HeaderMap, max_headers: usize) -> (Vec<(String, String)>, bool) {
    let mut shown = Vec::with_capacity(headers.len().min(max_headers));
    let mut left_out = false;
    for (name, value) in headers {
        let Some(value) = header_value(name, value.as_bytes()) else {
            continue;
        };
        if shown.len() == max_headers {
            left_out = true;
            break;
        }
        shown.push((name.as_str().to_owned(), value));
    }
    (shown, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn secret_query_values_are_redacted_by_decoded_name() {
        assert_eq!(
            query("Expires=1&Signature=abc%2B&x=1"),
            "Expires=1&Signature=REDACTED&x=1"
        );
        assert_eq!(query("Signatur%65=abc"), "Signatur%65=REDACTED");
        assert_eq!(
            query("client_secret=s&CLIENT_SECRET=t"),
            "client_secret=REDACTED&CLIENT_SECRET=REDACTED"
        );
        assert_eq!(query("access_token=t&count=5"), "access_token=REDACTED&count=5");
        assert_eq!(query("count=5&cursor=c"), "count=5&cursor=c", "cursors are not secrets");
        assert_eq!(query(""), "");
    }

    #[test]
    fn credentials_in_headers_are_redacted_and_the_mocks_marks_left_out() {
        let mut map = HeaderMap::new();
        map.insert("authorization", HeaderValue::from_static("Basic N2Q0MzE6NWU5OA=="));
        map.insert("proxy-authorization", HeaderValue::from_static("opaque"));
        map.insert("cookie", HeaderValue::from_static("session=1"));
        map.insert("x-easemob-token", HeaderValue::from_static("t"));
        map.insert("x-mock-raw-space", HeaderValue::from_static("1"));
        map.insert("user-agent", HeaderValue::from_static("sdk/1.0"));
        let (shown, left_out) = headers(&map, 10);
        let shown: Vec<(&str, &str)> = shown.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            shown,
            [
                ("authorization", "Basic REDACTED"),
                ("proxy-authorization", "REDACTED"),
                ("cookie", "REDACTED"),
                ("x-easemob-token", "REDACTED"),
                ("user-agent", "sdk/1.0"),
            ]
        );
        assert!(!left_out);
        let (few, left_out) = headers(&map, 2);
        assert_eq!((few.len(), left_out), (2, true));
        let bearer = header_value(&"authorization".parse().unwrap(), b"Bearer YWMt.secret");
        assert_eq!(bearer.as_deref(), Some("Bearer REDACTED"));
    }
}
