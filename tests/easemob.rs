//! Easemob chat-history export (SPEC §4) end to end: one test per row of the error table,
//! the token flow, hourly files (timing rules, signed links, their content), the legacy
//! ql query and its cursors, the history rate limit, the retired setting, and the rule
//! that every error comes back in Easemob's shape. The clock is frozen at
//! [`e2e::NOW`] (2026-11-20 12:00 +08:00) and only ever moved through the control API.

use std::collections::HashSet;

use e2e::{
    assert_jiguang_error,
    easemob::{
        assert_easemob_error, assert_message_shape, gunzip_lines, hour_key, hour_start_ms, EmApp, FIRST, SECOND,
    },
    now, Mock, Reply,
};
use serde_json::Value;

const HOUR_MS: i64 = 3_600_000;
const RETENTION_MS: i64 = 3 * 24 * HOUR_MS;
/// The file of the hour that started three hours before NOW (09:00-10:00) was generated
/// at 11:00: ready, and well inside the retention.
const READY: i64 = 3;

/// A mock whose history quota never gets in the way of a test about something else.
async fn roomy() -> Mock {
    Mock::start_with(|s| s.easemob.history_quota = 10_000).await
}

async fn first_app(mock: &Mock) -> (EmApp, String) {
    let app = mock.easemob_app(FIRST).await;
    let token = mock.easemob_token(&app, None).await;
    (app, token)
}

fn ql_path(app: &EmApp, ql: &str, extra: &str) -> String {
    app.path(&format!(
        "/chatmessages?ql={}{extra}",
        ql.replace(' ', "+").replace('>', "%3E").replace('<', "%3C")
    ))
}

/// Every entity of a ql query, following its cursor chain (same ql on every page).
async fn ql_chain(mock: &Mock, app: &EmApp, token: &str, ql: &str, limit: u32) -> (Vec<Value>, usize) {
    let mut reply = mock
        .bearer_get(Some(token), &ql_path(app, ql, &format!("&limit={limit}")))
        .await;
    let mut entities = Vec::new();
    let mut pages = 0;
    loop {
        assert_eq!(reply.status, 200, "{}", reply.text);
        let page = reply.json["entities"].as_array().unwrap();
        assert_eq!(reply.json["count"].as_u64(), Some(page.len() as u64));
        entities.extend(page.iter().cloned());
        pages += 1;
        assert!(pages < 1000, "the chain ends");
        match reply.json.get("cursor").and_then(Value::as_str) {
            Some(cursor) => {
                assert_eq!(page.len(), limit as usize, "only the last page is short");
                let path = ql_path(app, ql, &format!("&limit={limit}&cursor={cursor}"));
                reply = mock.bearer_get(Some(token), &path).await;
            }
            None => break,
        }
    }
    (entities, pages)
}

fn msg_ids(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m["msg_id"].as_str().unwrap().to_owned())
        .collect()
}

fn timestamps(messages: &[Value]) -> Vec<i64> {
    messages.iter().map(|m| m["timestamp"].as_i64().unwrap()).collect()
}

fn assert_ascending_once(messages: &[Value]) {
    let times = timestamps(messages);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "ascending by timestamp");
    let ids = msg_ids(messages);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "each message once");
}

/// An entity without its entity fields: the export record.
fn record_of(entity: &Value) -> Value {
    let mut record = entity.clone();
    let object = record.as_object_mut().unwrap();
    for key in ["uuid", "type", "created", "modified"] {
        assert!(object.remove(key).is_some(), "entity field {key}");
    }
    record
}

/// Flips one character in the middle of a signed value.
fn altered(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// Sends one raw HTTP/1.1 request line (as sloppy clients do) and returns status and body.
async fn raw_get(mock: &Mock, target: &str, token: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(mock.server.addr).await.unwrap();
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    let read = stream.read_to_string(&mut response);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("answered within 10 s")
        .unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

// --- tokens ---

#[tokio::test]
async fn tokens_are_issued_whatever_the_content_type_for_a_stable_application() {
    let mock = Mock::start().await;
    let app = mock.easemob_app(FIRST).await;
    let body = app.token_request().to_string();
    let mut applications = HashSet::new();
    for content_type in [
        Some("application/json"),
        None,
        Some("text/plain; charset=utf-8"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json;;;"),
    ] {
        let reply = mock.post_token(&app, &body, content_type).await;
        assert_eq!(reply.status, 200, "{content_type:?}: {}", reply.text);
        assert!(reply.content_type.starts_with("application/json"));
        let token = reply.json["access_token"].as_str().unwrap();
        assert!(token.starts_with("YWMt"), "{token}");
        assert_eq!(reply.json["expires_in"], 5_184_000, "60 days by default");
        let application = reply.json["application"].as_str().unwrap().to_owned();
        let groups: Vec<usize> = application.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "uuid-like: {application}");
        applications.insert(application);
    }
    assert_eq!(applications.len(), 1, "the application id is stable");

    let mut with_ttl = app.token_request();
    with_ttl["ttl"] = 3600.into();
    let reply = mock.post_token(&app, &with_ttl.to_string(), None).await;
    assert_eq!(reply.json["expires_in"], 3600);

    let second = mock.easemob_app(SECOND).await;
    let reply = mock
        .post_token(&second, &second.token_request().to_string(), None)
        .await;
    assert_eq!(reply.status, 200);
    assert!(!applications.contains(reply.json["application"].as_str().unwrap()));
}

#[tokio::test]
async fn wrong_client_credentials_are_400_invalid_grant() {
    let mock = Mock::start().await;
    let app = mock.easemob_app(FIRST).await;
    let second = mock.easemob_app(SECOND).await;
    let cases = [
        ("client_id", app.token_request(), "client_id", "YXA6wrong"),
        ("client_secret", app.token_request(), "client_secret", "YXA6wrong"),
    ];
    for (field, mut body, key, value) in cases {
        body[key] = value.into();
        let reply = mock.post_token(&app, &body.to_string(), None).await;
        assert_easemob_error(&reply, 400, "invalid_grant");
        assert_eq!(reply.json["error_description"], format!("{field} does not match"));
    }
    // Another app's (valid) credentials are wrong for this app; no secret is echoed.
    let reply = mock.post_token(&app, &second.token_request().to_string(), None).await;
    assert_easemob_error(&reply, 400, "invalid_grant");
    assert!(!reply.text.contains(&second.client_secret) && !reply.text.contains(&app.client_secret));
}

#[tokio::test]
async fn malformed_token_requests_are_easemob_400s() {
    let mock = Mock::start().await;
    let app = mock.easemob_app(FIRST).await;
    let with = |key: &str, value: Value| {
        let mut body = app.token_request();
        body[key] = value;
        body.to_string()
    };
    let without = |key: &str| {
        let mut body = app.token_request();
        body.as_object_mut().unwrap().remove(key);
        body.to_string()
    };
    let cases = [
        ("not json".to_owned(), "json_parse"),
        ("{\"grant_type\":".to_owned(), "json_parse"),
        (String::new(), "json_parse"),
        ("[]".to_owned(), "illegal_argument"),
        (without("client_id"), "illegal_argument"),
        (without("client_secret"), "illegal_argument"),
        (without("grant_type"), "illegal_argument"),
        (with("client_id", 5.into()), "illegal_argument"),
        (with("ttl", "soon".into()), "illegal_argument"),
        (with("ttl", (-1).into()), "illegal_argument"),
        (with("grant_type", "password".into()), "unsupported_grant_type"),
    ];
    for (body, error) in cases {
        let reply = mock.post_token(&app, &body, Some("application/json")).await;
        assert_easemob_error(&reply, 400, error);
    }
}

#[tokio::test]
async fn unknown_org_or_app_is_404_organization_application_not_found() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let body = app.token_request().to_string();
    for prefix in ["/nope/demo-app", "/demo-org/nope", "/DEMO-ORG/demo-app"] {
        let reply = mock
            .send(
                mock.client
                    .post(mock.url(&format!("{prefix}/token")))
                    .body(body.clone()),
            )
            .await;
        assert_easemob_error(&reply, 404, "organization_application_not_found");
        assert!(reply.json["error_description"]
            .as_str()
            .unwrap()
            .starts_with("Could not find application for"));
        for rest in [
            format!("/chatmessages/{}", hour_key(READY)),
            "/chatmessages?ql=select+*+where+timestamp%3E0".to_owned(),
        ] {
            let reply = mock.bearer_get(Some(&token), &format!("{prefix}{rest}")).await;
            assert_easemob_error(&reply, 404, "organization_application_not_found");
        }
    }
}

#[tokio::test]
async fn missing_corrupt_foreign_or_expired_tokens_are_401_unauthorized() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let second = mock.easemob_app(SECOND).await;
    let foreign = mock.easemob_token(&second, None).await;
    let short = mock.easemob_token(&app, Some(3600)).await;
    let paths = [
        app.path(&format!("/chatmessages/{}", hour_key(READY))),
        app.path("/chatmessages?ql=select+*+where+timestamp%3E0&limit=1"),
    ];
    for path in &paths {
        let missing = mock.bearer_get(None, path).await;
        assert_easemob_error(&missing, 401, "unauthorized");
        assert_eq!(missing.json["error_description"], "Unable to authenticate (OAuth)");
        for header in [
            "Bearer garbage".to_owned(),
            "Bearer ".to_owned(),
            format!("Bearer {}", altered(&token)),
            format!("Bearer {}", &token[4..]),
            format!("Basic {token}"),
            token.clone(),
        ] {
            let reply = mock.get_with(Some(&header), path).await;
            assert_easemob_error(&reply, 401, "auth_bad_access_token");
            assert_eq!(
                reply.json["error_description"],
                "Unable to authenticate due to corrupt access token"
            );
        }
        let reply = mock.bearer_get(Some(&foreign), path).await;
        assert_easemob_error(&reply, 401, "unauthorized");
        assert!(reply.text.contains("another application"), "{}", reply.text);
        // The scheme is case-insensitive.
        let reply = mock.get_with(Some(&format!("bearer {short}")), path).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    // Token expiry reads the mock clock: valid for its ttl, not a millisecond more.
    mock.advance(3599).await;
    assert_eq!(mock.bearer_get(Some(&short), &paths[1]).await.status, 200);
    mock.advance(1).await;
    let reply = mock.bearer_get(Some(&short), &paths[1]).await;
    assert_easemob_error(&reply, 401, "unauthorized");
    assert_eq!(
        reply.json["error_description"],
        "Unable to authenticate due to expired access token"
    );
    assert_eq!(
        mock.bearer_get(Some(&token), &paths[1]).await.status,
        200,
        "60-day token"
    );
}

#[tokio::test]
async fn reset_voids_the_tokens_issued_before_it() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let path = app.path("/chatmessages?ql=select+*+where+timestamp%3E0&limit=1");
    assert_eq!(mock.bearer_get(Some(&token), &path).await.status, 200);
    let reset = mock.control("POST", "/_mock/reset", "").await;
    assert_eq!(reset.status, 200);
    let reply = mock.bearer_get(Some(&token), &path).await;
    assert_easemob_error(&reply, 401, "unauthorized");
    let fresh = mock.easemob_token(&app, None).await;
    assert_eq!(
        mock.bearer_get(Some(&fresh), &path).await.status,
        200,
        "a token issued after works"
    );
}

// --- hourly files: when they exist ---

#[tokio::test]
async fn malformed_or_expired_hour_keys_are_400_illegal_argument() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let get = |hour: String| {
        let path = app.path(&format!("/chatmessages/{hour}"));
        let token = token.clone();
        let mock = &mock;
        async move { mock.bearer_get(Some(&token), &path).await }
    };
    for bad in [
        "202611200",
        "20261120090",
        "2026112024",
        "2026113109",
        "2026-11-20",
        "2026112O09",
        "+026112009",
        "%32026112009",
    ] {
        let reply = get(bad.to_owned()).await;
        assert_easemob_error(&reply, 400, "illegal_argument");
        let description = reply.json["error_description"].as_str().unwrap();
        assert!(
            description.starts_with("illegal arguments: appkey: demo-org#demo-app, time: "),
            "the vendor's words: {description}"
        );
    }
    // Files are kept 3 days after generation (hour end + 1 h): at 12:00 the file of
    // 10:00-11:00 three days ago expired at 12:00 sharp; the next hour's is still there.
    let expired = get(hour_key(72 + 2)).await;
    assert_easemob_error(&expired, 400, "illegal_argument");
    assert!(expired.text.contains("expired"), "{}", expired.text);
    assert_easemob_error(&get(hour_key(24 * 30)).await, 400, "illegal_argument");
    assert_eq!(get(hour_key(72 + 1)).await.status, 200);
}

#[tokio::test]
async fn hours_not_generated_yet_are_404_storage_object_not_found() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let path = |hours: i64| app.path(&format!("/chatmessages/{}", hour_key(hours)));
    // The current hour, the hour that just ended (generated at 13:00), tomorrow.
    for hours in [0, 1, -12] {
        let reply = mock.bearer_get(Some(&token), &path(hours)).await;
        assert_easemob_error(&reply, 404, "storage_object_not_found");
        assert!(reply.text.contains(&hour_key(hours)), "{}", reply.text);
    }
    assert_eq!(mock.bearer_get(Some(&token), &path(2)).await.status, 200, "ended 11:00");
    mock.advance(3599).await;
    assert_eq!(mock.bearer_get(Some(&token), &path(1)).await.status, 404);
    mock.advance(1).await;
    assert_eq!(
        mock.bearer_get(Some(&token), &path(1)).await.status,
        200,
        "generated at 13:00"
    );

    let eager = Mock::start_with(|s| s.easemob.file_delay = chrono::TimeDelta::zero()).await;
    let (app, token) = first_app(&eager).await;
    let reply = eager
        .bearer_get(Some(&token), &app.path(&format!("/chatmessages/{}", hour_key(1))))
        .await;
    assert_eq!(reply.status, 200, "no delay: ready when the hour ends");
}

#[tokio::test]
async fn hour_keys_follow_the_easemob_time_zone_not_the_jmessage_one() {
    let mock = Mock::start_with(|s| s.easemob.timezone = chrono::FixedOffset::east_opt(0).unwrap()).await;
    let (app, token) = first_app(&mock).await;
    // NOW is 04:00 UTC: the UTC hour 02 ended at 03:00 and is ready; hour 03 is not.
    let pending = mock
        .bearer_get(Some(&token), &app.path("/chatmessages/2026112003"))
        .await;
    assert_easemob_error(&pending, 404, "storage_object_not_found");
    let url = mock.file_url(&app, &token, "2026112002").await;
    assert!(url.contains("/2026112002.gz?"), "{url}");
    let lines = gunzip_lines(&mock.download(&url).await.bytes);
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-20T02:00:00Z")
        .unwrap()
        .timestamp_millis();
    assert!(!lines.is_empty());
    assert!(timestamps(&lines).iter().all(|t| (start..start + HOUR_MS).contains(t)));
    // The JMessage zone is untouched.
    assert_eq!(mock.server.state.settings.timezone.local_minus_utc(), 8 * 3600);
}

// --- hourly files: links and content ---

#[tokio::test]
async fn a_downloaded_file_is_gzip_json_lines_of_exactly_that_hours_messages() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let reply = mock
        .bearer_get(Some(&token), &app.path(&format!("/chatmessages/{}", hour_key(READY))))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut keys: Vec<&str> = reply.json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "action",
            "application",
            "applicationName",
            "data",
            "duration",
            "organization",
            "timestamp",
            "uri"
        ]
    );
    assert_eq!(reply.json["action"], "get");
    assert_eq!(reply.json["organization"], app.org.as_str());
    assert_eq!(reply.json["applicationName"], app.app.as_str());
    assert_eq!(reply.json["timestamp"], now().timestamp_millis());
    let url = reply.json["data"][0]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&mock.server.base_url()),
        "points back at the mock: {url}"
    );
    assert!(url.contains("Expires=") && url.contains("Signature="), "{url}");

    let mut kinds = HashSet::new();
    let mut chat_types = HashSet::new();
    let mut ext_keys = HashSet::new();
    for hours in READY..READY + 8 {
        let url = mock.file_url(&app, &token, &hour_key(hours)).await;
        let file = mock.download(&url).await;
        assert_eq!(file.status, 200);
        assert_eq!(file.content_type, "application/gzip");
        assert_eq!(
            file.content_disposition,
            format!("attachment; filename=\"{}.gz\"", hour_key(hours))
        );
        let lines = gunzip_lines(&file.bytes);
        if hours < READY + 3 {
            assert!(lines.len() > 20, "{} messages in a day-time hour", lines.len());
        }
        let start = hour_start_ms(hours);
        assert!(timestamps(&lines).iter().all(|t| (start..start + HOUR_MS).contains(t)));
        assert_ascending_once(&lines);
        for line in &lines {
            let (kind, chat_type) = assert_message_shape(line);
            kinds.insert(kind);
            chat_types.insert(chat_type);
            ext_keys.extend(line["payload"]["ext"].as_object().unwrap().keys().cloned());
        }
    }
    for key in ["reply_to", "em_at_list", "em_apns_ext"] {
        assert!(ext_keys.contains(key), "some ext has {key}: {ext_keys:?}");
    }
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["audio", "cmd", "combine", "custom", "file", "img", "loc", "txt", "video"]
    );
    assert_eq!(chat_types.len(), 3, "{chat_types:?}");
}

#[tokio::test]
async fn the_file_of_an_hour_and_the_ql_query_over_that_hour_agree() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let url = mock.file_url(&app, &token, &hour_key(READY)).await;
    let file = gunzip_lines(&mock.download(&url).await.bytes);

    // ql has one comparison only: `timestamp > start - 1`, followed until the hour ends.
    let start = hour_start_ms(READY);
    let ql = format!("select * where timestamp>{}", start - 1);
    let mut reply = mock.bearer_get(Some(&token), &ql_path(&app, &ql, "&limit=25")).await;
    let mut entities = Vec::new();
    loop {
        assert_eq!(reply.status, 200, "{}", reply.text);
        let page = reply.json["entities"].as_array().unwrap().clone();
        let before_end = page
            .iter()
            .take_while(|e| e["timestamp"].as_i64().unwrap() < start + HOUR_MS);
        entities.extend(before_end.cloned());
        let cursor = reply.json["cursor"].as_str().map(str::to_owned);
        match cursor {
            Some(cursor)
                if page
                    .last()
                    .is_some_and(|e| e["timestamp"].as_i64().unwrap() < start + HOUR_MS) =>
            {
                let path = ql_path(&app, &ql, &format!("&limit=25&cursor={cursor}"));
                reply = mock.bearer_get(Some(&token), &path).await;
            }
            _ => break,
        }
    }
    assert!(file.len() > 25, "more than a page");
    assert_eq!(msg_ids(&entities), msg_ids(&file), "same messages, same order");
    let records: Vec<Value> = entities.iter().map(record_of).collect();
    assert_eq!(records, file, "field for field");
    for entity in &entities {
        assert_eq!(entity["type"], "chatmessage");
        assert_eq!(entity["created"], entity["timestamp"]);
    }
}

#[tokio::test]
async fn download_links_work_for_30_minutes_on_the_mock_clock() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let url = mock.file_url(&app, &token, &hour_key(READY)).await;
    assert_eq!(mock.download(&url).await.status, 200);
    mock.advance(29 * 60 + 59).await;
    assert_eq!(mock.download(&url).await.status, 200);
    mock.advance(1).await;
    let reply = mock.download_reply(&url).await;
    assert_easemob_error(&reply, 403, "forbidden");
    assert!(reply.text.contains("expired"), "{}", reply.text);
}

#[tokio::test]
async fn altered_or_foreign_download_links_are_403() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let second = mock.easemob_app(SECOND).await;
    let second_token = mock.easemob_token(&second, None).await;
    let url = mock.file_url(&app, &token, &hour_key(READY)).await;
    let foreign = mock.file_url(&second, &second_token, &hour_key(READY)).await;
    assert_eq!(
        mock.download(&foreign).await.status,
        200,
        "the second app's own link works"
    );

    let (base, query) = url.split_once('?').unwrap();
    let signature = query.split("Signature=").nth(1).unwrap();
    let expires: i64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("Expires="))
        .unwrap()
        .parse()
        .unwrap();
    let (foreign_base, foreign_query) = foreign.split_once('?').unwrap();
    let cases = [
        (
            "altered signature",
            format!("{base}?Expires={expires}&Signature={}", altered(signature)),
        ),
        (
            "stretched expiry",
            format!("{base}?Expires={}&Signature={signature}", expires + 3600),
        ),
        ("no signature", format!("{base}?Expires={expires}")),
        ("no query", base.to_owned()),
        (
            "another hour",
            format!("{}?{query}", base.replace(&hour_key(READY), &hour_key(READY + 1))),
        ),
        ("another app's link on this app", format!("{base}?{foreign_query}")),
        ("this app's link on another app", format!("{foreign_base}?{query}")),
        ("not a file name", format!("{}?{query}", base.replace(".gz", ".zip"))),
    ];
    for (what, link) in cases {
        let reply = mock.download_reply(&link).await;
        assert_eq!(reply.status, 403, "{what}: {}", reply.text);
        assert_easemob_error(&reply, 403, "forbidden");
    }
    assert_eq!(mock.download(&url).await.status, 200, "the link itself still works");
}

#[tokio::test]
async fn the_journal_keeps_download_links_without_their_signature() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let url = mock.file_url(&app, &token, &hour_key(READY)).await;
    assert_eq!(mock.download(&url).await.status, 200);
    let entries = mock.get_with(None, "/_mock/journal?family=easemob").await.json["entries"].clone();
    let download = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with(".gz"))
        .expect("the download is journaled");
    let query = download["query"].as_str().unwrap();
    assert!(
        query.starts_with("Expires=") && query.ends_with("&Signature=REDACTED"),
        "{query}"
    );
    assert_eq!(
        download["warnings"],
        serde_json::json!([]),
        "Expires and Signature are documented"
    );
    assert!(
        !entries.to_string().contains(&token),
        "no token anywhere in the journal"
    );
}

#[tokio::test]
async fn same_seed_and_clock_give_identical_easemob_bodies_and_files() {
    async fn bodies(mock: &Mock) -> Vec<Vec<u8>> {
        let (app, token) = first_app(mock).await;
        let base = mock.server.base_url();
        let link = mock
            .bearer_get(Some(&token), &app.path(&format!("/chatmessages/{}", hour_key(READY))))
            .await;
        let url = link.json["data"][0]["url"].as_str().unwrap().to_owned();
        let ql = mock
            .bearer_get(Some(&token), &ql_path(&app, "select * where timestamp>0", "&limit=50"))
            .await;
        vec![
            token.into_bytes(),
            link.text.replace(&base, "BASE").into_bytes(),
            ql.text.replace(&base, "BASE").into_bytes(),
            mock.download(&url).await.bytes,
        ]
    }
    let a = bodies(&Mock::start_with(|s| s.seed = 7).await).await;
    let b = bodies(&Mock::start_with(|s| s.seed = 7).await).await;
    let c = bodies(&Mock::start_with(|s| s.seed = 8).await).await;
    assert_eq!(a, b);
    for (x, z) in a.iter().zip(&c) {
        assert_ne!(x, z);
    }
}

// --- the history rate limit ---

#[tokio::test]
async fn the_eleventh_history_call_in_a_minute_is_429_until_the_window_ends() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let second = mock.easemob_app(SECOND).await;
    let second_token = mock.easemob_token(&second, None).await;
    let file = app.path(&format!("/chatmessages/{}", hour_key(READY)));
    let ql = app.path("/chatmessages?ql=select+*+where+timestamp%3E0&limit=1");
    let url = mock.file_url(&app, &token, &hour_key(READY)).await;
    for call in 2..=10 {
        let path = if call % 2 == 0 { &ql } else { &file };
        assert_eq!(mock.bearer_get(Some(&token), path).await.status, 200, "call {call}");
        // Neither tokens nor downloads count.
        assert_eq!(mock.download(&url).await.status, 200);
        mock.easemob_token(&app, None).await;
    }
    for path in [&file, &ql] {
        let reply = mock.bearer_get(Some(&token), path).await;
        assert_easemob_error(&reply, 429, "reach_limit");
        assert_eq!(reply.json["error_description"], "This request has reached api limit");
    }
    let other = second.path(&format!("/chatmessages/{}", hour_key(READY)));
    assert_eq!(
        mock.bearer_get(Some(&second_token), &other).await.status,
        200,
        "per app"
    );
    assert_eq!(mock.download(&url).await.status, 200, "downloads go on");

    mock.advance(59).await;
    assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 429);
    mock.advance(1).await;
    assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 200, "a new window");
}

#[tokio::test]
async fn the_history_quota_is_configurable() {
    let mock = Mock::start_with(|s| s.easemob.history_quota = 3).await;
    let (app, token) = first_app(&mock).await;
    let ql = app.path("/chatmessages?limit=1");
    for _ in 0..3 {
        assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 200);
    }
    assert_easemob_error(&mock.bearer_get(Some(&token), &ql).await, 429, "reach_limit");
}

#[tokio::test]
async fn the_history_limit_changes_at_run_time_and_reset_restores_it() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let ql = app.path("/chatmessages?limit=1");
    let set = mock
        .control(
            "PUT",
            "/_mock/rate-limits",
            r#"{"easemob":{"limit":2,"window_seconds":30}}"#,
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(
        set.json["easemob"],
        serde_json::json!({"limit": 2, "window_seconds": 30})
    );
    assert_eq!(set.json["jpush"]["limit"], 2400, "the other family is untouched");
    for _ in 0..2 {
        assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 200);
    }
    let refused = mock.bearer_get(Some(&token), &ql).await;
    assert_easemob_error(&refused, 429, "reach_limit");
    assert_eq!(
        mock.get_with(None, "/_mock/journal?status=429").await.json["entries"][0]["path"],
        app.path("/chatmessages"),
        "the journal sees the refusal"
    );
    mock.advance(30).await;
    assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 200, "a 30 s window");

    let reset = mock.control("POST", "/_mock/reset", "").await;
    assert_eq!(reset.status, 200);
    let limits = mock.get_with(None, "/_mock/rate-limits").await.json;
    assert_eq!(
        limits["easemob"],
        serde_json::json!({"limit": 10, "window_seconds": 60})
    );
    let token = mock.easemob_token(&app, None).await;
    for call in 1..=10 {
        assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 200, "call {call}");
    }
    assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 429);
}

#[tokio::test]
async fn a_429_says_when_to_retry() {
    let mock = Mock::start_with(|s| s.easemob.history_quota = 1).await;
    let (app, token) = first_app(&mock).await;
    let ql = app.path("/chatmessages?limit=1");
    assert_eq!(mock.bearer_get(Some(&token), &ql).await.status, 200);
    mock.advance(20).await;
    let response = mock
        .client
        .get(mock.url(&ql))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "40", "the rest of the app's minute");
}

// --- the legacy ql query ---

#[tokio::test]
async fn a_ql_cursor_chain_returns_every_retained_message_once_in_ascending_order() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let now_ms = now().timestamp_millis();
    let (all, pages) = ql_chain(&mock, &app, &token, "select * where timestamp>0", 1000).await;
    assert!(all.len() > 4000, "three days of about 2000 a day: {}", all.len());
    assert_eq!(pages, all.len().div_ceil(1000));
    assert_ascending_once(&all);
    assert!(timestamps(&all)
        .iter()
        .all(|t| (now_ms - RETENTION_MS..=now_ms).contains(t)));
    for entity in &all {
        assert_message_shape(&record_of(entity));
    }
    // `<N` with N after now covers the same retained messages; so does no ql at all.
    let (before, _) = ql_chain(
        &mock,
        &app,
        &token,
        &format!("select * where timestamp<{}", now_ms + 1),
        1000,
    )
    .await;
    assert_eq!(msg_ids(&before), msg_ids(&all));
    let first = mock.bearer_get(Some(&token), &app.path("/chatmessages")).await;
    assert_eq!(first.json["count"], 10, "limit 10 by default");
    assert_eq!(msg_ids(first.json["entities"].as_array().unwrap()), msg_ids(&all[..10]));
}

#[tokio::test]
async fn ql_timestamp_less_than_n_covers_the_retention_start_up_to_n() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let now_ms = now().timestamp_millis();
    let (all, _) = ql_chain(&mock, &app, &token, "select * where timestamp>0", 1000).await;
    let n = now_ms - 36 * HOUR_MS;
    let (before, _) = ql_chain(&mock, &app, &token, &format!("select * where timestamp<{n}"), 700).await;
    let expected: Vec<Value> = all
        .iter()
        .filter(|e| e["timestamp"].as_i64().unwrap() < n)
        .cloned()
        .collect();
    assert!(expected.len() > 1000);
    assert_eq!(msg_ids(&before), msg_ids(&expected));
    let (after, _) = ql_chain(&mock, &app, &token, &format!("select * where timestamp>{n}"), 700).await;
    assert!(timestamps(&after).iter().all(|t| *t > n));
    assert_eq!(
        before.len() + after.len() + usize::from(timestamps(&all).contains(&n)),
        all.len()
    );
}

#[tokio::test]
async fn ql_cursors_expire_after_120_seconds_and_belong_to_their_app_and_query() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let second = mock.easemob_app(SECOND).await;
    let second_token = mock.easemob_token(&second, None).await;
    let ql = "select * where timestamp>0";
    let first = mock.bearer_get(Some(&token), &ql_path(&app, ql, "&limit=5")).await;
    let cursor = first.json["cursor"].as_str().unwrap().to_owned();
    let next = |cursor: &str, ql: &str| ql_path(&app, ql, &format!("&limit=5&cursor={cursor}"));

    let refused = [
        (
            "altered",
            mock.bearer_get(Some(&token), &next(&altered(&cursor), ql)).await,
        ),
        ("garbage", mock.bearer_get(Some(&token), &next("garbage", ql)).await),
        (
            "another query",
            mock.bearer_get(Some(&token), &next(&cursor, "select * where timestamp<5"))
                .await,
        ),
        (
            "another app",
            mock.bearer_get(
                Some(&second_token),
                &second.path(&format!("/chatmessages?cursor={cursor}")),
            )
            .await,
        ),
    ];
    for (what, reply) in refused {
        assert_easemob_error(&reply, 400, "illegal_argument");
        assert!(reply.text.contains("cursor"), "{what}: {}", reply.text);
    }
    let same = mock.bearer_get(Some(&token), &next(&cursor, ql)).await;
    assert_eq!(same.status, 200, "{}", same.text);
    let alone = mock
        .bearer_get(
            Some(&token),
            &app.path(&format!("/chatmessages?limit=5&cursor={cursor}")),
        )
        .await;
    assert_eq!(
        alone.json["entities"], same.json["entities"],
        "the cursor carries the query"
    );
    let page_one = first.json["entities"].as_array().unwrap();
    let page_two = same.json["entities"].as_array().unwrap();
    assert!(page_one.last().unwrap()["timestamp"].as_i64() <= page_two[0]["timestamp"].as_i64());

    mock.advance(120).await;
    assert_eq!(mock.bearer_get(Some(&token), &next(&cursor, ql)).await.status, 200);
    mock.advance(1).await;
    let expired = mock.bearer_get(Some(&token), &next(&cursor, ql)).await;
    assert_easemob_error(&expired, 400, "illegal_argument");
    assert!(expired.text.contains("expired"), "{}", expired.text);
}

#[tokio::test]
async fn ql_is_lenient_about_spelling_and_strict_about_meaning() {
    let mock = roomy().await;
    let (app, token) = first_app(&mock).await;
    let n = now().timestamp_millis() - 6 * HOUR_MS;
    let canonical = mock
        .bearer_get(
            Some(&token),
            &ql_path(&app, &format!("select * where timestamp>{n}"), ""),
        )
        .await;
    assert_eq!(canonical.status, 200, "{}", canonical.text);
    assert_eq!(canonical.json["count"], 10);
    assert_eq!(
        canonical.json["params"]["ql"][0],
        format!("select * where timestamp>{n}"),
        "params echo the query"
    );
    let prefix = app.path("/chatmessages?ql=");
    for query in [
        format!("select%20*%20where%20timestamp%3E{n}"),
        format!("SELECT+*+WHERE+TIMESTAMP+%3E+{n}"),
        format!("select++*++where+timestamp%3E++{n}+"),
        format!("Select+%2A+Where+timeStamp%3E{n}"),
    ] {
        let reply = mock.bearer_get(Some(&token), &format!("{prefix}{query}")).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text);
        assert_eq!(reply.json["entities"], canonical.json["entities"], "{query}");
    }
    // Raw `>` and raw spaces, as the vendor's own curl example and sloppy clients send them.
    for target in [
        format!("{prefix}select+*+where+timestamp>{n}"),
        format!("{prefix}select * where timestamp > {n}"),
    ] {
        let (status, body) = raw_get(&mock, &target, &token).await;
        assert_eq!(status, 200, "{target}: {body}");
        let reply: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(reply["entities"], canonical.json["entities"], "{target}");
    }
    for bad in [
        format!("select * where timestamp>{n} and timestamp<{}", n + 5),
        format!("select * where timestamp<{n} or timestamp>5"),
        format!("select * where timestamp>={n}"),
        format!("select * where timestamp={n}"),
        format!("select * where created>{n}"),
        format!("select msg_id where timestamp>{n}"),
        format!("select * where timestamp>{n} order by timestamp desc"),
        "select * where timestamp>soon".to_owned(),
        "select *".to_owned(),
    ] {
        let reply = mock.bearer_get(Some(&token), &ql_path(&app, &bad, "")).await;
        assert_easemob_error(&reply, 400, "illegal_argument");
    }
    for (limit, status) in [("1", 200), ("1000", 200), ("0", 400), ("1001", 400), ("ten", 400)] {
        let reply: Reply = mock
            .bearer_get(Some(&token), &app.path(&format!("/chatmessages?limit={limit}")))
            .await;
        assert_eq!(reply.status, status, "limit={limit}: {}", reply.text);
    }
}

#[tokio::test]
async fn the_retired_setting_makes_ql_answer_as_retired() {
    let mock = Mock::start_with(|s| s.easemob.ql_retired = true).await;
    let (app, token) = first_app(&mock).await;
    for _ in 0..12 {
        let reply = mock
            .bearer_get(Some(&token), &app.path("/chatmessages?ql=select+*+where+timestamp%3E0"))
            .await;
        assert_easemob_error(&reply, 400, "illegal_argument");
        assert!(reply.text.contains("retired"), "{}", reply.text);
    }
    let reply = mock.bearer_get(None, &app.path("/chatmessages")).await;
    assert_easemob_error(&reply, 401, "unauthorized");
    let file = mock
        .bearer_get(Some(&token), &app.path(&format!("/chatmessages/{}", hour_key(READY))))
        .await;
    assert_eq!(
        file.status, 200,
        "files are served; retired calls did not use the quota"
    );
}

#[tokio::test]
async fn injected_faults_answer_in_the_easemob_shape() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let path = app.path(&format!("/chatmessages/{}", hour_key(READY)));
    for (status, error) in [
        (503, "service_unavailable"),
        (500, "internal_server_error"),
        (429, "reach_limit"),
    ] {
        let rule = serde_json::json!({"match": {"family": "easemob"}, "effect": {"status": status}, "times": 1});
        let added = mock.control("POST", "/_mock/faults", rule.to_string()).await;
        assert_eq!(added.status, 201, "{}", added.text);
        let reply = mock.bearer_get(Some(&token), &path).await;
        assert_easemob_error(&reply, status, error);
        assert_eq!(mock.bearer_get(Some(&token), &path).await.status, 200, "times: 1");
    }
}

// --- routes nobody serves ---

#[tokio::test]
async fn unknown_routes_and_wrong_methods_use_the_easemob_shape() {
    let mock = Mock::start().await;
    let (app, token) = first_app(&mock).await;
    let cases = [
        ("GET", app.path("/users"), 404, "service_resource_not_found"),
        (
            "GET",
            app.path("/chatmessages/2026112009/extra"),
            404,
            "service_resource_not_found",
        ),
        (
            "GET",
            "/nope/nope/users".to_owned(),
            404,
            "organization_application_not_found",
        ),
        ("GET", "/lonely".to_owned(), 404, "organization_application_not_found"),
        ("GET", app.path("/token"), 405, "method_not_allowed"),
        ("POST", app.path("/chatmessages"), 405, "method_not_allowed"),
        (
            "DELETE",
            app.path("/chatmessages/2026112009"),
            405,
            "method_not_allowed",
        ),
        ("PUT", app.path("/history/2026112009.gz"), 405, "method_not_allowed"),
    ];
    for (method, path, status, error) in cases {
        let request = mock
            .client
            .request(method.parse().unwrap(), mock.url(&path))
            .header("Authorization", format!("Bearer {token}"));
        let reply = mock.send(request).await;
        assert_easemob_error(&reply, status, error);
    }
    // Paths of the other families keep their own shape, even where an Easemob route
    // pattern (`/{org}/{app}/...`) would match them.
    for (method, path) in [("GET", "/v2/x/chatmessages/2026112009"), ("POST", "/_mock/x/token")] {
        let reply = mock
            .send(mock.client.request(method.parse().unwrap(), mock.url(path)))
            .await;
        assert_jiguang_error(&reply, 404, 404);
    }
}

#[tokio::test]
async fn mock_apps_lists_both_easemob_apps_with_sample_ids() {
    let mock = Mock::start().await;
    let apps = mock.get_with(None, "/_mock/apps").await.json;
    let easemob = apps["easemob"].as_array().unwrap();
    assert_eq!(easemob.len(), 2);
    for app in easemob {
        for key in ["usernames", "group_ids", "chatroom_ids"] {
            assert!(!app[key].as_array().unwrap().is_empty(), "{key}");
        }
    }
    // The listed usernames, groups and chatrooms are the ones the files speak of.
    let (app, token) = first_app(&mock).await;
    let url = mock.file_url(&app, &token, &hour_key(READY)).await;
    let lines = gunzip_lines(&mock.download(&url).await.bytes);
    let listed: HashSet<&str> = ["usernames", "group_ids", "chatroom_ids"]
        .iter()
        .flat_map(|k| easemob[0][*k].as_array().unwrap())
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(lines
        .iter()
        .any(|m| listed.contains(m["from"].as_str().unwrap()) || listed.contains(m["to"].as_str().unwrap())));
}
