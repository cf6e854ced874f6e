//! Runs scenarios against a target: builds each request from its templates, sends it,
//! checks it, captures values, follows pagination, moves the clock, and turns the first
//! failed check into a [`Failure`] that names it and shows the exchange.
//!
//! Scheduling: on an in-process mock every scenario has its own mock, so all run
//! concurrently (`jobs` at a time). On a shared mock, scenarios that change its state
//! (clock, faults) run one at a time after the others. On real hosts everything runs in
//! sequence, paced by the HTTP client.

use std::{sync::Arc, time::Instant};

use serde_json::Value;
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{
    assertions::{header_value, Doc},
    http::{uses_easemob_quota, Exchange, PreparedRequest},
    result::{Failure, Observer, Outcome, ScenarioResult, StepRecord},
    scenario::{Action, Body, CaptureSource, Paginate, RequestSpec, RequestStep, Scenario, Step},
    schema::Schemas,
    target::{Session, SkipOptions, Target},
    template::{as_text, Vars},
};

#[derive(Clone)]
pub struct RunOptions {
    /// Scenarios run at once (in-process mock only).
    pub jobs: usize,
    pub skip: SkipOptions,
    /// Keep each step's status and response shape, for `record` and `compare`.
    pub collect: bool,
    /// Applied to each result before it is reported (`compare` checks it against its
    /// recording here, so the live line already tells).
    pub finish: Option<Finisher>,
}

pub type Finisher = Arc<dyn Fn(&mut ScenarioResult) + Send + Sync>;

/// Runs every scenario; results come back in the order given.
pub async fn run_all(
    target: Arc<Target>,
    scenarios: Vec<Scenario>,
    schemas: Arc<Schemas>,
    options: RunOptions,
    observer: Arc<dyn Observer>,
) -> Vec<ScenarioResult> {
    let mut results: Vec<(usize, ScenarioResult)> = Vec::new();
    let (mut together, mut alone) = (Vec::new(), Vec::new());
    for (index, scenario) in scenarios.into_iter().enumerate() {
        if let Some(reason) = target.skip_reason(&scenario, &options.skip) {
            let result = ScenarioResult::new(&scenario, Outcome::Skipped(reason));
            observer.finished(&result);
            results.push((index, result));
        } else if target.is_shared_mock() && scenario.changes_mock_state() {
            alone.push((index, scenario));
        } else {
            together.push((index, scenario));
        }
    }
    let jobs = if target.is_real() { 1 } else { options.jobs.max(1) };
    let permits = Arc::new(Semaphore::new(jobs));
    let mut tasks = JoinSet::new();
    for (index, scenario) in together {
        let (target, schemas, observer, permits) = (target.clone(), schemas.clone(), observer.clone(), permits.clone());
        let options = options.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
            let result = run_finished(&target, &scenario, &schemas, &options, observer.as_ref()).await;
            (index, result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.expect("scenario tasks do not panic"));
    }
    for (index, scenario) in alone {
        let result = run_finished(&target, &scenario, &schemas, &options, observer.as_ref()).await;
        results.push((index, result));
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Runs one scenario, applies the finisher, and reports it.
async fn run_finished(
    target: &Target,
    scenario: &Scenario,
    schemas: &Schemas,
    options: &RunOptions,
    observer: &dyn Observer,
) -> ScenarioResult {
    let mut result = run_one(target, scenario, schemas, options.collect, observer).await;
    if let Some(finish) = &options.finish {
        finish(&mut result);
    }
    observer.finished(&result);
    result
}

/// Runs one scenario in a fresh session.
pub async fn run_one(
    target: &Target,
    scenario: &Scenario,
    schemas: &Schemas,
    collect: bool,
    observer: &dyn Observer,
) -> ScenarioResult {
    let started = Instant::now();
    let mut result = ScenarioResult::new(scenario, Outcome::Passed);
    match target.session(scenario.changes_mock_state()).await {
        Ok(session) => {
            let outcome = match ScenarioRun::start(scenario, &session, schemas, observer, collect).await {
                Ok(mut run) => {
                    let outcome = run.execute().await;
                    result.requests = run.requests;
                    result.records = run.records;
                    outcome
                }
                Err(failure) => Err(failure),
            };
            let closed = session
                .close()
                .await
                .map_err(|message| Failure::outside("teardown", message));
            if let Err(failure) = outcome.and(closed) {
                result.outcome = Outcome::Failed(failure);
            }
        }
        Err(message) => result.outcome = Outcome::Failed(Failure::outside("setup", message)),
    }
    result.duration = started.elapsed();
    result
}

/// The state of one scenario being run.
struct ScenarioRun<'a> {
    scenario: &'a Scenario,
    session: &'a Session<'a>,
    schemas: &'a Schemas,
    observer: &'a dyn Observer,
    collect: bool,
    vars: Vars,
    requests: usize,
    records: Vec<StepRecord>,
}

/// Where in a scenario a failure happened.
#[derive(Clone, Copy)]
struct At<'s> {
    index: usize,
    step: &'s Step,
}

impl At<'_> {
    fn label(&self) -> String {
        format!("step {} \"{}\"", self.index + 1, self.step.name)
    }

    fn fail(&self, message: impl Into<String>) -> Failure {
        Failure {
            step: self.label(),
            message: message.into(),
            request: None,
            response: None,
        }
    }

    fn fail_exchange(&self, message: impl Into<String>, exchange: &Exchange) -> Failure {
        Failure {
            request: Some(exchange.request.render()),
            response: Some(exchange.excerpt()),
            ..self.fail(message)
        }
    }
}

impl<'a> ScenarioRun<'a> {
    /// Reads the clock and evaluates the scenario's variables.
    async fn start(
        scenario: &'a Scenario,
        session: &'a Session<'a>,
        schemas: &'a Schemas,
        observer: &'a dyn Observer,
        collect: bool,
    ) -> Result<ScenarioRun<'a>, Failure> {
        let setup = |message: String| Failure::outside("setup", message);
        let mut vars = Vars::new(session.now().await.map_err(setup)?);
        vars.set("apps", session.apps().public());
        vars.set("credentials", session.apps().credentials_listing());
        for (name, template) in &scenario.variables {
            let value = vars
                .resolve_value(template)
                .map_err(|why| setup(format!("variable `{name}`: {why}")))?;
            vars.set(name, value);
        }
        Ok(ScenarioRun {
            scenario,
            session,
            schemas,
            observer,
            collect,
            vars,
            requests: 0,
            records: Vec::new(),
        })
    }

    async fn execute(&mut self) -> Result<(), Failure> {
        for (index, step) in self.scenario.steps.iter().enumerate() {
            let at = At { index, step };
            match &step.action {
                Action::Request(spec) => self.request_step(at, spec).await?,
                Action::Advance { seconds, text } => self.advance(at, *seconds, text).await?,
                Action::Fault(fault) => {
                    let fault = self.vars.resolve_value(fault).map_err(|why| at.fail(why))?;
                    self.session.inject_fault(&fault).await.map_err(|why| at.fail(why))?;
                }
            }
        }
        Ok(())
    }

    async fn advance(&mut self, at: At<'_>, seconds: f64, text: &str) -> Result<(), Failure> {
        let name = self.scenario.name.clone();
        let observer = self.observer;
        let progress = move |message: String| observer.progress(&name, &format!("advance {text}: {message}"));
        self.session
            .advance(seconds, &progress)
            .await
            .map_err(|why| at.fail(why))?;
        let now = self.session.now().await.map_err(|why| at.fail(why))?;
        self.vars.set_now(now);
        Ok(())
    }

    /// Sends the step's request (and its later pages) and checks it. When collecting,
    /// the answers are kept even if a check fails: a real answer that differs from the
    /// mock's contract is the one most worth recording.
    async fn request_step(&mut self, at: At<'_>, spec: &RequestStep) -> Result<(), Failure> {
        let mut pages = Vec::new();
        let outcome = self.request_pages(at, spec, &mut pages).await;
        if self.collect && !pages.is_empty() {
            self.records.push(StepRecord::of(&at.step.name, &spec.request, &pages));
        }
        outcome
    }

    async fn request_pages(
        &mut self,
        at: At<'_>,
        spec: &RequestStep,
        pages: &mut Vec<Exchange>,
    ) -> Result<(), Failure> {
        let (request, query) = self.prepare(at, &spec.request, None).await?;
        pages.push(self.send(at, spec, request.clone()).await?);
        self.check_page(at, spec, &pages[0], 1)?;
        self.capture(at, spec, &pages[0])?;
        for _ in 1..spec.repeat {
            pages.push(self.send(at, spec, request.clone()).await?);
            self.check_page(at, spec, pages.last().expect("just pushed"), pages.len())?;
        }
        if let Some(paginate) = &spec.paginate {
            self.follow(at, spec, paginate, query, pages).await?;
        }
        Ok(())
    }

    /// Requests later pages until the chain ends, then checks `assert_all` over them all.
    async fn follow(
        &mut self,
        at: At<'_>,
        spec: &RequestStep,
        paginate: &Paginate,
        first_query: Vec<(String, String)>,
        pages: &mut Vec<Exchange>,
    ) -> Result<(), Failure> {
        let max_pages = match paginate {
            Paginate::Cursor { max_pages, .. } | Paginate::Offset { max_pages, .. } => *max_pages,
        };
        let mut query = first_query;
        while let Some(next) = next_query(paginate, &query, pages.last().expect("the first page is there"), at)? {
            if pages.len() >= max_pages {
                return Err(at.fail_exchange(
                    format!("the pagination did not end within {max_pages} pages"),
                    pages.last().expect("pages exist"),
                ));
            }
            let (request, _) = self.prepare(at, &spec.request, Some(next.clone())).await?;
            pages.push(self.send(at, spec, request).await?);
            self.check_page(at, spec, pages.last().expect("just pushed"), pages.len())?;
            query = next;
        }
        let docs: Vec<Doc> = pages
            .iter()
            .map(|page| Doc {
                body: &page.json,
                headers: &page.headers,
            })
            .collect();
        for assertion in &spec.assert_all {
            assertion
                .evaluate(&docs, None, &self.vars, self.schemas)
                .map_err(|why| {
                    let last = pages.last().expect("pages exist");
                    at.fail_exchange(format!("over all {} pages: {why}", pages.len()), last)
                })?;
        }
        Ok(())
    }

    /// Builds the request of `spec` (with `query` instead of its own, for later pages).
    /// Also returns the query as sent, resolved, for pagination.
    async fn prepare(
        &self,
        at: At<'_>,
        spec: &RequestSpec,
        query: Option<Vec<(String, String)>>,
    ) -> Result<(PreparedRequest, Vec<(String, String)>), Failure> {
        let vars = &self.vars;
        let fail = |why: String| at.fail(why);
        let path = vars.interpolate(&spec.path).map_err(fail)?;
        let base = if spec.is_url {
            if !(path.starts_with("http://") || path.starts_with("https://")) {
                return Err(fail(format!(
                    "url `{}` resolved to `{path}`, not an http(s) URL",
                    spec.path
                )));
            }
            ""
        } else {
            self.session.base_url(at.step.family).map_err(fail)?
        };
        let query = match query {
            Some(query) => query,
            None => spec
                .query
                .iter()
                .map(|(name, value)| Ok((name.clone(), as_text(&vars.resolve_value(value)?))))
                .collect::<Result<Vec<_>, String>>()
                .map_err(fail)?,
        };
        let query_text = match (&spec.raw_query, query.is_empty()) {
            (Some(raw), _) => Some(vars.interpolate(raw).map_err(fail)?),
            (None, false) => Some(encode_query(&query)),
            (None, true) => None,
        };
        let mut headers = spec
            .headers
            .iter()
            .map(|(name, value)| Ok((name.clone(), vars.interpolate(value)?)))
            .collect::<Result<Vec<_>, String>>()
            .map_err(fail)?;
        if let Some(value) = self
            .session
            .authorization(spec.auth, at.step.family)
            .await
            .map_err(fail)?
        {
            headers.push(("Authorization".into(), value));
        }
        let body = match &spec.body {
            Some(Body::Json(json)) => {
                if !headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("Content-Type".into(), "application/json".into()));
                }
                Some(vars.resolve_value(json).map_err(fail)?.to_string())
            }
            Some(Body::Text(text)) => Some(vars.interpolate(text).map_err(fail)?),
            None => None,
        };
        let url = match query_text {
            Some(text) if path.contains('?') => format!("{base}{path}&{text}"),
            Some(text) => format!("{base}{path}?{text}"),
            None => format!("{base}{path}"),
        };
        let request = PreparedRequest {
            family: at.step.family,
            method: spec.method.clone(),
            url,
            headers,
            body,
        };
        Ok((request, query))
    }

    /// Sends one request of `spec` and reads its body as the step says. A long pacing wait
    /// on real hosts is told to the observer.
    async fn send(&mut self, at: At<'_>, spec: &RequestStep, request: PreparedRequest) -> Result<Exchange, Failure> {
        self.requests += 1;
        let shown = request.render();
        let quota = uses_easemob_quota(at.step.family, spec, &request);
        let (observer, name, label) = (self.observer, &self.scenario.name, at.label());
        let waiting = |message: String| observer.progress(name, &format!("{label}: {message}"));
        let sent = self.session.http().send_paced(request, quota, &waiting).await;
        let mut exchange = sent.map_err(|why| Failure {
            request: Some(shown),
            ..at.fail(why)
        })?;
        if let Some(decode) = spec.decode {
            // An unexpected status says more than an undecodable body: leave it to the checks.
            let status_as_expected = spec.status.is_none_or(|status| status == exchange.status);
            if let Err(why) = exchange.decode(decode) {
                if status_as_expected {
                    return Err(at.fail_exchange(why, &exchange));
                }
            }
        }
        Ok(exchange)
    }

    fn check_page(&self, at: At<'_>, spec: &RequestStep, exchange: &Exchange, page: usize) -> Result<(), Failure> {
        let where_ = if page > 1 {
            format!("page {page}: ")
        } else {
            String::new()
        };
        if let Some(expected) = spec.status {
            if exchange.status != expected {
                return Err(at.fail_exchange(
                    format!("{where_}status is {}, expected {expected}", exchange.status),
                    exchange,
                ));
            }
        }
        let doc = [Doc {
            body: &exchange.json,
            headers: &exchange.headers,
        }];
        for assertion in &spec.asserts {
            assertion
                .evaluate(&doc, Some(&exchange.json), &self.vars, self.schemas)
                .map_err(|why| at.fail_exchange(format!("{where_}{why}"), exchange))?;
        }
        Ok(())
    }

    fn capture(&mut self, at: At<'_>, spec: &RequestStep, exchange: &Exchange) -> Result<(), Failure> {
        for capture in &spec.captures {
            let value = match &capture.source {
                CaptureSource::Body(path) => {
                    let found = path.select(&exchange.json);
                    match (path.is_definite(), found.first()) {
                        (_, None) => None,
                        (true, Some(value)) => Some((*value).clone()),
                        (false, Some(_)) => Some(Value::Array(found.into_iter().cloned().collect())),
                    }
                }
                CaptureSource::Header(name) => exchange
                    .headers
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| header_value(value)),
            };
            let value = match (&capture.regex, value) {
                (Some(regex), Some(value)) => regex.captures(&as_text(&value)).map(|caps| {
                    let part = caps.get(1).or_else(|| caps.get(0)).map_or("", |m| m.as_str());
                    Value::String(part.to_owned())
                }),
                (_, value) => value,
            };
            match value {
                Some(value) => self.vars.set(&capture.name, value),
                None if capture.optional => {}
                None => {
                    return Err(at.fail_exchange(
                        format!("capture `{}`: the response has no such value", capture.name),
                        exchange,
                    ))
                }
            }
        }
        Ok(())
    }
}

/// The query of the page after `page`, or `None` when the chain has ended.
fn next_query(
    paginate: &Paginate,
    query: &[(String, String)],
    page: &Exchange,
    at: At<'_>,
) -> Result<Option<Vec<(String, String)>>, Failure> {
    match paginate {
        Paginate::Cursor {
            path,
            param,
            keep_query,
            ..
        } => {
            let Some(cursor) = path.select_one(&page.json).filter(|v| !v.is_null()) else {
                return Ok(None);
            };
            let mut next: Vec<(String, String)> = if *keep_query {
                query.iter().filter(|(name, _)| name != param).cloned().collect()
            } else {
                Vec::new()
            };
            next.push((param.clone(), as_text(cursor)));
            Ok(Some(next))
        }
        Paginate::Offset { param, items, .. } => {
            let count = match items.select_one(&page.json) {
                Some(Value::Array(list)) => list.len(),
                _ => return Err(at.fail_exchange(format!("`{items}` is not an array of items"), page)),
            };
            if count == 0 {
                return Ok(None);
            }
            let current = query
                .iter()
                .find(|(name, _)| name == param)
                .and_then(|(_, value)| value.parse::<u64>().ok())
                .ok_or_else(|| at.fail(format!("offset pagination needs a numeric `{param}` in the query")))?;
            let next = query
                .iter()
                .map(|(name, value)| {
                    let value = if name == param {
                        (current + count as u64).to_string()
                    } else {
                        value.clone()
                    };
                    (name.clone(), value)
                })
                .collect();
            Ok(Some(next))
        }
    }
}

/// `a=1&b=x%20y`: every byte but the unreserved ones percent-encoded (a space as `%20`).
pub fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_percent_encoded() {
        let pairs = vec![
            ("begin_time".to_string(), "2026-11-20 11:00:00".to_string()),
            ("cursor".to_string(), "ab+c/d=".to_string()),
        ];
        assert_eq!(
            encode_query(&pairs),
            "begin_time=2026-11-20%2011%3A00%3A00&cursor=ab%2Bc%2Fd%3D"
        );
    }
}
