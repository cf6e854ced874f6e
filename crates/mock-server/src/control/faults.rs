//! Fault rules: which requests get an injected failure, and which failure. The model only
//! (matching, scopes, seeded fractions); `app::request_layer` applies the effects to
//! requests.
//!
//! A rule is `{"match": {...}, "effect": {...}}` plus at most one scope: `times` (the
//! next N matching requests), `fraction` (a seeded, reproducible share of them) or
//! `until` (up to an instant of the mock clock). Without a scope it applies to every
//! matching request until deleted. The first live rule that matches a request wins.
//!
//! A rule whose scope is used up is *spent*: it matches nothing more but stays listed,
//! with its counts, until deleted, cleared or reset, so a test can see what a fault did.
//! Spent rules make room for new ones (the oldest spent rule is forgotten first); live
//! rules never do.

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

/// The most rules the table holds at once, live and spent together: every request is
/// matched against each live rule under one lock, so an uncapped table is a throughput
/// cliff. A new rule is refused only when all of them are live; otherwise the oldest
/// spent rule is forgotten to make room.
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

/// A stored rule: its spec, id, state and how it has been used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub id: u64,
    #[serde(flatten)]
    pub spec: RuleSpec,
    pub state: RuleState,
    /// Matching requests seen while live (the counter behind `fraction`).
    pub matched: u64,
    /// Requests the effect was applied to.
    pub applied: u64,
}

/// Whether a rule still applies: `spent` once its `times` are used or its `until` has
/// passed, for good (moving the clock back does not revive it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleState {
    Active,
    Spent,
}

impl Rule {
    fn is_live(&self) -> bool {
        self.state == RuleState::Active
    }

    /// Marks the rule spent if its scope is used up at `now`.
    fn settle(&mut self, now: DateTime<Utc>) {
        let over = self.spec.times == Some(0) || self.spec.until.is_some_and(|until| now >= until);
        if over {
            self.state = RuleState::Spent;
        }
    }
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
    /// How many rules are live: the fast path of [`FaultTable::decide`] reads it alone.
    live: usize,
}

impl Table {
    fn settle(&mut self, now: DateTime<Utc>) {
        for rule in self.rules.iter_mut().filter(|r| r.is_live()) {
            rule.settle(now);
        }
        self.live = self.rules.iter().filter(|r| r.is_live()).count();
    }

    /// Room for one more rule: forgets the oldest spent rule if the table is full.
    fn make_room(&mut self) -> Result<(), String> {
        if self.rules.len() < MAX_RULES {
            return Ok(());
        }
        let oldest_spent = self
            .rules
            .iter()
            .position(|r| !r.is_live())
            .ok_or_else(|| format!("at most {MAX_RULES} live fault rules at once; delete some first"))?;
        self.rules.remove(oldest_spent);
        Ok(())
    }
}

impl FaultTable {
    pub fn new(seed: u64) -> FaultTable {
        FaultTable {
            seed,
            state: Mutex::new(Table {
                next_id: 1,
                ..Table::default()
            }),
        }
    }

    /// Adds a live rule (a spent rule may be forgotten to make room); its id.
    pub fn add(&self, spec: RuleSpec, now: DateTime<Utc>) -> Result<u64, String> {
        spec.check()?;
        let mut table = self.lock();
        table.settle(now);
        table.make_room()?;
        let id = table.next_id;
        table.next_id += 1;
        let mut rule = Rule {
            id,
            spec,
            state: RuleState::Active,
            matched: 0,
            applied: 0,
        };
        rule.settle(now);
        table.rules.push(rule);
        table.settle(now);
        Ok(id)
    }

    /// Every rule, live and spent, in the order they were added, as they stand at `now`.
    pub fn list(&self, now: DateTime<Utc>) -> Vec<Rule> {
        let mut table = self.lock();
        table.settle(now);
        table.rules.clone()
    }

    /// Deletes one rule, live or spent; whether it existed.
    pub fn remove(&self, id: u64) -> bool {
        let mut table = self.lock();
        let before = table.rules.len();
        table.rules.retain(|r| r.id != id);
        table.live = table.rules.iter().filter(|r| r.is_live()).count();
        table.rules.len() < before
    }

    /// Deletes every rule; how many there were. Ids keep counting up.
    pub fn clear(&self) -> usize {
        let mut table = self.lock();
        table.live = 0;
        std::mem::take(&mut table.rules).len()
    }

    /// Forgets every rule and restarts ids and fraction counters.
    pub fn reset(&self) {
        *self.lock() = Table {
            next_id: 1,
            ..Table::default()
        };
    }

    /// The effect to apply to this request, if a live rule matches it; counts the use.
    /// Costs one uncontended lock and an empty check when no rule is set.
    pub fn decide(&self, request: RequestFacts<'_>, now: DateTime<Utc>) -> Option<Applied> {
        let mut table = self.lock();
        if table.live == 0 {
            return None;
        }
        // Rules past their time are spent; they are marked as they are met.
        table.settle(now);
        let seed = self.seed;
        let (mut decision, mut spent_now) = (None, false);
        for rule in table
            .rules
            .iter_mut()
            .filter(|r| r.is_live() && matches(&r.spec.matcher, &request))
        {
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
                rule.settle(now);
                spent_now = !rule.is_live();
                decision = Some(Applied {
                    rule: rule.id,
                    effect: rule.spec.effect,
                    nth: rule.applied,
                });
                break;
            }
        }
        if spent_now {
            table.live -= 1;
        }
        decision
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        // The table stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub fn matches(matcher: &Match, request: &RequestFacts<'_>) -> bool {
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
    fn times_then_spent_and_matching_by_every_key() {
        let table = FaultTable::new(1);
        let now = DateTime::from_timestamp(NOW, 0).unwrap();
        table
            .add(spec(r#"{"match":{"family":"jmessage","method":"get","path":"/v2/*","app_key":"k"},"effect":{"status":503},"times":2}"#), now)
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
        let listed = table.list(now);
        assert_eq!(listed.len(), 1, "a spent rule stays listed");
        assert_eq!(
            (
                listed[0].state,
                listed[0].matched,
                listed[0].applied,
                listed[0].spec.times
            ),
            (RuleState::Spent, 2, 2, Some(0))
        );
        assert!(table.remove(listed[0].id), "a spent rule can be deleted");
        assert!(table.list(now).is_empty());
    }

    #[test]
    fn spent_rules_make_room_and_live_ones_never_do() {
        let table = FaultTable::new(1);
        let now = DateTime::from_timestamp(NOW, 0).unwrap();
        let once = r#"{"match":{"path":"/once"},"effect":{"status":500},"times":1}"#;
        let stays = r#"{"match":{"path":"/nothing"},"effect":{"status":500}}"#;
        let first_spent = table.add(spec(once), now).unwrap();
        assert!(table.decide(facts("/once"), now).is_some());
        let spent_until = table
            .add(spec(r#"{"effect":{"drop":true},"until":"2026-11-01T00:00:00Z"}"#), now)
            .unwrap();
        assert_eq!(table.list(now)[1].state, RuleState::Spent, "added after its until");
        let earlier = now - chrono::TimeDelta::days(30);
        assert_eq!(table.list(earlier)[1].state, RuleState::Spent, "the clock moved back");
        assert!(table.decide(facts("/x"), earlier).is_none(), "does not revive it");
        assert!(table.decide(facts("/x"), now).is_none(), "spent rules match nothing");
        for _ in 0..MAX_RULES - 2 {
            table.add(spec(stays), now).unwrap();
        }
        let ids = |t: &FaultTable| t.list(now).iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(&table).len(), MAX_RULES);
        table.add(spec(stays), now).unwrap();
        assert!(!ids(&table).contains(&first_spent), "the oldest spent rule made room");
        table.add(spec(stays), now).unwrap();
        assert!(!ids(&table).contains(&spent_until));
        let err = table.add(spec(stays), now).unwrap_err();
        assert!(err.contains("live"), "{err}");
        assert_eq!(table.list(now).len(), MAX_RULES);
        assert!(table.list(now).iter().all(|r| r.state == RuleState::Active));
    }

    #[test]
    fn until_follows_the_clock_and_fraction_is_seeded() {
        let table = FaultTable::new(1);
        let now = DateTime::from_timestamp(NOW, 0).unwrap();
        table
            .add(spec(r#"{"effect":{"drop":true},"until":"2026-11-19T00:00:00Z"}"#), now)
            .unwrap();
        assert!(table.decide(facts("/x"), now).is_some());
        assert!(table.decide(facts("/x"), now + chrono::TimeDelta::days(10)).is_none());

        let pattern = |seed| {
            let table = FaultTable::new(seed);
            table
                .add(spec(r#"{"effect":{"status":500},"fraction":0.25}"#), now)
                .unwrap();
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
        let now = DateTime::from_timestamp(NOW, 0).unwrap();
        let rule = r#"{"match":{"path":"/nothing"},"effect":{"status":500}}"#;
        for _ in 0..MAX_RULES {
            table.add(spec(rule), now).unwrap();
        }
        let err = table.add(spec(rule), now).unwrap_err();
        assert!(err.contains(&MAX_RULES.to_string()), "{err}");
        assert_eq!(table.list(now).len(), MAX_RULES);
        table.clear();
        table.add(spec(rule), now).unwrap();

        let long = "x".repeat(MAX_MATCH_BYTES + 1);
        let bad = format!(r#"{{"match":{{"app_key":"{long}"}},"effect":{{"drop":true}}}}"#);
        assert!(spec(&bad).check().unwrap_err().contains("app_key"));
        let fits = bad.replace(&long, &long[1..]);
        assert!(spec(&fits).check().is_ok());
    }
}
