//! The limits of the HTTP layer and the shape of its refusals: how long a client may take
//! to send a request head or the next piece of its body, how long a target, how large a
//! head and a body may be; the refusals [`super::front`] answers before anything else
//! (targets and headers with raw control or non-ASCII bytes, which the listener marks,
//! and the size limits), and the reshaping of axum's plain-text extractor rejections
//! (broken chunking, bad percent-encoding, a body over the limit) into JSON in the shape
//! of the family the path belongs to.
//!
//! hyper answers a few malformed requests itself before any service runs, with a bodiless
//! response (docs/SPEC.md §0 "HTTP limits and shutdown"): a target over its hard limit of
//! 65 534 bytes (414), a head over [`HYPER_MAX_HEAD_BYTES`] (431), and a request line it
//! cannot parse otherwise (400,
//! e.g. a target over the listener's 64 KiB line limit holding raw bytes). The
//! mock's own limits sit well below hyper's so that realistic cases get JSON.

use std::time::Duration;

use axum::{
    body::Body,
    extract::{DefaultBodyLimit, FromRef},
    http::{
        header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE},
        HeaderMap, HeaderValue, Request, StatusCode,
    },
    response::{IntoResponse, Response},
};
use hyper::body::Incoming;
use tower_http::timeout::TimeoutBody;

use super::{
    listener::{HEADER_COUNT_HEADER, INVALID_HEADER_HEADER, INVALID_TARGET_HEADER, MAX_HEADERS},
    state::AppState,
};
use crate::control::redact::OWN_HEADER_PREFIX;
use crate::families::{
    easemob::{self, EmError},
    jmessage::JmError,
    jpush::JpError,
    shared::jiguang_error,
    Family,
};

/// How long a client may take to send a whole request head; it also closes a keep-alive
/// connection that stays idle this long between requests (hyper starts the same timer
/// when it waits for the next head).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may go without a byte before the request is refused (400).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body, on every route. JPush's `POST /v3/status/message` with its
/// 1000 registration ids is about 25 KB; the control API's bodies are smaller still.
pub const MAX_BODY_BYTES: usize = 2 << 20;
/// The longest request target (path and query) the mock answers; longer ones get 414.
pub const MAX_TARGET_BYTES: usize = 32 << 10;
/// The largest sum of header names and values; larger heads get 431.
pub const MAX_HEADER_BYTES: usize = 64 << 10;
/// hyper's own limit on a head, above the mock's so that the mock can answer in JSON first.
pub const HYPER_MAX_HEAD_BYTES: usize = 4 * (MAX_TARGET_BYTES + MAX_HEADER_BYTES);

const _: () = assert!(MAX_TARGET_BYTES + MAX_HEADER_BYTES < HYPER_MAX_HEAD_BYTES);
const _: () = assert!(MAX_TARGET_BYTES < 65_534, "hyper's hard limit on a target");

/// How much of a plain-text rejection is kept as the message of its JSON replacement.
const MAX_REJECTION_TEXT: usize = 4096;

/// A refusal of a request the mock will not read: a target or head over the limits, raw
/// bytes the listener marked, or a body whose announced length is over
/// [`MAX_BODY_BYTES`].
pub fn refuse<B>(state: &AppState, family: Family, request: &Request<B>) -> Option<Response> {
    let (status, message) = over_limit(request)?;
    let mut response = refusal(state, family, status, message);
    if status == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE {
        // The listener dropped fields beyond the limit, a body's length among them
        // perhaps: what follows on this connection cannot be trusted.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Some(response)
}

/// `response`, or in the shape of `family` if it is an error the mock did not shape.
pub async fn reshape(state: &AppState, family: Family, response: Response) -> Response {
    if is_plain_error(&response) {
        return reshaped(state, family, response).await;
    }
    response
}

/// The request body as the handlers read it: each piece within [`BODY_READ_TIMEOUT`] of
/// the last. Its size is limited by the extractors that read it ([`body_limit`]).
pub fn timed_body(body: Incoming) -> Body {
    Body::new(TimeoutBody::new(BODY_READ_TIMEOUT, body))
}

/// The limit of every body an extractor reads: [`MAX_BODY_BYTES`]. axum's extractors
/// apply it themselves, and tell its refusal (413) from other failures (400) only if
/// no other limit wraps the body.
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_BODY_BYTES)
}

fn over_limit<B>(request: &Request<B>) -> Option<(StatusCode, String)> {
    let headers = request.headers();
    // One pass for the size and the listener's marks, which are rare: looking each mark
    // up by name would cost every request a hash per mark.
    let (size, marked) = headers.iter().fold((0, false), |(size, marked), (name, value)| {
        let name = name.as_str();
        (
            size + name.len() + value.len(),
            marked || name.starts_with(OWN_HEADER_PREFIX),
        )
    });
    if marked {
        if let Some(refusal) = refusal_of_marks(headers) {
            return Some(refusal);
        }
    }
    let target = request.uri().path_and_query().map_or(0, |t| t.as_str().len());
    if target > MAX_TARGET_BYTES {
        return Some((
            StatusCode::URI_TOO_LONG,
            format!("the request target is {target} bytes long, over the limit of {MAX_TARGET_BYTES}"),
        ));
    }
    if size > MAX_HEADER_BYTES {
        return Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the headers are {size} bytes long, over the limit of {MAX_HEADER_BYTES}"),
        ));
    }
    if let Some(length) = announced_length(headers).filter(|&length| length > MAX_BODY_BYTES as u64) {
        return Some((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is {length} bytes long, over the limit of {MAX_BODY_BYTES}"),
        ));
    }
    None
}

/// The refusal a listener's mark calls for: raw bytes in the target or a header, or
/// too many header fields.
fn refusal_of_marks(headers: &HeaderMap) -> Option<(StatusCode, String)> {
    if headers.contains_key(INVALID_TARGET_HEADER) {
        return Some((
            StatusCode::BAD_REQUEST,
            "the request target holds raw control or non-ASCII bytes: percent-encode them".to_owned(),
        ));
    }
    if headers.contains_key(INVALID_HEADER_HEADER) {
        return Some((
            StatusCode::BAD_REQUEST,
            "a header holds control bytes, which no header may carry".to_owned(),
        ));
    }
    let count = headers.get(HEADER_COUNT_HEADER)?.to_str().unwrap_or_default();
    Some((
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        format!("{count} header fields, over the limit of {MAX_HEADERS}"),
    ))
}

fn announced_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// An error the mock did not shape itself: axum's extractor rejections and the body
/// limit's answer are plain text, hyper-level refusals that reach the service have no
/// body at all. Every response the families and the control API produce is JSON.
fn is_plain_error(response: &Response) -> bool {
    let status = response.status();
    let is_json = || {
        response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"))
    };
    (status.is_client_error() || status.is_server_error()) && !is_json()
}

/// The same status, with the rejection's text as the message of the family's error.
async fn reshaped(state: &AppState, family: Family, response: Response) -> Response {
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), MAX_REJECTION_TEXT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("invalid request").to_owned()
    } else {
        text
    };
    refusal(state, family, status, message)
}

/// A refusal of the HTTP layer in the shape of `family`: the
/// family's invalid-parameter error (JPush 3002, JMessage 899003, Easemob
/// `illegal_argument`, or its `Request Entity Too Large` for 413), its internal error for
/// a 5xx, and on the control API its `{"error":{"code":status,...}}`; always with `status`.
pub fn refusal(state: &AppState, family: Family, status: StatusCode, message: String) -> Response {
    let server_side = status.is_server_error();
    let mut response = match family {
        Family::JPush if server_side => JpError::Internal { status }.into_response(),
        Family::JPush => JpError::invalid(message).into_response(),
        Family::JMessage if server_side => JmError::Internal.into_response(),
        Family::JMessage => JmError::invalid(message).into_response(),
        Family::Control => jiguang_error::unserved(status, message),
        Family::Easemob => {
            let error = match status {
                StatusCode::PAYLOAD_TOO_LARGE => EmError::BodyTooLarge,
                _ if server_side => EmError::Internal {
                    status,
                    description: message,
                },
                _ => EmError::illegal(message),
            };
            let now = easemob::Context::from_ref(state).core.clock.now();
            error.at(now).into_response()
        }
    };
    *response.status_mut() = status;
    response
}
