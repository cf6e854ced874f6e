//! JPush handlers: check VIP where the doc requires it, read the parameters, look the
//! pushes up (their statistics memoised by msg_id), render.

use axum::{
    body::Bytes,
    extract::State,
    http::{StatusCode, Uri},
    response::Response,
};
use std::collections::HashSet;

use rustc_hash::FxBuildHasher;

use super::{
    gate::JpApp,
    params::{self, MsgId},
    wire::{Messages, MessagesDetail, Received, ReceivedDetail, UnknownId, Users, UsersItem},
    JpError,
};
use crate::{
    dataset::push::{Push, PushStats, PushStream},
    families::{
        jiguang_error::{json_bytes, json_response},
        time_units::{self, TimeUnit, UnitRules},
    },
    query::QueryParams,
    state::AppState,
};

/// Device statistics of `/v3/users`: the last 60 days, HOUR for today only.
const USERS_RULES: UnitRules = UnitRules {
    units: &[TimeUnit::Hour, TimeUnit::Day, TimeUnit::Month],
    max_days: 60,
    max_months: 3,
};

pub async fn received(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    per_msg_id(&state, app, &uri, ItemKind::Received, |id, stats| {
        Received::new(&id.text, stats)
    })
}

pub async fn received_detail(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    per_msg_id(&state, app, &uri, ItemKind::ReceivedDetail, |id, stats| {
        ReceivedDetail::new(&id.text, stats)
    })
}

pub async fn messages(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&state, app)?;
    per_msg_id(&state, app, &uri, ItemKind::Messages, |id, stats| {
        Messages::new(&id.text, stats)
    })
}

pub async fn messages_detail(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&state, app)?;
    per_msg_id(&state, app, &uri, ItemKind::MessagesDetail, |id, stats| {
        MessagesDetail::new(id.value, stats)
    })
}

pub async fn status_message(
    State(state): State<AppState>,
    JpApp(app): JpApp,
    body: Bytes,
) -> Result<Response, JpError> {
    let now_ms = state.clock.now().timestamp_millis();
    // The answer is memoised by the body as sent (bodies that are not UTF-8 are refused
    // below anyway, and simply not memoised).
    let key = std::str::from_utf8(&body)
        .ok()
        .map(|text| (state.dataset.jiguang[app].slot, ItemKind::Status, text.to_owned()));
    if let Some(answer) = key
        .as_ref()
        .and_then(|k| state.jpush.answers.get(k))
        .filter(|a| a.holds_at(now_ms))
    {
        return Ok(json_bytes(StatusCode::OK, answer.body));
    }
    let request = params::status_request(&body)?;
    let answer = status_answer(&state, app, &request, now_ms);
    let response = json_bytes(StatusCode::OK, answer.body.clone());
    if let Some(key) = key {
        state.jpush.answers.insert(key, answer);
    }
    Ok(response)
}

/// The statuses of `request`'s ids at `now_ms`, and the span of the clock they hold for:
/// they change only when the push is sent, when its statistics appear, when its month runs
/// out, and — when no `date` is given — at local midnight.
fn status_answer(state: &AppState, app: usize, request: &params::StatusRequest, now_ms: i64) -> Answer {
    let now = chrono::DateTime::from_timestamp_millis(now_ms).expect("the clock is in range");
    let zone = state.dataset.timezone;
    let stream = state.dataset.jiguang_push(app);
    let mut answer = Answer::always();
    // The doc: `date` defaults to the current day; a push is delivered on the day it is sent.
    let today = now.with_timezone(&zone).date_naive();
    let day = request.date.unwrap_or_else(|| {
        let midnight =
            |date: chrono::NaiveDate| date.and_time(chrono::NaiveTime::MIN).and_local_timezone(zone).single();
        let bounds = [midnight(today), midnight(today + chrono::TimeDelta::days(1))];
        answer.narrow(&bounds.map(|b| b.map_or(now_ms, |b| b.timestamp_millis())), now_ms);
        today
    });
    let sent = stream.find(request.msg_id);
    if let Some(push) = &sent {
        let [stats_from, stats_until] = PushStream::stats_changes(push);
        answer.narrow(&[push.t_ms, stats_from, stats_until], now_ms);
    }
    let push = sent.filter(|p| p.t_ms <= now_ms && PushStream::within_retention(p, now));
    let delivered_today = push.is_some_and(|p| local_day(state, &p) == day && PushStream::has_stats(&p, now));
    let status_of = |id: &str| match (stream.devices.index_of(id), push) {
        (None, _) => 2,
        (Some(_), None) => 3,
        (Some(d), Some(push)) => match stream.outcome(&push, d) {
            None => 3,
            Some(delivery) if delivery.delivered && delivered_today => 0,
            Some(_) => 1,
        },
    };
    // One entry per id, in request order (a repeated id is answered once).
    let mut seen = HashSet::with_capacity_and_hasher(request.registration_ids.len(), FxBuildHasher);
    let statuses: Vec<(&str, Status)> = request
        .registration_ids
        .iter()
        .map(|id| id.as_ref())
        .filter(|id| seen.insert(*id))
        .map(|id| (id, Status { status: status_of(id) }))
        .collect();
    answer.body = Bytes::from(serde_json::to_vec(&Statuses(statuses)).expect("statuses serialise"));
    answer
}

/// `{"<registration id>": {"status": N}, ...}` in request order.
struct Statuses<'a>(Vec<(&'a str, Status)>);

#[derive(serde::Serialize)]
struct Status {
    status: u8,
}

impl serde::Serialize for Statuses<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(id, status)| (id, status)))
    }
}

pub async fn users(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&state, app)?;
    let now = state.clock.now();
    let range = time_units::parse(&QueryParams::from_uri(&uri), state.dataset.timezone, now, USERS_RULES)?;
    let stream = state.dataset.jiguang_push(app);
    let hourly = range.unit == TimeUnit::Hour;
    let now_ms = now.timestamp_millis();
    let items = range
        .periods()
        .map(|period| {
            let (start, end) = (
                period.start.timestamp_millis(),
                period.end.timestamp_millis().min(now_ms),
            );
            let activity = state
                .jpush
                .activity
                .get_or_compute((stream.slot, start, end, hourly), || {
                    stream.activity(start, end, now_ms, hourly)
                });
            UsersItem::new(period.label, &activity)
        })
        .collect();
    let body = Users {
        time_unit: range.unit.name(),
        start: &range.start,
        duration: range.duration,
        items,
    };
    Ok(json_response(StatusCode::OK, &body))
}

fn require_vip(state: &AppState, app: usize) -> Result<(), JpError> {
    if state.dataset.jiguang[app].credentials.vip {
        Ok(())
    } else {
        Err(JpError::NotVip)
    }
}

fn local_day(state: &AppState, push: &Push) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(push.t_ms)
        .expect("push instants are in range")
        .with_timezone(&state.dataset.timezone)
        .date_naive()
}

/// The per-msg_id endpoints; part of the key under which their items are memoised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Received,
    ReceivedDetail,
    Messages,
    MessagesDetail,
    /// `status/message`, whose answers are memoised alike (keyed by the body).
    Status,
}

/// One item per requested id, in request order; ids without statistics get `{msg_id}`.
///
/// An item is a pure function of (app, msg_id, endpoint), and whether it has statistics
/// changes only at two instants per push (5 minutes after it was sent, and when its month
/// runs out). So items are memoised as JSON, and so is each whole answer, with the span of
/// the clock over which it holds; outside that span it is built again.
fn per_msg_id<T: serde::Serialize>(
    state: &AppState,
    app: usize,
    uri: &Uri,
    kind: ItemKind,
    render: impl Fn(&MsgId, &PushStats) -> T,
) -> Result<Response, JpError> {
    let query = QueryParams::from_uri(uri);
    let now_ms = state.clock.now().timestamp_millis();
    let slot = state.dataset.jiguang[app].slot;
    let key = (slot, kind, query.get("msg_ids").unwrap_or_default().to_owned());
    if let Some(answer) = state.jpush.answers.get(&key).filter(|a| a.holds_at(now_ms)) {
        return Ok(json_bytes(StatusCode::OK, answer.body));
    }
    let ids = params::msg_ids(&query)?;
    let answer = build_answer(state, app, &ids, kind, now_ms, render);
    let body = answer.body.clone();
    state.jpush.answers.insert(key, answer);
    Ok(json_bytes(StatusCode::OK, body))
}

fn build_answer<T: serde::Serialize>(
    state: &AppState,
    app: usize,
    ids: &[MsgId],
    kind: ItemKind,
    now_ms: i64,
    render: impl Fn(&MsgId, &PushStats) -> T,
) -> Answer {
    let stream = state.dataset.jiguang_push(app);
    let mut answer = Answer::always();
    let mut body = Vec::with_capacity(ids.len() * 160 + 2);
    body.push(b'[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let item = state.jpush.items.get_or_compute((stream.slot, id.value, kind), || {
            let canonical = MsgId {
                text: id.value.to_string(),
                value: id.value,
            };
            let push = stream.find(id.value)?;
            let json = serde_json::to_vec(&render(&canonical, &stream.stats(&push))).expect("items serialise");
            Some((push, Bytes::from(json)))
        });
        if let Some((push, _)) = &item {
            answer.narrow(&PushStream::stats_changes(push), now_ms);
        }
        let now = chrono::DateTime::from_timestamp_millis(now_ms).expect("the clock is in range");
        match item {
            // Ids sent with leading zeros are echoed as sent, so they are rendered afresh.
            Some((push, json)) if PushStream::has_stats(&push, now) => {
                if id.is_canonical() {
                    body.extend_from_slice(&json);
                } else {
                    let item = render(id, &stream.stats(&push));
                    serde_json::to_writer(&mut body, &item).expect("items serialise");
                }
            }
            _ => serde_json::to_writer(&mut body, &UnknownId { msg_id: &id.text }).expect("items serialise"),
        }
    }
    body.push(b']');
    answer.body = Bytes::from(body);
    answer
}

/// A whole per-msg_id answer and the span of the mock clock `[from_ms, until_ms)` over
/// which it holds.
#[derive(Debug, Clone)]
pub struct Answer {
    body: Bytes,
    from_ms: i64,
    until_ms: i64,
}

impl Answer {
    /// An empty answer that holds at every instant, until narrowed.
    fn always() -> Answer {
        Answer {
            body: Bytes::new(),
            from_ms: i64::MIN,
            until_ms: i64::MAX,
        }
    }

    fn holds_at(&self, now_ms: i64) -> bool {
        (self.from_ms..self.until_ms).contains(&now_ms)
    }

    /// Narrows the span to the instants, among `changes`, nearest `now_ms` on each side.
    fn narrow(&mut self, changes: &[i64], now_ms: i64) {
        for &change in changes {
            if change <= now_ms {
                self.from_ms = self.from_ms.max(change);
            } else {
                self.until_ms = self.until_ms.min(change);
            }
        }
    }

    /// Bytes it takes in the memo, counting its key (a query or body of about its size).
    pub fn weight(&self) -> usize {
        self.body.len() * 2
    }
}
