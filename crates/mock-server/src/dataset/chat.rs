//! Chat-message heads: who sent what kind of message to whom, and when. A head is a pure
//! function of (seed, app slot, hour, index), so an hour's messages are generated on
//! demand; the heads of the hours asked for last are kept in a small memo bounded by
//! bytes ([`HourMemo`]), since pages over windows that overlap — a test suite's distinct
//! queries — read the same hours again. Families render heads into their own wire
//! shapes; statistics count the same heads, so the two agree by construction.
//!
//! Architecture invariant: within an app, the order (t_ms, msgid) equals the order
//! (hour, index), and msgid strictly increases along it.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeDelta, Timelike, Utc};
use rand::{seq::IndexedRandom, Rng};

use super::{
    activity::{Activity, Day, Windows},
    population::Population,
};
use crate::kernel::{
    memo::{Memo, DEFAULT_CAPACITY},
    rng::{stream, Purpose},
};

/// The bytes of heads the memo of a dataset keeps: a hundred hours or so at the default
/// rate, a few minutes of a fleet's page traffic.
const HOUR_MEMO_BYTES: usize = 512 << 10;
/// The largest hour the memo keeps, in bytes: busier hours (an Easemob download's) are
/// generated each time rather than empty the memo.
const LARGEST_KEPT_HOUR: usize = HOUR_MEMO_BYTES / 16;

/// The heads of recent hours, by (app slot, hour).
pub type HourMemo = Memo<(u64, i64), Arc<[ChatHead]>>;

/// An empty memo of hours, for one dataset.
pub fn hour_memo() -> HourMemo {
    Memo::with_byte_budget(DEFAULT_CAPACITY, HOUR_MEMO_BYTES, |_, heads| hour_bytes(heads))
}

fn hour_bytes(heads: &[ChatHead]) -> usize {
    std::mem::size_of::<(u64, i64)>() + std::mem::size_of_val(heads)
}

pub const HOUR_MS: i64 = 3_600_000;
/// msgid = ((hour - EPOCH_HOUR) * MAX_PER_HOUR + index) * 16 + app slot.
const EPOCH_HOUR: i64 = 438_288; // 2020-01-01T00:00:00Z in hours since the Unix epoch
const MAX_PER_HOUR: u64 = 100_000;

/// Share of messages sent by the app's heavy users. **Decided**: a handful of users
/// (bots, support agents, the chattiest) send a good part of the traffic.
const HEAVY_SENDER_SHARE: f64 = 0.2;
/// Share of group (chatroom) messages sent to the lively groups (chatrooms). **Decided**.
const LIVELY_ROOM_SHARE: f64 = 0.5;

/// Relative chat activity for each local hour of the day (night is quiet).
const DIURNAL: [f64; 24] = [
    0.35, 0.2, 0.12, 0.08, 0.08, 0.12, 0.35, 0.75, 1.15, 1.35, 1.45, 1.4, 1.3, 1.3, 1.4, 1.4, 1.35, 1.3, 1.4, 1.6, 1.7,
    1.6, 1.2, 0.7,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// A user of this app, by index into its population.
    Local(u32),
    /// A user of the partner app (cross-app messages), by index into its population.
    Foreign(u32),
    /// The app's administrator, sending through the REST API.
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Single(Party),
    Group(u32),
    Chatroom(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgKind {
    Text,
    Image,
    Voice,
    File,
    Location,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Android,
    Ios,
    Web,
    WinPhone,
    Api,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatHead {
    pub hour: i64,
    pub index: u32,
    pub t_ms: i64,
    pub msgid: u64,
    pub from: Party,
    pub target: Target,
    pub kind: MsgKind,
    pub platform: Platform,
}

impl ChatHead {
    pub fn is_cross_app(&self) -> bool {
        matches!(self.from, Party::Foreign(_)) || matches!(self.target, Target::Single(Party::Foreign(_)))
    }

    /// Where a scan resumes after this head.
    pub fn next_position(&self) -> Position {
        Position {
            hour: self.hour,
            index: self.index + 1,
        }
    }
}

/// Which messages a query selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Scope {
    All,
    /// Sent by or to this local user.
    User(u32),
    Group(u32),
    Chatroom(u32),
}

impl Scope {
    pub fn matches(self, head: &ChatHead) -> bool {
        match self {
            Scope::All => true,
            Scope::User(u) => head.from == Party::Local(u) || head.target == Target::Single(Party::Local(u)),
            Scope::Group(g) => head.target == Target::Group(g),
            Scope::Chatroom(c) => head.target == Target::Chatroom(c),
        }
    }
}

/// A closed interval of instants in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Window {
    pub first_ms: i64,
    pub last_ms: i64,
}

impl Window {
    pub fn contains(&self, t_ms: i64) -> bool {
        (self.first_ms..=self.last_ms).contains(&t_ms)
    }

    fn covers_hour(&self, hour: i64) -> bool {
        self.first_ms <= hour * HOUR_MS && (hour + 1) * HOUR_MS - 1 <= self.last_ms
    }

    pub fn is_empty(&self) -> bool {
        self.first_ms > self.last_ms
    }

    /// The part of this window whose messages exist at `now`: those at most `retention`
    /// old, nothing later.
    pub fn retained_at(self, now: DateTime<Utc>, retention: TimeDelta) -> Window {
        Window {
            first_ms: self.first_ms.max((now - retention).timestamp_millis()),
            last_ms: self.last_ms.min(now.timestamp_millis()),
        }
    }
}

/// The next head a scan considers: `index` within `hour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub hour: i64,
    pub index: u32,
}

impl Position {
    pub fn start_of(window: Window) -> Position {
        Position {
            hour: window.first_ms.div_euclid(HOUR_MS),
            index: 0,
        }
    }
}

/// The chat stream of one app: its slot in the key space, population and partner.
pub struct ChatStream<'a> {
    pub seed: u64,
    pub slot: u64,
    pub messages_per_day: u32,
    pub timezone: FixedOffset,
    pub population: &'a Population,
    /// Population of the app that cross-app messages go to and come from.
    pub partner: Option<&'a Population>,
    /// The dataset's memo of recent hours.
    pub hours: &'a HourMemo,
}

impl ChatStream<'_> {
    /// How many messages were sent in `hour` (hours since the Unix epoch, UTC).
    pub fn hour_count(&self, hour: i64) -> u32 {
        // Ids count hours from the epoch: nothing was sent before it (the clock can
        // reach back to 2000, and queries further still).
        if hour < EPOCH_HOUR {
            return 0;
        }
        let local_hour = DateTime::from_timestamp(hour * 3600, 0)
            .expect("hour within chrono's range")
            .with_timezone(&self.timezone)
            .hour();
        let weight_sum: f64 = DIURNAL.iter().sum();
        // Weekdays and weekends differ, the week averaging the configured volume.
        let day = self.day(hour * HOUR_MS);
        let week = (5.0 + 2.0 * super::population::WEEKEND_ACTIVITY) / 7.0;
        let season = if day.weekend {
            super::population::WEEKEND_ACTIVITY
        } else {
            1.0
        } / week;
        let mean = self.messages_per_day as f64 * season * DIURNAL[local_hour as usize] / weight_sum;
        let mut rng = stream(self.seed, Purpose::HourCount, &[self.slot, hour as u64]);
        let expected = mean * rng.random_range(0.8..1.2);
        let whole = expected.floor();
        let extra = rng.random_bool(expected - whole) as u32;
        (whole as u32 + extra).min(MAX_PER_HOUR as u32 - 1)
    }

    /// Every head of `hour`, in ascending (t_ms, msgid) order.
    pub fn hour_heads(&self, hour: i64) -> Arc<[ChatHead]> {
        let key = (self.slot, hour);
        if let Some(heads) = self.hours.get(&key) {
            return heads;
        }
        let heads: Arc<[ChatHead]> = self.generate_hour(hour).into();
        if hour_bytes(&heads) <= LARGEST_KEPT_HOUR {
            self.hours.insert(key, heads.clone());
        }
        heads
    }

    fn generate_hour(&self, hour: i64) -> Vec<ChatHead> {
        let count = self.hour_count(hour);
        let mut offsets_rng = stream(self.seed, Purpose::HourOffsets, &[self.slot, hour as u64]);
        let mut offsets: Vec<i64> = (0..count).map(|_| offsets_rng.random_range(0..HOUR_MS)).collect();
        offsets.sort_unstable();
        let scope = self.hour_scope(hour);
        offsets
            .into_iter()
            .enumerate()
            .map(|(index, offset)| self.head(&scope, hour, index as u32, hour * HOUR_MS + offset))
            .collect()
    }

    /// Who can take part in `hour`'s messages: those registered when it begins, active on
    /// the local day it begins in.
    fn hour_scope(&self, hour: i64) -> HourScope {
        let (p, start_ms) = (self.population, hour * HOUR_MS);
        let day = self.day(start_ms);
        HourScope {
            users: p.users_at(start_ms).max(2).min(p.user_count()),
            groups: p.groups_at(start_ms),
            user_windows: p.user_activity.windows(day),
            group_windows: p.group_activity.windows(day),
            chatroom_windows: p.chatroom_activity.windows(day),
        }
    }

    /// The local day of `t_ms`.
    fn day(&self, t_ms: i64) -> Day {
        Day::of(t_ms, self.timezone.local_minus_utc() as i64 * 1000)
    }

    fn head(&self, scope: &HourScope, hour: i64, index: u32, t_ms: i64) -> ChatHead {
        let mut rng = stream(self.seed, Purpose::ChatHead, &[self.slot, hour as u64, index as u64]);
        let p = self.population;
        let roll: f64 = rng.random();
        let (from, target) = if roll < 0.3 && scope.groups > 0 {
            let g = pick_room(
                &mut rng,
                scope.groups,
                &p.lively_groups,
                &p.group_activity,
                &scope.group_windows,
            );
            (Party::Local(self.pick_sender(&mut rng, scope)), Target::Group(g))
        } else if roll < 0.4 && p.chatroom_count() > 0 {
            let rooms = p.chatroom_count();
            let c = pick_room(
                &mut rng,
                rooms,
                &p.lively_chatrooms,
                &p.chatroom_activity,
                &scope.chatroom_windows,
            );
            (Party::Local(self.pick_sender(&mut rng, scope)), Target::Chatroom(c))
        } else {
            self.single_parties(&mut rng, scope, t_ms)
        };
        let from = if rng.random_bool(0.04) { Party::Admin } else { from };
        let kind = *[
            (MsgKind::Text, 60),
            (MsgKind::Image, 12),
            (MsgKind::Voice, 8),
            (MsgKind::File, 6),
            (MsgKind::Location, 7),
            (MsgKind::Custom, 7),
        ]
        .choose_weighted(&mut rng, |k| k.1)
        .expect("weights are positive");
        let platform = match from {
            Party::Admin => Platform::Api,
            _ => {
                [
                    (Platform::Android, 45),
                    (Platform::Ios, 35),
                    (Platform::Web, 15),
                    (Platform::WinPhone, 5),
                ]
                .choose_weighted(&mut rng, |p| p.1)
                .expect("weights are positive")
                .0
            }
        };
        ChatHead {
            hour,
            index,
            t_ms,
            msgid: ((hour - EPOCH_HOUR) as u64 * MAX_PER_HOUR + index as u64) * 16 + self.slot % 16,
            from,
            target,
            kind: kind.0,
            platform,
        }
    }

    /// A sender among those of `scope`: a heavy user for a share of messages, otherwise
    /// any user active that day.
    fn pick_sender(&self, rng: &mut rand_pcg::Pcg64Mcg, scope: &HourScope) -> u32 {
        let heavy = &self.population.heavy_users;
        let existing = heavy.partition_point(|u| *u < scope.users);
        if existing > 0 && rng.random_bool(HEAVY_SENDER_SHARE) {
            return heavy[rng.random_range(0..existing)];
        }
        pick_active(rng, scope.users, &self.population.user_activity, &scope.user_windows)
    }

    /// Sender and receiver of a one-to-one message among those of `scope`, both active
    /// that day; some cross the app boundary.
    fn single_parties(&self, rng: &mut rand_pcg::Pcg64Mcg, scope: &HourScope, t_ms: i64) -> (Party, Target) {
        let users = scope.users;
        let sender = self.pick_sender(rng, scope);
        let mut receiver = pick_active(rng, users, &self.population.user_activity, &scope.user_windows);
        if receiver == sender {
            receiver = (sender + rng.random_range(1..users)) % users;
        }
        match self.partner {
            Some(partner) if rng.random_bool(0.08) => {
                let foreign = rng.random_range(0..partner.users_at(t_ms).max(1));
                if rng.random_bool(0.5) {
                    (Party::Local(sender), Target::Single(Party::Foreign(foreign)))
                } else {
                    (Party::Foreign(foreign), Target::Single(Party::Local(receiver)))
                }
            }
            _ => (Party::Local(sender), Target::Single(Party::Local(receiver))),
        }
    }

    /// The heads in `window` that `scope` selects, from `from` on, in order.
    pub fn scan(&self, window: Window, scope: Scope, from: Position) -> Scan<'_> {
        Scan {
            stream: self,
            window,
            scope,
            hour: from.hour,
            last_hour: window.last_ms.div_euclid(HOUR_MS),
            heads: Arc::new([]),
            next: from.index as usize,
            loaded: false,
        }
    }

    /// How many heads in `window` that `scope` selects.
    pub fn count(&self, window: Window, scope: Scope) -> u64 {
        self.seek(window, scope, u64::MAX).1
    }

    /// The position after skipping `skip` selected heads, and how many were skipped
    /// (fewer when the window runs out). Whole hours are skipped by their count alone
    /// when every head in them is selected.
    pub fn seek(&self, window: Window, scope: Scope, skip: u64) -> (Position, u64) {
        let mut skipped = 0;
        if window.is_empty() {
            return (Position::start_of(window), 0);
        }
        let first_hour = window.first_ms.div_euclid(HOUR_MS);
        let last_hour = window.last_ms.div_euclid(HOUR_MS);
        for hour in first_hour..=last_hour {
            if scope == Scope::All && window.covers_hour(hour) {
                let count = self.hour_count(hour) as u64;
                if skipped + count <= skip {
                    skipped += count;
                    continue;
                }
            }
            let heads = self.hour_heads(hour);
            let selected = heads.iter().filter(|h| window.contains(h.t_ms) && scope.matches(h));
            for head in selected {
                if skipped == skip {
                    return (
                        Position {
                            hour,
                            index: head.index,
                        },
                        skipped,
                    );
                }
                skipped += 1;
            }
        }
        (
            Position {
                hour: last_hour + 1,
                index: 0,
            },
            skipped,
        )
    }
}

/// Who can take part in one hour's messages (see [`ChatStream::hour_scope`]).
struct HourScope {
    users: u32,
    groups: u32,
    user_windows: Windows,
    group_windows: Windows,
    chatroom_windows: Windows,
}

/// A group or chatroom among the first `rooms`: a lively one for a share of messages,
/// otherwise any one active that day.
fn pick_room(rng: &mut rand_pcg::Pcg64Mcg, rooms: u32, lively: &[u32], activity: &Activity, windows: &Windows) -> u32 {
    let existing = lively.partition_point(|r| *r < rooms);
    if existing > 0 && rng.random_bool(LIVELY_ROOM_SHARE) {
        return lively[rng.random_range(0..existing)];
    }
    pick_active(rng, rooms, activity, windows)
}

/// One of the first `count` members active that day (any of them on a day so quiet that
/// none is found).
fn pick_active(rng: &mut rand_pcg::Pcg64Mcg, count: u32, activity: &Activity, windows: &Windows) -> u32 {
    activity
        .pick(windows, rng, count)
        .unwrap_or_else(|| rng.random_range(0..count))
}

/// Iterator over the selected heads of a window; see [`ChatStream::scan`].
pub struct Scan<'a> {
    stream: &'a ChatStream<'a>,
    window: Window,
    scope: Scope,
    hour: i64,
    last_hour: i64,
    heads: Arc<[ChatHead]>,
    next: usize,
    loaded: bool,
}

impl Iterator for Scan<'_> {
    type Item = ChatHead;

    fn next(&mut self) -> Option<ChatHead> {
        while self.hour <= self.last_hour && !self.window.is_empty() {
            if !self.loaded {
                self.heads = self.stream.hour_heads(self.hour);
                self.loaded = true;
            }
            while let Some(head) = self.heads.get(self.next) {
                self.next += 1;
                if self.window.contains(head.t_ms) && self.scope.matches(head) {
                    return Some(*head);
                }
            }
            self.hour += 1;
            self.next = 0;
            self.loaded = false;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DatasetSize;

    fn with_stream<R>(seed: u64, f: impl FnOnce(&ChatStream) -> R) -> R {
        let size = DatasetSize::default();
        let anchor = 490_010 * HOUR_MS;
        let population = Population::generate(seed, 0, size, anchor);
        let partner = Population::generate(seed, 1, size, anchor);
        let stream = ChatStream {
            seed,
            slot: 0,
            messages_per_day: size.messages_per_day,
            timezone: FixedOffset::east_opt(8 * 3600).unwrap(),
            population: &population,
            partner: Some(&partner),
            hours: &hour_memo(),
        };
        f(&stream)
    }

    const HOUR: i64 = 490_000;

    #[test]
    fn heads_are_ordered_and_msgids_increase() {
        with_stream(1, |s| {
            let heads: Vec<_> = (HOUR..HOUR + 3).flat_map(|h| s.hour_heads(h).to_vec()).collect();
            assert!(heads.len() > 50);
            assert!(heads
                .windows(2)
                .all(|w| w[0].t_ms <= w[1].t_ms && w[0].msgid < w[1].msgid));
            assert_eq!(s.hour_heads(HOUR), s.hour_heads(HOUR));
        });
    }

    #[test]
    fn a_day_has_about_the_configured_volume_and_every_kind() {
        with_stream(2, |s| {
            let heads: Vec<_> = (HOUR..HOUR + 24).flat_map(|h| s.hour_heads(h).to_vec()).collect();
            let n = heads.len() as f64;
            assert!((1600.0..2400.0).contains(&n), "{n} messages in a day");
            for kind in [
                MsgKind::Text,
                MsgKind::Image,
                MsgKind::Voice,
                MsgKind::File,
                MsgKind::Location,
                MsgKind::Custom,
            ] {
                assert!(heads.iter().any(|h| h.kind == kind), "{kind:?}");
            }
            assert!(heads.iter().any(|h| h.is_cross_app()));
            assert!(heads.iter().any(|h| h.from == Party::Admin));
            assert!(heads.iter().any(|h| matches!(h.target, Target::Chatroom(_))));
        });
    }

    #[test]
    fn only_existing_users_and_groups_take_part() {
        with_stream(4, |s| {
            let p = s.population;
            for head in (HOUR - 24 * 40..HOUR).step_by(7).flat_map(|h| s.hour_heads(h).to_vec()) {
                let exists = |party: Party| match party {
                    Party::Local(u) => p.user(u).registered_ms <= head.t_ms,
                    _ => true,
                };
                assert!(exists(head.from), "{head:?}");
                match head.target {
                    Target::Single(party) => assert!(exists(party), "{head:?}"),
                    Target::Group(g) => assert!(p.group(g).created_ms <= head.t_ms),
                    Target::Chatroom(_) => {}
                }
            }
        });
    }

    #[test]
    fn seek_and_count_agree_with_scan() {
        with_stream(3, |s| {
            let window = Window {
                first_ms: HOUR * HOUR_MS + 1234,
                last_ms: (HOUR + 30) * HOUR_MS - 777,
            };
            for scope in [Scope::All, Scope::User(3), Scope::Group(1)] {
                let all: Vec<_> = s.scan(window, scope, Position::start_of(window)).collect();
                assert_eq!(s.count(window, scope), all.len() as u64);
                let skip = all.len() as u64 / 2;
                let (position, skipped) = s.seek(window, scope, skip);
                assert_eq!(skipped, skip);
                let rest: Vec<_> = s.scan(window, scope, position).collect();
                assert_eq!(rest, all[skip as usize..]);
            }
        });
    }

    /// Not a check: `cargo test -p mock-server --release --lib -- --ignored --nocapture
    /// time_a_day_of_heads` prints how long a day of heads takes to generate.
    #[test]
    #[ignore]
    fn time_a_day_of_heads() {
        with_stream(1, |s| {
            let days = 30;
            let start = std::time::Instant::now();
            let heads: usize = (HOUR..HOUR + 24 * days).map(|h| s.hour_heads(h).len()).sum();
            let per_day = start.elapsed() / days as u32;
            println!("{} heads a day, {per_day:?} a day", heads / days as usize);
        });
    }
}
