//! HTTP Basic authentication of the Jiguang families (JPush and JMessage): which app,
//! if any, the `Authorization: Basic base64(appKey:masterSecret)` header names.

use axum::http::{header::AUTHORIZATION, HeaderMap};

use crate::{dataset::Dataset, kernel::basic::basic_credentials};

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
    let app = basic_credentials(headers).and_then(|c| dataset.jiguang_by_credentials(c.key(), c.secret()));
    app.map_or(BasicAuth::Failed, BasicAuth::App)
}
