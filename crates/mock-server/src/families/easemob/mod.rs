//! Easemob (环信) chat-history export under `/{org_name}/{app_name}` (docs/SPEC.md §4):
//! bearer tokens, hourly gzip files behind signed download links, and the legacy ql query.
//!
//! A request goes router → [`extract`] (app, bearer token) → the handler's throttle and
//! [`params`]/[`ql`] → [`rules`] → [`model`] (which hour, which page, when) → [`cache`] →
//! [`wire`] (the vendor's JSON) or [`archive`] (the gzip file). [`credentials`] signs and
//! checks tokens and links; [`errors`] renders every refusal in the vendor's shape.

mod archive;
pub mod cache;
mod credentials;
mod errors;
mod extract;
mod handlers;
mod model;
mod params;
mod ql;
pub mod rules;
mod wire;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use axum::{
    extract::FromRef,
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
    routing::{on, MethodRouter},
    Router,
};

pub use self::errors::{EmError, Stamped};
use self::{cache::EasemobCache, rules::EasemobSettings};
use super::shared::{
    context::Core,
    route::{self, Route},
};
use crate::{
    dataset::Dataset,
    kernel::{
        ratelimit::{Quota, RateLimiter},
        store::SharedWindows,
    },
};

/// The endpoints of the family, each served by one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    QlMessages,
    FileLink,
    Download,
}

/// Where the signed download links of hourly files point (under the app, like every route).
const DOWNLOAD_SEGMENT: &str = "history";

/// Every route of the family. Each begins with the two free segments `{org}/{app}`.
pub const ROUTES: &[Route<Endpoint>] = &[
    Route::new(Endpoint::Token, "/{org}/{app}/token", &[]),
    Route::new(
        Endpoint::QlMessages,
        "/{org}/{app}/chatmessages",
        &["ql", "limit", "cursor"],
    ),
    Route::new(Endpoint::FileLink, "/{org}/{app}/chatmessages/{time}", &[]),
    Route::new(
        Endpoint::Download,
        "/{org}/{app}/history/{file}",
        &["Expires", "Signature"],
    ),
];

/// What the family's handlers take: the core and Easemob's own state.
#[derive(Clone)]
pub struct Context {
    pub core: Arc<Core>,
    pub easemob: Arc<EasemobState>,
}

/// The name of Easemob's history rate-limit windows in a fleet's shared store.
pub const SHARED_WINDOWS: &str = "easemob";

/// What the family keeps between requests: its rules, the history rate limit's windows,
/// the token epoch and its caches. None grows with the dataset.
#[derive(Debug)]
pub struct EasemobState {
    pub settings: EasemobSettings,
    /// The address links point at when a request carries no Host header.
    pub listen_addr: SocketAddr,
    /// Calls per app per window on the history endpoints (in a fleet, only the quota).
    pub history_limiter: RateLimiter,
    /// In a fleet, the history windows every replica counts against.
    pub shared: Option<SharedWindows>,
    pub cache: EasemobCache,
    /// Tokens of earlier epochs are void; each reset starts a new one.
    token_epoch: AtomicU64,
}

impl EasemobState {
    pub fn new(settings: EasemobSettings, listen_addr: SocketAddr) -> EasemobState {
        EasemobState {
            settings,
            listen_addr,
            history_limiter: RateLimiter::new(history_quota(&settings)),
            shared: None,
            cache: EasemobCache::default(),
            token_epoch: AtomicU64::new(0),
        }
    }

    /// Back to the startup quota, every window closed (`POST /_mock/reset`). The caches
    /// stay: their content is a pure function of the seed.
    pub fn reset(&self) {
        self.history_limiter.set_quota(history_quota(&self.settings));
        self.history_limiter.reset();
        self.token_epoch.fetch_add(1, Ordering::Relaxed);
    }

    pub fn token_epoch(&self) -> u64 {
        self.token_epoch.load(Ordering::Relaxed)
    }

    /// Takes on a fleet's token epoch (kept in its shared store).
    pub fn adopt_token_epoch(&self, epoch: u64) {
        self.token_epoch.store(epoch, Ordering::Relaxed);
    }

    /// Counts history calls against the fleet's shared windows instead of this process's.
    pub fn with_shared(mut self, shared: SharedWindows) -> EasemobState {
        self.shared = Some(shared);
        self
    }
}

fn history_quota(settings: &EasemobSettings) -> Quota {
    Quota {
        limit: settings.history_quota,
        window: rules::HISTORY_WINDOW,
    }
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Context: FromRef<S>,
{
    route::router(ROUTES, handler)
}

fn handler<S>(endpoint: Endpoint) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Context: FromRef<S>,
{
    let filter = route::method_filter(method_of(endpoint));
    match endpoint {
        Endpoint::Token => on(filter, handlers::token),
        Endpoint::QlMessages => on(filter, handlers::ql_messages),
        Endpoint::FileLink => on(filter, handlers::file_link),
        Endpoint::Download => on(filter, handlers::download),
    }
}

/// The method an endpoint is served with (`GET` ones answer `HEAD` too).
pub fn method_of(endpoint: Endpoint) -> Method {
    match endpoint {
        Endpoint::Token => Method::POST,
        Endpoint::QlMessages | Endpoint::FileLink | Endpoint::Download => Method::GET,
    }
}

/// The org and app segments that begin every Easemob path (raw: the names need no escapes).
pub fn org_app(path: &str) -> (&str, &str) {
    let mut segments = path.trim_start_matches('/').split('/');
    (segments.next().unwrap_or_default(), segments.next().unwrap_or_default())
}

/// The Easemob app called `org/app`, by index.
pub fn app_index(dataset: &Dataset, org: &str, app: &str) -> Option<usize> {
    dataset
        .easemob
        .iter()
        .position(|a| a.credentials.org_name == org && a.credentials.app_name == app)
}

/// An injected failure (docs/SPEC.md §5) in Easemob's shape: 429 `reach_limit` (retry
/// after a whole window), 503 `service_unavailable`, any other status
/// `internal_server_error`.
pub fn fault_response(cx: &Context, status: StatusCode) -> Response {
    let error = match status {
        StatusCode::TOO_MANY_REQUESTS => EmError::ReachLimit {
            retry_after_secs: cx.easemob.history_limiter.quota().window.num_seconds(),
        },
        StatusCode::SERVICE_UNAVAILABLE => EmError::Unavailable,
        status => EmError::Internal {
            status,
            description: "Internal server error".to_owned(),
        },
    };
    error.at(cx.core.clock.now()).into_response()
}

/// Unknown routes (404) and wrong methods (405) under an Easemob path, in Easemob's shape:
/// an unknown org/app is the vendor's `organization_application_not_found`, an unknown
/// route of a known app its `service_resource_not_found`.
pub fn unserved(cx: &Context, status: StatusCode, description: String, path: &str) -> Response {
    let (org, app) = org_app(path);
    let error = if status == StatusCode::METHOD_NOT_ALLOWED {
        EmError::MethodNotAllowed(description)
    } else if app_index(&cx.core.dataset, org, app).is_some() {
        EmError::NoResource(description)
    } else {
        app_not_found(org, app, path)
    };
    error.at(cx.core.clock.now()).into_response()
}

fn app_not_found(org: &str, app: &str, path: &str) -> EmError {
    EmError::AppNotFound {
        org: org.to_owned(),
        app: app.to_owned(),
        path: path.trim_start_matches('/').to_owned(),
    }
}
