//! The JUnit XML report: one `<testcase>` per scenario (class `conformance.FAMILY`); a
//! failure's `message` names the step and the failed assertion, its text shows the
//! request and an excerpt of the response; a skip carries its reason.
//!
//! Strings are redacted before they are escaped into XML, since escaping would hide
//! secret-shaped text (`"access_token":...`) from the redactor's patterns.

use std::time::Duration;

use quick_xml::{
    events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event},
    Writer,
};

use super::Totals;
use crate::{
    redact::Redactor,
    result::{Outcome, ScenarioResult},
};

pub fn render(results: &[ScenarioResult], target: &str, elapsed: Duration, redactor: &Redactor) -> String {
    let totals = Totals::of(results);
    let mut xml = Xml {
        writer: Writer::new_with_indent(Vec::new(), b' ', 2),
        redactor,
    };
    xml.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let counts = [
        ("tests", totals.total().to_string()),
        ("failures", totals.failed.to_string()),
        ("errors", "0".to_string()),
        ("skipped", totals.skipped.to_string()),
        ("time", seconds(elapsed)),
    ];
    xml.start(
        "testsuites",
        &[&[("name", "conformance".to_string())], &counts[..]].concat(),
    );
    let suite_name = format!("conformance ({target})");
    xml.start("testsuite", &[&[("name", suite_name)], &counts[..]].concat());
    xml.start("properties", &[]);
    xml.empty("property", &[("name", "target".into()), ("value", target.into())]);
    xml.end("properties");
    for result in results {
        testcase(&mut xml, result);
    }
    xml.end("testsuite");
    xml.end("testsuites");
    String::from_utf8(xml.writer.into_inner()).expect("the writer writes UTF-8") + "\n"
}

fn testcase(xml: &mut Xml, result: &ScenarioResult) {
    let attributes = [
        ("name", result.name.clone()),
        ("classname", format!("conformance.{}", result.family)),
        ("time", seconds(result.duration)),
    ];
    match &result.outcome {
        Outcome::Passed => xml.empty("testcase", &attributes),
        Outcome::Skipped(reason) => {
            xml.start("testcase", &attributes);
            xml.empty("skipped", &[("message", reason.clone())]);
            xml.end("testcase");
        }
        Outcome::Failed(failure) => {
            xml.start("testcase", &attributes);
            let message = format!("{}: {}", failure.step, failure.message);
            xml.start("failure", &[("message", message.clone()), ("type", "assertion".into())]);
            let mut details = message;
            if let Some(request) = &failure.request {
                details.push_str(&format!("\n\nrequest:\n{request}"));
            }
            if let Some(response) = &failure.response {
                details.push_str(&format!("\n\nresponse:\n{response}"));
            }
            xml.text(&details);
            xml.end("failure");
            xml.end("testcase");
        }
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64())
}

/// The XML writer, redacting every attribute value and text.
struct Xml<'r> {
    writer: Writer<Vec<u8>>,
    redactor: &'r Redactor,
}

impl Xml<'_> {
    fn event(&mut self, event: Event) {
        // Writing into a Vec cannot fail.
        self.writer.write_event(event).expect("writing XML into memory");
    }

    fn element(&self, name: &str, attributes: &[(&str, String)]) -> BytesStart<'static> {
        let mut element = BytesStart::new(name.to_owned());
        for (key, value) in attributes {
            element.push_attribute((*key, self.redactor.redact(value).as_str()));
        }
        element
    }

    fn start(&mut self, name: &str, attributes: &[(&str, String)]) {
        let element = self.element(name, attributes);
        self.event(Event::Start(element));
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, String)]) {
        let element = self.element(name, attributes);
        self.event(Event::Empty(element));
    }

    fn end(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name.to_owned())));
    }

    fn text(&mut self, text: &str) {
        let redacted = self.redactor.redact(text);
        self.event(Event::Text(BytesText::new(&redacted)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{result::Failure, scenario::Family};

    fn result(name: &str, outcome: Outcome) -> ScenarioResult {
        ScenarioResult {
            name: name.into(),
            family: Family::Jmessage,
            tags: Vec::new(),
            outcome,
            duration: Duration::from_millis(1500),
            requests: 1,
            records: Vec::new(),
        }
    }

    #[test]
    fn escapes_and_redacts_inside_xml() {
        let failure = Failure {
            step: "step 1 \"<first>\"".into(),
            message: "`$.a` equals \"x\" & more".into(),
            request: Some("GET /x\nAuthorization: Bearer YWMtverysecrettoken".into()),
            response: Some(r#"200 {"access_token":"YWMtverysecrettoken"}"#.into()),
        };
        let xml = render(
            &[
                result("a", Outcome::Passed),
                result("b", Outcome::Failed(failure)),
                result("c", Outcome::Skipped("mock-only".into())),
            ],
            "mock",
            Duration::from_secs(2),
            &Redactor::new(),
        );
        assert!(
            xml.contains(
                r#"<testsuites name="conformance" tests="3" failures="1" errors="0" skipped="1" time="2.000">"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testcase name="a" classname="conformance.jmessage" time="1.500"/>"#),
            "{xml}"
        );
        assert!(xml.contains("&lt;first&gt;") && xml.contains("&amp; more"), "{xml}");
        assert!(xml.contains(r#"<skipped message="mock-only"/>"#), "{xml}");
        assert!(!xml.contains("verysecret"), "{xml}");
    }
}
