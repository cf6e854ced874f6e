//! JPush's errors (SPEC §1 table) as values rendering `{"error":{"code","message"}}`.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::rules::{Schema, TODAY_QUERY_WINDOW, TODAY_RATE_LIMIT_MESSAGE};
use crate::families::shared::{jiguang_error::JiguangError, statistics_period::UnitError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JpError {
    #[error("Basic authentication failed")]
    AuthFailed,
    #[error("this API is available to VIP apps only")]
    NotVip,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    UnitMismatch(String),
    #[error("{0}")]
    OutOfRange(String),
    #[error("{}", rate_limit_message(*limit, *schema))]
    RateLimited { limit: u32, schema: Schema },
    /// An injected 500 or 503 (SPEC §5): the vendor's "internal error", code 10.
    #[error("system internal error")]
    Internal { status: StatusCode },
}

impl JpError {
    pub fn code(&self) -> u32 {
        match self {
            JpError::AuthFailed => 3001,
            JpError::NotVip => 2003,
            JpError::Invalid(_) => 3002,
            JpError::UnitMismatch(_) => 3004,
            JpError::OutOfRange(_) => 3005,
            JpError::RateLimited { .. } => 2002,
            JpError::Internal { .. } => 10,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            JpError::AuthFailed => StatusCode::UNAUTHORIZED,
            JpError::NotVip => StatusCode::FORBIDDEN,
            JpError::Invalid(_) | JpError::UnitMismatch(_) | JpError::OutOfRange(_) => StatusCode::BAD_REQUEST,
            JpError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            JpError::Internal { status } => *status,
        }
    }

    pub fn too_old(msg_id: u64) -> JpError {
        JpError::OutOfRange(format!(
            "only pushes sent within the last {} days can be queried; msg_id {msg_id} is older",
            TODAY_QUERY_WINDOW.num_days()
        ))
    }

    pub fn invalid(message: impl Into<String>) -> JpError {
        JpError::Invalid(message.into())
    }
}

impl From<UnitError> for JpError {
    fn from(error: UnitError) -> JpError {
        match error {
            UnitError::Invalid(message) => JpError::Invalid(message),
            UnitError::Mismatch(message) => JpError::UnitMismatch(message),
            UnitError::OutOfRange(message) => JpError::OutOfRange(message),
        }
    }
}

fn rate_limit_message(limit: u32, schema: Schema) -> String {
    match schema {
        Schema::Classic => format!("request frequency exceeds the limit: {limit} requests per window per app"),
        Schema::Today => TODAY_RATE_LIMIT_MESSAGE.to_owned(),
    }
}

impl IntoResponse for JpError {
    fn into_response(self) -> Response {
        JiguangError::new(self.status(), self.code(), self.to_string()).into_response()
    }
}
