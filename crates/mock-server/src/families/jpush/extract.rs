//! What every JPush request passes before its handler: Basic auth (3001), then the app's
//! rate-limit window (2002), in this process or in a fleet's shared store (503 when that
//! store is unavailable). Every authenticated response carries `X-Rate-Limit-Limit`,
//! `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (seconds to the window's end).
//!
//! The front service (`app::front`) calls [`gate`] in front of the router for every
//! request that [`super::reaches_gate`] says a JPush route serves: the same test a fleet
//! counts by, and no `from_fn` layer's boxed future and service clone on the hot path.

use axum::{
    extract::{FromRef, FromRequestParts, Request},
    http::{request::Parts, HeaderMap, HeaderName},
    response::{IntoResponse, Response},
};

use super::{Context, JpError};
use crate::{
    families::shared::basic_auth::{basic_auth, BasicAuth},
    kernel::{
        header_number::{header_value, repeated_header_value},
        ratelimit::Decision,
        store::Counted,
    },
};

/// The authenticated app of a request [`gate`] let through.
#[derive(Debug, Clone, Copy)]
pub struct JpApp(pub usize);

/// Authenticates `request` and counts it against its app's window; passes it to `next`
/// (the router) if both allow it.
pub async fn gate(context: &Context, mut request: Request, next: impl AsyncFnOnce(Request) -> Response) -> Response {
    let dataset = &context.core.dataset;
    let BasicAuth::App(app) = basic_auth(request.headers(), dataset) else {
        return JpError::AuthFailed.into_response();
    };
    let (slot, now) = (dataset.jiguang[app].slot, context.core.clock.now());
    let counted = request.extensions_mut().remove::<Counted>();
    let decision = match (&context.jpush.shared, counted) {
        (_, Some(Counted(decision))) => decision,
        (None, None) => context.jpush.limiter.check(slot, now),
        (Some(shared), None) => match shared.check(slot, now).await {
            Ok(decision) => decision,
            Err(_) => return super::fault_response(context, axum::http::StatusCode::SERVICE_UNAVAILABLE),
        },
    };
    let mut response = if decision.allowed {
        next(request).await
    } else {
        JpError::RateLimited {
            limit: decision.limit,
            schema: context.jpush.schema,
        }
        .into_response()
    };
    rate_limit_headers(response.headers_mut(), decision);
    response
}

pub fn rate_limit_headers(headers: &mut HeaderMap, decision: Decision) {
    const LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
    const REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
    const RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");
    headers.insert(LIMIT, repeated_header_value(decision.limit.into()));
    headers.insert(REMAINING, header_value(decision.remaining.into()));
    headers.insert(RESET, header_value(decision.reset_secs.max(0) as u64));
}

impl<S: Send + Sync> FromRequestParts<S> for JpApp
where
    Context: FromRef<S>,
{
    type Rejection = JpError;

    /// The app of the credentials the gate accepted, read again from the header: cheaper
    /// than carrying it in the request's extensions (an allocation and a map insert).
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<JpApp, JpError> {
        match basic_auth(&parts.headers, &Context::from_ref(state).core.dataset) {
            BasicAuth::App(app) => Ok(JpApp(app)),
            _ => Err(JpError::AuthFailed),
        }
    }
}
