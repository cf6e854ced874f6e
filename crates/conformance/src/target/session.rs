//! [`Session`]: what one scenario runs against — its base URLs, apps, clock and
//! tokens — and its end, which stops an in-process mock or puts a shared one back.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::{auth::Tokens, clock::SessionClock, control, control::MockSnapshot, credentials::Apps, Target};
use crate::{http::Http, scenario::Family};

/// What one scenario runs against: base URLs, credentials, clock. Dropping it stops an
/// in-process mock.
pub struct Session<'t> {
    pub(super) target: &'t Target,
    pub(super) bases: BTreeMap<Family, String>,
    pub(super) apps: Apps,
    pub(super) clock: SessionClock,
    pub(super) tokens: Tokens,
    pub(super) server: Option<mock_server::RunningServer>,
    /// A shared mock's state, to put back on close.
    pub(super) restore: Option<MockSnapshot>,
}

impl Session<'_> {
    pub fn http(&self) -> &Http {
        &self.target.http
    }

    pub fn apps(&self) -> &Apps {
        &self.apps
    }

    pub fn base_url(&self, family: Family) -> Result<&str, String> {
        self.bases
            .get(&family)
            .map(String::as_str)
            .ok_or_else(|| format!("the {} target has no {family} host", self.target.name()))
    }

    /// The target's clock, in the configured zone.
    pub async fn now(&self) -> Result<DateTime<FixedOffset>, String> {
        let now = self.clock.now(self.http()).await?;
        Ok(now.with_timezone(&self.target.timezone))
    }

    /// Moves the clock: through the control API on the mock, by waiting on real hosts
    /// (reporting progress through `progress`).
    pub async fn advance(&self, seconds: f64, progress: &(dyn Fn(String) + Sync)) -> Result<(), String> {
        self.clock.advance(self.http(), seconds, progress).await
    }

    /// Injects a fault through the mock's control API.
    pub async fn inject_fault(&self, fault: &Value) -> Result<(), String> {
        let Some(base) = self.clock.mock_base() else {
            return Err("faults can be injected only into the mock".into());
        };
        control::add_fault(self.http(), base, fault.clone()).await
    }

    /// Stops an in-process mock; puts a shared mock's state back.
    pub async fn close(self) -> Result<(), String> {
        let restored = match (&self.restore, self.clock.mock_base()) {
            (Some(snapshot), Some(base)) => snapshot.restore(self.http(), base).await,
            _ => Ok(()),
        };
        if let Some(server) = self.server {
            let _ = server.stop().await;
        }
        restored
    }
}
