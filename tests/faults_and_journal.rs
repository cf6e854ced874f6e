//! Fault injection, run-time rate limits, the request journal and reset (SPEC §5): each
//! effect and each scope for each family, reproducible fractions, bounded journal, each
//! contract warning for the traffic that causes it and none for clean traffic.

use std::{
    io::{Read, Write},
    time::Duration,
};

use e2e::{assert_jiguang_error, enc, local, Mock, Reply, Role};
use serde_json::{json, Value};

async fn add_fault(mock: &Mock, rule: Value) -> u64 {
    let reply = mock.control("POST", "/_mock/faults", rule.to_string()).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json["id"].as_u64().unwrap()
}

fn history_path() -> String {
    format!(
        "/v2/messages?count=5&begin_time={}&end_time={}",
        enc(&local(-3600)),
        enc(&local(0))
    )
}

/// A request path of each family (Easemob: an org/app path, which answers in Easemob's
/// shape).
fn family_path(family: &str) -> String {
    match family {
        "jpush" => "/v3/received?msg_ids=1".to_string(),
        "jmessage" => history_path(),
        _ => "/demo-org/demo-app/chatmessages/2026112010".to_string(),
    }
}

/// One request of `family`, with the VIP app's Basic auth.
async fn hit(mock: &Mock, family: &str) -> Reply {
    mock.get(Role::Vip, &family_path(family)).await
}

async fn journal(mock: &Mock, query: &str) -> Vec<Value> {
    mock.get_with(None, &format!("/_mock/journal?{query}")).await.json["entries"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn status_faults_use_each_familys_shape_and_code() {
    let mock = Mock::start().await;
    for (family, status, code) in [
        ("jpush", 429, json!(2002)),
        ("jpush", 500, json!(10)),
        ("jpush", 503, json!(10)),
        ("jmessage", 429, json!(899030)),
        ("jmessage", 500, json!(899000)),
        ("jmessage", 503, json!(899030)),
        ("easemob", 429, json!("reach_limit")),
        ("easemob", 500, json!("internal_server_error")),
        ("easemob", 503, json!("service_unavailable")),
    ] {
        add_fault(
            &mock,
            json!({"match": {"family": family}, "effect": {"status": status}, "times": 1}),
        )
        .await;
        let reply = hit(&mock, family).await;
        assert_eq!(reply.status, status, "{family} {status}: {}", reply.text);
        assert!(reply.content_type.starts_with("application/json"));
        if family == "easemob" {
            assert_eq!(reply.json["error"], code);
            for key in ["exception", "timestamp", "duration", "error_description"] {
                assert!(reply.json.get(key).is_some(), "{key}: {}", reply.text);
            }
        } else {
            assert_jiguang_error(&reply, status, code.as_u64().unwrap());
        }
        let normal = hit(&mock, family).await;
        assert_ne!(normal.status, status, "times: 1 applies once");
    }
    // A JPush 429 carries the rate-limit headers of an exhausted window.
    add_fault(
        &mock,
        json!({"match": {"family": "jpush"}, "effect": {"status": 429}, "times": 1}),
    )
    .await;
    let response = mock
        .client
        .get(mock.url("/v3/received?msg_ids=1"))
        .header("Authorization", mock.basic(Role::Vip))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-rate-limit-remaining"], "0");
    assert_eq!(response.headers()["x-rate-limit-limit"], "2400");
    assert_eq!(response.headers()["x-rate-limit-reset"], "60");
}

#[tokio::test]
async fn a_delay_holds_only_its_own_request() {
    let mock = Mock::start().await;
    let rule = add_fault(
        &mock,
        json!({"match": {"path": "/v3/*"}, "effect": {"delay_ms": [400, 500]}, "times": 1}),
    )
    .await;
    let mut delayed = std::pin::pin!(mock.get(Role::Vip, "/v3/received?msg_ids=1"));
    let other = async {
        // The rule is good for one request: once it is spent, the delay holds that request.
        while mock.get_with(None, "/_mock/faults").await.json["faults"][0]["state"] != "spent" {
            tokio::task::yield_now().await;
        }
        mock.get(Role::Vip, &history_path()).await
    };
    // No time limit: that the other request is answered first is the proof.
    let other = tokio::select! {
        biased;
        reply = other => reply,
        reply = &mut delayed => panic!("the delayed request was answered ({}) before the other one", reply.status),
    };
    assert_eq!(other.status, 200, "{}", other.text);
    let delayed = delayed.await;
    assert_eq!(delayed.status, 200, "{}", delayed.text);
    // The journal, in the order requests finished: the other one, untouched; then the
    // delayed one, with its rule, held at least the shortest delay of the range.
    let entries = journal(&mock, "").await;
    let paths: Vec<&Value> = entries.iter().map(|entry| &entry["path"]).collect();
    assert_eq!(paths, [&json!("/v2/messages"), &json!("/v3/received")], "{entries:?}");
    assert_eq!(entries[0].get("fault"), None, "{entries:?}");
    assert_eq!(entries[1]["fault"], rule, "{entries:?}");
    let held = entries[1]["latency_ms"].as_f64().unwrap();
    assert!(held >= 400.0, "held {held} ms");
}

#[tokio::test]
async fn a_drop_closes_the_connection_without_an_answer() {
    let mock = Mock::start().await;
    for family in ["jpush", "jmessage", "easemob"] {
        add_fault(
            &mock,
            json!({"match": {"family": family}, "effect": {"drop": true}, "times": 1}),
        )
        .await;
        let response = raw_get(&mock, &family_path(family)).await;
        assert!(response.is_empty(), "{family}: nothing is sent, got {response:?}");
        assert_eq!(
            hit(&mock, family).await.status / 100,
            if family == "easemob" { 4 } else { 2 },
            "the server keeps serving"
        );
    }
}

#[tokio::test]
async fn a_truncation_promises_more_body_than_it_sends() {
    let mock = Mock::start().await;
    for family in ["jpush", "jmessage", "easemob"] {
        add_fault(
            &mock,
            json!({"match": {"family": family}, "effect": {"truncate": true}, "times": 1}),
        )
        .await;
        let response = raw_get(&mock, &family_path(family)).await;
        let (head, body) = response
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{family}: {response:?}"));
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap_or_else(|| panic!("{family}: no content-length in {head}"));
        assert!(body.len() < length, "{family}: {} of {length} bytes", body.len());
    }
}

/// A GET over a fresh connection, as sent (raw spaces included); returns whatever arrived
/// before the server closed the connection. Runs on a blocking thread: the server shares
/// the test's runtime.
async fn raw_get(mock: &Mock, path: &str) -> String {
    let (addr, request) = (
        mock.server.addr,
        format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
            mock.basic(Role::Vip)
        ),
    );
    tokio::task::spawn_blocking(move || read_all(addr, &request))
        .await
        .unwrap()
}

fn read_all(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    // A silent server ends the read by its timeout (an error), so this cannot hang.
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn matching_by_method_path_and_app_key() {
    let mock = Mock::start().await;
    let (plain_key, _) = mock.credentials(Role::Plain);
    add_fault(
        &mock,
        json!({"match": {"method": "GET", "path": "/v2/*/messages*", "app_key": plain_key}, "effect": {"status": 500}}),
    )
    .await;
    let user = mock.samples(Role::Plain, "usernames").await[0].clone();
    let query = history_path().split_once('?').unwrap().1.to_owned();
    assert_eq!(
        mock.get(Role::Plain, &format!("/v2/users/{user}/messages?{query}"))
            .await
            .status,
        500
    );
    let vip_user = mock.samples(Role::Vip, "usernames").await[0].clone();
    assert_eq!(
        mock.get(Role::Vip, &format!("/v2/users/{vip_user}/messages?{query}"))
            .await
            .status,
        200,
        "other app"
    );
    assert_eq!(mock.get(Role::Plain, &history_path()).await.status, 200, "other path");
    let posted = mock
        .post(Role::Plain, &format!("/v2/users/{user}/messages"), None, "")
        .await;
    assert_eq!(posted.status, 405, "other method");
}

#[tokio::test]
async fn until_follows_the_mock_clock() {
    let mock = Mock::start().await;
    add_fault(
        &mock,
        json!({"match": {"family": "jmessage"}, "effect": {"status": 503}, "until": "2026-11-20T12:05:00+08:00"}),
    )
    .await;
    assert_eq!(hit(&mock, "jmessage").await.status, 503);
    assert_eq!(hit(&mock, "jmessage").await.status, 503);
    mock.advance(300).await;
    assert_eq!(hit(&mock, "jmessage").await.status, 200);
    let rules = mock.get_with(None, "/_mock/faults").await.json["faults"].clone();
    assert_eq!(rules.as_array().unwrap().len(), 1, "{rules}");
    assert_eq!(rules[0]["state"], "spent", "a finished rule stays listed: {rules}");
    assert_eq!(
        (rules[0]["matched"].as_u64(), rules[0]["applied"].as_u64()),
        (Some(2), Some(2))
    );
}

#[tokio::test]
async fn a_spent_rule_stays_listed_with_its_counts_until_deleted() {
    let mock = Mock::start().await;
    let spent = add_fault(
        &mock,
        json!({"match": {"family": "jpush"}, "effect": {"status": 500}, "times": 2}),
    )
    .await;
    let live = add_fault(&mock, json!({"match": {"path": "/nothing"}, "effect": {"drop": true}})).await;
    let statuses = futures_statuses(&mock, 3).await;
    assert_eq!(statuses, [500, 500, 200]);
    let rules = mock.get_with(None, "/_mock/faults").await.json["faults"].clone();
    let summary: Vec<(u64, &str, u64, u64)> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_u64().unwrap();
            (n("id"), r["state"].as_str().unwrap(), n("matched"), n("applied"))
        })
        .collect();
    assert_eq!(summary, [(spent, "spent", 2, 2), (live, "active", 0, 0)], "{rules}");
    assert_eq!(rules[0]["times"], 0, "no applications left");
    let journal = journal(&mock, "family=jpush").await;
    let faults: Vec<&Value> = journal.iter().map(|e| &e["fault"]).collect();
    assert_eq!(faults, [&json!(spent), &json!(spent), &Value::Null]);
    let deleted = mock.control("DELETE", &format!("/_mock/faults/{spent}"), "").await;
    assert_eq!((deleted.status, &deleted.json), (200, &json!({"deleted": 1})));
    let rules = mock.get_with(None, "/_mock/faults").await.json["faults"].clone();
    assert_eq!(rules.as_array().unwrap().len(), 1, "{rules}");
    let reset = mock.control("POST", "/_mock/reset", "").await;
    assert_eq!(reset.status, 200);
    assert_eq!(mock.get_with(None, "/_mock/faults").await.json["faults"], json!([]));
}

async fn faulted_pattern(seed: u64) -> Vec<bool> {
    let mock = Mock::start_with(|s| s.seed = seed).await;
    add_fault(
        &mock,
        json!({"match": {"family": "jpush"}, "effect": {"status": 503}, "fraction": 0.25}),
    )
    .await;
    let mut pattern = Vec::new();
    for _ in 0..80 {
        pattern.push(hit(&mock, "jpush").await.status == 503);
    }
    pattern
}

#[tokio::test]
async fn fractions_fault_a_reproducible_share() {
    let (a, b, c) = (
        faulted_pattern(5).await,
        faulted_pattern(5).await,
        faulted_pattern(6).await,
    );
    assert_eq!(a, b, "same seed, same faulted requests");
    assert_ne!(a, c);
    let share = a.iter().filter(|f| **f).count();
    assert!((8..35).contains(&share), "{share} of 80 at 0.25");
}

#[tokio::test]
async fn faults_are_listed_deleted_and_checked() {
    let mock = Mock::start().await;
    let first = add_fault(&mock, json!({"effect": {"status": 500}, "times": 3})).await;
    let second = add_fault(&mock, json!({"match": {"family": "easemob"}, "effect": {"drop": true}})).await;
    let listed = mock.get_with(None, "/_mock/faults").await.json;
    let rules = listed["faults"].as_array().unwrap();
    assert_eq!(
        rules.iter().map(|r| r["id"].as_u64().unwrap()).collect::<Vec<_>>(),
        [first, second]
    );
    assert_eq!(rules[0]["times"], 3);
    assert_eq!(rules[1]["match"]["family"], "easemob");
    let deleted = mock.control("DELETE", &format!("/_mock/faults/{first}"), "").await;
    assert_eq!(deleted.status, 200);
    let again = mock.control("DELETE", &format!("/_mock/faults/{first}"), "").await;
    assert_jiguang_error(&again, 404, 404);
    let all = mock.control("DELETE", "/_mock/faults", "").await;
    assert_eq!(all.json["deleted"], 1);
    for bad in [
        json!({"effect": {"status": 404}}),
        json!({"effect": {"status": 500}, "times": 1, "until": "2026-11-21T00:00:00Z"}),
        json!({"match": {"family": "mqtt"}, "effect": {"drop": true}}),
        json!({"effect": {"delay_ms": [9, 1]}}),
    ] {
        let reply = mock.control("POST", "/_mock/faults", bad.to_string()).await;
        assert_jiguang_error(&reply, 400, 400);
    }
    // The control API itself is never faulted.
    add_fault(&mock, json!({"effect": {"status": 503}})).await;
    assert_eq!(mock.get_with(None, "/_mock/health").await.status, 200);
}

#[tokio::test]
async fn startup_faults_apply_and_reset_restores_the_startup_state() {
    let startup_rule =
        serde_json::from_value(json!({"match": {"path": "/v3/users"}, "effect": {"status": 503}})).unwrap();
    let mock = Mock::start_with(|s| {
        s.faults = vec![startup_rule];
        s.jpush_rate_limit = 3;
    })
    .await;
    let users = "/v3/users?time_unit=DAY&start=2026-11-19&duration=1";
    assert_eq!(
        mock.get(Role::Vip, users).await.status,
        503,
        "a fault from the settings"
    );
    add_fault(
        &mock,
        json!({"match": {"family": "jmessage"}, "effect": {"status": 500}}),
    )
    .await;
    let set = mock
        .control("PUT", "/_mock/rate-limits", r#"{"jpush":{"limit":100}}"#)
        .await;
    assert_eq!(set.json["jpush"]["limit"], 100);
    mock.advance(3600).await;
    for _ in 0..5 {
        mock.get(Role::Vip, "/v3/received?msg_ids=1").await;
    }
    assert!(!journal(&mock, "").await.is_empty());

    let reset = mock.control("POST", "/_mock/reset", "").await;
    assert_eq!(reset.status, 200);
    assert_eq!(mock.get_with(None, "/_mock/clock").await.json["now"], e2e::NOW);
    assert!(journal(&mock, "").await.is_empty());
    let rules = mock.get_with(None, "/_mock/faults").await.json["faults"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rules.len(), 1, "only the startup fault: {rules:?}");
    assert_eq!(
        mock.get_with(None, "/_mock/rate-limits").await.json["jpush"]["limit"],
        3
    );
    assert_eq!(
        mock.get(Role::Vip, &history_path()).await.status,
        200,
        "the added fault is gone"
    );
    let statuses: Vec<u16> = futures_statuses(&mock, 4).await;
    assert_eq!(statuses, [200, 200, 200, 429], "a fresh window with the startup quota");
}

async fn futures_statuses(mock: &Mock, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(mock.get(Role::Vip, "/v3/received?msg_ids=1").await.status);
    }
    statuses
}

#[tokio::test]
async fn rate_limits_change_at_run_time_on_the_mock_clock() {
    let mock = Mock::start().await;
    let set = mock
        .control(
            "PUT",
            "/_mock/rate-limits",
            r#"{"jpush":{"limit":2,"window_seconds":10}}"#,
        )
        .await;
    assert_eq!(set.json["jpush"], json!({"limit": 2, "window_seconds": 10}));
    assert_eq!(
        set.json["easemob"],
        json!({"limit": 10, "window_seconds": 60}),
        "untouched"
    );
    assert_eq!(futures_statuses(&mock, 3).await, [200, 200, 429]);
    mock.advance(10).await;
    assert_eq!(futures_statuses(&mock, 1).await, [200]);
    let bad = mock
        .control("PUT", "/_mock/rate-limits", r#"{"jpush":{"quota":2}}"#)
        .await;
    assert_jiguang_error(&bad, 400, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_records_requests_and_stays_bounded() {
    let mock = Mock::start().await;
    let path = history_path();
    let reply = mock.get(Role::Vip, &path).await;
    let entries = journal(&mock, "family=jmessage").await;
    let entry = &entries[0];
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["path"], "/v2/messages");
    assert_eq!(entry["query"], path.split_once('?').unwrap().1);
    assert_eq!(entry["status"], reply.status);
    assert_eq!(entry["app"], mock.credentials(Role::Vip).0);
    assert_eq!(entry["time"], "2026-11-20T12:00:00+08:00");
    assert!(entry["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(entry["warnings"], json!([]));
    assert!(journal(&mock, "family=jpush").await.is_empty());
    assert!(journal(&mock, "status=404").await.is_empty());
    assert_eq!(journal(&mock, "path=/v2/*").await.len(), 1);
    assert!(mock.get_with(None, "/_mock/journal?status=abc").await.status == 400);

    // 10,000 requests from 8 concurrent clients.
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, auth) = (
                mock.client.clone(),
                mock.url("/v3/received?msg_ids=1"),
                mock.basic(Role::Vip),
            );
            tokio::spawn(async move {
                for _ in 0..1250 {
                    client.get(&url).header("Authorization", &auth).send().await.unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(
        journal(&mock, "limit=1000").await.len(),
        1000,
        "bounded at the default size"
    );
    let cleared = mock.control("DELETE", "/_mock/journal", "").await;
    assert_eq!(cleared.status, 200);
    assert!(journal(&mock, "").await.is_empty());
}

async fn warnings_of(mock: &Mock) -> Vec<String> {
    journal(mock, "")
        .await
        .iter()
        .flat_map(|e| {
            e["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn clean_traffic_raises_no_warnings() {
    let mock = Mock::start().await;
    let first = mock.get(Role::Vip, &history_path()).await;
    let cursor = first.json["cursor"].as_str().unwrap();
    mock.get(Role::Vip, &format!("/v2/messages?cursor={cursor}")).await;
    mock.get(Role::Plain, "/v1/messages?start=0&count=3").await;
    mock.get(Role::Vip, "/v3/received?msg_ids=1%2C2").await;
    mock.get(Role::Vip, "/v3/users?time_unit=DAY&start=2026-11-19&duration=1")
        .await;
    mock.get(
        Role::Vip,
        "/v2/statistic/messages?time_unit=DAY&start=2026-11-19&duration=1",
    )
    .await;
    mock.post(
        Role::Vip,
        "/v3/status/message",
        Some("application/json"),
        r#"{"msg_id":1,"registration_ids":["a"]}"#,
    )
    .await;
    assert_eq!(journal(&mock, "").await.len(), 7);
    assert!(
        journal(&mock, "warnings=true").await.is_empty(),
        "{:?}",
        warnings_of(&mock).await
    );
}

/// Client behaviour the journal warns about.
#[derive(Debug, Clone, Copy)]
enum Misuse {
    RawSpace,
    CountWithCursor,
    ExpiredCursor,
    EarlyRetry,
    UnknownParameter,
    UnknownApp,
    NoAuth,
}

impl Misuse {
    const ALL: [Misuse; 7] = [
        Misuse::RawSpace,
        Misuse::CountWithCursor,
        Misuse::ExpiredCursor,
        Misuse::EarlyRetry,
        Misuse::UnknownParameter,
        Misuse::UnknownApp,
        Misuse::NoAuth,
    ];

    /// Part of the warning this misuse raises.
    fn warning(self) -> &'static str {
        match self {
            Misuse::RawSpace => "raw space",
            Misuse::CountWithCursor => "sent together with cursor",
            Misuse::ExpiredCursor => "after it expired",
            Misuse::EarlyRetry => "before the wait",
            Misuse::UnknownParameter => "unknown parameter `colour`",
            Misuse::UnknownApp => "unknown app",
            Misuse::NoAuth => "no HTTP Basic",
        }
    }

    async fn commit(self, m: &Mock) {
        match self {
            Misuse::RawSpace => {
                raw_get(
                    m,
                    &format!("/v2/messages?count=1&begin_time={}&end_time={}", local(-60), local(0)),
                )
                .await;
            }
            Misuse::CountWithCursor | Misuse::ExpiredCursor => {
                let first = m.get(Role::Vip, &history_path()).await;
                let cursor = first.json["cursor"].as_str().unwrap().to_owned();
                if let Misuse::CountWithCursor = self {
                    m.get(Role::Vip, &format!("/v2/messages?cursor={cursor}&count=5")).await;
                } else {
                    m.advance(121).await;
                    m.get(Role::Vip, &format!("/v2/messages?cursor={cursor}")).await;
                }
            }
            Misuse::EarlyRetry => {
                m.get(Role::Vip, "/v3/received?msg_ids=1").await;
                assert_eq!(m.get(Role::Vip, "/v3/received?msg_ids=1").await.status, 429);
                m.get(Role::Vip, "/v3/received?msg_ids=1").await;
            }
            Misuse::UnknownParameter => {
                m.get(Role::Plain, "/v1/messages?start=0&count=1&colour=red").await;
            }
            Misuse::UnknownApp => {
                m.get_with(
                    Some("Basic YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhOmI="),
                    "/v1/messages?start=0&count=1",
                )
                .await;
            }
            Misuse::NoAuth => {
                m.get_with(None, "/v3/received?msg_ids=1").await;
            }
        }
    }
}

#[tokio::test]
async fn each_warning_appears_for_the_traffic_that_causes_it() {
    let mock = Mock::start_with(|s| s.jpush_rate_limit = 1).await;
    for misuse in Misuse::ALL {
        mock.control("POST", "/_mock/reset", "").await;
        misuse.commit(&mock).await;
        let warnings = warnings_of(&mock).await;
        assert!(
            warnings.iter().any(|w| w.contains(misuse.warning())),
            "{misuse:?}: {warnings:?}"
        );
    }
}

#[tokio::test]
async fn journal_entries_carry_headers_without_secrets_body_size_status_and_latency() {
    let mock = Mock::start().await;
    let (key, secret) = mock.credentials(Role::Vip);
    let body = r#"{"msg_id": 1, "registration_ids": ["a"]}"#;
    let posted = mock
        .send(
            mock.client
                .post(mock.url("/v3/status/message?token=hunter2"))
                .header("Authorization", mock.basic(Role::Vip))
                .header("User-Agent", "sdk-under-test/1.0")
                .header("Cookie", "session=abc")
                .body(body),
        )
        .await;
    let entries = journal(&mock, "path=/v3/status/message").await;
    let entry = &entries[0];
    assert_eq!(entry["status"], posted.status);
    assert!(entry["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{entry}");
    assert_eq!(entry["body_bytes"], body.len());
    assert_eq!(entry["query"], "token=REDACTED");
    assert_eq!(entry["headers"]["authorization"], "Basic REDACTED");
    assert_eq!(entry["headers"]["cookie"], "REDACTED");
    assert_eq!(entry["headers"]["user-agent"], "sdk-under-test/1.0");
    assert_eq!(entry["family"], "jpush");
    assert_eq!(entry["app"], key.as_str());
    let text = entry.to_string();
    for secret in [secret.as_str(), "hunter2", "session=abc", &mock.basic(Role::Vip)[6..]] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // A chunked body has no Content-Length: its size is what the handler read.
    let chunked = format!(
        "POST /v3/status/message HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n3\r\n!!!\r\n0\r\n\r\n",
        mock.basic(Role::Vip)
    );
    let addr = mock.server.addr;
    let answer = tokio::task::spawn_blocking(move || read_all(addr, &chunked))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let entries = journal(&mock, "family=jpush").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[1]["status"].as_u64(), entries[1]["body_bytes"].as_u64()),
        (Some(400), Some(8))
    );
    assert_eq!(entries[1]["headers"]["transfer-encoding"], "chunked");
}

#[tokio::test]
async fn the_journal_filters_by_app_and_counts_and_refuses_bad_filters() {
    let mock = Mock::start().await;
    let (vip, _) = mock.credentials(Role::Vip);
    let (plain, _) = mock.credentials(Role::Plain);
    for role in [Role::Vip, Role::Plain, Role::Vip] {
        mock.get(role, "/v3/received?msg_ids=1").await;
    }
    mock.get_with(None, "/v3/received?msg_ids=1").await;
    assert_eq!(journal(&mock, &format!("app={vip}")).await.len(), 2);
    assert_eq!(journal(&mock, &format!("app={plain}")).await.len(), 1);
    assert_eq!(count(&mock, "").await, 4);
    assert_eq!(count(&mock, "status=401").await, 1);
    assert_eq!(count(&mock, "status=200&path=/v3/*").await, 3);
    assert_eq!(count(&mock, "since=2").await, 2);
    assert_eq!(count(&mock, "warnings=true").await, 1);
    let by_app = mock.get_with(None, &format!("/_mock/journal/count?app={plain}")).await;
    assert_eq!(by_app.json, json!({"count": 1}));
    for bad in [
        "status=abc",
        "status=42",
        "since=-1",
        "limit=0",
        "limit=1001",
        "family=mqtt",
        "warnings=yes",
        "stauts=400",
    ] {
        for path in ["/_mock/journal", "/_mock/journal/count"] {
            let reply = mock.get_with(None, &format!("{path}?{bad}")).await;
            assert_jiguang_error(&reply, 400, 400);
            assert!(
                reply.text.contains(bad.split('=').next().unwrap()),
                "{bad}: {}",
                reply.text
            );
        }
    }
    let long_path = format!("/_mock/journal?path={}", "p".repeat(3000));
    assert_jiguang_error(&mock.get_with(None, &long_path).await, 400, 400);
}

async fn count(mock: &Mock, query: &str) -> u64 {
    let reply = mock.get_with(None, &format!("/_mock/journal/count?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["count"].as_u64().unwrap()
}
