//! A mock of the JPush / JMessage / Easemob report APIs, served from seeded synthetic
//! data, for developing and testing clients without credentials.
//!
//! Map of the crate — layers, each importing only the ones below it (a test in
//! `tests/layers.rs` keeps it so; see `docs/ARCHITECTURE.md`):
//! - [`settings`]: command line, environment and config file → [`Settings`].
//! - [`app`]: the router and the background server, the shared state and the per-family
//!   contexts, the outer request layer (faults, journal), the listener, the `/_mock`
//!   control API.
//! - [`control`]: fault rules and the request journal — what the control API changes.
//! - [`families`]: one folder per vendor API family (`jpush`, `jmessage`, `easemob`), the
//!   same rooms in each (`rules`, `params`, `model`, `cache`, `handlers`, `wire`,
//!   `errors`, `extract`), and `shared` for what several use.
//! - [`dataset`]: apps, populations and the on-demand record generators.
//! - [`kernel`]: clock, signing, bounded memo, rate limiter, query parsing, seeded
//!   random streams, Basic credentials, allocator housekeeping.
//!
//! Architecture invariant: no record is stored. Every message is a pure function of
//! (seed, app, hour, index), so memory does not grow with the dataset and two processes
//! with the same seed and clock answer byte for byte alike.

pub mod app;
pub mod control;
pub mod dataset;
pub mod families;
pub mod kernel;
pub mod settings;

pub use app::{
    server::{router, start, RunningServer},
    state::AppState,
};
pub use settings::Settings;
