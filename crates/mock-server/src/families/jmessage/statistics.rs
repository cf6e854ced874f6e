//! The VIP statistics endpoints of JMessage V2 (SPEC §2): users, messages and groups per
//! period, counted from the same chat heads the history endpoints serve. Each period's
//! aggregate is memoised by its exact window, which is a pure function of the data.

use axum::{extract::State, http::StatusCode, response::Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    cache::{StatKey, StatKind},
    extract::{JmApp, JmQuery},
    rules::{DAILY_UNITS, HISTORY_RETENTION, MESSAGE_UNITS},
    Context, JmError,
};
use crate::{
    dataset::{
        chat::Window,
        chat_stats::{ChatAggregate, KindCounts},
    },
    families::shared::{
        jiguang_error::json_bytes,
        statistics_period::{self, Period, StatsRange, UnitRules},
    },
    kernel::query::QueryParams,
};

#[derive(Serialize)]
struct UserDay {
    active_users: u32,
    total_users: u32,
    send_msg_users: u32,
    new_users: u32,
    date: String,
}

#[derive(Serialize)]
struct GroupDay {
    date: String,
    active_group: u32,
    total_group: u32,
    new_group: u32,
}

#[derive(Serialize)]
struct MessageStats {
    send_msg_stat: Vec<SendMsgStat>,
    group_msg_stat: TypeStat,
    single_msg_stat: TypeStat,
}

#[derive(Serialize)]
struct SendMsgStat {
    time: String,
    group_send_msg: u32,
    single_send_msg: u32,
}

#[derive(Serialize)]
struct TypeStat {
    txt_msg: u32,
    image_msg: u32,
    voice_msg: u32,
    other_msg: u32,
}

impl From<KindCounts> for TypeStat {
    fn from(k: KindCounts) -> TypeStat {
        TypeStat {
            txt_msg: k.text,
            image_msg: k.image,
            voice_msg: k.voice,
            other_msg: k.other,
        }
    }
}

pub async fn users(State(cx): State<Context>, JmApp(app): JmApp, JmQuery(query): JmQuery) -> Result<Response, JmError> {
    let population = &cx.core.dataset.jiguang[app].population;
    daily(
        &cx,
        app,
        &query,
        StatKind::Users,
        |t| population.users_at(t),
        |period, aggregate, existing| UserDay {
            active_users: aggregate.active_users,
            total_users: existing.by_end,
            send_msg_users: aggregate.senders,
            new_users: existing.arrived(),
            date: period.label,
        },
    )
}

pub async fn groups(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let population = &cx.core.dataset.jiguang[app].population;
    daily(
        &cx,
        app,
        &query,
        StatKind::Groups,
        |t| population.groups_at(t),
        |period, aggregate, existing| GroupDay {
            date: period.label,
            active_group: aggregate.active_groups,
            total_group: existing.by_end,
            new_group: existing.arrived(),
        },
    )
}

/// A DAY-only statistic: one row per day from the day's chat aggregate and how many
/// users (groups) existed.
fn daily<T: Serialize>(
    cx: &Context,
    app: usize,
    query: &QueryParams,
    kind: StatKind,
    existing_at: impl Fn(i64) -> u32,
    row: impl Fn(Period, ChatAggregate, Existing) -> T,
) -> Result<Response, JmError> {
    let (range, now) = stats_range(cx, app, query, DAILY_UNITS)?;
    Ok(memoised(cx, app, kind, range, now, |periods| {
        let rows: Vec<T> = periods
            .into_iter()
            .map(|period| {
                let aggregate = aggregate(cx, app, &period, now);
                let existing = Existing::during(&period, now, &existing_at);
                row(period, aggregate, existing)
            })
            .collect();
        serde_json::to_vec(&rows).expect("rows serialise")
    }))
}

pub async fn messages(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let (range, now) = stats_range(&cx, app, &query, MESSAGE_UNITS)?;
    Ok(memoised(&cx, app, StatKind::Messages, range, now, |periods| {
        let mut single = KindCounts::default();
        let mut group = KindCounts::default();
        let send_msg_stat = periods
            .into_iter()
            .map(|period| {
                let aggregate = aggregate(&cx, app, &period, now);
                single.merge(aggregate.single);
                group.merge(aggregate.group);
                SendMsgStat {
                    time: period.label,
                    group_send_msg: aggregate.group.total(),
                    single_send_msg: aggregate.single.total(),
                }
            })
            .collect();
        let body = MessageStats {
            send_msg_stat,
            group_msg_stat: group.into(),
            single_msg_stat: single.into(),
        };
        serde_json::to_vec(&body).expect("statistics serialise")
    }))
}

/// The answer for `range` at `now`, built by `build` from its periods on a miss.
fn memoised(
    cx: &Context,
    app: usize,
    kind: StatKind,
    range: StatsRange,
    now: DateTime<Utc>,
    build: impl FnOnce(Vec<Period>) -> Vec<u8>,
) -> Response {
    let key = StatKey::new(cx.core.dataset.jiguang[app].slot, kind, &range, now);
    let body = cx.jmessage.cache.statistics(key, || build(range.periods().collect()));
    json_bytes(StatusCode::OK, body)
}

/// VIP check, then the period parameters.
fn stats_range(
    cx: &Context,
    app: usize,
    query: &QueryParams,
    rules: UnitRules,
) -> Result<(StatsRange, DateTime<Utc>), JmError> {
    if !cx.core.dataset.jiguang[app].credentials.vip {
        return Err(JmError::NotVip);
    }
    let now = cx.core.clock.now();
    Ok((
        statistics_period::parse(query, cx.core.dataset.timezone, now, rules)?,
        now,
    ))
}

/// The chat aggregate of the part of `period` whose messages exist at `now`.
fn aggregate(cx: &Context, app: usize, period: &Period, now: DateTime<Utc>) -> ChatAggregate {
    let stream = cx.core.dataset.jiguang_chat(app);
    let window = Window {
        first_ms: period.start.timestamp_millis(),
        last_ms: period.end.timestamp_millis() - 1,
    }
    .retained_at(now, HISTORY_RETENTION);
    if window.is_empty() {
        return ChatAggregate::default();
    }
    cx.jmessage
        .cache
        .aggregate(stream.slot, window, || stream.aggregate(window))
}

/// How many users (groups) existed just before a period and by its end (or by `now`,
/// if sooner).
struct Existing {
    before: u32,
    by_end: u32,
}

impl Existing {
    fn during(period: &Period, now: DateTime<Utc>, existing_at: impl Fn(i64) -> u32) -> Existing {
        let end = (period.end.timestamp_millis() - 1).min(now.timestamp_millis());
        let before = existing_at(period.start.timestamp_millis() - 1);
        Existing {
            before,
            by_end: existing_at(end).max(before),
        }
    }

    fn arrived(&self) -> u32 {
        self.by_end - self.before
    }
}
