//! The control API (the index, `/_mock/health`, `/_mock/apps`, `/_mock/clock`) and determinism: the
//! same seed and clock give byte-identical bodies, another seed different ones.

use e2e::{assert_jiguang_error, enc, local, Mock, Role, NOW};

#[tokio::test]
async fn health_answers_200() {
    let mock = Mock::start().await;
    let reply = mock.get_with(None, "/_mock/health").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["status"], "ok");
}

#[tokio::test]
async fn apps_lists_credentials_roles_and_sample_ids() {
    let mock = Mock::start().await;
    let apps = mock.get_with(None, "/_mock/apps").await.json;
    let jiguang = apps["apps"].as_array().unwrap();
    assert!(jiguang.len() >= 2);
    assert!(jiguang.iter().any(|a| a["vip"] == true) && jiguang.iter().any(|a| a["vip"] == false));
    for app in jiguang {
        for key in ["app_key", "master_secret"] {
            let value = app[key].as_str().unwrap();
            assert_eq!(value.len(), 24, "{key}");
            assert!(value.bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
        }
        for key in ["usernames", "group_ids", "chatroom_ids"] {
            assert!(!app[key].as_array().unwrap().is_empty(), "{key}");
        }
    }
    let easemob = &apps["easemob"][0];
    for key in ["org_name", "app_name", "client_id", "client_secret"] {
        assert!(easemob[key].is_string(), "{key}");
    }
    assert!(!easemob["usernames"].as_array().unwrap().is_empty());

    // Every listed id answers with data.
    let query = format!(
        "count=1&begin_time={}&end_time={}",
        enc(&local(-7 * 86400)),
        enc(&local(0))
    );
    for (kind, segment) in [
        ("usernames", "users"),
        ("group_ids", "groups"),
        ("chatroom_ids", "chatrooms"),
    ] {
        for id in mock.samples(Role::Plain, kind).await.iter().take(3) {
            let reply = mock
                .get(Role::Plain, &format!("/v2/{segment}/{id}/messages?{query}"))
                .await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            assert!(reply.json["total"].as_u64().unwrap() > 0, "{segment}/{id} has messages");
        }
    }
}

#[tokio::test]
async fn clock_can_be_read_set_frozen_and_advanced() {
    let mock = Mock::start().await;
    let clock = mock.get_with(None, "/_mock/clock").await.json;
    assert_eq!(clock["now"], NOW);
    assert_eq!(clock["frozen"], true);

    mock.advance(90).await;
    let clock = mock.get_with(None, "/_mock/clock").await.json;
    assert_eq!(clock["now"], "2026-11-20T12:01:30+08:00");

    let set = mock
        .control("PUT", "/_mock/clock", r#"{"now":"2026-01-02T03:04:05Z","frozen":true}"#)
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json["now"], "2026-01-02T11:04:05+08:00");

    let release = mock.control("PUT", "/_mock/clock", r#"{"frozen":false}"#).await;
    assert_eq!(release.json["frozen"], false);
    let now = chrono::DateTime::parse_from_rfc3339(release.json["now"].as_str().unwrap()).unwrap();
    let expected = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap();
    assert!((now - expected).num_seconds().abs() < 5, "released where it stood");
}

#[tokio::test]
async fn bad_control_requests_are_json_400s() {
    let mock = Mock::start().await;
    for (method, path, body) in [
        ("PUT", "/_mock/clock", "not json"),
        ("PUT", "/_mock/clock", r#"{"now":"yesterday"}"#),
        ("PUT", "/_mock/clock", "{}"),
        ("POST", "/_mock/clock/advance", r#"{"seconds":"ten"}"#),
        ("POST", "/_mock/clock/advance", r#"{"secs":10}"#),
    ] {
        let reply = mock.control(method, path, body).await;
        e2e::assert_jiguang_error(&reply, 400, 400);
    }
    let reply = mock.control("DELETE", "/_mock/clock", "").await;
    e2e::assert_jiguang_error(&reply, 405, 405);
}

async fn bodies(mock: &Mock) -> Vec<String> {
    let user = mock.samples(Role::Vip, "usernames").await[0].clone();
    let query = format!("count=5&begin_time={}&end_time={}", enc(&local(-86400)), enc(&local(0)));
    let mut out = vec![mock.get_with(None, "/_mock/apps").await.text];
    for path in ["/v2/messages".to_string(), format!("/v2/users/{user}/messages")] {
        let first = mock.get(Role::Vip, &format!("{path}?{query}")).await;
        let cursor = first.json["cursor"].as_str().unwrap().to_owned();
        out.push(first.text);
        out.push(mock.get(Role::Vip, &format!("{path}?cursor={cursor}")).await.text);
    }
    out.push(mock.get(Role::Vip, "/v1/messages?start=500&count=20").await.text);
    out
}

#[tokio::test]
async fn same_seed_and_clock_give_identical_bodies_another_seed_does_not() {
    let a = Mock::start_with(|s| s.seed = 7).await;
    let b = Mock::start_with(|s| s.seed = 7).await;
    let c = Mock::start_with(|s| s.seed = 8).await;
    let (a, b, c) = (bodies(&a).await, bodies(&b).await, bodies(&c).await);
    assert_eq!(a, b);
    for (x, z) in a.iter().zip(&c) {
        assert_ne!(x, z);
    }
}

#[tokio::test]
async fn the_index_answers_json_to_clients_and_html_to_browsers_without_secrets() {
    let mock = Mock::start().await;
    for path in ["/", "/_mock"] {
        let reply = mock.get_with(None, path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert!(
            reply.content_type.starts_with("application/json"),
            "{}",
            reply.content_type
        );
        let index = &reply.json;
        let families: Vec<&str> = index["families"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["family"].as_str().unwrap())
            .collect();
        assert_eq!(families, ["jpush", "jmessage", "easemob"]);
        assert_eq!(
            index["families"][0]["base_paths"],
            serde_json::json!(["/v3", "/v3/report"])
        );
        assert_eq!(index["jiguang_apps"][0]["name"], "demo-vip");
        assert_eq!(index["jiguang_apps"][0]["app_key"], mock.credentials(Role::Vip).0);
        assert_eq!(index["easemob_apps"][0]["base_path"], "/demo-org/demo-app");
        for (name, route) in [
            ("apps", "/_mock/apps"),
            ("clock", "/_mock/clock"),
            ("faults", "/_mock/faults"),
            ("journal", "/_mock/journal"),
        ] {
            assert_eq!(index["control"][name], route);
            assert_eq!(
                mock.get_with(None, route).await.status,
                200,
                "{route} is linked and answers"
            );
        }
        assert_eq!(index["docs"]["spec"], "docs/SPEC.md");
        assert_eq!(index["control_token_required"], false);
        let (_, secret) = mock.credentials(Role::Vip);
        assert!(!reply.text.contains(&secret), "no master secret");
        assert!(!reply.text.contains("YXA6mockClientSecret"), "no client secret");
    }
    let browser = mock
        .send(
            mock.client
                .get(mock.url("/"))
                .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
        )
        .await;
    assert_eq!(browser.status, 200);
    assert!(
        browser.content_type.starts_with("text/html"),
        "{}",
        browser.content_type
    );
    assert!(browser.text.contains("<a href=\"/_mock/apps\">"), "{}", browser.text);
    assert!(browser.text.contains("/demo-org/demo-app"));
    assert!(!browser.text.contains(&mock.credentials(Role::Vip).1));
    let posted = mock.control("POST", "/", "").await;
    assert_jiguang_error(&posted, 405, 405);
    let journal = mock.get_with(None, "/_mock/journal").await;
    assert_eq!(journal.json["matched"], 0, "the index is not a vendor request");
}
