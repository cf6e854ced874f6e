//! JPush Report API v3 (SPEC §1), under `/v3` and the Beijing alias `/v3/report`.
//! A request goes router → [`gate`] (Basic auth, per-app rate limit, `X-Rate-Limit-*`
//! headers) → handler: VIP check → [`params`] → dataset (`dataset::push`) → [`wire`].

mod errors;
mod gate;
pub(crate) mod handlers;
mod params;
mod wire;

use axum::{
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};

use bytes::Bytes;

pub use self::errors::JpError;
use self::handlers::{Answer, ItemKind};
use crate::{
    dataset::push::{PlatformActivity, Push},
    memo::{Memo, DEFAULT_CAPACITY},
    ratelimit::{Decision, RateLimiter},
    settings::Settings,
    state::AppState,
};

/// Bytes of whole per-msg_id answers kept.
const ANSWER_BYTES: usize = 8 << 20;

/// What JPush keeps between requests: rate-limit windows, and memoised values that are
/// pure functions of the data (so never stale).
#[derive(Debug)]
pub struct JpushState {
    pub limiter: RateLimiter,
    /// A requested msg_id's push and its item's JSON (`None`: not this app's), by
    /// (app slot, msg_id, endpoint).
    pub items: Memo<(u64, u64, ItemKind), Option<(Push, Bytes)>>,
    /// Device activity, by (app slot, period start ms, counted-until ms, hourly).
    pub activity: Memo<(u64, i64, i64, bool), PlatformActivity>,
    /// Whole per-msg_id answers, by (app slot, endpoint, `msg_ids` as sent).
    pub answers: Memo<(u64, ItemKind, String), Answer>,
}

impl JpushState {
    pub fn new(settings: &Settings) -> JpushState {
        JpushState {
            limiter: RateLimiter::new(settings.jpush_quota()),
            items: Memo::new(DEFAULT_CAPACITY),
            activity: Memo::new(DEFAULT_CAPACITY),
            answers: Memo::with_byte_budget(DEFAULT_CAPACITY, ANSWER_BYTES, Answer::weight),
        }
    }

    /// Back to the startup quota with every window closed (`POST /_mock/reset`).
    pub fn reset(&self, settings: &Settings) {
        self.limiter.reset();
        self.limiter.set_quota(settings.jpush_quota());
    }
}

/// The prefixes JPush is served under: the main host's and the Beijing host's.
pub const PREFIXES: [&str; 2] = ["/v3", "/v3/report"];

pub fn routes(state: AppState) -> Router<AppState> {
    let mut router = Router::new();
    for prefix in PREFIXES {
        router = router
            .route(&format!("{prefix}/received"), get(handlers::received))
            .route(&format!("{prefix}/received/detail"), get(handlers::received_detail))
            .route(&format!("{prefix}/status/message"), post(handlers::status_message))
            .route(&format!("{prefix}/messages"), get(handlers::messages))
            .route(&format!("{prefix}/messages/detail"), get(handlers::messages_detail))
            .route(&format!("{prefix}/users"), get(handlers::users));
    }
    router.route_layer(middleware::from_fn_with_state(state, gate::gate))
}

/// The documented query parameters of each route (for the journal's warnings).
pub const DOCUMENTED_PARAMS: &[(&str, &[&str])] = &[
    ("/received", &["msg_ids"]),
    ("/received/detail", &["msg_ids"]),
    ("/status/message", &[]),
    ("/messages", &["msg_ids"]),
    ("/messages/detail", &["msg_ids"]),
    ("/users", &["time_unit", "start", "duration"]),
];

/// An injected failure in JPush's shape: 429 is code 2002 with an exhausted window's
/// rate-limit headers; 500 and 503 are code 10.
pub fn fault_response(state: &AppState, status: StatusCode) -> Response {
    if status != StatusCode::TOO_MANY_REQUESTS {
        return JpError::Internal { status }.into_response();
    }
    let quota = state.jpush.limiter.quota();
    let mut response = JpError::RateLimited { limit: quota.limit }.into_response();
    let exhausted = Decision {
        allowed: false,
        limit: quota.limit,
        remaining: 0,
        reset_secs: quota.window.num_seconds().max(1),
    };
    gate::rate_limit_headers(response.headers_mut(), exhausted);
    response
}
