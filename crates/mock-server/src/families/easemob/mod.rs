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

use std::sync::atomic::{AtomicU64, Ordering};

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
    pages::PageMemo,
    ratelimit::{Quota, RateLimiter},
    settings::EasemobSettings,
    state::AppState,
};

/// Where the signed download links of hourly files point (under the app, like every route).
const DOWNLOAD_SEGMENT: &str = "history";
/// How every route template of the family begins.
pub const ROUTE_PREFIX: &str = "/{org}/{app}/";

/// The query parameters each route documents (the journal warns about others).
pub const DOCUMENTED_PARAMS: &[(&str, &[&str])] = &[
    ("/{org}/{app}/token", &[]),
    ("/{org}/{app}/chatmessages", &["ql", "limit", "cursor"]),
    ("/{org}/{app}/chatmessages/{time}", &[]),
    ("/{org}/{app}/history/{file}", &["Expires", "Signature"]),
];

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
    /// Rendered ql pages and query totals.
    pub pages: PageMemo,
    /// Tokens of earlier epochs are void; each reset starts a new one.
    token_epoch: AtomicU64,
}

impl EasemobState {
    pub fn new(settings: &EasemobSettings) -> EasemobState {
        EasemobState {
            history_limiter: RateLimiter::new(history_quota(settings)),
            archives: ArchiveCache::default(),
            pages: PageMemo::default(),
            token_epoch: AtomicU64::new(0),
        }
    }

    /// Back to the startup quota, every window closed (`POST /_mock/reset`). The file
    /// cache stays: its content is a pure function of the seed.
    pub fn reset(&self, settings: &EasemobSettings) {
        self.history_limiter.set_quota(history_quota(settings));
        self.history_limiter.reset();
        self.token_epoch.fetch_add(1, Ordering::Relaxed);
    }

    pub fn token_epoch(&self) -> u64 {
        self.token_epoch.load(Ordering::Relaxed)
    }
}

fn history_quota(settings: &EasemobSettings) -> Quota {
    Quota {
        limit: settings.history_quota,
        window: TimeDelta::minutes(1),
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

/// An injected failure (SPEC §5) in Easemob's shape: 429 `reach_limit` (retry after a
/// whole window), 503 `service_unavailable`, any other status `internal_server_error`.
pub fn fault_response(state: &AppState, status: StatusCode) -> Response {
    let error = match status {
        StatusCode::TOO_MANY_REQUESTS => EmError::ReachLimit {
            retry_after_secs: state.easemob.history_limiter.quota().window.num_seconds(),
        },
        StatusCode::SERVICE_UNAVAILABLE => EmError::Unavailable,
        status => EmError::Internal {
            status,
            description: "Internal server error".to_owned(),
        },
    };
    error.at(state.clock.now()).into_response()
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
