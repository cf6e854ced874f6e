//! The people and places of one app: users, groups and chatrooms, and the chat lines
//! they write. Nothing per member is stored: a user's name, nickname and registration instant,
//! a group's id, name and creation instant, are pure functions of (seed, app slot,
//! index), computed when asked for; the app keeps a few small summaries (its tiers'
//! bounds, its heavy users and lively rooms, the nicknames texts @mention). Memory and startup do not
//! grow with the population.
//!
//! Users and groups have registration (creation) instants: most predate the retention
//! window, some arrive during it, so statistics show new users and groups. Instants
//! increase with the index, so "who existed at t" is a prefix `0..n` found by bisection.
//!
//! Being registered is not being active: each user and room has an engagement tier and
//! is active on some days only (`activity`), fewer on weekends. A few heavy users and
//! lively rooms carry much of the traffic; most registered users and rooms are quiet on
//! any one day.
//!
//! Usernames are unique and can be read back: member `i`'s username encodes the code
//! `names.apply(i)` of a keyed permutation as a stem (pinyin or English names) and a
//! numeric suffix (a birth year or one or two digits), so `user_index` parses the
//! name and inverts the permutation instead of searching a list.

use fake::{
    faker::name::{en::Name as EnName, zh_cn::Name as ZhName},
    Fake,
};
use rand::Rng;

use super::DatasetSize;
use super::{
    activity::{Activity, Tier},
    texts,
};
use crate::kernel::{
    permutation::Permutation,
    rng::{key, stream, Purpose},
};

/// Users whose nicknames the texts @mention.
const MENTIONED: u32 = 64;
/// Samples kept for `/_mock/apps`, per kind, the most engaged first.
const SAMPLES_KEPT: usize = 16;
/// Group and chatroom ids start here so they look like the vendor's numeric ids; each
/// index owns `ID_STRIDE` ids, of which it takes one.
const GROUP_ID_BASE: u64 = 10_000_000;
const CHATROOM_ID_BASE: u64 = 12_000_000;
const ID_STRIDE: u64 = 20;

/// The most users, groups, chatrooms or JPush devices an app may have (the settings
/// refuse more). Usernames have room for more, and group ids stay below the chatrooms'
/// (see `tests::usernames_have_room_for_the_largest_population_and_stems_are_distinct`).
pub const MAX_POPULATION: u32 = 100_000;

/// Engagement tiers of users: (share of users, chance of being active on a weekday).
/// **Decided**, to look like production: a few heavy users active every day, regulars
/// every few days, and a long tail of casual users rarely seen, so that daily active
/// users are some 10 % of those registered.
const USER_TIERS: [Tier; 3] = [
    Tier {
        share: 0.0025,
        daily: 0.97,
    },
    Tier { share: 0.2, daily: 0.3 },
    Tier {
        share: 0.7975,
        daily: 0.04,
    },
];
/// Engagement tiers of groups: a few lively groups, some occasional, most quiet.
/// **Decided**, like [`USER_TIERS`].
const GROUP_TIERS: [Tier; 3] = [
    Tier {
        share: 0.02,
        daily: 0.95,
    },
    Tier {
        share: 0.2,
        daily: 0.25,
    },
    Tier {
        share: 0.78,
        daily: 0.03,
    },
];
/// Engagement tiers of chatrooms: fewer and livelier than groups (an app opens a
/// chatroom for an audience). **Decided**, like [`USER_TIERS`].
const CHATROOM_TIERS: [Tier; 3] = [
    Tier {
        share: 0.2,
        daily: 0.95,
    },
    Tier {
        share: 0.3,
        daily: 0.25,
    },
    Tier {
        share: 0.5,
        daily: 0.03,
    },
];
/// Activity on Saturdays and Sundays relative to weekdays. **Decided**.
pub const WEEKEND_ACTIVITY: f64 = 0.8;

/// Share of users and groups that existed before the recent period.
const ESTABLISHED_SHARE: f64 = 0.75;
/// The recent period in which the other users and groups registered, before the anchor.
const RECENT_DAYS: i64 = 90;
/// How far before the recent period the established ones registered.
const ESTABLISHED_DAYS: i64 = 400;
const DAY_MS: i64 = 86_400_000;

/// Coordinates of the keyed streams of one app's members (after the app slot).
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
enum Field {
    UserArrival = 1,
    GroupArrival = 2,
    ChatroomArrival = 3,
    Usernames = 4,
    Nickname = 5,
    GroupId = 6,
    GroupOwner = 7,
    ChatroomId = 8,
    ChatroomOwner = 9,
    UserActivity = 10,
    GroupActivity = 11,
    ChatroomActivity = 12,
}

/// A user, computed from its index (see [`Population::user`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub nickname: String,
    pub registered_ms: i64,
}

/// A group or a chatroom: a numeric id, a name and when it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: String,
    pub name: String,
    pub created_ms: i64,
}

/// When each of `count` members arrived: ascending with the index, the first
/// `established` long before the recent period, the others within it.
#[derive(Debug, Clone, Copy)]
struct Arrivals {
    count: u32,
    established: u32,
    recent_start_ms: i64,
    key: u64,
}

impl Arrivals {
    fn new(count: u32, anchor_ms: i64, key: u64) -> Arrivals {
        Arrivals {
            count,
            established: (count as f64 * ESTABLISHED_SHARE).round() as u32,
            recent_start_ms: anchor_ms - RECENT_DAYS * DAY_MS,
            key,
        }
    }

    /// Member `i`'s instant: its share of its period, jittered within its own slice of
    /// the period, so the order of the indices is the order of the instants.
    fn at(&self, i: u32) -> i64 {
        let (first_ms, span_ms, rank, members) = if i < self.established {
            let span = (ESTABLISHED_DAYS - 1) * DAY_MS;
            (
                self.recent_start_ms - ESTABLISHED_DAYS * DAY_MS,
                span,
                i,
                self.established,
            )
        } else {
            let recent = self.count - self.established;
            (self.recent_start_ms, RECENT_DAYS * DAY_MS, i - self.established, recent)
        };
        let jitter = key(self.key, Purpose::Population, &[i as u64]) & 0xffff;
        let scaled = (rank as i128 * 65_536 + jitter as i128) * span_ms as i128 / (members as i128 * 65_536);
        first_ms + scaled as i64
    }

    /// How many had arrived at `t_ms`: they are `0..n`.
    fn count_at(&self, t_ms: i64) -> u32 {
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.at(mid) <= t_ms {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

#[derive(Debug, Clone)]
pub struct Population {
    seed: u64,
    slot: u64,
    users: Arrivals,
    groups: Arrivals,
    chatrooms: Arrivals,
    /// Index → username code (see [`usernames`]).
    names: Permutation,
    /// Nicknames that texts @mention.
    mentionable: Vec<String>,
    /// Who is active on which day, by kind.
    pub user_activity: Activity,
    pub group_activity: Activity,
    pub chatroom_activity: Activity,
    /// Users of the most engaged tier, ascending: the app's heavy senders.
    pub heavy_users: Vec<u32>,
    /// Groups and chatrooms of the most engaged tier, ascending.
    pub lively_groups: Vec<u32>,
    pub lively_chatrooms: Vec<u32>,
    /// Usernames, group ids and chatroom ids to show, the most engaged first.
    samples: [Vec<String>; 3],
}

impl Population {
    /// The population of the app in `slot`, a pure function of (seed, slot, size, anchor):
    /// `anchor_ms` is the end of the period in which recent users and groups registered.
    pub fn generate(seed: u64, slot: u64, size: DatasetSize, anchor_ms: i64) -> Population {
        let field = |f: Field| key(seed, Purpose::Population, &[slot, f as u64]);
        let activity = |f: Field, count: u32, tiers: &[Tier]| {
            Activity::new(
                key(seed, Purpose::Activity, &[slot, f as u64]),
                count,
                tiers,
                WEEKEND_ACTIVITY,
            )
        };
        let user_activity = activity(Field::UserActivity, size.users, &USER_TIERS);
        let group_activity = activity(Field::GroupActivity, size.groups, &GROUP_TIERS);
        let chatroom_activity = activity(Field::ChatroomActivity, size.chatrooms, &CHATROOM_TIERS);
        let mut population = Population {
            seed,
            slot,
            users: Arrivals::new(size.users, anchor_ms, field(Field::UserArrival)),
            groups: Arrivals::new(size.groups, anchor_ms, field(Field::GroupArrival)),
            chatrooms: Arrivals::new(size.chatrooms, anchor_ms, field(Field::ChatroomArrival)),
            names: Permutation::new(field(Field::Usernames), usernames::CODES),
            mentionable: Vec::new(),
            heavy_users: user_activity.top_tier(),
            lively_groups: group_activity.top_tier(),
            lively_chatrooms: chatroom_activity.top_tier(),
            user_activity,
            group_activity,
            chatroom_activity,
            samples: Default::default(),
        };
        population.mentionable = (0..MENTIONED.min(size.users)).map(|u| population.nickname(u)).collect();
        population.samples = [
            population
                .user_activity
                .most_engaged(SAMPLES_KEPT)
                .into_iter()
                .map(|u| population.username(u))
                .collect(),
            population
                .group_activity
                .most_engaged(SAMPLES_KEPT)
                .into_iter()
                .map(|g| population.group_id(g))
                .collect(),
            population
                .chatroom_activity
                .most_engaged(SAMPLES_KEPT)
                .into_iter()
                .map(|c| population.chatroom_id(c))
                .collect(),
        ];
        population
    }

    pub fn user_count(&self) -> u32 {
        self.users.count
    }

    pub fn group_count(&self) -> u32 {
        self.groups.count
    }

    pub fn chatroom_count(&self) -> u32 {
        self.chatrooms.count
    }

    /// User `i` (below [`Population::user_count`]).
    pub fn user(&self, i: u32) -> User {
        User {
            username: self.username(i),
            nickname: self.nickname(i),
            registered_ms: self.users.at(i),
        }
    }

    /// User `i`'s username, unique within the app.
    pub fn username(&self, i: u32) -> String {
        usernames::of_code(self.names.apply(i as u64))
    }

    /// User `i`'s display name: Chinese or English.
    pub fn nickname(&self, i: u32) -> String {
        let mut rng = stream(
            self.seed,
            Purpose::Population,
            &[self.slot, Field::Nickname as u64, i as u64],
        );
        if rng.random_bool(0.5) {
            ZhName().fake_with_rng(&mut rng)
        } else {
            EnName().fake_with_rng(&mut rng)
        }
    }

    /// Group `i` (below [`Population::group_count`]).
    pub fn group(&self, i: u32) -> Room {
        Room {
            id: self.group_id(i),
            name: self.room_name(Field::GroupOwner, i, "群"),
            created_ms: self.groups.at(i),
        }
    }

    /// Chatroom `i` (below [`Population::chatroom_count`]).
    pub fn chatroom(&self, i: u32) -> Room {
        Room {
            id: self.chatroom_id(i),
            name: self.room_name(Field::ChatroomOwner, i, "聊天室"),
            created_ms: self.chatrooms.at(i),
        }
    }

    pub fn group_id(&self, i: u32) -> String {
        self.room_id(Field::GroupId, GROUP_ID_BASE, i).to_string()
    }

    pub fn chatroom_id(&self, i: u32) -> String {
        self.room_id(Field::ChatroomId, CHATROOM_ID_BASE, i).to_string()
    }

    /// Room `i`'s id: one of the `ID_STRIDE` ids its index owns after `base` (never the
    /// first, so ids do not look evenly spaced).
    fn room_id(&self, field: Field, base: u64, i: u32) -> u64 {
        let jitter = key(self.seed, Purpose::Population, &[self.slot, field as u64, i as u64]) % (ID_STRIDE - 1);
        base + i as u64 * ID_STRIDE + 1 + jitter
    }

    fn room_name(&self, field: Field, i: u32, suffix: &str) -> String {
        let mut rng = stream(self.seed, Purpose::Population, &[self.slot, field as u64, i as u64]);
        let owner: String = ZhName().fake_with_rng(&mut rng);
        format!("{owner}的{suffix}")
    }

    /// A chat line as this app's users write it, drawn from `rng` (a message's stream).
    pub fn text(&self, rng: &mut impl Rng) -> String {
        texts::line(rng, &self.mentionable)
    }

    /// Up to `count` usernames to show as samples, the most engaged first (heavy users
    /// are active every day); at most `SAMPLES_KEPT`.
    pub fn sample_users(&self, count: usize) -> Vec<&str> {
        self.samples(0, count)
    }

    /// Group ids to show as samples, the liveliest first.
    pub fn sample_groups(&self, count: usize) -> Vec<&str> {
        self.samples(1, count)
    }

    /// Chatroom ids to show as samples, the liveliest first.
    pub fn sample_chatrooms(&self, count: usize) -> Vec<&str> {
        self.samples(2, count)
    }

    fn samples(&self, kind: usize, count: usize) -> Vec<&str> {
        self.samples[kind].iter().take(count).map(String::as_str).collect()
    }

    /// How many users had registered at `t_ms`: they are users `0..n`.
    pub fn users_at(&self, t_ms: i64) -> u32 {
        self.users.count_at(t_ms)
    }

    /// How many groups existed at `t_ms`: they are groups `0..n`.
    pub fn groups_at(&self, t_ms: i64) -> u32 {
        self.groups.count_at(t_ms)
    }

    /// The index of the user called `username`, if the app has one.
    pub fn user_index(&self, username: &str) -> Option<u32> {
        let code = usernames::code_of(username)?;
        let i = self.names.invert(code);
        (i < self.users.count as u64).then_some(i as u32)
    }

    pub fn group_index(&self, id: &str) -> Option<u32> {
        self.room_index(id, Field::GroupId, GROUP_ID_BASE, self.groups.count)
    }

    pub fn chatroom_index(&self, id: &str) -> Option<u32> {
        self.room_index(id, Field::ChatroomId, CHATROOM_ID_BASE, self.chatrooms.count)
    }

    fn room_index(&self, id: &str, field: Field, base: u64, count: u32) -> Option<u32> {
        // Only the canonical decimal form names a room ("010000005" does not).
        if id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number: u64 = id.parse().ok()?;
        let i = u32::try_from(number.checked_sub(base + 1)? / ID_STRIDE).ok()?;
        (i < count && self.room_id(field, base, i) == number).then_some(i)
    }
}

/// Usernames as people pick them: pinyin or an English first name, with a family name
/// or an underscore, and often a number (birth year, one or two lucky digits). Every
/// (stem, suffix) pair is a code; a code's username parses back to it.
mod usernames {
    /// Pinyin syllables of common family and given names, for usernames as people pick them.
    const PINYIN_FAMILY: &[&str] = &[
        "zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun", "ma", "zhu", "hu",
        "guo", "lin", "he", "gao", "luo",
    ];
    const PINYIN_GIVEN: &[&str] = &[
        "wei", "fang", "na", "min", "jing", "lei", "yang", "jie", "tao", "ming", "xiu", "hao", "yu", "xin", "chen",
        "hui", "ting", "bo", "qiang", "lan",
    ];
    /// English first and family names, lower-case, for the other usernames.
    const EN_FIRST: &[&str] = &[
        "amy", "anna", "alex", "ben", "bella", "chris", "cindy", "daniel", "david", "emma", "eric", "evan", "frank",
        "grace", "helen", "henry", "ivy", "jack", "jason", "jenny", "jerry", "joe", "judy", "kevin", "kelly", "leo",
        "lily", "lucy", "mark", "mary", "max", "mike", "nancy", "nick", "oscar", "peter", "rachel", "rose", "ryan",
        "sam", "sandy", "sophie", "steven", "tina", "tom", "tony", "vicky", "vincent", "wendy", "will", "zoe", "andy",
        "bob", "carl", "dora", "ella", "fiona", "gary", "hank", "iris", "janet", "karen", "linda", "molly",
    ];
    const EN_LAST: &[&str] = &["smith", "brown", "lee", "wong", "chan", "miller", "taylor", "walker"];

    const PINYIN_STEMS: u64 = (PINYIN_FAMILY.len() * PINYIN_GIVEN.len()) as u64;
    const STEMS: u64 = 2 * PINYIN_STEMS + (EN_FIRST.len() * (1 + EN_LAST.len())) as u64;
    /// Suffixes: none, a birth year (1970–2009), or 1–99.
    const YEARS: std::ops::RangeInclusive<u64> = 1970..=2009;
    const SUFFIXES: u64 = 1 + 40 + 99;
    /// Every username is one of these codes: `suffix * STEMS + stem`.
    pub const CODES: u64 = STEMS * SUFFIXES;

    pub fn of_code(code: u64) -> String {
        let (stem, suffix) = (code % STEMS, code / STEMS);
        let stem = stem_of(stem);
        match suffix {
            0 => stem,
            1..=40 => format!("{stem}{}", YEARS.start() + suffix - 1),
            _ => format!("{stem}{}", suffix - 40),
        }
    }

    /// The code of `username`, if it is one of the usernames [`of_code`] writes.
    pub fn code_of(username: &str) -> Option<u64> {
        let digits = username.find(|c: char| c.is_ascii_digit()).unwrap_or(username.len());
        let (stem, number) = username.split_at(digits);
        let suffix = match number {
            "" => 0,
            _ if number.starts_with('0') || number.len() > 4 || !number.bytes().all(|b| b.is_ascii_digit()) => {
                return None
            }
            _ => match number.parse::<u64>().ok()? {
                n if YEARS.contains(&n) => n - YEARS.start() + 1,
                n @ 1..=99 => n + 40,
                _ => return None,
            },
        };
        let code = suffix * STEMS + stem_code(stem)?;
        (of_code(code) == username).then_some(code)
    }

    fn stem_of(stem: u64) -> String {
        let families = PINYIN_FAMILY.len() as u64;
        let firsts = EN_FIRST.len() as u64;
        let at = |list: &[&str], i: u64| list[i as usize].to_owned();
        if stem < PINYIN_STEMS {
            at(PINYIN_FAMILY, stem % families) + PINYIN_GIVEN[(stem / families) as usize]
        } else if stem < 2 * PINYIN_STEMS {
            let s = stem - PINYIN_STEMS;
            format!(
                "{}_{}",
                PINYIN_GIVEN[(s / families) as usize],
                PINYIN_FAMILY[(s % families) as usize]
            )
        } else {
            let s = stem - 2 * PINYIN_STEMS;
            if s < firsts {
                at(EN_FIRST, s)
            } else {
                let s = s - firsts;
                format!("{}_{}", EN_FIRST[(s % firsts) as usize], EN_LAST[(s / firsts) as usize])
            }
        }
    }

    fn stem_code(stem: &str) -> Option<u64> {
        let position = |list: &[&str], s: &str| list.iter().position(|x| *x == s).map(|i| i as u64);
        let (families, firsts) = (PINYIN_FAMILY.len() as u64, EN_FIRST.len() as u64);
        if let Some((a, b)) = stem.split_once('_') {
            if let (Some(given), Some(family)) = (position(PINYIN_GIVEN, a), position(PINYIN_FAMILY, b)) {
                return Some(PINYIN_STEMS + given * families + family);
            }
            let (first, last) = (position(EN_FIRST, a)?, position(EN_LAST, b)?);
            return Some(2 * PINYIN_STEMS + firsts + last * firsts + first);
        }
        for (family, name) in PINYIN_FAMILY.iter().enumerate() {
            if let Some(given) = stem.strip_prefix(name).and_then(|rest| position(PINYIN_GIVEN, rest)) {
                return Some(given * families + family as u64);
            }
        }
        Some(2 * PINYIN_STEMS + position(EN_FIRST, stem)?)
    }

    #[cfg(test)]
    pub fn all_stems() -> impl Iterator<Item = (u64, String)> {
        (0..STEMS).map(|s| (s, stem_of(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANCHOR: i64 = 1_795_000_000_000;

    #[test]
    fn population_is_deterministic_unique_and_sized() {
        let size = DatasetSize::default();
        let a = Population::generate(3, 0, size, ANCHOR);
        let b = Population::generate(3, 0, size, ANCHOR);
        assert_eq!(a.user_count(), size.users);
        assert_eq!(a.group_count(), size.groups);
        assert_eq!(a.chatroom_count(), size.chatrooms);
        let names: Vec<_> = (0..a.user_count()).map(|u| a.username(u)).collect();
        assert_eq!(names, (0..b.user_count()).map(|u| b.username(u)).collect::<Vec<_>>());
        assert_eq!(a.user(7), b.user(7));
        assert_eq!(a.group(7), b.group(7));
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        let mut rng = stream(1, Purpose::ChatBody, &[0]);
        let lines: Vec<String> = (0..200).map(|_| a.text(&mut rng)).collect();
        assert!(lines.iter().any(|t| !t.is_ascii()), "some Chinese text");
        assert!(lines.iter().any(|t| t.is_ascii()), "some Latin text");
        let distinct: std::collections::HashSet<_> = lines.iter().collect();
        assert!(distinct.len() > 150, "lines vary: {} distinct of 200", distinct.len());
        assert_ne!(a.username(0), Population::generate(4, 0, size, ANCHOR).username(0));
        assert_ne!(a.username(0), Population::generate(3, 1, size, ANCHOR).username(0));
    }

    #[test]
    fn names_and_ids_read_back_to_their_index() {
        let size = DatasetSize {
            users: 3000,
            groups: 2000,
            chatrooms: 50,
            ..DatasetSize::default()
        };
        let p = Population::generate(5, 1, size, ANCHOR);
        for u in 0..p.user_count() {
            assert_eq!(p.user_index(&p.username(u)), Some(u), "{}", p.username(u));
        }
        for g in 0..p.group_count() {
            assert_eq!(p.group_index(&p.group_id(g)), Some(g));
        }
        for c in 0..p.chatroom_count() {
            assert_eq!(p.chatroom_index(&p.chatroom_id(c)), Some(c));
        }
        let other = Population::generate(6, 1, size, ANCHOR);
        let strangers = (0..other.user_count())
            .map(|u| other.username(u))
            .filter(|name| p.user_index(name).is_none())
            .count();
        assert!(
            strangers > 2000,
            "most of another app's users are not this app's: {strangers}"
        );
        for bad in [
            "",
            "_",
            "zhangwei0",
            "zhangwei007",
            "zhangwei100",
            "zhangwei1969",
            "ZhangWei",
            "zhang wei",
            "emma_",
        ] {
            assert_eq!(p.user_index(bad), None, "{bad:?}");
        }
        for bad in [
            "",
            "010000005",
            "+10000005",
            "10000000",
            "9999999",
            "99999999999999999999",
            "1e7",
        ] {
            assert_eq!(p.group_index(bad), None, "{bad:?}");
        }
        assert_eq!(p.group_index(&p.chatroom_id(0)), None);
    }

    #[test]
    fn usernames_have_room_for_the_largest_population_and_stems_are_distinct() {
        assert!(usernames::CODES >= MAX_POPULATION as u64);
        assert!(GROUP_ID_BASE + MAX_POPULATION as u64 * ID_STRIDE <= CHATROOM_ID_BASE);
        let stems: std::collections::HashSet<String> = usernames::all_stems().map(|(_, s)| s).collect();
        assert_eq!(stems.len() as u64, usernames::all_stems().count() as u64);
        for (code, stem) in usernames::all_stems() {
            assert!(!stem.is_empty() && stem.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert_eq!(usernames::code_of(&stem), Some(code), "{stem}");
        }
    }

    #[test]
    fn some_users_and_groups_arrive_recently_in_order() {
        let p = Population::generate(3, 0, DatasetSize::default(), ANCHOR);
        let recent = ANCHOR - RECENT_DAYS * DAY_MS;
        let instants: Vec<i64> = (0..p.user_count()).map(|u| p.user(u).registered_ms).collect();
        assert!(instants.windows(2).all(|w| w[0] <= w[1]));
        let established = p.users_at(recent);
        assert!(
            established > p.user_count() / 2 && established < p.user_count(),
            "{established}"
        );
        assert_eq!(p.users_at(ANCHOR), p.user_count());
        assert_eq!(
            p.users_at(instants[100]),
            instants.partition_point(|t| *t <= instants[100]) as u32
        );
        assert_eq!(p.users_at(i64::MIN), 0);
        assert!(p.groups_at(recent) < p.groups_at(ANCHOR));
        // New users arrive on most days of the recent period.
        let days_with_arrivals = (1..RECENT_DAYS)
            .filter(|d| p.users_at(recent + d * DAY_MS) > p.users_at(recent + (d - 1) * DAY_MS))
            .count();
        assert!(days_with_arrivals as i64 > RECENT_DAYS - 3, "{days_with_arrivals}");
    }
}
