//! One test per row of SPEC §2's error table covered by the history endpoints, plus the
//! rule that every error — unknown routes, wrong methods, malformed queries — comes back
//! in the family's JSON shape.

use std::io::{Read, Write};

use e2e::{assert_jiguang_error, enc, local, Mock, Role};

fn window_query(count: &str) -> String {
    format!(
        "count={count}&begin_time={}&end_time={}",
        enc(&local(-3600)),
        enc(&local(0))
    )
}

#[tokio::test]
async fn missing_authorization_is_899007() {
    let mock = Mock::start().await;
    for path in ["/v2/messages", "/v1/messages"] {
        let reply = mock.get_with(None, &format!("{path}?{}", window_query("10"))).await;
        assert_jiguang_error(&reply, 401, 899007);
    }
}

#[tokio::test]
async fn wrong_credentials_are_899008_basic_authentication_failed() {
    let mock = Mock::start().await;
    let (key, _) = mock.credentials(Role::Vip);
    let wrong_secret = format!("Basic {}", base64_of(&format!("{key}:000000000000000000000000")));
    for header in [wrong_secret.as_str(), "Basic !!!not-base64", "Bearer abc", "Basic "] {
        let reply = mock
            .get_with(Some(header), &format!("/v2/messages?{}", window_query("10")))
            .await;
        assert_jiguang_error(&reply, 401, 899008);
        assert_eq!(reply.json["error"]["message"], "Basic authentication failed");
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn invalid_parameters_are_899003() {
    let mock = Mock::start().await;
    let begin = enc(&local(-3600));
    let end = enc(&local(0));
    let cases = [
        ("count missing", format!("begin_time={begin}&end_time={end}")),
        ("count zero", window_query("0")),
        ("count over 1000", window_query("1001")),
        ("count not a number", window_query("ten")),
        ("count negative", window_query("-5")),
        ("begin_time missing", format!("count=10&end_time={end}")),
        ("end_time missing", format!("count=10&begin_time={begin}")),
        (
            "bad time format",
            format!("count=10&begin_time=2026/11/20&end_time={end}"),
        ),
        (
            "time with T",
            format!("count=10&begin_time=2026-11-20T10:00:00&end_time={end}"),
        ),
        (
            "end before begin",
            format!("count=10&begin_time={end}&end_time={begin}"),
        ),
        (
            "range over 7 days",
            format!("count=10&begin_time={}&end_time={end}", enc(&local(-7 * 86400 - 1))),
        ),
        ("malformed escape", "count=%zz&begin_time=%FF".to_string()),
        ("malformed cursor", "cursor=not-a-cursor".to_string()),
    ];
    for (what, query) in cases {
        for path in ["/v2/messages", "/v2/groups/0/messages"] {
            let path = if path.contains("groups") {
                let gid = &mock.samples(Role::Vip, "group_ids").await[0];
                format!("/v2/groups/{gid}/messages")
            } else {
                path.to_owned()
            };
            let reply = mock.get(Role::Vip, &format!("{path}?{query}")).await;
            assert_eq!(reply.status, 400, "{what}: {}", reply.text);
            assert_jiguang_error(&reply, 400, 899003);
        }
    }
}

#[tokio::test]
async fn exactly_seven_days_is_allowed() {
    let mock = Mock::start().await;
    let query = format!(
        "count=1&begin_time={}&end_time={}",
        enc(&local(-7 * 86400)),
        enc(&local(0))
    );
    let reply = mock.get(Role::Vip, &format!("/v2/messages?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn v1_parameter_rules_are_899003() {
    let mock = Mock::start().await;
    for query in [
        "count=10",
        "start=0",
        "start=-1&count=10",
        "start=0&count=1001",
        "start=0&count=0",
        "start=0&count=5&begin_time=yesterday",
    ] {
        let reply = mock.get(Role::Plain, &format!("/v1/messages?{query}")).await;
        assert_jiguang_error(&reply, 400, 899003);
    }
}

#[tokio::test]
async fn expired_cursor_is_899003_and_says_so() {
    let mock = Mock::start().await;
    let first = mock
        .get(Role::Vip, &format!("/v2/messages?{}", window_query("5")))
        .await;
    let cursor = first.json["cursor"]
        .as_str()
        .expect("a first page of 5 has a cursor")
        .to_owned();
    mock.advance(121).await;
    let reply = mock.get(Role::Vip, &format!("/v2/messages?cursor={cursor}")).await;
    assert_jiguang_error(&reply, 400, 899003);
    assert!(
        reply.json["error"]["message"].as_str().unwrap().contains("expired"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn foreign_altered_and_misdirected_cursors_are_899003() {
    let mock = Mock::start().await;
    let first = mock
        .get(Role::Vip, &format!("/v2/messages?{}", window_query("5")))
        .await;
    let cursor = first.json["cursor"].as_str().unwrap().to_owned();

    let foreign = mock.get(Role::Plain, &format!("/v2/messages?cursor={cursor}")).await;
    assert_jiguang_error(&foreign, 400, 899003);
    assert!(foreign.text.contains("another app"), "{}", foreign.text);

    let mut altered = cursor.clone().into_bytes();
    altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let reply = mock.get(Role::Vip, &format!("/v2/messages?cursor={altered}")).await;
    assert_jiguang_error(&reply, 400, 899003);

    let user = &mock.samples(Role::Vip, "usernames").await[0];
    let misdirected = mock
        .get(Role::Vip, &format!("/v2/users/{user}/messages?cursor={cursor}"))
        .await;
    assert_jiguang_error(&misdirected, 400, 899003);
}

#[tokio::test]
async fn unknown_user_group_chatroom_are_404_with_their_codes() {
    let mock = Mock::start().await;
    let query = window_query("10");
    for (path, code) in [
        ("/v2/users/nobody_here/messages", 899002),
        ("/v1/users/nobody_here/messages", 899002),
        ("/v2/groups/999/messages", 899006),
        ("/v2/chatrooms/999/messages", 899081),
    ] {
        let query = if path.starts_with("/v1") {
            "start=0&count=10".to_string()
        } else {
            query.clone()
        };
        let reply = mock.get(Role::Vip, &format!("{path}?{query}")).await;
        assert_jiguang_error(&reply, 404, code);
    }
    // Data of one app is invisible with another app's credentials.
    let dataset = &mock.server.state.core.dataset;
    let (vip, plain) = (&dataset.jiguang[0].population, &dataset.jiguang[1].population);
    let only_vip = (0..vip.user_count())
        .map(|u| vip.username(u))
        .find(|u| plain.user_index(u).is_none())
        .unwrap();
    let reply = mock
        .get(Role::Plain, &format!("/v2/users/{}/messages?{query}", only_vip))
        .await;
    assert_jiguang_error(&reply, 404, 899002);
    let reply = mock
        .get(Role::Vip, &format!("/v2/users/{}/messages?{query}", only_vip))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_use_the_error_shape() {
    let mock = Mock::start().await;
    let reply = mock.get(Role::Vip, "/v2/nothing").await;
    assert_jiguang_error(&reply, 404, 404);
    let reply = mock.get(Role::Vip, "/v1/users").await;
    assert_jiguang_error(&reply, 404, 404);
    let reply = mock.send(mock.client.post(mock.url("/v2/messages")).body("{}")).await;
    assert_jiguang_error(&reply, 405, 405);
    let reply = mock.send(mock.client.delete(mock.url("/v1/messages"))).await;
    assert_jiguang_error(&reply, 405, 405);
    // Outside the Jiguang prefixes, paths are Easemob's /{org}/{app}/...: its own shape.
    let reply = mock.get_with(None, "/no-org/no-app/chatmessages").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json["error"], "organization_application_not_found");
    for key in ["exception", "timestamp", "duration", "error_description"] {
        assert!(reply.json.get(key).is_some(), "{key} in {}", reply.text);
    }
}

#[tokio::test]
async fn raw_spaces_in_the_query_are_understood() {
    let mock = Mock::start().await;
    let request = format!(
        "GET /v2/messages?count=3&begin_time={}&end_time={} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        local(-3600),
        local(0),
        mock.basic(Role::Vip)
    );
    let addr = mock.server.addr;
    let response = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    let encoded = mock
        .get(Role::Vip, &format!("/v2/messages?{}", window_query("3")))
        .await;
    assert_eq!(json, encoded.json, "a raw space means the same as %20");
}

#[tokio::test]
async fn every_space_encoding_gives_the_same_page() {
    let mock = Mock::start().await;
    let (begin, end) = (local(-3600), local(0));
    let mut bodies = Vec::new();
    for (b, e) in [
        (begin.replace(' ', "%20"), end.replace(' ', "%20")),
        (begin.replace(' ', "+"), end.replace(' ', "+")),
        (enc(&begin), enc(&end)),
    ] {
        let reply = mock
            .get(Role::Vip, &format!("/v2/messages?count=4&begin_time={b}&end_time={e}"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        bodies.push(reply.text);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
}
