//! Push data of the JPush report API: each app's devices (registration ids, platform,
//! vendor channel) and its pushes (msg_ids). Like chat heads, a push is a pure function
//! of (seed, app slot, hour, index), and so is every device's outcome for it; every
//! JPush statistic is counted from those outcomes, so `received` and `status/message`
//! agree by construction.
//!
//! A msg_id encodes its own coordinates, so looking one up costs nothing:
//! `msg_id = MSG_ID_BASE + ((hour - EPOCH_HOUR) * MAX_PER_HOUR + index) * 16 + slot`.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use rand::Rng;

use super::chat::HOUR_MS;
use crate::kernel::rng::{key, stream, unit, Purpose};

const MSG_ID_BASE: u64 = 1_000_000_000;
const EPOCH_HOUR: i64 = 438_288; // 2020-01-01T00:00:00Z
const MAX_PER_HOUR: u64 = 100;

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
    pub fn generate(seed: u64, slot: u64, count: u32, anchor_ms: i64) -> Devices {
        let mut rng = stream(seed, Purpose::Devices, &[slot]);
        let mut list: Vec<Device> = (0..count)
            .map(|_| {
                let platform = match rng.random_range(0..100) {
                    0..60 => DevicePlatform::Android(android_vendor(rng.random_range(0..100))),
                    60..95 => DevicePlatform::Ios,
                    _ => DevicePlatform::WinPhone,
                };
                let prefix = match platform {
                    DevicePlatform::Android(_) => '1',
                    DevicePlatform::Ios => '0',
                    DevicePlatform::WinPhone => '2',
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub channel: Channel,
    /// Handed to the vendor's or Apple's/Microsoft's service.
    pub sent: bool,
    /// Reached the device: what `status/message` reports as 0.
    pub delivered: bool,
    pub clicked: bool,
}

/// The pushes and device outcomes of one app.
pub struct PushStream<'a> {
    pub seed: u64,
    pub slot: u64,
    pub pushes_per_day: u32,
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
        let msg_id = MSG_ID_BASE + ((hour - EPOCH_HOUR) as u64 * MAX_PER_HOUR + index as u64) * 16 + self.slot % 16;
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
        let coords = msg_id.checked_sub(MSG_ID_BASE)?;
        if coords % 16 != self.slot % 16 {
            return None;
        }
        let rest = coords / 16;
        let hour = EPOCH_HOUR + (rest / MAX_PER_HOUR) as i64;
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
            && !(device.platform == DevicePlatform::WinPhone && push.kind == PushKind::Message);
        if !eligible || unit(h, 0) >= push.audience {
            return None;
        }
        let (online, u_sent, u_received) = (unit(h, 1) < 0.65, unit(h, 2), unit(h, 3));
        let u_click = unit(h.rotate_left(7) ^ 0x5bd1_e995, 0);
        let notification = push.kind == PushKind::Notification;
        let delivery = match device.platform {
            DevicePlatform::Android(Some(vendor)) if notification && !online => {
                let sent = u_sent < 0.95;
                Delivery {
                    channel: Channel::Vendor(vendor),
                    sent,
                    delivered: sent,
                    clicked: sent && u_click < 0.15,
                }
            }
            DevicePlatform::Android(_) => {
                let delivered = online || u_sent < 0.5;
                Delivery {
                    channel: Channel::JPush { online },
                    sent: delivered,
                    delivered,
                    clicked: delivered && u_click < if notification { 0.15 } else { 0.1 },
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
                }
            }
            DevicePlatform::Ios => {
                let delivered = online || u_sent < 0.5;
                Delivery {
                    channel: Channel::JPush { online },
                    sent: delivered,
                    delivered,
                    clicked: false,
                }
            }
            DevicePlatform::WinPhone => {
                let sent = u_sent < 0.9;
                Delivery {
                    channel: Channel::Mpns,
                    sent,
                    delivered: sent,
                    clicked: sent && u_click < 0.1,
                }
            }
        };
        Some(delivery)
    }

    /// Every count the JPush report endpoints publish about `push`.
    pub fn stats(&self, push: &Push) -> PushStats {
        let mut stats = PushStats {
            kind: Some(push.kind),
            ..PushStats::default()
        };
        for d in 0..self.devices.list.len() as u32 {
            if let Some(delivery) = self.outcome(push, d) {
                stats.count(self.devices.list[d as usize].platform, delivery);
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

/// Activity of Android and iOS devices (the platforms `/v3/users` reports).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlatformActivity {
    pub android: Activity,
    pub ios: Activity,
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
        self.android.received + self.apns.received + self.ios_message.received + self.mpns.received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANCHOR: i64 = 1_795_000_000_000;
    const HOUR: i64 = 498_600;

    fn with_stream<R>(f: impl FnOnce(&PushStream) -> R) -> R {
        let devices = Devices::generate(5, 0, 1000, ANCHOR);
        f(&PushStream {
            seed: 5,
            slot: 0,
            pushes_per_day: 48,
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
    fn funnels_keep_their_invariants() {
        with_stream(|s| {
            for hour in HOUR..HOUR + 48 {
                for i in 0..s.hour_count(hour) {
                    let stats = s.stats(&s.push(hour, i));
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
                    let delivered = (0..1000)
                        .filter(|d| s.outcome(&s.push(hour, i), *d).is_some_and(|o| o.delivered))
                        .count();
                    assert_eq!(stats.delivered() as usize, delivered);
                }
            }
        });
    }
}
