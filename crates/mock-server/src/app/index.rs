//! The landing page, `GET /` and `GET /_mock`: what this mock serves and where — the
//! families and their base paths, the demo apps by name and appKey (never a secret: the
//! credentials are at `/_mock/apps`, behind the control token when one is set), the
//! control API's routes, the dashboard, the OpenAPI document and the documents. HTML for a browser (an `Accept`
//! that asks for `text/html` before JSON), JSON otherwise. Public like `/_mock/health`.

use std::fmt::Write as _;

use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{Html, IntoResponse, Response},
    Json,
};
use serde::Serialize;

use super::state::AppState;

/// Each family, its base paths and how it authenticates.
const FAMILIES: [(&str, &[&str], &str); 3] = [
    ("jpush", &["/v3", "/v3/report"], "HTTP Basic appKey:masterSecret"),
    ("jmessage", &["/v2", "/v1"], "HTTP Basic appKey:masterSecret"),
    (
        "easemob",
        &["/{org_name}/{app_name}"],
        "Bearer token from POST /{org_name}/{app_name}/token",
    ),
];

/// The control API's routes, by what they are for.
const CONTROL: [(&str, &str); 11] = [
    ("dashboard", "/_mock/ui"),
    ("health", "/_mock/health"),
    ("openapi", super::openapi::PATH),
    ("apps", "/_mock/apps"),
    ("clock", "/_mock/clock"),
    ("clock_advance", "/_mock/clock/advance"),
    ("faults", "/_mock/faults"),
    ("rate_limits", "/_mock/rate-limits"),
    ("journal", "/_mock/journal"),
    ("journal_count", "/_mock/journal/count"),
    ("reset", "/_mock/reset"),
];

/// The documents, as paths in the source tree.
const DOCS: [(&str, &str); 4] = [
    ("readme", "README.md"),
    ("spec", "docs/SPEC.md"),
    ("architecture", "docs/ARCHITECTURE.md"),
    ("openapi", "docs/openapi.json"),
];

#[derive(Serialize)]
struct Index<'a> {
    name: &'static str,
    version: &'static str,
    families: Vec<FamilyEntry>,
    jiguang_apps: Vec<JiguangEntry<'a>>,
    easemob_apps: Vec<EasemobEntry>,
    control: serde_json::Map<String, serde_json::Value>,
    /// Whether control calls but health and this index need the `--control-token`.
    control_token_required: bool,
    docs: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct FamilyEntry {
    family: &'static str,
    base_paths: &'static [&'static str],
    auth: &'static str,
}

#[derive(Serialize)]
struct JiguangEntry<'a> {
    name: &'a str,
    app_key: &'a str,
    vip: bool,
}

#[derive(Serialize)]
struct EasemobEntry {
    app: String,
    base_path: String,
}

fn index_of(state: &AppState) -> Index<'_> {
    let dataset = &state.core.dataset;
    let pairs = |list: &[(&str, &str)]| list.iter().map(|(k, v)| ((*k).to_owned(), (*v).into())).collect();
    Index {
        name: "jiguang-mock",
        version: env!("CARGO_PKG_VERSION"),
        families: FAMILIES
            .iter()
            .map(|&(family, base_paths, auth)| FamilyEntry {
                family,
                base_paths,
                auth,
            })
            .collect(),
        jiguang_apps: dataset
            .jiguang
            .iter()
            .map(|a| JiguangEntry {
                name: &a.credentials.name,
                app_key: &a.credentials.app_key,
                vip: a.credentials.vip,
            })
            .collect(),
        easemob_apps: dataset
            .easemob
            .iter()
            .map(|a| {
                let c = &a.credentials;
                EasemobEntry {
                    app: format!("{}/{}", c.org_name, c.app_name),
                    base_path: format!("/{}/{}", c.org_name, c.app_name),
                }
            })
            .collect(),
        control: pairs(&CONTROL),
        control_token_required: state.settings.control_token.is_some(),
        docs: pairs(&DOCS),
    }
}

pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let index = index_of(&state);
    if wants_html(&headers) {
        Html(html(&index)).into_response()
    } else {
        Json(index).into_response()
    }
}

/// Whether `Accept` asks for HTML before JSON (a browser does; curl and SDKs do not).
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match (accept.find("text/html"), accept.find("application/json")) {
        (Some(html), Some(json)) => html < json,
        (Some(_), None) => true,
        _ => false,
    }
}

fn html(index: &Index<'_>) -> String {
    let mut out =
        String::from("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>jiguang-mock</title></head><body>\n");
    let _ = writeln!(
        out,
        "<h1>jiguang-mock {}</h1>\n<p>A mock of the JPush / JMessage / Easemob report APIs.</p>",
        index.version
    );
    out.push_str(
        "<p>See what it receives, move its clock and arm faults: <a href=\"/_mock/ui\">the dashboard</a>.</p>\n",
    );
    out.push_str("<h2>Families</h2>\n<ul>\n");
    for f in &index.families {
        let paths = f.base_paths.iter().map(|p| escape(p)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "<li>{}: <code>{paths}</code> ({})</li>", f.family, escape(f.auth));
    }
    out.push_str("</ul>\n<h2>Demo apps</h2>\n<ul>\n");
    for a in &index.jiguang_apps {
        let vip = if a.vip { "VIP" } else { "non-VIP" };
        let _ = writeln!(
            out,
            "<li>JPush/JMessage {}: appKey <code>{}</code> ({vip})</li>",
            escape(a.name),
            escape(a.app_key)
        );
    }
    for a in &index.easemob_apps {
        let _ = writeln!(out, "<li>Easemob <code>{}</code></li>", escape(&a.base_path));
    }
    out.push_str("</ul>\n<p>Credentials and sample ids: <a href=\"/_mock/apps\">/_mock/apps</a></p>\n");
    out.push_str("<h2>Control API</h2>\n<ul>\n");
    for (name, path) in &index.control {
        let path = escape(path.as_str().unwrap_or_default());
        let _ = writeln!(out, "<li>{name}: <a href=\"{path}\">{path}</a></li>");
    }
    if index.control_token_required {
        out.push_str("<li>every control call but health and this page needs <code>Authorization: Bearer</code> the control token</li>\n");
    }
    out.push_str("</ul>\n<h2>Documents (in the source tree)</h2>\n<ul>\n");
    for (name, path) in &index.docs {
        let _ = writeln!(
            out,
            "<li>{name}: <code>{}</code></li>",
            escape(path.as_str().unwrap_or_default())
        );
    }
    out.push_str("</ul>\n</body></html>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_gets_html_and_a_client_json() {
        let accept = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, value.parse().unwrap());
            wants_html(&headers)
        };
        assert!(accept("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert!(!accept("application/json"));
        assert!(!accept("*/*"));
        assert!(!accept("application/json, text/html"));
        assert!(!wants_html(&HeaderMap::new()));
        assert_eq!(escape("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
