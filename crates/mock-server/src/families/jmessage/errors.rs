//! JMessage's errors (SPEC §2 table) as values that render the vendor's body and status.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::families::shared::{jiguang_error::JiguangError, rules::CURSOR_TTL, statistics_period::UnitError, warning};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JmError {
    #[error("Authorization header is missing")]
    MissingAuth,
    #[error("Basic authentication failed")]
    AuthFailed,
    #[error("{0}")]
    Invalid(String),
    #[error("cursor expired: it was issued {age_secs} s ago and is valid for {} s; start again with count, begin_time and end_time", CURSOR_TTL.num_seconds())]
    CursorExpired { age_secs: i64 },
    #[error("user not exist: {0}")]
    UserNotFound(String),
    #[error("group not exist: {0}")]
    GroupNotFound(String),
    #[error("chatroom not exist: {0}")]
    ChatroomNotFound(String),
    #[error("this API is available to VIP apps only")]
    NotVip,
    #[error("{0}")]
    UnitMismatch(String),
    #[error("{0}")]
    OutOfRange(String),
    /// An injected 429 or 503 (SPEC §5).
    #[error("server busy, please retry later")]
    ServerBusy { status: StatusCode },
    /// An injected 500 (SPEC §5).
    #[error("server internal error")]
    Internal,
}

impl JmError {
    pub fn code(&self) -> u32 {
        match self {
            JmError::MissingAuth => 899007,
            JmError::AuthFailed => 899008,
            JmError::Invalid(_) | JmError::CursorExpired { .. } => 899003,
            JmError::UserNotFound(_) => 899002,
            JmError::GroupNotFound(_) => 899006,
            JmError::ChatroomNotFound(_) => 899081,
            JmError::NotVip => 2003,
            JmError::UnitMismatch(_) => 3004,
            JmError::OutOfRange(_) => 3005,
            JmError::ServerBusy { .. } => 899030,
            JmError::Internal => 899000,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            JmError::MissingAuth | JmError::AuthFailed => StatusCode::UNAUTHORIZED,
            JmError::Invalid(_) | JmError::CursorExpired { .. } | JmError::UnitMismatch(_) | JmError::OutOfRange(_) => {
                StatusCode::BAD_REQUEST
            }
            JmError::NotVip => StatusCode::FORBIDDEN,
            JmError::ServerBusy { status } => *status,
            JmError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            JmError::UserNotFound(_) | JmError::GroupNotFound(_) | JmError::ChatroomNotFound(_) => {
                StatusCode::NOT_FOUND
            }
        }
    }

    pub fn invalid(message: impl Into<String>) -> JmError {
        JmError::Invalid(message.into())
    }
}

impl From<UnitError> for JmError {
    fn from(error: UnitError) -> JmError {
        match error {
            UnitError::Invalid(message) => JmError::Invalid(message),
            UnitError::Mismatch(message) => JmError::UnitMismatch(message),
            UnitError::OutOfRange(message) => JmError::OutOfRange(message),
        }
    }
}

impl IntoResponse for JmError {
    fn into_response(self) -> Response {
        let expired = matches!(self, JmError::CursorExpired { .. });
        let mut response = JiguangError::new(self.status(), self.code(), self.to_string()).into_response();
        if expired {
            warning::warn(&mut response, "a cursor was used after it expired");
        }
        response
    }
}
