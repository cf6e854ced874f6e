//! Building the router and running it: [`router`] for in-process use (tests drive it with
//! `oneshot`), [`start`] to bind and serve in the background, as `main` and tests do.

use std::{io, net::SocketAddr};

use axum::{middleware, Router};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use crate::{
    control, families,
    listener::{ConnectionHandle, RawSpaceListener},
    settings::Settings,
    state::AppState,
    traffic,
};

/// Every route of every family, the control API, and the family-shaped fallbacks.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(families::jmessage::routes())
        .merge(families::jpush::routes(state.clone()))
        .merge(families::easemob::routes())
        .merge(control::routes())
        .fallback(families::no_route)
        .method_not_allowed_fallback(families::wrong_method)
        .layer(middleware::from_fn_with_state(state.clone(), traffic::traffic))
        .with_state(state)
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
