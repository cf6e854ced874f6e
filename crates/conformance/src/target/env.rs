//! The environment the real target is configured from: the variables, read once into
//! [`Env`], and how the `CONFORMANCE_*` variables are named.

use std::collections::BTreeMap;

use crate::scenario::{Family, Role};

/// Environment variables, read once (tests pass their own instead of the process's).
#[derive(Debug, Clone, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    pub fn process() -> Env {
        Env(std::env::vars().collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Env {
        Env(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// A variable's value; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }
}

/// The environment variable of one role's field: `CONFORMANCE_VIP_APP_KEY`.
pub fn env_name(role: Role, field: &str) -> String {
    format!(
        "CONFORMANCE_{}_{}",
        role.name().to_ascii_uppercase(),
        field.to_ascii_uppercase()
    )
}

/// The variables of one role as a family: `CONFORMANCE_VIP_*`, for messages that say
/// what to set.
pub(super) fn role_vars(role: Role) -> String {
    format!("{}_*", env_name(role, "").trim_end_matches('_'))
}

/// The environment variable overriding a family's base URL: `CONFORMANCE_JMESSAGE_BASE_URL`.
pub fn base_url_env(family: Family) -> String {
    format!("CONFORMANCE_{}_BASE_URL", family.name().to_ascii_uppercase())
}

/// The control token of a shared mock started with `--control-token`.
pub const CONTROL_TOKEN_ENV: &str = "CONFORMANCE_CONTROL_TOKEN";
