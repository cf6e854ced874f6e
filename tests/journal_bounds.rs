//! The journal under hostile traffic (SPEC R7.5): entries bounded in number, in bytes
//! and in the length of each field, read a page at a time, and never holding a
//! signature, a master secret or an app a client made up.

use base64::{engine::general_purpose::STANDARD, Engine};
use e2e::{
    easemob::{hour_key, FIRST},
    Mock, Role,
};
use serde_json::{json, Value};

/// A query of about 54 KB, different for each `i`.
fn long_query(i: usize) -> String {
    format!("msg_ids=1&pad{i}={}", "a".repeat(54_000))
}

async fn journal_page(mock: &Mock, query: &str) -> Value {
    let reply = mock.get_with(None, &format!("/_mock/journal?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_long_urls_give_a_bounded_page_of_cut_entries() {
    let mock = Mock::start().await;
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (client, auth) = (mock.client.clone(), mock.basic(Role::Vip));
            let base = mock.url("/v3/received");
            tokio::spawn(async move {
                for i in (w..1000).step_by(4) {
                    let url = format!("{base}?{}", long_query(i));
                    client.get(&url).header("Authorization", &auth).send().await.unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let reply = mock.get_with(None, "/_mock/journal").await;
    assert!(reply.text.len() < 1 << 20, "a page of {} bytes", reply.text.len());
    let page = reply.json;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 100, "the default limit");
    assert_eq!(page["matched"], 1000);
    assert_eq!(page["next_since"], entries[99]["seq"]);
    for entry in entries {
        let query = entry["query"].as_str().unwrap();
        assert!(query.len() <= 2048 && query.ends_with('…'), "{} bytes", query.len());
        assert_eq!(entry["truncated"], json!(["query"]));
        let warnings = entry["warnings"].as_array().unwrap();
        assert!(
            warnings.iter().all(|w| w.as_str().unwrap().len() <= 200),
            "{warnings:?}"
        );
    }
    assert!(mock.server.state.journal.bytes() <= 8 << 20);

    // Every entry, page after page, each once and in order.
    let mut since = 0;
    let mut seqs = Vec::new();
    loop {
        let page = journal_page(&mock, &format!("since={since}&limit=300")).await;
        let entries = page["entries"].as_array().unwrap();
        if entries.is_empty() {
            assert_eq!(page["next_since"], since);
            break;
        }
        seqs.extend(entries.iter().map(|e| e["seq"].as_u64().unwrap()));
        since = page["next_since"].as_u64().unwrap();
    }
    assert_eq!(seqs, (1..=1000).collect::<Vec<u64>>());

    let filtered = journal_page(&mock, "family=jpush&path=/v3/*&warnings=true&limit=1000&since=990").await;
    assert_eq!(filtered["matched"], 10, "filters and since combine");
    for bad in ["limit=0", "limit=1001", "limit=ten", "since=-1", "since=x"] {
        let reply = mock.get_with(None, &format!("/_mock/journal?{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(reply.json["error"]["code"], 400, "{bad}");
    }
}

#[tokio::test]
async fn an_encoded_signature_name_is_redacted_and_works_like_the_plain_one() {
    let mock = Mock::start().await;
    let app = mock.easemob_app(FIRST).await;
    let token = mock.easemob_token(&app, None).await;
    let url = mock.file_url(&app, &token, &hour_key(3)).await;
    let signature = url.split_once("&Signature=").unwrap().1.to_owned();
    let encoded = url.replace("&Signature=", "&Signatur%65=");
    assert_eq!(
        mock.download(&encoded).await.status,
        200,
        "the decoded name is Signature"
    );
    let tampered = format!("{}x", encoded);
    assert_eq!(mock.download(&tampered).await.status, 403, "and its value is checked");

    let entries = journal_page(&mock, "family=easemob&path=*.gz").await["entries"].clone();
    let queries: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["query"].as_str().unwrap())
        .collect();
    assert_eq!(queries.len(), 2);
    for query in queries {
        assert!(query.ends_with("&Signatur%65=REDACTED"), "{query}");
    }
    assert!(!entries.to_string().contains(&signature), "no signature in the journal");
}

#[tokio::test]
async fn swapped_credentials_never_reach_the_journal() {
    let mock = Mock::start().await;
    let (key, secret) = mock.credentials(Role::Vip);
    let swapped = STANDARD.encode(format!("{secret}:{key}"));
    // A fault naming the secret as an app: it names no known app, so it never matches.
    let fault = json!({"match": {"app_key": secret}, "effect": {"status": 503}});
    assert_eq!(
        mock.control("POST", "/_mock/faults", fault.to_string()).await.status,
        201
    );
    for path in ["/v3/received?msg_ids=1", "/v2/messages?count=1"] {
        let reply = mock.get_with(Some(&format!("Basic {swapped}")), path).await;
        assert_eq!(reply.status, 401, "{path}: {}", reply.text);
    }
    let invented = STANDARD.encode(format!("{}:x", "k".repeat(5000)));
    mock.get_with(Some(&format!("Basic {invented}")), "/v3/received?msg_ids=1")
        .await;
    mock.get(Role::Vip, "/v3/received?msg_ids=1").await;

    let entries = journal_page(&mock, "").await["entries"].clone();
    let text = entries.to_string();
    assert!(entries.as_array().unwrap().iter().all(|e| e["fault"].is_null()));
    assert!(!text.contains(&secret) && !text.contains(&swapped), "{text}");
    assert!(!text.contains("kkkkkkkk"), "no made-up app either");
    let apps: Vec<&Value> = entries.as_array().unwrap().iter().map(|e| &e["app"]).collect();
    assert_eq!(apps, [&Value::Null, &Value::Null, &Value::Null, &json!(key)]);
    let warned = entries[0]["warnings"].to_string();
    assert!(warned.contains("unknown app"), "{warned}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_app_keys_under_a_429_fault_are_not_remembered() {
    let mock = Mock::start().await;
    let fault = json!({"match": {"family": "jpush"}, "effect": {"status": 429}});
    assert_eq!(
        mock.control("POST", "/_mock/faults", fault.to_string()).await.status,
        201
    );
    for i in 0..2000 {
        let auth = format!("Basic {}", STANDARD.encode(format!("appkey{i:018}:secret{i}")));
        let reply = mock.get_with(Some(&auth), "/v3/received?msg_ids=1").await;
        assert_eq!(reply.status, 429);
    }
    assert_eq!(
        mock.server.state.journal.throttled_size().0,
        0,
        "no made-up app is kept"
    );
    mock.get(Role::Vip, "/v3/received?msg_ids=1").await;
    mock.get(Role::Vip, "/v3/received?msg_ids=1").await;
    assert_eq!(mock.server.state.journal.throttled_size().0, 1, "a known app is");
    let last = journal_page(&mock, "since=2001").await["entries"][0]["warnings"].to_string();
    assert!(last.contains("before the wait"), "{last}");
}
