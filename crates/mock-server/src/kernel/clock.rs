//! The one mock clock every time rule reads (retention, cursor age, "today", expiry,
//! rate-limit windows). It is wall time plus an offset, or frozen at an instant; the
//! control API sets and advances it so that tests never sleep.
//!
//! The clock only ever shows instants in [`EARLIEST`, `LATEST`]: far beyond any test's
//! needs, and narrow enough that no date arithmetic downstream can overflow. Setting or
//! advancing it outside that range is refused, never applied.

use std::sync::RwLock;

use chrono::{DateTime, TimeDelta, Utc};

/// The earliest instant the clock may show: 2000-01-01T00:00:00Z.
pub const EARLIEST: DateTime<Utc> = match DateTime::from_timestamp(946_684_800, 0) {
    Some(instant) => instant,
    None => panic!("a representable instant"),
};
/// The latest instant the clock may show: 2100-01-01T00:00:00Z.
pub const LATEST: DateTime<Utc> = match DateTime::from_timestamp(4_102_444_800, 0) {
    Some(instant) => instant,
    None => panic!("a representable instant"),
};

/// Whether the clock may show `instant`; the refusal says the range.
pub fn check_range(instant: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if (EARLIEST..=LATEST).contains(&instant) {
        Ok(instant)
    } else {
        Err(format!(
            "the mock clock stays between {} and {}, got {}",
            EARLIEST.to_rfc3339(),
            LATEST.to_rfc3339(),
            instant.to_rfc3339()
        ))
    }
}

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
        now_in(*self.read())
    }

    pub fn is_frozen(&self) -> bool {
        matches!(*self.read(), State::Frozen { .. })
    }

    /// Moves the clock to `now` and freezes or releases it there; refused (and nothing
    /// changes) outside [`EARLIEST`, `LATEST`].
    pub fn set(&self, now: DateTime<Utc>, frozen: bool) -> Result<(), String> {
        let now = check_range(now)?;
        *self.write() = if frozen {
            State::Frozen { at: now }
        } else {
            State::Running {
                offset: now.signed_duration_since(Utc::now()),
            }
        };
        Ok(())
    }

    /// Moves the clock by `delta`, keeping it frozen or running as it was; refused (and
    /// nothing changes) when that would leave [`EARLIEST`, `LATEST`].
    pub fn advance(&self, delta: TimeDelta) -> Result<(), String> {
        let mut state = self.write();
        let target = now_in(*state)
            .checked_add_signed(delta)
            .ok_or_else(|| format!("advancing by {delta} leaves the representable range"))
            .and_then(check_range)?;
        *state = match *state {
            State::Running { offset } => State::Running {
                // In range after the check above, so the offset is too.
                offset: offset.checked_add(&delta).unwrap_or(offset),
            },
            State::Frozen { .. } => State::Frozen { at: target },
        };
        Ok(())
    }

    /// What a fleet's shared store keeps of the clock: whether it is frozen, and the
    /// instant it is frozen at or its offset from wall time, in milliseconds.
    pub fn snapshot(&self) -> (bool, i64) {
        match *self.read() {
            State::Running { offset } => (false, offset.num_milliseconds()),
            State::Frozen { at } => (true, at.timestamp_millis()),
        }
    }

    /// Takes on the state a fleet's shared store holds ([`Clock::snapshot`]'s form);
    /// refused (and nothing changes) for an instant the clock may not show.
    pub fn adopt(&self, frozen: bool, millis: i64) -> Result<(), String> {
        let state = if frozen {
            let at = DateTime::from_timestamp_millis(millis).ok_or("an unrepresentable instant")?;
            State::Frozen { at: check_range(at)? }
        } else {
            let offset = TimeDelta::try_milliseconds(millis).ok_or("an unrepresentable offset")?;
            check_range(now_in(State::Running { offset }))?;
            State::Running { offset }
        };
        *self.write() = state;
        Ok(())
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

/// What a clock in `state` shows now. Wall time plus an offset cannot overflow for any
/// offset [`Clock::set`] and [`Clock::advance`] allow; saturating keeps it panic-free
/// regardless.
fn now_in(state: State) -> DateTime<Utc> {
    match state {
        State::Running { offset } => Utc::now()
            .checked_add_signed(offset)
            .unwrap_or(if offset < TimeDelta::zero() {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            }),
        State::Frozen { at } => at,
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
        clock.advance(TimeDelta::seconds(121)).unwrap();
        assert_eq!(clock.now(), start + TimeDelta::seconds(121));
        assert!(clock.is_frozen());
    }

    #[test]
    fn snapshots_are_adopted_exactly() {
        let start = DateTime::parse_from_rfc3339("2026-11-20T04:00:00Z").unwrap().to_utc();
        let (one, other) = (Clock::new(Some(start)), Clock::new(None));
        let (frozen, millis) = one.snapshot();
        other.adopt(frozen, millis).unwrap();
        assert_eq!(other.now(), start);
        other.adopt(false, -86_400_000).unwrap();
        assert_eq!(other.snapshot(), (false, -86_400_000));
        assert!(other.adopt(true, LATEST.timestamp_millis() + 1).is_err());
        assert_eq!(other.snapshot(), (false, -86_400_000), "a refusal changes nothing");
    }

    #[test]
    fn running_clock_keeps_its_offset() {
        let clock = Clock::new(None);
        let target = Utc::now() - TimeDelta::days(3);
        clock.set(target, false).unwrap();
        assert!(!clock.is_frozen());
        let drift = (clock.now() - target).num_milliseconds();
        assert!((0..5_000).contains(&drift), "drift {drift} ms");
    }

    #[test]
    fn out_of_range_moves_are_refused_and_change_nothing() {
        for start in [Some(LATEST - TimeDelta::seconds(1)), None] {
            let clock = Clock::new(start);
            let frozen = clock.is_frozen();
            for _ in 0..9 {
                assert!(clock.advance(TimeDelta::days(365 * 1_000)).is_err());
            }
            assert!(clock.advance(TimeDelta::MAX).is_err());
            assert!(clock.advance(TimeDelta::MIN).is_err());
            assert!(clock.set(DateTime::<Utc>::MAX_UTC, true).is_err());
            assert!(clock.set(EARLIEST - TimeDelta::seconds(1), false).is_err());
            assert_eq!(clock.is_frozen(), frozen);
            assert!(check_range(clock.now()).is_ok());
        }
        let clock = Clock::new(Some(EARLIEST));
        assert!(clock.advance(TimeDelta::milliseconds(-1)).is_err());
        assert_eq!(clock.now(), EARLIEST);
        clock.set(LATEST, false).unwrap();
        assert!(!clock.is_frozen());
    }
}
