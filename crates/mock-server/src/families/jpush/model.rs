//! JPush answers from the dataset, without HTTP or JSON: which pushes have statistics,
//! the delivery status of registration ids, and the span of the clock each holds for.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use rustc_hash::FxBuildHasher;

use super::{
    cache::Span,
    params::StatusRequest,
    rules::{self, status},
    SystemErrors,
};
use crate::{
    dataset::push::{delivery_changes, Push, PushStream, DELIVERY_STEPS},
    kernel::rng::{key, unit, Purpose},
};

/// The most recent pushes of `stream` whose statistics exist at `now`, newest first.
pub fn recent(stream: &PushStream<'_>, now: DateTime<Utc>, count: usize) -> Vec<Push> {
    // A push is kept until the retention after its last receipt, three days at most after the send.
    let last_step = TimeDelta::seconds(DELIVERY_STEPS[DELIVERY_STEPS.len() - 1]);
    let oldest_ms = (now - rules::STATS_RETENTION - last_step).timestamp_millis();
    stream
        .newest_first(oldest_ms, now.timestamp_millis())
        .filter(|push| rules::has_stats(stream, push, now))
        .take(count)
        .collect()
}

/// The status of each of `request`'s registration ids (once each, in request order) at
/// `now`, and the span of the clock it holds for: it changes only when the push is sent,
/// when its statistics appear, at each step of its delivery curve, when its retention runs
/// out, and — when no `date` is given — at local midnight.
pub fn statuses<'r>(
    stream: &PushStream<'_>,
    zone: FixedOffset,
    request: &'r StatusRequest<'_>,
    now: DateTime<Utc>,
) -> (Vec<(&'r str, u8)>, Span) {
    let now_ms = now.timestamp_millis();
    let mut span = Span::always();
    // The doc: `date` defaults to the current day; a push is delivered on the day it is sent.
    let today = now.with_timezone(&zone).date_naive();
    let day = request.date.unwrap_or_else(|| {
        let midnight = |date: NaiveDate| date.and_time(NaiveTime::MIN).and_local_timezone(zone).single();
        let bounds = [midnight(today), midnight(today + TimeDelta::days(1))];
        span.narrow(&bounds.map(|b| b.map_or(now_ms, |b| b.timestamp_millis())), now_ms);
        today
    });
    let sent = stream.find(request.msg_id);
    if let Some(push) = &sent {
        let [stats_from, stats_until] = rules::stats_changes(stream, push, now_ms);
        span.narrow(&[push.t_ms, stats_from, stats_until], now_ms);
        span.narrow(&delivery_changes(push), now_ms);
    }
    let push = sent.filter(|p| p.t_ms <= now_ms && rules::within_retention(stream, p, now));
    let delivered_today = push.is_some_and(|p| local_day(&p, zone) == day && rules::has_stats(stream, &p, now));
    let status_of = |id: &str| match (stream.devices.index_of(id), push) {
        (None, _) => status::NOT_THIS_APP,
        (Some(_), None) => status::NOT_A_TARGET,
        (Some(d), Some(push)) => match stream.outcome_at(&push, d, now_ms) {
            None => status::NOT_A_TARGET,
            Some(delivery) if delivery.delivered && delivered_today => status::DELIVERED,
            Some(_) => status::NOT_DELIVERED,
        },
    };
    (
        unique_in_order(&request.registration_ids)
            .map(|id| (id, status_of(id)))
            .collect(),
        span,
    )
}

/// Status 4 for the share of `statuses` that an injected `system_error` fault names: a
/// keyed draw on (rule, msg_id, registration id), so the same ids fail for the same rule.
pub fn inject_system_errors(statuses: &mut [(&str, u8)], errors: SystemErrors, seed: u64, msg_id: u64) {
    for (id, status) in statuses.iter_mut() {
        let id_key = id.bytes().fold(errors.rule, |h, b| {
            h.rotate_left(8) ^ u64::from(b).wrapping_mul(0x9e37_79b9)
        });
        if unit(
            key(seed, Purpose::Fault, &[errors.rule, msg_id, id_key, id.len() as u64]),
            1,
        ) < errors.share
        {
            *status = status::SYSTEM_ERROR;
        }
    }
}

/// Each id once, in the order first sent (a repeated id is answered once).
fn unique_in_order<'r>(ids: &'r [std::borrow::Cow<'_, str>]) -> impl Iterator<Item = &'r str> {
    let mut seen = HashSet::with_capacity_and_hasher(ids.len(), FxBuildHasher);
    ids.iter().map(|id| id.as_ref()).filter(move |id| seen.insert(*id))
}

fn local_day(push: &Push, zone: FixedOffset) -> NaiveDate {
    DateTime::from_timestamp_millis(push.t_ms)
        .expect("push instants are in range")
        .with_timezone(&zone)
        .date_naive()
}
