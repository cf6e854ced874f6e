//! Where log lines go and what they look like: the `tracing` subscriber of the binary.
//! Lines go to stderr through a non-blocking writer (a background thread writes them, so
//! a slow or full stderr never holds a request; when it falls more than its buffer
//! behind, lines are dropped rather than the server slowed). Text is coloured only when
//! stderr is a terminal; `json` is one object per line with the event's fields at the
//! top level.

use std::io::IsTerminal as _;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, Settings, DEFAULT_LOG_LEVEL};

/// Installs the process's subscriber. Keep the guard until exit: dropping it flushes the
/// lines still buffered.
pub fn init(settings: &Settings) -> WorkerGuard {
    // The writer thread flushes whenever it has written every line it was given, so the
    // buffer only batches lines that arrive together (one write for many, under load).
    let (writer, guard) = tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(settings))
        .with_writer(writer);
    match settings.log_format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
    guard
}

/// `--log-level` (flag, `MOCK_LOG_LEVEL` or file) when given, else `RUST_LOG` when set
/// and valid, else [`DEFAULT_LOG_LEVEL`].
fn filter(settings: &Settings) -> EnvFilter {
    if let Some(level) = &settings.log_level {
        if let Ok(filter) = EnvFilter::builder().parse(level.as_str()) {
            return filter;
        }
    }
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_LEVEL))
}
