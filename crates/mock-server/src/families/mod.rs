//! The vendor API families, one module each (routes, handlers, model, errors), and what
//! they share: which family a path belongs to, and the answers to routes nobody serves.

pub mod easemob;
pub mod jiguang_error;
pub mod jmessage;
pub mod jpush;
pub mod time_units;

use axum::{
    http::{Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};

use self::jiguang_error::JiguangError;
use crate::state::AppState;

/// The family a request path belongs to (SPEC §0: one listener, routed by prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    JPush,
    JMessage,
    Easemob,
    Control,
}

impl Family {
    pub fn of_path(path: &str) -> Family {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        match first {
            "v3" => Family::JPush,
            "v1" | "v2" => Family::JMessage,
            "_mock" => Family::Control,
            _ => Family::Easemob,
        }
    }
}

/// The documented query parameters of a route template, if it is a vendor route.
pub fn documented_params(route: &str) -> Option<&'static [&'static str]> {
    let jpush_route = jpush::PREFIXES
        .iter()
        .rev()
        .find_map(|prefix| route.strip_prefix(prefix));
    let (table, key) = match jpush_route {
        Some(rest) => (jpush::DOCUMENTED_PARAMS, rest),
        None if route.starts_with(easemob::ROUTE_PREFIX) => (easemob::DOCUMENTED_PARAMS, route),
        None => (jmessage::DOCUMENTED_PARAMS, route),
    };
    table
        .iter()
        .find(|(template, _)| *template == key)
        .map(|(_, params)| *params)
}

/// An injected failure (SPEC §5) in the family's own shape and code.
pub fn fault_response(state: &AppState, family: Family, status: StatusCode) -> Response {
    match family {
        Family::JPush => jpush::fault_response(state, status),
        Family::JMessage | Family::Control => jmessage::fault_response(status),
        Family::Easemob => easemob::fault_response(state, status),
    }
}

/// Unknown routes: 404 in the shape of the family the path belongs to.
pub async fn no_route(
    axum::extract::State(state): axum::extract::State<AppState>,
    method: Method,
    uri: Uri,
) -> Response {
    unserved(&state, StatusCode::NOT_FOUND, &method, &uri)
}

/// Known routes called with the wrong method: 405 in the family's shape.
pub async fn wrong_method(
    axum::extract::State(state): axum::extract::State<AppState>,
    method: Method,
    uri: Uri,
) -> Response {
    unserved(&state, StatusCode::METHOD_NOT_ALLOWED, &method, &uri)
}

fn unserved(state: &AppState, status: StatusCode, method: &Method, uri: &Uri) -> Response {
    let path = uri.path();
    let what = if status == StatusCode::NOT_FOUND {
        format!("no such endpoint: {method} {path}")
    } else {
        format!("method {method} is not allowed on {path}")
    };
    match Family::of_path(path) {
        Family::JPush | Family::JMessage | Family::Control => {
            JiguangError::new(status, status.as_u16().into(), what).into_response()
        }
        Family::Easemob => easemob::unserved(state, status, what, path),
    }
}
