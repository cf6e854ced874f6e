//! The control API under hostile input: the clock cannot be pushed out of its range (and
//! never stops answering), fault rules are capped and checked, rate limits are refused
//! rather than clamped, and the guard keeps web pages and token-less callers out.

use e2e::{assert_jiguang_error, Mock, Reply, Role};
use mock_server::settings::ControlToken;

/// Every reply to a hostile control call is a 200 or a JSON 400 in the control shape.
fn assert_ok_or_400(reply: &Reply, what: &str) {
    match reply.status {
        200 => assert!(reply.json["now"].is_string(), "{what}: {}", reply.text),
        _ => assert_jiguang_error(reply, 400, 400),
    }
}

/// The clock and a vendor request still answer 200.
async fn assert_still_serving(mock: &Mock, what: &str) {
    let clock = mock.get_with(None, "/_mock/clock").await;
    assert_eq!(clock.status, 200, "{what}: {}", clock.text);
    let vendor = mock.get(Role::Vip, "/v1/messages?start=0&count=1").await;
    assert_eq!(vendor.status, 200, "{what}: {}", vendor.text);
}

#[tokio::test]
async fn the_clock_survives_extreme_advances_and_instants_frozen_or_running() {
    let advances = [
        "999999999999",
        "-999999999999",
        "1e300",
        "-1e300",
        "1.7976931348623157e308",
        "3155760000",
        "-3155760000",
        "NaN",
        "Infinity",
        "\"inf\"",
        "null",
    ];
    let instants = [
        "+262142-12-31T23:59:59Z",
        "-262143-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2100-01-01T00:00:01Z",
        "2099-12-31T23:59:59Z",
        "2000-01-01T00:00:00Z",
    ];
    for running in [false, true] {
        let mock = Mock::start().await;
        if running {
            let reply = mock.control("PUT", "/_mock/clock", r#"{"frozen":false}"#).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
        for seconds in advances {
            for _ in 0..9 {
                let body = format!(r#"{{"seconds":{seconds}}}"#);
                let reply = mock.control("POST", "/_mock/clock/advance", body).await;
                assert_ok_or_400(&reply, seconds);
            }
            assert_still_serving(&mock, seconds).await;
        }
        for instant in instants {
            let body = format!(r#"{{"now":"{instant}","frozen":{}}}"#, !running);
            let reply = mock.control("PUT", "/_mock/clock", body).await;
            assert_ok_or_400(&reply, instant);
            // Then as far as an advance can go from there.
            let reply = mock
                .control("POST", "/_mock/clock/advance", r#"{"seconds":3155760000}"#)
                .await;
            assert_ok_or_400(&reply, instant);
        }
        assert_still_serving(&mock, "after the instants").await;
    }
}

#[tokio::test]
async fn refused_clock_moves_change_nothing_and_name_the_range() {
    let mock = Mock::start().await;
    let before = mock.get_with(None, "/_mock/clock").await.json;
    for _ in 0..9 {
        let reply = mock
            .control("POST", "/_mock/clock/advance", r#"{"seconds":999999999999}"#)
            .await;
        assert_jiguang_error(&reply, 400, 400);
    }
    let far = mock
        .control("PUT", "/_mock/clock", r#"{"now":"2100-01-01T00:00:01Z"}"#)
        .await;
    assert_jiguang_error(&far, 400, 400);
    let message = far.json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("2000-01-01") && message.contains("2100-01-01"),
        "{message}"
    );
    assert_eq!(mock.get_with(None, "/_mock/clock").await.json, before);
    // The range's edges are inside it.
    for edge in ["2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"] {
        let body = format!(r#"{{"now":"{edge}"}}"#);
        let reply = mock.control("PUT", "/_mock/clock", body).await;
        assert_eq!(reply.status, 200, "{edge}: {}", reply.text);
    }
    let past_the_end = mock
        .control("POST", "/_mock/clock/advance", r#"{"seconds":0.001}"#)
        .await;
    assert_jiguang_error(&past_the_end, 400, 400);
}

#[tokio::test]
async fn vendor_routes_answer_at_both_ends_of_the_clock_range() {
    let mock = Mock::start().await;
    let paths = [
        "/v1/messages?start=0&count=5",
        "/v2/messages?count=5&begin_time=2000-01-01%2000:00:00&end_time=2000-01-03%2000:00:00",
        "/v2/messages?count=5&begin_time=2099-12-25%2000:00:00&end_time=2099-12-31%2023:59:59",
        "/v3/received?msg_ids=1000000000",
        "/v3/messages/detail?msg_ids=1000000000",
    ];
    for edge in ["2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"] {
        let body = format!(r#"{{"now":"{edge}","frozen":true}}"#);
        assert_eq!(mock.control("PUT", "/_mock/clock", body).await.status, 200);
        for path in paths {
            let reply = mock.get(Role::Vip, path).await;
            assert!(reply.status < 500, "{edge} {path}: {} {}", reply.status, reply.text);
            assert!(!reply.json.is_null(), "{edge} {path}: JSON, got {}", reply.text);
        }
        assert_eq!(mock.get_with(None, "/_mock/apps").await.status, 200, "{edge}");
    }
}

const NOTHING: &str = r#"{"match":{"path":"/nothing/*"},"effect":{"status":500}}"#;

#[tokio::test]
async fn fault_rules_are_capped_at_100_and_each_field_is_checked() {
    let mock = Mock::start().await;
    for n in 0..100 {
        let reply = mock.control("POST", "/_mock/faults", NOTHING).await;
        assert_eq!(reply.status, 201, "rule {n}: {}", reply.text);
    }
    let over = mock.control("POST", "/_mock/faults", NOTHING).await;
    assert_jiguang_error(&over, 400, 400);
    assert!(over.json["error"]["message"].as_str().unwrap().contains("100"));
    let listed = mock.get_with(None, "/_mock/faults").await;
    assert_eq!(listed.json["faults"].as_array().unwrap().len(), 100);
    let id = listed.json["faults"][0]["id"].as_u64().unwrap();
    assert_eq!(
        mock.control("DELETE", &format!("/_mock/faults/{id}"), "").await.status,
        200
    );
    assert_eq!(mock.control("POST", "/_mock/faults", NOTHING).await.status, 201);
    assert_eq!(mock.control("DELETE", "/_mock/faults", "").await.status, 200);

    let long = "x".repeat(1025);
    for bad in [
        r#"{"effect":{"status":500},"times":0}"#.to_owned(),
        r#"{"effect":{"status":500},"times":-1}"#.to_owned(),
        r#"{"effect":{"status":500},"fraction":0}"#.to_owned(),
        r#"{"effect":{"status":500},"fraction":-0.5}"#.to_owned(),
        r#"{"effect":{"status":500},"fraction":1.0000001}"#.to_owned(),
        r#"{"effect":{"delay_ms":120001}}"#.to_owned(),
        r#"{"effect":{"delay_ms":[0,18446744073709551615]}}"#.to_owned(),
        r#"{"effect":{"status":500},"until":"+262142-01-01T00:00:00Z"}"#.to_owned(),
        format!(r#"{{"match":{{"path":"{long}"}},"effect":{{"status":500}}}}"#),
        format!(r#"{{"match":{{"method":"{long}"}},"effect":{{"status":500}}}}"#),
        format!(r#"{{"match":{{"app_key":"{long}"}},"effect":{{"status":500}}}}"#),
    ] {
        let reply = mock.control("POST", "/_mock/faults", bad.clone()).await;
        assert_jiguang_error(&reply, 400, 400);
    }
    let fits = format!(
        r#"{{"match":{{"path":"{}"}},"effect":{{"status":500}},"fraction":1}}"#,
        &long[1..]
    );
    assert_eq!(mock.control("POST", "/_mock/faults", fits).await.status, 201);
    assert_eq!(
        mock.get_with(None, "/_mock/faults").await.json["faults"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn rate_limits_out_of_range_are_refused_not_clamped() {
    let mock = Mock::start().await;
    let before = mock.get_with(None, "/_mock/rate-limits").await.json;
    for bad in [
        r#"{"jpush":{"limit":0}}"#,
        r#"{"jpush":{"limit":-1}}"#,
        r#"{"jpush":{"limit":4294967296}}"#,
        r#"{"easemob":{"window_seconds":0}}"#,
        r#"{"easemob":{"window_seconds":86401}}"#,
        r#"{"jpush":{"limit":5},"easemob":{"window_seconds":100000}}"#,
    ] {
        let reply = mock.control("PUT", "/_mock/rate-limits", bad).await;
        assert_jiguang_error(&reply, 400, 400);
    }
    assert_eq!(
        mock.get_with(None, "/_mock/rate-limits").await.json,
        before,
        "a refused change changes nothing"
    );
    let edges = r#"{"jpush":{"limit":1,"window_seconds":86400},"easemob":{"limit":4294967295,"window_seconds":1}}"#;
    let reply = mock.control("PUT", "/_mock/rate-limits", edges).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["jpush"]["window_seconds"], 86400);
    assert_eq!(reply.json["easemob"]["limit"], 4294967295u64);
}

#[tokio::test]
async fn a_foreign_origin_is_refused_and_a_local_one_accepted() {
    let mock = Mock::start().await;
    let post = |origin: Option<&str>| {
        let mut request = mock
            .client
            .post(mock.url("/_mock/faults"))
            .header("Content-Type", "application/json")
            .body(NOTHING);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        mock.send(request)
    };
    for foreign in [
        "http://evil.example",
        "null",
        "http://127.0.0.1.evil.example:80",
        "garbage",
    ] {
        let reply = post(Some(foreign)).await;
        assert_jiguang_error(&reply, 403, 403);
    }
    let reset = mock
        .send(
            mock.client
                .post(mock.url("/_mock/reset"))
                .header("Origin", "https://evil.example"),
        )
        .await;
    assert_jiguang_error(&reset, 403, 403);
    assert!(mock.get_with(None, "/_mock/faults").await.json["faults"]
        .as_array()
        .unwrap()
        .is_empty());

    let same = mock.server.base_url();
    for local in [
        None,
        Some(same.as_str()),
        Some("http://localhost:3000"),
        Some("http://[::1]:8080"),
    ] {
        let reply = post(local).await;
        assert_eq!(reply.status, 201, "{local:?}: {}", reply.text);
    }
}

#[tokio::test]
async fn a_state_changing_body_must_be_declared_json() {
    let mock = Mock::start().await;
    let with_type = |method: &str, path: &str, content_type: &str, body: &'static str| {
        let method = method.parse().unwrap();
        let request = mock
            .client
            .request(method, mock.url(path))
            .header("Content-Type", content_type)
            .body(body);
        mock.send(request)
    };
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let reply = with_type("POST", "/_mock/faults", content_type, NOTHING).await;
        assert_jiguang_error(&reply, 415, 415);
        let reply = with_type("POST", "/_mock/reset", content_type, "").await;
        assert_jiguang_error(&reply, 415, 415);
    }
    let untyped = mock
        .send(mock.client.put(mock.url("/_mock/clock")).body(r#"{"frozen":true}"#))
        .await;
    assert_jiguang_error(&untyped, 415, 415);
    assert!(mock.get_with(None, "/_mock/faults").await.json["faults"]
        .as_array()
        .unwrap()
        .is_empty());

    let typed = with_type("POST", "/_mock/faults", "application/json; charset=utf-8", NOTHING).await;
    assert_eq!(typed.status, 201, "{}", typed.text);
    let bodiless = mock.send(mock.client.post(mock.url("/_mock/reset"))).await;
    assert_eq!(bodiless.status, 200, "{}", bodiless.text);
    let delete = mock.send(mock.client.delete(mock.url("/_mock/faults"))).await;
    assert_eq!(delete.status, 200, "{}", delete.text);
}

#[tokio::test]
async fn with_a_control_token_every_call_but_health_and_the_index_needs_it() {
    const TOKEN: &str = "e2e-control-token";
    let mock = Mock::start_with(|s| s.control_token = Some(ControlToken::new(TOKEN).unwrap())).await;
    let call = |method: &str, path: &str, authorization: Option<&str>| {
        let method = method.parse().unwrap();
        let mut request = mock.client.request(method, mock.url(path));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        mock.send(request)
    };
    let calls = [
        ("GET", "/_mock/apps"),
        ("GET", "/_mock/clock"),
        ("GET", "/_mock/journal"),
        ("GET", "/_mock/journal/count"),
        ("DELETE", "/_mock/faults"),
        ("POST", "/_mock/reset"),
    ];
    for (method, path) in calls {
        for wrong in [
            None,
            Some("Bearer wrong"),
            Some("Bearer "),
            Some(TOKEN),
            Some("Basic ZTJlOg=="),
        ] {
            let reply = call(method, path, wrong).await;
            assert_jiguang_error(&reply, 401, 401);
            assert!(!reply.text.contains(TOKEN), "the refusal never shows the token");
        }
        let reply = call(method, path, Some(&format!("Bearer {TOKEN}"))).await;
        assert_eq!(reply.status, 200, "{method} {path}: {}", reply.text);
        let reply = call(method, path, Some(&format!("bearer {TOKEN}"))).await;
        assert_eq!(reply.status, 200, "the scheme is case-insensitive");
    }
    let health = call("GET", "/_mock/health", None).await;
    assert_eq!(health.status, 200, "{}", health.text);
    for index in ["/", "/_mock"] {
        let reply = call("GET", index, None).await;
        assert_eq!(reply.status, 200, "the index is public: {}", reply.text);
        assert_eq!(reply.json["control_token_required"], true);
        assert!(!reply.text.contains(TOKEN));
    }
    // Vendor routes are not the control API: the token plays no part there.
    assert_eq!(mock.get(Role::Vip, "/v1/messages?start=0&count=1").await.status, 200);
}
