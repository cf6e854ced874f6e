//! The vendor API families, one folder each with the same rooms (`rules`, `params`,
//! `model`, `cache`, `handlers`, `wire`, `errors`, `extract`), and [`shared`], what more
//! than one family uses. This module owns which family a request belongs to: each family
//! lists its routes once, in a table of [`Route`]s that both its router and the
//! classifier here read.

pub mod easemob;
pub mod jmessage;
pub mod jpush;
pub mod shared;

use axum::http::{Method, StatusCode};

/// The family a request path belongs to (docs/SPEC.md §0: one listener, routed by path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    JPush,
    JMessage,
    Easemob,
    /// The mock's own `/_mock` API.
    Control,
}

/// The path root of the control API.
pub const CONTROL_ROOT: &str = "_mock";

impl Family {
    /// By the path's first segment: the roots of JPush's and JMessage's route tables,
    /// the control API's, and Easemob's free `{org}` for everything else.
    pub fn of_path(path: &str) -> Family {
        let first = first_segment(path);
        if first == CONTROL_ROOT {
            Family::Control
        } else if jpush::ROUTES.iter().any(|r| first_segment(r.path) == first) {
            Family::JPush
        } else if jmessage::ROUTES.iter().any(|r| first_segment(r.path) == first) {
            Family::JMessage
        } else {
            Family::Easemob
        }
    }
}

/// One vendor route: the endpoint that serves it, its path template (axum syntax) and the
/// query parameters its vendor documents (the journal warns about others).
#[derive(Debug, Clone, Copy)]
pub struct Route<E> {
    pub endpoint: E,
    pub path: &'static str,
    pub params: &'static [&'static str],
}

/// The documented query parameters of the route whose template is `template` (as axum's
/// `MatchedPath` gives it), if it is a vendor route.
pub fn documented_params(template: &str) -> Option<&'static [&'static str]> {
    jpush::documented_params(template)
        .or_else(|| find(jmessage::ROUTES, template))
        .or_else(|| find(easemob::ROUTES, template))
}

fn find<E>(table: &'static [Route<E>], template: &str) -> Option<&'static [&'static str]> {
    table.iter().find(|r| r.path == template).map(|r| r.params)
}

fn first_segment(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or_default()
}

/// What an unknown route (404) or a wrong method (405) is told, in any family's shape.
pub fn unserved_message(status: StatusCode, method: &Method, path: &str) -> String {
    if status == StatusCode::NOT_FOUND {
        format!("no such endpoint: {method} {path}")
    } else {
        format!("method {method} is not allowed on {path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_the_family_whose_table_has_their_root() {
        assert_eq!(Family::of_path("/v3/received"), Family::JPush);
        assert_eq!(Family::of_path("/v3/report/received"), Family::JPush);
        assert_eq!(Family::of_path("/v2/messages"), Family::JMessage);
        assert_eq!(Family::of_path("/v1/anything"), Family::JMessage);
        assert_eq!(Family::of_path("/_mock/clock"), Family::Control);
        assert_eq!(Family::of_path("/org/app/token"), Family::Easemob);
        assert_eq!(Family::of_path("/"), Family::Easemob);
    }

    #[test]
    fn documented_params_are_read_from_the_route_tables() {
        assert_eq!(documented_params("/v3/received"), Some(&["msg_ids"][..]));
        assert_eq!(documented_params("/v3/report/received"), Some(&["msg_ids"][..]));
        assert_eq!(
            documented_params("/v2/messages").map(|p| p.contains(&"cursor")),
            Some(true)
        );
        assert_eq!(documented_params("/{org}/{app}/chatmessages").map(|p| p.len()), Some(3));
        assert_eq!(documented_params("/_mock/clock"), None);
    }
}
