//! The people and places of one app: users, groups, chatrooms and a pool of message
//! texts. Generated once at startup from the seed; their size is set by the dataset
//! knobs and does not grow with the number of messages.
//!
//! Users and groups have registration (creation) instants: most predate the retention
//! window, some arrive during it, so statistics show new users and groups. Lists are
//! sorted by that instant, so "who existed at t" is a prefix of the list.
//!
//! Being registered is not being active: each user and room has an engagement tier and
//! is active on some days only (`activity`), fewer on weekends. A few heavy users and
//! lively rooms carry much of the traffic; most registered users and rooms are quiet on
//! any one day.

use fake::{
    faker::name::{
        en::{FirstName, LastName, Name as EnName},
        zh_cn::Name as ZhName,
    },
    Fake,
};
use rand::Rng;

use super::DatasetSize;
use super::{
    activity::{Activity, Tier},
    texts,
};
use crate::kernel::rng::{stream, Purpose};

/// Texts per app: enough variety for realistic pages, small enough to stay flat in memory.
const TEXT_POOL: usize = 256;
/// Group and chatroom ids start here so they look like the vendor's numeric ids.
const GROUP_ID_BASE: u64 = 10_000_000;
const CHATROOM_ID_BASE: u64 = 12_000_000;

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
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub nickname: String,
    pub registered_ms: i64,
}

/// A group or a chatroom: a numeric id, a name and when it was created.
#[derive(Debug, Clone)]
pub struct Room {
    pub id: String,
    pub name: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Population {
    pub users: Vec<User>,
    pub groups: Vec<Room>,
    pub chatrooms: Vec<Room>,
    pub texts: Vec<String>,
    /// Who is active on which day, by kind.
    pub user_activity: Activity,
    pub group_activity: Activity,
    pub chatroom_activity: Activity,
    /// Users of the most engaged tier, ascending: the app's heavy senders.
    pub heavy_users: Vec<u32>,
    /// Groups and chatrooms of the most engaged tier, ascending.
    pub lively_groups: Vec<u32>,
    pub lively_chatrooms: Vec<u32>,
}

impl Population {
    /// The population of the app in `slot`, a pure function of (seed, slot, size, anchor):
    /// `anchor_ms` is the end of the period in which recent users and groups registered.
    pub fn generate(seed: u64, slot: u64, size: DatasetSize, anchor_ms: i64) -> Population {
        let mut rng = stream(seed, Purpose::Population, &[slot]);
        let mut users = generate_users(&mut rng, size.users);
        let registered = arrivals(&mut rng, users.len(), anchor_ms);
        users
            .iter_mut()
            .zip(registered)
            .for_each(|(user, t)| user.registered_ms = t);
        let groups = generate_rooms(&mut rng, size.groups, GROUP_ID_BASE, "群", anchor_ms);
        let chatrooms = generate_rooms(&mut rng, size.chatrooms, CHATROOM_ID_BASE, "聊天室", anchor_ms);
        let names: Vec<&str> = users.iter().take(64).map(|u| u.nickname.as_str()).collect();
        let texts = (0..TEXT_POOL).map(|_| texts::line(&mut rng, &names)).collect();
        let mut activity = stream(seed, Purpose::Activity, &[slot]);
        let mut of =
            |count: usize, tiers: &[Tier]| Activity::generate(&mut activity, count as u32, tiers, WEEKEND_ACTIVITY);
        let user_activity = of(users.len(), &USER_TIERS);
        let group_activity = of(groups.len(), &GROUP_TIERS);
        let chatroom_activity = of(chatrooms.len(), &CHATROOM_TIERS);
        Population {
            heavy_users: user_activity.top_tier(),
            lively_groups: group_activity.top_tier(),
            lively_chatrooms: chatroom_activity.top_tier(),
            user_activity,
            group_activity,
            chatroom_activity,
            users,
            groups,
            chatrooms,
            texts,
        }
    }

    /// Usernames to show as samples, the most engaged first (heavy users are active
    /// every day).
    pub fn sample_users(&self, count: usize) -> Vec<&str> {
        let order = self.user_activity.most_engaged(count);
        order
            .into_iter()
            .map(|u| self.users[u as usize].username.as_str())
            .collect()
    }

    /// Group ids to show as samples, the liveliest first.
    pub fn sample_groups(&self, count: usize) -> Vec<&str> {
        let order = self.group_activity.most_engaged(count);
        order.into_iter().map(|g| self.groups[g as usize].id.as_str()).collect()
    }

    /// Chatroom ids to show as samples, the liveliest first.
    pub fn sample_chatrooms(&self, count: usize) -> Vec<&str> {
        let order = self.chatroom_activity.most_engaged(count);
        order
            .into_iter()
            .map(|c| self.chatrooms[c as usize].id.as_str())
            .collect()
    }

    /// How many users had registered at `t_ms`: they are `users[..n]`.
    pub fn users_at(&self, t_ms: i64) -> u32 {
        self.users.partition_point(|u| u.registered_ms <= t_ms) as u32
    }

    /// How many groups existed at `t_ms`: they are `groups[..n]`.
    pub fn groups_at(&self, t_ms: i64) -> u32 {
        self.groups.partition_point(|g| g.created_ms <= t_ms) as u32
    }

    pub fn user_index(&self, username: &str) -> Option<u32> {
        self.users.iter().position(|u| u.username == username).map(|i| i as u32)
    }

    pub fn group_index(&self, id: &str) -> Option<u32> {
        self.groups.iter().position(|g| g.id == id).map(|i| i as u32)
    }

    pub fn chatroom_index(&self, id: &str) -> Option<u32> {
        self.chatrooms.iter().position(|c| c.id == id).map(|i| i as u32)
    }
}

fn generate_users(rng: &mut impl Rng, count: u32) -> Vec<User> {
    let mut seen = std::collections::HashSet::new();
    (0..count)
        .map(|i| {
            let base = username(rng);
            // Usernames must be unique within the app; fake repeats itself at scale.
            let username = if seen.insert(base.clone()) {
                base
            } else {
                let unique = format!("{base}{i}");
                seen.insert(unique.clone());
                unique
            };
            let nickname = if rng.random_bool(0.5) {
                ZhName().fake_with_rng(rng)
            } else {
                EnName().fake_with_rng(rng)
            };
            User {
                username,
                nickname,
                registered_ms: 0,
            }
        })
        .collect()
}

/// Pinyin syllables of common family and given names, for usernames as people pick them.
const PINYIN_FAMILY: &[&str] = &[
    "zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun", "ma", "zhu", "hu", "guo",
    "lin", "he", "gao", "luo",
];
const PINYIN_GIVEN: &[&str] = &[
    "wei", "fang", "na", "min", "jing", "lei", "yang", "jie", "tao", "ming", "xiu", "hao", "yu", "xin", "chen", "hui",
    "ting", "bo", "qiang", "lan",
];

/// A username as people pick them: pinyin or an English first name, with a family
/// name, an underscore or a number (birth year, lucky digits).
fn username(rng: &mut impl Rng) -> String {
    let pick = |rng: &mut dyn rand::RngCore, list: &[&'static str]| list[rng.random_range(0..list.len())];
    let stem = if rng.random_bool(0.6) {
        let (family, given) = (pick(rng, PINYIN_FAMILY), pick(rng, PINYIN_GIVEN));
        if rng.random_bool(0.3) {
            format!("{given}_{family}")
        } else {
            format!("{family}{given}")
        }
    } else {
        let first: String = FirstName().fake_with_rng(rng);
        let first = first.to_ascii_lowercase();
        if rng.random_bool(0.3) {
            let last: String = LastName().fake_with_rng(rng);
            format!("{first}_{}", last.to_ascii_lowercase())
        } else {
            first
        }
    };
    let stem: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match rng.random_range(0..10) {
        0..4 => stem,
        4..7 => format!("{stem}{}", rng.random_range(1970..2010)),
        _ => format!("{stem}{}", rng.random_range(1..1000)),
    }
}

fn generate_rooms(rng: &mut impl Rng, count: u32, id_base: u64, suffix: &str, anchor_ms: i64) -> Vec<Room> {
    let created = arrivals(rng, count as usize, anchor_ms);
    let mut next_id = id_base;
    created
        .into_iter()
        .map(|created_ms| {
            next_id += rng.random_range(1..100);
            let owner: String = ZhName().fake_with_rng(rng);
            Room {
                id: next_id.to_string(),
                name: format!("{owner}的{suffix}"),
                created_ms,
            }
        })
        .collect()
}

/// Ascending arrival instants: most long before the recent period, the rest within it.
fn arrivals(rng: &mut impl Rng, count: usize, anchor_ms: i64) -> Vec<i64> {
    let recent_start = anchor_ms - RECENT_DAYS * DAY_MS;
    let mut instants: Vec<i64> = (0..count)
        .map(|_| {
            if rng.random_bool(ESTABLISHED_SHARE) {
                recent_start - rng.random_range(DAY_MS..400 * DAY_MS)
            } else {
                rng.random_range(recent_start..anchor_ms)
            }
        })
        .collect();
    instants.sort_unstable();
    instants
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_is_deterministic_unique_and_sized() {
        let size = DatasetSize::default();
        let a = Population::generate(3, 0, size, ANCHOR);
        let b = Population::generate(3, 0, size, ANCHOR);
        assert_eq!(a.users.len(), size.users as usize);
        assert_eq!(a.groups.len(), size.groups as usize);
        assert_eq!(a.chatrooms.len(), size.chatrooms as usize);
        let names: Vec<_> = a.users.iter().map(|u| &u.username).collect();
        assert_eq!(names, b.users.iter().map(|u| &u.username).collect::<Vec<_>>());
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert!(a.texts.iter().any(|t| !t.is_ascii()), "some Chinese text");
        assert!(a.texts.iter().any(|t| t.is_ascii()), "some Latin text");
        assert_ne!(
            a.users[0].username,
            Population::generate(4, 0, size, ANCHOR).users[0].username
        );
    }

    const ANCHOR: i64 = 1_795_000_000_000;

    #[test]
    fn some_users_and_groups_arrive_recently_in_order() {
        let p = Population::generate(3, 0, DatasetSize::default(), ANCHOR);
        let recent = ANCHOR - RECENT_DAYS * DAY_MS;
        assert!(p.users.windows(2).all(|w| w[0].registered_ms <= w[1].registered_ms));
        let established = p.users_at(recent) as usize;
        assert!(
            established > p.users.len() / 2 && established < p.users.len(),
            "{established}"
        );
        assert_eq!(p.users_at(ANCHOR) as usize, p.users.len());
        assert!(p.groups_at(recent) < p.groups_at(ANCHOR));
    }
}
