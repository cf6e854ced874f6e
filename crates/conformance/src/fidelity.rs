//! `conformance fidelity`: the fidelity table (`docs/FIDELITY.md`), one row per endpoint
//! and per rule of `docs/SPEC.md`: where it comes from (a vendor document's section, a
//! public trace, a decision), the scenarios and tests that prove it, the official client
//! calls that exercise it (`tests/clients.rs`) and the recordings that cover it
//! (`fixtures/recorded/`). Generated from those sources, so it cannot drift: a test
//! regenerates it and fails when the committed table is stale.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    sync::LazyLock,
};

use regex::Regex;

use crate::{
    record::{Recording, Source},
    scenario::{self, Action, Scenario},
};

/// Where the table lives, from the repository root.
pub const TABLE: &str = "docs/FIDELITY.md";

/// One endpoint of the SPEC's catalogue (§0): how scenarios write it, and its source.
struct Endpoint {
    method: &'static str,
    /// As the table shows it.
    path: &'static str,
    /// Matches the path templates of scenario requests (`/v2/users/${user}/messages`).
    pattern: &'static str,
    source: &'static str,
}

/// The 19 endpoints and the Beijing alias, as SPEC §0 lists them.
const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        path: "/v3/received",
        pattern: r"^/v3/received$",
        source: "doc 003 送达统计（旧）",
    },
    Endpoint {
        method: "GET",
        path: "/v3/received/detail",
        pattern: r"^/v3/received/detail$",
        source: "doc 003 送达统计详情（新）",
    },
    Endpoint {
        method: "POST",
        path: "/v3/status/message",
        pattern: r"^/v3/status/message$",
        source: "doc 003 送达状态查询",
    },
    Endpoint {
        method: "GET",
        path: "/v3/messages",
        pattern: r"^/v3/messages$",
        source: "doc 003 消息统计（VIP 专属接口，旧）",
    },
    Endpoint {
        method: "GET",
        path: "/v3/messages/detail",
        pattern: r"^/v3/messages/detail$",
        source: "doc 003 消息统计详情（VIP 专属接口，新）",
    },
    Endpoint {
        method: "GET",
        path: "/v3/users",
        pattern: r"^/v3/users$",
        source: "doc 003 用户统计（VIP 专属接口）",
    },
    Endpoint {
        method: "GET|POST",
        path: "/v3/report/... (Beijing alias of the six above)",
        pattern: r"^/v3/report/(received|received/detail|status/message|messages|messages/detail|users)$",
        source: "doc 003 概述 (北京机房 https://bjapi.push.jiguang.cn/v3/report)",
    },
    Endpoint {
        method: "GET",
        path: "/v2/messages",
        pattern: r"^/v2/messages$",
        source: "doc 000 获取消息 (doc 001 GetMessage)",
    },
    Endpoint {
        method: "GET",
        path: "/v2/users/{username}/messages",
        pattern: r"^/v2/users/[^/]+/messages$",
        source: "doc 000 获取用户消息 (doc 001 GetUserMessage)",
    },
    Endpoint {
        method: "GET",
        path: "/v2/groups/{gid}/messages",
        pattern: r"^/v2/groups/[^/]+/messages$",
        source: "doc 000 获取群组消息",
    },
    Endpoint {
        method: "GET",
        path: "/v2/chatrooms/{chatroom_id}/messages",
        pattern: r"^/v2/chatrooms/[^/]+/messages$",
        source: "doc 000 获取聊天室消息",
    },
    Endpoint {
        method: "GET",
        path: "/v2/statistic/users",
        pattern: r"^/v2/statistic/users$",
        source: "doc 000 统计接口 › 用户统计",
    },
    Endpoint {
        method: "GET",
        path: "/v2/statistic/messages",
        pattern: r"^/v2/statistic/messages$",
        source: "doc 000 统计接口 › 消息统计",
    },
    Endpoint {
        method: "GET",
        path: "/v2/statistic/groups",
        pattern: r"^/v2/statistic/groups$",
        source: "doc 000 统计接口 › 群组统计",
    },
    Endpoint {
        method: "GET",
        path: "/v1/messages",
        pattern: r"^/v1/messages$",
        source: "doc 002 获取消息",
    },
    Endpoint {
        method: "GET",
        path: "/v1/users/{username}/messages",
        pattern: r"^/v1/users/[^/]+/messages$",
        source: "doc 002 获取用户消息",
    },
    Endpoint {
        method: "POST",
        path: "/{org}/{app}/token",
        pattern: r"^/[^/]+/[^/]+/token$",
        source: "observed: Easemob's token page and its SDKs (not in doc 004)",
    },
    Endpoint {
        method: "GET",
        path: "/{org}/{app}/chatmessages/{YYYYMMDDHH}",
        pattern: r"^/[^/]+/[^/]+/chatmessages/[^/]+$",
        source: "doc 004 根据时间条件下载历史消息文件",
    },
    Endpoint {
        method: "GET",
        path: "/{org}/{app}/history/{YYYYMMDDHH}.gz (the download link)",
        pattern: r"^(\$\{(link|base)\}|/[^/]+/[^/]+/history/)",
        source: "doc 004 (the link's url, 聊天记录数据结构); served by the mock itself: decided (SPEC R4.8)",
    },
    Endpoint {
        method: "GET",
        path: "/{org}/{app}/chatmessages?ql= (legacy)",
        pattern: r"^/[^/]+/[^/]+/chatmessages$",
        source: "doc 004 根据时间条件拉取历史消息(已停用)",
    },
];

/// One call of an official client in `tests/clients/`: the script, the name of its
/// result there, what it calls, the endpoint, and the rules it exercises.
pub struct ClientCall {
    pub script: &'static str,
    pub result: &'static str,
    pub call: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub rules: &'static [&'static str],
}

const PY: &str = "jpush_client.py";
const JS: &str = "jpush_sdk.js";
const EM: &str = "easemob_client.py";

/// Every call the client tests make (`tests/clients.rs` checks the scripts make exactly these).
pub const CLIENT_CALLS: &[ClientCall] = &[
    ClientCall {
        script: PY,
        result: "received",
        call: "jpush 3.4.1 `report.get_received`",
        method: "GET",
        path: "/v3/received",
        rules: &["R1.5", "R1.6"],
    },
    ClientCall {
        script: PY,
        result: "received_detail",
        call: "jpush 3.4.1 `report.get_received_detail`",
        method: "GET",
        path: "/v3/received/detail",
        rules: &["R1.5"],
    },
    ClientCall {
        script: PY,
        result: "messages",
        call: "jpush 3.4.1 `report.get_messages`",
        method: "GET",
        path: "/v3/messages",
        rules: &["R1.5"],
    },
    ClientCall {
        script: PY,
        result: "messages_detail",
        call: "jpush 3.4.1 `report.get_messages_detail`",
        method: "GET",
        path: "/v3/messages/detail",
        rules: &["R1.5"],
    },
    ClientCall {
        script: PY,
        result: "users_day",
        call: "jpush 3.4.1 `report.get_users` DAY",
        method: "GET",
        path: "/v3/users",
        rules: &["R1.11"],
    },
    ClientCall {
        script: PY,
        result: "users_hour",
        call: "jpush 3.4.1 `report.get_users` HOUR",
        method: "GET",
        path: "/v3/users",
        rules: &["R1.11", "R0.2"],
    },
    ClientCall {
        script: PY,
        result: "users_month",
        call: "jpush 3.4.1 `report.get_users` MONTH",
        method: "GET",
        path: "/v3/users",
        rules: &["R1.11"],
    },
    ClientCall {
        script: PY,
        result: "status_message",
        call: "jpush 3.4.1 `report.get_status_message`",
        method: "POST",
        path: "/v3/status/message",
        rules: &["R1.8", "R1.9", "R0.3"],
    },
    ClientCall {
        script: PY,
        result: "beijing_received",
        call: "jpush 3.4.1 `report.get_received` in zone BJ",
        method: "GET",
        path: "/v3/report/... (Beijing alias of the six above)",
        rules: &["R1.2"],
    },
    ClientCall {
        script: PY,
        result: "unauthorized",
        call: "jpush 3.4.1 wrong secret → `Unauthorized`",
        method: "GET",
        path: "/v3/received",
        rules: &["R1.1"],
    },
    ClientCall {
        script: PY,
        result: "vip_only",
        call: "jpush 3.4.1 plain app → `JPushFailure` 2003",
        method: "GET",
        path: "/v3/messages",
        rules: &["R1.3"],
    },
    ClientCall {
        script: PY,
        result: "bad_msg_ids",
        call: "jpush 3.4.1 bad `msg_ids` → `JPushFailure` 3002",
        method: "GET",
        path: "/v3/received",
        rules: &["R1.4"],
    },
    ClientCall {
        script: PY,
        result: "start_mismatch",
        call: "jpush 3.4.1 `get_users` DAY with a month → 3004",
        method: "GET",
        path: "/v3/users",
        rules: &["R1.11"],
    },
    ClientCall {
        script: PY,
        result: "too_old",
        call: "jpush 3.4.1 `get_users` 111 days back → 3005",
        method: "GET",
        path: "/v3/users",
        rules: &["R1.11"],
    },
    ClientCall {
        script: PY,
        result: "rate_limited",
        call: "jpush 3.4.1 past the quota → 2002 with `X-Rate-Limit-*`",
        method: "GET",
        path: "/v3/received",
        rules: &["R1.12"],
    },
    ClientCall {
        script: JS,
        result: "received",
        call: "jpush-sdk 3.5.0 `getReportReceiveds`",
        method: "GET",
        path: "/v3/received",
        rules: &["R1.5"],
    },
    ClientCall {
        script: JS,
        result: "messages",
        call: "jpush-sdk 3.5.0 `getReportMessages`",
        method: "GET",
        path: "/v3/messages",
        rules: &["R1.5"],
    },
    ClientCall {
        script: JS,
        result: "users_day",
        call: "jpush-sdk 3.5.0 `getReportUsers` DAY",
        method: "GET",
        path: "/v3/users",
        rules: &["R1.11"],
    },
    ClientCall {
        script: JS,
        result: "users_month",
        call: "jpush-sdk 3.5.0 `getReportUsers` MONTH",
        method: "GET",
        path: "/v3/users",
        rules: &["R1.11"],
    },
    ClientCall {
        script: JS,
        result: "unauthorized",
        call: "jpush-sdk 3.5.0 wrong secret → `APIRequestError` 3001",
        method: "GET",
        path: "/v3/received",
        rules: &["R1.1"],
    },
    ClientCall {
        script: JS,
        result: "vip_only",
        call: "jpush-sdk 3.5.0 plain app → `APIRequestError` 2003",
        method: "GET",
        path: "/v3/messages",
        rules: &["R1.3"],
    },
    ClientCall {
        script: JS,
        result: "rate_limited",
        call: "jpush-sdk 3.5.0 past the quota → `APIRequestError` 2002",
        method: "GET",
        path: "/v3/received",
        rules: &["R1.12"],
    },
    ClientCall {
        script: EM,
        result: "token",
        call: "ease-restapi 1.3 `AppClientAuth.get_token`",
        method: "POST",
        path: "/{org}/{app}/token",
        rules: &["R4.3", "R4.4"],
    },
    ClientCall {
        script: EM,
        result: "first_page",
        call: "ease-restapi 1.3 `export_chat_message(limit=5)`",
        method: "GET",
        path: "/{org}/{app}/chatmessages?ql= (legacy)",
        rules: &["R4.5", "R4.12", "R4.13", "R4.14"],
    },
    ClientCall {
        script: EM,
        result: "next_page",
        call: "ease-restapi 1.3 `export_chat_message(limit=5, cursor=...)`",
        method: "GET",
        path: "/{org}/{app}/chatmessages?ql= (legacy)",
        rules: &["R4.15"],
    },
    ClientCall {
        script: EM,
        result: "rate_limited",
        call: "ease-restapi 1.3 past the history quota → 429 `reach_limit`",
        method: "GET",
        path: "/{org}/{app}/chatmessages?ql= (legacy)",
        rules: &["R4.17"],
    },
];

/// A rule of `docs/SPEC.md`: `- **R1.4 Title.** text ...` up to the next blank line.
struct Rule {
    id: String,
    title: String,
    text: String,
}

static RULE_HEAD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^- \*\*(R\d+\.\d+) ([^*]*)\*\*").expect("valid regex"));
static SCENARIO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`((?:jmessage|jpush|easemob|control)-[a-z0-9-]+)`").expect("valid regex"));
static TEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(tests/[a-z_]+\.rs::[A-Za-z0-9_]+)|unit `([A-Za-z0-9_]+)`").expect("valid regex"));
static DOC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bdoc (\d{3})").expect("valid regex"));

fn rules(spec: &str) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    let mut open = false;
    for line in spec.lines() {
        if let Some(head) = RULE_HEAD.captures(line) {
            out.push(Rule {
                id: head[1].to_owned(),
                title: head[2].trim().trim_end_matches('.').to_owned(),
                text: line.to_owned(),
            });
            open = true;
        } else if open && line.starts_with("  ") {
            let rule = out.last_mut().expect("open after a head");
            rule.text.push(' ');
            rule.text.push_str(line.trim());
        } else {
            open = false;
        }
    }
    out
}

/// `documented (doc 003); observed; decided`: the rule's marks, the documents it cites.
fn rule_source(text: &str) -> String {
    let docs: BTreeSet<String> = DOC.captures_iter(text).map(|c| format!("doc {}", &c[1])).collect();
    let mut parts = Vec::new();
    if text.contains("[documented]") {
        match docs.is_empty() {
            true => parts.push("documented".to_owned()),
            false => parts.push(format!(
                "documented ({})",
                docs.into_iter().collect::<Vec<_>>().join(", ")
            )),
        }
    }
    if text.contains("[observed]") {
        parts.push("public trace (observed)".to_owned());
    }
    if text.contains("[decided]") {
        parts.push("decision".to_owned());
    }
    parts.join("; ")
}

/// The repository's inputs of the table.
struct Inputs {
    spec: String,
    scenarios: Vec<Scenario>,
    recordings: Vec<Recording>,
}

fn read_inputs(repo: &Path) -> Result<Inputs, String> {
    let spec_path = repo.join("docs/SPEC.md");
    let spec = std::fs::read_to_string(&spec_path).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let (scenarios, _) = scenario::load_dir(&repo.join("scenarios")).map_err(|e| e.to_string())?;
    let dir = repo.join("fixtures/recorded");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let recordings = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect::<Result<_, String>>()?;
    Ok(Inputs {
        spec,
        scenarios,
        recordings,
    })
}

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    ENDPOINTS
        .iter()
        .map(|e| Regex::new(e.pattern).expect("valid pattern"))
        .collect()
});

/// The endpoint a request template calls, if any of the catalogue's.
fn endpoint_of(method: &str, path: &str) -> Option<&'static Endpoint> {
    let path = path.split('?').next().unwrap_or_default();
    ENDPOINTS
        .iter()
        .zip(PATTERNS.iter())
        .find(|(e, pattern)| e.method.split('|').any(|m| m == method) && pattern.is_match(path))
        .map(|(e, _)| e)
}

fn scenarios_calling<'a>(scenarios: &'a [Scenario], endpoint: &Endpoint) -> Vec<&'a str> {
    scenarios
        .iter()
        .filter(|s| {
            s.steps.iter().any(|step| match &step.action {
                Action::Request(r) => {
                    endpoint_of(&r.request.method, &r.request.path).is_some_and(|e| std::ptr::eq(e, endpoint))
                }
                _ => false,
            })
        })
        .map(|s| s.name.as_str())
        .collect()
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::Real => "real",
        Source::Doc => "doc",
        Source::Seen => "seen",
    }
}

/// `doc: jpush-received-shape; seen: jpush-ids-not-reportable-yet`, or `no`.
fn coverage<'a>(recordings: impl Iterator<Item = &'a Recording>) -> String {
    let listed: BTreeSet<String> = recordings
        .map(|r| format!("{}: `{}`", source_name(r.source), r.scenario))
        .collect();
    match listed.is_empty() {
        true => "no".to_owned(),
        false => listed.into_iter().collect::<Vec<_>>().join("<br>"),
    }
}

fn names(items: &[&str]) -> String {
    match items.is_empty() {
        true => "—".to_owned(),
        false => items.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
    }
}

fn calls<'a>(calls: impl Iterator<Item = &'a ClientCall>) -> String {
    let listed: Vec<&str> = calls.map(|c| c.call).collect();
    match listed.is_empty() {
        true => "—".to_owned(),
        false => listed.join("<br>"),
    }
}

fn endpoint_rows(inputs: &Inputs) -> Vec<String> {
    ENDPOINTS
        .iter()
        .map(|endpoint| {
            let recorded = inputs.recordings.iter().filter(|r| {
                r.steps.iter().any(|s| {
                    let (method, path) = s.record.request.split_once(' ').unwrap_or_default();
                    endpoint_of(method, path).is_some_and(|e| std::ptr::eq(e, endpoint))
                })
            });
            format!(
                "| {} `{}` | {} | {} | {} | {} |",
                endpoint.method.replace('|', "/"),
                endpoint.path,
                endpoint.source,
                names(&scenarios_calling(&inputs.scenarios, endpoint)),
                calls(CLIENT_CALLS.iter().filter(|c| c.path == endpoint.path)),
                coverage(recorded)
            )
        })
        .collect()
}

fn rule_rows(inputs: &Inputs) -> Vec<String> {
    let known: BTreeSet<&str> = inputs.scenarios.iter().map(|s| s.name.as_str()).collect();
    rules(&inputs.spec)
        .iter()
        .map(|rule| {
            let mut cited: Vec<&str> = SCENARIO
                .captures_iter(&rule.text)
                .filter_map(|c| c.get(1).map(|m| m.as_str()))
                .filter(|name| known.contains(name))
                .collect();
            cited.dedup();
            let tests: Vec<&str> = TEST
                .captures_iter(&rule.text)
                .filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.as_str()))
                .collect();
            let recorded = inputs
                .recordings
                .iter()
                .filter(|r| cited.contains(&r.scenario.as_str()));
            format!(
                "| {} {} | {} | {} | {} | {} | {} |",
                rule.id,
                rule.title.replace('|', "\\|"),
                rule_source(&rule.text),
                names(&cited),
                names(&tests),
                calls(CLIENT_CALLS.iter().filter(|c| c.rules.contains(&rule.id.as_str()))),
                coverage(recorded)
            )
        })
        .collect()
}

/// The whole table, from the repository at `repo`.
pub fn render(repo: &Path) -> Result<String, String> {
    let inputs = read_inputs(repo)?;
    let endpoints = endpoint_rows(&inputs);
    let rules = rule_rows(&inputs);
    let evidence = inputs.recordings.iter().filter(|r| r.source != Source::Real).count();
    let mut out = String::new();
    out.push_str(&format!(
        "# Fidelity: where each endpoint and rule comes from, and what proves it\n\n\
         Generated by `cargo run -p conformance -- fidelity` from [SPEC.md](SPEC.md), `scenarios/`,\n\
         `fixtures/recorded/` and the official-client calls of `tests/clients.rs`; do not edit it\n\
         by hand (`tests/docs.rs::the_fidelity_table_is_fresh` fails when it is stale).\n\n\
         - **source**: the vendor document and section (doc 000-004, as in SPEC \"How to read\n\
         \x20 this\"), a public trace (`[observed]`: real traffic, an SDK's code, a client's issue),\n\
         \x20 or our decision (`[decided]`).\n\
         - **scenarios**: the scenario files that call the endpoint, or that the rule cites as its\n\
         \x20 proof (`cargo test --workspace` runs them all against the mock).\n\
         - **client calls**: calls of the official clients (PyPI `jpush` 3.4.1, npm `jpush-sdk`\n\
         \x20 3.5.0, PyPI `ease-restapi` 1.3) that exercise it, unmodified but for their base URL.\n\
         - **recordings**: recordings in `fixtures/recorded/` that `conformance compare` holds the\n\
         \x20 mock against: `doc` (a document's example), `seen` (a real answer seen in public),\n\
         \x20 `real` (a real account). {} endpoints, {} rules, {} recordings of documented or seen answers.\n\n\
         ## Endpoints\n\n\
         | endpoint | source | scenarios | client calls | recordings |\n\
         | --- | --- | --- | --- | --- |\n",
        endpoints.len(),
        rules.len(),
        evidence
    ));
    for row in endpoints {
        out.push_str(&row);
        out.push('\n');
    }
    out.push_str(
        "\n## Rules\n\n\
         | rule | source | scenarios | tests | client calls | recordings |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for row in rules {
        out.push_str(&row);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_read_with_their_continuation_lines() {
        let spec = "intro\n\n- **R1.1 Basic auth, 3001.** Missing auth is 401. **[documented]**\n  (doc 003 table). Proof: `jpush-auth-3001`; `tests/jpush.rs::missing_auth`.\n\n- **R1.2 Alias.** Same. **[decided]** unit `alias_rule`.\nafter\n";
        let found = rules(spec);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].id.as_str(), found[0].title.as_str()),
            ("R1.1", "Basic auth, 3001")
        );
        assert!(found[0].text.contains("tests/jpush.rs::missing_auth"));
        assert_eq!(rule_source(&found[0].text), "documented (doc 003)");
        assert_eq!(rule_source(&found[1].text), "decision");
        assert!(!found[1].text.contains("after"));
    }

    #[test]
    fn request_templates_map_to_their_endpoint() {
        let path = |method: &str, template: &str| endpoint_of(method, template).map(|e| e.path);
        assert_eq!(
            path("GET", "/v2/users/${user}/messages"),
            Some("/v2/users/{username}/messages")
        );
        assert_eq!(
            path("GET", "/${org}/${app}/chatmessages"),
            Some("/{org}/{app}/chatmessages?ql= (legacy)")
        );
        assert_eq!(
            path("GET", "/${org}/${app}/chatmessages/${hour}"),
            Some("/{org}/{app}/chatmessages/{YYYYMMDDHH}")
        );
        assert_eq!(
            path("GET", "${link}"),
            Some("/{org}/{app}/history/{YYYYMMDDHH}.gz (the download link)")
        );
        assert_eq!(
            path("POST", "/v3/report/status/message"),
            Some("/v3/report/... (Beijing alias of the six above)")
        );
        assert_eq!(
            path("POST", "/v2/messages"),
            None,
            "a wrong method is no call of the endpoint"
        );
        assert_eq!(path("GET", "/_mock/apps"), None);
        assert_eq!(ENDPOINTS.len(), 20, "19 endpoints and the Beijing alias");
        for call in CLIENT_CALLS {
            assert!(ENDPOINTS.iter().any(|e| e.path == call.path), "{}", call.path);
        }
    }
}
