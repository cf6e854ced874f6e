//! Base URLs per family: the real vendor hosts (each overridable by a variable) or one
//! mock serving every family; and how far apart requests to each real host go.

use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use super::env::{base_url_env, Env};
use crate::{
    http::{Lane, Pacer},
    scenario::Family,
};

/// The real vendor hosts, per family (SPEC: base URLs without the version prefix).
pub const REAL_HOSTS: [(Family, &str); 3] = [
    (Family::Jmessage, "https://report.im.jpush.cn"),
    (Family::Jpush, "https://report.jpush.cn"),
    (Family::Easemob, "https://a1.easemob.com"),
];
/// Easemob allows 10 history calls a minute per app; the calls it counts stay under it.
const EASEMOB_INTERVAL: Duration = Duration::from_millis(6_500);

/// Each family's real base URL: its `CONFORMANCE_*_BASE_URL`, else the vendor host.
pub(super) fn real_bases(env: &Env) -> BTreeMap<Family, String> {
    REAL_HOSTS
        .iter()
        .map(|(family, host)| {
            let base = env.get(&base_url_env(*family)).unwrap_or(host);
            (*family, base.trim_end_matches('/').to_owned())
        })
        .collect()
}

/// Every family at one base URL: a mock serves them all.
pub(super) fn same_base(base: &str) -> BTreeMap<Family, String> {
    Family::ALL.iter().map(|f| (*f, base.to_owned())).collect()
}

/// Spacing of requests to the real hosts: `delay` on every host, and the calls Easemob's
/// quota counts never closer than it allows.
pub(super) fn real_pacer(delay: Duration) -> Pacer {
    Pacer::new(HashMap::from([
        (Lane::Host(Family::Jmessage), delay),
        (Lane::Host(Family::Jpush), delay),
        (Lane::Host(Family::Easemob), delay),
        (Lane::EasemobQuota, EASEMOB_INTERVAL.max(delay)),
    ]))
}
