//! Fault rules: which requests get an injected failure, and which failure. The model only
//! (matching, scopes, seeded fractions); `app::request_layer` applies the effects to
//! requests.
//!
//! A rule is `{"match": {...}, "effect": {...}}` plus at most one scope: `times` (the
//! next N matching requests), `fraction` (a seeded, reproducible share of them) or
//! `until` (up to an instant of the mock clock). Without a scope it applies to every
//! matching request until deleted. The first live rule that matches a request wins.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    families::Family,
    kernel::{
        clock::check_range,
        rng::{key, unit, Purpose},
    },
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<FamilyName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A path pattern where `*` stands for any run of characters, `/` included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A JPush/JMessage appKey, or an Easemob app as `org#app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FamilyName {
    Jpush,
    Jmessage,
    Easemob,
}

impl FamilyName {
    pub fn of(family: Family) -> Option<FamilyName> {
        match family {
            Family::JPush => Some(FamilyName::Jpush),
            Family::JMessage => Some(FamilyName::Jmessage),
            Family::Easemob => Some(FamilyName::Easemob),
            Family::Control => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Effect {
    Status {
        status: u16,
    },
    Delay {
        delay_ms: Delay,
    },
    Drop {
        drop: bool,
    },
    Truncate {
        truncate: bool,
    },
    /// JPush `status/message` answers status 4 (system error) for this share of the ids
    /// asked about; any other request passes untouched.
    SystemError {
        system_error: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Delay {
    Fixed(u64),
    Range([u64; 2]),
}

/// A rule as clients send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(rename = "match", default)]
    pub matcher: Match,
    pub effect: Effect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// The longest injectable delay: long enough for any client timeout test, short enough
/// that a typo cannot park a connection for hours.
pub const MAX_DELAY_MS: u64 = 120_000;

/// The most rules the table holds at once: every request is matched against each live
/// rule under one lock, so an uncapped table is a throughput cliff.
pub const MAX_RULES: usize = 100;

/// The longest `method`, `path` or `app_key` a rule may match on, in bytes.
pub const MAX_MATCH_BYTES: usize = 1024;

impl RuleSpec {
    pub fn check(&self) -> Result<(), String> {
        let scopes = [self.times.is_some(), self.fraction.is_some(), self.until.is_some()];
        if scopes.iter().filter(|s| **s).count() > 1 {
            return Err("give at most one of times, fraction and until".into());
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        if let Some(fraction) = self.fraction {
            if !(fraction > 0.0 && fraction <= 1.0) {
                return Err(format!("fraction must be above 0 and at most 1, got {fraction}"));
            }
        }
        if let Some(until) = self.until {
            check_range(until).map_err(|err| format!("until: {err}"))?;
        }
        self.matcher.check()?;
        match self.effect {
            Effect::Status { status } if ![429, 500, 503].contains(&status) => {
                Err(format!("status must be 429, 500 or 503, got {status}"))
            }
            Effect::Delay {
                delay_ms: Delay::Range([min, max]),
            } if min > max => Err(format!("delay_ms range [{min}, {max}] is empty")),
            Effect::Delay {
                delay_ms: Delay::Fixed(ms) | Delay::Range([_, ms]),
            } if ms > MAX_DELAY_MS => Err(format!("delay_ms is at most {MAX_DELAY_MS}")),
            Effect::Drop { drop: false } | Effect::Truncate { truncate: false } => {
                Err("drop and truncate take true".into())
            }
            Effect::SystemError { system_error } if !(system_error > 0.0 && system_error <= 1.0) => Err(format!(
                "system_error is a share of ids, above 0 and at most 1, got {system_error}"
            )),
            _ => Ok(()),
        }
    }
}

impl Match {
    fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("method", &self.method),
            ("path", &self.path),
            ("app_key", &self.app_key),
        ] {
            if value.as_ref().is_some_and(|v| v.len() > MAX_MATCH_BYTES) {
                return Err(format!("match.{name} is at most {MAX_MATCH_BYTES} bytes"));
            }
        }
        Ok(())
    }
}

/// A stored rule: its spec, id and how it has been used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub id: u64,
    #[serde(flatten)]
    pub spec: RuleSpec,
    /// Matching requests seen (the counter behind `fraction`).
    pub matched: u64,
    /// Requests the effect was applied to.
    pub applied: u64,
}

/// A rule applied to a request: which, with what effect, and how many times so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Applied {
    pub rule: u64,
    pub effect: Effect,
    pub nth: u64,
}

/// What a request looks like to the matcher.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    pub family: Option<FamilyName>,
    pub method: &'a str,
    pub path: &'a str,
    pub app_key: Option<&'a str>,
}

#[derive(Debug)]
pub struct FaultTable {
    seed: u64,
    state: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    rules: Vec<Rule>,
    next_id: u64,
}

impl FaultTable {
    pub fn new(seed: u64) -> FaultTable {
        FaultTable {
            seed,
            state: Mutex::new(Table {
                rules: Vec::new(),
                next_id: 1,
            }),
        }
    }

    pub fn add(&self, spec: RuleSpec) -> Result<u64, String> {
        spec.check()?;
        let mut table = self.lock();
        if table.rules.len() >= MAX_RULES {
            return Err(format!("at most {MAX_RULES} fault rules at once; delete some first"));
        }
        let id = table.next_id;
        table.next_id += 1;
        table.rules.push(Rule {
            id,
            spec,
            matched: 0,
            applied: 0,
        });
        Ok(id)
    }

    pub fn list(&self) -> Vec<Rule> {
        self.lock().rules.clone()
    }

    /// Deletes one rule; whether it existed.
    pub fn remove(&self, id: u64) -> bool {
        let mut table = self.lock();
        let before = table.rules.len();
        table.rules.retain(|r| r.id != id);
        table.rules.len() < before
    }

    /// Deletes every rule; how many there were. Ids keep counting up.
    pub fn clear(&self) -> usize {
        std::mem::take(&mut self.lock().rules).len()
    }

    /// Forgets every rule and restarts ids and fraction counters.
    pub fn reset(&self) {
        *self.lock() = Table {
            rules: Vec::new(),
            next_id: 1,
        };
    }

    /// The effect to apply to this request, if a live rule matches it; counts the use.
    /// Costs one uncontended lock and an empty check when no rule is set.
    pub fn decide(&self, request: RequestFacts<'_>, now: DateTime<Utc>) -> Option<Applied> {
        let mut table = self.lock();
        if table.rules.is_empty() {
            return None;
        }
        // Rules past their time are finished; they are dropped as they are met.
        table.rules.retain(|r| r.spec.until.is_none_or(|until| now < until));
        let seed = self.seed;
        let mut decision = None;
        for rule in table.rules.iter_mut().filter(|r| matches(&r.spec.matcher, &request)) {
            rule.matched += 1;
            let applies = match rule.spec.fraction {
                Some(fraction) => unit(key(seed, Purpose::Fault, &[rule.id, rule.matched]), 0) < fraction,
                None => true,
            };
            if applies {
                rule.applied += 1;
                if let Some(times) = rule.spec.times.as_mut() {
                    *times = times.saturating_sub(1);
                }
                decision = Some(Applied {
                    rule: rule.id,
                    effect: rule.spec.effect,
                    nth: rule.applied,
                });
                break;
            }
        }
        table.rules.retain(|r| r.spec.times != Some(0));
        decision
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        // The table stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn matches(matcher: &Match, request: &RequestFacts<'_>) -> bool {
    matcher.family.is_none_or(|f| Some(f) == request.family)
        && matcher
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(request.method))
        && matcher.path.as_deref().is_none_or(|p| glob(p, request.path))
        && matcher.app_key.as_deref().is_none_or(|k| Some(k) == request.app_key)
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// A delay's length: fixed, or drawn (seeded by rule and use) from its range.
pub fn delay_ms(delay: Delay, seed: u64, rule: u64, nth: u64) -> u64 {
    match delay {
        Delay::Fixed(ms) => ms,
        Delay::Range([min, max]) => {
            min + (unit(key(seed, Purpose::Fault, &[rule, nth, 1]), 0) * (max - min + 1) as f64) as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> RuleSpec {
        serde_json::from_str(json).unwrap()
    }

    const NOW: i64 = 1_795_000_000;

    fn facts(path: &str) -> RequestFacts<'_> {
        RequestFacts {
            family: Some(FamilyName::Jmessage),
            method: "GET",
            path,
            app_key: Some("k"),
        }
    }

    #[test]
    fn globs() {
        assert!(glob("/v2/messages*", "/v2/messages"));
        assert!(glob("/v2/*/messages", "/v2/users/a/messages"));
        assert!(!glob("/v2/*/messages", "/v2/users/a/messages/x"));
        assert!(glob("*", "/anything"));
        assert!(!glob("/v3*", "/v2/messages"));
    }

    #[test]
    fn times_then_gone_and_matching_by_every_key() {
        let table = FaultTable::new(1);
        let now = DateTime::from_timestamp(NOW, 0).unwrap();
        table
            .add(spec(r#"{"match":{"family":"jmessage","method":"get","path":"/v2/*","app_key":"k"},"effect":{"status":503},"times":2}"#))
            .unwrap();
        assert!(table.decide(facts("/v1/messages"), now).is_none());
        assert!(table
            .decide(
                RequestFacts {
                    app_key: Some("other"),
                    ..facts("/v2/messages")
                },
                now
            )
            .is_none());
        assert!(table.decide(facts("/v2/messages"), now).is_some());
        assert!(table.decide(facts("/v2/messages"), now).is_some());
        assert!(table.decide(facts("/v2/messages"), now).is_none());
        assert!(table.list().is_empty());
    }

    #[test]
    fn until_follows_the_clock_and_fraction_is_seeded() {
        let table = FaultTable::new(1);
        let now = DateTime::from_timestamp(NOW, 0).unwrap();
        table
            .add(spec(r#"{"effect":{"drop":true},"until":"2026-11-19T00:00:00Z"}"#))
            .unwrap();
        assert!(table.decide(facts("/x"), now).is_some());
        assert!(table.decide(facts("/x"), now + chrono::TimeDelta::days(10)).is_none());

        let pattern = |seed| {
            let table = FaultTable::new(seed);
            table.add(spec(r#"{"effect":{"status":500},"fraction":0.25}"#)).unwrap();
            (0..200)
                .map(|_| table.decide(facts("/x"), now).is_some())
                .collect::<Vec<_>>()
        };
        let faulted = pattern(7).iter().filter(|f| **f).count();
        assert!((30..70).contains(&faulted), "{faulted} of 200");
        assert_eq!(pattern(7), pattern(7));
        assert_ne!(pattern(7), pattern(8));
    }

    #[test]
    fn invalid_rules_are_refused() {
        for bad in [
            r#"{"effect":{"status":404}}"#,
            r#"{"effect":{"status":500},"times":1,"fraction":0.5}"#,
            r#"{"effect":{"status":500},"fraction":1.5}"#,
            r#"{"effect":{"delay_ms":[10,5]}}"#,
            r#"{"effect":{"delay_ms":999999999}}"#,
            r#"{"effect":{"drop":false}}"#,
            r#"{"effect":{"status":500},"times":0}"#,
            r#"{"effect":{"status":500},"fraction":0}"#,
            r#"{"effect":{"status":500},"until":"2999-01-01T00:00:00Z"}"#,
            r#"{"effect":{"system_error":0}}"#,
            r#"{"effect":{"system_error":1.01}}"#,
        ] {
            assert!(spec(bad).check().is_err(), "{bad}");
        }
        assert!(spec(r#"{"effect":{"system_error":0.3}}"#).check().is_ok());
        for bad in [
            r#"{"effect":{"explode":true}}"#,
            r#"{"effect":{"status":500},"when":1}"#,
            r#"{"match":{"host":"x"},"effect":{"drop":true}}"#,
        ] {
            assert!(serde_json::from_str::<RuleSpec>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_table_is_capped_and_match_strings_are_bounded() {
        let table = FaultTable::new(1);
        let rule = r#"{"match":{"path":"/nothing"},"effect":{"status":500}}"#;
        for _ in 0..MAX_RULES {
            table.add(spec(rule)).unwrap();
        }
        let err = table.add(spec(rule)).unwrap_err();
        assert!(err.contains(&MAX_RULES.to_string()), "{err}");
        assert_eq!(table.list().len(), MAX_RULES);
        table.clear();
        table.add(spec(rule)).unwrap();

        let long = "x".repeat(MAX_MATCH_BYTES + 1);
        let bad = format!(r#"{{"match":{{"app_key":"{long}"}},"effect":{{"drop":true}}}}"#);
        assert!(spec(&bad).check().unwrap_err().contains("app_key"));
        let fits = bad.replace(&long, &long[1..]);
        assert!(spec(&fits).check().is_ok());
    }
}
