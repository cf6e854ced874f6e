//! Building the router and running it: [`router`] for in-process use (tests drive it with
//! `oneshot`), [`start`] to bind and serve in the background, as `main` and tests do; and
//! the answers to routes nobody serves, in the shape of the family the path belongs to.

use std::{io, net::SocketAddr};

use axum::{
    extract::{FromRef, State},
    http::{Method, StatusCode, Uri},
    middleware,
    response::Response,
    Router,
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use super::{
    control_api,
    listener::{ConnectionHandle, RawSpaceListener},
    request_layer,
    state::AppState,
};
use crate::{
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
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_layer::request_layer,
        ))
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

    /// Stops accepting, lets requests in flight finish, and waits.
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
    let state = AppState::new(settings);
    let app = router(state.clone());
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<ConnectionHandle>();
        axum::serve(RawSpaceListener(listener), app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        task,
    })
}
