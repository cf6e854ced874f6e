//! What of a request is a secret, and how it is shown instead: the one place that
//! decides it for the journal and the request log alike. Credentials travel in headers
//! (`Authorization`: Basic app keys and master secrets, Easemob bearer tokens, the
//! control token) and in the query of Easemob's signed download links (`Signature`);
//! bodies (an Easemob `/token` call's `client_secret`) are never kept nor logged.

use axum::http::HeaderName;

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
    query_pieces(query, |piece| out.push_str(piece));
    out
}

/// [`query`] handed out piece by piece, for a writer that keeps it without a copy of
/// its own.
pub fn query_pieces(query: &str, mut push: impl FnMut(&str)) {
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            push("&");
        }
        match pair.split_once('=') {
            Some((name, _)) if is_secret_param(name) => {
                push(name);
                push("=");
                push(REDACTED);
            }
            _ => push(pair),
        }
    }
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

/// A header's value as it may be shown, handed out piece by piece: `Basic REDACTED` for
/// credentials behind a scheme, `REDACTED` for a secret header, the value itself (lossily
/// decoded) otherwise. Whether the header is shown at all: not the mock's own marks.
pub fn header_pieces(name: &HeaderName, value: &[u8], mut push: impl FnMut(&str)) -> bool {
    let name = name.as_str();
    if name.starts_with(OWN_HEADER_PREFIX) {
        return false;
    }
    if AUTH_HEADERS.contains(&name) {
        let scheme = value
            .split(|b| *b == b' ')
            .next()
            .filter(|s| !s.is_empty() && s.len() < value.len() && s.iter().all(u8::is_ascii_alphabetic));
        if let Some(scheme) = scheme.and_then(|s| std::str::from_utf8(s).ok()) {
            push(scheme);
            push(" ");
        }
        push(REDACTED);
    } else if SECRET_HEADERS.contains(&name) || contains(name, b"secret") || contains(name, b"token") {
        push(REDACTED);
    } else {
        match std::str::from_utf8(value) {
            Ok(text) => push(text),
            Err(_) => push(&String::from_utf8_lossy(value)),
        }
    }
    true
}

/// `str::contains` for the short names of headers, without its searcher's setup cost.
fn contains(name: &str, word: &[u8]) -> bool {
    name.as_bytes().windows(word.len()).any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn header_value(name: &HeaderName, value: &[u8]) -> Option<String> {
        let mut shown = String::new();
        header_pieces(name, value, |piece| shown.push_str(piece)).then_some(shown)
    }

    #[test]
    fn credentials_in_headers_are_redacted_and_the_mocks_marks_left_out() {
        let shown = |name: &str, value: &str| header_value(&name.parse().unwrap(), value.as_bytes());
        assert_eq!(
            shown("authorization", "Basic N2Q0MzE6NWU5OA==").as_deref(),
            Some("Basic REDACTED")
        );
        assert_eq!(shown("proxy-authorization", "opaque").as_deref(), Some("REDACTED"));
        assert_eq!(shown("cookie", "session=1").as_deref(), Some("REDACTED"));
        assert_eq!(shown("x-easemob-token", "t").as_deref(), Some("REDACTED"));
        assert_eq!(shown("x-mock-raw-space", "1"), None);
        assert_eq!(shown("user-agent", "sdk/1.0").as_deref(), Some("sdk/1.0"));
        let bearer = header_value(&"authorization".parse().unwrap(), b"Bearer YWMt.secret");
        assert_eq!(bearer.as_deref(), Some("Bearer REDACTED"));
    }
}
