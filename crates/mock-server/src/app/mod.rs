//! The application: the shared state and the per-family contexts handlers take
//! ([`state`]), the router and the background server ([`server`]), the service of each
//! connection ([`front`]), the outer layer every vendor request passes ([`request_layer`]) and its log line ([`request_log`]), the HTTP
//! limits and the family-shaped answers to framework rejections ([`http_limits`]), the
//! listener that tolerates raw spaces ([`listener`]), the log subscriber of the binary
//! ([`logging`]), the `/_mock` control API
//! ([`control_api`]), its landing page ([`index`]) and its dashboard ([`dashboard`]), and
//! the state operations that work on this process's state or on a fleet's shared world
//! ([`world`]).

pub mod connection;
pub mod control_api;
pub mod control_routes;
pub mod dashboard;
pub mod front;
pub mod http_limits;
pub mod index;
pub mod listener;
pub mod logging;
pub mod openapi;
pub mod request_layer;
pub mod request_log;
pub mod server;
pub mod state;
pub mod world;
