//! JPush handlers: extract → params → rules (VIP) → model → cache → wire.

use axum::{
    body::Bytes,
    extract::{Extension, State},
    http::{StatusCode, Uri},
    response::Response,
};
use chrono::{DateTime, Utc};

use super::{
    cache::{Answer, AnswerKey, Span},
    extract::JpApp,
    model,
    params::{self, MsgId},
    rules,
    rules::Schema,
    wire::{
        Messages, MessagesDetail, Received, ReceivedDetail, ReceivedDetailItem, ReceivedDetailToday, Statuses,
        UnknownId, Users, UsersItem,
    },
    Context, Endpoint, JpError, SystemErrors,
};
use crate::{
    dataset::push::{delivery_changes, steps_reached, PushStats, PushStream},
    families::shared::{
        jiguang_error::{json_bytes, json_response},
        statistics_period::{self, TimeUnit},
    },
    kernel::query::QueryParams,
};

pub async fn received(State(cx): State<Context>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    per_msg_id(&cx, app, &uri, Endpoint::Received, |id, stats| {
        Received::new(id.text, stats)
    })
}

pub async fn received_detail(State(cx): State<Context>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    let schema = cx.jpush.schema;
    per_msg_id(&cx, app, &uri, Endpoint::ReceivedDetail, |id, stats| match schema {
        Schema::Classic => ReceivedDetailItem::Classic(ReceivedDetail::new(id.text, stats)),
        Schema::Today => ReceivedDetailItem::Today(ReceivedDetailToday::new(id.text, stats)),
    })
}

pub async fn messages(State(cx): State<Context>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&cx, app)?;
    per_msg_id(&cx, app, &uri, Endpoint::Messages, |id, stats| {
        Messages::new(id.text, stats)
    })
}

pub async fn messages_detail(State(cx): State<Context>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&cx, app)?;
    per_msg_id(&cx, app, &uri, Endpoint::MessagesDetail, |id, stats| {
        MessagesDetail::new(id.value, stats)
    })
}

pub async fn status_message(
    State(cx): State<Context>,
    JpApp(app): JpApp,
    errors: Option<Extension<SystemErrors>>,
    body: Bytes,
) -> Result<Response, JpError> {
    let request = params::status_request(&body)?;
    let now = cx.core.clock.now();
    let now_ms = now.timestamp_millis();
    let stream = cx.core.dataset.jiguang_push(app);
    refuse_too_old(&cx, &stream, [request.msg_id], now)?;
    if let Some(Extension(errors)) = errors {
        // A fault's answer is neither served from nor kept in the memo.
        let (mut statuses, _) = model::statuses(&stream, cx.core.dataset.timezone, &request, now);
        model::inject_system_errors(&mut statuses, errors, cx.core.dataset.seed, request.msg_id);
        return Ok(json_response(StatusCode::OK, &Statuses(statuses)));
    }
    let ids = request.registration_ids.iter().map(|id| id.as_ref());
    let key = AnswerKey::status(stream.slot, request.msg_id, request.date, ids);
    if let Some(body) = cx.jpush.cache.answer(&key, now_ms) {
        return Ok(json_bytes(StatusCode::OK, body));
    }
    let (statuses, span) = model::statuses(&stream, cx.core.dataset.timezone, &request, now);
    let body = Bytes::from(serde_json::to_vec(&Statuses(statuses)).expect("statuses serialise"));
    cx.jpush.cache.keep_answer(
        key,
        Answer {
            body: body.clone(),
            span,
        },
    );
    Ok(json_bytes(StatusCode::OK, body))
}

pub async fn users(State(cx): State<Context>, JpApp(app): JpApp, uri: Uri) -> Result<Response, JpError> {
    require_vip(&cx, app)?;
    let now = cx.core.clock.now();
    let zone = cx.core.dataset.timezone;
    let range = statistics_period::parse(&QueryParams::from_uri(&uri), zone, now, rules::USERS_UNITS)?;
    let stream = cx.core.dataset.jiguang_push(app);
    let hourly = range.unit == TimeUnit::Hour;
    let now_ms = now.timestamp_millis();
    let items = range
        .periods()
        .map(|period| {
            let (start, end) = (
                period.start.timestamp_millis(),
                period.end.timestamp_millis().min(now_ms),
            );
            let activity = cx.jpush.cache.activity((stream.slot, start, end, hourly), || {
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

/// Today's schema refuses a query about a push of this app sent over 28 days ago.
fn refuse_too_old(
    cx: &Context,
    stream: &PushStream<'_>,
    msg_ids: impl IntoIterator<Item = u64>,
    now: DateTime<Utc>,
) -> Result<(), JpError> {
    if cx.jpush.schema == Schema::Classic {
        return Ok(());
    }
    match msg_ids.into_iter().find(|id| {
        stream
            .find(*id)
            .is_some_and(|push| rules::too_old_to_query(Schema::Today, &push, now))
    }) {
        Some(id) => Err(JpError::too_old(id)),
        None => Ok(()),
    }
}

fn require_vip(cx: &Context, app: usize) -> Result<(), JpError> {
    if cx.core.dataset.jiguang[app].credentials.vip {
        Ok(())
    } else {
        Err(JpError::NotVip)
    }
}

/// One item per requested id, in request order; ids without statistics get `{msg_id}`.
/// Items are memoised as JSON per push, and each whole answer with its span.
fn per_msg_id<T: serde::Serialize>(
    cx: &Context,
    app: usize,
    uri: &Uri,
    endpoint: Endpoint,
    render: impl Fn(MsgId<'_>, &PushStats) -> T,
) -> Result<Response, JpError> {
    let query = QueryParams::from_uri(uri);
    let ids = params::msg_ids(&query)?;
    let now = cx.core.clock.now();
    let now_ms = now.timestamp_millis();
    refuse_too_old(
        cx,
        &cx.core.dataset.jiguang_push(app),
        ids.iter().map(|id| id.value),
        now,
    )?;
    let slot = cx.core.dataset.jiguang[app].slot;
    let key = AnswerKey::PerMsgId {
        app: slot,
        endpoint,
        ids: params::echoed(&ids).into(),
    };
    if let Some(body) = cx.jpush.cache.answer(&key, now_ms) {
        return Ok(json_bytes(StatusCode::OK, body));
    }
    let answer = build_answer(cx, app, &ids, endpoint, now_ms, render);
    let body = answer.body.clone();
    cx.jpush.cache.keep_answer(key, answer);
    Ok(json_bytes(StatusCode::OK, body))
}

fn build_answer<T: serde::Serialize>(
    cx: &Context,
    app: usize,
    ids: &[MsgId<'_>],
    endpoint: Endpoint,
    now_ms: i64,
    render: impl Fn(MsgId<'_>, &PushStats) -> T,
) -> Answer {
    let stream = cx.core.dataset.jiguang_push(app);
    let now = DateTime::from_timestamp_millis(now_ms).expect("the clock is in range");
    let mut span = Span::always();
    let mut body = Vec::with_capacity(ids.len() * 160 + 2);
    body.push(b'[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let push = stream.find(id.value).inspect(|push| {
            span.narrow(&rules::stats_changes(&stream, push, now_ms), now_ms);
            span.narrow(&delivery_changes(push), now_ms);
        });
        match push {
            Some(push) if rules::has_stats(&stream, &push, now) => {
                let reached = steps_reached(&push, now_ms);
                // Ids sent with leading zeros are echoed as sent, so they are rendered afresh.
                if id.is_canonical() {
                    let json = cx.jpush.cache.item((stream.slot, id.value, endpoint, reached), || {
                        let item = render(*id, &stream.stats(&push, reached));
                        Bytes::from(serde_json::to_vec(&item).expect("items serialise"))
                    });
                    body.extend_from_slice(&json);
                } else {
                    let item = render(*id, &stream.stats(&push, reached));
                    serde_json::to_writer(&mut body, &item).expect("items serialise");
                }
            }
            _ => serde_json::to_writer(&mut body, &UnknownId { msg_id: id.text }).expect("items serialise"),
        }
    }
    body.push(b']');
    Answer {
        body: Bytes::from(body),
        span,
    }
}
