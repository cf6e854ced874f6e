//! Every call the harness makes to a mock's control API (`/_mock/...`): the app
//! listing, the clock, fault rules and rate limits; and [`MockSnapshot`], which puts a
//! shared mock's state back after a scenario that changed it.

use std::time::Instant;

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};

use super::credentials::Apps;
use crate::{
    http::{Exchange, Http},
    scenario::Family,
};

/// The mock's clock: the instant it shows, and whether it is frozen.
#[derive(Debug, Clone, Copy)]
pub(super) struct MockClock {
    pub now: DateTime<FixedOffset>,
    pub frozen: bool,
}

/// The credentials and sample data of a mock's apps.
pub(super) async fn apps(http: &Http, base: &str) -> Result<Apps, String> {
    let exchange = send(http, "GET", base, "/_mock/apps", None).await?;
    if exchange.status != 200 {
        return Err(format!(
            "GET {base}/_mock/apps answered {}: is it the mock?",
            exchange.excerpt()
        ));
    }
    Apps::from_mock_listing(&exchange.json)
}

pub(super) async fn clock(http: &Http, base: &str) -> Result<MockClock, String> {
    let exchange = send(http, "GET", base, "/_mock/clock", None).await?;
    let now = exchange.json["now"]
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .ok_or_else(|| format!("GET /_mock/clock answered {}", exchange.excerpt()))?;
    let frozen = exchange.json["frozen"].as_bool().unwrap_or(false);
    Ok(MockClock { now, frozen })
}

/// Sets the clock (`body`: `now` and/or `frozen`).
async fn set_clock(http: &Http, base: &str, body: Value) -> Result<(), String> {
    let exchange = send(http, "PUT", base, "/_mock/clock", Some(body)).await?;
    expect_success(&exchange, "PUT /_mock/clock")
}

pub(super) async fn advance(http: &Http, base: &str, seconds: f64) -> Result<(), String> {
    let body = json!({ "seconds": seconds });
    let exchange = send(http, "POST", base, "/_mock/clock/advance", Some(body)).await?;
    expect_success(&exchange, "POST /_mock/clock/advance")
}

pub(super) async fn add_fault(http: &Http, base: &str, rule: Value) -> Result<(), String> {
    let exchange = send(http, "POST", base, "/_mock/faults", Some(rule)).await?;
    expect_success(&exchange, "POST /_mock/faults")
}

/// The fault rules a mock lists, if it lists them.
async fn fault_rules(http: &Http, base: &str) -> Result<Option<Vec<Value>>, String> {
    let listing = read(http, base, "/_mock/faults").await?;
    Ok(listing.and_then(|listing| listing["faults"].as_array().cloned()))
}

/// The body of a control `GET`, or `None` when the mock does not serve it.
async fn read(http: &Http, base: &str, path: &str) -> Result<Option<Value>, String> {
    let exchange = send(http, "GET", base, path, None).await?;
    Ok((exchange.status == 200).then_some(exchange.json))
}

async fn send(http: &Http, method: &str, base: &str, path: &str, body: Option<Value>) -> Result<Exchange, String> {
    http.send_json(Family::Control, method, &format!("{base}{path}"), body)
        .await
}

fn expect_success(exchange: &Exchange, what: &str) -> Result<(), String> {
    if (200..300).contains(&exchange.status) {
        Ok(())
    } else {
        Err(format!("{what} answered {}", exchange.excerpt()))
    }
}

/// The same rule: same id, match and effect (its counters move on).
fn same_rule(a: &Value, b: &Value) -> bool {
    ["id", "match", "effect"].iter().all(|key| a[key] == b[key])
}

/// A shared mock's state as a scenario found it: the clock, the fault rules and the rate
/// limits. Taking it freezes a running clock, so that the scenario sees the same instant
/// throughout, as on an in-process mock. Putting it back deletes the rules the scenario
/// added and adds back those it deleted, sets the limits again (which also forgets the
/// quota the scenario used up) and puts the clock back: where it was if it was frozen,
/// running from where it would be now if it was running.
pub(super) struct MockSnapshot {
    clock: MockClock,
    taken: Instant,
    /// `None` when the mock does not list them (then they are left alone).
    faults: Option<Vec<Value>>,
    rate_limits: Option<Value>,
}

impl MockSnapshot {
    pub(super) async fn take(http: &Http, base: &str) -> Result<MockSnapshot, String> {
        let clock = clock(http, base).await?;
        let taken = Instant::now();
        if !clock.frozen {
            set_clock(http, base, json!({"frozen": true})).await?;
        }
        Ok(MockSnapshot {
            clock,
            taken,
            faults: fault_rules(http, base).await?,
            rate_limits: read(http, base, "/_mock/rate-limits").await?,
        })
    }

    pub(super) async fn restore(&self, http: &Http, base: &str) -> Result<(), String> {
        if let (Some(before), Some(now)) = (&self.faults, fault_rules(http, base).await?) {
            for rule in now.iter().filter(|rule| !before.iter().any(|b| same_rule(b, rule))) {
                let path = format!("/_mock/faults/{}", rule["id"]);
                let exchange = send(http, "DELETE", base, &path, None).await?;
                // A rule may have finished meanwhile (times used up, until passed).
                if exchange.status != 404 {
                    expect_success(&exchange, "DELETE /_mock/faults/{id}")?;
                }
            }
            // Rules the scenario deleted (or a reset dropped) come back, with new ids.
            for rule in before.iter().filter(|rule| !now.iter().any(|n| same_rule(n, rule))) {
                let spec: serde_json::Map<String, Value> = ["match", "effect", "times", "fraction", "until"]
                    .iter()
                    .filter_map(|key| rule.get(*key).map(|value| ((*key).to_owned(), value.clone())))
                    .collect();
                add_fault(http, base, Value::Object(spec)).await?;
            }
        }
        if let Some(limits) = &self.rate_limits {
            let exchange = send(http, "PUT", base, "/_mock/rate-limits", Some(limits.clone())).await?;
            expect_success(&exchange, "PUT /_mock/rate-limits")?;
        }
        let MockClock { now, frozen } = self.clock;
        let now = if frozen { now } else { now + self.taken.elapsed() };
        set_clock(http, base, json!({"now": now.to_rfc3339(), "frozen": frozen})).await
    }
}
