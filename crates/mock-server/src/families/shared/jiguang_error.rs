//! The error body shared by the Jiguang families (JPush v3, JMessage v1/v2):
//! `{"error":{"code":N,"message":"..."}}` with `Content-Type: application/json`.

use axum::{
    body::Bytes,
    http::{header::CONTENT_TYPE, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;

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

/// A response of already serialised JSON (memoised bodies are shared, not copied).
pub fn json_bytes(status: StatusCode, bytes: impl Into<Bytes>) -> Response {
    let mut response = (status, bytes.into()).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    response
}
