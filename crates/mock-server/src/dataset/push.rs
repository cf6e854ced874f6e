//! Push data of the JPush report API: each app's devices (registration ids, platform,
//! vendor channel) and its pushes (msg_ids). Like chat heads, a push is a pure function
//! of (seed, app slot, hour, index), and so is every device's outcome for it; every
//! JPush statistic is counted from those outcomes, so `received` and `status/message`
//! agree by construction.
//!
//! Deliveries evolve on the clock: each target's receipt (and click) happens at one step
//! of a delivery curve ([`DELIVERY_STEPS`]) after the send, so counts grow for three days
//! and change only at those steps; `outcome_at` and `stats_at` read them at an instant.
//!
//! A msg_id encodes its own coordinates, so looking one up costs nothing. The coordinates
//! are `c = ((hour - EPOCH_HOUR) * MAX_PER_HOUR + index) * 16 + slot`; the id is written in
//! one of two [`MsgIdStyle`]s: today's 17 digits `CURRENT_BASE + c * CURRENT_STRIDE + r`
//! (`r` a keyed scramble of `c`, checked on decoding) or the legacy `LEGACY_BASE + c`.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use rand::Rng;

use super::chat::HOUR_MS;
use crate::kernel::rng::{key, stream, unit, Purpose};

/// Steps of the delivery curve, in seconds after the send: a receipt or a click happens
/// at one of them, so every count of a push changes only at these instants. **Decided**:
/// online devices answer within seconds to minutes, offline ones over hours and days.
pub const DELIVERY_STEPS: [i64; 20] = [
    0, 5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800, 259_200,
];
/// The last step at which a device online at the send receives it (5 minutes), and the
/// first of the stragglers (10 minutes).
const QUICK_LAST_STEP: u8 = 8;
const SLOW_FIRST_STEP: u8 = 9;
/// Share of receipts by an online device that still come late (a flaky connection).
const QUICK_LATE_SHARE: f64 = 0.08;

/// How msg_ids are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgIdStyle {
    /// 17 digits, above 2^53, as the vendor issues them today.
    #[default]
    Current,
    /// 10 digits, counting up: the form of the mock's earlier versions.
    Legacy,
}

impl MsgIdStyle {
    pub fn name(self) -> &'static str {
        match self {
            MsgIdStyle::Current => "current",
            MsgIdStyle::Legacy => "legacy",
        }
    }

    /// The id of the push at coordinates `coords` (see the module doc).
    fn encode(self, seed: u64, coords: u64) -> u64 {
        match self {
            MsgIdStyle::Current => CURRENT_BASE + coords * CURRENT_STRIDE + scramble(seed, coords),
            MsgIdStyle::Legacy => LEGACY_BASE + coords,
        }
    }

    /// The coordinates `msg_id` encodes, if it is an id of this style.
    fn decode(self, seed: u64, msg_id: u64) -> Option<u64> {
        match self {
            MsgIdStyle::Current => {
                let rest = msg_id.checked_sub(CURRENT_BASE)?;
                let coords = rest / CURRENT_STRIDE;
                (rest % CURRENT_STRIDE == scramble(seed, coords)).then_some(coords)
            }
            MsgIdStyle::Legacy => msg_id.checked_sub(LEGACY_BASE),
        }
    }
}

fn scramble(seed: u64, coords: u64) -> u64 {
    key(seed, Purpose::MsgId, &[coords]) % CURRENT_STRIDE
}

/// The legacy (short, 10-digit) ids start here.
const LEGACY_BASE: u64 = 1_000_000_000;
/// Today's ids start here: 17 digits, above 2^53. **Observed**: real msg_ids have 17 or
/// more digits (the official Java SDK's tests use `18101209671232831`), past the integers
/// a JavaScript number holds exactly.
const CURRENT_BASE: u64 = 18_000_000_000_000_000;
/// Today's ids leave this many values between two consecutive pushes, filled by a keyed
/// scramble, so that ids do not read as a counter. Pushes up to the year 2100 stay below
/// 3 * 10^16 (`c` < 1.2 * 10^9).
const CURRENT_STRIDE: u64 = 10_000_000;
const EPOCH_HOUR: i64 = 438_288; // 2020-01-01T00:00:00Z
const MAX_PER_HOUR: u64 = 100;
/// Hours from `EPOCH_HOUR` past the latest instant the clock reaches (2100).
const MAX_HOURS: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Xiaomi,
    Huawei,
    Meizu,
    Oppo,
    Vivo,
    Fcm,
}

impl Vendor {
    pub const ALL: [Vendor; 6] = [
        Vendor::Xiaomi,
        Vendor::Huawei,
        Vendor::Meizu,
        Vendor::Oppo,
        Vendor::Vivo,
        Vendor::Fcm,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevicePlatform {
    /// With the vendor channel the device is registered on, if any.
    Android(Option<Vendor>),
    Ios,
    WinPhone,
    /// HarmonyOS NEXT: only among the devices of today's platforms ([`Devices::generate`]).
    Hmos,
    /// A quick app (快应用): likewise.
    QuickApp,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub registration_id: String,
    pub platform: DevicePlatform,
    pub registered_ms: i64,
}

/// An app's devices, sorted by registration time, with an index by registration id.
#[derive(Debug, Clone)]
pub struct Devices {
    pub list: Vec<Device>,
    by_id: HashMap<String, u32, FxBuildHasher>,
}

impl Devices {
    /// `count` devices of the app in `slot`; with `today`, some are HarmonyOS devices and
    /// quick apps (today's platforms), else Android, iOS and Windows Phone only.
    pub fn generate(seed: u64, slot: u64, count: u32, anchor_ms: i64, today: bool) -> Devices {
        let mut rng = stream(seed, Purpose::Devices, &[slot]);
        let mut list: Vec<Device> = (0..count)
            .map(|_| {
                let roll = rng.random_range(0..100);
                let platform = match roll {
                    0..60 if today && roll % 6 == 0 => DevicePlatform::Hmos,
                    60..95 if today && roll % 12 == 0 => DevicePlatform::QuickApp,
                    0..60 => DevicePlatform::Android(android_vendor(rng.random_range(0..100))),
                    60..95 => DevicePlatform::Ios,
                    _ => DevicePlatform::WinPhone,
                };
                let prefix = match platform {
                    DevicePlatform::Android(_) => '1',
                    DevicePlatform::Ios => '0',
                    DevicePlatform::WinPhone => '2',
                    DevicePlatform::Hmos => '3',
                    DevicePlatform::QuickApp => '4',
                };
                let registered_ms = if rng.random_bool(0.75) {
                    anchor_ms - rng.random_range(91..500) * 86_400_000
                } else {
                    anchor_ms - rng.random_range(0..90 * 86_400_000)
                };
                Device {
                    registration_id: format!("{prefix}{:02x}{:016x}", rng.random::<u8>(), rng.random::<u64>()),
                    platform,
                    registered_ms,
                }
            })
            .collect();
        list.sort_by_key(|d| d.registered_ms);
        let by_id = list
            .iter()
            .enumerate()
            .map(|(i, d)| (d.registration_id.clone(), i as u32))
            .collect();
        Devices { list, by_id }
    }

    pub fn index_of(&self, registration_id: &str) -> Option<u32> {
        self.by_id.get(registration_id).copied()
    }
}

/// The steps at which a delivery is received and clicked, from its timing key: a device
/// reachable at the send (online, or through a vendor's or Apple's service) mostly within
/// minutes, the others over hours and days; a click one to four steps after the receipt.
fn delivery_steps(timing: u64, reachable: bool) -> (u8, u8) {
    let last = DELIVERY_STEPS.len() as u8 - 1;
    let pick = |u: f64, first: u8, last: u8| first + (u * f64::from(last - first + 1)) as u8;
    let received = if reachable && unit(timing, 0) >= QUICK_LATE_SHARE {
        // Squared: most of the quick ones come in the first seconds.
        pick(unit(timing, 1).powi(2), 1, QUICK_LAST_STEP)
    } else {
        pick(unit(timing, 1), SLOW_FIRST_STEP, last)
    };
    let click = (received + 1 + (unit(timing, 2) * 4.0) as u8).min(last);
    (received, click)
}

fn android_vendor(roll: u32) -> Option<Vendor> {
    match roll {
        0..20 => Some(Vendor::Xiaomi),
        20..45 => Some(Vendor::Huawei),
        45..50 => Some(Vendor::Meizu),
        50..65 => Some(Vendor::Oppo),
        65..80 => Some(Vendor::Vivo),
        80..85 => Some(Vendor::Fcm),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushKind {
    Notification,
    /// A custom (in-app) message.
    Message,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Push {
    pub msg_id: u64,
    pub t_ms: i64,
    pub kind: PushKind,
    /// Share of the app's devices targeted.
    pub audience: f64,
}

/// How a push reached one target device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Jiguang's own connection (Android, and iOS custom messages).
    JPush {
        online: bool,
    },
    Vendor(Vendor),
    Apns,
    Mpns,
    /// HarmonyOS's push service.
    Hmpns,
    /// The quick-app platform's push service.
    QuickAppPns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub channel: Channel,
    /// Handed to the vendor's or Apple's/Microsoft's service (at the send).
    pub sent: bool,
    /// Reached the device: what `status/message` reports as 0. From [`PushStream::outcome`],
    /// eventually; from [`PushStream::outcome_at`], by that instant.
    pub delivered: bool,
    pub clicked: bool,
    /// The step of [`DELIVERY_STEPS`] at which it is received (if ever), and clicked.
    pub received_step: u8,
    pub click_step: u8,
}

impl Delivery {
    /// This delivery as it stands once the curve has passed `reached` steps.
    fn by_step(mut self, reached: u8) -> Delivery {
        self.delivered &= self.received_step < reached;
        self.clicked &= self.click_step < reached;
        // Only Apple and HarmonyOS report a send apart from the receipt; elsewhere the mock
        // counts the hand-over to the vendor (or to Jiguang's connection) as the receipt.
        if !matches!(self.channel, Channel::Apns | Channel::Hmpns) {
            self.sent = self.delivered;
        }
        self
    }
}

/// How many steps of [`DELIVERY_STEPS`] `push` has passed at `now_ms` (0 before its send).
pub fn steps_reached(push: &Push, now_ms: i64) -> u8 {
    DELIVERY_STEPS.partition_point(|s| push.t_ms + s * 1000 <= now_ms) as u8
}

/// The instants (ms) at which `push`'s counts change: the steps of its delivery curve.
pub fn delivery_changes(push: &Push) -> [i64; DELIVERY_STEPS.len()] {
    DELIVERY_STEPS.map(|s| push.t_ms + s * 1000)
}

/// The pushes and device outcomes of one app.
pub struct PushStream<'a> {
    pub seed: u64,
    pub slot: u64,
    pub pushes_per_day: u32,
    pub msg_id_style: MsgIdStyle,
    pub devices: &'a Devices,
}

impl PushStream<'_> {
    pub fn hour_count(&self, hour: i64) -> u32 {
        // Ids count hours from the epoch: nothing was sent before it (the clock can
        // reach back to 2000, and queries further still).
        if hour < EPOCH_HOUR {
            return 0;
        }
        let mut rng = stream(self.seed, Purpose::PushCount, &[self.slot, hour as u64]);
        let mean = self.pushes_per_day as f64 / 24.0;
        let expected = mean * rng.random_range(0.5..1.5);
        let whole = expected.floor();
        (whole as u32 + rng.random_bool(expected - whole) as u32).min(MAX_PER_HOUR as u32 - 1)
    }

    pub fn push(&self, hour: i64, index: u32) -> Push {
        let mut rng = stream(self.seed, Purpose::PushHead, &[self.slot, hour as u64, index as u64]);
        let coords = ((hour - EPOCH_HOUR) as u64 * MAX_PER_HOUR + index as u64) * 16 + self.slot % 16;
        let msg_id = self.msg_id_style.encode(self.seed, coords);
        Push {
            msg_id,
            t_ms: hour * HOUR_MS + rng.random_range(0..HOUR_MS),
            kind: if rng.random_bool(0.8) {
                PushKind::Notification
            } else {
                PushKind::Message
            },
            audience: if rng.random_bool(0.3) {
                1.0
            } else {
                rng.random_range(0.05..0.4)
            },
        }
    }

    /// The push with this msg_id, if this app sent it (at any time).
    pub fn find(&self, msg_id: u64) -> Option<Push> {
        let coords = self.msg_id_style.decode(self.seed, msg_id)?;
        if coords % 16 != self.slot % 16 {
            return None;
        }
        let rest = coords / 16;
        // Beyond the clock's range (2100) no push exists, and instants would overflow.
        let hour = EPOCH_HOUR + i64::try_from(rest / MAX_PER_HOUR).ok().filter(|h| *h < MAX_HOURS)?;
        let index = (rest % MAX_PER_HOUR) as u32;
        (index < self.hour_count(hour)).then(|| self.push(hour, index))
    }

    /// The pushes sent from `oldest_ms` to `newest_ms`, newest first.
    pub fn newest_first(&self, oldest_ms: i64, newest_ms: i64) -> impl Iterator<Item = Push> + '_ {
        let (oldest_hour, newest_hour) = (oldest_ms.div_euclid(HOUR_MS), newest_ms.div_euclid(HOUR_MS));
        (oldest_hour..=newest_hour)
            .rev()
            .flat_map(move |hour| (0..self.hour_count(hour)).rev().map(move |i| (hour, i)))
            .map(|(hour, i)| self.push(hour, i))
            .filter(move |p| (oldest_ms..=newest_ms).contains(&p.t_ms))
    }

    /// What happened to `push` on device `d`; `None` when the device was not a target.
    pub fn outcome(&self, push: &Push, d: u32) -> Option<Delivery> {
        let device = &self.devices.list[d as usize];
        let h = key(self.seed, Purpose::PushDevice, &[self.slot, push.msg_id, d as u64]);
        let eligible = device.registered_ms <= push.t_ms
            && !(matches!(device.platform, DevicePlatform::WinPhone | DevicePlatform::QuickApp)
                && push.kind == PushKind::Message);
        if !eligible || unit(h, 0) >= push.audience {
            return None;
        }
        let (online, u_sent, u_received) = (unit(h, 1) < 0.65, unit(h, 2), unit(h, 3));
        let u_click = unit(h.rotate_left(7) ^ 0x5bd1_e995, 0);
        let timing = key(self.seed, Purpose::PushTiming, &[self.slot, push.msg_id, d as u64]);
        let notification = push.kind == PushKind::Notification;
        let mut delivery = match device.platform {
            DevicePlatform::Android(Some(vendor)) if notification && !online => {
                let sent = u_sent < 0.95;
                Delivery {
                    channel: Channel::Vendor(vendor),
                    sent,
                    delivered: sent,
                    clicked: sent && u_click < 0.15,
                    received_step: 0,
                    click_step: 0,
                }
            }
            DevicePlatform::Android(_) => {
                let delivered = online || u_sent < 0.5;
                Delivery {
                    channel: Channel::JPush { online },
                    sent: delivered,
                    delivered,
                    clicked: delivered && u_click < if notification { 0.15 } else { 0.1 },
                    received_step: 0,
                    click_step: 0,
                }
            }
            DevicePlatform::Ios if notification => {
                let sent = u_sent < 0.97;
                let delivered = sent && u_received < 0.85;
                Delivery {
                    channel: Channel::Apns,
                    sent,
                    delivered,
                    clicked: delivered && u_click < 0.2,
                    received_step: 0,
                    click_step: 0,
                }
            }
            DevicePlatform::Ios => {
                let delivered = online || u_sent < 0.5;
                Delivery {
                    channel: Channel::JPush { online },
                    sent: delivered,
                    delivered,
                    clicked: false,
                    received_step: 0,
                    click_step: 0,
                }
            }
            DevicePlatform::Hmos if notification && !online => {
                let sent = u_sent < 0.96;
                Delivery {
                    channel: Channel::Hmpns,
                    sent,
                    delivered: sent && u_received < 0.9,
                    clicked: sent && u_received < 0.9 && u_click < 0.15,
                    received_step: 0,
                    click_step: 0,
                }
            }
            DevicePlatform::Hmos => {
                let delivered = online || u_sent < 0.5;
                Delivery {
                    channel: Channel::JPush { online },
                    sent: delivered,
                    delivered,
                    clicked: delivered && u_click < 0.1,
                    received_step: 0,
                    click_step: 0,
                }
            }
            DevicePlatform::QuickApp if online => Delivery {
                channel: Channel::JPush { online },
                sent: true,
                delivered: true,
                clicked: u_click < 0.1,
                received_step: 0,
                click_step: 0,
            },
            DevicePlatform::QuickApp => {
                let sent = u_sent < 0.9;
                Delivery {
                    channel: Channel::QuickAppPns,
                    sent,
                    delivered: sent,
                    clicked: sent && u_click < 0.1,
                    received_step: 0,
                    click_step: 0,
                }
            }
            DevicePlatform::WinPhone => {
                let sent = u_sent < 0.9;
                Delivery {
                    channel: Channel::Mpns,
                    sent,
                    delivered: sent,
                    clicked: sent && u_click < 0.1,
                    received_step: 0,
                    click_step: 0,
                }
            }
        };
        let reachable = !matches!(delivery.channel, Channel::JPush { online: false });
        (delivery.received_step, delivery.click_step) = delivery_steps(timing, reachable);
        Some(delivery)
    }

    /// What happened to `push` on device `d` up to `now_ms`; `None` when the device was
    /// not a target.
    pub fn outcome_at(&self, push: &Push, d: u32, now_ms: i64) -> Option<Delivery> {
        let reached = steps_reached(push, now_ms);
        self.outcome(push, d).map(|delivery| delivery.by_step(reached))
    }

    /// When `push` was last received by a target (ms): the latest step of the curve at
    /// which one received it; its send when none ever does.
    pub fn last_receipt_ms(&self, push: &Push) -> i64 {
        let last_step = (0..self.devices.list.len() as u32)
            .filter_map(|d| self.outcome(push, d))
            .filter(|delivery| delivery.delivered)
            .map(|delivery| delivery.received_step)
            .max();
        push.t_ms + last_step.map_or(0, |step| DELIVERY_STEPS[step as usize] * 1000)
    }

    /// Every count the JPush report endpoints publish about `push` once its delivery
    /// curve has passed `reached` steps ([`steps_reached`]).
    pub fn stats(&self, push: &Push, reached: u8) -> PushStats {
        let mut stats = PushStats {
            kind: Some(push.kind),
            ..PushStats::default()
        };
        for d in 0..self.devices.list.len() as u32 {
            if let Some(delivery) = self.outcome(push, d) {
                stats.count(self.devices.list[d as usize].platform, delivery.by_step(reached));
            }
        }
        stats
    }
}

/// Devices that registered, were online, and were active in a period, for one platform.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub new: u32,
    pub online: u32,
    pub active: u32,
}

/// Activity of the devices by the platforms `/v3/users` reports (HarmonyOS and quick
/// apps only among today's platforms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlatformActivity {
    pub android: Activity,
    pub ios: Activity,
    pub hmos: Activity,
    pub quickapp: Activity,
}

impl PushStream<'_> {
    /// Device activity in `[start_ms, end_ms)`, counted up to `now_ms`. With `hourly`,
    /// presence is drawn per hour; otherwise per day, and a device online (active) on any
    /// day of the period counts once.
    pub fn activity(&self, start_ms: i64, end_ms: i64, now_ms: i64, hourly: bool) -> PlatformActivity {
        const DAY_MS: i64 = 86_400_000;
        let end_ms = end_ms.min(now_ms);
        let mut result = PlatformActivity::default();
        let (step, online_rate) = if hourly { (HOUR_MS, 0.12) } else { (DAY_MS, 0.55) };
        for (d, device) in self.devices.list.iter().enumerate() {
            if device.registered_ms >= end_ms {
                break; // sorted by registration: no later device existed either
            }
            let counts = match device.platform {
                DevicePlatform::Android(_) => &mut result.android,
                DevicePlatform::Ios => &mut result.ios,
                DevicePlatform::Hmos => &mut result.hmos,
                DevicePlatform::QuickApp => &mut result.quickapp,
                DevicePlatform::WinPhone => continue,
            };
            counts.new += (device.registered_ms >= start_ms) as u32;
            let (mut online, mut active) = (false, false);
            let mut slot_start = start_ms;
            while slot_start < end_ms && !active {
                if device.registered_ms < slot_start + step {
                    let h = key(
                        self.seed,
                        Purpose::DeviceDay,
                        &[self.slot, d as u64, slot_start.div_euclid(step) as u64, hourly as u64],
                    );
                    let here = unit(h, 0) < online_rate;
                    online |= here;
                    active |= here && unit(h, 1) < 0.6;
                }
                slot_start += step;
            }
            counts.online += online as u32;
            counts.active += active as u32;
        }
        result
    }
}

/// Target/sent/delivered/click counters of one push, by platform and channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushStats {
    pub kind: Option<PushKind>,
    pub android: Funnel,
    /// Jiguang's own channel: Android (both kinds) and iOS custom messages.
    pub jpush: Funnel,
    /// Android vendor channels: `target`/`sent` per vendor, in [`Vendor::ALL`] order.
    pub vendors: [Funnel; 6],
    pub apns: Funnel,
    pub ios_message: Funnel,
    pub mpns: Funnel,
    /// HarmonyOS: its push service, and custom messages over Jiguang's connection.
    pub hmpns: Funnel,
    pub hmos_message: Funnel,
    /// Quick apps: over Jiguang's connection, and the quick-app push service.
    pub quickapp_jpush: Funnel,
    pub quickapp_pns: Funnel,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    pub target: u32,
    pub online: u32,
    pub sent: u32,
    pub received: u32,
    pub click: u32,
}

impl Funnel {
    fn add(&mut self, delivery: Delivery, online: bool) {
        self.target += 1;
        self.online += online as u32;
        self.sent += delivery.sent as u32;
        self.received += delivery.delivered as u32;
        self.click += delivery.clicked as u32;
    }
}

impl PushStats {
    fn count(&mut self, platform: DevicePlatform, delivery: Delivery) {
        let online = matches!(delivery.channel, Channel::JPush { online: true });
        match (platform, delivery.channel) {
            (DevicePlatform::Android(_), Channel::Vendor(vendor)) => {
                self.android.add(delivery, online);
                let i = Vendor::ALL
                    .iter()
                    .position(|v| *v == vendor)
                    .expect("every vendor is listed");
                self.vendors[i].add(delivery, online);
            }
            (DevicePlatform::Android(_), _) => {
                self.android.add(delivery, online);
                self.jpush.add(delivery, online);
            }
            (DevicePlatform::Ios, Channel::Apns) => self.apns.add(delivery, online),
            (DevicePlatform::Ios, _) => {
                self.ios_message.add(delivery, online);
                self.jpush.add(delivery, online);
            }
            (DevicePlatform::WinPhone, _) => self.mpns.add(delivery, online),
            (DevicePlatform::Hmos, Channel::Hmpns) => self.hmpns.add(delivery, online),
            (DevicePlatform::Hmos, _) => self.hmos_message.add(delivery, online),
            (DevicePlatform::QuickApp, Channel::QuickAppPns) => self.quickapp_pns.add(delivery, online),
            (DevicePlatform::QuickApp, _) => self.quickapp_jpush.add(delivery, online),
        }
    }

    /// Vendor-channel totals: the sums of the per-vendor counts.
    pub fn pns(&self) -> Funnel {
        self.vendors.iter().fold(Funnel::default(), |mut sum, v| {
            sum.target += v.target;
            sum.sent += v.sent;
            sum.received += v.received;
            sum.click += v.click;
            sum
        })
    }

    /// How many target devices the push reached: the devices `status/message` reports as 0.
    pub fn delivered(&self) -> u32 {
        self.android.received
            + self.apns.received
            + self.ios_message.received
            + self.mpns.received
            + self.hmpns.received
            + self.hmos_message.received
            + self.quickapp_jpush.received
            + self.quickapp_pns.received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANCHOR: i64 = 1_795_000_000_000;
    const HOUR: i64 = 498_600;

    fn with_stream<R>(f: impl FnOnce(&PushStream) -> R) -> R {
        let devices = Devices::generate(5, 0, 1000, ANCHOR, true);
        f(&PushStream {
            seed: 5,
            slot: 0,
            pushes_per_day: 48,
            msg_id_style: MsgIdStyle::Current,
            devices: &devices,
        })
    }

    #[test]
    fn msg_ids_decode_to_their_push_and_only_for_their_app() {
        with_stream(|s| {
            let hour = (HOUR..HOUR + 10).find(|h| s.hour_count(*h) > 0).unwrap();
            let push = s.push(hour, 0);
            assert_eq!(s.find(push.msg_id), Some(push));
            assert_eq!(s.find(push.msg_id + 1), None, "another app's slot");
            assert_eq!(s.find(42), None);
            assert_eq!(s.find(u64::MAX), None);
        });
    }

    #[test]
    fn both_id_styles_decode_and_today_s_ids_are_17_digits_above_2_pow_53() {
        let devices = Devices::generate(5, 0, 10, ANCHOR, false);
        for style in [MsgIdStyle::Current, MsgIdStyle::Legacy] {
            let s = PushStream {
                seed: 5,
                slot: 0,
                pushes_per_day: 48,
                msg_id_style: style,
                devices: &devices,
            };
            let pushes: Vec<Push> = (HOUR..HOUR + 24)
                .flat_map(|h| (0..s.hour_count(h)).map(move |i| (h, i)))
                .map(|(h, i)| s.push(h, i))
                .collect();
            assert!(pushes.windows(2).all(|w| w[0].msg_id < w[1].msg_id), "ids increase");
            for push in &pushes {
                assert_eq!(s.find(push.msg_id), Some(*push));
                assert_eq!(s.find(push.msg_id + 1), None, "{style:?}: a neighbour is no push");
                let digits = push.msg_id.to_string().len();
                match style {
                    MsgIdStyle::Current => assert!(push.msg_id > 1 << 53 && digits >= 17, "{}", push.msg_id),
                    MsgIdStyle::Legacy => assert_eq!(digits, 10),
                }
            }
        }
        let latest = MsgIdStyle::Current.encode(5, (MAX_HOURS as u64 * MAX_PER_HOUR) * 16);
        assert!(latest < 100_000_000_000_000_000, "17 digits until 2100: {latest}");
    }

    #[test]
    fn counts_grow_along_the_curve_and_clicks_follow_receipts() {
        with_stream(|s| {
            let hour = (HOUR..HOUR + 10).find(|h| s.hour_count(*h) > 0).unwrap();
            let push = s.push(hour, 0);
            let mut before = s.stats(&push, 0);
            assert_eq!(before.delivered(), 0, "nothing before the send");
            for reached in 1..=DELIVERY_STEPS.len() as u8 {
                let now = s.stats(&push, reached);
                assert!(now.delivered() >= before.delivered());
                assert!(now.android.click >= before.android.click);
                assert_eq!(
                    now.android.target, before.android.target,
                    "targets are fixed at the send"
                );
                before = now;
            }
            let after_ten_minutes = s.stats(&push, steps_reached(&push, push.t_ms + 600_000));
            assert!(
                after_ten_minutes.delivered() < before.delivered(),
                "stragglers come later"
            );
            for d in 0..1000 {
                if let Some(o) = s.outcome(&push, d) {
                    assert!(!o.clicked || (o.delivered && o.click_step >= o.received_step), "{o:?}");
                }
            }
        });
    }

    #[test]
    fn funnels_keep_their_invariants() {
        with_stream(|s| {
            for hour in HOUR..HOUR + 48 {
                for i in 0..s.hour_count(hour) {
                    let reached = (hour % 21) as u8;
                    let stats = s.stats(&s.push(hour, i), reached);
                    let pns = stats.pns();
                    for f in [
                        stats.android,
                        stats.jpush,
                        stats.apns,
                        stats.ios_message,
                        stats.mpns,
                        pns,
                    ] {
                        assert!(f.received <= f.target && f.online <= f.target && f.click <= f.received.max(f.sent));
                        assert!(f.sent <= f.target);
                    }
                    assert_eq!(
                        stats.android.target,
                        stats.jpush.target - stats.ios_message.target + pns.target
                    );
                    let push = s.push(hour, i);
                    let at = match reached {
                        0 => push.t_ms - 1,
                        r => push.t_ms + DELIVERY_STEPS[r as usize - 1] * 1000,
                    };
                    assert_eq!(steps_reached(&push, at), reached);
                    let delivered = (0..1000)
                        .filter(|d| s.outcome_at(&push, *d, at).is_some_and(|o| o.delivered))
                        .count();
                    assert_eq!(stats.delivered() as usize, delivered);
                }
            }
        });
    }
}
