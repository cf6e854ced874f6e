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
//!
//! ## Use it from Rust tests
//!
//! [`start`] serves in the background on a free port (`port: 0`);
//! [`RunningServer::base_url`] is where, and [`RunningServer::demo_apps`] the
//! credentials (the README shows this same example):
//!
//! ```rust
//! use mock_server::{start, Settings};
//!
//! #[tokio::main]
//! async fn main() {
//!     let server = start(Settings { port: 0, ..Settings::default() }).await.unwrap();
//!     let base = server.base_url();
//!     let apps = server.demo_apps();
//!     let client = reqwest::Client::new();
//!
//!     // JPush / JMessage: HTTP Basic with the VIP app's appKey and masterSecret.
//!     let vip = apps.vip().unwrap();
//!     let page = client
//!         .get(format!("{base}/v1/messages?start=0&count=5"))
//!         .header("Authorization", vip.basic_auth())
//!         .send()
//!         .await
//!         .unwrap();
//!     assert_eq!(page.status(), 200);
//!
//!     // Easemob: a token from the app's client_id and client_secret.
//!     let easemob = &apps.easemob[0];
//!     let token = client
//!         .post(format!("{base}{}/token", easemob.base_path()))
//!         .body(easemob.token_request())
//!         .send()
//!         .await
//!         .unwrap();
//!     assert_eq!(token.status(), 200);
//!
//!     server.stop().await.unwrap();
//! }
//! ```

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
pub use dataset::apps::{DemoApps, EasemobApp, JiguangApp};
pub use settings::Settings;
