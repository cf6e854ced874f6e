//! JPush Report API v3 (docs/SPEC.md §1), under `/v3` and the Beijing host's alias
//! `/v3/report`. A request goes router → [`extract`] (Basic auth, the app's rate-limit
//! window, `X-Rate-Limit-*` headers) → handler: [`params`] → [`rules`] (VIP, retention)
//! → [`model`] (statuses, activity) → [`cache`] → [`wire`] (the vendor's JSON).

pub mod cache;
mod errors;
mod extract;
mod handlers;
pub mod model;
mod params;
pub mod rules;
mod wire;

use std::sync::Arc;

use axum::{
    extract::FromRef,
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
    routing::{on, MethodRouter},
    Router,
};

use self::cache::JpushCache;
pub use self::errors::JpError;
pub use self::extract::gate;
use super::shared::{
    context::Core,
    route::{self, Route},
};
use crate::kernel::{
    ratelimit::{Decision, Quota, RateLimiter},
    store::SharedWindows,
};

/// The endpoints of the family, each served by one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Received,
    ReceivedDetail,
    StatusMessage,
    Messages,
    MessagesDetail,
    Users,
}

/// Every route of the main host; the Beijing host serves each under [`BEIJING_ALIAS`] too.
pub const ROUTES: &[Route<Endpoint>] = &[
    Route::new(Endpoint::Received, "/v3/received", &["msg_ids"]),
    Route::new(Endpoint::ReceivedDetail, "/v3/received/detail", &["msg_ids"]),
    Route::new(Endpoint::StatusMessage, "/v3/status/message", &[]),
    Route::new(Endpoint::Messages, "/v3/messages", &["msg_ids"]),
    Route::new(Endpoint::MessagesDetail, "/v3/messages/detail", &["msg_ids"]),
    Route::new(Endpoint::Users, "/v3/users", &["time_unit", "start", "duration"]),
];

/// An injected fault's order to `status/message`: answer status 4 (system error) for
/// `share` of the ids, the same ids for the same rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SystemErrors {
    pub share: f64,
    pub rule: u64,
}

/// `https://bjapi.push.jiguang.cn/v3/report/...` serves the same API as
/// `https://report.jpush.cn/v3/...`.
pub const BEIJING_ALIAS: &str = "/v3/report";
pub const MAIN_ROOT: &str = "/v3";

/// What the family's handlers take: the core and JPush's own state.
#[derive(Clone)]
pub struct Context {
    pub core: Arc<Core>,
    pub jpush: Arc<JpushState>,
}

/// The name of JPush's rate-limit windows in a fleet's shared store.
pub const SHARED_WINDOWS: &str = "jpush";

/// What JPush keeps between requests: rate-limit windows, and memoised answers.
#[derive(Debug)]
pub struct JpushState {
    /// The windows in one process; in a fleet, only the quota (a copy of the shared one).
    pub limiter: RateLimiter,
    /// In a fleet, the windows every replica counts against.
    pub shared: Option<SharedWindows>,
    pub cache: JpushCache,
    /// The API served: the documented one, or today's.
    pub schema: rules::Schema,
}

impl JpushState {
    pub fn new(quota: Quota, schema: rules::Schema) -> JpushState {
        JpushState {
            limiter: RateLimiter::new(quota),
            shared: None,
            cache: JpushCache::default(),
            schema,
        }
    }

    /// Counts against the fleet's shared windows instead of this process's.
    pub fn with_shared(mut self, shared: SharedWindows) -> JpushState {
        self.shared = Some(shared);
        self
    }

    /// Back to `quota` with every window closed (`POST /_mock/reset`).
    pub fn reset(&self, quota: Quota) {
        self.limiter.reset();
        self.limiter.set_quota(quota);
    }
}

/// The family's router, every route under both hosts' paths. The front service puts
/// [`extract::gate`] in front of it.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Context: FromRef<S>,
{
    let mut router = Router::new();
    for route in ROUTES {
        let alias = route.path.replacen(MAIN_ROOT, BEIJING_ALIAS, 1);
        router = router
            .route(route.path, handler(route.endpoint))
            .route(&alias, handler(route.endpoint));
    }
    router
}

fn handler<S>(endpoint: Endpoint) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Context: FromRef<S>,
{
    let filter = route::method_filter(method_of(endpoint));
    match endpoint {
        Endpoint::Received => on(filter, handlers::received),
        Endpoint::ReceivedDetail => on(filter, handlers::received_detail),
        Endpoint::StatusMessage => on(filter, handlers::status_message),
        Endpoint::Messages => on(filter, handlers::messages),
        Endpoint::MessagesDetail => on(filter, handlers::messages_detail),
        Endpoint::Users => on(filter, handlers::users),
    }
}

/// The method an endpoint is served with (`GET` ones answer `HEAD` too, as axum does).
pub fn method_of(endpoint: Endpoint) -> Method {
    match endpoint {
        Endpoint::StatusMessage => Method::POST,
        _ => Method::GET,
    }
}

/// Whether a request reaches [`extract::gate`] (a route of the family, with its method),
/// which counts an authenticated request against the app's window: the front service
/// gates exactly these, and a fleet counts them in the same call that decides their
/// fault (the gate takes that count).
pub fn reaches_gate(method: &Method, path: &str) -> bool {
    let Some(rest) = path
        .strip_prefix(BEIJING_ALIAS)
        .or_else(|| path.strip_prefix(MAIN_ROOT))
    else {
        return false;
    };
    ROUTES
        .iter()
        .find(|r| r.path.strip_prefix(MAIN_ROOT) == Some(rest))
        .is_some_and(|r| {
            let served = method_of(r.endpoint);
            *method == served || (served == Method::GET && *method == Method::HEAD)
        })
}

/// The documented query parameters of the route serving `path`, under either host's path.
pub fn documented_params(path: &str) -> Option<&'static [&'static str]> {
    let rest = path
        .strip_prefix(BEIJING_ALIAS)
        .or_else(|| path.strip_prefix(MAIN_ROOT))?;
    ROUTES
        .iter()
        .find(|r| r.path.strip_prefix(MAIN_ROOT) == Some(rest))
        .map(|r| r.params)
}

/// An injected failure in JPush's shape: 429 is code 2002 with an exhausted window's
/// rate-limit headers; 500 and 503 are code 10.
pub fn fault_response(context: &Context, status: StatusCode) -> Response {
    if status != StatusCode::TOO_MANY_REQUESTS {
        return JpError::Internal { status }.into_response();
    }
    let quota = context.jpush.limiter.quota();
    let mut response = JpError::RateLimited {
        limit: quota.limit,
        schema: context.jpush.schema,
    }
    .into_response();
    let exhausted = Decision {
        allowed: false,
        limit: quota.limit,
        remaining: 0,
        reset_secs: quota.window.num_seconds().max(1),
    };
    extract::rate_limit_headers(response.headers_mut(), exhausted);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_is_reached_by_each_route_with_its_method_under_both_hosts() {
        for (method, path, reached) in [
            (Method::GET, "/v3/received", true),
            (Method::HEAD, "/v3/report/received", true),
            (Method::POST, "/v3/status/message", true),
            (Method::GET, "/v3/status/message", false),
            (Method::POST, "/v3/received", false),
            (Method::GET, "/v3/received/", false),
            (Method::GET, "/v3/nowhere", false),
            (Method::GET, "/v2/messages", false),
        ] {
            assert_eq!(reaches_gate(&method, path), reached, "{method} {path}");
        }
    }
}
