//! Authentication of a scenario's requests: the `Authorization` header of a role —
//! Basic from an app key and master secret, Bearer with an Easemob token obtained once
//! per session — and its "wrong secret" form. Every token obtained goes to the redactor.

use std::collections::HashMap;

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;
use tokio::sync::Mutex;

use super::{
    credentials::{wrong_secret, Credentials},
    env::role_vars,
    Session,
};
use crate::scenario::{Auth, Family, Role};

/// Easemob tokens already obtained in a session, per role.
#[derive(Debug, Default)]
pub(super) struct Tokens(Mutex<HashMap<Role, String>>);

impl Session<'_> {
    /// The `Authorization` header value for `auth`, if any.
    pub async fn authorization(&self, auth: Auth, family: Family) -> Result<Option<String>, String> {
        let Auth::Role {
            role,
            wrong_secret: wrong,
        } = auth
        else {
            return Ok(None);
        };
        let credentials = self.apps.credentials(role).ok_or_else(|| {
            format!(
                "no credentials for role `{}` (on the real target set {})",
                role.name(),
                role_vars(role)
            )
        })?;
        let header = match credentials {
            Credentials::Basic { app_key, master_secret } => {
                let secret = if wrong {
                    wrong_secret(master_secret)
                } else {
                    master_secret.clone()
                };
                format!("Basic {}", STANDARD.encode(format!("{app_key}:{secret}")))
            }
            Credentials::Easemob { .. } => {
                let token = self.easemob_token(role, credentials, family).await?;
                let token = if wrong { wrong_secret(&token) } else { token };
                format!("Bearer {token}")
            }
        };
        Ok(Some(header))
    }

    async fn easemob_token(&self, role: Role, credentials: &Credentials, family: Family) -> Result<String, String> {
        let Credentials::Easemob {
            org_name,
            app_name,
            client_id,
            client_secret,
        } = credentials
        else {
            unreachable!("called for Easemob credentials only");
        };
        let mut tokens = self.tokens.0.lock().await;
        if let Some(token) = tokens.get(&role) {
            return Ok(token.clone());
        }
        let url = format!("{}/{org_name}/{app_name}/token", self.base_url(family)?);
        let body = json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret});
        let exchange = self.http().send_json(Family::Easemob, "POST", &url, Some(body)).await?;
        let token = exchange.json["access_token"]
            .as_str()
            .ok_or_else(|| {
                format!(
                    "no Easemob token for the run (POST /token answered {})",
                    exchange.excerpt()
                )
            })?
            .to_owned();
        let redactor = &self.target.redactor;
        redactor.add_secret(&token);
        redactor.add_secret(&wrong_secret(&token));
        tokens.insert(role, token.clone());
        Ok(token)
    }
}
