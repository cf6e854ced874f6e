//! How results leave the harness: live console lines, a JUnit XML file and a JSON file.
//! Every writer takes the run's [`Redactor`] and passes every string through it;
//! [`write_file`] is the one way the harness writes a file (reports and recordings).

pub mod console;
pub mod json;
pub mod junit;

use std::path::Path;

use crate::{
    redact::Redactor,
    result::{Outcome, ScenarioResult},
};

/// Totals of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Totals {
    pub fn of(results: &[ScenarioResult]) -> Totals {
        let mut totals = Totals::default();
        for result in results {
            match result.outcome {
                Outcome::Passed => totals.passed += 1,
                Outcome::Failed(_) => totals.failed += 1,
                Outcome::Skipped(_) => totals.skipped += 1,
            }
        }
        totals
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }
}

/// Writes a report, redacted, creating its directory.
pub fn write_file(path: &Path, text: &str, redactor: &Redactor) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, redactor.redact(text)).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
