//! Chat lines as people write them: mostly Chinese, some English, some mixed; short
//! replies and long messages; emoji, @mentions of other users, links. Each text message
//! draws its line from here when it is rendered, from its own random stream, so lines
//! vary as much as messages do. Also the payloads of custom
//! (app-defined) messages, which both chat families render.

use std::collections::BTreeMap;

use rand::Rng;

/// Custom events and the attributes each carries.
const CUSTOM_EVENTS: &[(&str, &[&str])] = &[
    ("gift", &["gift_id", "count", "sender_level"]),
    ("order", &["order_id", "amount", "currency"]),
    ("red_packet", &["packet_id", "greeting"]),
    ("business_card", &["user_id", "nickname", "avatar"]),
    ("poll", &["poll_id", "question", "options"]),
    ("live_invite", &["room_id", "host"]),
];

/// A custom message's event and its attributes, as strings.
pub fn custom_payload(rng: &mut impl Rng) -> (&'static str, BTreeMap<&'static str, String>) {
    let (event, keys) = CUSTOM_EVENTS[rng.random_range(0..CUSTOM_EVENTS.len())];
    let attributes = keys
        .iter()
        .map(|key| {
            let value = match *key {
                "amount" => format!("{}.{:02}", rng.random_range(1..5000), rng.random_range(0..100)),
                "currency" => "CNY".to_owned(),
                "count" | "sender_level" => rng.random_range(1..100).to_string(),
                "greeting" => "恭喜发财，大吉大利".to_owned(),
                "question" => "周五团建去哪儿？".to_owned(),
                "options" => "爬山|密室|火锅".to_owned(),
                "nickname" | "host" => format!("user{}", rng.random_range(1..100_000)),
                "avatar" => format!("https://cdn.example.com/avatar/{:08x}.png", rng.random::<u32>()),
                _ => format!("{:012}", rng.random_range(0..1_000_000_000_000u64)),
            };
            (*key, value)
        })
        .collect();
    (event, attributes)
}

/// Everyday Chinese chat lines.
const ZH: &[&str] = &[
    "你好",
    "在吗",
    "今天下午开会吗",
    "收到，谢谢",
    "晚上一起吃饭吧",
    "好的，没问题",
    "这个方案我再看看",
    "明天见",
    "辛苦了",
    "文件已经发给你了",
    "我马上到",
    "哈哈哈",
    "周末有空吗",
    "请确认一下订单",
    "路上注意安全",
    "生日快乐！",
    "已经处理好了",
    "稍等一下",
    "会议改到三点",
    "新版本上线了",
    "嗯嗯",
    "好滴",
    "我在地铁上，等下回你",
    "这个价格还能再优惠一点吗？",
    "快递到了吗",
    "刚才信号不好，你再说一遍",
    "下周一之前给我就行",
    "测试环境又挂了，谁在看？",
    "麻烦帮我看下这个 bug",
    "今天的日报发群里了",
    "客户那边已经确认了，可以排期",
    "老板说明天早上九点开会，别迟到",
    "我先下了，有事电话联系",
    "这家店的奶茶真的好喝",
    "周五团建去哪儿？",
    "投票截止到今晚十二点",
    "图片太糊了，能发原图吗",
    "没事没事，不用客气",
    "你们那边下雨了吗",
    "恭喜恭喜！",
];

/// Everyday English chat lines.
const EN: &[&str] = &[
    "ok",
    "thanks!",
    "on my way",
    "Can you send me the file?",
    "Sounds good to me",
    "Let's sync tomorrow morning",
    "lol",
    "I'll check and get back to you",
    "Meeting moved to 3pm",
    "Did the build pass?",
    "Happy birthday!!",
    "Sorry, running 10 min late",
    "Where are we having lunch?",
    "The release is out",
    "np",
    "Could you review my PR when you have a minute?",
    "Call me when you're free",
    "Got it, thanks",
    "See you there",
    "Any update on the order?",
];

/// Words that mix into Chinese lines, as they do in real chats.
const MIXED: &[&str] = &[
    "OK", "PPT", "bug", "deadline", "demo", "App", "KPI", "review", "offer", "VIP",
];

const EMOJI: &[&str] = &[
    "😂", "👍", "🙏", "😊", "🎉", "❤️", "😭", "🤔", "👌", "🔥", "😅", "[微笑]", "[捂脸]", "[OK]",
];

const LINKS: &[&str] = &[
    "https://mp.weixin.qq.com/s/3kXbQ2rZ8Jt7sPq9LmNa1w",
    "https://www.bilibili.com/video/BV1GJ411x7h7",
    "https://github.com/jpush/jpush-api-java-client/issues/152",
    "https://docs.jiguang.cn/jmessage/server/rest_api_im_report_v2",
    "https://item.jd.com/100012043978.html",
    "https://www.example.com/promo?utm_source=chat",
];

/// A chat line; `names` are display names to @mention.
pub fn line(rng: &mut impl Rng, names: &[impl AsRef<str>]) -> String {
    let mut text = match rng.random_range(0..100) {
        0..45 => zh(rng),
        45..70 => pick(rng, EN).to_owned(),
        70..80 => format!("{} {}", zh(rng), pick(rng, MIXED)),
        80..90 => long(rng),
        _ => {
            let lines = if rng.random_bool(0.5) { ZH } else { EN };
            format!("{} {}", pick(rng, lines), pick(rng, LINKS))
        }
    };
    if !names.is_empty() && rng.random_bool(0.12) {
        text = format!("@{} {text}", names[rng.random_range(0..names.len())].as_ref());
    }
    if rng.random_bool(0.2) {
        let emoji = pick(rng, EMOJI);
        text = if rng.random_bool(0.3) {
            emoji.repeat(rng.random_range(1..4))
        } else {
            format!("{text}{emoji}")
        };
    }
    text
}

fn pick<'a>(rng: &mut impl Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn zh(rng: &mut impl Rng) -> String {
    let parts = rng.random_range(1..=2);
    (0..parts).map(|_| pick(rng, ZH)).collect::<Vec<_>>().join("，")
}

/// A long message: several sentences, as in a work chat.
fn long(rng: &mut impl Rng) -> String {
    let sentences = rng.random_range(4..10);
    (0..sentences).map(|_| pick(rng, ZH)).collect::<Vec<_>>().join("。") + "。"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::rng::{stream, Purpose};

    #[test]
    fn lines_are_varied_like_a_real_chat() {
        let mut rng = stream(1, Purpose::Population, &[9]);
        let lines: Vec<String> = (0..2000).map(|_| line(&mut rng, &["小明", "Lily"])).collect();
        let share = |f: &dyn Fn(&String) -> bool| lines.iter().filter(|l| f(l)).count() as f64 / 2000.0;
        assert!(
            share(&|l| l.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))) > 0.5,
            "mostly Chinese"
        );
        assert!(share(&|l| l.is_ascii()) > 0.1, "some English");
        assert!(share(&|l| l.starts_with('@')) > 0.05, "@mentions");
        assert!(share(&|l| l.contains("https://")) > 0.05, "links");
        assert!(share(&|l| l.chars().any(|c| c as u32 >= 0x1f300)) > 0.05, "emoji");
        assert!(share(&|l| l.chars().count() > 60) > 0.03, "some long messages");
        assert!(share(&|l| l.chars().count() <= 4) > 0.05, "many short replies");
        assert!(
            !lines.iter().any(|l| l.contains("lorem") || l.contains("dolor")),
            "no lorem ipsum"
        );
    }

    #[test]
    fn custom_payloads_vary_by_event() {
        let mut rng = stream(1, Purpose::Population, &[10]);
        let payloads: Vec<_> = (0..300).map(|_| custom_payload(&mut rng)).collect();
        for (event, keys) in CUSTOM_EVENTS {
            let of_event: Vec<_> = payloads.iter().filter(|(e, _)| e == event).collect();
            assert!(!of_event.is_empty(), "{event}");
            for (_, attributes) in of_event {
                assert_eq!(attributes.len(), keys.len());
                assert!(
                    keys.iter().all(|k| attributes.contains_key(k)),
                    "{event}: {attributes:?}"
                );
            }
        }
    }
}
