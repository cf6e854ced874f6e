//! JMessage Report V1 (`/v1`, offsets) and V2 (`/v2`, cursors): message history
//! (docs/SPEC.md §2, §3), and the V2 statistics ([`statistics`]). A request goes router →
//! [`extract`] (Basic auth, path, query) → [`params`] → [`rules`] → [`model`] (which
//! messages, which page) → [`cache`] → [`wire`] (the vendor's JSON).

pub mod cache;
mod errors;
mod extract;
mod handlers;
mod model;
mod params;
pub mod rules;
mod statistics;
mod wire;

use std::sync::Arc;

use axum::{
    extract::{FromRef, Request},
    http::{Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{on, MethodRouter},
    Router,
};

use self::cache::JmessageCache;
pub use self::errors::JmError;
use super::shared::{
    context::Core,
    route::{self, Route},
    warning,
};
use crate::kernel::query::QueryParams;

/// The endpoints of the family, each served by one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    V2Messages,
    V2UserMessages,
    V2GroupMessages,
    V2ChatroomMessages,
    StatisticUsers,
    StatisticMessages,
    StatisticGroups,
    V1Messages,
    V1UserMessages,
}

const HISTORY_V2: &[&str] = &["count", "begin_time", "end_time", "cursor"];
const HISTORY_V1: &[&str] = &["start", "count", "begin_time", "end_time"];
const STATISTICS: &[&str] = &["time_unit", "start", "duration"];

/// Every route of the family.
pub const ROUTES: &[Route<Endpoint>] = &[
    Route::new(Endpoint::V2Messages, "/v2/messages", HISTORY_V2),
    Route::new(Endpoint::V2UserMessages, "/v2/users/{username}/messages", HISTORY_V2),
    Route::new(Endpoint::V2GroupMessages, "/v2/groups/{gid}/messages", HISTORY_V2),
    Route::new(
        Endpoint::V2ChatroomMessages,
        "/v2/chatrooms/{chatroom_id}/messages",
        HISTORY_V2,
    ),
    Route::new(Endpoint::StatisticUsers, "/v2/statistic/users", STATISTICS),
    Route::new(Endpoint::StatisticMessages, "/v2/statistic/messages", STATISTICS),
    Route::new(Endpoint::StatisticGroups, "/v2/statistic/groups", STATISTICS),
    Route::new(Endpoint::V1Messages, "/v1/messages", HISTORY_V1),
    Route::new(Endpoint::V1UserMessages, "/v1/users/{username}/messages", HISTORY_V1),
];

/// What the family's handlers take: the core and JMessage's own state.
#[derive(Clone)]
pub struct Context {
    pub core: Arc<Core>,
    pub jmessage: Arc<JmessageState>,
}

/// What JMessage keeps between requests: memoised values that are pure functions of the
/// data (so never stale), bounded.
#[derive(Debug, Default)]
pub struct JmessageState {
    pub cache: JmessageCache,
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Context: FromRef<S>,
{
    route::router(ROUTES, |endpoint| {
        let handler = handler(endpoint);
        match endpoint {
            Endpoint::V2Messages
            | Endpoint::V2UserMessages
            | Endpoint::V2GroupMessages
            | Endpoint::V2ChatroomMessages => handler.layer(middleware::from_fn(warn_of_parameters_beside_a_cursor)),
            _ => handler,
        }
    })
}

/// V2 history: a later page that sends `count`, `begin_time` or `end_time` beside its
/// cursor is answered from the cursor, with a warning in the journal.
async fn warn_of_parameters_beside_a_cursor(request: Request, next: Next) -> Response {
    let beside = params::sent_with_cursor(&QueryParams::from_uri(request.uri()));
    let mut response = next.run(request).await;
    if !beside.is_empty() {
        let message = format!(
            "{} sent together with cursor: later pages send the cursor alone",
            beside.join(", ")
        );
        warning::warn(&mut response, message);
    }
    response
}

fn handler<S>(endpoint: Endpoint) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Context: FromRef<S>,
{
    let filter = route::method_filter(method_of(endpoint));
    match endpoint {
        Endpoint::V2Messages => on(filter, handlers::v2_messages),
        Endpoint::V2UserMessages => on(filter, handlers::v2_user_messages),
        Endpoint::V2GroupMessages => on(filter, handlers::v2_group_messages),
        Endpoint::V2ChatroomMessages => on(filter, handlers::v2_chatroom_messages),
        Endpoint::StatisticUsers => on(filter, statistics::users),
        Endpoint::StatisticMessages => on(filter, statistics::messages),
        Endpoint::StatisticGroups => on(filter, statistics::groups),
        Endpoint::V1Messages => on(filter, handlers::v1_messages),
        Endpoint::V1UserMessages => on(filter, handlers::v1_user_messages),
    }
}

/// The method an endpoint is served with: every JMessage report is a `GET` (which
/// answers `HEAD` too).
pub fn method_of(_: Endpoint) -> Method {
    Method::GET
}

/// An injected failure in JMessage's shape: 429 and 503 are 899030 (server busy), 500 is
/// 899000.
pub fn fault_response(status: StatusCode) -> Response {
    match status {
        StatusCode::INTERNAL_SERVER_ERROR => JmError::Internal.into_response(),
        status => JmError::ServerBusy { status }.into_response(),
    }
}
