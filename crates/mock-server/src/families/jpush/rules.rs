//! Every rule of JPush Report API v3 (docs/SPEC.md §1), each a named constant or a small
//! function whose doc comment quotes its source and says whether it is **documented**
//! (`../shared/api-docs/003_*`, the vendor's report API document), **observed** (real
//! traffic or an official SDK's code) or **decided** (our choice).

use chrono::{DateTime, TimeDelta, Utc};

use crate::{
    dataset::push::{Push, PushStream},
    families::shared::{
        rules::STATISTICS_MAX_DAYS,
        statistics_period::{TimeUnit, UnitRules},
    },
};

/// Which JPush report API the mock serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
pub enum Schema {
    /// The API of doc 003, as the rules above describe it.
    #[default]
    #[value(name = "classic")]
    #[serde(rename = "classic")]
    Classic,
    /// Today's API (2024–2025): [`Schema::Classic`] and the additions below.
    #[value(name = "2025")]
    #[serde(rename = "2025")]
    Today,
}

impl Schema {
    pub fn name(self) -> &'static str {
        match self {
            Schema::Classic => "classic",
            Schema::Today => "2025",
        }
    }
}

/// Today's schema: only pushes sent at most this long ago can be queried; older ones are
/// refused with 3005. **Observed** (the vendor's notice of 2025-08: 「仅支持查询 28 天内的
/// 推送」); the code and status **decided** (3005 is the doc's "time out of range").
pub const TODAY_QUERY_WINDOW: TimeDelta = TimeDelta::days(28);

/// Whether the 2025 schema refuses a query about `push` at `now`.
pub fn too_old_to_query(schema: Schema, push: &Push, now: DateTime<Utc>) -> bool {
    schema == Schema::Today && now.timestamp_millis() - push.t_ms > TODAY_QUERY_WINDOW.num_milliseconds()
}

/// The 429 message of today's API. **Observed**: `{"error":{"code":2002,"message":"Rate
/// limit exceeded"}}`.
pub const TODAY_RATE_LIMIT_MESSAGE: &str = "Rate limit exceeded";

/// Requests per app per window. **Observed**: the `X-Rate-Limit-Limit` header of real
/// answers and the SDKs' docs (2400 a minute).
pub const RATE_LIMIT: u32 = 2400;
/// The rate-limit window in seconds. **Observed**, as [`RATE_LIMIT`].
pub const RATE_WINDOW_SECS: u32 = 60;

/// msg_ids per request. **Documented**: "最多支持 100 个 msg_id".
pub const MAX_MSG_IDS: usize = 100;

/// registration_ids per `status/message` request. **Documented**: "一次调用最多支持
/// 1000个".
pub const MAX_REGISTRATION_IDS: usize = 1000;

/// How long a push's statistics are kept after its last receipt. **Documented**: "每条推送
/// 消息的送达统计数据最多保留一个月 … 从最后一个推送送达记录时间点开始"; **decided**: a month is
/// 30 days. The last receipt is the step of the delivery curve at which the push's last
/// target received it (the send, when none did), at most three days after the send, so a
/// push is kept 30 to 33 days after it was sent. Today's schema refuses queries about
/// pushes over [`TODAY_QUERY_WINDOW`] old first, so there this rule is never seen.
pub const STATS_RETENTION: TimeDelta = TimeDelta::days(30);

/// A push's statistics appear this long after it is sent; before, the push is "too recent"
/// and answers `{"msg_id"}` alone. **Decided** (real counts grow for a while; the SDKs
/// document an id without data as an object with `msg_id` only, **observed**).
pub const STATS_DELAY: TimeDelta = TimeDelta::minutes(5);

/// `/v3/users`: HOUR, DAY and MONTH; DAY over the whole report retention. **Documented**:
/// "只支持查询 60 天以内的用户信息，对于 time_unit 为 HOUR 的，只支持输出当天的统计结果";
/// **decided**: at most 3 months (the doc says "近 2 个月", which touches 3 calendar months).
pub const USERS_UNITS: UnitRules = UnitRules {
    units: &[TimeUnit::Hour, TimeUnit::Day, TimeUnit::Month],
    max_days: STATISTICS_MAX_DAYS,
    max_months: 3,
};

/// `status/message` statuses. **Documented**: 0 delivered, 1 not delivered, 2 the
/// registration id is not of this app, 3 of this app but not a target of this message,
/// 4 system error.
pub mod status {
    pub const DELIVERED: u8 = 0;
    pub const NOT_DELIVERED: u8 = 1;
    pub const NOT_THIS_APP: u8 = 2;
    pub const NOT_A_TARGET: u8 = 3;
    /// Only under an injected `system_error` fault.
    pub const SYSTEM_ERROR: u8 = 4;
}

/// Whether `push`'s statistics exist at `now`: sent at least [`STATS_DELAY`] ago, and
/// received last at most [`STATS_RETENTION`] ago.
pub fn has_stats(stream: &PushStream<'_>, push: &Push, now: DateTime<Utc>) -> bool {
    let age = now.timestamp_millis() - push.t_ms;
    age >= STATS_DELAY.num_milliseconds() && within_retention(stream, push, now)
}

/// The two instants (ms) at which [`has_stats`] may change for `push`, seen at `now_ms`:
/// when its statistics appear, and the first instant they may be gone. That is exact once
/// the retention counted from the send has run out; before, it is that instant (when the
/// answer is made anew), which spares finding the last receipt.
pub fn stats_changes(stream: &PushStream<'_>, push: &Push, now_ms: i64) -> [i64; 2] {
    let kept = STATS_RETENTION.num_milliseconds();
    let gone = if now_ms - push.t_ms <= kept {
        push.t_ms + kept + 1
    } else {
        stream.last_receipt_ms(push) + kept + 1
    };
    [push.t_ms + STATS_DELAY.num_milliseconds(), gone]
}

/// Whether `push`'s last receipt was at most [`STATS_RETENTION`] before `now`.
pub fn within_retention(stream: &PushStream<'_>, push: &Push, now: DateTime<Utc>) -> bool {
    let (now_ms, kept) = (now.timestamp_millis(), STATS_RETENTION.num_milliseconds());
    // Every receipt follows the send: within the retention of the send there is no need
    // to find the last one (which looks at every target).
    now_ms - push.t_ms <= kept || now_ms - stream.last_receipt_ms(push) <= kept
}
