//! The request log: one `tracing` event per request, target [`TARGET`] at INFO, with
//! method, path, query (secrets shown as `control::redact` shows them), status, latency,
//! family, app and the fault applied. The request layer emits it rather than tower-http's
//! `TraceLayer`, because only the request layer knows the app and the fault, and so that
//! no URI reaches a log unredacted. Nothing is computed when the event is disabled.

use std::time::Instant;

use axum::{extract::Request, http::StatusCode};
use tracing::Level;

use crate::{
    control::{
        journal::{clip, MAX_FIELD_BYTES},
        redact,
    },
    families::Family,
};

/// The target of the per-request events (`RUST_LOG=mock_server::request=off` silences
/// them alone).
pub const TARGET: &str = "mock_server::request";

/// A request being served, for its log line.
pub struct RequestLog {
    started: Instant,
    method: String,
    path: String,
    query: Option<String>,
    family: Family,
}

impl RequestLog {
    /// What the line needs of `request`, if the line is enabled at all.
    pub fn start(request: &Request, family: Family) -> Option<RequestLog> {
        if !tracing::enabled!(target: TARGET, Level::INFO) {
            return None;
        }
        let mut path = request.uri().path().to_owned();
        clip(&mut path, MAX_FIELD_BYTES);
        let query = request.uri().query().map(|q| {
            let mut shown = redact::query(q);
            clip(&mut shown, MAX_FIELD_BYTES);
            shown
        });
        Some(RequestLog {
            started: Instant::now(),
            method: request.method().as_str().to_owned(),
            path,
            query,
            family,
        })
    }

    /// Writes the line.
    pub fn finish(self, status: StatusCode, app: Option<&str>, fault: Option<u64>) {
        let latency_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        tracing::info!(
            target: TARGET,
            method = %self.method,
            path = %self.path,
            query = self.query.as_deref(),
            status = status.as_u16(),
            latency_ms,
            family = family_label(self.family),
            app,
            fault,
            "request"
        );
    }
}

fn family_label(family: Family) -> &'static str {
    match family {
        Family::JPush => "jpush",
        Family::JMessage => "jmessage",
        Family::Easemob => "easemob",
        Family::Control => "control",
    }
}
