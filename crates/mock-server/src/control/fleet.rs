//! One world across replicas: the mutable state a fleet of mocks shares in the store
//! (`--state-url`), and the server-side scripts that change it atomically. What lives
//! there: the clock (frozen instant or offset from wall time), the Easemob token epoch,
//! the rate-limit quotas and windows, the fault rules with their counters, and the journal
//! (a stream bounded by count and bytes). Every change made through the control API bumps
//! a version; the script call that decides a request answers the world as it stands
//! together with the request's fault decision, so a replica adopts a newer world before it
//! answers. It also owns the replica's store task ([`serve_store`]): the decisions of
//! concurrent requests and their journal entries go to the store together, in one call.
//!
//! What a replica caches, and why staleness cannot change an answer:
//! - the world (clock, epoch, quotas): refreshed from the answer of the call that decided
//!   the request, before the handler runs, and only ever replaced by a newer version;
//! - the fault rules' matchers: the script compares each request's cached rule-set version
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
    journal::{Packed, BYTE_BUDGET},
};
use crate::{
    families::{easemob, jpush},
    kernel::{
        clock::{check_range, EARLIEST, LATEST},
        ratelimit::{Decision, Quota},
        rng::{key_before_last, Purpose},
        store::{decision_of, Store, StoreError, CALL_TIMEOUT, RATE_LIMIT_LUA},
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

/// What the store decided for a vendor request.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The world, when it is not the one this replica adopted last.
    pub world: Option<World>,
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
    /// The rule's seeded key before its use count ([`key_before_last`]).
    key: u64,
}

/// What the script is told of a cached rule that matches a request.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    id: u64,
    effect: Effect,
    fraction: Option<f64>,
    key: u64,
}

/// The decision script's answer for one request.
#[derive(Debug)]
enum Reply {
    /// The store holds no world (first use, or lost): create it and ask again.
    NoWorld,
    /// The fault rules changed since this replica cached them: reload them and ask again.
    Stale,
    Decided {
        /// The applied rule's id and use.
        fault: Option<(u64, u64)>,
        counted: Option<Decision>,
    },
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
    asks: mpsc::Sender<Ask>,
}

/// A journal entry in its stored form waiting for the store task, and who waits for it
/// to be stored.
type Pending = (Vec<u8>, oneshot::Sender<Result<(), StoreError>>);

/// The most journal entries appended in one call.
const MAX_BATCH: usize = 128;
/// The most entries waiting to be stored; requests wait for room beyond it.
const MAX_PENDING: usize = 4096;

/// How often a request asks again when the fault rules changed under it, before it gives up.
const STALE_RETRIES: usize = 4;

/// A vendor request waiting for its decision: what the script is told, and who waits.
#[derive(Debug)]
struct Ask {
    /// The rule-set version its candidates were matched against.
    version: i64,
    /// The world version this replica had adopted when it asked.
    known: u64,
    /// The limiter whose window it counts against (`""`: none), and its app's slot.
    limiter: &'static str,
    slot: u64,
    candidates: Vec<Candidate>,
    /// When it stops waiting for a call to begin: a lost store fails it after
    /// [`CALL_TIMEOUT`] in the queue, however many requests queued before it.
    deadline: tokio::time::Instant,
    answer: oneshot::Sender<Result<Answer, StoreError>>,
}

impl Ask {
    /// How many script arguments it adds.
    fn args(&self) -> usize {
        5 + 4 * self.candidates.len()
    }
}

/// What a request is answered.
#[derive(Debug)]
enum Answer {
    NoWorld,
    Stale,
    Decided(Outcome),
}

/// The most requests waiting for their decision; requests wait for room beyond it.
const MAX_ASKING: usize = 4096;
/// The most requests decided in one call, and the most script arguments they may add (a
/// request with every rule a candidate still goes alone).
const MAX_DECIDED: usize = 256;
const MAX_DECIDE_ARGS: usize = 4096;
/// How many calls of the store task may be in flight at once: while they are, what
/// arrives queues for the next call, which takes it all. Two keep both the mock and the
/// store busy (one call is written or read while the other runs); one left the CPU idle
/// between calls, and four did no better in a trial (docs/PERFORMANCE.md, issue 15).
const MAX_IN_FLIGHT: usize = 2;

impl Fleet {
    /// A fleet member whose journal keeps `journal_capacity` entries. Starts the journal
    /// and decision task ([`serve_store`]) on a thread of its own.
    pub fn new(store: Arc<Store>, seed: u64, startup: Startup, journal_capacity: usize) -> Fleet {
        let (journal, pending) = mpsc::channel(MAX_PENDING);
        let (asks, asked) = mpsc::channel(MAX_ASKING);
        start_store_thread(store.clone(), journal_capacity, pending, asked);
        Fleet::served_by(store, seed, startup, journal, asks)
    }

    /// A fleet member whose store task is fed through `journal` and `asks`.
    fn served_by(
        store: Arc<Store>,
        seed: u64,
        startup: Startup,
        journal: mpsc::Sender<Pending>,
        asks: mpsc::Sender<Ask>,
    ) -> Fleet {
        Fleet {
            journal,
            asks,
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

    /// Whether this replica can decide requests: its store task runs and the store answers.
    pub async fn readiness(&self) -> Result<(), StoreError> {
        if self.asks.is_closed() || self.journal.is_closed() {
            return Err(StoreError("this replica's store task stopped".into()));
        }
        self.store.ping().await
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

    /// The decision for one vendor request, while the cached rules are current: the world
    /// when it is newer than the one this replica adopted, and the fault rule applied if
    /// any. `window`, the limiter and app slot whose window the request counts against when
    /// no fault answers it first, is counted in the same step. The request joins the
    /// requests the store task sends together ([`serve_store`]): one script call decides
    /// them all, each in turn as if alone.
    pub async fn on_request(
        &self,
        facts: RequestFacts<'_>,
        window: Option<(&'static str, u64)>,
    ) -> Result<Outcome, StoreError> {
        let (limiter, slot) = window.unwrap_or(("", 0));
        for _ in 0..STALE_RETRIES {
            let (version, candidates) = self.candidates(&facts);
            let known = *self.adopted.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (answer, answered) = oneshot::channel();
            let ask = Ask {
                version,
                known,
                limiter,
                slot,
                candidates,
                deadline: tokio::time::Instant::now() + CALL_TIMEOUT,
                answer,
            };
            let stopped = || StoreError("the store task stopped".into());
            self.asks.send(ask).await.map_err(|_| stopped())?;
            match answered.await.map_err(|_| stopped())?? {
                Answer::NoWorld => self.create_world().await?,
                Answer::Stale => self.reload_rules().await?,
                Answer::Decided(outcome) => return Ok(outcome),
            }
        }
        Err(StoreError("the fault rules kept changing; try again".into()))
    }

    fn candidates(&self, facts: &RequestFacts<'_>) -> (i64, Vec<Candidate>) {
        let cached = self.rules.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let matching = cached
            .rules
            .iter()
            .filter(|r| matches(&r.matcher, facts))
            .map(|r| Candidate {
                id: r.id,
                effect: r.effect,
                fraction: r.fraction,
                key: r.key,
            });
        (cached.version, matching.collect())
    }

    /// The world as it stands (created from the startup settings if the store has none).
    pub async fn world(&self) -> Result<World, StoreError> {
        for _ in 0..2 {
            let reply: Value = self.store.run(&scripts().world, |_| {}).await?;
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
                key: key_before_last(self.seed, Purpose::Fault, &[r.id]),
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
        let reply: Value = self
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
        let reply: Value = self
            .store
            .run(&scripts().advance, |call| {
                call.arg(wall_ms())
                    .arg(delta.num_milliseconds())
                    .arg(EARLIEST.timestamp_millis())
                    .arg(LATEST.timestamp_millis());
            })
            .await?;
        if let Some(target) = text_of(&reply)?.strip_prefix(b"!") {
            let target = std::str::from_utf8(target).ok().and_then(|t| t.parse().ok());
            let refusal = target
                .and_then(DateTime::from_timestamp_millis)
                .and_then(|t| check_range(t).err());
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
        let reply: Value = self
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
        let reply: Value = self
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

    /// Appends a request to the shared journal, dropping the oldest entries past the
    /// capacity or [`BYTE_BUDGET`] stored bytes; returns once it is stored, so that any
    /// replica's next read lists it. Concurrent requests' entries go to the store together,
    /// in one call with the decisions of the requests asking.
    pub async fn record(&self, entry: &Packed) -> Result<(), StoreError> {
        let (stored, done) = oneshot::channel();
        let stopped = || StoreError("the store task stopped".into());
        self.journal
            .send((entry.stored(), stored))
            .await
            .map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }

    /// Every entry of the shared journal, oldest first.
    pub async fn journal(&self) -> Result<Vec<Packed>, StoreError> {
        let reply: Vec<Vec<u8>> = self.store.run(&scripts().journal, |_| {}).await?;
        let mut entries = Vec::with_capacity(reply.len() / 2);
        for pair in reply.chunks(2) {
            let [seq, stored] = pair else { continue };
            let seq = std::str::from_utf8(seq).ok().and_then(|seq| seq.parse().ok());
            let entry = seq.and_then(|seq| Packed::from_stored(stored, seq));
            entries.push(entry.ok_or_else(|| {
                StoreError("a journal entry in the store is not of this mock's form (another version?)".into())
            })?);
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

/// Starts [`serve_store`] on a thread of its own, on a single-threaded runtime with its own
/// connection to `store`; it ends when the fleet is dropped. The store task, its calls, the
/// Redis client's connection driver and the replies then run on one thread: on the request
/// runtime's workers they woke one another across threads, each wake unparking the other
/// worker to steal work, which cost a replica about a fifth of its requests a second
/// (docs/PERFORMANCE.md, issue 15).
fn start_store_thread(store: Arc<Store>, capacity: usize, pending: mpsc::Receiver<Pending>, asks: mpsc::Receiver<Ask>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the fleet's store task");
    let serve = move || {
        runtime.block_on(async move {
            match store.another_connection() {
                Ok(own) => serve_store(Arc::new(own), capacity, pending, asks).await,
                // Its requests then fail as the store's loss does (the family's 503).
                Err(err) => tracing::error!("the fleet's store task has no connection: {err}"),
            }
        })
    };
    std::thread::Builder::new()
        .name("fleet-store".into())
        .spawn(serve)
        .expect("a thread for the fleet's store task");
}

/// Serves what requests leave for the store, in arrival order: the journal entries of
/// the requests answered and the decisions of the requests asking, together in one call.
/// As soon as anything waits and fewer than [`MAX_IN_FLIGHT`] calls are in flight,
/// everything queued by then goes (never waiting for more to come, so a lone request adds
/// no delay); the requests that arrive meanwhile queue for the next call.
async fn serve_store(
    store: Arc<Store>,
    capacity: usize,
    mut pending: mpsc::Receiver<Pending>,
    mut asks: mpsc::Receiver<Ask>,
) {
    let room = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut carried: Option<Ask> = None;
    loop {
        let Ok(permit) = room.clone().acquire_owned().await else {
            return;
        };
        let (mut entries, mut batch) = (Vec::new(), Vec::new());
        match carried.take() {
            Some(ask) => batch.push(ask),
            None => tokio::select! {
                Some(entry) = pending.recv() => entries.push(entry),
                Some(ask) = asks.recv() => batch.push(ask),
                else => break,
            },
        }
        while entries.len() < MAX_BATCH {
            let Ok(entry) = pending.try_recv() else { break };
            entries.push(entry);
        }
        let mut args: usize = batch.iter().map(Ask::args).sum();
        while batch.len() < MAX_DECIDED {
            let Ok(ask) = asks.try_recv() else { break };
            if !batch.is_empty() && args + ask.args() > MAX_DECIDE_ARGS {
                carried = Some(ask);
                break;
            }
            args += ask.args();
            batch.push(ask);
        }
        let store = store.clone();
        tokio::spawn(async move {
            serve_batch(&store, capacity, entries, batch).await;
            drop(permit);
        });
    }
    // The calls still in flight end before the runtime that runs them does.
    let _ = room.acquire_many(MAX_IN_FLIGHT as u32).await;
}

/// One call storing `entries` and deciding `batch`; everyone gets their answer, or the
/// call's failure.
async fn serve_batch(store: &Store, capacity: usize, entries: Vec<Pending>, mut batch: Vec<Ask>) {
    let now = tokio::time::Instant::now();
    let (expired, live): (Vec<Ask>, Vec<Ask>) = batch.drain(..).partition(|ask| ask.deadline <= now);
    for ask in expired {
        let _ = ask.answer.send(Err(StoreError(format!(
            "no answer within {} ms",
            CALL_TIMEOUT.as_millis()
        ))));
    }
    if entries.is_empty() && live.is_empty() {
        return;
    }
    // Fractions need the seeded draw; most calls send none and run the lean script.
    let drawing = live
        .iter()
        .any(|ask| ask.candidates.iter().any(|rule| rule.fraction.is_some()));
    let script = if drawing {
        &scripts().serve_drawing
    } else {
        &scripts().serve
    };
    let reply = store
        .run::<Value>(script, |call| {
            call.arg(wall_ms()).arg(capacity.max(1)).arg(BYTE_BUDGET);
            call.arg(entries.len());
            for (stored, _) in &entries {
                call.arg(&stored[..]);
            }
            call.arg(live.len());
            for ask in &live {
                call.arg(ask.version).arg(ask.known).arg(ask.limiter).arg(ask.slot);
                call.arg(ask.candidates.len());
                for rule in &ask.candidates {
                    let short = matches!(rule.effect, Effect::Status { .. } | Effect::Drop { .. });
                    call.arg(rule.id).arg(u8::from(short));
                    match rule.fraction {
                        Some(fraction) => call.arg(fraction),
                        None => call.arg("-"),
                    };
                    call.arg(&hex16(rule.key)[..]);
                }
            }
        })
        .await;
    let stored = reply.as_ref().map(|_| ()).map_err(Clone::clone);
    for (_, waiting) in entries {
        let _ = waiting.send(stored.clone());
    }
    if live.is_empty() {
        return;
    }
    match reply.and_then(|reply| replies_of(&reply, live.len())) {
        Err(err) => {
            for ask in live {
                let _ = ask.answer.send(Err(err.clone()));
            }
        }
        Ok((replies, world)) => {
            for (ask, reply) in live.into_iter().zip(replies) {
                let answer = Ok(match reply {
                    Reply::NoWorld => Answer::NoWorld,
                    Reply::Stale => Answer::Stale,
                    Reply::Decided { fault, counted } => {
                        let fault = fault.and_then(|(id, nth)| {
                            let rule = ask.candidates.iter().find(|r| r.id == id)?;
                            Some(Applied {
                                rule: id,
                                effect: rule.effect,
                                nth,
                            })
                        });
                        let world = world.clone().filter(|w| w.version != ask.known);
                        Answer::Decided(Outcome { world, fault, counted })
                    }
                });
                let _ = ask.answer.send(answer);
            }
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

fn quota_args(call: &mut redis::Cmd, startup: &Startup) {
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

/// The text of a script's answer (a bulk string; Redis answers a Lua number as an integer).
fn text_of(reply: &Value) -> Result<&[u8], StoreError> {
    match reply {
        Value::BulkString(bytes) => Ok(bytes),
        Value::SimpleString(text) => Ok(text.as_bytes()),
        other => Err(StoreError(format!("unexpected answer {other:?}"))),
    }
}

/// Fills `out` with the comma-separated integers of `text`, which must have exactly as many.
fn ints(text: &[u8], out: &mut [i64]) -> Result<(), StoreError> {
    let mut fields = text.split(|&b| b == b',');
    for slot in out.iter_mut() {
        *slot = fields
            .next()
            .and_then(int)
            .ok_or_else(|| StoreError(format!("unexpected answer {}", String::from_utf8_lossy(text))))?;
    }
    match fields.next() {
        None => Ok(()),
        Some(_) => Err(StoreError(format!(
            "unexpected answer {}",
            String::from_utf8_lossy(text)
        ))),
    }
}

/// A decimal integer, `-` allowed (read on every request: no UTF-8 check, no error value).
fn int(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(i64::from(digit - b'0'))?;
    }
    Some(if negative { -n } else { n })
}

/// The world of a script's answer (`world_text` in the Lua), or `None` for `''`: none stored.
fn world_of(reply: &Value) -> Result<Option<World>, StoreError> {
    let text = text_of(reply)?;
    if text.is_empty() {
        return Ok(None);
    }
    parse_world(text).map(Some)
}

fn parse_world(text: &[u8]) -> Result<World, StoreError> {
    let mut fields = [0; 10];
    ints(text, &mut fields)?;
    let [version, frozen, at, offset, epoch, faults_version, jpush_limit, jpush_ms, easemob_limit, easemob_ms] = fields;
    let quota = |limit: i64, window_ms: i64| Quota {
        limit: limit.clamp(1, u32::MAX as i64) as u32,
        window: TimeDelta::milliseconds(window_ms.max(1)),
    };
    Ok(World {
        version: version.max(0) as u64,
        frozen: frozen == 1,
        clock_ms: if frozen == 1 { at } else { offset },
        token_epoch: epoch.max(0) as u64,
        faults_version,
        jpush: quota(jpush_limit, jpush_ms),
        easemob: quota(easemob_limit, easemob_ms),
    })
}

/// The decision script's answer for `n` requests (see [`DECIDE_LUA`]): each one's reply, and
/// the world when some request's adopted version was not the stored one.
fn replies_of(reply: &Value, n: usize) -> Result<(Vec<Reply>, Option<World>), StoreError> {
    let text = text_of(reply)?;
    let (decisions, world) = match text.iter().position(|&b| b == b'|') {
        Some(bar) => (&text[..bar], Some(parse_world(&text[bar + 1..])?)),
        None => (text, None),
    };
    // A store without a world answers `''` however many asked.
    if decisions.is_empty() {
        return Ok(((0..n).map(|_| Reply::NoWorld).collect(), world));
    }
    let replies = decisions
        .split(|&b| b == b';')
        .map(decision_of_reply)
        .collect::<Result<Vec<_>, _>>()?;
    if replies.len() != n {
        return Err(StoreError(format!(
            "{} decisions answered for {n} requests",
            replies.len()
        )));
    }
    Ok((replies, world))
}

/// One request's part of the decision script's answer.
fn decision_of_reply(text: &[u8]) -> Result<Reply, StoreError> {
    match text {
        b"" => return Ok(Reply::NoWorld),
        b"stale" => return Ok(Reply::Stale),
        _ => {}
    }
    let mut fields = [0; 7];
    ints(text, &mut fields)?;
    let [fault, nth, counted, count @ ..] = fields;
    let fault = u64::try_from(fault)
        .ok()
        .filter(|&id| id > 0)
        .map(|id| (id, nth.max(0) as u64));
    let counted = match counted {
        1 => Some(decision_of(&count).ok_or_else(|| StoreError(format!("a count {count:?}")))?),
        _ => None,
    };
    Ok(Reply::Decided { fault, counted })
}

/// `key` as the 16 lowercase hex digits the draw reads.
fn hex16(key: u64) -> [u8; 16] {
    let mut hex = [0; 16];
    for (i, digit) in hex.iter_mut().enumerate() {
        *digit = b"0123456789abcdef"[(key >> (60 - 4 * i)) as usize & 0xf];
    }
    hex
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

// The scripts. Each is one small Lua program, loaded once (`SCRIPT LOAD`) and called by
// its hash: a script is built from only the pieces below that it uses, because Redis runs
// a script's whole body on every call (a helper defined is a closure made each time), and
// each `redis.call` costs a script about as much as a small command costs a client.
// Answers the mock parses on every request are one string, not an array: a reply of
// many elements costs the client far more to parse than the same numbers in one string.

/// Every script's first line: the key prefix, always `ARGV[1]`.
const PREFIX_LUA: &str = "local p = ARGV[1]\n";

/// The world: `world()` answers its fields as stored (strings: version, frozen, frozen
/// instant, offset from wall time, token epoch, rule-set version, then limit and window ms
/// of jpush and easemob), or nil when it is missing or incomplete; `now_of(frozen, at,
/// offset, wall)` the mock clock's instant in ms (a running clock's from the wall ms as
/// text: converting text to a number is one of a script's dearer steps); `world_text` the fields comma-separated
/// (`''` for none), the form [`world_of`] reads.
const WORLD_LUA: &str = r#"
local function world()
  local w = redis.call('HMGET', p .. 'world', 'ver', 'frozen', 'at', 'offset', 'epoch', 'faults_ver',
    '@JPUSH@:limit', '@JPUSH@:window_ms', '@EASEMOB@:limit', '@EASEMOB@:window_ms')
  for i = 1, 10 do
    if not w[i] then return nil end
  end
  return w
end
local function now_of(frozen, at, offset, wall)
  if frozen == '1' then return tonumber(at) end
  return tonumber(wall) + tonumber(offset)
end
local function world_text(w)
  if not w then return '' end
  return table.concat(w, ',')
end
"#;

/// `bump(field)`: a new world version (`ver`) or rule-set version (`faults_ver`).
const BUMP_LUA: &str = r#"
local function bump(field)
  redis.call('HINCRBY', p .. 'world', field, 1)
end
"#;

/// `settle(now)`: marks spent the rules whose `until` passed; answers every rule's id.
const SETTLE_LUA: &str = r#"
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
"#;

/// `clear_faults()`: deletes every rule; answers how many there were.
const CLEAR_FAULTS_LUA: &str = r#"
local function clear_faults()
  local ids = redis.call('LRANGE', p .. 'faults', 0, -1)
  for _, id in ipairs(ids) do redis.call('DEL', p .. 'fault:' .. id) end
  redis.call('DEL', p .. 'faults')
  return #ids
end
"#;

/// `draw(key_hex, last)`: [`crate::kernel::rng::unit`]`(key, 0)` of the rule's key finished
/// with `last`, with 64-bit splitmix arithmetic on four 16-bit limbs (Lua numbers are
/// doubles).
const DRAW_LUA: &str = r#"
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
local function draw(before_hex, last)
  return mix(xor64(from_hex(before_hex), from_int(last)))[1] / 65536
end
"#;

/// The lean decision script is only ever sent candidates without a fraction.
const NO_DRAW_LUA: &str = r#"
local function draw()
  error('a fraction rule was sent to the decision script without the draw')
end
"#;

/// `decide_all(first, wall)` decides the requests of one call in turn, each exactly as if
/// it were alone (each sees the counters, `times` and windows the ones before it changed),
/// on the mock clock of the wall ms `wall`. `ARGV[first]` is the request count, and after
/// it come, per request: cached rule-set version, the
/// world version this replica adopted, the limiter to count against (`''`: none) and the
/// app's slot, candidate count, then per candidate rule: id, whether its effect answers
/// before the family's gate (1/0), fraction (`-` for none), seeded key hex. Answers `''`
/// for no request or without a world, else the requests' replies joined by `;`: `''` without a world,
/// `stale` when the rule set changed, else `fault,nth,counted,allowed,limit,remaining,
/// reset_secs` (fault 0: none; counted 0: the window was not counted); followed by `|` and
/// the world's text when some request's adopted version is not the stored one.
const DECIDE_LUA: &str = r#"
local function decide_all(first, wall)
if ARGV[first] == '0' then return '' end
-- Only what every request needs is read (the whole world only when it must be sent), and
-- numbers and text are converted only where they must be: glibc's strtod and a double's
-- sprintf are among the dearest steps of a script (integers are formatted with %d). What
-- no request of the call changes (the world's fields, the quotas) is read once per call.
local h = redis.call('HMGET', p .. 'world', 'ver', 'faults_ver', 'frozen', 'at', 'offset')
if not (h[1] and h[2] and h[3] and h[4] and h[5]) then return '' end
local now = now_of(h[3], h[4], h[5], wall)
-- the world's text once some request needs it (false: incomplete), and each limiter's quota
local w, quotas = nil, {}
local function decide(a, n)
  if ARGV[a] ~= h[2] then return 'stale' end
  if ARGV[a + 1] ~= h[1] then
    if w == nil then w = world() or false end
    if not w then return '' end
  end
  local out, short = '0,0,', 0
  for i = 0, n - 1 do
    local c = a + 5 + 4 * i
    local id = ARGV[c]
    local k = p .. 'fault:' .. id
    local r = redis.call('HMGET', k, 'state', 'times', 'until', 'matched', 'applied')
    if r[1] == 'active' then
      local untl = tonumber(r[3])
      if untl >= 0 and now >= untl then
        redis.call('HSET', k, 'state', 'spent')
      else
        local matched = tonumber(r[4]) + 1
        local fraction = ARGV[c + 2]
        local applies = fraction == '-' or draw(ARGV[c + 3], matched) < tonumber(fraction)
        if applies then
          local applied, times, state = tonumber(r[5]) + 1, tonumber(r[2]), 'active'
          if times > 0 then times = times - 1 end
          if times == 0 then state = 'spent' end
          redis.call('HSET', k, 'matched', matched, 'applied', applied, 'times', times, 'state', state)
          out, short = id .. ',' .. applied .. ',', tonumber(ARGV[c + 1])
          break
        end
        redis.call('HSET', k, 'matched', matched)
      end
    end
  end
  local limiter = ARGV[a + 2]
  if short == 0 and limiter ~= '' then
    local q = quotas[limiter]
    if not q then
      q = redis.call('HMGET', p .. 'world', limiter .. ':limit', limiter .. ':window_ms')
      if q[1] and q[2] then q[3], q[4] = tonumber(q[1]), tonumber(q[2]) end
      quotas[limiter] = q
    end
    if not (q[1] and q[2]) then return '' end
    local d = count(p, limiter, ARGV[a + 3], now, q[3], q[4])
    local allowed = '1,0,'
    if d[1] == 1 then allowed = '1,1,' end
    return out .. allowed .. q[1] .. string.format(',%d,%d', d[3], d[4])
  end
  return out .. '0,0,0,0,0'
end
local replies, a = {}, first + 1
for i = 1, tonumber(ARGV[first]) do
  local n = ARGV[a + 4] ~= '0' and tonumber(ARGV[a + 4]) or 0
  replies[i] = decide(a, n)
  a = a + 5 + 4 * n
end
flush()
local text = table.concat(replies, ';')
if w then text = text .. '|' .. world_text(w) end
return text
end
"#;

/// The script of every call the store task makes ([`serve_store`]): the journal entries
/// of the requests answered, then the decisions of the requests asking. ARGV: prefix, wall
/// ms, journal capacity, byte budget, entry count, the entries ([`Packed::stored`]), then the requests as
/// [`DECIDE_LUA`] reads them. Answers what `decide_all` answers.
const SERVE: &str = r#"
local entries = tonumber(ARGV[5])
record(6, 5 + entries, ARGV[3], ARGV[4])
return decide_all(6 + entries, ARGV[2])
"#;

const WORLD: &str = r#"
return world_text(world())
"#;

/// ARGV: prefix, first version, frozen, clock ms, then limit and window ms of jpush and
/// easemob. Creates the world unless a complete one exists; 1 if it did.
const CREATE: &str = r#"
if world() then return 0 end
clear_faults()
redis.call('DEL', p .. 'world', p .. 'faults:next', p .. 'rl:@JPUSH@', p .. 'rl:@EASEMOB@')
local frozen = 0
if ARGV[3] == '1' or ARGV[3] == 'true' then frozen = 1 end
redis.call('HSET', p .. 'world', 'ver', ARGV[2], 'frozen', frozen, 'at', ARGV[4], 'offset', 0, 'epoch', 0, 'faults_ver', ARGV[2],
  '@JPUSH@:limit', ARGV[5], '@JPUSH@:window_ms', ARGV[6], '@EASEMOB@:limit', ARGV[7], '@EASEMOB@:window_ms', ARGV[8])
if frozen == 0 then redis.call('HSET', p .. 'world', 'offset', ARGV[4]) end
return 1
"#;

/// ARGV: prefix, wall ms. Answers the rule-set version, then per rule: id, spec, times
/// left (-1: none), state, matched, applied.
const LIST: &str = r#"
local w = world()
if not w then return {-1} end
local out = {tonumber(w[6])}
for _, id in ipairs(settle(now_of(w[2], w[3], w[4], ARGV[2]))) do
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
local now = now_of(w[2], w[3], w[4], ARGV[2])
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
if not world() then return '' end
local frozen = 0
if ARGV[2] == '1' or ARGV[2] == 'true' then frozen = 1 end
redis.call('HSET', p .. 'world', 'frozen', frozen)
if frozen == 1 then
  redis.call('HSET', p .. 'world', 'at', ARGV[3])
else
  redis.call('HSET', p .. 'world', 'offset', ARGV[3])
end
bump('ver')
return world_text(world())
"#;

/// ARGV: prefix, wall ms, delta ms, earliest ms, latest ms. `!target` when the clock
/// would leave its range (nothing changes).
const ADVANCE: &str = r#"
local w = world()
if not w then return '' end
local target = now_of(w[2], w[3], w[4], ARGV[2]) + tonumber(ARGV[3])
if target < tonumber(ARGV[4]) or target > tonumber(ARGV[5]) then return string.format('!%.0f', target) end
if w[2] == '1' then
  redis.call('HSET', p .. 'world', 'at', string.format('%.0f', target))
else
  redis.call('HINCRBY', p .. 'world', 'offset', ARGV[3])
end
bump('ver')
return world_text(world())
"#;

/// ARGV: prefix, then limit and window ms of jpush and easemob (-1: unchanged).
const SET_QUOTAS: &str = r#"
if not world() then return '' end
local names = {'@JPUSH@', '@EASEMOB@'}
for i, name in ipairs(names) do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  if limit >= 0 then
    redis.call('HSET', p .. 'world', name .. ':limit', ARGV[2 * i], name .. ':window_ms', ARGV[2 * i + 1])
    redis.call('DEL', p .. 'rl:' .. name)
  end
end
bump('ver')
return world_text(world())
"#;

/// ARGV: prefix, frozen, clock ms, then limit and window ms of jpush and easemob.
const RESET: &str = r#"
if not world() then return '' end
clear_faults()
redis.call('DEL', p .. 'faults:next', p .. 'rl:@JPUSH@', p .. 'rl:@EASEMOB@', p .. 'journal', p .. 'journal:offset')
local frozen = 0
if ARGV[2] == '1' or ARGV[2] == 'true' then frozen = 1 end
redis.call('HSET', p .. 'world', 'frozen', frozen, 'at', ARGV[3], 'offset', 0,
  '@JPUSH@:limit', ARGV[4], '@JPUSH@:window_ms', ARGV[5], '@EASEMOB@:limit', ARGV[6], '@EASEMOB@:window_ms', ARGV[7])
if frozen == 0 then redis.call('HSET', p .. 'world', 'offset', ARGV[3]) end
bump('epoch')
bump('ver')
bump('faults_ver')
return world_text(world())
"#;

/// `record(first, last, capacity, budget)` appends the stored entries `ARGV[first..=last]`,
/// each with the next `seq`, then drops the oldest entries past either bound (the newest stays). The bytes
/// are bounded without reading any entry back: `journal:offset` counts the entry bytes ever
/// appended, and each entry's stream ID is `<offset before it + 1>-0`, so the entries
/// that fit the budget are exactly those with an ID from `offset - budget + 1` on, and
/// one `XTRIM MINID` drops the rest (an ID's first part is a 64-bit number; Lua's numbers
/// keep it exact up to 2^53 bytes). `XTRIM MAXLEN` keeps the count (at least 1).
const RECORD_LUA: &str = r#"
local function record(first, last, capacity, budget)
  if last < first then return 0 end
  local stream, offset_key = p .. 'journal', p .. 'journal:offset'
  local offset = tonumber(redis.call('GET', offset_key))
  -- Without its offset (evicted) the stream's IDs could not keep rising: start it over.
  if not offset then
    offset = 0
    redis.call('DEL', stream)
  end
  local n = last - first + 1
  local seq = redis.call('INCRBY', p .. 'journal:seq', n) - n
  local newest = offset
  for i = first, last do
    seq = seq + 1
    newest = offset
    redis.call('XADD', stream, string.format('%d-0', offset + 1), 'q', string.format('%d', seq), 'e', ARGV[i])
    offset = offset + string.len(ARGV[i])
  end
  redis.call('SET', offset_key, string.format('%d', offset))
  redis.call('XTRIM', stream, 'MAXLEN', capacity)
  local first_kept = math.min(offset - tonumber(budget), newest) + 1
  if first_kept > 1 then redis.call('XTRIM', stream, 'MINID', string.format('%d', first_kept)) end
  return n
end
"#;

/// Answers seq and stored form of every entry, oldest first.
const JOURNAL: &str = r#"
local out = {}
for _, e in ipairs(redis.call('XRANGE', p .. 'journal', '-', '+')) do
  out[#out + 1] = e[2][2]
  out[#out + 1] = e[2][4]
end
return out
"#;

const CLEAR_JOURNAL: &str = r#"
redis.call('DEL', p .. 'journal', p .. 'journal:offset')
return 1
"#;

struct Scripts {
    serve: Script,
    serve_drawing: Script,
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
    journal: Script,
    clear_journal: Script,
}

/// A script of the pieces `uses` and its `body`, after [`PREFIX_LUA`].
fn script(uses: &[&str], body: &str) -> Script {
    let mut code = PREFIX_LUA.to_owned();
    for piece in uses {
        code.push_str(piece);
    }
    code.push_str(body);
    // The limiters' names are the families'; the scripts name them as @JPUSH@ and @EASEMOB@.
    let code = code
        .replace("@JPUSH@", jpush::SHARED_WINDOWS)
        .replace("@EASEMOB@", easemob::SHARED_WINDOWS);
    Script::new(&code)
}

fn scripts() -> &'static Scripts {
    static SCRIPTS: std::sync::LazyLock<Scripts> = std::sync::LazyLock::new(|| Scripts {
        serve: script(&[WORLD_LUA, RATE_LIMIT_LUA, NO_DRAW_LUA, DECIDE_LUA, RECORD_LUA], SERVE),
        serve_drawing: script(&[WORLD_LUA, RATE_LIMIT_LUA, DRAW_LUA, DECIDE_LUA, RECORD_LUA], SERVE),
        world: script(&[WORLD_LUA], WORLD),
        create: script(&[WORLD_LUA, CLEAR_FAULTS_LUA], CREATE),
        list: script(&[WORLD_LUA, SETTLE_LUA], LIST),
        add_fault: script(&[WORLD_LUA, SETTLE_LUA, BUMP_LUA], ADD_FAULT),
        remove_fault: script(&[BUMP_LUA], REMOVE_FAULT),
        clear_faults: script(&[CLEAR_FAULTS_LUA, BUMP_LUA], CLEAR_FAULTS),
        set_clock: script(&[WORLD_LUA, BUMP_LUA], SET_CLOCK),
        advance: script(&[WORLD_LUA, BUMP_LUA], ADVANCE),
        set_quotas: script(&[WORLD_LUA, BUMP_LUA], SET_QUOTAS),
        reset: script(&[WORLD_LUA, CLEAR_FAULTS_LUA, BUMP_LUA], RESET),
        journal: script(&[], JOURNAL),
        clear_journal: script(&[], CLEAR_JOURNAL),
    });
    &SCRIPTS
}

#[cfg(test)]
mod tests {
    use std::{
        collections::VecDeque,
        net::{TcpListener, TcpStream},
        process::{Child, Command, Stdio},
        time::{Duration, Instant},
    };

    use super::*;

    /// A throw-away `redis-server` on a free loopback port, killed when dropped.
    struct Redis(Child, u16);

    impl Drop for Redis {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn redis() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("this test needs Debian's redis-server package (.ci/run installs it)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis(child, port)
    }

    async fn append(store: &Store, capacity: usize, budget: usize, batch: &[String]) {
        store
            .run::<Value>(&scripts().serve, |call| {
                call.arg(0).arg(capacity).arg(budget).arg(batch.len());
                for json in batch {
                    call.arg(json);
                }
                call.arg(0);
            })
            .await
            .unwrap();
    }

    async fn stored(store: &Store) -> Vec<(u64, String)> {
        let reply: Vec<String> = store.run(&scripts().journal, |_| {}).await.unwrap();
        reply
            .chunks(2)
            .map(|pair| (pair[0].parse().unwrap(), pair[1].clone()))
            .collect()
    }

    /// The rule the in-process journal keeps: append, then drop the oldest while over
    /// either bound, the newest always staying.
    fn model_append(
        model: &mut VecDeque<(u64, String)>,
        seq: &mut u64,
        capacity: usize,
        budget: usize,
        batch: &[String],
    ) {
        for json in batch {
            *seq += 1;
            model.push_back((*seq, json.clone()));
        }
        let bytes = |m: &VecDeque<(u64, String)>| m.iter().map(|(_, j)| j.len()).sum::<usize>();
        while model.len() > 1 && (model.len() > capacity || bytes(model) > budget) {
            model.pop_front();
        }
    }

    #[tokio::test]
    async fn the_shared_journal_keeps_exactly_what_fits_its_count_and_bytes() {
        let redis = redis();
        let store = Store::open(&format!("redis://127.0.0.1:{}/0", redis.1), key_prefix(7)).unwrap();
        let (capacity, budget) = (6, 100);
        let mut model = VecDeque::new();
        let mut seq = 0;
        // Batches of one to four entries of 1 to 40 bytes (some alone over the count's
        // share of the budget), then one entry larger than the whole budget.
        let mut sizes = (0..40u64).map(|i| 1 + (i * 17 + i * i) as usize % 40);
        let mut batches: Vec<Vec<String>> = Vec::new();
        for n in (0..24).map(|i| 1 + i % 4) {
            let batch = (0..n)
                .filter_map(|_| sizes.next())
                .map(|size| "x".repeat(size))
                .collect::<Vec<_>>();
            if !batch.is_empty() {
                batches.push(batch);
            }
        }
        batches.push(vec!["y".repeat(150)]);
        batches.push(vec!["z".repeat(30), "w".repeat(30)]);
        for batch in &batches {
            append(&store, capacity, budget, batch).await;
            model_append(&mut model, &mut seq, capacity, budget, batch);
            assert_eq!(stored(&store).await, Vec::from(model.clone()), "after {batch:?}");
        }

        // Cleared, it starts empty and keeps counting seq; its bounds hold as before.
        store.run::<i64>(&scripts().clear_journal, |_| {}).await.unwrap();
        assert!(stored(&store).await.is_empty());
        model.clear();
        for batch in &batches[..6] {
            append(&store, capacity, budget, batch).await;
            model_append(&mut model, &mut seq, capacity, budget, batch);
            assert_eq!(stored(&store).await, Vec::from(model.clone()));
        }

        // A store that lost the byte offset (evicted) starts the stream over rather than fail.
        store
            .command::<i64>(redis::cmd("DEL").arg(format!("{}journal:offset", store.prefix())))
            .await
            .unwrap();
        append(&store, capacity, budget, &batches[0]).await;
        model.clear();
        model_append(&mut model, &mut seq, capacity, budget, &batches[0]);
        assert_eq!(stored(&store).await, Vec::from(model));
    }

    #[tokio::test]
    async fn one_call_decides_its_requests_in_turn() {
        let redis = redis();
        let store = Arc::new(Store::open(&format!("redis://127.0.0.1:{}/0", redis.1), key_prefix(9)).unwrap());
        let startup = Startup {
            clock: DateTime::from_timestamp_millis(1_763_611_200_000),
            ..startup()
        };
        let fleet = Fleet::new(store.clone(), 9, startup, 100);
        let world = fleet.world().await.unwrap();
        let spec: RuleSpec = serde_json::from_value(serde_json::json!(
            {"match": {"path": "/v3/received"}, "effect": {"status": 503}, "times": 2}
        ))
        .unwrap();
        let id = fleet.add_fault(&spec).await.unwrap().unwrap();
        fleet.reload_rules().await.unwrap();
        let version = fleet.rules.read().unwrap().version;
        // Eight requests of one app in one call: the first three match the rule (good for
        // two uses), the seventh was matched against an older rule set, the eighth knows
        // no world yet.
        let reply: Value = store
            .run(&scripts().serve, |call| {
                call.arg(0).arg(100).arg(BYTE_BUDGET).arg(0).arg(8);
                for i in 0..8 {
                    let version = if i == 6 { version - 1 } else { version };
                    let known = if i == 7 { 0 } else { world.version };
                    call.arg(version).arg(known).arg(jpush::SHARED_WINDOWS).arg(1);
                    match i {
                        0..3 => call.arg(1).arg(id).arg(1).arg("-").arg("0000000000000000"),
                        _ => call.arg(0),
                    };
                }
            })
            .await
            .unwrap();
        let (replies, sent) = replies_of(&reply, 8).unwrap();
        assert_eq!(sent.map(|w| w.version), Some(world.version));
        let decided = replies
            .iter()
            .map(|reply| match reply {
                Reply::Decided { fault, counted } => Some((*fault, counted.map(|d| (d.allowed, d.remaining)))),
                _ => None,
            })
            .collect::<Vec<_>>();
        assert_eq!(
            decided,
            [
                Some((Some((id, 1)), None)),
                Some((Some((id, 2)), None)),
                Some((None, Some((true, 2)))),
                Some((None, Some((true, 1)))),
                Some((None, Some((true, 0)))),
                Some((None, Some((false, 0)))),
                None,
                Some((None, Some((false, 0)))),
            ]
        );
        assert!(matches!(replies[6], Reply::Stale));
        // The window the call left is the one the next request counts against.
        let reply: Value = store
            .run(&scripts().serve, |call| {
                call.arg(0).arg(100).arg(BYTE_BUDGET).arg(0).arg(1);
                call.arg(version)
                    .arg(world.version)
                    .arg(jpush::SHARED_WINDOWS)
                    .arg(1)
                    .arg(0);
            })
            .await
            .unwrap();
        let (replies, _) = replies_of(&reply, 1).unwrap();
        assert!(matches!(
            replies[..],
            [Reply::Decided {
                fault: None,
                counted: Some(Decision {
                    allowed: false,
                    remaining: 0,
                    ..
                })
            }]
        ));
    }

    #[test]
    fn decision_answers_are_read_exactly() {
        let text = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let read = |s: &str, n: usize| replies_of(&text(s), n);
        let Ok((replies, None)) = read("", 3) else {
            panic!("no world")
        };
        assert!(matches!(replies[..], [Reply::NoWorld, Reply::NoWorld, Reply::NoWorld]));
        let Ok((replies, None)) = read("stale", 1) else {
            panic!("stale")
        };
        assert!(matches!(replies[..], [Reply::Stale]));
        let Ok((replies, None)) = read("0,0,1,1,30,29,60", 1) else {
            panic!("a decision")
        };
        let [Reply::Decided {
            fault: None,
            counted: Some(counted),
        }] = replies[..]
        else {
            panic!("a count")
        };
        assert_eq!((counted.allowed, counted.remaining, counted.reset_secs), (true, 29, 60));
        let world_text = "1764000000000001,1,1763611200000,0,4,1764000000000000,30,60000,100,60000";
        let Ok((replies, Some(world))) = read(&format!("3,2,0,0,0,0,0;stale;;0,0,1,0,30,0,9|{world_text}"), 4) else {
            panic!("decisions with their world")
        };
        assert!(matches!(
            replies[..],
            [
                Reply::Decided {
                    fault: Some((3, 2)),
                    counted: None
                },
                Reply::Stale,
                Reply::NoWorld,
                Reply::Decided {
                    fault: None,
                    counted: Some(Decision {
                        allowed: false,
                        remaining: 0,
                        reset_secs: 9,
                        ..
                    })
                },
            ]
        ));
        assert_eq!(
            (world.version, world.frozen, world.clock_ms, world.token_epoch),
            (1764000000000001, true, 1763611200000, 4)
        );
        assert_eq!((world.jpush.limit, world.easemob.limit), (30, 100));
        for (bad, n) in [
            ("1,2", 1),
            ("0,0,0,0,0,0,0,0", 1),
            ("0,0,x,0,0,0,0", 1),
            ("0,0,0,0,0,0,0|1,2", 1),
            ("0,0,,0,0,0,0", 1),
            ("-,0,0,0,0,0,0", 1),
            ("0,0,0,0,0,0,0", 2),
            ("0,0,0,0,0,0,0;stale", 1),
        ] {
            assert!(read(bad, n).is_err(), "{bad}");
        }
        assert!(replies_of(&Value::Int(1), 1).is_err());
    }

    #[test]
    fn integers_are_read_as_str_parse_reads_them() {
        for text in [
            "0",
            "7",
            "-1",
            "1764000000000001",
            "9223372036854775807",
            "-9223372036854775807",
        ] {
            assert_eq!(int(text.as_bytes()), text.parse().ok(), "{text}");
        }
        for text in ["", "-", "1a", "+1", " 1", "9223372036854775808", "1.5"] {
            assert_eq!(int(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn keys_are_sixteen_hex_digits() {
        for key in [0, 1, 0xabc, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(hex16(key), format!("{key:016x}").as_bytes());
        }
    }

    fn startup() -> Startup {
        let quota = Quota {
            limit: 3,
            window: TimeDelta::seconds(60),
        };
        Startup {
            clock: None,
            jpush: quota,
            easemob: quota,
            faults: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_replica_without_its_store_task_is_not_ready_and_answers_no_request() {
        let redis = redis();
        let store = Arc::new(Store::open(&format!("redis://127.0.0.1:{}/0", redis.1), key_prefix(11)).unwrap());
        let serving = Fleet::new(store.clone(), 11, startup(), 100);
        serving.readiness().await.expect("ready while its task runs");
        let facts = RequestFacts {
            family: None,
            method: "GET",
            path: "/v3/received",
            app_key: None,
        };
        serving.on_request(facts, None).await.expect("decided");

        // Its task gone (the receivers dropped), the store itself still answering.
        let (journal, _) = mpsc::channel(1);
        let (asks, _) = mpsc::channel(1);
        let orphan = Fleet::served_by(store, 11, startup(), journal, asks);
        let refusal = orphan.readiness().await.unwrap_err();
        assert!(refusal.0.contains("store task stopped"), "{refusal}");
        assert!(orphan.on_request(facts, None).await.is_err());
    }
}
