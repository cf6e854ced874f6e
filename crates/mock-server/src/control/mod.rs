//! What the control API changes and the outer request layer applies: fault rules, the
//! request journal, what of a request is a secret (for the journal and the request
//! log), and a fleet's shared world (`--state-url`). Pure state and its rules; the HTTP side is `app::control_api` and
//! `app::request_layer`.

pub mod faults;
pub mod fleet;
pub mod journal;
pub mod redact;
