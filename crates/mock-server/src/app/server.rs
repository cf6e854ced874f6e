//! Building the service and running it: [`app`] (the router inside the layers every
//! request passes), [`start`] to bind and serve in the background, as `main` and tests do,
//! with its connection timeouts and its bounded graceful stop; and the answers to routes
//! nobody serves, in the shape of the family the path belongs to.

use std::{convert::Infallible, io, net::SocketAddr, time::Duration};

use axum::{
    body::Body,
    extract::{ConnectInfo, DefaultBodyLimit, FromRef, State},
    http::{Method, Request, StatusCode, Uri},
    middleware,
    response::{IntoResponse, Response},
    serve::Listener,
    Router,
};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    net::TcpListener,
    sync::oneshot,
    task::{JoinHandle, JoinSet},
};
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_http::{limit::RequestBodyLimitLayer, timeout::RequestBodyTimeoutLayer};

use super::{control_api, http_limits, listener::RawSpaceListener, request_layer, state::AppState};
use crate::{
    dataset::apps::DemoApps,
    families::{
        easemob, family_of, jmessage, jpush,
        shared::{jiguang_error, route::unserved_message},
        Family,
    },
    settings::Settings,
};

/// Every route of every family, the control API, and the family-shaped fallbacks.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(jmessage::routes())
        .merge(jpush::routes(jpush::Context::from_ref(&state)))
        .merge(easemob::routes())
        .merge(control_api::routes(&state))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
}

/// The router inside the layers every request passes, outermost first. They wrap the
/// router once, instead of each route as `Router::layer` would: that would clone and
/// box every layer of the matched route on every request.
pub fn app(
    state: AppState,
) -> impl Service<Request<Incoming>, Response = Response, Error = Infallible, Future: Send> + Clone + Send + 'static {
    ServiceBuilder::new()
        .map_request(|request: Request<Incoming>| request.map(Body::new))
        // Outermost, so that the journal shows what the limits refused, too.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_layer::request_layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), http_limits::limits_layer))
        .layer(RequestBodyTimeoutLayer::new(http_limits::BODY_READ_TIMEOUT))
        // One explicit body limit (axum's own default would be a second one).
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(http_limits::MAX_BODY_BYTES))
        .map_response(IntoResponse::into_response)
        .service(router(state))
}

/// Unknown routes: 404 in the shape of the family the path belongs to.
async fn no_route(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    unserved(&state, StatusCode::NOT_FOUND, &method, &uri)
}

/// Known routes called with the wrong method: 405 in the family's shape.
async fn wrong_method(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    unserved(&state, StatusCode::METHOD_NOT_ALLOWED, &method, &uri)
}

fn unserved(state: &AppState, status: StatusCode, method: &Method, uri: &Uri) -> Response {
    let path = uri.path();
    let message = unserved_message(status, method, path);
    match family_of(path) {
        Family::JPush | Family::JMessage | Family::Control => jiguang_error::unserved(status, message),
        Family::Easemob => easemob::unserved(&easemob::Context::from_ref(state), status, message, path),
    }
}

/// A server running in the background.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The apps this mock serves, with their mock-only credentials.
    pub fn demo_apps(&self) -> DemoApps {
        let dataset = &self.state.core.dataset;
        DemoApps {
            jiguang: dataset.jiguang.iter().map(|a| a.credentials.clone()).collect(),
            easemob: dataset.easemob.iter().map(|a| a.credentials.clone()).collect(),
        }
    }

    /// Stops accepting, lets open connections finish for up to the shutdown timeout,
    /// drops the rest, and waits.
    pub async fn stop(self) -> io::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.map_err(io::Error::other)?
    }
}

/// Builds the dataset, binds `settings.host:settings.port` (0 picks a free port) and
/// serves in the background.
pub async fn start(settings: Settings) -> io::Result<RunningServer> {
    let listener = TcpListener::bind((settings.host, settings.port)).await?;
    let addr = listener.local_addr()?;
    let grace = settings.shutdown_timeout;
    let state = AppState::new(settings);
    let app = app(state.clone());
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(RawSpaceListener(listener), app, stopped, grace));
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        task,
    })
}

/// Serves `app` until `stopped` resolves (or its sender is dropped), then stops accepting,
/// lets open connections finish for up to `grace`, and drops whatever is left: a
/// stalled client or a long delay fault cannot hold a stop longer than that.
async fn serve<A>(
    mut listener: RawSpaceListener,
    app: A,
    mut stopped: oneshot::Receiver<()>,
    grace: Duration,
) -> io::Result<()>
where
    A: Service<Request<Incoming>, Response = Response, Error = Infallible, Future: Send> + Clone + Send + 'static,
{
    let http = http1_builder();
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            (io, _) = listener.accept() => {
                let handle = io.handle().clone();
                let service = app.clone().map_request(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(handle.clone()));
                    request
                });
                let connection = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
                let connection = graceful.watch(connection);
                connections.spawn(async move {
                    // Timeouts, resets and malformed requests end a connection; that is
                    // the client's business, not the server's.
                    if let Err(err) = connection.await {
                        tracing::debug!("connection closed: {err}");
                    }
                });
                while connections.try_join_next().is_some() {}
            }
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown timeout of {} s over: dropping open connections",
            grace.as_secs()
        );
    }
    connections.shutdown().await;
    Ok(())
}

/// HTTP/1.1 with keep-alive, the header-read timeout (which also ends idle keep-alive
/// connections), and hyper's own head size limit above the mock's; its field limit stays
/// at its default, which the listener keeps every head within (see [`http_limits`]).
fn http1_builder() -> http1::Builder {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(http_limits::HEADER_READ_TIMEOUT)
        .keep_alive(true)
        .max_header_size(http_limits::HYPER_MAX_HEAD_BYTES);
    http
}
