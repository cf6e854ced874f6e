//! JPush handlers: check VIP where the doc requires it, read the parameters, look the
//! pushes up (their statistics memoised by msg_id), render.

use axum::{
    body::Bytes,
    extract::State,
    http::{StatusCode, Uri},
    response::Response,
};
use serde_json::{Map, Value};

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
    let request = params::status_request(&body)?;
    let now = state.clock.now();
    let stream = state.dataset.jiguang_push(app);
    // The doc: `date` defaults to the current day; a push is delivered on the day it is sent.
    let day = request
        .date
        .unwrap_or_else(|| now.with_timezone(&state.dataset.timezone).date_naive());
    let push = stream
        .find(request.msg_id)
        .filter(|p| p.t_ms <= now.timestamp_millis() && PushStream::within_retention(p, now));
    let on_day = push.is_some_and(|p| local_day(&state, &p) == day);
    let mut statuses = Map::new();
    for id in &request.registration_ids {
        let status = match (stream.devices.index_of(id), push) {
            (None, _) => 2,
            (Some(_), None) => 3,
            (Some(d), Some(push)) => match stream.outcome(&push, d) {
                None => 3,
                Some(delivery) if delivery.delivered && on_day && PushStream::has_stats(&push, now) => 0,
                Some(_) => 1,
            },
        };
        statuses.insert(id.clone(), serde_json::json!({ "status": status }));
    }
    Ok(json_response(StatusCode::OK, &Value::Object(statuses)))
}

pub async fn users(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&state, app)?;
    let now = state.clock.now();
    let range = time_units::parse(&QueryParams::from_uri(&uri), state.dataset.timezone, now, USERS_RULES)?;
    let stream = state.dataset.jiguang_push(app);
    let hourly = range.unit == TimeUnit::Hour;
    let now_ms = now.timestamp_millis();
    let items = range
        .periods
        .into_iter()
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
}

/// One item per requested id, in request order; ids without statistics get `{msg_id}`.
///
/// An item is a pure function of (app, msg_id, endpoint), so its JSON is memoised and
/// the body is the memoised items joined; whether the statistics exist yet (or still)
/// is checked against the clock on every request.
fn per_msg_id<T: serde::Serialize>(
    state: &AppState,
    app: usize,
    uri: &Uri,
    kind: ItemKind,
    render: impl Fn(&MsgId, &PushStats) -> T,
) -> Result<Response, JpError> {
    let ids = params::msg_ids(&QueryParams::from_uri(uri))?;
    let now = state.clock.now();
    let stream = state.dataset.jiguang_push(app);
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
    Ok(json_bytes(StatusCode::OK, body))
}
