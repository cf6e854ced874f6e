//! The JSON report: the run's totals and, per scenario, its outcome and for a failure the
//! step, the assertion, the request and the response excerpt. Strings are redacted one by
//! one before serialising (JSON escaping would hide secret-shaped text from the patterns).

use std::time::Duration;

use serde::Serialize;

use super::Totals;
use crate::{
    redact::Redactor,
    result::{Outcome, ScenarioResult},
};

#[derive(Serialize)]
struct Report {
    target: String,
    duration_ms: u128,
    total: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    scenarios: Vec<ScenarioReport>,
}

#[derive(Serialize)]
struct ScenarioReport {
    name: String,
    family: String,
    tags: Vec<String>,
    /// `passed`, `failed` or `skipped`.
    outcome: &'static str,
    duration_ms: u128,
    requests: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<FailureReport>,
}

#[derive(Serialize)]
struct FailureReport {
    step: String,
    message: String,
    request: Option<String>,
    response: Option<String>,
}

pub fn render(results: &[ScenarioResult], target: &str, elapsed: Duration, redactor: &Redactor) -> String {
    let totals = Totals::of(results);
    let redact = |text: &str| redactor.redact(text);
    let report = Report {
        target: target.to_owned(),
        duration_ms: elapsed.as_millis(),
        total: totals.total(),
        passed: totals.passed,
        failed: totals.failed,
        skipped: totals.skipped,
        scenarios: results
            .iter()
            .map(|result| {
                let (outcome, skip_reason, failure) = match &result.outcome {
                    Outcome::Passed => ("passed", None, None),
                    Outcome::Skipped(reason) => ("skipped", Some(redact(reason)), None),
                    Outcome::Failed(f) => (
                        "failed",
                        None,
                        Some(FailureReport {
                            step: redact(&f.step),
                            message: redact(&f.message),
                            request: f.request.as_deref().map(redact),
                            response: f.response.as_deref().map(redact),
                        }),
                    ),
                };
                ScenarioReport {
                    name: result.name.clone(),
                    family: result.family.to_string(),
                    tags: result.tags.clone(),
                    outcome,
                    duration_ms: result.duration.as_millis(),
                    requests: result.requests,
                    skip_reason,
                    failure,
                }
            })
            .collect(),
    };
    serde_json::to_string_pretty(&report).expect("reports serialise") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{result::Failure, scenario::Family};

    #[test]
    fn totals_outcomes_and_redacted_failures() {
        let failed = ScenarioResult {
            name: "b".into(),
            family: Family::Jmessage,
            tags: vec!["cursor".into()],
            outcome: Outcome::Failed(Failure {
                step: "step 1".into(),
                message: "status is 401, expected 200".into(),
                request: Some("GET /x\nAuthorization: Basic dmlwOnNlY3JldHNlY3JldA==".into()),
                response: Some(r#"401 {"access_token":"abcdefghijkl"}"#.into()),
            }),
            duration: Duration::from_millis(5),
            requests: 1,
            records: Vec::new(),
        };
        let text = render(&[failed], "real", Duration::from_millis(7), &Redactor::new());
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["failed"], 1);
        assert_eq!(json["scenarios"][0]["outcome"], "failed");
        assert_eq!(
            json["scenarios"][0]["failure"]["message"],
            "status is 401, expected 200"
        );
        assert!(
            !text.contains("dmlwOnNlY3JldHNlY3JldA") && !text.contains("abcdefghijkl"),
            "{text}"
        );
    }
}
