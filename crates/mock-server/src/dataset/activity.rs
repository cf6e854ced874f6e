//! Who is active on a given day, among the registered users (or groups, or chatrooms) of
//! an app, and a uniform pick among them in constant time — computed, not stored.
//!
//! A keyed permutation puts every member at a position; runs of positions are the
//! engagement tiers (a few heavy, some regular, most casual), and a member's rank within
//! its tier is its phase. On day `d` a tier's window, starting at rank
//! `frac(d * STEP + salt) * len` and `rate * len` ranks long (wrapping), holds that day's
//! active members: about `rate` of the tier, a different set each day. Picking an active
//! member is picking a rank in the window and inverting the permutation; no list of
//! members is held.

use rand::Rng;

use crate::kernel::{permutation::Permutation, rng::mix};

/// Day-to-day move of a window: the golden ratio's fraction, so that windows of nearby
/// days overlap little and every rank is covered about `rate` of the days.
const STEP: f64 = 0.618_033_988_749_895;

const MAX_TIERS: usize = 4;

/// An engagement tier: its share of the members and the share of its members active on
/// a weekday.
#[derive(Debug, Clone, Copy)]
pub struct Tier {
    pub share: f64,
    pub daily: f64,
}

/// A day: its number (days since the Unix epoch, local time) and whether it falls on a
/// weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub number: i64,
    pub weekend: bool,
}

impl Day {
    /// The local day of `t_ms` at `offset_ms` from UTC.
    pub fn of(t_ms: i64, offset_ms: i64) -> Day {
        let number = (t_ms + offset_ms).div_euclid(86_400_000);
        // 1970-01-01 was a Thursday: day 0 is weekday 3, counting from Monday = 0.
        Day {
            number,
            weekend: (number + 3).rem_euclid(7) >= 5,
        }
    }
}

/// One tier: a run of positions.
#[derive(Debug, Clone, Copy, Default)]
struct Cohort {
    start: u32,
    len: u32,
    daily: f64,
    salt: f64,
}

impl Cohort {
    /// The first rank of `day`'s window and how many ranks it holds.
    fn window(&self, day: Day, weekend_scale: f64) -> (u32, u32) {
        if self.len == 0 {
            return (0, 0);
        }
        let rate = self.daily * if day.weekend { weekend_scale } else { 1.0 };
        let start = (day.number as f64 * STEP + self.salt).rem_euclid(1.0);
        let len = self.len as f64;
        let lo = ((start * len) as u32).min(self.len - 1);
        let count = ((rate * len).round() as u32).min(self.len);
        (lo, count)
    }

    fn contains(&self, position: u32) -> bool {
        (self.start..self.start + self.len).contains(&position)
    }
}

/// The engagement of every member of one kind (users, groups or chatrooms) of an app.
#[derive(Debug, Clone)]
pub struct Activity {
    order: Permutation,
    cohorts: [Cohort; MAX_TIERS],
    weekend_scale: f64,
}

impl Activity {
    /// `count` members in `tiers` (by share), placed by the permutation of `key`.
    pub fn new(key: u64, count: u32, tiers: &[Tier], weekend_scale: f64) -> Activity {
        assert!(!tiers.is_empty() && tiers.len() <= MAX_TIERS, "1 to {MAX_TIERS} tiers");
        let mut cohorts = [Cohort::default(); MAX_TIERS];
        let mut cumulative = 0.0;
        let mut start = 0;
        for (i, (cohort, tier)) in cohorts.iter_mut().zip(tiers).enumerate() {
            cumulative += tier.share;
            let end = if i + 1 == tiers.len() {
                count
            } else {
                ((cumulative * count as f64).round() as u32).clamp(start, count)
            };
            *cohort = Cohort {
                start,
                len: end - start,
                daily: tier.daily,
                salt: (mix(key ^ (i as u64 + 1)) >> 11) as f64 / (1u64 << 53) as f64,
            };
            start = end;
        }
        Activity {
            order: Permutation::new(key, count as u64),
            cohorts,
            weekend_scale,
        }
    }

    /// Whether member `m` is active on `day`.
    pub fn is_active(&self, m: u32, day: Day) -> bool {
        let position = self.order.apply(m as u64) as u32;
        let Some(cohort) = self.cohorts.iter().find(|c| c.contains(position)) else {
            return false;
        };
        let (lo, count) = cohort.window(day, self.weekend_scale);
        let rank = position - cohort.start;
        (rank + cohort.len - lo) % cohort.len < count
    }

    /// The members of the tier at `tier`, ascending.
    fn tier_members(&self, tier: usize) -> Vec<u32> {
        let cohort = self.cohorts[tier];
        let mut members: Vec<u32> = (cohort.start..cohort.start + cohort.len)
            .map(|p| self.order.invert(p as u64) as u32)
            .collect();
        members.sort_unstable();
        members
    }

    /// The members of the first tier (the most engaged), ascending.
    pub fn top_tier(&self) -> Vec<u32> {
        self.tier_members(0)
    }

    /// The first `count` members by engagement: tier by tier, each by index.
    pub fn most_engaged(&self, count: usize) -> Vec<u32> {
        let mut order = Vec::with_capacity(count);
        for tier in 0..MAX_TIERS {
            if order.len() == count {
                break;
            }
            let members = self.tier_members(tier);
            order.extend(members.into_iter().take(count - order.len()));
        }
        order
    }

    /// Where `day`'s active members lie in each tier: computed once for the many picks
    /// of a day.
    pub fn windows(&self, day: Day) -> Windows {
        let mut spans = [(0, 0); MAX_TIERS];
        for (span, cohort) in spans.iter_mut().zip(&self.cohorts) {
            *span = cohort.window(day, self.weekend_scale);
        }
        Windows {
            spans,
            total: spans.iter().map(|w| w.1).sum(),
        }
    }

    /// A member active on the day of `windows`, uniformly, among the first `existing`;
    /// `None` when the draws find none (a member picked must have registered).
    pub fn pick(&self, windows: &Windows, rng: &mut impl Rng, existing: u32) -> Option<u32> {
        if windows.total == 0 {
            return None;
        }
        // Few members register during the data's span, so few draws miss.
        for _ in 0..8 {
            let mut k = rng.random_range(0..windows.total);
            for (cohort, &(lo, count)) in self.cohorts.iter().zip(&windows.spans) {
                if k < count {
                    let rank = (lo + k) % cohort.len;
                    let member = self.order.invert((cohort.start + rank) as u64) as u32;
                    if member < existing {
                        return Some(member);
                    }
                    break;
                }
                k -= count;
            }
        }
        None
    }
}

/// The active members of one day: a run of ranks in each tier.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    spans: [(u32, u32); MAX_TIERS],
    total: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::rng::{stream, Purpose};

    const TIERS: [Tier; 2] = [
        Tier { share: 0.1, daily: 0.9 },
        Tier {
            share: 0.9,
            daily: 0.05,
        },
    ];

    #[test]
    fn picks_are_active_members_and_about_the_tier_rates_are_active() {
        let mut rng = stream(1, Purpose::Population, &[0]);
        let activity = Activity::new(7, 10_000, &TIERS, 0.8);
        for number in 20_000..20_010 {
            let day = Day::of(number * 86_400_000, 0);
            let active = (0..10_000).filter(|m| activity.is_active(*m, day)).count();
            let expected = 10_000.0 * (0.1 * 0.9 + 0.9 * 0.05) * if day.weekend { 0.8 } else { 1.0 };
            assert!(
                (active as f64 - expected).abs() < expected * 0.05,
                "{active} vs {expected}"
            );
            let windows = activity.windows(day);
            assert_eq!(windows.total as usize, active, "the windows hold the active members");
            for _ in 0..200 {
                let m = activity.pick(&windows, &mut rng, 10_000).unwrap();
                assert!(activity.is_active(m, day), "{m} on {number}");
                let m = activity.pick(&windows, &mut rng, 5_000);
                assert!(m.is_none_or(|m| m < 5_000 && activity.is_active(m, day)));
            }
        }
    }

    #[test]
    fn tiers_partition_the_members() {
        let activity = Activity::new(3, 1_000, &TIERS, 0.8);
        let top = activity.top_tier();
        assert_eq!(top.len(), 100);
        assert!(top.windows(2).all(|w| w[0] < w[1]));
        let engaged = activity.most_engaged(150);
        assert_eq!(engaged[..100], top[..]);
        assert!(engaged[100..].iter().all(|m| !top.contains(m)));
        // The heavy tier is active most days, the casual tier seldom.
        let days = (20_000..20_060).map(|n| Day::of(n * 86_400_000, 0));
        let heavy_days = days.clone().filter(|d| activity.is_active(top[0], *d)).count();
        let casual = engaged[100];
        let casual_days = days.filter(|d| activity.is_active(casual, *d)).count();
        assert!(heavy_days > 40 && casual_days < 15, "{heavy_days} {casual_days}");
    }

    #[test]
    fn day_numbers_know_weekends() {
        // 2026-11-21 was a Saturday, 2026-11-23 a Monday (UTC+8).
        let saturday = Day::of(1_795_190_400_000, 8 * 3_600_000);
        assert!(saturday.weekend);
        assert!(!Day::of(1_795_190_400_000 + 2 * 86_400_000, 8 * 3_600_000).weekend);
    }
}
