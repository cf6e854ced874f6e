//! The service hyper calls for each request of a connection: the HTTP limits
//! ([`http_limits`]), then the request layer ([`request_layer`]: faults, journal, log),
//! then JPush's gate for the requests a JPush route serves (auth and rate limit), then
//! the router, and on the way out the reshaping of plain-text rejections into the
//! family's JSON.
//!
//! Written by hand rather than stacked from axum's `from_fn` and tower-http's layers:
//! each of those costs every request allocations of its own (a boxed future, a boxed
//! clone of the inner service, a re-boxed body, an extension), and on the small requests
//! of the hot path they were a third of the work (docs/PERFORMANCE.md). Here a request
//! costs one boxed future.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    extract::{DefaultBodyLimit, FromRef, Request},
    http,
    response::Response,
    Router,
};
use hyper::body::Incoming;
use tower::{Layer, Service};

use super::{connection::ConnectionHandle, http_limits, request_layer::request_layer, state::AppState};
use crate::families::{family_of, jpush, Family};

/// The router behind the body limit.
type Limited = <DefaultBodyLimit as Layer<Router>>::Service;

/// The service of one connection.
#[derive(Clone)]
pub struct Front {
    state: AppState,
    router: Limited,
    connection: ConnectionHandle,
}

impl Front {
    /// The service of the connection `connection`; `router` serves what passes.
    pub fn new(state: AppState, router: Router, connection: ConnectionHandle) -> Front {
        Front {
            state,
            router: http_limits::body_limit().layer(router),
            connection,
        }
    }
}

impl Service<http::Request<Incoming>> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Self::Future {
        let front = self.clone();
        Box::pin(async move { Ok(front.serve(request.map(http_limits::timed_body)).await) })
    }
}

impl Front {
    async fn serve(self, request: Request) -> Response {
        let Front {
            state,
            mut router,
            connection,
        } = self;
        let _serving = connection.serving();
        let family = family_of(request.uri().path());
        let routed = async |request: Request| {
            let mut route = async |request| match router.call(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if family == Family::JPush && jpush::reaches_gate(request.method(), request.uri().path()) {
                jpush::gate(&FromRef::from_ref(&state), request, route).await
            } else {
                route(request).await
            }
        };
        let response = match http_limits::refuse(&state, family, &request) {
            // Refusals are journaled and logged like any answer.
            Some(refusal) => request_layer(&state, &connection, family, request, async |_| refusal).await,
            None => request_layer(&state, &connection, family, request, routed).await,
        };
        http_limits::reshape(&state, family, response).await
    }
}
