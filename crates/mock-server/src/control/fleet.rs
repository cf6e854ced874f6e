//! One world across replicas: the mutable state a fleet of mocks shares in the store
//! (`--state-url`), and the server-side scripts that change it atomically. What lives
//! there: the clock (frozen instant or offset from wall time), the Easemob token epoch,
//! the rate-limit quotas and windows, the fault rules with their counters, and the journal
//! (a stream bounded by count and bytes). Every change made through the control API bumps
//! a version; each request's one script answers the world as it stands together with the
//! request's fault decision, so a replica adopts a newer world before it answers.
//!
//! What a replica caches, and why staleness cannot change an answer:
//! - the world (clock, epoch, quotas): refreshed from the answer of the request's own
//!   script before the handler runs, and only ever replaced by a newer version;
//! - the fault rules' matchers: the request's script compares the cached rule-set version
//!   with the stored one and refuses to decide on a stale set (the replica reloads the
//!   rules and asks again); counters, `times` and spent states are only ever read and
//!   changed inside the script.
//!
//! A fraction fault draws the same seeded share as in one process: the script finishes
//! the rule's key ([`crate::kernel::rng::key_before_last`]) with the use count it alone
//! knows, with a 64-bit splitmix finaliser written in Lua.

use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{mpsc, oneshot};

use chrono::{DateTime, TimeDelta, Utc};
use redis::{Script, Value};

use super::{
    faults::{matches, Applied, Effect, Match, RequestFacts, Rule, RuleSpec, RuleState, MAX_RULES},
    journal::{Entry, BYTE_BUDGET},
};
use crate::{
    families::{easemob, jpush},
    kernel::{
        clock::{check_range, EARLIEST, LATEST},
        ratelimit::{Decision, Quota},
        rng::{key_before_last, Purpose},
        store::{decision_of, Store, StoreError, RATE_LIMIT_LUA},
    },
};

/// The key prefix of a fleet: every replica started with the same seed shares it.
pub fn key_prefix(seed: u64) -> String {
    format!("mock:{seed}:")
}

/// What the world is reset to (`POST /_mock/reset`, or a store that lost it): the
/// startup settings, the same on every replica of a fleet.
#[derive(Debug, Clone)]
pub struct Startup {
    pub clock: Option<DateTime<Utc>>,
    pub jpush: Quota,
    pub easemob: Quota,
    pub faults: Vec<RuleSpec>,
}

/// The shared world as one script answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    pub version: u64,
    pub frozen: bool,
    /// The frozen instant, or the offset from wall time, in milliseconds.
    pub clock_ms: i64,
    pub token_epoch: u64,
    pub jpush: Quota,
    pub easemob: Quota,
    faults_version: i64,
}

/// What a vendor request's script decided.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub world: World,
    pub fault: Option<Applied>,
    /// The request's count against its app's window, when one was asked for.
    pub counted: Option<Decision>,
}

/// A live rule as a replica caches it: enough to match requests and to apply its effect.
#[derive(Debug, Clone)]
struct Cached {
    id: u64,
    matcher: Match,
    effect: Effect,
    fraction: Option<f64>,
    /// The rule's seeded key before its use count, in hex, for the script.
    key_hex: String,
}

#[derive(Debug, Default)]
struct CachedRules {
    version: i64,
    rules: Vec<Cached>,
}

/// A fleet member's handle on the shared world.
#[derive(Debug)]
pub struct Fleet {
    store: Arc<Store>,
    seed: u64,
    startup: Startup,
    rules: RwLock<CachedRules>,
    /// The newest world version this replica adopted.
    adopted: Mutex<u64>,
    journal: mpsc::Sender<Pending>,
}

/// A journal entry's JSON waiting for the writer, and who waits for it to be stored.
type Pending = (String, oneshot::Sender<Result<(), StoreError>>);

/// The most entries the journal writer appends in one call.
const MAX_BATCH: usize = 128;
/// The most entries waiting for the writer; requests wait for room beyond it.
const MAX_PENDING: usize = 4096;

/// How often a request asks again when the fault rules changed under it, before it gives up.
const STALE_RETRIES: usize = 4;

impl Fleet {
    /// A fleet member whose journal keeps `journal_capacity` entries. Starts the journal
    /// writer, so must be called inside a Tokio runtime.
    pub fn new(store: Arc<Store>, seed: u64, startup: Startup, journal_capacity: usize) -> Fleet {
        let (journal, pending) = mpsc::channel(MAX_PENDING);
        tokio::spawn(write_journal(store.clone(), journal_capacity, pending));
        Fleet {
            journal,
            store,
            seed,
            startup,
            rules: RwLock::new(CachedRules {
                version: -1,
                rules: Vec::new(),
            }),
            adopted: Mutex::new(0),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Runs `apply` on `world` if it is newer than any this replica adopted, holding the
    /// lock so that an older world can never overwrite a newer one.
    pub fn adopt(&self, world: &World, apply: impl FnOnce(&World)) {
        let mut adopted = self.adopted.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if world.version > *adopted {
            apply(world);
            *adopted = world.version;
        }
    }

    /// The decision for one vendor request, in one script call while the cached rules are
    /// current: the world, and the fault rule applied if any.
    /// `window`, the limiter and app slot whose window the request counts against when no
    /// fault answers it first, is counted in the same call.
    pub async fn on_request(
        &self,
        facts: RequestFacts<'_>,
        window: Option<(&str, u64)>,
    ) -> Result<Outcome, StoreError> {
        for _ in 0..STALE_RETRIES {
            let (version, candidates) = self.candidates(&facts);
            let reply: Vec<Value> = self
                .store
                .run(&scripts().request, |call| {
                    let (limiter, slot) = window.unwrap_or(("", 0));
                    call.arg(wall_ms()).arg(version).arg(limiter).arg(slot);
                    call.arg(candidates.len());
                    for rule in &candidates {
                        let fraction = rule.fraction.map_or_else(|| "-".to_owned(), |f| f.to_string());
                        let short = matches!(rule.effect, Effect::Status { .. } | Effect::Drop { .. });
                        call.arg(rule.id).arg(u8::from(short)).arg(fraction).arg(&rule.key_hex);
                    }
                })
                .await?;
            let Some(world) = world_of(&reply)? else {
                self.create_world().await?;
                continue;
            };
            if int_at(&reply, 12)? == 1 {
                self.reload_rules().await?;
                continue;
            }
            let fault = match u64::try_from(int_at(&reply, 13)?) {
                Ok(0) | Err(_) => None,
                Ok(id) => candidates.iter().find(|r| r.id == id).map(|rule| Applied {
                    rule: id,
                    effect: rule.effect,
                    nth: int_at(&reply, 14).unwrap_or(0).max(0) as u64,
                }),
            };
            let counted = match int_at(&reply, 15)? {
                1 => {
                    let values = (16..=19).map(|i| int_at(&reply, i)).collect::<Result<Vec<_>, _>>()?;
                    Some(decision_of(&values).ok_or_else(|| StoreError(format!("a count {values:?}")))?)
                }
                _ => None,
            };
            return Ok(Outcome { world, fault, counted });
        }
        Err(StoreError("the fault rules kept changing; try again".into()))
    }

    fn candidates(&self, facts: &RequestFacts<'_>) -> (i64, Vec<Cached>) {
        let cached = self.rules.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let matching = cached.rules.iter().filter(|r| matches(&r.matcher, facts)).cloned();
        (cached.version, matching.collect())
    }

    /// The world as it stands (created from the startup settings if the store has none).
    pub async fn world(&self) -> Result<World, StoreError> {
        for _ in 0..2 {
            let reply: Vec<Value> = self.store.run(&scripts().world, |_| {}).await?;
            if let Some(world) = world_of(&reply)? {
                return Ok(world);
            }
            self.create_world().await?;
        }
        Err(StoreError("the shared world could not be created".into()))
    }

    /// Creates the world from the startup settings unless another replica did first.
    async fn create_world(&self) -> Result<(), StoreError> {
        let (frozen, clock_ms) = startup_clock(&self.startup);
        // Versions start at wall time in microseconds: a world recreated after the store
        // lost it is newer than anything a replica adopted before.
        let first_version = Utc::now().timestamp_micros();
        let created: i64 = self
            .store
            .run(&scripts().create, |call| {
                call.arg(first_version).arg(frozen).arg(clock_ms);
                quota_args(call, &self.startup);
            })
            .await?;
        if created == 1 {
            tracing::info!("created the fleet's shared world from this replica's startup settings");
            self.install_startup_faults().await?;
        }
        Ok(())
    }

    async fn install_startup_faults(&self) -> Result<(), StoreError> {
        for spec in &self.startup.faults {
            self.add_fault(spec)
                .await?
                .map_err(|err| StoreError(format!("a startup fault was refused: {err}")))?;
        }
        Ok(())
    }

    /// Every rule, settled at the mock clock's now, and the rule-set version; refreshes
    /// the cached matchers.
    async fn load_rules(&self) -> Result<Vec<Rule>, StoreError> {
        let reply: Vec<Value> = self
            .store
            .run(&scripts().list, |call| {
                call.arg(wall_ms());
            })
            .await?;
        let version = int_at(&reply, 1)?;
        let mut rules = Vec::new();
        for chunk in reply.get(1..).unwrap_or_default().chunks(6) {
            rules.push(rule_of(chunk)?);
        }
        let live = rules
            .iter()
            .filter(|r| r.state == RuleState::Active)
            .map(|r| Cached {
                id: r.id,
                matcher: r.spec.matcher.clone(),
                effect: r.spec.effect,
                fraction: r.spec.fraction,
                key_hex: format!("{:016x}", key_before_last(self.seed, Purpose::Fault, &[r.id])),
            })
            .collect();
        *self.rules.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = CachedRules { version, rules: live };
        Ok(rules)
    }

    async fn reload_rules(&self) -> Result<(), StoreError> {
        self.load_rules().await.map(|_| ())
    }

    /// Every fault rule, live and spent, in the order they were added.
    pub async fn list_faults(&self) -> Result<Vec<Rule>, StoreError> {
        self.world().await?;
        self.load_rules().await
    }

    /// Adds a rule (checked first); its id, or why it was refused.
    pub async fn add_fault(&self, spec: &RuleSpec) -> Result<Result<u64, String>, StoreError> {
        if let Err(refusal) = spec.check() {
            return Ok(Err(refusal));
        }
        let json = serde_json::to_string(spec).map_err(|err| StoreError(err.to_string()))?;
        let times = spec.times.map_or(-1, |t| t as i64);
        let until = spec.until.map_or(-1, |u| u.timestamp_millis());
        let id: i64 = self
            .store
            .run(&scripts().add_fault, |call| {
                call.arg(wall_ms()).arg(MAX_RULES).arg(json).arg(times).arg(until);
            })
            .await?;
        match id {
            -2 => Err(StoreError("the shared world is missing".into())),
            -1 => Ok(Err(format!(
                "at most {MAX_RULES} live fault rules at once; delete some first"
            ))),
            id => Ok(Ok(id as u64)),
        }
    }

    /// Deletes one rule; whether it existed.
    pub async fn remove_fault(&self, id: u64) -> Result<bool, StoreError> {
        let removed: i64 = self
            .store
            .run(&scripts().remove_fault, |call| {
                call.arg(id);
            })
            .await?;
        Ok(removed == 1)
    }

    /// Deletes every rule; how many there were.
    pub async fn clear_faults(&self) -> Result<usize, StoreError> {
        let cleared: i64 = self.store.run(&scripts().clear_faults, |_| {}).await?;
        Ok(cleared.max(0) as usize)
    }

    /// Moves the clock to `now`, frozen or running; the new world.
    pub async fn set_clock(&self, now: DateTime<Utc>, frozen: bool) -> Result<World, StoreError> {
        let clock_ms = if frozen {
            now.timestamp_millis()
        } else {
            now.timestamp_millis() - wall_ms()
        };
        let reply: Vec<Value> = self
            .store
            .run(&scripts().set_clock, |call| {
                call.arg(frozen).arg(clock_ms);
            })
            .await?;
        world_of(&reply)?.ok_or_else(|| StoreError("the shared world is missing".into()))
    }

    /// Moves the clock by `delta`, atomically against every replica's moves; the new
    /// world, or the refusal when it would leave the clock's range.
    pub async fn advance_clock(&self, delta: TimeDelta) -> Result<Result<World, String>, StoreError> {
        self.world().await?;
        let reply: Vec<Value> = self
            .store
            .run(&scripts().advance, |call| {
                call.arg(wall_ms())
                    .arg(delta.num_milliseconds())
                    .arg(EARLIEST.timestamp_millis())
                    .arg(LATEST.timestamp_millis());
            })
            .await?;
        if int_at(&reply, 1)? == -1 {
            let target = DateTime::from_timestamp_millis(int_at(&reply, 2)?);
            let refusal = match target {
                Some(target) => check_range(target).err(),
                None => None,
            };
            return Ok(Err(refusal.unwrap_or_else(|| {
                format!("advancing by {delta} leaves the representable range")
            })));
        }
        world_of(&reply)?
            .map(Ok)
            .ok_or_else(|| StoreError("the shared world is missing".into()))
    }

    /// Sets the quotas given (`None` keeps one), closing the changed limiter's windows.
    pub async fn set_quotas(&self, jpush: Option<Quota>, easemob: Option<Quota>) -> Result<World, StoreError> {
        self.world().await?;
        let reply: Vec<Value> = self
            .store
            .run(&scripts().set_quotas, |call| {
                for quota in [jpush, easemob] {
                    match quota {
                        Some(q) => call.arg(q.limit).arg(q.window.num_milliseconds()),
                        None => call.arg(-1).arg(-1),
                    };
                }
            })
            .await?;
        world_of(&reply)?.ok_or_else(|| StoreError("the shared world is missing".into()))
    }

    /// Back to the startup world for every replica: clock, quotas, windows, fault rules
    /// (the startup ones installed again), the journal, and a new token epoch.
    pub async fn reset(&self) -> Result<World, StoreError> {
        self.world().await?;
        let (frozen, clock_ms) = startup_clock(&self.startup);
        let reply: Vec<Value> = self
            .store
            .run(&scripts().reset, |call| {
                call.arg(frozen).arg(clock_ms);
                quota_args(call, &self.startup);
            })
            .await?;
        let world = world_of(&reply)?.ok_or_else(|| StoreError("the shared world is missing".into()))?;
        self.install_startup_faults().await?;
        Ok(world)
    }

    /// Appends a request to the shared journal (cut to its bounds), dropping the oldest
    /// entries past the capacity or [`BYTE_BUDGET`] bytes of stored JSON; returns once it
    /// is stored, so that any replica's next read lists it. Concurrent requests' entries
    /// go to the store together, in one call.
    pub async fn record(&self, entry: Entry) -> Result<(), StoreError> {
        let json = serde_json::to_string(&entry.bounded()).map_err(|err| StoreError(err.to_string()))?;
        let (stored, done) = oneshot::channel();
        let stopped = || StoreError("the journal writer stopped".into());
        self.journal.send((json, stored)).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }

    /// Every entry of the shared journal, oldest first.
    pub async fn journal(&self) -> Result<Vec<Entry>, StoreError> {
        let reply: Vec<String> = self.store.run(&scripts().journal, |_| {}).await?;
        let mut entries = Vec::with_capacity(reply.len() / 2);
        for pair in reply.chunks(2) {
            let [seq, json] = pair else { continue };
            let mut entry: Entry =
                serde_json::from_str(json).map_err(|err| StoreError(format!("a journal entry: {err}")))?;
            entry.seq = seq.parse().unwrap_or_default();
            entries.push(entry);
        }
        Ok(entries)
    }

    /// Empties the shared journal; `seq` keeps counting up.
    pub async fn clear_journal(&self) -> Result<(), StoreError> {
        self.store
            .run::<i64>(&scripts().clear_journal, |_| {})
            .await
            .map(|_| ())
    }
}

/// Appends what requests left for it, in arrival order, a batch per call.
async fn write_journal(store: Arc<Store>, capacity: usize, mut pending: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while pending.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let stored = store
            .run::<i64>(&scripts().record, |call| {
                call.arg(capacity).arg(BYTE_BUDGET);
                for (json, _) in &batch {
                    call.arg(json);
                }
            })
            .await
            .map(|_| ());
        for (_, waiting) in batch.drain(..) {
            let _ = waiting.send(stored.clone());
        }
    }
}

fn wall_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn startup_clock(startup: &Startup) -> (bool, i64) {
    match startup.clock {
        Some(at) => (true, at.timestamp_millis()),
        None => (false, 0),
    }
}

fn quota_args(call: &mut redis::ScriptInvocation<'_>, startup: &Startup) {
    for quota in [startup.jpush, startup.easemob] {
        call.arg(quota.limit).arg(quota.window.num_milliseconds());
    }
}

fn int_at(reply: &[Value], index: usize) -> Result<i64, StoreError> {
    match reply.get(index - 1) {
        Some(Value::Int(n)) => Ok(*n),
        other => Err(StoreError(format!("unexpected answer {other:?} at {index}"))),
    }
}

fn text_at(reply: &[Value], index: usize) -> Result<String, StoreError> {
    match reply.get(index - 1) {
        Some(Value::BulkString(bytes)) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        Some(Value::Int(n)) => Ok(n.to_string()),
        other => Err(StoreError(format!("unexpected answer {other:?} at {index}"))),
    }
}

/// The world of a script's answer (`{1, version, ...}`), or `None` for `{0}`: none stored.
fn world_of(reply: &[Value]) -> Result<Option<World>, StoreError> {
    if int_at(reply, 1)? != 1 {
        return Ok(None);
    }
    let quota = |limit: i64, window_ms: i64| Quota {
        limit: limit.clamp(1, u32::MAX as i64) as u32,
        window: TimeDelta::milliseconds(window_ms.max(1)),
    };
    Ok(Some(World {
        version: int_at(reply, 2)?.max(0) as u64,
        frozen: int_at(reply, 3)? == 1,
        clock_ms: if int_at(reply, 3)? == 1 {
            int_at(reply, 4)?
        } else {
            int_at(reply, 5)?
        },
        token_epoch: int_at(reply, 6)?.max(0) as u64,
        faults_version: int_at(reply, 7)?,
        jpush: quota(int_at(reply, 8)?, int_at(reply, 9)?),
        easemob: quota(int_at(reply, 10)?, int_at(reply, 11)?),
    }))
}

/// One rule of the list script's answer: id, spec JSON, times left, state, matched, applied.
fn rule_of(chunk: &[Value]) -> Result<Rule, StoreError> {
    let mut spec: RuleSpec =
        serde_json::from_str(&text_at(chunk, 2)?).map_err(|err| StoreError(format!("a stored fault rule: {err}")))?;
    let times = int_at(chunk, 3)?;
    if times >= 0 {
        spec.times = Some(times as u64);
    }
    Ok(Rule {
        id: int_at(chunk, 1)?.max(0) as u64,
        spec,
        state: if text_at(chunk, 4)? == "active" {
            RuleState::Active
        } else {
            RuleState::Spent
        },
        matched: int_at(chunk, 5)?.max(0) as u64,
        applied: int_at(chunk, 6)?.max(0) as u64,
    })
}

/// The Lua every script starts with: the world's reply, the mock clock's now, settling
/// rules whose `until` passed, and 64-bit arithmetic for the seeded fraction draw.
const PRELUDE: &str = r#"
local p = ARGV[1]
local function world()
  local w = redis.call('HMGET', p .. 'world', 'ver', 'frozen', 'at', 'offset', 'epoch', 'faults_ver')
  if not w[1] then return nil end
  local q = redis.call('HMGET', p .. 'limits', '@JPUSH@:limit', '@JPUSH@:window_ms', '@EASEMOB@:limit', '@EASEMOB@:window_ms')
  return {1, tonumber(w[1]), tonumber(w[2]), tonumber(w[3]), tonumber(w[4]), tonumber(w[5]), tonumber(w[6]),
    tonumber(q[1]), tonumber(q[2]), tonumber(q[3]), tonumber(q[4])}
end
local function now_of(w, wall)
  if w[3] == 1 then return w[4] end
  return wall + w[5]
end
local function bump(field)
  redis.call('HINCRBY', p .. 'world', field, 1)
end
local function settle(now)
  local ids = redis.call('LRANGE', p .. 'faults', 0, -1)
  for _, id in ipairs(ids) do
    local k = p .. 'fault:' .. id
    local r = redis.call('HMGET', k, 'state', 'until')
    if r[1] == 'active' and tonumber(r[2]) >= 0 and now >= tonumber(r[2]) then
      redis.call('HSET', k, 'state', 'spent')
    end
  end
  return ids
end
local function clear_faults()
  local ids = redis.call('LRANGE', p .. 'faults', 0, -1)
  for _, id in ipairs(ids) do redis.call('DEL', p .. 'fault:' .. id) end
  redis.call('DEL', p .. 'faults')
  return #ids
end
-- u64 as four 16-bit limbs, lowest first
local function from_hex(h)
  return {tonumber(h:sub(13, 16), 16), tonumber(h:sub(9, 12), 16), tonumber(h:sub(5, 8), 16), tonumber(h:sub(1, 4), 16)}
end
local function from_int(n)
  local l = {}
  for i = 1, 4 do l[i] = n % 65536; n = math.floor(n / 65536) end
  return l
end
local function xor64(a, b)
  return {bit.bxor(a[1], b[1]), bit.bxor(a[2], b[2]), bit.bxor(a[3], b[3]), bit.bxor(a[4], b[4])}
end
local function shr64(a, k)
  local r = {}
  for i = 1, 4 do
    local pos = 16 * (i - 1) + k
    local q, s = math.floor(pos / 16), pos % 16
    local lo, hi = a[q + 1] or 0, a[q + 2] or 0
    r[i] = math.floor(lo / 2 ^ s) + (hi % 2 ^ s) * 2 ^ (16 - s)
  end
  return r
end
local function mul64(a, b)
  local r, carry = {}, 0
  for k = 0, 3 do
    local t = carry
    for i = 0, k do t = t + a[i + 1] * b[k - i + 1] end
    r[k + 1] = t % 65536
    carry = math.floor(t / 65536)
  end
  return r
end
local MIX_A = {0xe5b9, 0x1ce4, 0x476d, 0xbf58}
local MIX_B = {0x11eb, 0x1331, 0x49bb, 0x94d0}
local function mix(z)
  z = mul64(xor64(z, shr64(z, 30)), MIX_A)
  z = mul64(xor64(z, shr64(z, 27)), MIX_B)
  return xor64(z, shr64(z, 31))
end
-- kernel::rng::unit(key, 0) of the key finished with `last`
local function draw(before_hex, last)
  return mix(xor64(from_hex(before_hex), from_int(last)))[1] / 65536
end
"#;

/// The request's script. ARGV: prefix, wall ms, cached rule-set version, the limiter to
/// count against (`''`: none) and the app's slot, candidate count, then per candidate
/// rule: id, whether its effect answers before the family's gate (1/0), fraction (`-` for
/// none), seeded key hex. Answers the world, then: stale (1 when the rule set changed),
/// the applied rule's id (0 for none) and use, then whether the window was counted and
/// the count's `{allowed, limit, remaining, reset_secs}`.
const REQUEST: &str = r#"
local w = world()
if not w then return {0} end
local now = now_of(w, tonumber(ARGV[2]))
local stale, fault, nth, short = 0, 0, 0, 0
if tonumber(ARGV[3]) ~= w[7] then
  stale = 1
else
  for i = 0, tonumber(ARGV[6]) - 1 do
    local id = ARGV[7 + 4 * i]
    local k = p .. 'fault:' .. id
    local r = redis.call('HMGET', k, 'state', 'times', 'until', 'matched', 'applied')
    if r[1] == 'active' then
      local untl = tonumber(r[3])
      if untl >= 0 and now >= untl then
        redis.call('HSET', k, 'state', 'spent')
      else
        local matched = tonumber(r[4]) + 1
        local fraction = ARGV[9 + 4 * i]
        local applies = fraction == '-' or draw(ARGV[10 + 4 * i], matched) < tonumber(fraction)
        if applies then
          local applied, times, state = tonumber(r[5]) + 1, tonumber(r[2]), 'active'
          if times > 0 then times = times - 1 end
          if times == 0 then state = 'spent' end
          redis.call('HSET', k, 'matched', matched, 'applied', applied, 'times', times, 'state', state)
          fault, nth, short = tonumber(id), applied, tonumber(ARGV[8 + 4 * i])
          break
        end
        redis.call('HSET', k, 'matched', matched)
      end
    end
  end
end
w[12], w[13], w[14], w[15] = stale, fault, nth, 0
if stale == 0 and short == 0 and ARGV[4] ~= '' then
  local d = rate_limit(p, ARGV[4], ARGV[5], now)
  w[15], w[16], w[17], w[18], w[19] = 1, d[1], d[2], d[3], d[4]
end
return w
"#;

const WORLD: &str = r#"
return world() or {0}
"#;

/// ARGV: prefix, first version, frozen, clock ms, then limit and window ms of jpush and
/// easemob. Creates the world unless it exists; 1 if it did.
const CREATE: &str = r#"
if redis.call('EXISTS', p .. 'world') == 1 then return 0 end
clear_faults()
redis.call('DEL', p .. 'faults:next', p .. 'rl:@JPUSH@', p .. 'rl:@EASEMOB@')
local frozen = 0
if ARGV[3] == '1' or ARGV[3] == 'true' then frozen = 1 end
redis.call('HSET', p .. 'world', 'ver', ARGV[2], 'frozen', frozen, 'at', ARGV[4], 'offset', 0, 'epoch', 0, 'faults_ver', ARGV[2])
if frozen == 0 then redis.call('HSET', p .. 'world', 'offset', ARGV[4]) end
redis.call('HSET', p .. 'limits', '@JPUSH@:limit', ARGV[5], '@JPUSH@:window_ms', ARGV[6], '@EASEMOB@:limit', ARGV[7], '@EASEMOB@:window_ms', ARGV[8])
return 1
"#;

/// ARGV: prefix, wall ms. Answers the rule-set version, then per rule: id, spec, times
/// left (-1: none), state, matched, applied.
const LIST: &str = r#"
local w = world()
if not w then return {-1} end
local out = {w[7]}
for _, id in ipairs(settle(now_of(w, tonumber(ARGV[2])))) do
  local r = redis.call('HMGET', p .. 'fault:' .. id, 'spec', 'times', 'state', 'matched', 'applied')
  out[#out + 1] = tonumber(id)
  out[#out + 1] = r[1]
  out[#out + 1] = tonumber(r[2])
  out[#out + 1] = r[3]
  out[#out + 1] = tonumber(r[4])
  out[#out + 1] = tonumber(r[5])
end
return out
"#;

/// ARGV: prefix, wall ms, most rules, spec JSON, times (-1), until ms (-1). The new id,
/// -1 when every rule is live and the table is full, -2 without a world.
const ADD_FAULT: &str = r#"
local w = world()
if not w then return -2 end
local now = now_of(w, tonumber(ARGV[2]))
local ids = settle(now)
if #ids >= tonumber(ARGV[3]) then
  local room = nil
  for _, id in ipairs(ids) do
    if redis.call('HGET', p .. 'fault:' .. id, 'state') ~= 'active' then room = id; break end
  end
  if not room then return -1 end
  redis.call('LREM', p .. 'faults', 1, room)
  redis.call('DEL', p .. 'fault:' .. room)
end
local id = redis.call('INCR', p .. 'faults:next')
local untl, state = tonumber(ARGV[6]), 'active'
if untl >= 0 and now >= untl then state = 'spent' end
redis.call('HSET', p .. 'fault:' .. id, 'spec', ARGV[4], 'times', ARGV[5], 'until', ARGV[6], 'state', state, 'matched', 0, 'applied', 0)
redis.call('RPUSH', p .. 'faults', id)
bump('faults_ver')
return id
"#;

const REMOVE_FAULT: &str = r#"
local removed = redis.call('LREM', p .. 'faults', 0, ARGV[2])
if removed == 0 then return 0 end
redis.call('DEL', p .. 'fault:' .. ARGV[2])
bump('faults_ver')
return 1
"#;

const CLEAR_FAULTS: &str = r#"
local n = clear_faults()
bump('faults_ver')
return n
"#;

/// ARGV: prefix, frozen, clock ms (the instant, or the offset from wall time).
const SET_CLOCK: &str = r#"
if not world() then return {0} end
local frozen = 0
if ARGV[2] == '1' or ARGV[2] == 'true' then frozen = 1 end
redis.call('HSET', p .. 'world', 'frozen', frozen)
if frozen == 1 then
  redis.call('HSET', p .. 'world', 'at', ARGV[3])
else
  redis.call('HSET', p .. 'world', 'offset', ARGV[3])
end
bump('ver')
return world()
"#;

/// ARGV: prefix, wall ms, delta ms, earliest ms, latest ms. `{-1, target}` when the
/// clock would leave its range (nothing changes).
const ADVANCE: &str = r#"
local w = world()
if not w then return {0} end
local target = now_of(w, tonumber(ARGV[2])) + tonumber(ARGV[3])
if target < tonumber(ARGV[4]) or target > tonumber(ARGV[5]) then return {-1, target} end
if w[3] == 1 then
  redis.call('HSET', p .. 'world', 'at', target)
else
  redis.call('HINCRBY', p .. 'world', 'offset', ARGV[3])
end
bump('ver')
return world()
"#;

/// ARGV: prefix, then limit and window ms of jpush and easemob (-1: unchanged).
const SET_QUOTAS: &str = r#"
if not world() then return {0} end
local names = {'@JPUSH@', '@EASEMOB@'}
for i, name in ipairs(names) do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  if limit >= 0 then
    redis.call('HSET', p .. 'limits', name .. ':limit', limit, name .. ':window_ms', window)
    redis.call('DEL', p .. 'rl:' .. name)
  end
end
bump('ver')
return world()
"#;

/// ARGV: prefix, frozen, clock ms, then limit and window ms of jpush and easemob.
const RESET: &str = r#"
if not world() then return {0} end
clear_faults()
redis.call('DEL', p .. 'faults:next', p .. 'rl:@JPUSH@', p .. 'rl:@EASEMOB@', p .. 'journal', p .. 'journal:bytes')
local frozen = 0
if ARGV[2] == '1' or ARGV[2] == 'true' then frozen = 1 end
redis.call('HSET', p .. 'world', 'frozen', frozen, 'at', ARGV[3], 'offset', 0)
if frozen == 0 then redis.call('HSET', p .. 'world', 'offset', ARGV[3]) end
redis.call('HSET', p .. 'limits', '@JPUSH@:limit', ARGV[4], '@JPUSH@:window_ms', ARGV[5], '@EASEMOB@:limit', ARGV[6], '@EASEMOB@:window_ms', ARGV[7])
bump('epoch')
bump('ver')
bump('faults_ver')
return world()
"#;

/// ARGV: prefix, capacity, byte budget, then entries' JSON. Appends each with the next
/// `seq`, then drops the oldest entries while over either bound (the newest stays).
const RECORD: &str = r#"
local stream, bytes_key = p .. 'journal', p .. 'journal:bytes'
local added = 0
for i = 4, #ARGV do
  local seq = redis.call('INCR', p .. 'journal:seq')
  local size = string.len(ARGV[i])
  redis.call('XADD', stream, '*', 'q', seq, 's', size, 'e', ARGV[i])
  added = added + size
end
local bytes = redis.call('INCRBY', bytes_key, added)
local len = redis.call('XLEN', stream)
local capacity, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
while len > 1 and (len > capacity or bytes > budget) do
  local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  redis.call('XDEL', stream, oldest[1])
  bytes = redis.call('DECRBY', bytes_key, tonumber(oldest[2][4]))
  len = len - 1
end
return len
"#;

/// Answers seq and JSON of every entry, oldest first.
const JOURNAL: &str = r#"
local out = {}
for _, e in ipairs(redis.call('XRANGE', p .. 'journal', '-', '+')) do
  out[#out + 1] = e[2][2]
  out[#out + 1] = e[2][6]
end
return out
"#;

const CLEAR_JOURNAL: &str = r#"
redis.call('DEL', p .. 'journal', p .. 'journal:bytes')
return 1
"#;

struct Scripts {
    request: Script,
    world: Script,
    create: Script,
    list: Script,
    add_fault: Script,
    remove_fault: Script,
    clear_faults: Script,
    set_clock: Script,
    advance: Script,
    set_quotas: Script,
    reset: Script,
    record: Script,
    journal: Script,
    clear_journal: Script,
}

fn scripts() -> &'static Scripts {
    static SCRIPTS: std::sync::LazyLock<Scripts> = std::sync::LazyLock::new(|| {
        // The limiters' names are the families'; the scripts name them as @JPUSH@ and @EASEMOB@.
        let with_prelude = |body: &str| {
            let code = format!("{PRELUDE}\n{RATE_LIMIT_LUA}\n{body}")
                .replace("@JPUSH@", jpush::SHARED_WINDOWS)
                .replace("@EASEMOB@", easemob::SHARED_WINDOWS);
            Script::new(&code)
        };
        Scripts {
            request: with_prelude(REQUEST),
            world: with_prelude(WORLD),
            create: with_prelude(CREATE),
            list: with_prelude(LIST),
            add_fault: with_prelude(ADD_FAULT),
            remove_fault: with_prelude(REMOVE_FAULT),
            clear_faults: with_prelude(CLEAR_FAULTS),
            set_clock: with_prelude(SET_CLOCK),
            advance: with_prelude(ADVANCE),
            set_quotas: with_prelude(SET_QUOTAS),
            reset: with_prelude(RESET),
            record: with_prelude(RECORD),
            journal: with_prelude(JOURNAL),
            clear_journal: with_prelude(CLEAR_JOURNAL),
        }
    });
    &SCRIPTS
}
