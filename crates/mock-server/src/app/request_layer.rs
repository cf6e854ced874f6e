//! The outer request layer, what every vendor request passes through first: which family
//! it belongs to (handed down in its extensions), fault injection (status, delay, drop,
//! truncate), the request journal with its contract warnings, and the request log line
//! ([`super::request_log`]). Control requests (`/_mock`) are logged but otherwise pass
//! untouched, so a fault can never lock a user out of the control API.

use std::{
    borrow::Cow,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Instant,
};

use axum::{
    body::{Body, Bytes},
    extract::{FromRef, Request},
    http::{header, header::AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};

use super::{connection::ConnectionHandle, listener::RAW_SPACE_HEADER, request_log::RequestLog, state::AppState};
use crate::{
    control::{
        faults::{delay_ms, Applied, Effect, FamilyName, RequestFacts},
        journal::{Draft, Outcome},
    },
    families::{
        self, easemob, jmessage, jpush,
        shared::{
            basic_auth::{basic_auth, BasicAuth},
            jiguang_error::JiguangError,
            warning::ContractWarnings,
        },
        Family,
    },
    kernel::{basic::basic_credentials, query},
};

/// How long a truncated body pauses between its half and its failure.
const TRUNCATION_FLUSH: std::time::Duration = std::time::Duration::from_millis(50);

/// The largest body a truncation fault buffers before cutting it.
const MAX_TRUNCATED_BODY: usize = 64 << 20;

/// Passes `request` of `family` to `inner` (the router), or answers it with the fault
/// that applies; journals and logs the exchange. `connection` is the one it arrived on.
pub async fn request_layer(
    state: &AppState,
    connection: &ConnectionHandle,
    family: Family,
    mut request: Request,
    inner: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    request.extensions_mut().insert(family);
    let log = RequestLog::start(&request, family);
    let Some(family_name) = FamilyName::of(family) else {
        let is_health = request.uri().path() == "/_mock/health";
        let response = match control_sync(state, is_health).await {
            Some(refusal) => refusal,
            None => inner(request).await,
        };
        if let Some(log) = log {
            log.finish(response.status(), None, None);
        }
        return response;
    };
    let started = Instant::now();
    let (app, auth) = known_app(state, family, &request);
    let app = app.as_deref();
    let (now, fault) = if state.fleet.is_none() {
        let now = state.core.clock.now();
        let facts = RequestFacts {
            family: Some(family_name),
            method: request.method().as_str(),
            path: request.uri().path(),
            app_key: app,
        };
        (now, state.faults.decide(facts, now))
    } else {
        match shared_decision(state, &mut request, family, family_name, app).await {
            Ok(decided) => decided,
            Err(refusal) => {
                if let Some(log) = log {
                    log.finish(refusal.status(), app, None);
                }
                return refusal;
            }
        }
    };
    let journal = state
        .journal
        .is_enabled()
        .then(|| RequestRecord::of(&mut request, family, auth));
    let mut response = match fault.map(|f| (f, f.effect)) {
        None => inner(request).await,
        Some((_, Effect::Status { status })) => {
            let status = StatusCode::from_u16(status).expect("checked when the rule was added");
            fault_response(state, family, status)
        }
        Some((applied, Effect::Delay { delay_ms: delay })) => {
            let ms = delay_ms(delay, state.settings.seed, applied.rule, applied.nth);
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            inner(request).await
        }
        Some((_, Effect::Drop { .. })) => {
            connection.drop_connection();
            // Never written: the connection fails before hyper can send it.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Some((_, Effect::Truncate { .. })) => truncate(inner(request).await).await,
        Some((applied, Effect::SystemError { system_error })) => {
            request.extensions_mut().insert(jpush::SystemErrors {
                share: system_error,
                rule: applied.rule,
            });
            inner(request).await
        }
    };

    if let Some(log) = log {
        log.finish(response.status(), app, fault.map(|f| f.rule));
    }
    if let Some(mut record) = journal {
        record.add_warnings(state, app, &mut response, now);
        let entry = record.draft.finish(Outcome {
            time: now.with_timezone(&state.core.dataset.timezone),
            body_bytes: record.body.bytes(),
            family: Some(family_name),
            app,
            status: response.status().as_u16(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            fault: fault.map(|f| f.rule),
            warnings: &record.warnings,
        });
        // In a fleet a lost store loses the entry, not the answer (health reports it).
        let _ = state.record(entry).await;
    }
    response
}

/// In a fleet: the mock clock's now and the fault of a vendor request, from the one call
/// to the shared store that also counts an authenticated JPush request reaching the gate
/// (the count is left in the request for the gate); the family's 503 when the store is
/// unavailable.
async fn shared_decision(
    state: &AppState,
    request: &mut Request,
    family: Family,
    family_name: FamilyName,
    app: Option<&str>,
) -> Result<(chrono::DateTime<chrono::Utc>, Option<Applied>), Response> {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let reaches_gate = family == Family::JPush && jpush::reaches_gate(&method, &path);
    let window = match reaches_gate.then(|| basic_auth(request.headers(), &state.core.dataset)) {
        Some(BasicAuth::App(app)) => Some(state.core.dataset.jiguang[app].slot),
        _ => None,
    };
    let facts = RequestFacts {
        family: Some(family_name),
        method: method.as_str(),
        path: &path,
        app_key: app,
    };
    match state.decide(facts, window).await {
        Ok((now, fault, counted)) => {
            if let Some(counted) = counted {
                request.extensions_mut().insert(counted);
            }
            Ok((now, fault))
        }
        Err(_) => Err(fault_response(state, family, StatusCode::SERVICE_UNAVAILABLE)),
    }
}

/// In a fleet, brings this replica's copy of the world up to date before a control call
/// (health excepted, which answers for the store itself); the control API's 503 when the
/// store is unavailable.
async fn control_sync(state: &AppState, is_health: bool) -> Option<Response> {
    if state.fleet.is_none() || is_health {
        return None;
    }
    let err = state.sync().await.err()?;
    Some(JiguangError::new(StatusCode::SERVICE_UNAVAILABLE, 503, err.to_string()).into_response())
}

/// An injected failure (docs/SPEC.md §5) in the family's own shape and code.
fn fault_response(state: &AppState, family: Family, status: StatusCode) -> Response {
    match family {
        Family::JPush => jpush::fault_response(&jpush::Context::from_ref(state), status),
        Family::JMessage | Family::Control => jmessage::fault_response(status),
        Family::Easemob => easemob::fault_response(&easemob::Context::from_ref(state), status),
    }
}

/// The known app a request names, and what its Basic auth amounted to: the appKey of its
/// Basic auth, or `org#app` from an Easemob path. Anything else a client sends is no app:
/// it is never kept (swapped credentials would put a master secret there) nor matched by
/// faults.
fn known_app<'a>(state: &'a AppState, family: Family, request: &Request) -> (Option<Cow<'a, str>>, Auth) {
    let dataset = &state.core.dataset;
    match family {
        Family::JPush | Family::JMessage => {
            let headers = request.headers();
            // Most requests carry one of the demo apps' header values exactly: no decoding then.
            let exact = headers
                .get(AUTHORIZATION)
                .and_then(|value| dataset.jiguang_by_authorization(value.as_bytes()));
            if let Some(app) = exact {
                return (
                    Some(dataset.jiguang[app].credentials.app_key.as_str().into()),
                    Auth::KnownApp,
                );
            }
            let Some(credentials) = basic_credentials(headers) else {
                return (None, Auth::None);
            };
            let key = credentials.key();
            match dataset.jiguang.iter().any(|a| a.credentials.app_key == key) {
                true => (Some(key.to_owned().into()), Auth::KnownApp),
                false => (None, Auth::UnknownApp),
            }
        }
        Family::Easemob => {
            let (org, name) = easemob::org_app(request.uri().path());
            let app = easemob::app_index(dataset, org, name).map(|_| format!("{org}#{name}").into());
            (app, Auth::None)
        }
        Family::Control => (None, Auth::None),
    }
}

/// What a request's Basic auth amounted to; the credentials themselves are not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    UnknownApp,
    KnownApp,
}

/// Sends half the body after headers that promise all of it, then fails the stream, so
/// the client sees a short read and the connection close.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TRUNCATED_BODY).await else {
        return (parts, Body::empty()).into_response();
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len().max(1)));
    let half = Ok::<_, std::io::Error>(Bytes::copy_from_slice(&bytes[..bytes.len() / 2]));
    // The pause lets hyper flush the half before the failure aborts the connection.
    let failure = futures_util::stream::once(async {
        tokio::time::sleep(TRUNCATION_FLUSH).await;
        Err(std::io::Error::other("body truncated by an injected fault"))
    });
    let chunks = futures_util::StreamExt::chain(futures_util::stream::iter([half]), failure);
    (parts, Body::from_stream(chunks)).into_response()
}

/// What the journal keeps of a request, taken before the handler consumes it: the
/// entry's request half, and the warnings the request itself raises.
struct RequestRecord {
    draft: Draft,
    warnings: Vec<Warning>,
    body: BodySize,
    family: Family,
    auth: Auth,
}

/// A contract warning: one of the mock's own sentences, or one naming what was sent.
type Warning = Cow<'static, str>;

impl RequestRecord {
    fn of(request: &mut Request, family: Family, auth: Auth) -> RequestRecord {
        let uri = request.uri();
        let draft = Draft::request(request.method().as_str(), uri.path(), uri.query(), request.headers());
        let mut warnings = Vec::new();
        const RAW_SPACE: HeaderName = HeaderName::from_static(RAW_SPACE_HEADER);
        if request.headers().contains_key(RAW_SPACE) {
            warnings.push(
                "a raw space (or `<`, `>`, `\"`) in the query string: percent-encode it (%20, %3C, %3E, %22)".into(),
            );
        }
        if let Some(documented) = families::documented_params(uri.path()) {
            unknown_parameters(uri.query().unwrap_or_default(), documented, &mut warnings);
        }
        RequestRecord {
            draft,
            warnings,
            body: BodySize::of(request),
            family,
            auth,
        }
    }

    /// Adds the contract warnings the answer raises (SPEC §0 and the vendors' docs).
    fn add_warnings(&mut self, state: &AppState, app: Option<&str>, response: &mut Response, now: DateTime<Utc>) {
        let warnings = &mut self.warnings;
        if matches!(self.family, Family::JPush | Family::JMessage) {
            match self.auth {
                Auth::None => warnings.push("no HTTP Basic authentication".into()),
                Auth::UnknownApp => warnings.push("credentials of an unknown app".into()),
                Auth::KnownApp => {}
            }
        }
        if let Some(app) = app {
            if state.journal.is_early_retry(app, now) {
                warnings.push("retried before the wait a 429 asked for (X-Rate-Limit-Reset) was over".into());
            }
            if response.status() == StatusCode::TOO_MANY_REQUESTS {
                state.journal.note_throttled(app, now, reset_secs(response.headers()));
            }
        }
        if let Some(ContractWarnings(attached)) = response.extensions_mut().remove::<ContractWarnings>() {
            warnings.extend(attached);
        }
    }
}

/// The most unknown parameters an entry names one by one, and the longest name it shows.
const MAX_UNKNOWN_PARAMS_NAMED: usize = 8;
const MAX_PARAM_NAME_SHOWN: usize = 64;

/// A warning per undocumented parameter (each name once, the first few by name, then a
/// count), in one pass over the query.
fn unknown_parameters(query: &str, documented: &[&str], warnings: &mut Vec<Warning>) {
    let mut unknown = 0;
    for name in query::unknown_names(query, documented) {
        unknown += 1;
        if unknown <= MAX_UNKNOWN_PARAMS_NAMED {
            let mut shown = name.into_owned();
            crate::control::journal::clip(&mut shown, MAX_PARAM_NAME_SHOWN);
            warnings.push(format!("unknown parameter `{shown}`").into());
        }
    }
    if unknown > MAX_UNKNOWN_PARAMS_NAMED {
        warnings.push(format!("… and {} more unknown parameters", unknown - MAX_UNKNOWN_PARAMS_NAMED).into());
    }
}

/// A request body's size: known from its `Content-Length` (or absence), or counted as
/// the handler reads a chunked one.
enum BodySize {
    Known(u64),
    Counted(Arc<AtomicU64>),
}

impl BodySize {
    fn of(request: &mut Request) -> BodySize {
        use axum::body::HttpBody as _;
        if let Some(exact) = request.body().size_hint().exact() {
            return BodySize::Known(exact);
        }
        let counter = Arc::new(AtomicU64::new(0));
        let seen = counter.clone();
        let body = std::mem::take(request.body_mut()).into_data_stream();
        let counted = futures_util::StreamExt::inspect(body, move |chunk| {
            if let Ok(chunk) = chunk {
                seen.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
        });
        *request.body_mut() = Body::from_stream(counted);
        BodySize::Counted(counter)
    }

    fn bytes(&self) -> u64 {
        match self {
            BodySize::Known(bytes) => *bytes,
            BodySize::Counted(counter) => counter.load(Ordering::Relaxed),
        }
    }
}

/// Seconds a 429 asks to wait: `X-Rate-Limit-Reset`, else `Retry-After`, else a minute.
fn reset_secs(headers: &HeaderMap) -> i64 {
    ["x-rate-limit-reset", "retry-after"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok()?.parse().ok())
        .unwrap_or(60)
}
