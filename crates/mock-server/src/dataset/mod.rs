//! The seeded synthetic dataset: apps and their credentials, each app's population, and
//! the generators that produce records on demand (see `chat`). Nothing here knows HTTP.

pub mod activity;
pub mod apps;
pub mod chat;
pub mod chat_stats;
pub mod population;
pub mod push;
pub mod texts;

use chrono::{DateTime, FixedOffset, Utc};

use self::{
    apps::{AppsFixture, EasemobApp, JiguangApp},
    chat::ChatStream,
    population::Population,
    push::{Devices, MsgIdStyle, PushStream},
};
use crate::kernel::basic::basic_header;

/// Easemob apps take key-space slots from here, apart from the Jiguang apps.
const EASEMOB_SLOT_BASE: u64 = 1000;

/// Dataset-size knobs: they change how much data exists, never how it is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetSize {
    pub users: u32,
    pub groups: u32,
    pub chatrooms: u32,
    pub messages_per_day: u32,
    /// JPush devices (registration ids) per app.
    pub devices: u32,
    /// JPush pushes (msg_ids) per app per day, on average.
    pub pushes_per_day: u32,
}

impl Default for DatasetSize {
    fn default() -> DatasetSize {
        DatasetSize {
            users: 20_000,
            groups: 10_000,
            chatrooms: 50,
            messages_per_day: 2000,
            devices: 1000,
            pushes_per_day: 48,
        }
    }
}

pub struct Dataset {
    pub seed: u64,
    pub size: DatasetSize,
    pub timezone: FixedOffset,
    pub jiguang: Vec<AppData<JiguangApp>>,
    /// The JPush devices of each Jiguang app, in the order of `jiguang`.
    pub devices: Vec<Devices>,
    /// Each Jiguang app's canonical `Basic` Authorization value, in the order of `jiguang`.
    basic_headers: Vec<String>,
    pub easemob: Vec<AppData<EasemobApp>>,
    /// How JPush msg_ids are written.
    pub msg_id_style: MsgIdStyle,
    /// The end of the period in which recent users, groups and devices registered (ms).
    anchor_ms: i64,
    /// The chat heads of recent hours, every app's.
    chat_hours: chat::HourMemo,
}

/// One app: its credentials, its slot in the key space, and its population.
pub struct AppData<C> {
    pub credentials: C,
    pub slot: u64,
    pub population: Population,
    /// Index (in the same family's list) of the app cross-app messages involve.
    pub partner: Option<usize>,
}

impl Dataset {
    /// The dataset of `seed` and `size`, its local times in `timezone`. Recent users and
    /// groups arrive up to the start of the (UTC) day on which the clock starts, so a
    /// frozen start gives the same dataset.
    pub fn generate(seed: u64, size: DatasetSize, timezone: FixedOffset, clock_start: DateTime<Utc>) -> Dataset {
        let fixture = AppsFixture::embedded();
        let start = clock_start.timestamp_millis();
        let anchor = start - start.rem_euclid(86_400_000);
        let jiguang_count = fixture.jiguang.len();
        let devices = (0..jiguang_count as u64)
            .map(|slot| Devices::generate(seed, slot, size.devices, anchor, false))
            .collect();
        let jiguang: Vec<AppData<JiguangApp>> = fixture
            .jiguang
            .into_iter()
            .enumerate()
            .map(|(i, credentials)| AppData {
                credentials,
                slot: i as u64,
                population: Population::generate(seed, i as u64, size, anchor),
                partner: (jiguang_count > 1).then(|| (i + 1) % jiguang_count),
            })
            .collect();
        let easemob = fixture
            .easemob
            .into_iter()
            .enumerate()
            .map(|(i, credentials)| {
                let slot = EASEMOB_SLOT_BASE + i as u64;
                AppData {
                    credentials,
                    slot,
                    population: Population::generate(seed, slot, size, anchor),
                    partner: None,
                }
            })
            .collect();
        Dataset {
            seed,
            size,
            timezone,
            basic_headers: jiguang
                .iter()
                .map(|a| basic_header(&a.credentials.app_key, &a.credentials.master_secret))
                .collect(),
            jiguang,
            devices,
            easemob,
            msg_id_style: MsgIdStyle::default(),
            anchor_ms: anchor,
            chat_hours: chat::hour_memo(),
        }
    }

    /// The same dataset with JPush devices of today's platforms too (HarmonyOS, quick
    /// apps), as the 2025 JPush schema reports them.
    pub fn with_today_s_devices(self) -> Dataset {
        let devices = (0..self.jiguang.len() as u64)
            .map(|slot| Devices::generate(self.seed, slot, self.size.devices, self.anchor_ms, true))
            .collect();
        Dataset { devices, ..self }
    }

    /// The same dataset with its JPush msg_ids written in `style`.
    pub fn with_msg_id_style(self, style: MsgIdStyle) -> Dataset {
        Dataset {
            msg_id_style: style,
            ..self
        }
    }

    /// The chat stream of Jiguang app `index`.
    pub fn jiguang_chat(&self, index: usize) -> ChatStream<'_> {
        let app = &self.jiguang[index];
        self.chat_stream(app, app.partner.map(|p| &self.jiguang[p].population))
    }

    /// The pushes and devices of Jiguang app `index`.
    pub fn jiguang_push(&self, index: usize) -> PushStream<'_> {
        PushStream {
            seed: self.seed,
            slot: self.jiguang[index].slot,
            pushes_per_day: self.size.pushes_per_day,
            msg_id_style: self.msg_id_style,
            devices: &self.devices[index],
        }
    }

    /// The chat stream of Easemob app `index` (no partner: Easemob messages stay in the app).
    pub fn easemob_chat(&self, index: usize) -> ChatStream<'_> {
        self.chat_stream(&self.easemob[index], None)
    }

    fn chat_stream<'a, C>(&'a self, app: &'a AppData<C>, partner: Option<&'a Population>) -> ChatStream<'a> {
        ChatStream {
            seed: self.seed,
            slot: app.slot,
            messages_per_day: self.size.messages_per_day,
            timezone: self.timezone,
            population: &app.population,
            partner,
            hours: &self.chat_hours,
        }
    }

    /// The Jiguang app whose canonical `Basic` header value this is exactly, by index.
    pub fn jiguang_by_authorization(&self, value: &[u8]) -> Option<usize> {
        self.basic_headers.iter().position(|h| h.as_bytes() == value)
    }

    /// The Jiguang app whose appKey and masterSecret are these, by index.
    pub fn jiguang_by_credentials(&self, app_key: &str, master_secret: &str) -> Option<usize> {
        self.jiguang
            .iter()
            .position(|a| a.credentials.app_key == app_key && a.credentials.master_secret == master_secret)
    }
}
