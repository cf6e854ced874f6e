//! Extractors whose rejections are Easemob errors (stamped with the mock clock), never
//! axum's plain-text defaults: the app named by the path, the bearer token, the query,
//! the body, and the base URL that links point back at.
//!
//! Easemob routes begin with two free segments (`/{org}/{app}/...`), so the router also
//! matches them for paths of the other families (`/v2/x/chatmessages/1`): the app
//! extractors hand those back to the shared fallback, which answers in their family's shape.

use std::convert::Infallible;

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request, State},
    http::{
        header::{AUTHORIZATION, HOST},
        request::Parts,
        uri::Authority,
        StatusCode,
    },
    response::{IntoResponse, Response},
};

use super::{claims, EmError, Stamped};
use crate::{
    families::{self, Family},
    query::QueryParams,
    state::AppState,
};

/// The Easemob app named by the `{org}/{app}` path segments (index into the dataset).
pub struct EmApp(pub usize);

impl FromRequestParts<AppState> for EmApp {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<EmApp, Response> {
        app_of_path(parts, state).await.map(EmApp)
    }
}

/// The app of the path, once the request's bearer token has been checked for it.
pub struct EmAuth(pub usize);

impl FromRequestParts<AppState> for EmAuth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<EmAuth, Response> {
        let app = app_of_path(parts, state).await?;
        let now = state.clock.now();
        bearer(parts)
            .and_then(|token| {
                let slot = state.dataset.easemob[app].slot;
                claims::check_token(&state.signer, token, slot, state.easemob.token_epoch(), now)
            })
            .map(|()| EmAuth(app))
            .map_err(|err| err.at(now).into_response())
    }
}

/// Resolves the `{org}/{app}` of the path; an unknown pair is the vendor's 404.
async fn app_of_path(parts: &Parts, state: &AppState) -> Result<usize, Response> {
    let path = parts.uri.path();
    if Family::of_path(path) != Family::Easemob {
        let (method, uri) = (parts.method.clone(), parts.uri.clone());
        return Err(families::no_route(State(state.clone()), method, uri).await);
    }
    let (org, app) = super::org_app(path);
    super::app_index(state, org, app).ok_or_else(|| {
        let error = EmError::AppNotFound {
            org: org.to_owned(),
            app: app.to_owned(),
            path: path.trim_start_matches('/').to_owned(),
        };
        error.at(state.clock.now()).into_response()
    })
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

impl FromRequestParts<AppState> for EmQuery {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<EmQuery, Infallible> {
        Ok(EmQuery(QueryParams::from_uri(&parts.uri)))
    }
}

/// The whole request body, whatever its Content-Type (SDKs send none or a wrong one).
pub struct EmBody(pub Bytes);

impl FromRequest<AppState> for EmBody {
    type Rejection = Stamped;

    async fn from_request(request: Request, state: &AppState) -> Result<EmBody, Stamped> {
        Bytes::from_request(request, state)
            .await
            .map(EmBody)
            .map_err(|rejection| {
                let error = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    EmError::BodyTooLarge
                } else {
                    EmError::illegal(format!("the request body could not be read: {}", rejection.body_text()))
                };
                error.at(state.clock.now())
            })
    }
}

/// `http://host[:port]` that links point back at: the request's Host header (what the
/// client used to reach the mock), else the address the mock was configured with.
pub struct BaseUrl(pub String);

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<BaseUrl, Infallible> {
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
        let settings = &state.settings;
        let host = from_header.unwrap_or_else(|| std::net::SocketAddr::new(settings.host, settings.port).to_string());
        Ok(BaseUrl(format!("http://{host}")))
    }
}
