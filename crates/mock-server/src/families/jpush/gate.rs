//! What every JPush request passes first: Basic auth (3001), then the app's rate-limit
//! window (2002). Every authenticated response carries `X-Rate-Limit-Limit`,
//! `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (seconds to the window's end).

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{request::Parts, HeaderMap, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::JpError;
use crate::{
    auth::{basic_auth, BasicAuth},
    ratelimit::Decision,
    state::AppState,
};

/// The authenticated app, put in the request's extensions by [`gate`].
#[derive(Debug, Clone, Copy)]
pub struct JpApp(pub usize);

pub async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let BasicAuth::App(app) = basic_auth(request.headers(), &state.dataset) else {
        return JpError::AuthFailed.into_response();
    };
    let decision = state
        .jpush
        .limiter
        .check(state.dataset.jiguang[app].slot, state.clock.now());
    let mut response = if decision.allowed {
        request.extensions_mut().insert(JpApp(app));
        next.run(request).await
    } else {
        JpError::RateLimited { limit: decision.limit }.into_response()
    };
    rate_limit_headers(response.headers_mut(), decision);
    response
}

pub fn rate_limit_headers(headers: &mut HeaderMap, decision: Decision) {
    for (name, value) in [
        ("x-rate-limit-limit", decision.limit as i64),
        ("x-rate-limit-remaining", decision.remaining as i64),
        ("x-rate-limit-reset", decision.reset_secs),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
}

impl FromRequestParts<AppState> for JpApp {
    type Rejection = JpError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<JpApp, JpError> {
        // Only reachable behind `gate`, which always inserts it.
        parts.extensions.get::<JpApp>().copied().ok_or(JpError::AuthFailed)
    }
}
