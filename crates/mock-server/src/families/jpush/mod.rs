//! JPush Report API v3 (SPEC §1), under `/v3` and the Beijing alias `/v3/report`.
//! A request goes router → [`gate`] (Basic auth, per-app rate limit, `X-Rate-Limit-*`
//! headers) → handler: VIP check → [`params`] → dataset (`dataset::push`) → [`wire`].

mod errors;
mod gate;
pub(crate) mod handlers;
mod params;
mod wire;

use axum::{
    middleware,
    routing::{get, post},
    Router,
};

pub use self::errors::JpError;
use crate::state::AppState;

/// The prefixes JPush is served under: the main host's and the Beijing host's.
const PREFIXES: [&str; 2] = ["/v3", "/v3/report"];

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
