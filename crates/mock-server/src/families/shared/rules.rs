//! Rules more than one family follows. Each is a named constant whose doc comment quotes
//! its source and says whether it is **documented** (a vendor document says so),
//! **observed** (real traffic or an official SDK's code) or **decided** (our choice, to be
//! confirmed or corrected against the real service). `docs/SPEC.md` lists every rule with
//! the test or scenario that proves it.

use chrono::{FixedOffset, TimeDelta};

/// Every wall-clock string of the Jiguang families is in this zone unless configured
/// otherwise (`--timezone`). **Decided**: Beijing time (UTC+08:00, no DST), the zone of the
/// vendors' examples.
pub const DEFAULT_TIMEZONE: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(zone) => zone,
    None => panic!("+08:00 is a valid offset"),
};

/// How far back the Jiguang report APIs reach. **Documented** for JMessage history
/// ("目前只保存最近60天消息") and statistics ("统计只保存最近60天的记录"), and for JPush
/// `/v3/users` ("只支持查询 60 天以内的用户信息").
pub const REPORT_RETENTION: TimeDelta = TimeDelta::days(60);

/// The most days a DAY statistics query may span: the whole retention. **Documented**
/// ("DAY 最大为60天").
pub const STATISTICS_MAX_DAYS: u32 = REPORT_RETENTION.num_days() as u32;

/// A cursor is valid this long after it was issued, on the mock clock. **Documented** for
/// JMessage V2 ("cursor 有效时间是120s"); **decided** for Easemob's ql cursors, and that
/// every page gets a fresh cursor with its own lifetime.
pub const CURSOR_TTL: TimeDelta = TimeDelta::seconds(120);
