//! What a route is: the family it belongs to and its entry in a family's route table.
//! Which family a *path* belongs to is decided above the families, from their tables
//! (`families::family_of`), and handed down in the request's extensions.

use axum::{
    http::{Method, StatusCode},
    routing::{MethodFilter, MethodRouter},
    Router,
};

/// The family a request belongs to (docs/SPEC.md §0: one listener, routed by path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    JPush,
    JMessage,
    Easemob,
    /// The mock's own `/_mock` API.
    Control,
}

/// One vendor route: the endpoint that serves it, its path template (axum syntax) and the
/// query parameters its vendor documents (the journal warns about others).
#[derive(Debug, Clone, Copy)]
pub struct Route<E> {
    pub endpoint: E,
    pub path: &'static str,
    pub params: &'static [&'static str],
}

impl<E> Route<E> {
    pub const fn new(endpoint: E, path: &'static str, params: &'static [&'static str]) -> Route<E> {
        Route { endpoint, path, params }
    }

    /// Whether this route's template matches `path`, as the router matches it: segment by
    /// segment, a `{name}` segment standing for any non-empty one.
    pub fn serves(&self, path: &str) -> bool {
        let mut segments = path.split('/');
        self.path.split('/').all(|template| {
            segments.next().is_some_and(|segment| {
                if template.starts_with('{') {
                    !segment.is_empty()
                } else {
                    segment == template
                }
            })
        }) && segments.next().is_none()
    }
}

/// A router serving every route of `table` with the handler `handler` gives its endpoint.
pub fn router<S, E: Copy>(table: &[Route<E>], handler: impl Fn(E) -> MethodRouter<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    table.iter().fold(Router::new(), |router, route| {
        router.route(route.path, handler(route.endpoint))
    })
}

/// The filter that serves `method` (a `GET` answers `HEAD` too, as axum does).
pub fn method_filter(method: Method) -> MethodFilter {
    MethodFilter::try_from(method).expect("route tables name standard methods")
}

/// What an unknown route (404) or a wrong method (405) is told, in any family's shape.
pub fn unserved_message(status: StatusCode, method: &Method, path: &str) -> String {
    if status == StatusCode::NOT_FOUND {
        format!("no such endpoint: {method} {path}")
    } else {
        format!("method {method} is not allowed on {path}")
    }
}
