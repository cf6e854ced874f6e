//! Extractors whose rejections are JMessage errors, never axum's plain-text defaults.

use axum::{
    extract::{FromRef, FromRequestParts, Path},
    http::request::Parts,
};

use super::{Context, JmError};
use crate::{
    families::shared::basic_auth::{basic_auth, BasicAuth},
    kernel::query::QueryParams,
};

/// The authenticated app (index into the dataset's Jiguang apps).
pub struct JmApp(pub usize);

impl<S: Send + Sync> FromRequestParts<S> for JmApp
where
    Context: FromRef<S>,
{
    type Rejection = JmError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<JmApp, JmError> {
        match basic_auth(&parts.headers, &Context::from_ref(state).core.dataset) {
            BasicAuth::App(index) => Ok(JmApp(index)),
            BasicAuth::Missing => Err(JmError::MissingAuth),
            BasicAuth::Failed => Err(JmError::AuthFailed),
        }
    }
}

/// The one path parameter of a route (username, group id or chatroom id).
pub struct JmPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for JmPath {
    type Rejection = JmError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<JmPath, JmError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| JmPath(value))
            .map_err(|rejection| JmError::invalid(format!("invalid path: {}", rejection.body_text())))
    }
}

/// The query string, parsed leniently.
pub struct JmQuery(pub QueryParams);

impl<S: Send + Sync> FromRequestParts<S> for JmQuery {
    type Rejection = JmError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<JmQuery, JmError> {
        Ok(JmQuery(QueryParams::from_uri(&parts.uri)))
    }
}
