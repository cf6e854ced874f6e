//! JPush report bodies, field for field as the vendor documents them (SPEC §1). A count
//! whose platform or channel had no target is `null`, as the doc says of missing data.

use serde::Serialize;

use crate::dataset::push::{Activity, Funnel, PlatformActivity, PushKind, PushStats};

/// An id the app did not send, or whose statistics are not (or no longer) there.
#[derive(Serialize)]
pub struct UnknownId<'a> {
    pub msg_id: &'a str,
}

fn when(condition: bool, value: u32) -> Option<u32> {
    condition.then_some(value)
}

fn targeted(funnel: Funnel, value: u32) -> Option<u32> {
    when(funnel.target > 0, value)
}

#[derive(Serialize)]
pub struct Received {
    pub msg_id: String,
    pub android_received: Option<u32>,
    pub ios_apns_sent: Option<u32>,
    pub ios_apns_received: Option<u32>,
    pub ios_msg_received: Option<u32>,
    pub wp_mpns_sent: Option<u32>,
}

impl Received {
    pub fn new(msg_id: &str, s: &PushStats) -> Self {
        Received {
            msg_id: msg_id.to_owned(),
            android_received: targeted(s.android, s.android.received),
            ios_apns_sent: targeted(s.apns, s.apns.sent),
            ios_apns_received: targeted(s.apns, s.apns.received),
            ios_msg_received: targeted(s.ios_message, s.ios_message.received),
            wp_mpns_sent: targeted(s.mpns, s.mpns.sent),
        }
    }
}

#[derive(Serialize)]
pub struct ReceivedDetail {
    pub msg_id: String,
    pub jpush_received: Option<u32>,
    pub android_pns_sent: Option<u32>,
    pub ios_apns_sent: Option<u32>,
    pub ios_apns_received: Option<u32>,
    pub ios_msg_received: Option<u32>,
    pub wp_mpns_sent: Option<u32>,
}

impl ReceivedDetail {
    pub fn new(msg_id: &str, s: &PushStats) -> Self {
        let pns = s.pns();
        ReceivedDetail {
            msg_id: msg_id.to_owned(),
            jpush_received: targeted(s.jpush, s.jpush.received),
            android_pns_sent: targeted(pns, pns.sent),
            ios_apns_sent: targeted(s.apns, s.apns.sent),
            ios_apns_received: targeted(s.apns, s.apns.received),
            ios_msg_received: targeted(s.ios_message, s.ios_message.received),
            wp_mpns_sent: targeted(s.mpns, s.mpns.sent),
        }
    }
}

/// A `received/detail` item of today's schema: the classic fields, then those added in
/// 2024-08 (`live_acivity` is the vendor's spelling). The mock has no Live Activity
/// targets, so those two are `null`.
#[derive(Serialize)]
pub struct ReceivedDetailToday {
    #[serde(flatten)]
    pub classic: ReceivedDetail,
    pub android_pns_received: Option<u32>,
    pub live_acivity_sent: Option<u32>,
    pub live_acivity_received: Option<u32>,
    pub quickapp_jpush_received: Option<u32>,
    pub quickapp_pns_sent: Option<u32>,
    pub hmos_hmpns_received: Option<u32>,
    pub hmos_hmpns_sent: Option<u32>,
    pub hmos_msg_received: Option<u32>,
    pub hmos_msg_sent: Option<u32>,
}

impl ReceivedDetailToday {
    pub fn new(msg_id: &str, s: &PushStats) -> Self {
        let pns = s.pns();
        ReceivedDetailToday {
            classic: ReceivedDetail::new(msg_id, s),
            android_pns_received: targeted(pns, pns.received),
            live_acivity_sent: None,
            live_acivity_received: None,
            quickapp_jpush_received: targeted(s.quickapp_jpush, s.quickapp_jpush.received),
            quickapp_pns_sent: targeted(s.quickapp_pns, s.quickapp_pns.sent),
            hmos_hmpns_received: targeted(s.hmpns, s.hmpns.received),
            hmos_hmpns_sent: targeted(s.hmpns, s.hmpns.sent),
            hmos_msg_received: targeted(s.hmos_message, s.hmos_message.received),
            hmos_msg_sent: targeted(s.hmos_message, s.hmos_message.sent),
        }
    }
}

/// A `received/detail` item of either schema.
#[derive(Serialize)]
#[serde(untagged)]
pub enum ReceivedDetailItem {
    Classic(ReceivedDetail),
    Today(ReceivedDetailToday),
}

#[derive(Serialize)]
pub struct Messages {
    pub android: AndroidStats,
    pub ios: IosStats,
    pub winphone: WinphoneStats,
    pub msg_id: String,
}

#[derive(Serialize)]
pub struct AndroidStats {
    pub received: Option<u32>,
    pub target: Option<u32>,
    pub online_push: Option<u32>,
    pub click: Option<u32>,
    pub msg_click: Option<u32>,
}

#[derive(Serialize)]
pub struct IosStats {
    pub apns_sent: Option<u32>,
    pub apns_target: Option<u32>,
    pub apns_received: Option<u32>,
    pub click: Option<u32>,
    pub target: Option<u32>,
    pub received: Option<u32>,
}

#[derive(Serialize)]
pub struct WinphoneStats {
    pub mpns_target: Option<u32>,
    pub mpns_sent: Option<u32>,
    pub click: Option<u32>,
}

impl Messages {
    pub fn new(msg_id: &str, s: &PushStats) -> Self {
        let notification = s.kind == Some(PushKind::Notification);
        let (a, apns, msg, wp) = (s.android, s.apns, s.ios_message, s.mpns);
        Messages {
            android: AndroidStats {
                received: targeted(a, a.received),
                target: targeted(a, a.target),
                online_push: targeted(a, a.online),
                click: when(a.target > 0 && notification, a.click),
                msg_click: when(a.target > 0 && !notification, a.click),
            },
            ios: IosStats {
                apns_sent: targeted(apns, apns.sent),
                apns_target: targeted(apns, apns.target),
                apns_received: targeted(apns, apns.received),
                click: targeted(apns, apns.click),
                target: targeted(msg, msg.target),
                received: targeted(msg, msg.received),
            },
            winphone: WinphoneStats {
                mpns_target: targeted(wp, wp.target),
                mpns_sent: targeted(wp, wp.sent),
                click: targeted(wp, wp.click),
            },
            msg_id: msg_id.to_owned(),
        }
    }
}

#[derive(Serialize)]
pub struct MessagesDetail {
    pub msg_id: u64,
    pub jpush: JpushChannel,
    pub android_pns: AndroidPns,
    pub ios: IosDetail,
    pub winphone: WinphoneDetail,
}

#[derive(Serialize)]
pub struct JpushChannel {
    pub target: u32,
    pub online_push: u32,
    pub received: u32,
    pub click: u32,
    pub msg_click: u32,
}

#[derive(Serialize)]
pub struct VendorDetail {
    pub target: u32,
    pub sent: u32,
}

#[derive(Serialize)]
pub struct AndroidPns {
    pub pns_target: u32,
    pub pns_sent: u32,
    pub xm_detail: VendorDetail,
    pub hw_detail: VendorDetail,
    pub mz_detail: VendorDetail,
    pub oppo_detail: VendorDetail,
    pub vivo_detail: VendorDetail,
    pub fcm_detail: VendorDetail,
}

#[derive(Serialize)]
pub struct IosDetail {
    pub apns_target: u32,
    pub apns_sent: u32,
    pub apns_received: u32,
    pub apns_click: u32,
    pub msg_target: u32,
    pub msg_received: u32,
}

#[derive(Serialize)]
pub struct WinphoneDetail {
    pub mpns_target: u32,
    pub mpns_sent: u32,
    pub click: u32,
}

impl MessagesDetail {
    pub fn new(msg_id: u64, s: &PushStats) -> Self {
        let notification = s.kind == Some(PushKind::Notification);
        let pns = s.pns();
        let vendor = |i: usize| VendorDetail {
            target: s.vendors[i].target,
            sent: s.vendors[i].sent,
        };
        MessagesDetail {
            msg_id,
            jpush: JpushChannel {
                target: s.jpush.target,
                online_push: s.jpush.online,
                received: s.jpush.received,
                click: if notification { s.jpush.click } else { 0 },
                msg_click: if notification { 0 } else { s.jpush.click },
            },
            // In `Vendor::ALL` order: Xiaomi, Huawei, Meizu, OPPO, vivo, FCM.
            android_pns: AndroidPns {
                pns_target: pns.target,
                pns_sent: pns.sent,
                xm_detail: vendor(0),
                hw_detail: vendor(1),
                mz_detail: vendor(2),
                oppo_detail: vendor(3),
                vivo_detail: vendor(4),
                fcm_detail: vendor(5),
            },
            ios: IosDetail {
                apns_target: s.apns.target,
                apns_sent: s.apns.sent,
                apns_received: s.apns.received,
                apns_click: s.apns.click,
                msg_target: s.ios_message.target,
                msg_received: s.ios_message.received,
            },
            winphone: WinphoneDetail {
                mpns_target: s.mpns.target,
                mpns_sent: s.mpns.sent,
                click: s.mpns.click,
            },
        }
    }
}

#[derive(Serialize)]
pub struct Users<'a> {
    pub time_unit: &'static str,
    pub start: &'a str,
    pub duration: u32,
    pub items: Vec<UsersItem>,
}

/// One period; a platform without data, and a count of zero, are left out.
#[derive(Serialize)]
pub struct UsersItem {
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub android: Option<ActivityCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ios: Option<ActivityCounts>,
    /// Today's platforms: only the 2025 schema has such devices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quickapp: Option<ActivityCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hmos: Option<ActivityCounts>,
}

#[derive(Serialize)]
pub struct ActivityCounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<u32>,
}

impl UsersItem {
    pub fn new(time: String, activity: &PlatformActivity) -> Self {
        UsersItem {
            time,
            android: counts(activity.android),
            ios: counts(activity.ios),
            quickapp: counts(activity.quickapp),
            hmos: counts(activity.hmos),
        }
    }
}

fn counts(a: Activity) -> Option<ActivityCounts> {
    let nonzero = |n: u32| (n > 0).then_some(n);
    (a != Activity::default()).then(|| ActivityCounts {
        new: nonzero(a.new),
        online: nonzero(a.online),
        active: nonzero(a.active),
    })
}

/// `status/message`: `{"<registration id>": {"status": N}, ...}` in request order.
pub struct Statuses<'a>(pub Vec<(&'a str, u8)>);

#[derive(Serialize)]
struct Status {
    status: u8,
}

impl Serialize for Statuses<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|&(id, status)| (id, Status { status })))
    }
}
