//! JMessage Report V1 (`/v1`, offsets) and V2 (`/v2`, cursors): message history
//! (SPEC §2, §3), and the V2 statistics ([`statistics`]). A request goes router → [`extract`] (auth, path) → [`params`] →
//! [`model`] (which heads, which page) → [`wire`] (the vendor's JSON).

mod errors;
mod extract;
mod handlers;
mod model;
mod params;
mod statistics;
mod wire;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use bytes::Bytes;

pub use self::errors::JmError;
use self::statistics::StatKey;
use crate::{
    dataset::chat_stats::ChatAggregate,
    memo::{Memo, DEFAULT_CAPACITY},
    pages::PageMemo,
    state::AppState,
};

/// Bytes of whole statistics answers kept.
const STATISTICS_BYTES: usize = 4 << 20;

/// What JMessage keeps between requests: memoised values that are pure functions of the
/// data (so never stale), bounded.
#[derive(Debug)]
pub struct JmessageState {
    /// Rendered history pages and query totals.
    pub pages: PageMemo,
    /// Chat aggregates for the statistics, by (app slot, window first ms, window last ms).
    pub aggregates: Memo<(u64, i64, i64), ChatAggregate>,
    /// Whole statistics answers, by what determines them.
    pub statistics: Memo<StatKey, Bytes>,
}

impl Default for JmessageState {
    fn default() -> JmessageState {
        JmessageState {
            pages: PageMemo::default(),
            aggregates: Memo::new(DEFAULT_CAPACITY),
            statistics: Memo::with_byte_budget(DEFAULT_CAPACITY, STATISTICS_BYTES, Bytes::len),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/messages", get(handlers::v2_messages))
        .route("/v2/users/{username}/messages", get(handlers::v2_user_messages))
        .route("/v2/groups/{gid}/messages", get(handlers::v2_group_messages))
        .route(
            "/v2/chatrooms/{chatroom_id}/messages",
            get(handlers::v2_chatroom_messages),
        )
        .route("/v2/statistic/users", get(statistics::users))
        .route("/v2/statistic/messages", get(statistics::messages))
        .route("/v2/statistic/groups", get(statistics::groups))
        .route("/v1/messages", get(handlers::v1_messages))
        .route("/v1/users/{username}/messages", get(handlers::v1_user_messages))
}

const HISTORY_V2: &[&str] = &["count", "begin_time", "end_time", "cursor"];
const HISTORY_V1: &[&str] = &["start", "count", "begin_time", "end_time"];
const STATISTICS: &[&str] = &["time_unit", "start", "duration"];

/// The documented query parameters of each route (for the journal's warnings).
pub const DOCUMENTED_PARAMS: &[(&str, &[&str])] = &[
    ("/v2/messages", HISTORY_V2),
    ("/v2/users/{username}/messages", HISTORY_V2),
    ("/v2/groups/{gid}/messages", HISTORY_V2),
    ("/v2/chatrooms/{chatroom_id}/messages", HISTORY_V2),
    ("/v2/statistic/users", STATISTICS),
    ("/v2/statistic/messages", STATISTICS),
    ("/v2/statistic/groups", STATISTICS),
    ("/v1/messages", HISTORY_V1),
    ("/v1/users/{username}/messages", HISTORY_V1),
];

/// An injected failure in JMessage's shape: 429 and 503 are 899030 (server busy), 500 is
/// 899000.
pub fn fault_response(status: StatusCode) -> Response {
    match status {
        StatusCode::INTERNAL_SERVER_ERROR => JmError::Internal.into_response(),
        status => JmError::ServerBusy { status }.into_response(),
    }
}
