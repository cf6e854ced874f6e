//! JPush Report API v3 (SPEC §1): one test per error row, the rate limit on the mock
//! clock, the response shapes of the doc examples, and the consistency of `received`
//! with `status/message` over the whole retention window for two seeds.

use std::collections::HashMap;

use chrono::TimeDelta;
use e2e::{assert_fields, assert_jiguang_error, now, Mock, Role};
use mock_server::{
    dataset::push::Push,
    families::jpush::{model::recent, rules::has_stats},
};
use serde_json::{json, Value};

/// Pushes of app `index` whose statistics exist at the mock's clock, newest first.
fn pushes(mock: &Mock, index: usize) -> Vec<Push> {
    recent(&mock.server.state.core.dataset.jiguang_push(index), now(), usize::MAX)
}

fn ids(pushes: &[Push]) -> String {
    pushes
        .iter()
        .map(|p| p.msg_id.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn local_day(push: &Push) -> String {
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(push.t_ms)
        .unwrap()
        .with_timezone(&beijing)
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn missing_or_wrong_basic_auth_is_3001() {
    let mock = Mock::start().await;
    for path in [
        "/v3/received?msg_ids=1",
        "/v3/report/received?msg_ids=1",
        "/v3/users?time_unit=DAY&start=2026-11-19&duration=1",
    ] {
        assert_jiguang_error(&mock.get_with(None, path).await, 401, 3001);
        let reply = mock.get_with(Some("Basic Zm9vOmJhcg=="), path).await;
        assert_jiguang_error(&reply, 401, 3001);
        assert_eq!(reply.json["error"]["message"], "Basic authentication failed");
    }
}

#[tokio::test]
async fn vip_endpoints_refuse_a_plain_app_with_2003() {
    let mock = Mock::start().await;
    let id = pushes(&mock, 1)[0].msg_id;
    for path in [
        format!("/v3/messages?msg_ids={id}"),
        format!("/v3/messages/detail?msg_ids={id}"),
        "/v3/users?time_unit=DAY&start=2026-11-19&duration=1".to_string(),
    ] {
        assert_jiguang_error(&mock.get(Role::Plain, &path).await, 403, 2003);
        assert_eq!(
            mock.get(
                Role::Vip,
                &path.replace(&id.to_string(), &pushes(&mock, 0)[0].msg_id.to_string())
            )
            .await
            .status,
            200
        );
    }
    // The non-VIP endpoints serve the plain app.
    assert_eq!(
        mock.get(Role::Plain, &format!("/v3/received?msg_ids={id}"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn bad_msg_ids_are_3002() {
    let mock = Mock::start().await;
    let hundred_and_one = (1..=101).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    for query in [
        "",
        "msg_ids=",
        "msg_ids=12,abc",
        "msg_ids=1;2",
        "msg_ids=-3",
        &format!("msg_ids={hundred_and_one}"),
    ] {
        for path in [
            "/v3/received",
            "/v3/received/detail",
            "/v3/messages",
            "/v3/messages/detail",
        ] {
            assert_jiguang_error(&mock.get(Role::Vip, &format!("{path}?{query}")).await, 400, 3002);
        }
    }
    let hundred = (1..=100).map(|i| i.to_string()).collect::<Vec<_>>().join("%2C");
    assert_eq!(
        mock.get(Role::Vip, &format!("/v3/received?msg_ids={hundred}"))
            .await
            .status,
        200,
        "100 ids, %2C commas"
    );
}

#[tokio::test]
async fn bad_status_bodies_are_3002_whatever_the_content_type() {
    let mock = Mock::start().await;
    let too_many: Vec<String> = (0..1001).map(|i| format!("id{i}")).collect();
    for body in [
        "not json".to_string(),
        "[]".into(),
        r#"{"registration_ids":["a"]}"#.into(),
        r#"{"msg_id":"123","registration_ids":["a"]}"#.into(),
        r#"{"msg_id":123}"#.into(),
        r#"{"msg_id":123,"registration_ids":"a"}"#.into(),
        r#"{"msg_id":123,"registration_ids":["a"],"date":"2026/11/20"}"#.into(),
        json!({"msg_id": 123, "registration_ids": too_many}).to_string(),
    ] {
        for content_type in [
            Some("application/json"),
            Some("text/plain; charset=utf-8"),
            Some("application/x-www-form-urlencoded"),
            None,
        ] {
            let reply = mock
                .post(Role::Vip, "/v3/status/message", content_type, body.clone())
                .await;
            assert_jiguang_error(&reply, 400, 3002);
        }
    }
    let good = r#"{"msg_id":123,"registration_ids":["a"]}"#;
    for content_type in [Some("text/plain"), Some("application/json;charset=UTF-8"), None] {
        assert_eq!(
            mock.post(Role::Vip, "/v3/report/status/message", content_type, good)
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn users_time_unit_rules_are_3004_3005_and_3002() {
    let mock = Mock::start().await;
    for (query, code) in [
        ("time_unit=DAY&start=2026-11&duration=1", 3004),
        ("time_unit=MONTH&start=2026-11-01&duration=1", 3004),
        ("time_unit=HOUR&start=2026-11-20&duration=1", 3004),
        ("time_unit=DAY&start=2026-09-01&duration=3", 3005),
        ("time_unit=HOUR&start=2026-11-19%2010&duration=2", 3005),
        ("time_unit=DAY&start=2026-11-01&duration=61", 3005),
        ("time_unit=WEEK&start=2026-11-01&duration=1", 3002),
        ("time_unit=DAY&start=2026-11-01&duration=zero", 3002),
        ("start=2026-11-01&duration=1", 3002),
    ] {
        assert_jiguang_error(&mock.get(Role::Vip, &format!("/v3/users?{query}")).await, 400, code);
    }
}

#[tokio::test]
async fn rate_limit_headers_count_down_429_at_quota_plus_one_and_clear_after_the_window() {
    let mock = Mock::start_with(|s| s.jpush_rate_limit = 5).await;
    let header =
        |reply: &reqwest::Response, name: &str| -> i64 { reply.headers()[name].to_str().unwrap().parse().unwrap() };
    let url = mock.url("/v3/received?msg_ids=1");
    let get = || {
        mock.client
            .get(&url)
            .header("Authorization", mock.basic(Role::Vip))
            .send()
    };
    for expected_remaining in (0..5).rev() {
        let reply = get().await.unwrap();
        assert_eq!(reply.status(), 200);
        assert_eq!(header(&reply, "x-rate-limit-limit"), 5);
        assert_eq!(header(&reply, "x-rate-limit-remaining"), expected_remaining);
        assert_eq!(header(&reply, "x-rate-limit-reset"), 60);
    }
    mock.advance(30).await;
    let refused = get().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(
        (
            header(&refused, "x-rate-limit-remaining"),
            header(&refused, "x-rate-limit-reset")
        ),
        (0, 30)
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], 2002);
    // Another app has its own window.
    let other = mock.get(Role::Plain, "/v3/received?msg_ids=1").await;
    assert_eq!(other.status, 200);
    mock.advance(30).await;
    let cleared = get().await.unwrap();
    assert_eq!(cleared.status(), 200);
    assert_eq!(header(&cleared, "x-rate-limit-remaining"), 4);
}

#[tokio::test]
async fn unknown_foreign_and_too_recent_ids_answer_with_msg_id_only() {
    let mock = Mock::start().await;
    let stream = mock.server.state.core.dataset.jiguang_push(0);
    let recent = recent(&stream, now() + TimeDelta::hours(2), usize::MAX);
    let too_recent = recent
        .iter()
        .find(|p| p.t_ms > now().timestamp_millis() - 60_000)
        .expect("a push in the next hours");
    mock.server
        .state
        .core
        .clock
        .set(
            chrono::DateTime::from_timestamp_millis(too_recent.t_ms + 60_000).unwrap(),
            true,
        )
        .expect("within the clock's range");
    let foreign = pushes(&mock, 1)[0].msg_id;
    let known = pushes(&mock, 0)[0].msg_id;
    let query = format!("msg_ids={},{foreign},77,{known}", too_recent.msg_id);
    let reply = mock.get(Role::Vip, &format!("/v3/received?{query}")).await;
    let items = reply.json.as_array().unwrap();
    let expected_ids = [
        too_recent.msg_id.to_string(),
        foreign.to_string(),
        "77".into(),
        known.to_string(),
    ];
    assert_eq!(
        items.iter().map(|i| i["msg_id"].as_str().unwrap()).collect::<Vec<_>>(),
        expected_ids,
        "request order"
    );
    for item in &items[..3] {
        assert_fields(item, &[("msg_id", "string")]);
    }
    assert!(items[3].get("android_received").is_some());
}

#[tokio::test]
async fn responses_have_the_documented_fields_and_types() {
    let mock = Mock::start().await;
    let id = pushes(&mock, 0)[0].msg_id;
    let count = "number|null";
    let received = mock.get(Role::Vip, &format!("/v3/received?msg_ids={id}")).await.json;
    assert_fields(
        &received[0],
        &[
            ("msg_id", "string"),
            ("android_received", count),
            ("ios_apns_sent", count),
            ("ios_apns_received", count),
            ("ios_msg_received", count),
            ("wp_mpns_sent", count),
        ],
    );
    let detail = mock
        .get(Role::Vip, &format!("/v3/report/received/detail?msg_ids={id}"))
        .await
        .json;
    assert_fields(
        &detail[0],
        &[
            ("msg_id", "string"),
            ("jpush_received", count),
            ("android_pns_sent", count),
            ("ios_apns_sent", count),
            ("ios_apns_received", count),
            ("ios_msg_received", count),
            ("wp_mpns_sent", count),
        ],
    );
    let messages = mock.get(Role::Vip, &format!("/v3/messages?msg_ids={id}")).await.json;
    assert_fields(
        &messages[0],
        &[
            ("msg_id", "string"),
            ("android", "object"),
            ("ios", "object"),
            ("winphone", "object"),
        ],
    );
    assert_fields(
        &messages[0]["android"],
        &[
            ("received", count),
            ("target", count),
            ("online_push", count),
            ("click", count),
            ("msg_click", count),
        ],
    );
    assert_fields(
        &messages[0]["ios"],
        &[
            ("apns_sent", count),
            ("apns_target", count),
            ("apns_received", count),
            ("click", count),
            ("target", count),
            ("received", count),
        ],
    );
    assert_fields(
        &messages[0]["winphone"],
        &[("mpns_target", count), ("mpns_sent", count), ("click", count)],
    );
    let full = mock
        .get(Role::Vip, &format!("/v3/messages/detail?msg_ids={id}"))
        .await
        .json;
    let d = &full[0];
    assert_fields(
        d,
        &[
            ("msg_id", "number"),
            ("jpush", "object"),
            ("android_pns", "object"),
            ("ios", "object"),
            ("winphone", "object"),
        ],
    );
    assert_fields(
        &d["jpush"],
        &[
            ("target", "number"),
            ("online_push", "number"),
            ("received", "number"),
            ("click", "number"),
            ("msg_click", "number"),
        ],
    );
    let vendors = [
        "xm_detail",
        "hw_detail",
        "mz_detail",
        "oppo_detail",
        "vivo_detail",
        "fcm_detail",
    ];
    let mut pns_fields = vec![("pns_target", "number"), ("pns_sent", "number")];
    pns_fields.extend(vendors.iter().map(|v| (*v, "object")));
    assert_fields(&d["android_pns"], &pns_fields);
    for v in vendors {
        assert_fields(&d["android_pns"][v], &[("target", "number"), ("sent", "number")]);
    }
    assert_fields(
        &d["ios"],
        &[
            ("apns_target", "number"),
            ("apns_sent", "number"),
            ("apns_received", "number"),
            ("apns_click", "number"),
            ("msg_target", "number"),
            ("msg_received", "number"),
        ],
    );
    assert_fields(
        &d["winphone"],
        &[("mpns_target", "number"), ("mpns_sent", "number"), ("click", "number")],
    );
    let users = mock
        .get(Role::Vip, "/v3/users?time_unit=DAY&start=2026-11-18&duration=3")
        .await
        .json;
    assert_fields(
        &users,
        &[
            ("time_unit", "string"),
            ("start", "string"),
            ("duration", "number"),
            ("items", "array"),
        ],
    );
    assert_eq!(
        (
            users["time_unit"].as_str(),
            users["start"].as_str(),
            users["duration"].as_u64()
        ),
        (Some("DAY"), Some("2026-11-18"), Some(3))
    );
    let times: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["time"].as_str().unwrap())
        .collect();
    assert_eq!(times, ["2026-11-18", "2026-11-19", "2026-11-20"]);
    for item in users["items"].as_array().unwrap() {
        for platform in ["android", "ios"] {
            if let Some(stats) = item.get(platform) {
                for (k, v) in stats.as_object().unwrap() {
                    assert!(
                        ["new", "online", "active"].contains(&k.as_str()) && v.as_u64().unwrap() > 0,
                        "{item}"
                    );
                }
            }
        }
    }
    let future = mock
        .get(Role::Vip, "/v3/users?time_unit=HOUR&start=2026-11-20%2013&duration=2")
        .await
        .json;
    assert_eq!(
        future["items"][0],
        json!({"time": "2026-11-20 13"}),
        "no data yet: time only"
    );
}

#[tokio::test]
async fn status_codes_distinguish_foreign_devices_non_targets_and_deliveries() {
    let mock = Mock::start().await;
    let push = pushes(&mock, 0)[3];
    let stream = mock.server.state.core.dataset.jiguang_push(0);
    let devices = &stream.devices.list;
    let non_target = (0..devices.len())
        .find(|d| stream.outcome(&push, *d as u32).is_none())
        .unwrap();
    let now_ms = now().timestamp_millis();
    let delivered = (0..devices.len())
        .find(|d| stream.outcome_at(&push, *d as u32, now_ms).is_some_and(|o| o.delivered))
        .unwrap();
    let missed = (0..devices.len())
        .find(|d| {
            stream
                .outcome_at(&push, *d as u32, now_ms)
                .is_some_and(|o| !o.delivered)
        })
        .unwrap();
    let other_app = &mock.server.state.core.dataset.devices[1].list[0].registration_id;
    let ids = [
        &devices[delivered].registration_id,
        &devices[missed].registration_id,
        &devices[non_target].registration_id,
        other_app,
        &"nonsense".to_string(),
    ];
    let body = json!({"msg_id": push.msg_id, "registration_ids": ids, "date": local_day(&push)});
    let reply = mock
        .post(
            Role::Vip,
            "/v3/status/message",
            Some("application/json"),
            body.to_string(),
        )
        .await;
    let status = |id: &String| reply.json[id.as_str()]["status"].as_u64().unwrap();
    assert_eq!(
        ids.iter().map(|id| status(id)).collect::<Vec<_>>(),
        [0, 1, 3, 2, 2],
        "{}",
        reply.text
    );
    assert_fields(&reply.json[ids[0].as_str()], &[("status", "number")]);
    // Another day: nothing was delivered on it.
    let body = json!({"msg_id": push.msg_id, "registration_ids": [ids[0]], "date": "2026-01-01"});
    let reply = mock.post(Role::Vip, "/v3/status/message", None, body.to_string()).await;
    assert_eq!(reply.json[ids[0].as_str()]["status"], 1);
    // A msg_id this app never sent: its devices are not targets.
    let body = json!({"msg_id": 5, "registration_ids": [ids[0]]});
    let reply = mock.post(Role::Vip, "/v3/status/message", None, body.to_string()).await;
    assert_eq!(reply.json[ids[0].as_str()]["status"], 3);
}

/// Every push with statistics in the retention window: counts agree with
/// `status/message`, vendor details sum to their totals, funnels never widen.
async fn check_consistency(seed: u64) {
    let mock = Mock::start_with(|s| {
        s.seed = seed;
        s.dataset.pushes_per_day = 4;
        s.dataset.devices = 400;
    })
    .await;
    let all = pushes(&mock, 0);
    assert!(all.len() > 80, "about 30 days of pushes: {}", all.len());
    let stream = mock.server.state.core.dataset.jiguang_push(0);
    let now_ms = now().timestamp_millis();
    assert!(all
        .iter()
        .all(|p| now_ms - stream.last_receipt_ms(p) <= 30 * 86_400_000));
    assert!(
        all.iter().any(|p| now_ms - p.t_ms > 30 * 86_400_000),
        "pushes sent over 30 days ago, received later, still have statistics"
    );
    let registration_ids: Vec<String> = mock.server.state.core.dataset.devices[0]
        .list
        .iter()
        .map(|d| d.registration_id.clone())
        .collect();
    for chunk in all.chunks(100) {
        let query = format!("msg_ids={}", ids(chunk));
        let received = mock.get(Role::Vip, &format!("/v3/received?{query}")).await.json;
        let detail = mock.get(Role::Vip, &format!("/v3/received/detail?{query}")).await.json;
        let messages = mock.get(Role::Vip, &format!("/v3/messages?{query}")).await.json;
        let full = mock.get(Role::Vip, &format!("/v3/messages/detail?{query}")).await.json;
        for (i, push) in chunk.iter().enumerate() {
            let n = |v: &Value| v.as_u64().unwrap_or(0);
            let body = json!({"msg_id": push.msg_id, "registration_ids": registration_ids, "date": local_day(push)});
            let statuses = mock
                .post(Role::Vip, "/v3/status/message", None, body.to_string())
                .await
                .json;
            let mut by_status: HashMap<u64, u64> = HashMap::new();
            for id in &registration_ids {
                *by_status
                    .entry(statuses[id.as_str()]["status"].as_u64().unwrap())
                    .or_default() += 1;
            }
            let delivered = by_status.get(&0).copied().unwrap_or(0);
            let r = &received[i];
            let from_received = n(&r["android_received"])
                + n(&r["ios_apns_received"])
                + n(&r["ios_msg_received"])
                + n(&r["wp_mpns_sent"]);
            assert_eq!(
                from_received, delivered,
                "seed {seed} push {}: received vs status 0",
                push.msg_id
            );
            let d = &detail[i];
            let from_detail = n(&d["jpush_received"])
                + n(&d["android_pns_sent"])
                + n(&d["ios_apns_received"])
                + n(&d["wp_mpns_sent"]);
            assert_eq!(
                from_detail, delivered,
                "seed {seed} push {}: received/detail vs status 0",
                push.msg_id
            );
            let m = &messages[i];
            let targets = n(&m["android"]["target"])
                + n(&m["ios"]["apns_target"])
                + n(&m["ios"]["target"])
                + n(&m["winphone"]["mpns_target"]);
            assert_eq!(
                targets,
                delivered + by_status.get(&1).copied().unwrap_or(0),
                "targets are status 0 or 1"
            );
            assert!(n(&m["android"]["received"]) <= n(&m["android"]["target"]));
            assert!(n(&m["android"]["online_push"]) <= n(&m["android"]["target"]));
            assert!(n(&m["android"]["click"]) + n(&m["android"]["msg_click"]) <= n(&m["android"]["received"]));
            assert!(
                n(&m["ios"]["apns_received"]) <= n(&m["ios"]["apns_target"])
                    && n(&m["ios"]["click"]) <= n(&m["ios"]["apns_received"])
            );
            assert!(n(&m["ios"]["received"]) <= n(&m["ios"]["target"]));
            let f = &full[i];
            let pns = &f["android_pns"];
            let vendors = [
                "xm_detail",
                "hw_detail",
                "mz_detail",
                "oppo_detail",
                "vivo_detail",
                "fcm_detail",
            ];
            assert_eq!(
                vendors.iter().map(|v| n(&pns[v]["target"])).sum::<u64>(),
                n(&pns["pns_target"])
            );
            assert_eq!(
                vendors.iter().map(|v| n(&pns[v]["sent"])).sum::<u64>(),
                n(&pns["pns_sent"])
            );
            assert!(n(&pns["pns_sent"]) <= n(&pns["pns_target"]));
            let j = &f["jpush"];
            assert!(n(&j["received"]) <= n(&j["target"]) && n(&j["online_push"]) <= n(&j["target"]));
            assert!(n(&j["click"]) + n(&j["msg_click"]) <= n(&j["received"]));
            assert_eq!(n(&f["ios"]["apns_received"]), n(&r["ios_apns_received"]));
        }
    }
}

#[tokio::test]
async fn received_agrees_with_status_over_the_retention_window_seed_1() {
    check_consistency(1).await;
}

#[tokio::test]
async fn received_agrees_with_status_over_the_retention_window_seed_2() {
    check_consistency(2).await;
}

#[tokio::test]
async fn beijing_alias_serves_the_same_bodies() {
    let mock = Mock::start().await;
    let query = format!("msg_ids={}", ids(&pushes(&mock, 0)[..5]));
    for path in ["received", "received/detail", "messages", "messages/detail"] {
        let main = mock.get(Role::Vip, &format!("/v3/{path}?{query}")).await;
        let alias = mock.get(Role::Vip, &format!("/v3/report/{path}?{query}")).await;
        assert_eq!(main.text, alias.text, "{path}");
    }
    let stream = mock.server.state.core.dataset.jiguang_push(0);
    assert!(!has_stats(&stream, &pushes(&mock, 0)[0], now() - TimeDelta::days(31)));
}

#[tokio::test]
async fn ids_with_leading_zeros_are_echoed_as_sent_with_the_same_counts() {
    let mock = Mock::start().await;
    let id = pushes(&mock, 0)[0].msg_id;
    let reply = mock
        .get(Role::Vip, &format!("/v3/received?msg_ids={id},00{id}"))
        .await
        .json;
    assert_eq!(reply[1]["msg_id"], format!("00{id}"));
    assert_eq!(reply[0]["android_received"], reply[1]["android_received"]);
    assert!(reply[1]["android_received"].is_u64());
}

#[tokio::test]
async fn the_same_query_answers_anew_when_the_clock_crosses_a_push_s_change_instants() {
    let mock = Mock::start().await;
    let stream = mock.server.state.core.dataset.jiguang_push(0);
    let push = recent(&stream, now() + TimeDelta::hours(3), usize::MAX)
        .into_iter()
        .find(|p| p.t_ms > now().timestamp_millis())
        .unwrap();
    let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap();
    let path = format!("/v3/received?msg_ids={}", push.msg_id);
    let has_stats = |reply: &e2e::Reply| reply.json[0].get("android_received").is_some();
    mock.server.state.core.clock.set(at(push.t_ms + 60_000), true).unwrap();
    assert!(!has_stats(&mock.get(Role::Vip, &path).await), "too recent");
    mock.advance(4 * 60).await;
    assert!(has_stats(&mock.get(Role::Vip, &path).await), "5 minutes after");
    // Kept one month after the last receipt, not after the send: stragglers receive it
    // days later.
    let last = stream.last_receipt_ms(&push);
    assert!(
        last >= push.t_ms + 86_400_000,
        "a straggler receives it a day or more later"
    );
    let target = (0..stream.devices.list.len() as u32)
        .find(|d| stream.outcome(&push, *d).is_some_and(|o| o.delivered))
        .map(|d| stream.devices.list[d as usize].registration_id.clone())
        .unwrap();
    let body = json!({"msg_id": push.msg_id, "registration_ids": [target], "date": local_day(&push)}).to_string();
    let month = 30 * 86_400_000;
    for (t, kept, why) in [
        (push.t_ms + month + 1, true, "a month after the send"),
        (last + month, true, "a month after the last receipt, to the millisecond"),
        (last + month + 1, false, "kept one month after the last receipt"),
    ] {
        mock.server.state.core.clock.set(at(t), true).unwrap();
        assert_eq!(has_stats(&mock.get(Role::Vip, &path).await), kept, "{why}");
        let reply = mock.post(Role::Vip, "/v3/status/message", None, body.clone()).await;
        let code = reply.json[target.as_str()]["status"].as_u64().unwrap();
        assert_eq!(
            code,
            if kept { 0 } else { 3 },
            "{why}: delivered while kept, then not a target"
        );
    }
}

#[tokio::test]
async fn status_without_a_date_asks_about_today_and_answers_anew_each_day() {
    let mock = Mock::start().await;
    let stream = mock.server.state.core.dataset.jiguang_push(0);
    // A push sent before 23:00 Beijing time, so that its day ends an hour or more later,
    // with a device it reached within 10 minutes.
    let by_ten_minutes = |p: &Push, d: u32| {
        stream
            .outcome_at(p, d, p.t_ms + 10 * 60_000)
            .is_some_and(|o| o.delivered)
    };
    let push = *pushes(&mock, 0)
        .iter()
        .find(|p| {
            let local = chrono::DateTime::from_timestamp_millis(p.t_ms)
                .unwrap()
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
            chrono::Timelike::hour(&local) < 23 && (0..1000).any(|d| by_ten_minutes(p, d))
        })
        .unwrap();
    let device = (0..1000).find(|d| by_ten_minutes(&push, *d)).unwrap();
    let id = stream.devices.list[device as usize].registration_id.clone();
    let body = json!({"msg_id": push.msg_id, "registration_ids": [id]}).to_string();
    let status = |reply: &e2e::Reply| reply.json[id.as_str()]["status"].as_u64().unwrap();
    mock.server
        .state
        .core
        .clock
        .set(
            chrono::DateTime::from_timestamp_millis(push.t_ms + 10 * 60_000).unwrap(),
            true,
        )
        .expect("within the clock's range");
    assert_eq!(
        status(&mock.post(Role::Vip, "/v3/status/message", None, body.clone()).await),
        0,
        "delivered today"
    );
    mock.advance(86_400).await;
    assert_eq!(
        status(&mock.post(Role::Vip, "/v3/status/message", None, body.clone()).await),
        1,
        "the next day asks about that day"
    );
}

/// 2^53: past it a JavaScript number no longer holds every integer.
const JS_SAFE_LIMIT: u64 = 1 << 53;

#[tokio::test]
async fn msg_ids_are_above_2_pow_53_by_default_and_written_exactly() {
    let mock = Mock::start().await;
    let listed = mock.samples(Role::Vip, "msg_ids").await;
    assert!(!listed.is_empty());
    for id in &listed {
        assert!(id.len() >= 17 && id.parse::<u64>().unwrap() > JS_SAFE_LIMIT, "{id}");
    }
    let ids = listed.join(",");
    for endpoint in ["received", "received/detail", "messages"] {
        let reply = mock.get(Role::Vip, &format!("/v3/{endpoint}?msg_ids={ids}")).await;
        let echoed: Vec<&str> = reply
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["msg_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            echoed,
            listed.iter().map(String::as_str).collect::<Vec<_>>(),
            "{endpoint}"
        );
    }
    let detail = mock.get(Role::Vip, &format!("/v3/messages/detail?msg_ids={ids}")).await;
    for (item, id) in detail.json.as_array().unwrap().iter().zip(&listed) {
        assert_eq!(
            item["msg_id"].as_u64().unwrap().to_string(),
            *id,
            "a JSON number, exact"
        );
        assert!(
            detail.text.contains(&format!("\"msg_id\":{id}")),
            "written digit for digit"
        );
    }
    let registration_id = &mock.samples(Role::Vip, "registration_ids").await[0];
    let body = format!(r#"{{"msg_id":{},"registration_ids":["{registration_id}"]}}"#, listed[0]);
    let status = mock.post(Role::Vip, "/v3/status/message", None, body).await;
    assert_eq!(status.status, 200, "{}", status.text);
    assert!(status.json[registration_id.as_str()]["status"].is_u64());
}

#[tokio::test]
async fn the_legacy_id_style_writes_ten_digits() {
    let mock = Mock::start_with(|s| s.jpush_msg_id_style = mock_server::dataset::push::MsgIdStyle::Legacy).await;
    let listed = mock.samples(Role::Vip, "msg_ids").await;
    assert!(
        !listed.is_empty() && listed.iter().all(|id| id.len() == 10),
        "{listed:?}"
    );
    let reply = mock
        .get(Role::Vip, &format!("/v3/received?msg_ids={}", listed[0]))
        .await;
    assert!(
        reply.json[0]["android_received"].is_u64() || reply.json[0]["ios_apns_sent"].is_u64(),
        "{}",
        reply.text
    );
}

/// `received` of one push, summed over its platforms, from `/v3/received`.
async fn received_total(mock: &Mock, msg_id: u64) -> u64 {
    let reply = mock.get(Role::Vip, &format!("/v3/received?msg_ids={msg_id}")).await;
    let n = |key: &str| reply.json[0][key].as_u64().unwrap_or(0);
    n("android_received") + n("ios_apns_received") + n("ios_msg_received") + n("wp_mpns_sent")
}

/// How many of the app's devices `status/message` reports as 0 for `push`, on its day.
async fn status_zero(mock: &Mock, push: &Push) -> u64 {
    let ids: Vec<&str> = mock.server.state.core.dataset.devices[0]
        .list
        .iter()
        .map(|d| d.registration_id.as_str())
        .collect();
    let body = json!({"msg_id": push.msg_id, "registration_ids": ids, "date": local_day(push)});
    let reply = mock.post(Role::Vip, "/v3/status/message", None, body.to_string()).await;
    ids.iter().filter(|id| reply.json[**id]["status"] == 0).count() as u64
}

#[tokio::test]
async fn deliveries_grow_on_the_mock_clock_and_agree_with_status_at_every_step() {
    let mock = Mock::start().await;
    let stream = mock.server.state.core.dataset.jiguang_push(0);
    // The newest push of the day before, so that two days later is still within retention.
    let push = stream
        .newest_first(
            now().timestamp_millis() - 2 * 86_400_000,
            now().timestamp_millis() - 86_400_000,
        )
        .next()
        .unwrap();
    let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap();
    mock.server
        .state
        .core
        .clock
        .set(at(push.t_ms + 10 * 60_000), true)
        .unwrap();
    let early = received_total(&mock, push.msg_id).await;
    assert_eq!(early, status_zero(&mock, &push).await, "10 minutes after the send");
    let mut last = early;
    // Hours, then the two days: the counts never go down, and agree with status 0 each time.
    for seconds in [600, 3_000, 3_600, 7_200, 21_600, 43_200, 86_400, 7_200] {
        mock.advance(seconds).await;
        let now_total = received_total(&mock, push.msg_id).await;
        assert!(now_total >= last, "never decreases: {last} then {now_total}");
        assert_eq!(now_total, status_zero(&mock, &push).await, "{seconds} s later");
        last = now_total;
    }
    assert!(
        push.t_ms + 2 * 86_400_000 <= mock.server.state.core.clock.now().timestamp_millis(),
        "two days have passed"
    );
    assert!(
        early < last,
        "stragglers arrive over hours and days: {early} then {last}"
    );
    let detail = mock
        .get(Role::Vip, &format!("/v3/messages/detail?msg_ids={}", push.msg_id))
        .await
        .json;
    let d = &detail[0];
    let n = |v: &Value| v.as_u64().unwrap();
    assert_eq!(
        n(&d["jpush"]["received"])
            + n(&d["android_pns"]["pns_sent"])
            + n(&d["ios"]["apns_received"])
            + n(&d["winphone"]["mpns_sent"]),
        last,
        "messages/detail agrees with received"
    );
}

#[tokio::test]
async fn a_system_error_fault_answers_status_4_for_a_share_of_ids_the_same_each_time() {
    let mock = Mock::start().await;
    let push = pushes(&mock, 0)[3];
    let rule = r#"{"match":{"family":"jpush","path":"/v3/status/message"},"effect":{"system_error":0.3}}"#;
    let added = mock.control("POST", "/_mock/faults", rule).await;
    assert_eq!(added.status, 201, "{}", added.text);
    let ids: Vec<&str> = mock.server.state.core.dataset.devices[0]
        .list
        .iter()
        .map(|d| d.registration_id.as_str())
        .collect();
    let body = json!({"msg_id": push.msg_id, "registration_ids": ids, "date": local_day(&push)}).to_string();
    let statuses = |reply: &e2e::Reply| -> Vec<u64> {
        ids.iter()
            .map(|id| reply.json[*id]["status"].as_u64().unwrap())
            .collect()
    };
    let first = statuses(&mock.post(Role::Vip, "/v3/status/message", None, body.clone()).await);
    let failed = first.iter().filter(|s| **s == 4).count();
    assert!((200..400).contains(&failed), "about 30 % of 1000 ids: {failed}");
    assert!(first.contains(&0) && first.contains(&3), "the others keep their status");
    let again = statuses(&mock.post(Role::Vip, "/v3/status/message", None, body.clone()).await);
    assert_eq!(first, again, "the same ids fail for the same rule");
    // Other endpoints pass untouched, and without the rule no id is 4.
    let received = mock
        .get(Role::Vip, &format!("/v3/received?msg_ids={}", push.msg_id))
        .await;
    assert_eq!(received.status, 200);
    assert_eq!(mock.control("DELETE", "/_mock/faults", "").await.status, 200);
    let after = statuses(&mock.post(Role::Vip, "/v3/status/message", None, body).await);
    assert!(!after.contains(&4));
    for (before, now) in first.iter().zip(&after) {
        assert!(*before == 4 || before == now);
    }
    let bad = r#"{"effect":{"system_error":1.5}}"#;
    assert_eq!(mock.control("POST", "/_mock/faults", bad).await.status, 400);
}

const TODAY_S_FIELDS: [&str; 9] = [
    "android_pns_received",
    "live_acivity_sent",
    "live_acivity_received",
    "quickapp_jpush_received",
    "quickapp_pns_sent",
    "hmos_hmpns_received",
    "hmos_hmpns_sent",
    "hmos_msg_received",
    "hmos_msg_sent",
];

#[tokio::test]
async fn the_2025_schema_adds_today_s_fields_platforms_limit_and_strings_classic_stays() {
    use mock_server::families::jpush::rules::Schema;
    let today = Mock::start_with(|s| s.jpush_schema = Schema::Today).await;
    let classic = Mock::start().await;
    let recent = pushes(&today, 0);
    let ids = ids(&recent[..10]);
    let detail = today
        .get(Role::Vip, &format!("/v3/received/detail?msg_ids={ids}"))
        .await;
    for item in detail.json.as_array().unwrap() {
        for field in TODAY_S_FIELDS {
            assert!(item.get(field).is_some(), "{field} in {item}");
        }
    }
    let hmos: u64 = detail
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["hmos_msg_received"].as_u64().or(i["hmos_hmpns_received"].as_u64()))
        .sum();
    assert!(hmos > 0, "HarmonyOS devices receive pushes: {}", detail.text);
    // Every count of today's fields is one of status 0.
    let push = recent[0];
    let d = &today
        .get(Role::Vip, &format!("/v3/received/detail?msg_ids={}", push.msg_id))
        .await
        .json[0];
    let n = |key: &str| d[key].as_u64().unwrap_or(0);
    let sum = [
        "jpush_received",
        "android_pns_sent",
        "ios_apns_received",
        "wp_mpns_sent",
        "hmos_hmpns_received",
        "hmos_msg_received",
        "quickapp_jpush_received",
        "quickapp_pns_sent",
    ]
    .iter()
    .map(|k| n(k))
    .sum::<u64>();
    assert_eq!(sum, status_zero(&today, &push).await, "{d}");
    let classic_detail = classic
        .get(
            Role::Vip,
            &format!("/v3/received/detail?msg_ids={}", pushes(&classic, 0)[0].msg_id),
        )
        .await;
    for field in TODAY_S_FIELDS {
        assert!(classic_detail.json[0].get(field).is_none(), "classic has no {field}");
    }
    // The users platforms.
    let users = today
        .get(Role::Vip, "/v3/users?time_unit=DAY&start=2026-11-19&duration=1")
        .await
        .json;
    for platform in ["hmos", "quickapp"] {
        assert!(users["items"][0][platform]["online"].is_u64(), "{platform}: {users}");
    }
    let classic_users = classic
        .get(Role::Vip, "/v3/users?time_unit=DAY&start=2026-11-19&duration=1")
        .await
        .json;
    assert!(classic_users["items"][0].get("hmos").is_none());
    // 28 days: older pushes are refused today, answered in classic.
    let old = pushes(&today, 0)
        .into_iter()
        .find(|p| now().timestamp_millis() - p.t_ms > 29 * 86_400_000)
        .unwrap();
    let refused = today
        .get(Role::Vip, &format!("/v3/received?msg_ids={}", old.msg_id))
        .await;
    assert_jiguang_error(&refused, 400, 3005);
    assert!(refused.json["error"]["message"].as_str().unwrap().contains("28 days"));
    let body = json!({"msg_id": old.msg_id, "registration_ids": ["x"]}).to_string();
    assert_jiguang_error(
        &today.post(Role::Vip, "/v3/status/message", None, body).await,
        400,
        3005,
    );
    let old_classic = pushes(&classic, 0)
        .into_iter()
        .find(|p| now().timestamp_millis() - p.t_ms > 29 * 86_400_000)
        .unwrap();
    let answered = classic
        .get(Role::Vip, &format!("/v3/received?msg_ids={}", old_classic.msg_id))
        .await;
    assert_eq!(answered.status, 200);
    assert!(answered.json[0].get("android_received").is_some());
    // Today's 429 message.
    let limited = today
        .control("PUT", "/_mock/rate-limits", r#"{"jpush":{"limit":2}}"#)
        .await;
    assert_eq!(limited.status, 200, "{}", limited.text);
    let mut last = today.get(Role::Vip, "/v3/received?msg_ids=1").await;
    for _ in 0..3 {
        last = today.get(Role::Vip, "/v3/received?msg_ids=1").await;
    }
    assert_jiguang_error(&last, 429, 2002);
    assert_eq!(last.json["error"]["message"], "Rate limit exceeded");
}
