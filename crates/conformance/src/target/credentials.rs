//! Credentials of each role (from a mock's app listing or from `CONFORMANCE_*`
//! variables), the secret-free app data scenarios may name as `${apps.ROLE.field}`, and
//! the "wrong secret" derived from a secret. Every secret held here is handed to the
//! redactor.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::env::{env_name, Env};
use crate::{redact::Redactor, scenario::Role};

/// Fields of an app listing that are secrets, kept out of `${apps...}`.
const SECRET_FIELDS: [&str; 3] = ["master_secret", "client_id", "client_secret"];
/// Sample-id lists an app listing carries.
const SAMPLE_FIELDS: [&str; 5] = ["usernames", "group_ids", "chatroom_ids", "msg_ids", "registration_ids"];

/// Credentials of one role. Never printed (`Debug` shows only which kind they are).
#[derive(Clone)]
pub(super) enum Credentials {
    Basic {
        app_key: String,
        master_secret: String,
    },
    Easemob {
        org_name: String,
        app_name: String,
        client_id: String,
        client_secret: String,
    },
}

/// Each role's credentials, and what scenarios may name as `${apps.ROLE.field}`: the
/// same data without any secret.
#[derive(Debug, Clone, Default)]
pub struct Apps {
    credentials: BTreeMap<Role, Credentials>,
    public: Map<String, Value>,
}

impl Apps {
    /// From a mock's `GET /_mock/apps`: the first VIP app, the first other one, the first
    /// Easemob app.
    pub fn from_mock_listing(listing: &Value) -> Result<Apps, String> {
        let mut apps = Apps::default();
        let jiguang = listing["apps"].as_array().cloned().unwrap_or_default();
        for (role, vip) in [(Role::Vip, true), (Role::Plain, false)] {
            if let Some(app) = jiguang.iter().find(|a| a["vip"].as_bool() == Some(vip)) {
                let credentials = Credentials::Basic {
                    app_key: text_field(app, "app_key")?,
                    master_secret: text_field(app, "master_secret")?,
                };
                apps.insert(role, credentials, app);
            }
        }
        if let Some(app) = listing["easemob"].as_array().and_then(|list| list.first()) {
            let credentials = Credentials::Easemob {
                org_name: text_field(app, "org_name")?,
                app_name: text_field(app, "app_name")?,
                client_id: text_field(app, "client_id")?,
                client_secret: text_field(app, "client_secret")?,
            };
            apps.insert(Role::Easemob, credentials, app);
        }
        Ok(apps)
    }

    /// From `CONFORMANCE_*` variables; a role without credentials is simply absent.
    pub fn from_env(env: &Env) -> Apps {
        let mut apps = Apps::default();
        let get = |role: Role, field: &str| env.get(&env_name(role, field)).map(str::to_owned);
        for role in [Role::Vip, Role::Plain] {
            if let (Some(app_key), Some(master_secret)) = (get(role, "app_key"), get(role, "master_secret")) {
                let listing = json!({"app_key": app_key, "vip": role == Role::Vip});
                apps.insert(
                    role,
                    Credentials::Basic { app_key, master_secret },
                    &with_samples(listing, env, role),
                );
            }
        }
        let role = Role::Easemob;
        let fields = ["org_name", "app_name", "client_id", "client_secret"].map(|f| get(role, f));
        if let [Some(org_name), Some(app_name), Some(client_id), Some(client_secret)] = fields {
            let listing = json!({"org_name": org_name, "app_name": app_name});
            let credentials = Credentials::Easemob {
                org_name,
                app_name,
                client_id,
                client_secret,
            };
            apps.insert(role, credentials, &with_samples(listing, env, role));
        }
        apps
    }

    fn insert(&mut self, role: Role, credentials: Credentials, listing: &Value) {
        let mut public = listing.as_object().cloned().unwrap_or_default();
        public.retain(|key, _| !SECRET_FIELDS.contains(&key.as_str()));
        self.public.insert(role.name().to_owned(), Value::Object(public));
        self.credentials.insert(role, credentials);
    }

    pub fn has(&self, role: Role) -> bool {
        self.credentials.contains_key(&role)
    }

    /// The credentials of `role`, if the target has them.
    pub(super) fn credentials(&self, role: Role) -> Option<&Credentials> {
        self.credentials.get(&role)
    }

    /// Whether `${apps.ROLE.FIELD}` names something (a non-empty list, or a value).
    pub fn provides(&self, role: Role, field: &str) -> bool {
        match self.public.get(role.name()).and_then(|app| app.get(field)) {
            Some(Value::Array(items)) => !items.is_empty(),
            Some(value) => !value.is_null(),
            None => false,
        }
    }

    /// `{"vip": {...}, "plain": {...}, "easemob": {...}}`, without secrets.
    pub fn public(&self) -> Value {
        Value::Object(self.public.clone())
    }

    /// Each role's credentials, for `${credentials.ROLE.FIELD}` (an Easemob `/token`
    /// body): `app_key` and `master_secret`, or `org_name`, `app_name`, `client_id` and
    /// `client_secret`. Every one of them is registered with the redactor.
    pub fn credentials_listing(&self) -> Value {
        let listing = self
            .credentials
            .iter()
            .map(|(role, credentials)| {
                let fields = match credentials {
                    Credentials::Basic { app_key, master_secret } => {
                        json!({"app_key": app_key, "master_secret": master_secret})
                    }
                    Credentials::Easemob {
                        org_name,
                        app_name,
                        client_id,
                        client_secret,
                    } => json!({
                        "org_name": org_name,
                        "app_name": app_name,
                        "client_id": client_id,
                        "client_secret": client_secret,
                    }),
                };
                (role.name().to_owned(), fields)
            })
            .collect();
        Value::Object(listing)
    }

    /// Tells the redactor every secret these apps hold.
    pub(super) fn register_secrets(&self, redactor: &Redactor) {
        for credentials in self.credentials.values() {
            match credentials {
                Credentials::Basic { app_key, master_secret } => {
                    redactor.add_credentials(app_key, master_secret);
                    redactor.add_credentials(app_key, &wrong_secret(master_secret));
                }
                Credentials::Easemob {
                    client_id,
                    client_secret,
                    ..
                } => redactor.add_credentials(client_id, client_secret),
            }
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { .. } => f.write_str("Basic(<redacted>)"),
            Credentials::Easemob { .. } => f.write_str("Easemob(<redacted>)"),
        }
    }
}

fn text_field(app: &Value, field: &str) -> Result<String, String> {
    app[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the app listing lacks `{field}`"))
}

/// Adds `CONFORMANCE_ROLE_USERNAMES` etc. (comma-separated) to a listing.
fn with_samples(mut listing: Value, env: &Env, role: Role) -> Value {
    for field in SAMPLE_FIELDS {
        if let Some(list) = env.get(&env_name(role, field)) {
            let ids: Vec<Value> = list
                .split(',')
                .map(|s| Value::from(s.trim()))
                .filter(|v| v != "")
                .collect();
            listing[field] = Value::Array(ids);
        }
    }
    listing
}

/// A secret of the same form that is certainly not `secret` (every character moved on
/// by one), for "wrong credentials" steps.
pub fn wrong_secret(secret: &str) -> String {
    secret
        .chars()
        .map(|c| match c {
            '9' => '0',
            'z' => 'a',
            'Z' => 'A',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> Value {
        json!({
            "apps": [
                {"name": "p", "app_key": "plainkey", "master_secret": "plainsecret", "vip": false, "usernames": ["u1"]},
                {"name": "v", "app_key": "vipkey", "master_secret": "vipsecret1", "vip": true, "usernames": ["u2"]},
            ],
            "easemob": [{"org_name": "o", "app_name": "a", "client_id": "cid", "client_secret": "csecret1", "usernames": []}]
        })
    }

    #[test]
    fn mock_listing_gives_roles_without_secrets_in_public_data() {
        let apps = Apps::from_mock_listing(&listing()).unwrap();
        assert!(apps.has(Role::Vip) && apps.has(Role::Plain) && apps.has(Role::Easemob));
        let public = apps.public();
        assert_eq!(public["vip"]["usernames"][0], "u2");
        assert_eq!(public["plain"]["app_key"], "plainkey");
        assert_eq!(public["easemob"]["org_name"], "o");
        let text = public.to_string();
        for secret in ["vipsecret1", "plainsecret", "cid", "csecret1"] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }

    #[test]
    fn env_gives_roles_and_sample_lists() {
        let env = Env::from_pairs([
            ("CONFORMANCE_VIP_APP_KEY", "k"),
            ("CONFORMANCE_VIP_MASTER_SECRET", "s3cr3t-value"),
            ("CONFORMANCE_VIP_USERNAMES", "ann, bob,"),
            ("CONFORMANCE_PLAIN_APP_KEY", "only-a-key"),
            ("CONFORMANCE_EASEMOB_ORG_NAME", ""),
        ]);
        let apps = Apps::from_env(&env);
        assert!(apps.has(Role::Vip));
        assert!(!apps.has(Role::Plain), "a key without its secret is no credential");
        assert!(!apps.has(Role::Easemob));
        assert_eq!(apps.public()["vip"]["usernames"], json!(["ann", "bob"]));
        assert_eq!(apps.public()["vip"]["vip"], true);
        assert!(!apps.public().to_string().contains("s3cr3t"));
    }

    #[test]
    fn wrong_secrets_differ_everywhere_and_keep_their_form() {
        for secret in ["5e987ac6d2e04d95a9d8f0d1", "zzzz9999ZZZZ", "a-b"] {
            let wrong = wrong_secret(secret);
            assert_eq!(wrong.len(), secret.len());
            assert!(wrong
                .chars()
                .zip(secret.chars())
                .all(|(a, b)| a != b || !b.is_ascii_alphanumeric()));
        }
    }
}
