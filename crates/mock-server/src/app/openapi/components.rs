//! The named schemas of the document (`components.schemas`): the bodies the mock sends,
//! field for field as the families' `wire` modules and error types render them. Message
//! bodies are `oneOf` their variants with a discriminator (`msg_type` for JMessage, the
//! body's `type` for Easemob); counts the vendor leaves out of a platform without
//! targets are nullable; objects are closed (`additionalProperties: false`), so that a
//! renamed or added field breaks the contract.

use serde_json::{json, Map, Value};

use crate::{
    control::{faults::MAX_DELAY_MS, journal},
    families::{easemob::rules as easemob_rules, jpush::rules as jpush_rules},
    kernel::ratelimit::MAX_WINDOW_SECS,
};

/// A `$ref` to the named schema.
pub fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A closed object: every listed property required but those in `optional`.
pub fn object(properties: Value, optional: &[&str]) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .expect("properties are an object")
        .keys()
        .filter(|name| !optional.contains(&name.as_str()))
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn int() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

/// A count that is `null` when its platform or channel had no target.
fn count_or_null() -> Value {
    json!({ "type": ["integer", "null"], "minimum": 0 })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn strings() -> Value {
    json!({ "type": "array", "items": string() })
}

fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": schema_ref(name) })
}

/// `oneOf` the named variants, told apart by `property` (each variant fixes it with `const`).
fn tagged(property: &str, variants: &[(&str, &str)]) -> Value {
    let mapping: Map<String, Value> = variants
        .iter()
        .map(|(tag, name)| ((*tag).to_owned(), json!(format!("#/components/schemas/{name}"))))
        .collect();
    json!({
        "oneOf": variants.iter().map(|(_, name)| schema_ref(name)).collect::<Vec<_>>(),
        "discriminator": { "propertyName": property, "mapping": mapping },
    })
}

/// Every named schema.
pub fn schemas() -> Map<String, Value> {
    let mut all = Map::new();
    for part in [errors(), jpush(), jmessage(), easemob(), control()] {
        all.extend(part);
    }
    all
}

fn errors() -> Map<String, Value> {
    let mut s = Map::new();
    s.insert(
        "JiguangError".into(),
        object(
            json!({ "error": object(json!({ "code": int(), "message": string() }), &[]) }),
            &[],
        ),
    );
    s.insert(
        "EasemobError".into(),
        object(
            json!({
                "error": { "type": "string", "description": "the vendor's error code, e.g. `unauthorized`, `illegal_argument`, `reach_limit`" },
                "exception": string(),
                "timestamp": { "type": "integer", "description": "the mock clock, in milliseconds" },
                "duration": { "type": "integer", "const": 0 },
                "error_description": string(),
            }),
            &[],
        ),
    );
    s
}

fn jpush() -> Map<String, Value> {
    let mut s = Map::new();
    s.insert(
        "JPushMsgIdOnly".into(),
        object(
            json!({ "msg_id": { "type": "string", "description": "an id without statistics (unknown, too recent or expired), as sent" } }),
            &[],
        ),
    );
    let received = json!({
        "msg_id": string(),
        "android_received": count_or_null(),
        "ios_apns_sent": count_or_null(),
        "ios_apns_received": count_or_null(),
        "ios_msg_received": count_or_null(),
        "wp_mpns_sent": count_or_null(),
    });
    s.insert("JPushReceived".into(), object(received, &[]));
    let classic = json!({
        "msg_id": string(),
        "jpush_received": count_or_null(),
        "android_pns_sent": count_or_null(),
        "ios_apns_sent": count_or_null(),
        "ios_apns_received": count_or_null(),
        "ios_msg_received": count_or_null(),
        "wp_mpns_sent": count_or_null(),
    });
    let mut today = classic.clone();
    for field in [
        "android_pns_received",
        "live_acivity_sent",
        "live_acivity_received",
        "quickapp_jpush_received",
        "quickapp_pns_sent",
        "hmos_hmpns_received",
        "hmos_hmpns_sent",
        "hmos_msg_received",
        "hmos_msg_sent",
    ] {
        today[field] = count_or_null();
    }
    s.insert("JPushReceivedDetail".into(), object(classic, &[]));
    s.insert("JPushReceivedDetail2025".into(), object(today, &[]));
    s.insert(
        "JPushMessages".into(),
        object(
            json!({
                "msg_id": string(),
                "android": object(json!({
                    "received": count_or_null(), "target": count_or_null(), "online_push": count_or_null(),
                    "click": count_or_null(), "msg_click": count_or_null(),
                }), &[]),
                "ios": object(json!({
                    "apns_sent": count_or_null(), "apns_target": count_or_null(), "apns_received": count_or_null(),
                    "click": count_or_null(), "target": count_or_null(), "received": count_or_null(),
                }), &[]),
                "winphone": object(json!({
                    "mpns_target": count_or_null(), "mpns_sent": count_or_null(), "click": count_or_null(),
                }), &[]),
            }),
            &[],
        ),
    );
    s.insert(
        "JPushVendorDetail".into(),
        object(json!({ "target": int(), "sent": int() }), &[]),
    );
    let vendor = schema_ref("JPushVendorDetail");
    s.insert(
        "JPushMessagesDetail".into(),
        object(
            json!({
                "msg_id": { "type": "integer", "minimum": 0 },
                "jpush": object(json!({
                    "target": int(), "online_push": int(), "received": int(), "click": int(), "msg_click": int(),
                }), &[]),
                "android_pns": object(json!({
                    "pns_target": int(), "pns_sent": int(),
                    "xm_detail": vendor, "hw_detail": vendor, "mz_detail": vendor,
                    "oppo_detail": vendor, "vivo_detail": vendor, "fcm_detail": vendor,
                }), &[]),
                "ios": object(json!({
                    "apns_target": int(), "apns_sent": int(), "apns_received": int(), "apns_click": int(),
                    "msg_target": int(), "msg_received": int(),
                }), &[]),
                "winphone": object(json!({ "mpns_target": int(), "mpns_sent": int(), "click": int() }), &[]),
            }),
            &[],
        ),
    );
    s.insert(
        "JPushActivity".into(),
        object(
            json!({ "new": int(), "online": int(), "active": int() }),
            &["new", "online", "active"],
        ),
    );
    let platform = schema_ref("JPushActivity");
    s.insert(
        "JPushUsers".into(),
        object(
            json!({
                "time_unit": { "type": "string", "enum": ["HOUR", "DAY", "MONTH"] },
                "start": string(),
                "duration": { "type": "integer", "minimum": 1 },
                "items": {
                    "type": "array",
                    "items": object(
                        json!({ "time": string(), "android": platform, "ios": platform, "quickapp": platform, "hmos": platform }),
                        &["android", "ios", "quickapp", "hmos"],
                    ),
                },
            }),
            &[],
        ),
    );
    s.insert(
        "JPushStatuses".into(),
        json!({
            "type": "object",
            "description": "one entry per registration id asked about: 0 delivered, 1 not delivered, 2 not of this app, 3 not a target of this message, 4 system error (an injected fault)",
            "additionalProperties": object(json!({ "status": { "type": "integer", "enum": [
                jpush_rules::status::DELIVERED, jpush_rules::status::NOT_DELIVERED, jpush_rules::status::NOT_THIS_APP,
                jpush_rules::status::NOT_A_TARGET, jpush_rules::status::SYSTEM_ERROR,
            ] } }), &[]),
        }),
    );
    s.insert(
        "JPushStatusRequest".into(),
        object(
            json!({
                "msg_id": { "type": "integer", "minimum": 0 },
                "registration_ids": { "type": "array", "items": string(), "minItems": 1, "maxItems": jpush_rules::MAX_REGISTRATION_IDS },
                "date": { "type": "string", "format": "date", "description": "yyyy-mm-dd: the day the statuses are read for" },
            }),
            &["date"],
        ),
    );
    s
}

/// The kinds of a JMessage message and the schema of each one's `msg_body`.
const JMESSAGE_KINDS: [(&str, &str); 6] = [
    ("text", "JMessageTextBody"),
    ("image", "JMessageImageBody"),
    ("voice", "JMessageVoiceBody"),
    ("file", "JMessageFileBody"),
    ("location", "JMessageLocationBody"),
    ("custom", "JMessageCustomBody"),
];

fn jmessage() -> Map<String, Value> {
    let mut s = Map::new();
    let media = |extra: Value| {
        let mut properties = json!({ "media_id": string(), "media_crc32": int(), "hash": string(), "fsize": int() });
        properties
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        object(properties, &[])
    };
    s.insert(
        "JMessageTextBody".into(),
        object(
            json!({
                "text": string(),
                "extras": object(json!({
                    "reply_to": int(),
                    "link": object(json!({ "url": string(), "title": string() }), &[]),
                    "source": string(),
                    "campaign_id": string(),
                    "at_all": { "type": "boolean" },
                }), &["reply_to", "link", "source", "campaign_id", "at_all"]),
            }),
            &[],
        ),
    );
    s.insert(
        "JMessageImageBody".into(),
        media(json!({ "width": int(), "height": int(), "format": string() })),
    );
    s.insert(
        "JMessageVoiceBody".into(),
        media(json!({ "duration": int(), "format": string() })),
    );
    s.insert("JMessageFileBody".into(), media(json!({ "fname": string() })));
    s.insert(
        "JMessageLocationBody".into(),
        object(
            json!({ "latitude": { "type": "number" }, "longitude": { "type": "number" }, "scale": int(), "label": string() }),
            &[],
        ),
    );
    s.insert(
        "JMessageCustomBody".into(),
        json!({
            "description": "the sending app's own fields: an order event, or an event and string attributes",
            "oneOf": [
                object(json!({ "event": { "const": "order_paid" }, "order_id": string(), "amount": int() }), &[]),
                {
                    "type": "object",
                    "required": ["event"],
                    "properties": { "event": string() },
                    "additionalProperties": string(),
                },
            ],
        }),
    );
    for (kind, body) in JMESSAGE_KINDS {
        let name = format!("JMessage{}Message", capitalised(kind));
        s.insert(
            name,
            object(
                json!({
                    "target_type": { "type": "string", "enum": ["single", "group", "chatroom"] },
                    "msg_type": { "const": kind },
                    "target_name": string(),
                    "target_id": string(),
                    "from_id": string(),
                    "from_name": string(),
                    "from_type": { "type": "string", "enum": ["user", "admin"] },
                    "from_platform": { "type": "string", "enum": ["a", "i", "web", "w", "api"] },
                    "from_appkey": string(),
                    "target_appkey": string(),
                    "msg_body": schema_ref(body),
                    "create_time": { "type": "integer", "description": "seconds" },
                    "version": int(),
                    "msgid": int(),
                    "msg_level": { "type": "integer", "enum": [0, 1], "description": "0 within the app, 1 across apps" },
                    "msg_ctime": { "type": "integer", "description": "milliseconds" },
                    "set_from_name": { "type": "integer", "description": "on group and chatroom messages" },
                }),
                &["set_from_name"],
            ),
        );
    }
    let variants: Vec<(&str, String)> = JMESSAGE_KINDS
        .iter()
        .map(|(kind, _)| (*kind, format!("JMessage{}Message", capitalised(kind))))
        .collect();
    let variants: Vec<(&str, &str)> = variants.iter().map(|(k, n)| (*k, n.as_str())).collect();
    s.insert("JMessageMessage".into(), tagged("msg_type", &variants));
    s.insert(
        "JMessageV2Page".into(),
        object(
            json!({
                "total": int(),
                "cursor": { "type": "string", "description": "present while more pages follow; valid for 120 s" },
                "count": int(),
                "messages": array_of("JMessageMessage"),
            }),
            &["cursor"],
        ),
    );
    s.insert(
        "JMessageV1Page".into(),
        object(
            json!({ "total": int(), "start": int(), "count": int(), "messages": array_of("JMessageMessage") }),
            &[],
        ),
    );
    s.insert(
        "JMessageUsersDay".into(),
        object(
            json!({ "active_users": int(), "total_users": int(), "send_msg_users": int(), "new_users": int(), "date": string() }),
            &[],
        ),
    );
    s.insert(
        "JMessageGroupsDay".into(),
        object(
            json!({ "date": string(), "active_group": int(), "total_group": int(), "new_group": int() }),
            &[],
        ),
    );
    let by_type = object(
        json!({ "txt_msg": int(), "image_msg": int(), "voice_msg": int(), "other_msg": int() }),
        &[],
    );
    s.insert(
        "JMessageMessageStats".into(),
        object(
            json!({
                "send_msg_stat": { "type": "array", "items": object(json!({ "time": string(), "group_send_msg": int(), "single_send_msg": int() }), &[]) },
                "group_msg_stat": by_type,
                "single_msg_stat": by_type,
            }),
            &[],
        ),
    );
    s
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The `type`s of an Easemob message body and the schema of each.
const EASEMOB_BODIES: [(&str, &str); 9] = [
    ("txt", "EasemobTxtBody"),
    ("img", "EasemobImgBody"),
    ("loc", "EasemobLocBody"),
    ("audio", "EasemobAudioBody"),
    ("video", "EasemobVideoBody"),
    ("file", "EasemobFileBody"),
    ("cmd", "EasemobCmdBody"),
    ("custom", "EasemobCustomBody"),
    ("combine", "EasemobCombineBody"),
];

fn easemob() -> Map<String, Value> {
    let mut s = Map::new();
    let size = object(json!({ "width": int(), "height": int() }), &[]);
    let file = |kind: &str, extra: Value| {
        let mut properties = json!({ "type": { "const": kind }, "url": string(), "filename": string(), "secret": string(), "file_length": int() });
        properties
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        object(properties, &[])
    };
    let bodies = [
        object(json!({ "type": { "const": "txt" }, "msg": string() }), &[]),
        file("img", json!({ "size": size })),
        object(
            json!({ "type": { "const": "loc" }, "addr": string(), "lat": { "type": "number" }, "lng": { "type": "number" } }),
            &[],
        ),
        file(
            "audio",
            json!({ "length": { "type": "integer", "description": "seconds" } }),
        ),
        file(
            "video",
            json!({ "length": int(), "size": size, "thumb": string(), "thumb_secret": string() }),
        ),
        file("file", json!({})),
        object(json!({ "type": { "const": "cmd" }, "action": string() }), &[]),
        object(
            json!({ "type": { "const": "custom" }, "customEvent": string(), "customExts": { "type": "object", "additionalProperties": string() } }),
            &[],
        ),
        file(
            "combine",
            json!({ "title": string(), "summary": string(), "compatibleText": string() }),
        ),
    ];
    for ((_, name), body) in EASEMOB_BODIES.iter().zip(bodies) {
        s.insert((*name).into(), body);
    }
    s.insert("EasemobBody".into(), tagged("type", &EASEMOB_BODIES));
    s.insert("EasemobMessage".into(), object(message_properties(), &[]));
    let mut entity = message_properties();
    entity.as_object_mut().unwrap().extend(
        json!({ "uuid": { "type": "string", "format": "uuid" }, "type": { "const": "chatmessage" }, "created": int(), "modified": int() })
            .as_object()
            .unwrap()
            .clone(),
    );
    s.insert("EasemobEntity".into(), object(entity, &[]));
    s.insert(
        "EasemobToken".into(),
        object(
            json!({
                "access_token": string(),
                "expires_in": { "type": "integer", "minimum": 0, "description": "seconds; 0 for a token that never expires" },
                "application": { "type": "string", "format": "uuid" },
            }),
            &[],
        ),
    );
    s.insert(
        "EasemobTokenRequest".into(),
        object(
            json!({
                "grant_type": { "const": "client_credentials" },
                "client_id": { "type": "string", "minLength": 1 },
                "client_secret": { "type": "string", "minLength": 1 },
                "ttl": {
                    "description": "seconds (0: never expires), as a number or a string of digits",
                    "oneOf": [
                        { "type": "integer", "minimum": 0, "maximum": easemob_rules::MAX_TOKEN_TTL_SECS },
                        { "type": "string", "pattern": "^[0-9]+$" },
                    ],
                },
            }),
            &["ttl"],
        ),
    );
    let tail = json!({
        "timestamp": int(),
        "duration": int(),
        "organization": string(),
        "applicationName": string(),
    });
    let mut link = json!({
        "action": { "const": "get" },
        "application": { "type": "string", "format": "uuid" },
        "uri": string(),
        "data": { "type": "array", "minItems": 1, "maxItems": 1, "items": object(json!({ "url": { "type": "string", "format": "uri" } }), &[]) },
    });
    link.as_object_mut().unwrap().extend(tail.as_object().unwrap().clone());
    s.insert("EasemobFileLink".into(), object(link, &[]));
    let mut ql = json!({
        "action": { "const": "get" },
        "application": { "type": "string", "format": "uuid" },
        "params": { "type": "object", "description": "the query parameters as received, each as a list", "additionalProperties": strings() },
        "uri": string(),
        "entities": array_of("EasemobEntity"),
        "count": int(),
        "cursor": { "type": "string", "description": "present while more pages follow" },
    });
    ql.as_object_mut().unwrap().extend(tail.as_object().unwrap().clone());
    s.insert("EasemobQlPage".into(), object(ql, &["cursor"]));
    s
}

/// The fields of an exported Easemob message (the ql query's entities add theirs).
fn message_properties() -> Value {
    let ext = object(
        json!({
            "reply_to": string(),
            "em_at_list": { "oneOf": [{ "const": "ALL" }, strings()] },
            "em_apns_ext": object(json!({ "em_push_title": string(), "em_push_content": string() }), &[]),
            "em_ignore_notification": { "type": "boolean" },
        }),
        &["reply_to", "em_at_list", "em_apns_ext", "em_ignore_notification"],
    );
    json!({
        "msg_id": string(),
        "timestamp": { "type": "integer", "description": "milliseconds" },
        "direction": { "const": "outgoing" },
        "from": string(),
        "to": string(),
        "chat_type": { "type": "string", "enum": ["chat", "groupchat", "chatroom"] },
        "payload": object(json!({
            "bodies": { "type": "array", "minItems": 1, "maxItems": 1, "items": schema_ref("EasemobBody") },
            "ext": ext,
            "from": string(),
            "to": string(),
        }), &[]),
    })
}

fn control() -> Map<String, Value> {
    let mut s = Map::new();
    s.insert(
        "MockClock".into(),
        object(
            json!({ "now": { "type": "string", "format": "date-time" }, "frozen": { "type": "boolean" } }),
            &[],
        ),
    );
    s.insert(
        "MockSetClock".into(),
        json!({
            "type": "object",
            "properties": { "now": { "type": "string", "format": "date-time", "description": "RFC 3339, between 2000-01-01 and 2100-01-01" }, "frozen": { "type": "boolean" } },
            "minProperties": 1,
            "additionalProperties": false,
        }),
    );
    s.insert(
        "MockAdvance".into(),
        object(
            json!({ "seconds": { "type": "number", "description": "fractional or negative allowed; the clock must stay between 2000-01-01 and 2100-01-01" } }),
            &[],
        ),
    );
    let quota = object(
        json!({ "limit": { "type": "integer", "minimum": 1 }, "window_seconds": { "type": "integer", "minimum": 1, "maximum": MAX_WINDOW_SECS } }),
        &[],
    );
    s.insert(
        "MockRateLimits".into(),
        object(json!({ "jpush": quota, "easemob": quota }), &[]),
    );
    let change = object(
        json!({
            "limit": { "type": ["integer", "null"], "minimum": 1, "maximum": u32::MAX },
            "window_seconds": { "type": ["integer", "null"], "minimum": 1, "maximum": MAX_WINDOW_SECS },
        }),
        &["limit", "window_seconds"],
    );
    let change = json!({ "oneOf": [change, { "type": "null" }] });
    s.insert(
        "MockRateLimitsChange".into(),
        object(json!({ "jpush": change, "easemob": change }), &["jpush", "easemob"]),
    );
    let family = json!({ "type": "string", "enum": ["jpush", "jmessage", "easemob"] });
    let rule_spec = json!({
        "match": object(json!({
            "family": family,
            "method": { "type": "string", "maxLength": crate::control::faults::MAX_MATCH_BYTES },
            "path": { "type": "string", "maxLength": crate::control::faults::MAX_MATCH_BYTES, "description": "`*` stands for any run of characters" },
            "app_key": { "type": "string", "maxLength": crate::control::faults::MAX_MATCH_BYTES, "description": "an appKey, or an Easemob app as org#app" },
        }), &["family", "method", "path", "app_key"]),
        "effect": {
            "oneOf": [
                object(json!({ "status": { "type": "integer", "enum": [429, 500, 503] } }), &[]),
                object(json!({ "delay_ms": { "oneOf": [
                    { "type": "integer", "minimum": 0, "maximum": MAX_DELAY_MS },
                    { "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": MAX_DELAY_MS }, "minItems": 2, "maxItems": 2 },
                ] } }), &[]),
                object(json!({ "drop": { "const": true } }), &[]),
                object(json!({ "truncate": { "const": true } }), &[]),
                object(json!({ "system_error": { "type": "number", "exclusiveMinimum": 0, "maximum": 1 } }), &[]),
            ],
        },
        "times": { "type": "integer", "minimum": 1 },
        "fraction": { "type": "number", "exclusiveMinimum": 0, "maximum": 1 },
        "until": { "type": "string", "format": "date-time" },
    });
    let mut spec = object(rule_spec.clone(), &["match", "times", "fraction", "until"]);
    spec["description"] = json!("give at most one of times, fraction and until");
    s.insert("MockFaultRule".into(), spec);
    let mut rule = rule_spec;
    rule.as_object_mut().unwrap().extend(
        json!({
            "id": int(),
            "state": { "type": "string", "enum": ["active", "spent"] },
            "matched": int(),
            "applied": int(),
        })
        .as_object()
        .unwrap()
        .clone(),
    );
    rule["times"] = json!({ "type": "integer", "minimum": 0, "description": "uses left" });
    rule["match"] = json!({ "type": "object" });
    rule["effect"] = json!({ "type": "object" });
    s.insert(
        "MockFaults".into(),
        object(
            json!({ "faults": { "type": "array", "items": object(rule, &["times", "fraction", "until"]) } }),
            &[],
        ),
    );
    s.insert(
        "MockJournalEntry".into(),
        object(
            json!({
                "seq": int(),
                "time": { "type": "string", "format": "date-time" },
                "method": string(),
                "path": string(),
                "query": string(),
                "headers": { "type": "object", "additionalProperties": string(), "maxProperties": journal::MAX_HEADERS },
                "body_bytes": int(),
                "family": { "oneOf": [family, { "type": "null" }] },
                "app": string(),
                "status": { "type": "integer", "minimum": 100, "maximum": 599 },
                "latency_ms": { "type": "number", "minimum": 0 },
                "fault": int(),
                "warnings": { "type": "array", "items": string(), "maxItems": journal::MAX_WARNINGS },
                "truncated": strings(),
            }),
            &["query", "app", "fault", "truncated"],
        ),
    );
    s.insert(
        "MockJournalPage".into(),
        object(
            json!({ "entries": array_of("MockJournalEntry"), "matched": int(), "next_since": int() }),
            &[],
        ),
    );
    let samples = json!({ "usernames": strings(), "group_ids": strings(), "chatroom_ids": strings() });
    let mut jiguang = json!({
        "name": string(), "app_key": string(), "master_secret": string(), "vip": { "type": "boolean" },
        "msg_ids": strings(), "registration_ids": strings(),
    });
    jiguang
        .as_object_mut()
        .unwrap()
        .extend(samples.as_object().unwrap().clone());
    let mut easemob =
        json!({ "org_name": string(), "app_name": string(), "client_id": string(), "client_secret": string() });
    easemob
        .as_object_mut()
        .unwrap()
        .extend(samples.as_object().unwrap().clone());
    s.insert(
        "MockApps".into(),
        object(
            json!({
                "apps": { "type": "array", "items": object(jiguang, &[]) },
                "easemob": { "type": "array", "items": object(easemob, &[]) },
            }),
            &[],
        ),
    );
    let names = json!({ "type": "object", "additionalProperties": string() });
    s.insert(
        "MockIndex".into(),
        object(
            json!({
                "name": string(),
                "version": string(),
                "families": { "type": "array", "items": object(json!({ "family": string(), "base_paths": strings(), "auth": string() }), &[]) },
                "jiguang_apps": { "type": "array", "items": object(json!({ "name": string(), "app_key": string(), "vip": { "type": "boolean" } }), &[]) },
                "easemob_apps": { "type": "array", "items": object(json!({ "app": string(), "base_path": string() }), &[]) },
                "control": names,
                "control_token_required": { "type": "boolean" },
                "docs": names,
            }),
            &[],
        ),
    );
    s.insert(
        "MockHealth".into(),
        object(
            json!({ "status": { "type": "string", "enum": ["ok", "not ready"] }, "reason": string() }),
            &["reason"],
        ),
    );
    s
}
