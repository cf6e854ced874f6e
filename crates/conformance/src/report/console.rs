//! The live console: one line per scenario as it finishes (with the failure's details
//! indented under it), progress lines during long waits, and the summary.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use super::Totals;
use crate::{
    redact::Redactor,
    result::{Observer, Outcome, ScenarioResult},
};

pub struct Console {
    out: Mutex<Box<dyn Write + Send>>,
    /// Where progress lines go (the binary: stderr, so that they never mix into a report
    /// piped from stdout); `None`: to `out`.
    progress: Option<Mutex<Box<dyn Write + Send>>>,
    redactor: Arc<Redactor>,
}

impl Console {
    pub fn new(out: Box<dyn Write + Send>, redactor: Arc<Redactor>) -> Console {
        Console {
            out: Mutex::new(out),
            progress: None,
            redactor,
        }
    }

    /// Progress lines go to `progress` instead of the main output.
    pub fn with_progress(mut self, progress: Box<dyn Write + Send>) -> Console {
        self.progress = Some(Mutex::new(progress));
        self
    }

    /// Prints `text` (redacted) and a newline. A closed output is not worth dying for.
    pub fn line(&self, text: &str) {
        self.write_line(&self.out, text);
    }

    fn write_line(&self, out: &Mutex<Box<dyn Write + Send>>, text: &str) {
        let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{}", self.redactor.redact(text));
        let _ = out.flush();
    }

    /// The closing lines; `target` reads after "against" (`the mock`, `the real hosts`).
    pub fn summary(&self, results: &[ScenarioResult], target: &str, elapsed: Duration) {
        let totals = Totals::of(results);
        self.line(&format!(
            "\n{} scenarios against {target}: {} passed, {} failed, {} skipped in {:.2} s",
            totals.total(),
            totals.passed,
            totals.failed,
            totals.skipped,
            elapsed.as_secs_f64()
        ));
        let failed: Vec<&str> = results
            .iter()
            .filter(|r| r.failure().is_some())
            .map(|r| r.name.as_str())
            .collect();
        if !failed.is_empty() {
            self.line(&format!("failed: {}", failed.join(", ")));
        }
    }
}

impl Observer for Console {
    fn progress(&self, scenario: &str, message: &str) {
        let out = self.progress.as_ref().unwrap_or(&self.out);
        self.write_line(out, &format!("  ..  {scenario}: {message}"));
    }

    fn finished(&self, result: &ScenarioResult) {
        self.line(&render(result));
    }
}

/// A scenario's line, and for a failure the step, the assertion, the request and an
/// excerpt of the response, indented under it.
pub fn render(result: &ScenarioResult) -> String {
    let millis = result.duration.as_millis();
    match &result.outcome {
        Outcome::Passed => {
            let plural = if result.requests == 1 { "" } else { "s" };
            format!(
                "PASS  {}  ({}, {} request{plural}, {millis} ms)",
                result.name, result.family, result.requests
            )
        }
        Outcome::Skipped(reason) => format!("SKIP  {}  ({}): {reason}", result.name, result.family),
        Outcome::Failed(failure) => {
            let mut text = format!("FAIL  {}  ({}, {millis} ms)", result.name, result.family);
            text.push_str(&format!("\n      {}: {}", failure.step, indent(&failure.message, 8)));
            if let Some(request) = &failure.request {
                text.push_str(&format!("\n      request:  {}", indent(request, 16)));
            }
            if let Some(response) = &failure.response {
                text.push_str(&format!("\n      response: {}", indent(response, 16)));
            }
            text
        }
    }
}

fn indent(text: &str, width: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(width)))
}

/// An in-memory output that can be cloned, handed to a [`Console`], and read back
/// (for embedding the harness as a library, and for tests).
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{result::Failure, scenario::Family};

    #[test]
    fn a_failure_shows_step_assertion_request_and_response_redacted() {
        let result = ScenarioResult {
            name: "jm-x".into(),
            family: Family::Jmessage,
            tags: Vec::new(),
            outcome: Outcome::Failed(Failure {
                step: "step 2 \"refused\"".into(),
                message: "`$.error.code` equals 899004: got integer 899003".into(),
                request: Some("GET http://h/v2/messages?cursor=x\nAuthorization: Basic c2VjcmV0OnNlY3JldA==".into()),
                response: Some("400 {\"error\":{\"code\":899003}}".into()),
            }),
            duration: Duration::from_millis(12),
            requests: 2,
            records: Vec::new(),
        };
        let buffer = Buffer::default();
        let console = Console::new(Box::new(buffer.clone()), Arc::new(Redactor::new()));
        console.finished(&result);
        let text = buffer.text();
        assert!(
            text.starts_with("FAIL  jm-x  (jmessage, 12 ms)\n      step 2 \"refused\": `$.error.code` equals 899004"),
            "{text}"
        );
        assert!(
            text.contains(
                "request:  GET http://h/v2/messages?cursor=x\n                Authorization: Basic <redacted>"
            ),
            "{text}"
        );
        assert!(text.contains("response: 400 {\"error\""), "{text}");
        assert!(!text.contains("c2VjcmV0"), "{text}");
    }

    #[test]
    fn progress_lines_go_to_their_own_output_redacted() {
        let redactor = Arc::new(Redactor::new());
        redactor.add_secret("s3cr3t-token");
        let (out, progress) = (Buffer::default(), Buffer::default());
        let console = Console::new(Box::new(out.clone()), redactor).with_progress(Box::new(progress.clone()));
        console.progress("easemob-x", "waiting 6.5 s with s3cr3t-token");
        console.line("PASS  easemob-x");
        assert_eq!(progress.text(), "  ..  easemob-x: waiting 6.5 s with <redacted>\n");
        assert_eq!(out.text(), "PASS  easemob-x\n");
    }
}
