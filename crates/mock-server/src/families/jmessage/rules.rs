//! Every rule of JMessage Report V1 and V2 (docs/SPEC.md §2, §3), each a named constant
//! whose doc comment quotes its source and says whether it is **documented**
//! (`../shared/api-docs/000_*`, `001_*` for V2, `002_*` for V1), **observed** or
//! **decided**. Rules JMessage shares with other families (60-day retention, the 120 s
//! cursor) are in `families::shared::rules`.

use chrono::TimeDelta;

use crate::families::shared::{
    rules::{REPORT_RETENTION, STATISTICS_MAX_DAYS},
    statistics_period::{TimeUnit, UnitRules},
};

/// Messages per page, V1 and V2. **Documented**: "count （必填）每次查询的总条数 一次最多1000".
pub const MAX_COUNT: u32 = 1000;

/// The widest V2 query window. **Documented**: "begin_time end_time 之间最大范围不得超过7天";
/// **decided**: exactly 7 days is allowed.
pub const MAX_RANGE: TimeDelta = TimeDelta::days(7);

/// How far back history reaches. **Documented**: "目前只保存最近60天消息".
pub const HISTORY_RETENTION: TimeDelta = REPORT_RETENTION;

/// The format of `begin_time` / `end_time`. **Documented**: `yyyy-MM-dd HH:mm:ss`;
/// **observed**: SDKs send the space raw, as `+` or as `%20`.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// `/statistic/users` and `/statistic/groups`: DAY only. **Documented**: "DAY 最大为60天".
pub const DAILY_UNITS: UnitRules = UnitRules {
    units: &[TimeUnit::Day],
    max_days: STATISTICS_MAX_DAYS,
    max_months: 0,
};

/// `/statistic/messages`. **Documented**: "HOUR 只支持查询当天的统计， DAY 最大为60天 ，
/// MOTH为两个月".
pub const MESSAGE_UNITS: UnitRules = UnitRules {
    units: &[TimeUnit::Hour, TimeUnit::Day, TimeUnit::Month],
    max_days: STATISTICS_MAX_DAYS,
    max_months: 2,
};

/// How an endpoint treats messages sent exactly at `begin_time` or `end_time`.
/// **Documented** and contradictory between the two V2 revisions: `/messages` is
/// `begin ≤ t ≤ end`, the per-user, group and chatroom endpoints `begin < t < end`;
/// **decided**: kept per endpoint, to be verified against the real service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    Inclusive,
    Exclusive,
}
