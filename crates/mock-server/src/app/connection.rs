//! What the server knows of one connection beyond hyper: a fault may drop it, and a
//! watchdog closes it once it has stayed idle — no request being served, nothing
//! written — for the header-read timeout (`http_limits::HEADER_READ_TIMEOUT`), which
//! covers both a client stalled mid-head and a kept-alive connection nobody uses.
//!
//! hyper's own header-read timeout would do the second part, but it arms a timer (a boxed
//! sleep, two timer-wheel updates and a clock read) for every request; here a request
//! costs two flag writes and each write one counter bump, and a connection's watchdog
//! looks once a second (docs/PERFORMANCE.md).

use std::{
    io,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

/// How often a watchdog looks: a connection is closed between its timeout and its timeout
/// plus this.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Shared by a connection's stream, the requests it carries and its watchdog.
#[derive(Debug, Clone, Default)]
pub struct ConnectionHandle {
    state: Arc<State>,
}

#[derive(Debug, Default)]
struct State {
    dropped: AtomicBool,
    /// Whether a request of the connection is being served (HTTP/1.1: one at a time).
    serving: AtomicBool,
    /// Moves whenever the connection does something a client waits on: a request served,
    /// bytes written.
    moves: AtomicU64,
}

impl ConnectionHandle {
    /// From now on every read and write of the connection fails, so hyper closes it
    /// without sending anything more.
    pub fn drop_connection(&self) {
        self.state.dropped.store(true, Ordering::Relaxed);
    }

    pub fn is_dropped(&self) -> bool {
        self.state.dropped.load(Ordering::Relaxed)
    }

    /// Marks a request being served until the guard is dropped.
    pub fn serving(&self) -> Serving<'_> {
        self.state.serving.store(true, Ordering::Relaxed);
        Serving(self)
    }

    /// Notes that the connection did something a client waits on: bytes written, a
    /// request answered.
    pub fn moved(&self) {
        // One writer at a time per connection: a plain store, not a locked add.
        let moves = &self.state.moves;
        moves.store(moves.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    /// Resolves once the connection has stayed idle for `timeout` (give or take
    /// [`WATCH_EVERY`]): no request served and nothing written all that time.
    pub async fn idle_for(&self, timeout: Duration) {
        let mut ticks = tokio::time::interval(WATCH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        let mut seen = self.state.moves.load(Ordering::Relaxed);
        let mut idle = Duration::ZERO;
        loop {
            ticks.tick().await;
            let moves = self.state.moves.load(Ordering::Relaxed);
            if moves != seen || self.state.serving.load(Ordering::Relaxed) {
                (seen, idle) = (moves, Duration::ZERO);
                continue;
            }
            idle += WATCH_EVERY;
            if idle >= timeout {
                return;
            }
        }
    }
}

/// A request being served on a connection; dropped when it is answered (or abandoned).
pub struct Serving<'a>(&'a ConnectionHandle);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.moved();
        self.0.state.serving.store(false, Ordering::Relaxed);
    }
}

pub fn dropped_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection dropped by an injected fault",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_means_nothing_served_and_nothing_written_for_the_timeout() {
        let handle = ConnectionHandle::default();
        let timeout = Duration::from_secs(10);
        let started = tokio::time::Instant::now();
        handle.idle_for(timeout).await;
        let waited = started.elapsed();
        assert!(waited >= timeout && waited <= timeout + 2 * WATCH_EVERY, "{waited:?}");

        // A request served for 30 s, then writes every 5 s: never idle long enough.
        let busy = handle.clone();
        let activity = tokio::spawn(async move {
            {
                let _serving = busy.serving();
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            for _ in 0..6 {
                tokio::time::sleep(Duration::from_secs(5)).await;
                busy.moved();
            }
        });
        let started = tokio::time::Instant::now();
        handle.idle_for(timeout).await;
        let waited = started.elapsed();
        assert!(activity.is_finished(), "idle while busy, after {waited:?}");
        let quiet_from = Duration::from_secs(60);
        assert!(
            waited >= quiet_from + timeout && waited <= quiet_from + timeout + 2 * WATCH_EVERY,
            "{waited:?}"
        );
    }
}
