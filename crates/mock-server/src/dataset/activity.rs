//! Who is active on a given day, among the registered users (or groups, or chatrooms) of
//! an app, and a uniform pick among them in constant time.
//!
//! Each member belongs to an engagement tier (a few heavy, some regular, most casual) and
//! has a phase in [0, 1). On day `d` a tier's window `[frac(d * STEP + salt), + rate)`
//! covers the members whose phase falls in it: they are that day's active members, about
//! `rate` of the tier, a different set each day. Sorting a tier by phase makes the window
//! a run of its list, so picking an active member is a binary search, not a rejection
//! loop over everyone registered.

use rand::Rng;

/// Day-to-day move of a window: the golden ratio's fraction, so that windows of nearby
/// days overlap little and every phase is covered about `rate` of the days.
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

/// The members of one tier, sorted by phase.
#[derive(Debug, Clone)]
struct Cohort {
    daily: f64,
    salt: f64,
    phases: Vec<f32>,
    members: Vec<u32>,
}

impl Cohort {
    /// The first position of `day`'s window and how many members it holds.
    fn window(&self, day: Day, weekend_scale: f64) -> (usize, usize) {
        let rate = self.daily * if day.weekend { weekend_scale } else { 1.0 };
        let start = (day.number as f64 * STEP + self.salt).fract();
        let below = |x: f64| self.phases.partition_point(|p| (*p as f64) < x);
        let lo = below(start);
        let end = start + rate;
        let count = if end <= 1.0 {
            below(end) - lo
        } else {
            self.phases.len() - lo + below(end - 1.0)
        };
        (lo, count)
    }

    fn is_active(&self, phase: f32, day: Day, weekend_scale: f64) -> bool {
        let rate = self.daily * if day.weekend { weekend_scale } else { 1.0 };
        let start = (day.number as f64 * STEP + self.salt).fract();
        (phase as f64 - start).rem_euclid(1.0) < rate
    }
}

/// The engagement of every member of one kind (users, groups or chatrooms) of an app.
#[derive(Debug, Clone)]
pub struct Activity {
    cohorts: Vec<Cohort>,
    /// Each member's (tier, phase), by member index.
    of_member: Vec<(u8, f32)>,
    weekend_scale: f64,
}

impl Activity {
    /// Assigns `count` members to `tiers` (by share) with random phases.
    pub fn generate(rng: &mut impl Rng, count: u32, tiers: &[Tier], weekend_scale: f64) -> Activity {
        assert!(tiers.len() <= MAX_TIERS, "at most {MAX_TIERS} tiers");
        let mut cohorts: Vec<Cohort> = tiers
            .iter()
            .map(|t| Cohort {
                daily: t.daily,
                salt: rng.random(),
                phases: Vec::new(),
                members: Vec::new(),
            })
            .collect();
        let of_member: Vec<(u8, f32)> = (0..count)
            .map(|_| {
                let roll: f64 = rng.random();
                let mut cumulative = 0.0;
                let tier = tiers
                    .iter()
                    .position(|t| {
                        cumulative += t.share;
                        roll < cumulative
                    })
                    .unwrap_or(tiers.len() - 1);
                (tier as u8, rng.random::<f32>())
            })
            .collect();
        let mut sorted: Vec<u32> = (0..count).collect();
        sorted.sort_by(|a, b| of_member[*a as usize].1.total_cmp(&of_member[*b as usize].1));
        for m in sorted {
            let (tier, phase) = of_member[m as usize];
            let cohort = &mut cohorts[tier as usize];
            cohort.phases.push(phase);
            cohort.members.push(m);
        }
        Activity {
            cohorts,
            of_member,
            weekend_scale,
        }
    }

    /// Whether member `m` is active on `day`.
    pub fn is_active(&self, m: u32, day: Day) -> bool {
        let (tier, phase) = self.of_member[m as usize];
        self.cohorts[tier as usize].is_active(phase, day, self.weekend_scale)
    }

    /// The members of the first tier (the most engaged), ascending.
    pub fn top_tier(&self) -> Vec<u32> {
        let mut top = self.cohorts.first().map(|c| c.members.clone()).unwrap_or_default();
        top.sort_unstable();
        top
    }

    /// The first `count` members by engagement: tier by tier, each by index.
    pub fn most_engaged(&self, count: usize) -> Vec<u32> {
        let mut order = Vec::with_capacity(count);
        for cohort in &self.cohorts {
            let mut members = cohort.members.clone();
            members.sort_unstable();
            order.extend(members.into_iter().take(count - order.len()));
        }
        order
    }

    /// Where `day`'s active members lie in each tier's list: computed once for the many
    /// picks of a day.
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
                    let member = cohort.members[(lo + k) % cohort.members.len()];
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

/// The active members of one day: a run of each tier's list.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    spans: [(usize, usize); MAX_TIERS],
    total: usize,
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
        let activity = Activity::generate(&mut rng, 10_000, &TIERS, 0.8);
        for number in 20_000..20_010 {
            let day = Day::of(number * 86_400_000, 0);
            let active = (0..10_000).filter(|m| activity.is_active(*m, day)).count();
            let expected = 10_000.0 * (0.1 * 0.9 + 0.9 * 0.05) * if day.weekend { 0.8 } else { 1.0 };
            assert!(
                (active as f64 - expected).abs() < expected * 0.2,
                "{active} vs {expected}"
            );
            let windows = activity.windows(day);
            for _ in 0..200 {
                let m = activity.pick(&windows, &mut rng, 10_000).unwrap();
                assert!(activity.is_active(m, day), "{m} on {number}");
                let m = activity.pick(&windows, &mut rng, 5_000);
                assert!(m.is_none_or(|m| m < 5_000 && activity.is_active(m, day)));
            }
        }
    }

    #[test]
    fn day_numbers_know_weekends() {
        // 2026-11-21 was a Saturday, 2026-11-23 a Monday (UTC+8).
        let saturday = Day::of(1_795_190_400_000, 8 * 3_600_000);
        assert!(saturday.weekend);
        assert!(!Day::of(1_795_190_400_000 + 2 * 86_400_000, 8 * 3_600_000).weekend);
    }
}
