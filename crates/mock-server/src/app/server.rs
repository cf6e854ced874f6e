//! Building the service and running it: [`app`] (the router inside the layers every
//! request passes), [`start`] to bind and serve in the background, as `main` and tests do,
//! with its connection timeouts and its bounded graceful stop; and the answers to routes
//! nobody serves, in the shape of the family the path belongs to.

use std::{io, net::SocketAddr, time::Duration};

use axum::{
    extract::{FromRef, State},
    http::{Method, StatusCode, Uri},
    response::Response,
    serve::Listener,
    Router,
};
use hyper::server::conn::http1;
use hyper_util::{rt::TokioIo, server::graceful::GracefulShutdown, service::TowerToHyperService};
use tokio::{
    net::TcpListener,
    sync::oneshot,
    task::{JoinHandle, JoinSet},
};

use super::{control_api, front::Front, http_limits, listener::RawSpaceListener, state::AppState};
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
        .merge(jpush::routes())
        .merge(easemob::routes())
        .merge(control_api::routes(&state))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
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
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(RawSpaceListener(listener), state.clone(), stopped, grace));
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        task,
    })
}

/// Serves `state`'s router until `stopped` resolves (or its sender is dropped), then stops accepting,
/// lets open connections finish for up to `grace`, and drops whatever is left: a
/// stalled client or a long delay fault cannot hold a stop longer than that.
async fn serve(
    mut listener: RawSpaceListener,
    state: AppState,
    mut stopped: oneshot::Receiver<()>,
    grace: Duration,
) -> io::Result<()> {
    let router = router(state.clone());
    let http = http1_builder();
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            (io, _) = listener.accept() => {
                let handle = io.handle().clone();
                let service = Front::new(state.clone(), router.clone(), handle.clone());
                let connection = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
                let connection = graceful.watch(connection);
                connections.spawn(async move {
                    tokio::select! {
                        // Resets and malformed requests end a connection; that is the
                        // client's business, not the server's.
                        closed = connection => if let Err(err) = closed {
                            tracing::debug!("connection closed: {err}");
                        },
                        () = handle.idle_for(http_limits::HEADER_READ_TIMEOUT) => {
                            tracing::debug!("connection idle past the header-read timeout: closed");
                        }
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

/// HTTP/1.1 with keep-alive and hyper's own head size limit above the mock's; its field
/// limit stays at its default, which the listener keeps every head within (see
/// [`http_limits`]). The header-read timeout is the connection's idle watchdog
/// ([`super::connection`]), not hyper's, which costs every request a timer.
fn http1_builder() -> http1::Builder {
    let mut http = http1::Builder::new();
    http.header_read_timeout(None)
        .keep_alive(true)
        .max_header_size(http_limits::HYPER_MAX_HEAD_BYTES);
    http
}
