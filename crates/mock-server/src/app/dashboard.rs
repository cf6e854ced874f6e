//! The dashboard at `GET /_mock/ui`: a page, its script and its style sheet, compiled into
//! the binary from `assets/ui/` (no build step, no CDN: it works offline). The page reads
//! and drives the mock through the public control API alone, from the browser, with the
//! control token the person types in when a call answers 401.
//!
//! The three files hold no data and no secret, so they are public like the index: a
//! person must be able to load the page to type the token into it. Every response carries
//! a Content-Security-Policy that allows only this origin's script, style and fetches
//! (no inline script, no framing), so that hostile text from the journal can never run.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::state::AppState;

/// One file of the dashboard: its path, its content type and its text.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    body: &'static str,
}

/// The page, its script and its style sheet: the router serves this table, and the
/// OpenAPI document describes it.
pub const ASSETS: [Asset; 3] = [
    Asset {
        path: "/_mock/ui",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../assets/ui/index.html"),
    },
    Asset {
        path: "/_mock/ui/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/app.js"),
    },
    Asset {
        path: "/_mock/ui/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/ui/app.css"),
    },
];

/// The files' paths; the control API's guard lets `GET` of these through without the token.
pub const PATHS: [&str; 3] = [ASSETS[0].path, ASSETS[1].path, ASSETS[2].path];

/// Self only: the page's own script, style sheet and fetches; nothing inline, no frames.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    ASSETS.iter().fold(Router::new(), |router, asset| {
        let (body, content_type) = (asset.body, asset.content_type);
        router.route(asset.path, get(move || serve(body, content_type)))
    })
}

async fn serve(body: &'static str, content_type: &'static str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        // The assets change with the binary; a page kept across an upgrade would call
        // routes the new mock may not have.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, body).into_response()
}
