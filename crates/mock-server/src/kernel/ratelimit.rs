//! Per-app fixed-window rate limits on the mock clock (JPush: 2400 requests a minute;
//! Easemob history: 10 a minute). A window opens with an app's first request and lasts
//! `window`; past `quota` requests in it, calls are refused until it ends.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, TimeDelta, Utc};

/// The longest rate-limit window the mock accepts, in seconds (a day).
pub const MAX_WINDOW_SECS: u32 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub window: TimeDelta,
}

/// The outcome of one request against its app's window: what the
/// `X-Rate-Limit-*` headers report, and whether it may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the window resets (at least 1 while it is open).
    pub reset_secs: i64,
}

#[derive(Debug)]
pub struct RateLimiter {
    quota: Mutex<Quota>,
    windows: Mutex<HashMap<u64, Window>>,
}

/// In milliseconds of the mock clock: whole-millisecond arithmetic, where `DateTime`'s
/// would normalise nanoseconds on every request.
#[derive(Debug, Clone, Copy)]
struct Window {
    opened_ms: i64,
    used: u32,
}

impl RateLimiter {
    pub fn new(quota: Quota) -> RateLimiter {
        RateLimiter {
            quota: Mutex::new(quota),
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn quota(&self) -> Quota {
        *lock(&self.quota)
    }

    pub fn set_quota(&self, quota: Quota) {
        *lock(&self.quota) = quota;
    }

    /// Forgets every open window.
    pub fn reset(&self) {
        lock(&self.windows).clear();
    }

    /// Counts one request of `app` at `now`.
    pub fn check(&self, app: u64, now: DateTime<Utc>) -> Decision {
        let quota = self.quota();
        let (now, length) = (now.timestamp_millis(), quota.window.num_milliseconds());
        let opened = Window {
            opened_ms: now,
            used: 0,
        };
        let mut windows = lock(&self.windows);
        let window = windows.entry(app).or_insert(opened);
        // A clock moved backwards also starts a new window.
        if now >= window.opened_ms.saturating_add(length) || now < window.opened_ms {
            *window = opened;
        }
        let allowed = window.used < quota.limit;
        if allowed {
            window.used += 1;
        }
        let left = window.opened_ms.saturating_add(length) - now;
        Decision {
            allowed,
            limit: quota.limit,
            remaining: quota.limit - window.used,
            reset_secs: ((left + 999) / 1000).max(1),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded values stay consistent even if a holder panicked.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_then_refusal_then_a_new_window() {
        let limiter = RateLimiter::new(Quota {
            limit: 3,
            window: TimeDelta::seconds(60),
        });
        let t0 = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let remaining: Vec<u32> = (0..3).map(|_| limiter.check(1, t0).remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check(1, t0 + TimeDelta::seconds(59));
        assert!(!refused.allowed);
        assert_eq!(refused.reset_secs, 1);
        assert!(limiter.check(2, t0).allowed, "apps are counted apart");
        let next = limiter.check(1, t0 + TimeDelta::seconds(60));
        assert!(next.allowed);
        assert_eq!((next.remaining, next.reset_secs), (2, 60));
    }
}
