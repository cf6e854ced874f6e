//! Query-string parsing that never rejects: official SDKs send values encoded as `%20`,
//! as `+`, as `%2C`, or raw, and a malformed escape must become the family's own
//! "invalid parameter" error rather than a framework rejection.

use std::borrow::Cow;

use axum::http::Uri;

#[derive(Debug, Default)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    pub fn from_uri(uri: &Uri) -> QueryParams {
        QueryParams::parse(uri.query().unwrap_or_default())
    }

    /// Parses a raw query string (without the `?`) as `form_urlencoded` does, decoding
    /// only the pairs that hold an escape or a `+`: most hold neither, and its decoder
    /// takes three passes over every byte.
    pub fn parse(query: &str) -> QueryParams {
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match is_encoded(pair) {
                false => {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (name.to_owned(), value.to_owned())
                }
                true => form_urlencoded::parse(pair.as_bytes())
                    .next()
                    .map(|(name, value)| (name.into_owned(), value.into_owned()))
                    .unwrap_or_default(),
            })
            .collect();
        QueryParams { pairs }
    }

    /// The first value of `name`, if present (an empty value counts as absent).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// The decoded parameter names of `query` that are not in `known`, each once, in order (in
/// time linear in the query's length). A query of known names only allocates nothing.
pub fn unknown_names<'a>(query: &'a str, known: &'a [&str]) -> impl Iterator<Item = Cow<'a, str>> {
    let mut seen = std::collections::HashSet::new();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| decoded_name(pair.split_once('=').map_or(pair, |(name, _)| name)))
        .filter(move |name| !known.contains(&name.as_ref()) && seen.insert(name.clone()))
}

/// A raw parameter name decoded as `form_urlencoded` decodes it; borrowed when plain
/// (the values, which this never needs, are not decoded at all).
fn decoded_name(raw: &str) -> Cow<'_, str> {
    if !is_encoded(raw) {
        return Cow::Borrowed(raw);
    }
    form_urlencoded::parse(raw.as_bytes())
        .next()
        .map_or(Cow::Borrowed(""), |(name, _)| Cow::Owned(name.into_owned()))
}

/// Whether form decoding would change `raw`.
fn is_encoded(raw: &str) -> bool {
    memchr::memchr2(b'%', b'+', raw.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_of_a_space_decodes_alike() {
        for raw in [
            "t=2026-11-02%2010:10:10",
            "t=2026-11-02+10:10:10",
            "t=2026-11-02%2010%3A10%3A10",
        ] {
            let uri: Uri = format!("/x?{raw}").parse().unwrap();
            assert_eq!(
                QueryParams::from_uri(&uri).get("t"),
                Some("2026-11-02 10:10:10"),
                "{raw}"
            );
        }
        let uri: Uri = "/x?a=&b=%zz".parse().unwrap();
        let q = QueryParams::from_uri(&uri);
        assert_eq!(q.get("a"), None);
        assert_eq!(q.get("b"), Some("%zz"));
    }

    #[test]
    fn pairs_are_read_as_form_urlencoded_reads_them() {
        let queries = [
            "a=1&b=2",
            "&&a=1&&",
            "a=b=c&d",
            "x=%E5%BC%A0&y=+a+b&z=%ff",
            "%61=1&a%3D=2&=3&=&k",
            "msg_ids=1,2%2C3&msg_ids=4",
        ];
        for query in queries {
            let expected: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(QueryParams::parse(query).pairs, expected, "{query}");
        }
    }

    #[test]
    fn unknown_names_are_decoded_listed_once_and_exclude_the_known() {
        let all: Vec<_> = unknown_names("b=1&a=2&b=3&%61=4&c", &[]).collect();
        assert_eq!(all, ["b", "a", "c"]);
        let unknown: Vec<_> = unknown_names("b=1&a=2&b=3&%61=4&c&d+e", &["a"]).collect();
        assert_eq!(unknown, ["b", "c", "d e"]);
        let many: Vec<String> = (0..20_000).map(|i| format!("p{}", i % 17_000)).collect();
        assert_eq!(unknown_names(&many.join("&"), &["p1"]).count(), 16_999);
    }
}
