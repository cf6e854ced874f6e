//! The vendor families' operations, one per route of their route tables (JPush's under
//! both hosts' paths): parameters with their formats, limits and required-ness, the
//! family's auth scheme, the answer's schema and every error the family can answer.

use serde_json::{json, Value};

use super::{
    components::schema_ref,
    operation::{param, Operation, Shape},
};
use crate::families::{
    easemob,
    jmessage::{self, rules as jm_rules},
    jpush::{self, rules as jp_rules},
    shared::{
        route::Route,
        rules::{CURSOR_TTL, STATISTICS_MAX_DAYS},
    },
};

/// Every vendor operation: JPush (main host, then the Beijing alias), JMessage, Easemob.
pub fn operations() -> Vec<Operation> {
    let mut all = Vec::new();
    for route in jpush::ROUTES {
        let alias = route.path.replacen(jpush::MAIN_ROOT, jpush::BEIJING_ALIAS, 1);
        all.push(jpush_operation(route, route.path.to_owned(), false));
        all.push(jpush_operation(route, alias, true));
    }
    all.extend(jmessage::ROUTES.iter().map(jmessage_operation));
    all.extend(easemob::ROUTES.iter().map(easemob_operation));
    all
}

/// The statuses every vendor operation may answer besides its own: the HTTP limits (a
/// malformed target or body 400, 413, 414, 431) and the injectable faults (429, 500, 503).
const COMMON: [u16; 7] = [400, 413, 414, 429, 431, 500, 503];

fn jpush_operation(route: &Route<jpush::Endpoint>, path: String, beijing: bool) -> Operation {
    use jpush::Endpoint as E;
    let (summary, answer) = match route.endpoint {
        E::Received => ("Delivery counts per push", items(&["JPushReceived"])),
        E::ReceivedDetail => (
            "Delivery counts per push and channel (the 2025 schema adds fields)",
            items(&["JPushReceivedDetail", "JPushReceivedDetail2025"]),
        ),
        E::StatusMessage => ("Delivery status per registration id", schema_ref("JPushStatuses")),
        E::Messages => ("Statistics per push (VIP)", items(&["JPushMessages"])),
        E::MessagesDetail => ("Statistics per push and channel (VIP)", items(&["JPushMessagesDetail"])),
        E::Users => ("Device activity per period (VIP)", schema_ref("JPushUsers")),
    };
    let vip = matches!(route.endpoint, E::Messages | E::MessagesDetail | E::Users);
    let mut statuses = vec![401];
    if vip {
        statuses.push(403);
    }
    let name = format!("{:?}", route.endpoint);
    let mut operation = Operation::new(
        "jpush",
        jpush::method_of(route.endpoint),
        path,
        if beijing {
            format!("jpush{name}Beijing")
        } else {
            format!("jpush{name}")
        },
        if beijing {
            format!("{summary} (the Beijing host's /v3/report alias)")
        } else {
            summary.to_owned()
        },
    )
    .secured("jiguangBasic")
    .answer(200, "the report", answer)
    .errors(Shape::Jiguang, &statuses)
    .errors(Shape::Jiguang, &COMMON)
    .rate_limited();
    operation.parameters = route.params.iter().map(|name| jpush_param(name)).collect();
    if route.endpoint == E::StatusMessage {
        operation = operation.body(schema_ref("JPushStatusRequest"));
    }
    operation
}

/// `oneOf` the named item schemas or an id without statistics, as an array.
fn items(kinds: &[&str]) -> Value {
    let mut variants: Vec<Value> = kinds.iter().map(|k| schema_ref(k)).collect();
    variants.push(schema_ref("JPushMsgIdOnly"));
    json!({ "type": "array", "items": { "oneOf": variants } })
}

fn jpush_param(name: &str) -> Value {
    match name {
        "msg_ids" => param(
            name,
            true,
            &format!("comma-separated push ids, at most {}", jp_rules::MAX_MSG_IDS),
            json!({ "type": "string", "pattern": "^[0-9, +]+$", "examples": ["1001,1002"] }),
        ),
        other => statistics_param(other, &["HOUR", "DAY", "MONTH"]),
    }
}

/// `time_unit`, `start` and `duration` of a statistics endpoint serving `units`.
fn statistics_param(name: &str, units: &[&str]) -> Value {
    match name {
        "time_unit" => param(name, true, "the period", json!({ "type": "string", "enum": units })),
        "start" => param(
            name,
            true,
            "the first period, as its unit says: yyyy-MM-dd HH (HOUR), yyyy-MM-dd (DAY), yyyy-MM (MONTH), in the mock's zone",
            json!({ "type": "string", "examples": ["2026-11-01"] }),
        ),
        "duration" => param(
            name,
            true,
            &format!("how many periods (DAY: at most {STATISTICS_MAX_DAYS} days back)"),
            json!({ "type": "integer", "minimum": 1 }),
        ),
        other => panic!("no description of statistics parameter {other}"),
    }
}

fn jmessage_operation(route: &Route<jmessage::Endpoint>) -> Operation {
    use jmessage::Endpoint as E;
    let (summary, answer) = match route.endpoint {
        E::V2Messages => ("The app's messages (V2, cursor pages)", schema_ref("JMessageV2Page")),
        E::V2UserMessages => ("A user's messages (V2)", schema_ref("JMessageV2Page")),
        E::V2GroupMessages => ("A group's messages (V2)", schema_ref("JMessageV2Page")),
        E::V2ChatroomMessages => ("A chatroom's messages (V2)", schema_ref("JMessageV2Page")),
        E::StatisticUsers => (
            "Users per day (VIP)",
            json!({ "type": "array", "items": schema_ref("JMessageUsersDay") }),
        ),
        E::StatisticMessages => ("Messages per period (VIP)", schema_ref("JMessageMessageStats")),
        E::StatisticGroups => (
            "Groups per day (VIP)",
            json!({ "type": "array", "items": schema_ref("JMessageGroupsDay") }),
        ),
        E::V1Messages => ("The app's messages (V1, offsets)", schema_ref("JMessageV1Page")),
        E::V1UserMessages => ("A user's messages (V1)", schema_ref("JMessageV1Page")),
    };
    let statistics = matches!(
        route.endpoint,
        E::StatisticUsers | E::StatisticMessages | E::StatisticGroups
    );
    let names_one = matches!(
        route.endpoint,
        E::V2UserMessages | E::V2GroupMessages | E::V2ChatroomMessages | E::V1UserMessages
    );
    let mut statuses = vec![401];
    if statistics {
        statuses.push(403);
    }
    if names_one {
        statuses.push(404);
    }
    let units: &[&str] = if route.endpoint == E::StatisticMessages {
        &["HOUR", "DAY", "MONTH"]
    } else {
        &["DAY"]
    };
    let v1 = matches!(route.endpoint, E::V1Messages | E::V1UserMessages);
    let mut operation = Operation::new(
        "jmessage",
        jmessage::method_of(route.endpoint),
        route.path.to_owned(),
        format!("jmessage{:?}", route.endpoint),
        summary.to_owned(),
    )
    .secured("jiguangBasic")
    .answer(200, "the report", answer)
    .errors(Shape::Jiguang, &statuses)
    .errors(Shape::Jiguang, &COMMON);
    operation.parameters = path_params(route.path);
    operation.parameters.extend(route.params.iter().map(|name| {
        if statistics {
            statistics_param(name, units)
        } else {
            history_param(name, v1)
        }
    }));
    operation
}

fn history_param(name: &str, v1: bool) -> Value {
    let time = json!({
        "type": "string",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[ +][0-9]{2}:[0-9]{2}:[0-9]{2}$",
        "examples": ["2026-11-20 10:00:00"],
    });
    let first_page = if v1 {
        ""
    } else {
        "; required on a first page, left out beside a cursor"
    };
    match name {
        "count" => param(
            name,
            v1,
            &format!("messages per page, 1 to {}{first_page}", jm_rules::MAX_COUNT),
            json!({ "type": "integer", "minimum": 1, "maximum": jm_rules::MAX_COUNT }),
        ),
        "begin_time" | "end_time" => param(
            name,
            false,
            &format!(
                "yyyy-MM-dd HH:mm:ss in the mock's zone; at most {} days apart{first_page}",
                jm_rules::MAX_RANGE.num_days()
            ),
            time,
        ),
        "cursor" => param(
            name,
            false,
            &format!(
                "the cursor of the page before, alone; valid for {} s",
                CURSOR_TTL.num_seconds()
            ),
            json!({ "type": "string" }),
        ),
        "start" => param(
            name,
            true,
            "the offset of the first message",
            json!({ "type": "integer", "minimum": 0 }),
        ),
        other => panic!("no description of JMessage parameter {other}"),
    }
}

/// The path parameters of a template, each a non-empty string.
fn path_params(template: &str) -> Vec<Value> {
    template
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": path_schema(name),
            })
        })
        .collect()
}

fn path_schema(name: &str) -> Value {
    match name {
        "time" => {
            json!({ "type": "string", "pattern": "^[0-9]{10}$", "description": "the hour, YYYYMMDDHH in the mock's zone" })
        }
        "file" => json!({ "type": "string", "pattern": "^[0-9]{10}\\.gz$", "description": "YYYYMMDDHH.gz" }),
        _ => json!({ "type": "string", "minLength": 1 }),
    }
}

fn easemob_operation(route: &Route<easemob::Endpoint>) -> Operation {
    use easemob::Endpoint as E;
    let (summary, statuses): (&str, &[u16]) = match route.endpoint {
        E::Token => ("An app token (client credentials)", &[]),
        E::QlMessages => ("Messages by ql query (legacy)", &[401]),
        E::FileLink => ("The download link of an hour's messages", &[401]),
        E::Download => ("An hour's messages, gzip, one JSON object a line", &[403]),
    };
    let mut operation = Operation::new(
        "easemob",
        easemob::method_of(route.endpoint),
        route.path.to_owned(),
        format!("easemob{:?}", route.endpoint),
        summary.to_owned(),
    )
    .answer(
        404,
        "no such app, hour file or route; under a Jiguang root (`/v1`, `/v2`, `/v3`, `/_mock` as `{org}`) the path belongs to that family, which answers 404 in its shape",
        json!({ "oneOf": [schema_ref("EasemobError"), schema_ref("JiguangError")] }),
    )
    .errors(Shape::Easemob, statuses)
    .errors(Shape::Easemob, &COMMON)
    .retry_after();
    operation = match route.endpoint {
        E::Token => {
            operation
                .body(schema_ref("EasemobTokenRequest"))
                .answer(200, "the token", schema_ref("EasemobToken"))
        }
        E::QlMessages => {
            operation
                .secured("easemobBearer")
                .answer(200, "a page of messages", schema_ref("EasemobQlPage"))
        }
        E::FileLink => operation.secured("easemobBearer").answer(
            200,
            "a signed link, valid 30 minutes",
            schema_ref("EasemobFileLink"),
        ),
        E::Download => operation.binary(200, "the hour's file", "application/gzip"),
    };
    operation.parameters = path_params(route.path);
    operation
        .parameters
        .extend(route.params.iter().map(|name| easemob_param(name)));
    operation
}

fn easemob_param(name: &str) -> Value {
    match name {
        "ql" => param(
            name,
            true,
            "select * where timestamp>T (or <T, or between two with and), T in milliseconds",
            json!({ "type": "string", "examples": ["select * where timestamp>1763600000000"] }),
        ),
        "limit" => param(
            name,
            false,
            &format!(
                "messages per page, 1 to {} (default {})",
                easemob::rules::MAX_LIMIT,
                easemob::rules::DEFAULT_LIMIT
            ),
            json!({ "type": "integer", "minimum": 1, "maximum": easemob::rules::MAX_LIMIT }),
        ),
        "cursor" => param(
            name,
            false,
            "the cursor of the page before",
            json!({ "type": "string" }),
        ),
        "Expires" => param(
            name,
            true,
            "when the link expires, in seconds since the epoch (from the link)",
            json!({ "type": "integer" }),
        ),
        "Signature" => param(
            name,
            true,
            "the link's signature (from the link)",
            json!({ "type": "string" }),
        ),
        other => panic!("no description of Easemob parameter {other}"),
    }
}
