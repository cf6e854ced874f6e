//! The clock a scenario sees: a mock's, read and moved through its control API, or the
//! real one (local time, or `--clock` plus the waits so far), which moves only by
//! waiting.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::control;
use crate::http::Http;

/// Real waits report progress this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// One session's clock.
#[derive(Debug)]
pub(super) enum SessionClock {
    /// The clock of the mock at this base URL.
    Mock(String),
    Real(RealClock),
}

impl SessionClock {
    /// The mock's base URL, when the clock is a mock's.
    pub(super) fn mock_base(&self) -> Option<&str> {
        match self {
            SessionClock::Mock(base) => Some(base),
            SessionClock::Real(_) => None,
        }
    }

    pub(super) async fn now(&self, http: &Http) -> Result<DateTime<Utc>, String> {
        match self {
            SessionClock::Mock(base) => Ok(control::clock(http, base).await?.now.to_utc()),
            SessionClock::Real(clock) => Ok(clock.now()),
        }
    }

    /// Moves the clock: through the control API on the mock, by waiting on real hosts
    /// (reporting progress through `progress`).
    pub(super) async fn advance(
        &self,
        http: &Http,
        seconds: f64,
        progress: &(dyn Fn(String) + Sync),
    ) -> Result<(), String> {
        match self {
            SessionClock::Mock(base) => control::advance(http, base, seconds).await,
            SessionClock::Real(clock) => {
                clock.wait(seconds, progress).await;
                Ok(())
            }
        }
    }
}

/// The real target's clock for one scenario: local time, or — with `--clock` — that
/// instant plus the waits of the scenario so far (so that a recording and a later
/// comparison at the same instant query the same windows).
#[derive(Debug)]
pub(super) struct RealClock {
    origin: Option<DateTime<Utc>>,
    waited: std::sync::Mutex<TimeDelta>,
}

impl RealClock {
    pub(super) fn new(origin: Option<DateTime<Utc>>) -> RealClock {
        RealClock {
            origin,
            waited: std::sync::Mutex::new(TimeDelta::zero()),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        match self.origin {
            Some(at) => at + *self.waited.lock().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        }
    }

    /// Waits `seconds` of real time, telling `progress` when it starts and every so often
    /// how long is left.
    async fn wait(&self, seconds: f64, progress: &(dyn Fn(String) + Sync)) {
        let total = Duration::from_secs_f64(seconds);
        let started = tokio::time::Instant::now();
        if total >= PROGRESS_EVERY {
            progress(format!("waiting {:.0} s on the real clock", total.as_secs_f64()));
        }
        while started.elapsed() < total {
            let left = total - started.elapsed();
            tokio::time::sleep(left.min(PROGRESS_EVERY)).await;
            let waited = started.elapsed().min(total);
            progress(format!(
                "waited {} of {:.0} s on the real clock, {:.0} s left",
                waited.as_secs(),
                total.as_secs_f64(),
                (total - waited).as_secs_f64()
            ));
        }
        *self.waited.lock().unwrap_or_else(|p| p.into_inner()) +=
            TimeDelta::milliseconds((seconds * 1000.0).round() as i64);
    }
}
