//! The control API under `/_mock`: the index (also at `/`), health, the OpenAPI document,
//! the demo apps and what exists in their data,
//! the mock clock, fault rules, rate limits, the request journal, and reset. Mock-only
//! verbs live here and nowhere else.
//!
//! [`guard`] stands in front of every control route: the optional bearer token, no
//! foreign `Origin`, and a JSON content type on any body that changes state, so that a
//! web page open in the developer's browser cannot drive the mock (a cross-site JSON
//! request needs a CORS preflight, which the mock never grants).

use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{on, MethodRouter},
    Json, Router,
};
use chrono::{SecondsFormat, TimeDelta};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::json;

use super::{
    control_routes::{is_public, Endpoint, JOURNAL_PARAMS, ROUTES},
    dashboard, index, openapi,
    state::AppState,
};
use crate::{
    control::{
        faults::RuleSpec,
        journal::{self, Filter},
    },
    dataset::{apps::JiguangApp, population::Population, AppData},
    families::{
        jpush,
        shared::{jiguang_error::JiguangError, route},
    },
    kernel::{
        clock::check_range,
        query::{self, QueryParams},
        ratelimit::{RateLimiter, MAX_WINDOW_SECS},
        store::StoreError,
    },
    settings::parse_instant,
};

/// How many ids of each kind `/_mock/apps` lists per app.
const SAMPLE: usize = 10;

/// The control routes, behind [`guard`] (which reads the token from `state`'s settings).
pub fn routes(state: &AppState) -> Router<AppState> {
    ROUTES
        .iter()
        .fold(Router::new(), |router, route| {
            // A path listed twice gets each method added to the same route.
            router.route(route.path, handler(route.endpoint, &route.method))
        })
        .merge(dashboard::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
}

/// The handler of `endpoint`, served with `method` (a `GET` answers `HEAD` too).
fn handler(endpoint: Endpoint, method: &Method) -> MethodRouter<AppState> {
    let filter = route::method_filter(method.clone());
    match endpoint {
        Endpoint::Index => on(filter, index::index),
        Endpoint::Health => on(filter, health),
        Endpoint::OpenApi => on(filter, openapi::serve),
        Endpoint::Apps => on(filter, apps),
        Endpoint::GetClock => on(filter, get_clock),
        Endpoint::SetClock => on(filter, set_clock),
        Endpoint::AdvanceClock => on(filter, advance_clock),
        Endpoint::ListFaults => on(filter, list_faults),
        Endpoint::AddFault => on(filter, add_fault),
        Endpoint::ClearFaults => on(filter, clear_faults),
        Endpoint::DeleteFault => on(filter, delete_fault),
        Endpoint::GetRateLimits => on(filter, get_rate_limits),
        Endpoint::SetRateLimits => on(filter, set_rate_limits),
        Endpoint::ReadJournal => on(filter, read_journal),
        Endpoint::ClearJournal => on(filter, clear_journal),
        Endpoint::CountJournal => on(filter, count_journal),
        Endpoint::Reset => on(filter, reset),
    }
}

/// Refuses a control call that lacks the configured token (401), comes from a foreign
/// web origin (403), or carries a body that is not declared JSON (415). Health and the
/// index stay open so that supervisors can probe a token-protected mock and people find
/// their way, and so do the dashboard's files, so that a person can open it and type the
/// token in; none of them shows a secret.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (method, headers) = (request.method(), request.headers());
    let is_public = is_public(method, request.uri().path());
    if let Some(token) = &state.settings.control_token {
        if !is_public && !bearer(headers).is_some_and(|given| token.matches(given)) {
            let mut refusal = JiguangError::new(
                StatusCode::UNAUTHORIZED,
                401,
                "this mock's control API needs Authorization: Bearer <its --control-token>",
            )
            .into_response();
            refusal
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return refusal;
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        if !origin_allowed(origin, headers.get(header::HOST)) {
            return JiguangError::new(
                StatusCode::FORBIDDEN,
                403,
                "the control API refuses calls from another web origin",
            )
            .into_response();
        }
    }
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && !json_or_no_body(headers) {
        return JiguangError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "control calls that send a body must send it as Content-Type: application/json",
        )
        .into_response();
    }
    next.run(request).await
}

/// The credentials of `Authorization: Bearer <credentials>`, if that is what it holds.
fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme.eq_ignore_ascii_case(b"bearer ").then_some(rest)
}

/// An `Origin` is allowed when it names the host the request was sent to, or a loopback
/// host (a local tool or page); `null` and anything unparsable are foreign.
fn origin_allowed(origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let Some(authority) = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, authority)| authority)
    else {
        return false;
    };
    if host.is_some_and(|host| host.as_bytes().eq_ignore_ascii_case(authority.as_bytes())) {
        return true;
    }
    let name = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A JSON content type, or none on a body-less request (`POST /_mock/reset`, `DELETE`).
/// Any other declared type is refused even without a body: an HTML form always declares
/// one, so this keeps cross-site forms out.
fn json_or_no_body(headers: &HeaderMap) -> bool {
    match headers.get(header::CONTENT_TYPE) {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json")),
        None => {
            let declared_length = headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            declared_length == Some(0)
                || (declared_length.is_none() && !headers.contains_key(header::TRANSFER_ENCODING))
        }
    }
}

async fn list_faults(State(state): State<AppState>) -> Result<Json<serde_json::Value>, JiguangError> {
    let faults = state.list_faults().await.map_err(unavailable)?;
    Ok(Json(json!({ "faults": faults })))
}

async fn add_fault(State(state): State<AppState>, body: Bytes) -> Result<Response, JiguangError> {
    let spec: RuleSpec = parse_body(&body)?;
    let id = state.add_fault(spec).await.map_err(unavailable)?.map_err(bad_request)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn clear_faults(State(state): State<AppState>) -> Result<Json<serde_json::Value>, JiguangError> {
    let deleted = state.clear_faults().await.map_err(unavailable)?;
    Ok(Json(json!({ "deleted": deleted })))
}

async fn delete_fault(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, JiguangError> {
    let id: u64 = id
        .parse()
        .map_err(|_| bad_request(format!("`{id}` is not a fault id")))?;
    if state.remove_fault(id).await.map_err(unavailable)? {
        Ok(Json(json!({ "deleted": 1 })))
    } else {
        Err(JiguangError::new(
            StatusCode::NOT_FOUND,
            404,
            format!("no fault rule {id}"),
        ))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimit {
    limit: Option<u32>,
    window_seconds: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimits {
    jpush: Option<RateLimit>,
    /// Easemob's history endpoints (file links and ql queries).
    easemob: Option<RateLimit>,
}

fn rate_limits_body(state: &AppState) -> Json<RateLimits> {
    let current = |limiter: &RateLimiter| {
        let quota = limiter.quota();
        Some(RateLimit {
            limit: Some(quota.limit),
            window_seconds: Some(quota.window.num_seconds() as u32),
        })
    };
    Json(RateLimits {
        jpush: current(&state.jpush.limiter),
        easemob: current(&state.easemob.history_limiter),
    })
}

async fn get_rate_limits(State(state): State<AppState>) -> Json<RateLimits> {
    rate_limits_body(&state)
}

/// Changes quotas and windows at run time; open windows start over.
async fn set_rate_limits(State(state): State<AppState>, body: Bytes) -> Result<Json<RateLimits>, JiguangError> {
    let RateLimits { jpush, easemob } = parse_body(&body)?;
    // Every value is checked before any is applied: a refusal changes nothing.
    for change in [&jpush, &easemob].into_iter().flatten() {
        if change.limit == Some(0) {
            return Err(bad_request("limit must be at least 1"));
        }
        if change
            .window_seconds
            .is_some_and(|s| !(1..=MAX_WINDOW_SECS).contains(&s))
        {
            return Err(bad_request(format!(
                "window_seconds must be between 1 and {MAX_WINDOW_SECS}"
            )));
        }
    }
    let changed = |limiter: &RateLimiter, change: Option<RateLimit>| {
        change.map(|RateLimit { limit, window_seconds }| {
            let mut quota = limiter.quota();
            if let Some(limit) = limit {
                quota.limit = limit;
            }
            if let Some(seconds) = window_seconds {
                quota.window = TimeDelta::seconds(seconds.into());
            }
            quota
        })
    };
    let jpush = changed(&state.jpush.limiter, jpush);
    let easemob = changed(&state.easemob.history_limiter, easemob);
    state.set_quotas(jpush, easemob).await.map_err(unavailable)?;
    Ok(rate_limits_body(&state))
}

async fn read_journal(State(state): State<AppState>, uri: Uri) -> Result<Json<serde_json::Value>, JiguangError> {
    let (filter, limit) = journal_query(&uri)?;
    let page = state.journal_page(&filter, limit).await.map_err(unavailable)?;
    Ok(Json(json!(page)))
}

async fn count_journal(State(state): State<AppState>, uri: Uri) -> Result<Json<serde_json::Value>, JiguangError> {
    let (filter, _) = journal_query(&uri)?;
    let count = state.journal_count(&filter).await.map_err(unavailable)?;
    Ok(Json(json!({ "count": count })))
}

/// The journal's filters and page size, each checked: anything unknown or invalid is 400.
fn journal_query(uri: &Uri) -> Result<(Filter, usize), JiguangError> {
    let raw = uri.query().unwrap_or_default();
    if let Some(unknown) = query::unknown_names(raw, &JOURNAL_PARAMS).next() {
        let mut shown = unknown.into_owned();
        journal::clip(&mut shown, 64);
        return Err(bad_request(format!(
            "unknown journal filter `{shown}`; the filters are {}",
            JOURNAL_PARAMS.join(", ")
        )));
    }
    let query = QueryParams::parse(raw);
    let family = parsed(&query, "family", |name| {
        serde_json::from_value(json!(name)).map_err(|_| "family must be jpush, jmessage or easemob".to_owned())
    })?;
    let status = parsed(&query, "status", |text| {
        text.parse()
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| "status must be an HTTP status (100 to 599)".to_owned())
    })?;
    let since = parsed(&query, "since", |text| {
        text.parse()
            .map_err(|_| "since must be a seq (a whole number from 0)".to_owned())
    })?
    .unwrap_or(0);
    let limit = parsed(&query, "limit", |text| {
        text.parse()
            .ok()
            .filter(|n| (1..=journal::MAX_PAGE).contains(n))
            .ok_or_else(|| format!("limit must be a whole number from 1 to {}", journal::MAX_PAGE))
    })?
    .unwrap_or(journal::DEFAULT_PAGE);
    let warnings_only = parsed(&query, "warnings", |text| match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("warnings must be true or false".to_owned()),
    })?
    .unwrap_or(false);
    let bounded = |name: &str| {
        parsed(&query, name, |text| {
            (text.len() <= journal::MAX_FIELD_BYTES)
                .then(|| text.to_owned())
                .ok_or_else(|| format!("{name} is at most {} bytes", journal::MAX_FIELD_BYTES))
        })
    };
    let filter = Filter {
        since,
        family,
        path: bounded("path")?,
        status,
        app: bounded("app")?,
        warnings_only,
    };
    Ok((filter, limit))
}

/// Parameter `name`, if given, through `parse`; a refusal names the value given.
fn parsed<T>(
    query: &QueryParams,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, JiguangError> {
    let Some(text) = query.get(name) else {
        return Ok(None);
    };
    parse(text).map(Some).map_err(|message| {
        let mut shown = text.to_owned();
        journal::clip(&mut shown, 64);
        bad_request(format!("{message}, got `{shown}`"))
    })
}

async fn clear_journal(State(state): State<AppState>) -> Result<Json<serde_json::Value>, JiguangError> {
    state.clear_journal().await.map_err(unavailable)?;
    Ok(Json(json!({ "entries": [] })))
}

async fn reset(State(state): State<AppState>) -> Result<Json<serde_json::Value>, JiguangError> {
    state.reset_world().await.map_err(unavailable)?;
    Ok(Json(json!({ "reset": true, "clock": clock_body(&state).0 })))
}

/// Ready (200) or not (503, with the reason): in a fleet, not while its shared store is
/// unreachable, since vendor requests then fail.
async fn health(State(state): State<AppState>) -> Response {
    match state.readiness().await {
        Ok(()) => Json(json!({"status": "ok"})).into_response(),
        Err(err) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not ready", "reason": err.to_string()})),
        )
            .into_response(),
    }
}

#[derive(Serialize)]
struct Samples<'a> {
    usernames: Vec<&'a str>,
    group_ids: Vec<&'a str>,
    chatroom_ids: Vec<&'a str>,
}

impl<'a> Samples<'a> {
    fn of(population: &'a Population) -> Samples<'a> {
        // The most active first, so that the samples have messages on any day.
        Samples {
            usernames: population.sample_users(SAMPLE),
            group_ids: population.sample_groups(SAMPLE),
            chatroom_ids: population.sample_chatrooms(SAMPLE),
        }
    }
}

/// JPush ids that exist in a Jiguang app's data: recent pushes with statistics, and
/// devices.
#[derive(Serialize)]
struct PushSamples<'a> {
    msg_ids: Vec<String>,
    registration_ids: Vec<&'a str>,
}

#[derive(Serialize)]
struct Listed<'a, C> {
    #[serde(flatten)]
    credentials: &'a C,
    #[serde(flatten)]
    samples: Samples<'a>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    push: Option<PushSamples<'a>>,
}

fn listed<C>(app: &AppData<C>) -> Listed<'_, C> {
    Listed {
        credentials: &app.credentials,
        samples: Samples::of(&app.population),
        push: None,
    }
}

fn listed_jiguang(state: &AppState, index: usize) -> Listed<'_, JiguangApp> {
    let stream = state.core.dataset.jiguang_push(index);
    let push = PushSamples {
        msg_ids: jpush::model::recent(&stream, state.core.clock.now(), SAMPLE)
            .iter()
            .map(|p| p.msg_id.to_string())
            .collect(),
        registration_ids: stream
            .devices
            .list
            .iter()
            .take(SAMPLE)
            .map(|d| d.registration_id.as_str())
            .collect(),
    };
    Listed {
        push: Some(push),
        ..listed(&state.core.dataset.jiguang[index])
    }
}

#[derive(Serialize)]
struct AppsBody<'a, J, E> {
    /// JPush/JMessage apps (one credential pair serves both).
    apps: Vec<Listed<'a, J>>,
    easemob: Vec<Listed<'a, E>>,
}

async fn apps(State(state): State<AppState>) -> Response {
    let dataset = &state.core.dataset;
    Json(AppsBody {
        apps: (0..dataset.jiguang.len()).map(|i| listed_jiguang(&state, i)).collect(),
        easemob: dataset.easemob.iter().map(listed).collect(),
    })
    .into_response()
}

fn clock_body(state: &AppState) -> Json<serde_json::Value> {
    let now = state.core.clock.now().with_timezone(&state.core.dataset.timezone);
    Json(json!({
        "now": now.to_rfc3339_opts(SecondsFormat::AutoSi, false),
        "frozen": state.core.clock.is_frozen(),
    }))
}

async fn get_clock(State(state): State<AppState>) -> Json<serde_json::Value> {
    clock_body(&state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetClock {
    now: Option<String>,
    frozen: Option<bool>,
}

async fn set_clock(State(state): State<AppState>, body: Bytes) -> Result<Json<serde_json::Value>, JiguangError> {
    let SetClock { now, frozen } = parse_body(&body)?;
    if now.is_none() && frozen.is_none() {
        return Err(bad_request(
            "send {\"now\": RFC3339, \"frozen\": bool} (either may be omitted, not both)",
        ));
    }
    let now = match now {
        Some(text) => parse_instant(&text).and_then(check_range).map_err(bad_request)?,
        None => state.core.clock.now(),
    };
    let frozen = frozen.unwrap_or(state.core.clock.is_frozen());
    state
        .set_clock(now, frozen)
        .await
        .map_err(unavailable)?
        .map_err(bad_request)?;
    Ok(clock_body(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

async fn advance_clock(State(state): State<AppState>, body: Bytes) -> Result<Json<serde_json::Value>, JiguangError> {
    let Advance { seconds } = parse_body(&body)?;
    let millis = seconds * 1000.0;
    // Far beyond the clock's whole range, yet exactly representable as whole milliseconds;
    // the clock refuses what would leave its range.
    if !millis.is_finite() || millis.abs() > 1e15 {
        return Err(bad_request(
            "seconds must be a finite number, within the clock's range (2000-01-01 to 2100-01-01)",
        ));
    }
    state
        .advance_clock(TimeDelta::milliseconds(millis.round() as i64))
        .await
        .map_err(unavailable)?
        .map_err(bad_request)?;
    Ok(clock_body(&state))
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, JiguangError> {
    serde_json::from_slice(body).map_err(|err| bad_request(format!("invalid JSON body: {err}")))
}

/// The shared state store of a fleet could not be reached: nothing changed.
fn unavailable(err: StoreError) -> JiguangError {
    JiguangError::new(StatusCode::SERVICE_UNAVAILABLE, 503, err.to_string())
}

fn bad_request(message: impl Into<String>) -> JiguangError {
    JiguangError::new(StatusCode::BAD_REQUEST, 400, message)
}
