//! What the control API changes and the outer request layer applies: fault rules and
//! the request journal. Pure state and its rules; the HTTP side is `app::control_api`
//! and `app::request_layer`.

pub mod faults;
pub mod journal;
