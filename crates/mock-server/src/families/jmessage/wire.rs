//! The JMessage message record and page bodies, field for field as the vendor documents
//! them (SPEC §2). Bodies are rendered from a head and the app's population; the
//! per-message details (media ids, sizes, coordinates) come from the head's own stream.

use std::{borrow::Cow, collections::BTreeMap};

use rand::Rng;
use serde::Serialize;

use crate::dataset::{
    apps::JiguangApp,
    chat::{ChatHead, MsgKind, Party, Platform, Target},
    population::Population,
    texts, AppData,
};
use crate::kernel::rng::{stream, Purpose};

/// The name of the field that holds a page's messages, after the fields of its head.
pub const MESSAGES: &str = "messages";

/// A V2 page's fields before its [`MESSAGES`], the page's memoised JSON array (see
/// `crate::families::shared::page_memo`).
#[derive(Serialize)]
pub struct V2PageHead {
    pub total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    pub count: usize,
}

/// A V1 page's fields before its [`MESSAGES`].
#[derive(Serialize)]
pub struct V1PageHead {
    pub total: u64,
    pub start: u64,
    pub count: usize,
}

#[derive(Serialize)]
pub struct WireMessage<'a> {
    pub target_type: &'static str,
    pub msg_type: &'static str,
    pub target_name: Cow<'a, str>,
    pub target_id: Cow<'a, str>,
    pub from_id: Cow<'a, str>,
    pub from_name: Cow<'a, str>,
    pub from_type: &'static str,
    pub from_platform: &'static str,
    pub from_appkey: &'a str,
    pub target_appkey: &'a str,
    pub msg_body: MsgBody,
    pub create_time: i64,
    pub version: u32,
    pub msgid: u64,
    /// 0: within the app; 1: across apps.
    pub msg_level: u8,
    /// When the server received the message, in milliseconds.
    pub msg_ctime: i64,
    /// Present on group and chatroom messages, as in the vendor's examples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_from_name: Option<u8>,
}

#[derive(Serialize)]
#[serde(untagged)]
pub enum MsgBody {
    Text {
        text: String,
        extras: Extras,
    },
    Image {
        media_id: String,
        media_crc32: u32,
        width: u32,
        height: u32,
        format: &'static str,
        hash: String,
        fsize: u32,
    },
    Voice {
        media_id: String,
        media_crc32: u32,
        duration: u32,
        hash: String,
        fsize: u32,
        format: &'static str,
    },
    File {
        media_id: String,
        media_crc32: u32,
        hash: String,
        fsize: u32,
        fname: String,
    },
    Location {
        latitude: f64,
        longitude: f64,
        scale: u32,
        label: &'static str,
    },
    Custom {
        event: &'static str,
        order_id: String,
        amount: u32,
    },
    /// A custom message's event and attributes (`dataset::texts::custom_payload`).
    CustomFields(BTreeMap<&'static str, String>),
}

/// A text's `extras`, which the sending app fills as the message needs (the doc leaves
/// them free): most texts carry none; a reply names the message it quotes, a link its
/// preview, a message sent by the app's server where it came from, a group notice that
/// it is for everyone. **Decided**, after what chat apps attach.
#[derive(Serialize, Default)]
pub struct Extras {
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<LinkPreview>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_all: Option<bool>,
}

/// The preview a client fetched for a link in a text.
#[derive(Serialize)]
pub struct LinkPreview {
    url: String,
    title: &'static str,
}

impl Extras {
    /// The extras of `text`, sent as `head` says.
    fn of(head: &ChatHead, text: &str, rng: &mut impl Rng) -> Extras {
        let mut extras = Extras::default();
        if head.from == Party::Admin {
            extras.source = Some("server_api");
            extras.campaign_id = rng
                .random_bool(0.5)
                .then(|| format!("cmp_{:08}", rng.random_range(0..100_000_000)));
        } else if rng.random_bool(0.1) {
            extras.reply_to = Some(head.msgid.saturating_sub(16 * rng.random_range(1..50)));
        }
        if let Some(url) = link_in(text) {
            extras.link = Some(LinkPreview {
                url: url.to_owned(),
                title: link_title(url),
            });
        }
        if matches!(head.target, Target::Group(_)) && rng.random_bool(0.03) {
            extras.at_all = Some(true);
        }
        extras
    }
}

/// The first link of a text, up to the first character a URL cannot hold.
fn link_in(text: &str) -> Option<&str> {
    let start = text.find("https://")?;
    let rest = &text[start..];
    let end = rest.find(|c: char| !c.is_ascii_graphic()).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn link_title(url: &str) -> &'static str {
    match url {
        u if u.contains("jd.com") => "京东商品详情",
        u if u.contains("bilibili") => "哔哩哔哩 (゜-゜)つロ 干杯~",
        u if u.contains("weixin") || u.contains("qq.com") => "微信公众平台",
        u if u.contains("github.com") => "GitHub · Issue",
        u if u.contains("jiguang.cn") => "极光文档",
        _ => "Shared link",
    }
}

const PLACES: &[(&str, f64, f64)] = &[
    ("北京市东城区天安门广场", 39.9087, 116.3975),
    ("上海市浦东新区陆家嘴", 31.2397, 121.4998),
    ("深圳市南山区科技园", 22.5405, 113.9344),
    ("广州市天河区珠江新城", 23.1200, 113.3260),
    ("Shenzhen Bay Park", 22.5080, 113.9460),
];
const FILE_NAMES: &[&str] = &[
    "季度报告.pdf",
    "meeting-notes.docx",
    "合同草案.doc",
    "photos.zip",
    "roadmap.xlsx",
];

/// Renders heads of one Jiguang app.
pub struct Renderer<'a> {
    pub seed: u64,
    pub app: &'a AppData<JiguangApp>,
    pub partner: Option<&'a AppData<JiguangApp>>,
}

impl<'a> Renderer<'a> {
    pub fn message(&self, head: &ChatHead) -> WireMessage<'a> {
        let own_key = self.app.credentials.app_key.as_str();
        let (from_id, from_name, from_appkey) = self.party(head.from);
        let (target_type, target_id, target_name, target_appkey, set_from_name) = match head.target {
            Target::Single(party) => {
                let (id, name, appkey) = self.party(party);
                ("single", id, name, appkey, None)
            }
            Target::Group(g) => {
                let room = self.app.population.group(g);
                ("group", room.id.into(), room.name.into(), "", Some(1))
            }
            Target::Chatroom(c) => {
                let room = self.app.population.chatroom(c);
                ("chatroom", room.id.into(), room.name.into(), "", Some(1))
            }
        };
        WireMessage {
            target_type,
            msg_type: msg_type(head.kind),
            target_name,
            target_id,
            from_id,
            from_name,
            from_type: if head.from == Party::Admin { "admin" } else { "user" },
            from_platform: platform(head.platform),
            from_appkey: if from_appkey.is_empty() { own_key } else { from_appkey },
            target_appkey,
            msg_body: self.body(head),
            create_time: head.t_ms.div_euclid(1000),
            version: 1,
            msgid: head.msgid,
            msg_level: head.is_cross_app() as u8,
            msg_ctime: head.t_ms,
            set_from_name,
        }
    }

    /// (id, display name, appkey) of a party.
    fn party(&self, party: Party) -> (Cow<'a, str>, Cow<'a, str>, &'a str) {
        let user_of = |population: &'a Population, i: u32, appkey: &'a str| {
            (population.username(i).into(), population.nickname(i).into(), appkey)
        };
        match (party, self.partner) {
            (Party::Local(i), _) => user_of(&self.app.population, i, &self.app.credentials.app_key),
            (Party::Foreign(i), Some(partner)) => user_of(&partner.population, i, &partner.credentials.app_key),
            (Party::Foreign(_), None) => unreachable!("cross-app heads exist only for apps with a partner"),
            (Party::Admin, _) => ("admin".into(), "admin".into(), ""),
        }
    }

    fn body(&self, head: &ChatHead) -> MsgBody {
        let mut rng = stream(
            self.seed,
            Purpose::ChatBody,
            &[self.app.slot, head.hour as u64, head.index as u64],
        );
        let media = |rng: &mut rand_pcg::Pcg64Mcg, kind: &str| {
            let (a, b): (u64, u64) = (rng.random(), rng.random());
            (
                format!("qiniu/{kind}/j/{a:016X}{b:016X}"),
                rng.random::<u32>(),
                format!("Fq{a:016x}{b:016x}"),
            )
        };
        match head.kind {
            MsgKind::Text => {
                let text = self.app.population.text(&mut rng);
                MsgBody::Text {
                    extras: Extras::of(head, &text, &mut rng),
                    text,
                }
            }
            MsgKind::Image => {
                let (media_id, media_crc32, hash) = media(&mut rng, "image");
                MsgBody::Image {
                    media_id,
                    media_crc32,
                    width: rng.random_range(120..2000),
                    height: rng.random_range(120..2000),
                    format: if rng.random_bool(0.7) { "jpg" } else { "png" },
                    hash,
                    fsize: rng.random_range(10_000..3_000_000),
                }
            }
            MsgKind::Voice => {
                let (media_id, media_crc32, hash) = media(&mut rng, "voice");
                let duration = rng.random_range(1..60);
                MsgBody::Voice {
                    media_id,
                    media_crc32,
                    duration,
                    hash,
                    fsize: duration * 1_600 + rng.random_range(0..800),
                    format: "amr",
                }
            }
            MsgKind::File => {
                let (media_id, media_crc32, hash) = media(&mut rng, "file");
                MsgBody::File {
                    media_id,
                    media_crc32,
                    hash,
                    fsize: rng.random_range(1_000..20_000_000),
                    fname: FILE_NAMES[rng.random_range(0..FILE_NAMES.len())].to_owned(),
                }
            }
            MsgKind::Location => {
                let (label, lat, lng) = PLACES[rng.random_range(0..PLACES.len())];
                MsgBody::Location {
                    latitude: ((lat + rng.random_range(-0.01..0.01)) * 1e4).round() / 1e4,
                    longitude: ((lng + rng.random_range(-0.01..0.01)) * 1e4).round() / 1e4,
                    scale: rng.random_range(10..18),
                    label,
                }
            }
            MsgKind::Custom => match texts::custom_payload(&mut rng) {
                ("order", _) => MsgBody::Custom {
                    event: "order_paid",
                    order_id: format!("ORD{:010}", rng.random_range(0..10_000_000_000u64)),
                    amount: rng.random_range(100..100_000),
                },
                (event, mut fields) => {
                    fields.insert("event", event.to_owned());
                    MsgBody::CustomFields(fields)
                }
            },
        }
    }
}

fn msg_type(kind: MsgKind) -> &'static str {
    match kind {
        MsgKind::Text => "text",
        MsgKind::Image => "image",
        MsgKind::Voice => "voice",
        MsgKind::File => "file",
        MsgKind::Location => "location",
        MsgKind::Custom => "custom",
    }
}

fn platform(platform: Platform) -> &'static str {
    match platform {
        Platform::Android => "a",
        Platform::Ios => "i",
        Platform::Web => "web",
        Platform::WinPhone => "w",
        Platform::Api => "api",
    }
}
