//! A mock of the JPush / JMessage / Easemob report APIs, served from seeded synthetic
//! data, for developing and testing clients without credentials.
//!
//! Map of the crate (a request flows router → auth → params → data → body):
//! - [`settings`]: command line, environment and config file.
//! - [`server`]: the router of every family and the background server tests start.
//! - [`listener`]: accepts request lines that carry raw spaces (sloppy SDKs send them).
//! - [`traffic`]: the outermost layer of vendor requests: injected faults, the journal.
//! - [`faults`]: fault rules (match, effect, scope); [`journal`]: the request journal.
//! - [`families`]: one module per vendor API family (routes, handlers, model, errors).
//! - [`auth`]: HTTP Basic auth of the Jiguang families.
//! - [`query`]: lenient query-string parsing.
//! - [`ratelimit`]: per-app fixed-window rate limits on the mock clock.
//! - [`paging`]: cursor pages over a chat stream (JMessage V2, Easemob ql); [`pages`]:
//!   their rendered JSON, memoised.
//! - [`dataset`]: apps, populations and the on-demand record generators.
//! - [`clock`]: the one mock clock every time rule reads.
//! - [`memo`]: bounded memo of deterministic values (statistics, pages, answers).
//! - [`memory`]: keeps resident memory tracking live memory under glibc.
//! - [`signing`]: stateless signed tokens (cursors, Easemob bearer tokens and download links).
//! - [`control`]: the `/_mock` control API (clock, apps, faults, journal, rate limits, reset).
//! - [`state`]: what every handler shares.
//!
//! Architecture invariant: no record is stored. Every message is a pure function of
//! (seed, app, hour, index), so memory does not grow with the dataset and two processes
//! with the same seed and clock answer byte for byte alike.

pub mod auth;
pub mod clock;
pub mod control;
pub mod dataset;
pub mod families;
pub mod faults;
pub mod journal;
pub mod listener;
pub mod memo;
pub mod memory;
pub mod pages;
pub mod paging;
pub mod query;
pub mod ratelimit;
pub mod server;
pub mod settings;
pub mod signing;
pub mod state;
pub mod traffic;

pub use server::{router, start, RunningServer};
pub use settings::Settings;
pub use state::AppState;
