//! The one mock clock every time rule reads (retention, cursor age, "today", expiry,
//! rate-limit windows). It is wall time plus an offset, or frozen at an instant; the
//! control API sets and advances it so that tests never sleep.

use std::sync::RwLock;

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone, Copy)]
enum State {
    Running { offset: TimeDelta },
    Frozen { at: DateTime<Utc> },
}

#[derive(Debug)]
pub struct Clock {
    state: RwLock<State>,
}

impl Clock {
    /// A clock frozen at `start`, or following wall time when `start` is `None`.
    pub fn new(start: Option<DateTime<Utc>>) -> Clock {
        let state = match start {
            Some(at) => State::Frozen { at },
            None => State::Running {
                offset: TimeDelta::zero(),
            },
        };
        Clock {
            state: RwLock::new(state),
        }
    }

    /// Back to how [`Clock::new`] with this `start` begins.
    pub fn reset(&self, start: Option<DateTime<Utc>>) {
        *self.write() = Clock::new(start)
            .state
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
    }

    pub fn now(&self) -> DateTime<Utc> {
        match *self.read() {
            State::Running { offset } => Utc::now() + offset,
            State::Frozen { at } => at,
        }
    }

    pub fn is_frozen(&self) -> bool {
        matches!(*self.read(), State::Frozen { .. })
    }

    /// Moves the clock to `now` and freezes or releases it there.
    pub fn set(&self, now: DateTime<Utc>, frozen: bool) {
        *self.write() = if frozen {
            State::Frozen { at: now }
        } else {
            State::Running {
                offset: now - Utc::now(),
            }
        };
    }

    /// Moves the clock by `delta`, keeping it frozen or running as it was.
    pub fn advance(&self, delta: TimeDelta) {
        let mut state = self.write();
        *state = match *state {
            State::Running { offset } => State::Running { offset: offset + delta },
            State::Frozen { at } => State::Frozen { at: at + delta },
        };
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` half-written (it is Copy),
        // so a poisoned lock is still safe to use.
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-11-20T04:00:00Z").unwrap().to_utc();
        let clock = Clock::new(Some(start));
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::seconds(121));
        assert_eq!(clock.now(), start + TimeDelta::seconds(121));
        assert!(clock.is_frozen());
    }

    #[test]
    fn running_clock_keeps_its_offset() {
        let clock = Clock::new(None);
        let target = Utc::now() - TimeDelta::days(3);
        clock.set(target, false);
        assert!(!clock.is_frozen());
        let drift = (clock.now() - target).num_milliseconds();
        assert!((0..5_000).contains(&drift), "drift {drift} ms");
    }
}
