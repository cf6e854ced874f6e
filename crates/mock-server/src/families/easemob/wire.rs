//! Easemob's JSON: the chat message record of the export (one per line of an hourly file,
//! and inside the ql query's entities) and the response bodies, field for field as the
//! vendor documents them (SPEC §4).
//!
//! A message is rendered from a chat head and the app's population; the per-message
//! details (file names, sizes, secrets, coordinates) come from the head's own random
//! stream, so a message is the same wherever and whenever it is rendered.

use std::{borrow::Cow, collections::BTreeMap};

use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dataset::{
    apps::EasemobApp,
    chat::{ChatHead, MsgKind, Party, Target},
    texts, AppData,
};
use crate::kernel::rng::{stream, Purpose};

/// `{access_token, expires_in, application}` of `POST /token`.
#[derive(Serialize)]
pub struct TokenBody<'a> {
    pub access_token: &'a str,
    /// Seconds; 0 for a token that never expires.
    pub expires_in: u64,
    pub application: &'a str,
}

/// `GET /chatmessages/{YYYYMMDDHH}`.
#[derive(Serialize)]
pub struct FileLinkBody<'a> {
    pub action: &'static str,
    pub application: &'a str,
    pub uri: String,
    pub data: [FileUrl; 1],
    pub timestamp: i64,
    pub duration: u32,
    pub organization: &'a str,
    #[serde(rename = "applicationName")]
    pub application_name: &'a str,
}

#[derive(Serialize)]
pub struct FileUrl {
    pub url: String,
}

/// `GET /chatmessages?ql=...`: the fields before [`ENTITIES`], the page's memoised JSON
/// array of [`Entity`] (see `crate::families::shared::page_memo`), then [`QlTail`].
#[derive(Serialize)]
pub struct QlHead<'a> {
    pub action: &'static str,
    pub application: &'a str,
    /// The query parameters as received, each as a list (the vendor's echo).
    pub params: BTreeMap<&'static str, [&'a str; 1]>,
    pub uri: String,
}

pub const ENTITIES: &str = "entities";

/// The fields of a ql answer after its [`ENTITIES`].
#[derive(Serialize)]
pub struct QlTail<'a> {
    pub timestamp: i64,
    pub duration: u32,
    pub organization: &'a str,
    #[serde(rename = "applicationName")]
    pub application_name: &'a str,
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A message as the ql query returns it: the export record plus its entity fields.
#[derive(Serialize)]
pub struct Entity<'a> {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub created: i64,
    pub modified: i64,
    #[serde(flatten)]
    pub message: Message<'a>,
}

/// One exported chat message.
#[derive(Serialize)]
pub struct Message<'a> {
    pub msg_id: String,
    pub timestamp: i64,
    pub direction: &'static str,
    pub from: Cow<'a, str>,
    pub to: Cow<'a, str>,
    pub chat_type: &'static str,
    pub payload: Payload<'a>,
}

#[derive(Serialize)]
pub struct Payload<'a> {
    pub bodies: [Body; 1],
    pub ext: Ext<'a>,
    pub from: Cow<'a, str>,
    pub to: Cow<'a, str>,
}

/// The extension attributes a sending app attached: the vendor's own (`em_*`, as its docs
/// name them) and the app's.
#[derive(Serialize)]
pub struct Ext<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    /// Who a group message @mentions: `"ALL"` or usernames.
    #[serde(skip_serializing_if = "Option::is_none")]
    em_at_list: Option<AtList<'a>>,
    /// The push notification's title and text for offline receivers.
    #[serde(skip_serializing_if = "Option::is_none")]
    em_apns_ext: Option<ApnsExt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    em_ignore_notification: Option<bool>,
}

#[derive(Serialize)]
#[serde(untagged)]
pub enum AtList<'a> {
    All(&'static str),
    Users(Vec<Cow<'a, str>>),
}

#[derive(Serialize)]
pub struct ApnsExt {
    em_push_title: &'static str,
    em_push_content: &'static str,
}

#[derive(Serialize)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

/// A message body, tagged by `type` as the vendor documents.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Body {
    Txt {
        msg: String,
    },
    Img {
        url: String,
        filename: String,
        secret: String,
        file_length: u32,
        size: Size,
    },
    Loc {
        addr: &'static str,
        lat: f64,
        lng: f64,
    },
    Audio {
        url: String,
        filename: String,
        secret: String,
        file_length: u32,
        /// Seconds.
        length: u32,
    },
    Video {
        url: String,
        filename: String,
        secret: String,
        file_length: u32,
        length: u32,
        size: Size,
        thumb: String,
        thumb_secret: String,
    },
    File {
        url: String,
        filename: &'static str,
        secret: String,
        file_length: u32,
    },
    /// A command (透传) message: an action for the app, not shown to the user.
    Cmd {
        action: &'static str,
    },
    /// A custom message: an event name and string attributes.
    Custom {
        #[serde(rename = "customEvent")]
        custom_event: &'static str,
        #[serde(rename = "customExts")]
        custom_exts: BTreeMap<&'static str, String>,
    },
    /// A combined (合并转发) message: a title, a summary, and the forwarded messages in a
    /// file.
    Combine {
        title: &'static str,
        summary: String,
        #[serde(rename = "compatibleText")]
        compatible_text: &'static str,
        url: String,
        secret: String,
        file_length: u32,
        filename: String,
    },
}

/// Actions of command messages.
const CMD_ACTIONS: &[&str] = &[
    "typing_begin",
    "typing_end",
    "message_recall",
    "read_ack",
    "refresh_profile",
    "sync_settings",
];

const PLACES: &[(&str, f64, f64)] = &[
    ("北京市西城区西便门桥", 39.9053, 116.3630),
    ("上海市徐汇区漕河泾开发区", 31.1694, 121.3975),
    ("杭州市西湖区文三路", 30.2775, 120.1296),
    ("成都市武侯区天府软件园", 30.5437, 104.0656),
    ("Wangfujing Street, Dongcheng, Beijing", 39.9145, 116.4108),
];
const FILE_NAMES: &[&str] = &[
    "record.md",
    "发票.pdf",
    "会议纪要.docx",
    "design-v2.sketch",
    "logs.tar.gz",
];

/// Where the vendor serves chat files; the mock does not serve them, so the links keep
/// the real host rather than pointing at routes that do not exist.
const CHATFILES_HOST: &str = "https://a1.easemob.com";

/// Renders the heads of one Easemob app.
pub struct Renderer<'a> {
    pub seed: u64,
    pub app: &'a AppData<EasemobApp>,
}

impl<'a> Renderer<'a> {
    pub fn message(&self, head: &ChatHead) -> Message<'a> {
        let population = &self.app.population;
        let from = self.username(head.from);
        let (to, chat_type) = match head.target {
            Target::Single(party) => (self.username(party), "chat"),
            Target::Group(g) => (population.group_id(g).into(), "groupchat"),
            Target::Chatroom(c) => (population.chatroom_id(c).into(), "chatroom"),
        };
        let mut rng = stream(
            self.seed,
            Purpose::ChatBody,
            &[self.app.slot, head.hour as u64, head.index as u64],
        );
        let body = self.body(head, &mut rng);
        let ext = Ext {
            reply_to: (head.kind == MsgKind::Text && rng.random_bool(0.1))
                .then(|| head.msgid.saturating_sub(16 * rng.random_range(1..50)).to_string()),
            em_at_list: (chat_type == "groupchat" && rng.random_bool(0.1)).then(|| {
                if rng.random_bool(0.3) {
                    AtList::All("ALL")
                } else {
                    let u = rng.random_range(0..population.user_count());
                    AtList::Users(vec![population.username(u).into()])
                }
            }),
            em_apns_ext: rng.random_bool(0.05).then_some(ApnsExt {
                em_push_title: "新消息",
                em_push_content: "您有一条新消息",
            }),
            em_ignore_notification: rng.random_bool(0.02).then_some(true),
        };
        Message {
            msg_id: head.msgid.to_string(),
            timestamp: head.t_ms,
            direction: "outgoing",
            from: from.clone(),
            to: to.clone(),
            chat_type,
            payload: Payload {
                bodies: [body],
                ext,
                from,
                to,
            },
        }
    }

    /// The message with the entity fields the ql query adds.
    pub fn entity(&self, head: &ChatHead) -> Entity<'a> {
        let mut rng = stream(
            self.seed,
            Purpose::ChatBody,
            &[self.app.slot, head.hour as u64, head.index as u64, 1],
        );
        Entity {
            uuid: uuid(rng.random(), rng.random()),
            kind: "chatmessage",
            created: head.t_ms,
            modified: head.t_ms,
            message: self.message(head),
        }
    }

    fn username(&self, party: Party) -> Cow<'a, str> {
        match party {
            Party::Local(i) => self.app.population.username(i).into(),
            Party::Admin => "admin".into(),
            Party::Foreign(_) => unreachable!("Easemob streams have no partner app, so no foreign users"),
        }
    }

    /// Text→txt, Image→img, Location→loc, Voice→audio, File→file; Custom→video, cmd,
    /// custom or combine.
    fn body(&self, head: &ChatHead, rng: &mut rand_pcg::Pcg64Mcg) -> Body {
        match head.kind {
            MsgKind::Text => Body::Txt {
                msg: self.app.population.text(rng),
            },
            MsgKind::Image => Body::Img {
                url: self.chatfile(rng),
                filename: format!("IMG_{:04}.jpg", rng.random_range(0..10_000)),
                secret: secret(rng),
                file_length: rng.random_range(10_000..3_000_000),
                size: size(rng),
            },
            MsgKind::Location => {
                let (addr, lat, lng) = PLACES[rng.random_range(0..PLACES.len())];
                Body::Loc {
                    addr,
                    lat: ((lat + rng.random_range(-0.01..0.01)) * 1e5).round() / 1e5,
                    lng: ((lng + rng.random_range(-0.01..0.01)) * 1e5).round() / 1e5,
                }
            }
            MsgKind::Voice => {
                let length = rng.random_range(1..60);
                Body::Audio {
                    url: self.chatfile(rng),
                    filename: format!("{}.amr", head.t_ms),
                    secret: secret(rng),
                    file_length: length * 650 + rng.random_range(0..650),
                    length,
                }
            }
            // Custom heads are the app-defined kinds: video, command, custom and combined
            // messages.
            MsgKind::Custom => match rng.random_range(0..100) {
                0..40 => self.video(head, rng),
                40..60 => Body::Cmd {
                    action: CMD_ACTIONS[rng.random_range(0..CMD_ACTIONS.len())],
                },
                60..85 => custom(rng),
                _ => self.combine(rng),
            },
            MsgKind::File => Body::File {
                url: self.chatfile(rng),
                filename: FILE_NAMES[rng.random_range(0..FILE_NAMES.len())],
                secret: secret(rng),
                file_length: rng.random_range(1_000..20_000_000),
            },
        }
    }

    fn video(&self, head: &ChatHead, rng: &mut rand_pcg::Pcg64Mcg) -> Body {
        let length = rng.random_range(1..120);
        Body::Video {
            url: self.chatfile(rng),
            filename: format!("{}.mp4", head.t_ms),
            secret: secret(rng),
            file_length: length * 60_000 + rng.random_range(0..60_000),
            length,
            size: size(rng),
            thumb: self.chatfile(rng),
            thumb_secret: secret(rng),
        }
    }

    fn combine(&self, rng: &mut rand_pcg::Pcg64Mcg) -> Body {
        let lines = rng.random_range(2..5);
        let summary = (0..lines)
            .map(|_| self.app.population.text(rng).chars().take(20).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n");
        Body::Combine {
            title: if rng.random_bool(0.5) {
                "群聊的聊天记录"
            } else {
                "Chat history"
            },
            summary,
            compatible_text: "[聊天记录]",
            url: self.chatfile(rng),
            secret: secret(rng),
            file_length: rng.random_range(500..200_000),
            filename: format!("{}.combine", uuid(rng.random(), rng.random())),
        }
    }

    fn chatfile(&self, rng: &mut rand_pcg::Pcg64Mcg) -> String {
        let c = &self.app.credentials;
        format!(
            "{CHATFILES_HOST}/{}/{}/chatfiles/{}",
            c.org_name,
            c.app_name,
            uuid(rng.random(), rng.random())
        )
    }
}

/// A custom message: an app-defined event and its attributes.
fn custom(rng: &mut rand_pcg::Pcg64Mcg) -> Body {
    let (custom_event, custom_exts) = texts::custom_payload(rng);
    Body::Custom {
        custom_event,
        custom_exts,
    }
}

/// A 48-character secret of the vendor's form (base64url).
fn secret(rng: &mut rand_pcg::Pcg64Mcg) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let bytes: [u8; 36] = rng.random();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn size(rng: &mut rand_pcg::Pcg64Mcg) -> Size {
    Size {
        width: rng.random_range(120..2000),
        height: rng.random_range(120..2000),
    }
}

/// 128 bits as a lowercase uuid (8-4-4-4-12).
fn uuid(high: u64, low: u64) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// The `application` id of the app in `slot`: a stable uuid derived from the seed.
pub fn application_id(seed: u64, slot: u64) -> String {
    let digest = Sha256::new()
        .chain_update(b"easemob application")
        .chain_update(seed.to_le_bytes())
        .chain_update(slot.to_le_bytes())
        .finalize();
    let half = |range: std::ops::Range<usize>| {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&digest[range]);
        u64::from_be_bytes(bytes)
    };
    uuid(half(0..8), half(8..16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_uuids_and_are_stable() {
        let id = application_id(42, 1000);
        assert_eq!(id, application_id(42, 1000));
        assert_ne!(id, application_id(42, 1001));
        assert_ne!(id, application_id(43, 1000));
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        assert_eq!(uuid(0, u64::MAX), "00000000-0000-0000-ffff-ffffffffffff");
    }
}
