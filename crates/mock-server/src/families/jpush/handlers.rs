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
    wire::{Item, Messages, MessagesDetail, Received, ReceivedDetail, UnknownId, Users, UsersItem},
    JpError,
};
use crate::{
    dataset::push::{Push, PushStats, PushStream},
    families::{
        jiguang_error::json_response,
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
    per_msg_id(&state, app, &uri, |id, stats| Received::new(&id.text, stats))
}

pub async fn received_detail(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    per_msg_id(&state, app, &uri, |id, stats| ReceivedDetail::new(&id.text, stats))
}

pub async fn messages(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&state, app)?;
    per_msg_id(&state, app, &uri, |id, stats| Messages::new(&id.text, stats))
}

pub async fn messages_detail(State(state): State<AppState>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&state, app)?;
    per_msg_id(&state, app, &uri, |id, stats| MessagesDetail::new(id.value, stats))
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
                .device_activity
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

/// One item per requested id, in request order; ids without statistics get `{msg_id}`.
fn per_msg_id<T: serde::Serialize>(
    state: &AppState,
    app: usize,
    uri: &Uri,
    render: impl Fn(&MsgId, &PushStats) -> T,
) -> Result<Response, JpError> {
    let ids = params::msg_ids(&QueryParams::from_uri(uri))?;
    let now = state.clock.now();
    let stream = state.dataset.jiguang_push(app);
    let items: Vec<Item<'_, T>> = ids
        .iter()
        .map(
            |id| match stream.find(id.value).filter(|p| PushStream::has_stats(p, now)) {
                Some(push) => {
                    let stats = state
                        .push_stats
                        .get_or_compute((stream.slot, push.msg_id), || stream.stats(&push));
                    Item::Known(render(id, &stats))
                }
                None => Item::Unknown(UnknownId { msg_id: &id.text }),
            },
        )
        .collect();
    Ok(json_response(StatusCode::OK, &items))
}
