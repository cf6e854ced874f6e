//! The shared store a fleet of mocks keeps its mutable state in (Redis or Valkey, chosen
//! with `--state-url`): a multiplexed connection that reconnects by itself, every call
//! bounded by [`CALL_TIMEOUT`], and the last failure kept for the health check. It also
//! owns the rate-limit windows kept there ([`SharedWindows`], [`RATE_LIMIT_LUA`]): the
//! same fixed windows as [`super::ratelimit`], counted by one server-side script so that
//! every replica counts against one window, on the mock clock's instant it passes in.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    Cmd, FromRedisValue, Script,
};

use super::ratelimit::Decision;

/// The longest any call to the store may take before the request that needs it fails
/// (with its family's 503): a lost store must never hang a client.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(750);

/// Why the shared store could not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the shared state store is unavailable: {0}")]
pub struct StoreError(pub String);

/// A connection to the shared store, and the key prefix every key of this mock starts with.
pub struct Store {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
    failure: Mutex<Option<String>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Checks a `--state-url`: `redis://HOST[:PORT][/DB]` (Valkey speaks the same protocol).
pub fn check_url(url: &str) -> Result<(), String> {
    if !url.starts_with("redis://") {
        return Err(format!(
            "the state URL must be redis://HOST:PORT/DB, got `{}`",
            shown_url(url)
        ));
    }
    redis::Client::open(url)
        .map(|_| ())
        .map_err(|err| format!("invalid state URL `{}`: {err}", shown_url(url)))
}

/// The URL as it may be shown: any password in it replaced.
pub fn shown_url(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://<credentials>@{}", &url[at + 1..]),
        _ => url.to_owned(),
    }
}

impl Store {
    /// A store at `url` (checked by [`check_url`]); connects on first use, so a mock
    /// starts even while the store is down, and reports not ready until it is up. Must be
    /// called inside a Tokio runtime.
    pub fn open(url: &str, prefix: String) -> Result<Store, StoreError> {
        let client = redis::Client::open(url).map_err(|err| StoreError(err.to_string()))?;
        Store::on(client, prefix)
    }

    /// The same store on a connection of its own, made by the runtime that first uses it
    /// (so that its driver runs there). Must be called inside a Tokio runtime.
    pub fn another_connection(&self) -> Result<Store, StoreError> {
        Store::on(self.client.clone(), self.prefix.clone())
    }

    fn on(client: redis::Client, prefix: String) -> Result<Store, StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|err| StoreError(err.to_string()))?;
        Ok(Store {
            client,
            connection,
            prefix,
            failure: Mutex::new(None),
        })
    }

    /// What every key of this mock starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Runs `script` with the arguments `args` adds (the key prefix is always the first):
    /// by its hash, loading it first when the store does not know it (a restarted store).
    /// The call is one command whose arguments are written into one buffer.
    pub async fn run<T: FromRedisValue>(&self, script: &Script, args: impl FnOnce(&mut Cmd)) -> Result<T, StoreError> {
        let mut call = redis::cmd("EVALSHA");
        call.arg(script.get_hash()).arg(0).arg(&self.prefix);
        args(&mut call);
        let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
        let mut connection = self.connection.clone();
        let invoke = async |connection: &mut ConnectionManager| match call.query_async(connection).await {
            Err(err) if err.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                script.load_async(connection).await?;
                call.query_async(connection).await
            }
            other => other,
        };
        let mut outcome = tokio::time::timeout_at(deadline, invoke(&mut connection)).await;
        if is_lost_connection(&outcome) {
            outcome = tokio::time::timeout_at(deadline, invoke(&mut connection)).await;
        }
        self.settle(outcome)
    }

    /// Runs one plain command.
    pub async fn command<T: FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, StoreError> {
        let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
        let mut connection = self.connection.clone();
        let mut outcome = tokio::time::timeout_at(deadline, command.query_async(&mut connection)).await;
        if is_lost_connection(&outcome) {
            outcome = tokio::time::timeout_at(deadline, command.query_async(&mut connection)).await;
        }
        self.settle(outcome)
    }

    /// Whether the store answers now; the reason when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.command::<String>(&redis::cmd("PING")).await.map(|_| ())
    }

    fn settle<T>(&self, outcome: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>) -> Result<T, StoreError> {
        let result = match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(StoreError(err.to_string())),
            Err(_) => Err(StoreError(format!("no answer within {} ms", CALL_TIMEOUT.as_millis()))),
        };
        let mut failure = self.failure.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &result {
            Ok(_) if failure.is_some() => {
                tracing::info!("the shared state store answers again");
                *failure = None;
            }
            Err(err) if failure.is_none() => {
                tracing::warn!("{err}");
                *failure = Some(err.0.clone());
            }
            _ => {}
        }
        result
    }
}

/// Whether a call failed on a connection the store dropped (a restart): the connection
/// manager has begun a new one, so the same call is worth one more try within its time.
fn is_lost_connection<T>(outcome: &Result<redis::RedisResult<T>, tokio::time::error::Elapsed>) -> bool {
    matches!(outcome, Ok(Err(err)) if err.is_io_error() || err.is_connection_dropped())
}

/// The Lua functions behind every shared rate-limit check: `count(prefix, name, slot,
/// now_ms, limit, window_ms)` counts one request of app `slot` against limiter `name`'s
/// window on the mock clock's `now_ms`, with the quota given (the caller read it from the
/// world, where it is stored under the limiter's name), and answers `{allowed (0/1),
/// limit, remaining, reset_secs}`: [`super::ratelimit::RateLimiter::check`]'s rule.
/// Windows of one limiter share one hash (two fields per app), so forgetting them all is
/// one `DEL`. A script reads each window it counts against once, counts in Lua, and
/// writes the changed ones back once with `flush()` before it returns: a script that
/// decides many requests counts each against the window as the ones before it left it,
/// at the cost of one read and one write per window rather than per request (the script
/// runs atomically, so no other client sees a window between its read and its write).
pub const RATE_LIMIT_LUA: &str = r#"
local windows = {}
local function count(p, name, slot, now, limit, window)
  local key = p .. 'rl:' .. name
  local w = windows[key .. ' ' .. slot]
  if not w then
    local r = redis.call('HMGET', key, slot .. ':opened', slot .. ':used')
    w = {key = key, slot = slot, opened = tonumber(r[1]), used = tonumber(r[2]), changed = false}
    windows[key .. ' ' .. slot] = w
  end
  local allowed = 0
  if w.opened == nil or now >= w.opened + window or now < w.opened then
    w.opened, w.used, w.changed = now, 0, true
    if limit > 0 then allowed, w.used = 1, 1 end
  elseif w.used < limit then
    allowed, w.used, w.changed = 1, w.used + 1, true
  end
  local reset = math.floor((w.opened + window - now + 999) / 1000)
  if reset < 1 then reset = 1 end
  return {allowed, limit, limit - w.used, reset}
end
local function flush()
  for _, w in pairs(windows) do
    if w.changed then
      redis.call('HSET', w.key, w.slot .. ':opened', string.format('%d', w.opened), w.slot .. ':used', string.format('%d', w.used))
    end
  end
end
"#;

/// A [`Decision`] from the `{allowed, limit, remaining, reset_secs}` the script answers.
pub fn decision_of(values: &[i64]) -> Option<Decision> {
    match *values {
        [allowed, limit, remaining, reset_secs] => Some(Decision {
            allowed: allowed == 1,
            limit: u32::try_from(limit).ok()?,
            remaining: u32::try_from(remaining).ok()?,
            reset_secs,
        }),
        _ => None,
    }
}

/// A request's count against its app's window, already taken in the shared store by the
/// call that decided its fault (a request extension the family's gate takes).
#[derive(Debug, Clone, Copy)]
pub struct Counted(pub Decision);

/// The windows of one limiter, kept in the shared store.
#[derive(Debug, Clone)]
pub struct SharedWindows {
    store: Arc<Store>,
    name: &'static str,
}

static CHECK: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(&format!(
        "{RATE_LIMIT_LUA}
local q = redis.call('HMGET', ARGV[1] .. 'world', ARGV[2] .. ':limit', ARGV[2] .. ':window_ms')
local d = count(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(q[1]), tonumber(q[2]))
flush()
return d"
    ))
});

impl SharedWindows {
    pub fn new(store: Arc<Store>, name: &'static str) -> SharedWindows {
        SharedWindows { store, name }
    }

    /// Counts one request of app `slot` at `now` (the mock clock's instant).
    pub async fn check(&self, slot: u64, now: DateTime<Utc>) -> Result<Decision, StoreError> {
        let values: Vec<i64> = self
            .store
            .run(&CHECK, |call| {
                call.arg(self.name).arg(slot).arg(now.timestamp_millis());
            })
            .await?;
        decision_of(&values).ok_or_else(|| StoreError(format!("unexpected rate-limit answer {values:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_shown_without_credentials() {
        assert!(check_url("redis://127.0.0.1:6379/0").is_ok());
        assert!(check_url("http://127.0.0.1:6379").is_err());
        assert_eq!(
            shown_url("redis://user:hunter2@cache:6379/1"),
            "redis://<credentials>@cache:6379/1"
        );
        assert_eq!(shown_url("redis://cache:6379/1"), "redis://cache:6379/1");
        let refusal = check_url("rediss://user:hunter2@x").unwrap_err();
        assert!(!refusal.contains("hunter2"), "{refusal}");
    }

    #[test]
    fn decisions_are_read_from_the_script_answer() {
        let decision = decision_of(&[1, 30, 29, 60]).unwrap();
        assert!(decision.allowed);
        assert_eq!((decision.limit, decision.remaining, decision.reset_secs), (30, 29, 60));
        assert!(decision_of(&[1, 2]).is_none());
        assert!(decision_of(&[0, -1, 0, 1]).is_none());
    }
}
