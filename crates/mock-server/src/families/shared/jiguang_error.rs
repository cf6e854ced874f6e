//! The error body shared by the Jiguang families (JPush v3, JMessage v1/v2):
//! `{"error":{"code":N,"message":"..."}}` with `Content-Type: application/json`; and the
//! JSON responses of every family, memoised parts shared rather than copied.

use axum::{
    body::{Body as HttpBody, Bytes},
    http::{
        header::{CONTENT_LENGTH, CONTENT_TYPE},
        HeaderValue, StatusCode,
    },
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::kernel::header_number::header_value;

pub const JSON_UTF8: &str = "application/json; charset=utf-8";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiguangError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: u32,
    message: &'a str,
}

impl JiguangError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> JiguangError {
        JiguangError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for JiguangError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        json_response(self.status, &body)
    }
}

/// An unknown route (404) or a wrong method (405) of a Jiguang family, or of the control
/// API: the status doubles as the code.
pub fn unserved(status: StatusCode, message: String) -> Response {
    JiguangError::new(status, status.as_u16().into(), message).into_response()
}

/// A JSON response with an exact `Content-Length` (one Node SDK reads only the first chunk).
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut bytes = Vec::with_capacity(4096);
    serde_json::to_writer(&mut bytes, body).expect("response bodies serialise");
    json_bytes(status, bytes)
}

/// A JSON object response: the fields of `head`, then `name` holding `records` (a JSON
/// value rendered before: a memoised page, sent as it is kept rather than copied into
/// the body), then the fields of `tail`.
pub fn json_with_records<H: Serialize, T: Serialize>(
    status: StatusCode,
    head: &H,
    name: &str,
    records: Bytes,
    tail: &T,
) -> Response {
    let mut prefix = serde_json::to_vec(head).expect("response bodies serialise");
    debug_assert_eq!(prefix.last(), Some(&b'}'), "the head is a JSON object");
    prefix.pop();
    if prefix.len() > 1 {
        prefix.push(b',');
    }
    serde_json::to_writer(&mut prefix, name).expect("a name serialises");
    prefix.push(b':');
    let mut suffix = serde_json::to_vec(tail).expect("response bodies serialise");
    debug_assert_eq!(suffix.first(), Some(&b'{'), "the tail is a JSON object");
    if suffix.len() > 2 {
        suffix[0] = b',';
    } else {
        suffix = b"}".to_vec();
    }
    let body = Pieces::new([Bytes::from(prefix), records, Bytes::from(suffix)]);
    let mut response = (status, HttpBody::new(body)).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    response
}

/// An object without fields, for a [`json_with_records`] that ends with its records.
#[derive(Serialize)]
pub struct NoFields {}

/// A body sent as the pieces it is made of, its length known (so that it is sent with
/// a `Content-Length`, as a single buffer would be).
struct Pieces {
    pieces: std::collections::VecDeque<Bytes>,
    remaining: u64,
}

impl Pieces {
    fn new<const N: usize>(pieces: [Bytes; N]) -> Pieces {
        Pieces {
            remaining: pieces.iter().map(|p| p.len() as u64).sum(),
            pieces: pieces.into_iter().filter(|p| !p.is_empty()).collect(),
        }
    }
}

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let piece = self.pieces.pop_front();
        if let Some(piece) = &piece {
            self.remaining -= piece.len() as u64;
        }
        std::task::Poll::Ready(piece.map(|p| Ok(http_body::Frame::data(p))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

/// A response of already serialised JSON (memoised bodies are shared, not copied).
pub fn json_bytes(status: StatusCode, bytes: impl Into<Bytes>) -> Response {
    let bytes = bytes.into();
    // Its length from the static digits: axum would otherwise format it into a new
    // allocation, and `Bytes`' own response would first name it `octet-stream`.
    let length = header_value(bytes.len() as u64);
    let mut response = Response::new(HttpBody::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    headers.insert(CONTENT_LENGTH, length);
    response
}
