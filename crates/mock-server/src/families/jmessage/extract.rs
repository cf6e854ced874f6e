//! Extractors whose rejections are JMessage errors, never axum's plain-text defaults.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};

use super::JmError;
use crate::{
    auth::{basic_auth, BasicAuth},
    query::QueryParams,
    state::AppState,
};

/// The authenticated app (index into the dataset's Jiguang apps).
pub struct JmApp(pub usize);

impl FromRequestParts<AppState> for JmApp {
    type Rejection = JmError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<JmApp, JmError> {
        match basic_auth(&parts.headers, &state.dataset) {
            BasicAuth::App(index) => Ok(JmApp(index)),
            BasicAuth::Missing => Err(JmError::MissingAuth),
            BasicAuth::Failed => Err(JmError::AuthFailed),
        }
    }
}

/// The one path parameter of a route (username, group id or chatroom id).
pub struct JmPath(pub String);

impl FromRequestParts<AppState> for JmPath {
    type Rejection = JmError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<JmPath, JmError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| JmPath(value))
            .map_err(|rejection| JmError::invalid(format!("invalid path: {}", rejection.body_text())))
    }
}

/// The query string, parsed leniently.
pub struct JmQuery(pub QueryParams);

impl FromRequestParts<AppState> for JmQuery {
    type Rejection = JmError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<JmQuery, JmError> {
        Ok(JmQuery(QueryParams::from_uri(&parts.uri)))
    }
}
