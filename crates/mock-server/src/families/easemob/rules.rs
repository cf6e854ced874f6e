//! Every rule of the Easemob chat-history export (docs/SPEC.md §4), each a named constant
//! whose doc comment quotes its source (`../shared/api-docs/004_*`, the vendor's chat
//! history document) and says whether it is **documented**, **observed** (real traffic or
//! an official SDK's code) or **decided**. The rules a user may change at start are
//! gathered in [`EasemobSettings`], whose defaults are the documented values.

use chrono::{FixedOffset, TimeDelta};

use crate::families::shared::rules::DEFAULT_TIMEZONE;

/// The kind of Easemob cluster the app lives on, which sets the zone of the hour keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cluster {
    /// A cluster in mainland China: hour keys in Beijing time.
    #[default]
    Domestic,
    /// A cluster abroad: hour keys in UTC.
    Overseas,
}

impl Cluster {
    /// The zone of the cluster's hour keys. **Documented** (the vendor's current doc):
    /// 「国内集群为北京时间，海外集群为 UTC 时间」.
    pub fn zone(self) -> FixedOffset {
        match self {
            Cluster::Domestic => DEFAULT_TIMEZONE,
            Cluster::Overseas => FixedOffset::east_opt(0).expect("zero offset"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cluster::Domestic => "domestic",
            Cluster::Overseas => "overseas",
        }
    }
}

/// How long after an hour ends its file becomes available. **Documented**: "录时要间隔一个
/// 小时,例如2016/12/10 09:00之后,可以开始下载2016/12/10 07:00 ~ 08:00的消息历史记录".
pub const FILE_DELAY: TimeDelta = TimeDelta::hours(1);

/// How long files (and the ql query's reach) are kept. **Documented**: "服务端默认保存3天的
/// 历史文件".
pub const RETENTION: TimeDelta = TimeDelta::days(3);

/// History calls per app per [`HISTORY_WINDOW`] (file links and ql queries together; not
/// `/token`, not downloads). **Documented**: "一分钟最多调用10次".
pub const HISTORY_QUOTA: u32 = 10;
/// **Documented**, as [`HISTORY_QUOTA`].
pub const HISTORY_WINDOW: TimeDelta = TimeDelta::minutes(1);

/// A download link works this long after it was issued. **Documented**: "接口返回的下载地址
/// 30分钟内有效".
pub const LINK_TTL: TimeDelta = TimeDelta::minutes(30);

/// `limit` of the legacy ql query when absent. **Documented** (the examples' `"count" : 10`).
pub const DEFAULT_LIMIT: u32 = 10;
/// The largest `limit`. **Documented**: "每次 limit 最大值为1000".
pub const MAX_LIMIT: u32 = 1000;

/// A token lives this long unless the request says otherwise. **Observed**: the vendor's
/// examples answer `"expires_in": 5184000` (60 days).
pub const DEFAULT_TOKEN_TTL_SECS: u64 = 5_184_000;
/// The longest `ttl` accepted. **Decided** (10 years), so expiry instants cannot overflow.
pub const MAX_TOKEN_TTL_SECS: u64 = 315_360_000;

/// What the legacy ql query answers once retired (`--easemob-ql-retired`). **Observed**:
/// the query was switched off on 2017-03-01; **decided**: the wording, from the vendor's
/// error table for chat-message requests it does not support.
pub const QL_RETIRED: &str = "This chatmessage request is not supported: the ql query API was retired on 2017-03-01; \
     download hourly files from GET /{org_name}/{app_name}/chatmessages/{YYYYMMDDHH} instead";

/// The Easemob rules a user may change at start (`--easemob-*`); the defaults are the
/// documented values above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EasemobSettings {
    /// Zone of the `YYYYMMDDHH` hour keys. **Documented**: Beijing time on domestic
    /// clusters, UTC on overseas ones; **observed**: the Java SDK assumes +08:00.
    pub timezone: FixedOffset,
    /// How long after an hour ends its file becomes available.
    pub file_delay: TimeDelta,
    /// How long an hour's file stays available after it is generated, and how far back
    /// the legacy ql query reaches.
    pub retention: TimeDelta,
    /// History calls per app per [`HISTORY_WINDOW`].
    pub history_quota: u32,
    /// Whether the legacy `GET /chatmessages?ql=` answers as retired.
    pub ql_retired: bool,
}

impl Default for EasemobSettings {
    fn default() -> EasemobSettings {
        EasemobSettings {
            timezone: DEFAULT_TIMEZONE,
            file_delay: FILE_DELAY,
            retention: RETENTION,
            history_quota: HISTORY_QUOTA,
            ql_retired: false,
        }
    }
}
