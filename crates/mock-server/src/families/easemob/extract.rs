//! Extractors whose rejections are Easemob errors (stamped with the mock clock), never
//! axum's plain-text defaults: the app named by the path, the bearer token, the query,
//! the body, and the base URL that links point back at.
//!
//! Easemob routes begin with two free segments (`/{org}/{app}/...`), so the router also
//! matches them for paths of the other families (`/v2/x/chatmessages/1`): the app
//! extractors answer those as the unknown routes of their own family.

use std::convert::Infallible;

use axum::{
    body::Bytes,
    extract::{FromRef, FromRequest, FromRequestParts, Request},
    http::{
        header::{AUTHORIZATION, HOST},
        request::Parts,
        uri::Authority,
        StatusCode,
    },
    response::{IntoResponse, Response},
};

use super::{credentials, Context, EmError, Stamped};
use crate::{
    families::shared::{
        jiguang_error,
        route::{unserved_message, Family},
    },
    kernel::query::QueryParams,
};

/// The Easemob app named by the `{org}/{app}` path segments (index into the dataset).
pub struct EmApp(pub usize);

impl<S: Send + Sync> FromRequestParts<S> for EmApp
where
    Context: FromRef<S>,
{
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<EmApp, Refused> {
        app_of_path(parts, &Context::from_ref(state)).map(EmApp)
    }
}

/// The app of the path, once the request's bearer token has been checked for it.
pub struct EmAuth(pub usize);

impl<S: Send + Sync> FromRequestParts<S> for EmAuth
where
    Context: FromRef<S>,
{
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<EmAuth, Refused> {
        let cx = Context::from_ref(state);
        let app = app_of_path(parts, &cx)?;
        let now = cx.core.clock.now();
        bearer(parts)
            .and_then(|token| {
                let slot = cx.core.dataset.easemob[app].slot;
                credentials::check_token(&cx.core.signer, token, slot, cx.easemob.token_epoch(), now)
            })
            .map(|()| EmAuth(app))
            .map_err(|err| Refused::Easemob(err.at(now)))
    }
}

/// Why the app extractors refuse a request: its path belongs to another family (answered
/// as that family's unknown route), or Easemob refuses it.
pub enum Refused {
    OtherFamily { message: String },
    Easemob(Stamped),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::OtherFamily { message } => jiguang_error::unserved(StatusCode::NOT_FOUND, message),
            Refused::Easemob(error) => error.into_response(),
        }
    }
}

/// Resolves the `{org}/{app}` of the path; an unknown pair is the vendor's 404.
fn app_of_path(parts: &Parts, cx: &Context) -> Result<usize, Refused> {
    let path = parts.uri.path();
    // The outer request layer says which family the path belongs to.
    if parts
        .extensions
        .get::<Family>()
        .is_some_and(|family| *family != Family::Easemob)
    {
        let message = unserved_message(StatusCode::NOT_FOUND, &parts.method, path);
        return Err(Refused::OtherFamily { message });
    }
    let (org, app) = super::org_app(path);
    super::app_index(&cx.core.dataset, org, app)
        .ok_or_else(|| Refused::Easemob(super::app_not_found(org, app, path).at(cx.core.clock.now())))
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(parts: &Parts) -> Result<&str, EmError> {
    let value = parts.headers.get(AUTHORIZATION).ok_or(EmError::MissingToken)?;
    let value = value.to_str().map_err(|_| EmError::CorruptToken)?.trim();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(EmError::CorruptToken),
    }
}

/// The query string, parsed leniently.
pub struct EmQuery(pub QueryParams);

impl<S: Send + Sync> FromRequestParts<S> for EmQuery
where
    Context: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<EmQuery, Infallible> {
        Ok(EmQuery(QueryParams::from_uri(&parts.uri)))
    }
}

/// The whole request body, whatever its Content-Type (SDKs send none or a wrong one).
pub struct EmBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for EmBody
where
    Context: FromRef<S>,
{
    type Rejection = Stamped;

    async fn from_request(request: Request, state: &S) -> Result<EmBody, Stamped> {
        let now = Context::from_ref(state).core.clock.now();
        Bytes::from_request(request, state)
            .await
            .map(EmBody)
            .map_err(|rejection| {
                let error = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    EmError::BodyTooLarge
                } else {
                    EmError::illegal(format!("the request body could not be read: {}", rejection.body_text()))
                };
                error.at(now)
            })
    }
}

/// `http://host[:port]` that links point back at: the request's Host header (what the
/// client used to reach the mock), else the address the mock was configured with.
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl
where
    Context: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<BaseUrl, Infallible> {
        let from_header = parts
            .headers
            .get(HOST)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse::<Authority>().ok())
            .or_else(|| parts.uri.authority().cloned())
            .map(|authority| match authority.port_u16() {
                // Never echo userinfo (`user@host`) into a link.
                Some(port) => format!("{}:{port}", authority.host()),
                None => authority.host().to_owned(),
            });
        let host = from_header.unwrap_or_else(|| Context::from_ref(state).easemob.listen_addr.to_string());
        Ok(BaseUrl(format!("http://{host}")))
    }
}
