//! The history endpoints' contract: cursor chains return every match once, in order,
//! then stop; V1 offsets agree; scoped endpoints select exactly their share of
//! `/v2/messages`; cursors live 120 s on the mock clock; only 60 days exist.

use std::collections::HashSet;

use e2e::{enc, follow_chain, local, now, Mock, Role};
use serde_json::{json, Value};

const WEEK: i64 = 7 * 86400;

/// Whether a `/v2/messages` record belongs to a scoped endpoint.
type Belongs<'a> = Box<dyn Fn(&Value) -> bool + 'a>;

fn full_week() -> (String, String) {
    (local(-WEEK), local(0))
}

fn assert_ascending_and_unique(messages: &[Value]) {
    let keys: Vec<(i64, u64)> = messages
        .iter()
        .map(|m| (m["msg_ctime"].as_i64().unwrap(), m["msgid"].as_u64().unwrap()))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "ascending by time, ties by msgid");
    let ids: HashSet<u64> = keys.iter().map(|k| k.1).collect();
    assert_eq!(ids.len(), keys.len(), "each message once");
}

async fn chain(mock: &Mock, path: &str, count: u32) -> (u64, Vec<Value>, usize) {
    let (begin, end) = full_week();
    let first = format!("{path}?count={count}&begin_time={}&end_time={}", enc(&begin), enc(&end));
    follow_chain(mock, Role::Vip, &first).await
}

#[tokio::test]
async fn v2_messages_chain_over_a_week_returns_total_once_in_order() {
    let mock = Mock::start().await;
    let (total, messages, pages) = chain(&mock, "/v2/messages", 1000).await;
    assert!(total > 10_000, "a week of default data: {total}");
    assert_eq!(messages.len() as u64, total);
    assert_eq!(pages as u64, total.div_ceil(1000));
    assert_ascending_and_unique(&messages);
    let (begin, end) = (now().timestamp() - WEEK, now().timestamp());
    assert!(messages
        .iter()
        .all(|m| (begin..=end).contains(&m["create_time"].as_i64().unwrap())));
}

#[tokio::test]
async fn scoped_chains_return_exactly_their_share_of_v2_messages() {
    let mock = Mock::start().await;
    let (own_key, _) = mock.credentials(Role::Vip);
    let (_, all, _) = chain(&mock, "/v2/messages", 1000).await;
    let (begin, end) = (now().timestamp() - WEEK, now().timestamp());
    let strictly_inside = |m: &&Value| {
        let t = m["create_time"].as_i64().unwrap();
        begin < t && t < end
    };
    let user = mock.samples(Role::Vip, "usernames").await[0].clone();
    let group = mock.samples(Role::Vip, "group_ids").await[0].clone();
    let chatroom = mock.samples(Role::Vip, "chatroom_ids").await[0].clone();
    let cases: Vec<(String, Belongs)> = vec![
        (
            format!("/v2/users/{user}/messages"),
            Box::new(|m: &Value| {
                (m["from_id"] == user.as_str() && m["from_appkey"] == own_key.as_str())
                    || (m["target_type"] == "single"
                        && m["target_id"] == user.as_str()
                        && m["target_appkey"] == own_key.as_str())
            }),
        ),
        (
            format!("/v2/groups/{group}/messages"),
            Box::new(|m: &Value| m["target_type"] == "group" && m["target_id"] == group.as_str()),
        ),
        (
            format!("/v2/chatrooms/{chatroom}/messages"),
            Box::new(|m: &Value| m["target_type"] == "chatroom" && m["target_id"] == chatroom.as_str()),
        ),
    ];
    for (path, belongs) in cases {
        let (total, messages, pages) = chain(&mock, &path, 7).await;
        assert!(total > 7, "{path} has several pages of data ({total})");
        assert_eq!(messages.len() as u64, total, "{path}");
        assert_eq!(pages as u64, total.div_ceil(7), "{path}");
        assert_ascending_and_unique(&messages);
        let expected: Vec<u64> = all
            .iter()
            .filter(strictly_inside)
            .filter(|m| belongs(m))
            .map(|m| m["msgid"].as_u64().unwrap())
            .collect();
        let got: Vec<u64> = messages.iter().map(|m| m["msgid"].as_u64().unwrap()).collect();
        assert_eq!(got, expected, "{path}");
        let full: Vec<&Value> = all
            .iter()
            .filter(|m| expected.contains(&m["msgid"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            messages.iter().collect::<Vec<_>>(),
            full,
            "{path}: same records, field for field"
        );
    }
}

#[tokio::test]
async fn v1_offsets_walk_the_same_messages() {
    let mock = Mock::start().await;
    let (begin, end) = full_week();
    let (_, all, _) = chain(&mock, "/v2/messages", 1000).await;
    let user = mock.samples(Role::Vip, "usernames").await[1].clone();
    let (_, user_all, _) = chain(&mock, &format!("/v2/users/{user}/messages"), 1000).await;
    for (path, count, expected) in [
        ("/v1/messages".to_string(), 1000, &all),
        (format!("/v1/users/{user}/messages"), 9, &user_all),
    ] {
        let mut start = 0;
        let mut walked = Vec::new();
        loop {
            let query = format!(
                "start={start}&count={count}&begin_time={}&end_time={}",
                enc(&begin),
                enc(&end)
            );
            let reply = mock.get(Role::Vip, &format!("{path}?{query}")).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            assert_eq!(reply.json["total"].as_u64(), Some(expected.len() as u64), "{path}");
            assert_eq!(reply.json["start"].as_u64(), Some(start));
            let page = reply.json["messages"].as_array().unwrap();
            assert_eq!(reply.json["count"].as_u64(), Some(page.len() as u64));
            if page.is_empty() {
                break;
            }
            walked.extend(page.iter().cloned());
            start += page.len() as u64;
        }
        assert_eq!(&walked, expected, "{path}");
    }
}

#[tokio::test]
async fn v1_without_times_covers_the_retention_window() {
    let mock = Mock::start().await;
    let reply = mock.get(Role::Plain, "/v1/messages?start=0&count=1").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let total = reply.json["total"].as_u64().unwrap();
    assert!(
        (100_000..140_000).contains(&total),
        "about 60 days of 2000 a day: {total}"
    );
    let oldest = reply.json["messages"][0]["create_time"].as_i64().unwrap();
    assert!(oldest >= now().timestamp() - 60 * 86400);
    assert!(oldest < now().timestamp() - 59 * 86400);
    let last = mock
        .get(Role::Plain, &format!("/v1/messages?start={}&count=5", total - 1))
        .await;
    assert_eq!(last.json["count"], 1);
    let past_end = mock
        .get(Role::Plain, &format!("/v1/messages?start={total}&count=5"))
        .await;
    assert_eq!(past_end.json["count"], 0);
}

#[tokio::test]
async fn cursor_lives_120_seconds_on_the_mock_clock_and_each_page_renews_it() {
    let mock = Mock::start().await;
    let first = format!(
        "/v2/messages?count=2&begin_time={}&end_time={}",
        enc(&local(-3600)),
        enc(&local(0))
    );
    let cursor = |reply: &e2e::Reply| reply.json["cursor"].as_str().unwrap().to_owned();
    let page1 = mock.get(Role::Vip, &first).await;
    mock.advance(119).await;
    let page2 = mock
        .get(Role::Vip, &format!("/v2/messages?cursor={}", cursor(&page1)))
        .await;
    assert_eq!(page2.status, 200, "119 s old: {}", page2.text);
    mock.advance(119).await;
    let page3 = mock
        .get(Role::Vip, &format!("/v2/messages?cursor={}", cursor(&page2)))
        .await;
    assert_eq!(page3.status, 200, "the second page's cursor is fresh: {}", page3.text);
    mock.advance(121).await;
    let refused = mock
        .get(Role::Vip, &format!("/v2/messages?cursor={}", cursor(&page3)))
        .await;
    assert_eq!(refused.status, 400, "121 s old: {}", refused.text);
    assert_eq!(refused.json["error"]["code"], 899003);
}

#[tokio::test]
async fn boundaries_follow_each_endpoint() {
    let mock = Mock::start().await;
    // A window of one second around an existing message's create_time.
    let page = mock
        .get(
            Role::Vip,
            &format!(
                "/v2/messages?count=50&begin_time={}&end_time={}",
                enc(&local(-3600)),
                enc(&local(0))
            ),
        )
        .await;
    let message = page.json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["target_type"] == "group")
        .expect("a group message in the last hour")
        .clone();
    let t = message["create_time"].as_i64().unwrap();
    let at = local(t - now().timestamp());
    let gid = message["target_id"].as_str().unwrap();
    let exact = format!("count=100&begin_time={}&end_time={}", enc(&at), enc(&at));
    let inclusive = mock.get(Role::Vip, &format!("/v2/messages?{exact}")).await;
    assert!(
        inclusive.json["messages"].as_array().unwrap().contains(&message),
        "/messages includes t = begin = end"
    );
    let exclusive = mock.get(Role::Vip, &format!("/v2/groups/{gid}/messages?{exact}")).await;
    assert_eq!(
        exclusive.json["total"], 0,
        "/groups excludes t = begin = end: {}",
        exclusive.text
    );
    let around = format!(
        "count=100&begin_time={}&end_time={}",
        enc(&local(t - now().timestamp() - 1)),
        enc(&local(t - now().timestamp() + 1))
    );
    let around = mock
        .get(Role::Vip, &format!("/v2/groups/{gid}/messages?{around}"))
        .await;
    assert!(around.json["messages"].as_array().unwrap().contains(&message));
}

#[tokio::test]
async fn only_the_last_60_days_exist() {
    let mock = Mock::start().await;
    let day = 86400;
    let straddling = format!(
        "count=1000&begin_time={}&end_time={}",
        enc(&local(-61 * day)),
        enc(&local(-54 * day))
    );
    let (total, messages, _) = follow_chain(&mock, Role::Vip, &format!("/v2/messages?{straddling}")).await;
    assert!(total > 0);
    let cutoff = now().timestamp() - 60 * day;
    assert!(messages.iter().all(|m| m["create_time"].as_i64().unwrap() >= cutoff));
    assert!(messages
        .iter()
        .any(|m| m["create_time"].as_i64().unwrap() < cutoff + day));

    let expired = format!(
        "count=10&begin_time={}&end_time={}",
        enc(&local(-68 * day)),
        enc(&local(-61 * day))
    );
    let reply = mock.get(Role::Vip, &format!("/v2/messages?{expired}")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["total"], 0);
    assert!(reply.json.get("cursor").is_none(), "no cursor after the last page");

    let future = format!("count=10&begin_time={}&end_time={}", enc(&local(60)), enc(&local(3600)));
    assert_eq!(
        mock.get(Role::Vip, &format!("/v2/messages?{future}")).await.json["total"],
        0,
        "nothing after now"
    );
}

#[tokio::test]
async fn records_have_the_documented_fields_and_types() {
    let mock = Mock::start().await;
    let (_, messages, _) = chain(&mock, "/v2/messages", 1000).await;
    let mut kinds = HashSet::new();
    for m in &messages {
        for key in [
            "target_type",
            "msg_type",
            "target_name",
            "target_id",
            "from_id",
            "from_name",
            "from_type",
            "from_platform",
            "from_appkey",
            "target_appkey",
        ] {
            assert!(m[key].is_string(), "{key} in {m}");
        }
        for key in ["create_time", "version", "msgid", "msg_level", "msg_ctime"] {
            assert!(m[key].is_u64(), "{key} in {m}");
        }
        assert_eq!(
            m["create_time"].as_i64().unwrap(),
            m["msg_ctime"].as_i64().unwrap() / 1000
        );
        let body = m["msg_body"].as_object().unwrap();
        let fields: &[&str] = match m["msg_type"].as_str().unwrap() {
            "text" => &["text", "extras"],
            "image" => &["media_id", "media_crc32", "width", "height", "format", "hash", "fsize"],
            "voice" => &["media_id", "media_crc32", "duration", "hash", "fsize", "format"],
            "file" => &["media_id", "media_crc32", "hash", "fsize", "fname"],
            "location" => &["latitude", "longitude", "scale", "label"],
            "custom" => &[],
            other => panic!("undocumented msg_type {other}"),
        };
        assert!(fields.iter().all(|f| body.contains_key(*f)), "{m}");
        if let Some(hash) = body.get("hash") {
            let hex = hash.as_str().unwrap().strip_prefix("Fq").unwrap();
            assert!(
                hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                "32 hex digits: {hash}"
            );
        }
        kinds.insert((
            m["target_type"].as_str().unwrap().to_owned(),
            m["msg_type"].as_str().unwrap().to_owned(),
        ));
        if m["msg_level"] == 1 {
            assert_ne!(m["from_appkey"], m["target_appkey"], "cross-app: {m}");
        }
    }
    for target in ["single", "group", "chatroom"] {
        assert!(kinds.iter().any(|(t, _)| t == target), "{target}");
    }
    assert!(kinds.len() >= 15, "most combinations of target and type: {kinds:?}");
    // Text extras vary with the message: none, a reply, a link's preview, the server's.
    let texts: Vec<&Value> = messages.iter().filter(|m| m["msg_type"] == "text").collect();
    let with = |key: &str| {
        texts
            .iter()
            .filter(|m| m["msg_body"]["extras"].get(key).is_some())
            .count()
    };
    let bare = texts.iter().filter(|m| m["msg_body"]["extras"] == json!({})).count();
    assert!(
        bare > texts.len() / 2,
        "most texts carry no extras: {bare} of {}",
        texts.len()
    );
    for key in ["reply_to", "link", "source"] {
        assert!(with(key) > 0, "some texts carry {key}");
    }
    for m in texts.iter().filter(|m| m["msg_body"]["extras"].get("link").is_some()) {
        let url = m["msg_body"]["extras"]["link"]["url"].as_str().unwrap();
        assert!(m["msg_body"]["text"].as_str().unwrap().contains(url), "{m}");
    }
    for m in texts.iter().filter(|m| m["msg_body"]["extras"].get("source").is_some()) {
        assert_eq!(m["from_type"], "admin", "{m}");
    }
    assert!(messages.iter().any(|m| m["msg_level"] == 1), "some cross-app messages");
    assert!(messages.iter().any(|m| m["from_type"] == "admin"));
    let platforms: HashSet<_> = messages.iter().map(|m| m["from_platform"].as_str().unwrap()).collect();
    assert!(platforms.len() >= 4, "{platforms:?}");
}
