//! The vendor API families, one folder each with the same rooms (`rules`, `params`,
//! `model`, `cache`, `handlers`, `wire`, `errors`, `extract`), and [`shared`], what more
//! than one family uses. This module owns which family a request belongs to: each family
//! lists its routes once, in a table of `Route`s that both its router and the classifier
//! here ([`family_of`], [`documented_params`]) read.

pub mod easemob;
pub mod jmessage;
pub mod jpush;
pub mod shared;

pub use self::shared::route::Family;
use self::shared::route::Route;

/// The path root of the control API.
pub const CONTROL_ROOT: &str = "_mock";

/// The family a path belongs to, by its first segment: the roots of JPush's and
/// JMessage's route tables, the control API's (and `/`, its index), and Easemob's free
/// `{org}` for everything else.
pub fn family_of(path: &str) -> Family {
    let first = first_segment(path);
    if first == CONTROL_ROOT || path == "/" {
        Family::Control
    } else if jpush::ROUTES.iter().any(|r| is_first_segment(r.path, first)) {
        Family::JPush
    } else if jmessage::ROUTES.iter().any(|r| is_first_segment(r.path, first)) {
        Family::JMessage
    } else {
        Family::Easemob
    }
}

/// The documented query parameters of the vendor route that serves `path`, if any. The
/// tables are tried in the order the router prefers them: literal roots before Easemob's
/// `/{org}/{app}`.
pub fn documented_params(path: &str) -> Option<&'static [&'static str]> {
    jpush::documented_params(path)
        .or_else(|| find(jmessage::ROUTES, path))
        .or_else(|| find(easemob::ROUTES, path))
}

fn find<E>(table: &'static [Route<E>], path: &str) -> Option<&'static [&'static str]> {
    table.iter().find(|r| r.serves(path)).map(|r| r.params)
}

fn first_segment(path: &str) -> &str {
    let path = path.trim_start_matches('/');
    path.split_once('/').map_or(path, |(first, _)| first)
}

/// Whether `segment` is the first segment of the route path `route` (`/root/...`),
/// without splitting the route's path: every request asks it of each route.
fn is_first_segment(route: &str, segment: &str) -> bool {
    route
        .strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(segment))
        .is_some_and(|tail| tail.is_empty() || tail.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_the_family_whose_table_has_their_root() {
        assert_eq!(family_of("/v3/received"), Family::JPush);
        assert_eq!(family_of("/v3/report/received"), Family::JPush);
        assert_eq!(family_of("/v2/messages"), Family::JMessage);
        assert_eq!(family_of("/v1/anything"), Family::JMessage);
        assert_eq!(family_of("/_mock/clock"), Family::Control);
        assert_eq!(family_of("/org/app/token"), Family::Easemob);
        assert_eq!(family_of("/"), Family::Control, "the index");
        assert_eq!(family_of("//x"), Family::Easemob);
    }

    #[test]
    fn documented_params_are_read_from_the_route_tables() {
        assert_eq!(documented_params("/v3/received"), Some(&["msg_ids"][..]));
        assert_eq!(documented_params("/v3/report/received"), Some(&["msg_ids"][..]));
        assert_eq!(
            documented_params("/v2/messages").map(|p| p.contains(&"cursor")),
            Some(true)
        );
        assert_eq!(
            documented_params("/some-org/some-app/chatmessages").map(|p| p.len()),
            Some(3)
        );
        assert_eq!(documented_params("/v3/received/"), None);
        assert_eq!(documented_params("/some-org/some-app/chatmessages/x/y"), None);
        assert_eq!(documented_params("/_mock/clock"), None);
    }
}
