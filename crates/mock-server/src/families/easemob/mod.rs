//! Easemob (环信) chat-history export under `/{org_name}/{app_name}` (SPEC §4): bearer
//! tokens, hourly gzip files behind signed download links, and the legacy ql query.
//!
//! A request goes router → [`extract`] (app, bearer token) → the handler's throttle and
//! [`params`]/[`ql`] → [`model`] (which hour, which page, when) → [`wire`] (the vendor's
//! JSON) or [`archive`] (the gzip file). [`claims`] signs and checks tokens and links;
//! [`errors`] renders every refusal in the vendor's shape.

mod archive;
mod claims;
mod errors;
mod extract;
mod handlers;
mod model;
mod params;
mod ql;
mod wire;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use chrono::TimeDelta;

use self::archive::ArchiveCache;
pub use self::errors::{EmError, Stamped};
use crate::{
    ratelimit::{Quota, RateLimiter},
    settings::EasemobSettings,
    state::AppState,
};

/// Where the signed download links of hourly files point (under the app, like every route).
const DOWNLOAD_SEGMENT: &str = "history";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{org}/{app}/token", post(handlers::token))
        .route("/{org}/{app}/chatmessages", get(handlers::ql_messages))
        .route("/{org}/{app}/chatmessages/{time}", get(handlers::file_link))
        .route(
            &format!("/{{org}}/{{app}}/{DOWNLOAD_SEGMENT}/{{file}}"),
            get(handlers::download),
        )
}

/// What the family keeps between requests: the history rate limit's windows and the
/// most recently served files. Neither grows with the dataset.
#[derive(Debug)]
pub struct EasemobState {
    /// Calls per app per minute on the history endpoints (SPEC §4: 10).
    pub history_limiter: RateLimiter,
    pub archives: ArchiveCache,
}

impl EasemobState {
    pub fn new(settings: &EasemobSettings) -> EasemobState {
        EasemobState {
            history_limiter: RateLimiter::new(Quota {
                limit: settings.history_quota,
                window: TimeDelta::minutes(1),
            }),
            archives: ArchiveCache::default(),
        }
    }
}

/// The org and app segments that begin every Easemob path (raw: the names need no escapes).
fn org_app(path: &str) -> (&str, &str) {
    let mut segments = path.trim_start_matches('/').split('/');
    (segments.next().unwrap_or_default(), segments.next().unwrap_or_default())
}

/// The Easemob app called `org/app`, by index.
fn app_index(state: &AppState, org: &str, app: &str) -> Option<usize> {
    state
        .dataset
        .easemob
        .iter()
        .position(|a| a.credentials.org_name == org && a.credentials.app_name == app)
}

/// Unknown routes (404) and wrong methods (405) under an Easemob path, in Easemob's shape:
/// an unknown org/app is the vendor's `organization_application_not_found`, an unknown
/// route of a known app its `service_resource_not_found`.
pub fn unserved(state: &AppState, status: StatusCode, description: String, path: &str) -> Response {
    let (org, app) = org_app(path);
    let error = if status == StatusCode::METHOD_NOT_ALLOWED {
        EmError::MethodNotAllowed(description)
    } else if app_index(state, org, app).is_some() {
        EmError::NoResource(description)
    } else {
        EmError::AppNotFound {
            org: org.to_owned(),
            app: app.to_owned(),
            path: path.trim_start_matches('/').to_owned(),
        }
    };
    error.at(state.clock.now()).into_response()
}
