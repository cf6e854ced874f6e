//! The conformance harness: scripted scenarios that prove the mock behaves like the real
//! JPush / JMessage / Easemob report APIs, runnable against the mock and against a user's
//! real account, with recordings of real responses to hold the mock against.
//!
//! Map of the crate (a run flows cli → scenario → target → runner → report):
//! - [`cli`]: the command line (`run`, `record`, `compare`, `list`, `fidelity`, `health`) and exit
//!   codes.
//! - [`scenario`]: the TOML scenario format, its checks, and the loader.
//! - [`embedded`]: the repository's scenarios and schemas, built into the binary.
//! - [`template`]: `${...}` substitution: variables, captures, app data, relative times.
//! - [`jsonpath`]: the small path language of assertions and captures.
//! - [`assertions`]: what a step can check, and how it is checked.
//! - [`schema`]: the type language and named schemas (`scenarios/schemas/*.toml`).
//! - [`target`]: mock (in-process or running) or real hosts: base URLs, credentials, clock.
//! - [`http`]: one exchange; on real hosts, read-only and paced.
//! - [`runner`]: runs scenarios (concurrently where independent) into results.
//! - [`result`]: what a run produces (results, failures, step records), below
//!   everything that makes or reads it.
//! - [`record`]: recordings of real responses (normalised) and of documented ones.
//! - [`compare`]: the mock against a recording, variant by variant, noise excused.
//! - [`contract`]: the mock's answers held to its OpenAPI document.
//! - [`fidelity`]: the fidelity table (`docs/FIDELITY.md`): sources and proofs of each
//!   endpoint and rule.
//! - [`report`]: console, JUnit XML and JSON output.
//! - [`redact`]: the one redaction function every output goes through.
//!
//! Architecture invariant: the runner talks HTTP only. The mock library is used for two
//! things, starting an in-process mock and reading the OpenAPI document its answers are
//! held to ([`contract`]); clock and faults go through its control API, and
//! against real hosts the clock becomes a real wait.

pub mod assertions;
pub mod cli;
pub mod compare;
pub mod contract;
pub mod embedded;
pub mod fidelity;
pub mod http;
pub mod jsonpath;
pub mod record;
pub mod redact;
pub mod report;
pub mod result;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod target;
pub mod template;

pub use cli::{main_captured, main_with, main_with_progress};
pub use report::console::Buffer;
pub use target::Env;
