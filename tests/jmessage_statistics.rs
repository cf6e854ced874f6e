//! JMessage V2 statistics (SPEC §2): the error rows, and agreement with the history
//! endpoints over the whole 60-day window for two seeds.

use std::collections::{HashMap, HashSet};

use e2e::{assert_fields, assert_jiguang_error, enc, follow_chain, local, now, Mock, Role};
use serde_json::Value;

const DAY: i64 = 86_400;

#[tokio::test]
async fn plain_app_gets_2003() {
    let mock = Mock::start().await;
    for path in ["users", "messages", "groups"] {
        let query = "time_unit=DAY&start=2026-11-18&duration=2";
        assert_jiguang_error(
            &mock.get(Role::Plain, &format!("/v2/statistic/{path}?{query}")).await,
            403,
            2003,
        );
        assert_eq!(
            mock.get(Role::Vip, &format!("/v2/statistic/{path}?{query}"))
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn period_rules_are_3004_3005_and_899003() {
    let mock = Mock::start().await;
    for (path, query, status, code) in [
        ("messages", "time_unit=DAY&start=2026-11&duration=1", 400, 3004),
        ("messages", "time_unit=HOUR&start=2026-11-20&duration=1", 400, 3004),
        ("users", "time_unit=DAY&start=2026-11-20+10&duration=1", 400, 3004),
        ("messages", "time_unit=DAY&start=2026-09-01&duration=1", 400, 3005),
        ("groups", "time_unit=DAY&start=2026-11-01&duration=61", 400, 3005),
        ("messages", "time_unit=HOUR&start=2026-11-19+10&duration=1", 400, 3005),
        ("messages", "time_unit=MONTH&start=2026-10&duration=3", 400, 3005),
        ("users", "time_unit=HOUR&start=2026-11-20+10&duration=1", 400, 899003),
        ("groups", "time_unit=MONTH&start=2026-11&duration=1", 400, 899003),
        ("messages", "time_unit=WEEK&start=2026-11-18&duration=1", 400, 899003),
        ("messages", "time_unit=DAY&start=2026-11-18", 400, 899003),
        ("users", "start=2026-11-18&duration=1", 400, 899003),
    ] {
        let reply = mock.get(Role::Vip, &format!("/v2/statistic/{path}?{query}")).await;
        assert_jiguang_error(&reply, status, code);
    }
    assert_jiguang_error(
        &mock
            .get_with(None, "/v2/statistic/users?time_unit=DAY&start=2026-11-18&duration=1")
            .await,
        401,
        899007,
    );
}

#[tokio::test]
async fn shapes_follow_the_doc_examples() {
    let mock = Mock::start().await;
    let users = mock
        .get(
            Role::Vip,
            "/v2/statistic/users?time_unit=DAY&start=2026-11-18&duration=3",
        )
        .await
        .json;
    assert_eq!(users.as_array().unwrap().len(), 3);
    for day in users.as_array().unwrap() {
        assert_fields(
            day,
            &[
                ("date", "string"),
                ("active_users", "number"),
                ("total_users", "number"),
                ("send_msg_users", "number"),
                ("new_users", "number"),
            ],
        );
    }
    let groups = mock
        .get(
            Role::Vip,
            "/v2/statistic/groups?time_unit=DAY&start=2026-11-18&duration=3",
        )
        .await
        .json;
    assert_fields(
        &groups[0],
        &[
            ("date", "string"),
            ("active_group", "number"),
            ("total_group", "number"),
            ("new_group", "number"),
        ],
    );
    let messages = mock
        .get(
            Role::Vip,
            "/v2/statistic/messages?time_unit=DAY&start=2026-11-18&duration=3",
        )
        .await
        .json;
    assert_fields(
        &messages,
        &[
            ("send_msg_stat", "array"),
            ("group_msg_stat", "object"),
            ("single_msg_stat", "object"),
        ],
    );
    assert_fields(
        &messages["send_msg_stat"][0],
        &[
            ("time", "string"),
            ("group_send_msg", "number"),
            ("single_send_msg", "number"),
        ],
    );
    let kinds = [
        ("txt_msg", "number"),
        ("image_msg", "number"),
        ("voice_msg", "number"),
        ("other_msg", "number"),
    ];
    assert_fields(&messages["group_msg_stat"], &kinds);
    assert_fields(&messages["single_msg_stat"], &kinds);
}

/// The statistics of every day of the last 60 agree with `/v2/messages`.
async fn check_against_history(seed: u64) {
    let mock = Mock::start_with(|s| {
        s.seed = seed;
        s.dataset.messages_per_day = 300;
    })
    .await;
    let (own_key, _) = mock.credentials(Role::Vip);
    // Every message of the last 60 days, by local day.
    let mut by_day: HashMap<String, Vec<Value>> = HashMap::new();
    for week in 0..9 {
        let (from, to) = (
            -60 * DAY + week * 7 * DAY,
            (-60 * DAY + (week + 1) * 7 * DAY - 1).min(0),
        );
        if from > to {
            break;
        }
        let first = format!(
            "/v2/messages?count=1000&begin_time={}&end_time={}",
            enc(&local(from)),
            enc(&local(to))
        );
        let (_, messages, _) = follow_chain(&mock, Role::Vip, &first).await;
        for m in messages {
            by_day
                .entry(local(m["create_time"].as_i64().unwrap() - now().timestamp())[..10].to_string())
                .or_default()
                .push(m);
        }
    }
    let start = &local(-59 * DAY)[..10];
    let query = format!("time_unit=DAY&start={start}&duration=60");
    let messages = mock
        .get(Role::Vip, &format!("/v2/statistic/messages?{query}"))
        .await
        .json;
    let users = mock.get(Role::Vip, &format!("/v2/statistic/users?{query}")).await.json;
    let groups = mock.get(Role::Vip, &format!("/v2/statistic/groups?{query}")).await.json;
    let empty = Vec::new();
    let mut previous_total: Option<u64> = None;
    for i in 0..60 {
        let stat = &messages["send_msg_stat"][i];
        let day = stat["time"].as_str().unwrap();
        let history = by_day.get(day).unwrap_or(&empty);
        let count = |kind: &str| history.iter().filter(|m| m["target_type"] == kind).count() as u64;
        assert_eq!(
            stat["single_send_msg"].as_u64(),
            Some(count("single")),
            "seed {seed} {day} single"
        );
        assert_eq!(
            stat["group_send_msg"].as_u64(),
            Some(count("group")),
            "seed {seed} {day} group"
        );

        let own = |m: &Value, key: &str| m[key] == own_key.as_str();
        let senders: HashSet<&str> = history
            .iter()
            .filter(|m| m["from_type"] == "user" && own(m, "from_appkey"))
            .map(|m| m["from_id"].as_str().unwrap())
            .collect();
        let mut active = senders.clone();
        active.extend(
            history
                .iter()
                .filter(|m| m["target_type"] == "single" && own(m, "target_appkey"))
                .map(|m| m["target_id"].as_str().unwrap()),
        );
        let u = &users[i];
        assert_eq!(u["date"], day);
        assert_eq!(
            u["send_msg_users"].as_u64(),
            Some(senders.len() as u64),
            "seed {seed} {day} senders"
        );
        assert_eq!(
            u["active_users"].as_u64(),
            Some(active.len() as u64),
            "seed {seed} {day} active"
        );
        let total = u["total_users"].as_u64().unwrap();
        if let Some(previous) = previous_total {
            assert_eq!(
                total,
                previous + u["new_users"].as_u64().unwrap(),
                "seed {seed} {day} totals grow by new users"
            );
        }
        assert!(active.len() as u64 <= total);
        previous_total = Some(total);

        let active_groups: HashSet<&str> = history
            .iter()
            .filter(|m| m["target_type"] == "group")
            .map(|m| m["target_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            groups[i]["active_group"].as_u64(),
            Some(active_groups.len() as u64),
            "seed {seed} {day} groups"
        );
        assert!(groups[i]["active_group"].as_u64() <= groups[i]["total_group"].as_u64());
    }
    let population = &mock.server.state.core.dataset.jiguang[0].population;
    assert_eq!(
        previous_total,
        Some(population.users_at(now().timestamp_millis()) as u64)
    );
    let new_in_window: u64 = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["new_users"].as_u64().unwrap())
        .sum();
    assert!(new_in_window > 0, "some users are new in the window");
    let single_total: u64 = (0..60)
        .map(|i| messages["send_msg_stat"][i]["single_send_msg"].as_u64().unwrap())
        .sum();
    let single_by_type = &messages["single_msg_stat"];
    let by_type: u64 = ["txt_msg", "image_msg", "voice_msg", "other_msg"]
        .iter()
        .map(|k| single_by_type[*k].as_u64().unwrap())
        .sum();
    assert_eq!(single_total, by_type, "type counts add up to the daily counts");
}

#[tokio::test]
async fn statistics_agree_with_history_seed_3() {
    check_against_history(3).await;
}

#[tokio::test]
async fn statistics_agree_with_history_seed_4() {
    check_against_history(4).await;
}

#[tokio::test]
async fn hours_and_months_add_up_to_days() {
    let mock = Mock::start().await;
    let stat = |query: String| {
        let mock = &mock;
        async move {
            mock.get(Role::Vip, &format!("/v2/statistic/messages?{query}"))
                .await
                .json
        }
    };
    let hours = stat("time_unit=HOUR&start=2026-11-20+00&duration=24".into()).await;
    let today = stat("time_unit=DAY&start=2026-11-20&duration=1".into()).await;
    let sum = |v: &Value, key: &str| {
        v["send_msg_stat"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[key].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(sum(&hours, "single_send_msg"), sum(&today, "single_send_msg"));
    assert_eq!(sum(&hours, "group_send_msg"), sum(&today, "group_send_msg"));
    assert_eq!(hours["send_msg_stat"][23]["single_send_msg"], 0, "the future is empty");
    assert_eq!(hours["send_msg_stat"][5]["time"], "2026-11-20 05");
    let month = stat("time_unit=MONTH&start=2026-11&duration=1".into()).await;
    let days = stat("time_unit=DAY&start=2026-11-01&duration=20".into()).await;
    assert_eq!(sum(&month, "single_send_msg"), sum(&days, "single_send_msg"));
    assert_eq!(month["send_msg_stat"][0]["time"], "2026-11");
}

#[tokio::test]
async fn todays_statistics_follow_the_clock_and_users_and_groups_stay_apart() {
    let mock = Mock::start_with(|s| {
        s.dataset.users = 30;
        s.dataset.groups = 30;
    })
    .await;
    let path = "/v2/statistic/messages?time_unit=DAY&start=2026-11-20&duration=1";
    let before = mock.get(Role::Vip, path).await.json["send_msg_stat"][0]["single_send_msg"]
        .as_u64()
        .unwrap();
    mock.advance(3600).await;
    let after = mock.get(Role::Vip, path).await.json["send_msg_stat"][0]["single_send_msg"]
        .as_u64()
        .unwrap();
    assert!(after > before, "an hour more of today: {before} then {after}");
    let query = "time_unit=DAY&start=2026-11-18&duration=2";
    let users = mock.get(Role::Vip, &format!("/v2/statistic/users?{query}")).await.json;
    let groups = mock.get(Role::Vip, &format!("/v2/statistic/groups?{query}")).await.json;
    assert!(users[0].get("active_users").is_some() && groups[0].get("active_group").is_some());
}

#[tokio::test]
async fn the_default_dataset_looks_like_production_registered_far_beyond_active() {
    let mock = Mock::start().await;
    let start = (now() - chrono::TimeDelta::days(59))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%d")
        .to_string();
    let query = format!("time_unit=DAY&start={start}&duration=60");
    let users = mock.get(Role::Vip, &format!("/v2/statistic/users?{query}")).await.json;
    let days = users.as_array().unwrap();
    assert_eq!(days.len(), 60);
    let n = |day: &Value, key: &str| day[key].as_u64().unwrap();
    let sparse = days
        .iter()
        .filter(|d| (n(d, "active_users") as f64) < 0.5 * n(d, "total_users") as f64)
        .count();
    assert!(sparse >= 54, "active below half the registered on {sparse} of 60 days");
    let fewer_senders = days
        .iter()
        .filter(|d| n(d, "send_msg_users") < n(d, "active_users"))
        .count();
    assert!(
        fewer_senders > 30,
        "fewer senders than active users on {fewer_senders} of 60 days"
    );
    assert!(
        days.windows(2)
            .all(|w| n(&w[0], "total_users") <= n(&w[1], "total_users"))
            && n(&days[0], "total_users") < n(&days[59], "total_users"),
        "registrations grow day by day"
    );
    assert!(n(&days[59], "total_users") >= 10_000, "tens of thousands registered");
    let groups = mock.get(Role::Vip, &format!("/v2/statistic/groups?{query}")).await.json;
    let quiet = groups
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| n(d, "active_group") < n(d, "total_group"))
        .count();
    assert!(quiet >= 54, "some groups are quiet on {quiet} of 60 days");
    // Weekends are quieter than weekdays.
    let active = |weekend: bool| -> f64 {
        let picked: Vec<f64> = days
            .iter()
            .filter(|d| {
                let date = chrono::NaiveDate::parse_from_str(d["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
                (chrono::Datelike::weekday(&date).number_from_monday() >= 6) == weekend
            })
            .map(|d| n(d, "active_users") as f64)
            .collect();
        picked.iter().sum::<f64>() / picked.len() as f64
    };
    assert!(
        active(true) < active(false),
        "weekends {} vs weekdays {}",
        active(true),
        active(false)
    );
}
