//! The application: the shared state and the per-family contexts handlers take
//! ([`state`]), the router and the background server ([`server`]), the outer layer every
//! vendor request passes ([`request_layer`]), the HTTP limits and the family-shaped
//! answers to framework rejections ([`http_limits`]), the listener that tolerates raw spaces
//! ([`listener`]) and the `/_mock` control API ([`control_api`]).

pub mod control_api;
pub mod http_limits;
pub mod listener;
pub mod request_layer;
pub mod server;
pub mod state;
