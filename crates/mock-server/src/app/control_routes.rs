//! The control API's route table: every route under `/_mock` (and the index at `/`), the
//! operation serving it, and which are open without the control token. The router
//! (`super::control_api`) and the OpenAPI document (`super::openapi`) are both built from
//! it, so neither has to know the other.

use axum::http::Method;

use super::dashboard;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/_mock/openapi.json";

/// The control routes open without the control token (and the dashboard's files,
/// [`dashboard::PATHS`]): health, the index, and the OpenAPI document.
const PUBLIC: [&str; 4] = ["/_mock/health", "/_mock", "/", OPENAPI_PATH];

/// The operations of the control API, each served by one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Index,
    Health,
    OpenApi,
    Apps,
    GetClock,
    SetClock,
    AdvanceClock,
    ListFaults,
    AddFault,
    ClearFaults,
    DeleteFault,
    GetRateLimits,
    SetRateLimits,
    ReadJournal,
    ClearJournal,
    CountJournal,
    Reset,
}

/// One control route: its method, its path (axum syntax) and the operation serving it.
#[derive(Debug, Clone)]
pub struct ControlRoute {
    pub method: Method,
    pub path: &'static str,
    pub endpoint: Endpoint,
}

const fn at(method: Method, path: &'static str, endpoint: Endpoint) -> ControlRoute {
    ControlRoute { method, path, endpoint }
}

/// Every control route but the dashboard's files ([`dashboard::ASSETS`]): the router is
/// built from this table (`super::control_api`), and so is the OpenAPI document
/// (`super::openapi`).
pub const ROUTES: &[ControlRoute] = &[
    at(Method::GET, "/", Endpoint::Index),
    at(Method::GET, "/_mock", Endpoint::Index),
    at(Method::GET, "/_mock/health", Endpoint::Health),
    at(Method::GET, OPENAPI_PATH, Endpoint::OpenApi),
    at(Method::GET, "/_mock/apps", Endpoint::Apps),
    at(Method::GET, "/_mock/clock", Endpoint::GetClock),
    at(Method::PUT, "/_mock/clock", Endpoint::SetClock),
    at(Method::POST, "/_mock/clock/advance", Endpoint::AdvanceClock),
    at(Method::GET, "/_mock/faults", Endpoint::ListFaults),
    at(Method::POST, "/_mock/faults", Endpoint::AddFault),
    at(Method::DELETE, "/_mock/faults", Endpoint::ClearFaults),
    at(Method::DELETE, "/_mock/faults/{id}", Endpoint::DeleteFault),
    at(Method::GET, "/_mock/rate-limits", Endpoint::GetRateLimits),
    at(Method::PUT, "/_mock/rate-limits", Endpoint::SetRateLimits),
    at(Method::GET, "/_mock/journal", Endpoint::ReadJournal),
    at(Method::DELETE, "/_mock/journal", Endpoint::ClearJournal),
    at(Method::GET, "/_mock/journal/count", Endpoint::CountJournal),
    at(Method::POST, "/_mock/reset", Endpoint::Reset),
];

/// Whether a call of `method` on `path` is open without the control token (a `HEAD` is
/// a `GET` without its body).
pub fn is_public(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD) && (PUBLIC.contains(&path) || dashboard::PATHS.contains(&path))
}

/// The query parameters `GET /_mock/journal` and `/_mock/journal/count` take.
pub const JOURNAL_PARAMS: [&str; 7] = ["family", "status", "path", "app", "warnings", "since", "limit"];
