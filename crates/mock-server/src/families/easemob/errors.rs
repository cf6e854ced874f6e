//! Easemob's errors (SPEC §4 table) and their body
//! `{"error","exception","timestamp","duration","error_description"}` with
//! `Content-Type: application/json`.
//!
//! An [`EmError`] is a value without a time: [`EmError::at`] stamps it with the mock
//! clock when it becomes a response, so that the same seed and clock give the same bytes.
//! Descriptions follow the vendor's wording where its error table gives one, and never
//! echo a token or a client secret.

use std::borrow::Cow;

use axum::{
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::families::shared::jiguang_error::json_response;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmError {
    #[error("Unable to authenticate (OAuth)")]
    MissingToken,
    #[error("Unable to authenticate due to corrupt access token")]
    CorruptToken,
    #[error("Unable to authenticate due to expired access token")]
    ExpiredToken,
    #[error("Unable to authenticate: the access token was issued to another application")]
    ForeignToken,
    /// Names the field that did not match: `client_id` or `client_secret`.
    #[error("{0} does not match")]
    InvalidGrant(&'static str),
    #[error("grant_type must be client_credentials")]
    UnsupportedGrantType,
    #[error("the request body is not valid JSON: {0}")]
    JsonParse(String),
    #[error("Request Entity Too Large")]
    BodyTooLarge,
    #[error("Could not find application for {org}/{app} from URI: {path}")]
    AppNotFound { org: String, app: String, path: String },
    #[error("Service resource not found: {0}")]
    NoResource(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    IllegalArgument(String),
    #[error("Failed to find chat message history download url for appkey: {appkey}, time: {time}")]
    NotGenerated { appkey: String, time: String },
    /// Carries the seconds until the app's window ends (sent as `Retry-After`).
    #[error("This request has reached api limit")]
    ReachLimit { retry_after_secs: i64 },
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    #[error("The service is temporarily unavailable")]
    Unavailable,
    /// Any other server-side failure (an injected fault, a failed file build).
    #[error("{description}")]
    Internal { status: StatusCode, description: String },
}

impl EmError {
    pub fn illegal(description: impl Into<String>) -> EmError {
        EmError::IllegalArgument(description.into())
    }

    /// A file link asked for an hour key that names no hour (`time` as sent), in the
    /// vendor's words: "illegal arguments: appkey: ORG#APP, time: T".
    pub fn illegal_time(appkey: &str, time: &str) -> EmError {
        EmError::IllegalArgument(format!("illegal arguments: appkey: {appkey}, time: {time}"))
    }

    /// A file link asked for an hour whose file is gone, in the vendor's words.
    pub fn expired_time(appkey: &str, time: &str) -> EmError {
        EmError::IllegalArgument(format!(
            "illegal arguments: appkey: {appkey}, time: {time}, maybe chat message history is expired or unstored"
        ))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            EmError::MissingToken | EmError::CorruptToken | EmError::ExpiredToken | EmError::ForeignToken => {
                StatusCode::UNAUTHORIZED
            }
            EmError::InvalidGrant(_)
            | EmError::UnsupportedGrantType
            | EmError::JsonParse(_)
            | EmError::IllegalArgument(_) => StatusCode::BAD_REQUEST,
            EmError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            EmError::AppNotFound { .. } | EmError::NoResource(_) | EmError::NotGenerated { .. } => {
                StatusCode::NOT_FOUND
            }
            EmError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            EmError::ReachLimit { .. } => StatusCode::TOO_MANY_REQUESTS,
            EmError::Forbidden(_) => StatusCode::FORBIDDEN,
            EmError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            EmError::Internal { status, .. } => *status,
        }
    }

    /// The `error` field: the vendor's error codes where it has one.
    pub fn code(&self) -> &'static str {
        match self {
            EmError::MissingToken | EmError::ExpiredToken | EmError::ForeignToken => "unauthorized",
            EmError::CorruptToken => "auth_bad_access_token",
            EmError::InvalidGrant(_) => "invalid_grant",
            EmError::UnsupportedGrantType => "unsupported_grant_type",
            EmError::JsonParse(_) => "json_parse",
            EmError::BodyTooLarge => "Request Entity Too Large",
            EmError::AppNotFound { .. } => "organization_application_not_found",
            EmError::NoResource(_) => "service_resource_not_found",
            EmError::MethodNotAllowed(_) => "method_not_allowed",
            EmError::IllegalArgument(_) => "illegal_argument",
            EmError::NotGenerated { .. } => "storage_object_not_found",
            EmError::ReachLimit { .. } => "reach_limit",
            EmError::Forbidden(_) => "forbidden",
            EmError::Unavailable => "service_unavailable",
            EmError::Internal { .. } => "internal_server_error",
        }
    }

    /// The `exception` field: the server-side class the vendor reports (decided where
    /// no real response has been seen).
    fn exception(&self) -> &'static str {
        match self {
            EmError::MissingToken
            | EmError::CorruptToken
            | EmError::ExpiredToken
            | EmError::ForeignToken
            | EmError::InvalidGrant(_)
            | EmError::UnsupportedGrantType => "EasemobSecurityException",
            EmError::JsonParse(_) => "com.fasterxml.jackson.core.JsonParseException",
            EmError::BodyTooLarge => "javax.ws.rs.WebApplicationException",
            EmError::AppNotFound { .. } => {
                "org.apache.usergrid.rest.exceptions.OrganizationApplicationNotFoundException"
            }
            EmError::NoResource(_) => "org.apache.usergrid.services.exceptions.ServiceResourceNotFoundException",
            EmError::MethodNotAllowed(_) => "javax.ws.rs.NotAllowedException",
            EmError::IllegalArgument(_) => "java.lang.IllegalArgumentException",
            EmError::NotGenerated { .. } => "EasemobStorageObjectNotFoundException",
            EmError::ReachLimit { .. } => "EasemobReachLimitException",
            EmError::Forbidden(_) => "EasemobForbiddenException",
            EmError::Unavailable => "EasemobServiceUnavailableException",
            EmError::Internal { .. } => "EasemobInternalException",
        }
    }

    /// This error as it is answered at `now`.
    pub fn at(self, now: DateTime<Utc>) -> Stamped {
        Stamped {
            error: self,
            at_ms: now.timestamp_millis(),
        }
    }
}

/// An error stamped with the instant it is answered at: what handlers and extractors return.
#[derive(Debug)]
pub struct Stamped {
    error: EmError,
    at_ms: i64,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    exception: &'a str,
    timestamp: i64,
    /// Always 0: a real duration would make bodies differ between identical runs.
    duration: u32,
    error_description: &'a str,
}

impl IntoResponse for Stamped {
    fn into_response(self) -> Response {
        let description = self.error.to_string();
        let body = Body {
            error: self.error.code(),
            exception: self.error.exception(),
            timestamp: self.at_ms,
            duration: 0,
            error_description: &description,
        };
        let mut response = json_response(self.error.status(), &body);
        if let EmError::ReachLimit { retry_after_secs } = self.error {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_the_vendor_shape() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let response = EmError::ReachLimit { retry_after_secs: 17 }.at(now).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "17");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let table = [
            (EmError::ExpiredToken, 401, "unauthorized"),
            (EmError::CorruptToken, 401, "auth_bad_access_token"),
            (EmError::InvalidGrant("client_id"), 400, "invalid_grant"),
            (EmError::illegal("x"), 400, "illegal_argument"),
            (
                EmError::NotGenerated {
                    appkey: "o#a".into(),
                    time: "2026112010".into(),
                },
                404,
                "storage_object_not_found",
            ),
            (EmError::ReachLimit { retry_after_secs: 1 }, 429, "reach_limit"),
            (EmError::Unavailable, 503, "service_unavailable"),
        ];
        for (error, status, code) in table {
            assert_eq!((error.status().as_u16(), error.code()), (status, code), "{error:?}");
        }
    }
}
