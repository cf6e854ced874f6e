//! The apps and credentials of the default dataset, embedded from `fixtures/apps.toml`.

use serde::{Deserialize, Serialize};

use crate::kernel::basic::basic_header;

const EMBEDDED: &str = include_str!("../../../../fixtures/apps.toml");

/// A Jiguang app: JPush and JMessage share its appKey/masterSecret.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JiguangApp {
    pub name: String,
    pub app_key: String,
    pub master_secret: String,
    pub vip: bool,
}

impl JiguangApp {
    /// Its `Authorization` header value: `Basic base64(appKey:masterSecret)`.
    pub fn basic_auth(&self) -> String {
        basic_header(&self.app_key, &self.master_secret)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EasemobApp {
    pub org_name: String,
    pub app_name: String,
    pub client_id: String,
    pub client_secret: String,
}

impl EasemobApp {
    /// Its base path, `/{org_name}/{app_name}`.
    pub fn base_path(&self) -> String {
        format!("/{}/{}", self.org_name, self.app_name)
    }

    /// The JSON body of its `POST {base_path}/token` call.
    pub fn token_request(&self) -> String {
        serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        })
        .to_string()
    }
}

/// The apps a running mock serves and their mock-only credentials, typed (what
/// `GET /_mock/apps` lists, without the sample ids).
#[derive(Debug, Clone)]
pub struct DemoApps {
    /// JPush/JMessage apps (one appKey/masterSecret pair serves both).
    pub jiguang: Vec<JiguangApp>,
    pub easemob: Vec<EasemobApp>,
}

impl DemoApps {
    /// The first VIP Jiguang app (the default dataset's `demo-vip`).
    pub fn vip(&self) -> Option<&JiguangApp> {
        self.jiguang.iter().find(|a| a.vip)
    }

    /// The first non-VIP Jiguang app (the default dataset's `demo-plain`).
    pub fn plain(&self) -> Option<&JiguangApp> {
        self.jiguang.iter().find(|a| !a.vip)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppsFixture {
    pub jiguang: Vec<JiguangApp>,
    pub easemob: Vec<EasemobApp>,
}

impl AppsFixture {
    pub fn embedded() -> AppsFixture {
        let fixture: AppsFixture = toml::from_str(EMBEDDED).expect("fixtures/apps.toml is valid");
        fixture
            .check()
            .expect("fixtures/apps.toml follows the credential rules");
        fixture
    }

    /// The official JPush SDKs refuse credentials that are not 24 alphanumerics.
    fn check(&self) -> Result<(), String> {
        for app in &self.jiguang {
            for (what, value) in [("app_key", &app.app_key), ("master_secret", &app.master_secret)] {
                if value.len() != 24 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(format!("{} {what} must be 24 alphanumeric characters", app.name));
                }
            }
        }
        if self.jiguang.len() > 16 {
            return Err("at most 16 Jiguang apps (msgids reserve 4 bits for the app)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_fixture_has_a_vip_and_a_plain_app_and_two_easemob_apps() {
        let fixture = AppsFixture::embedded();
        assert!(fixture.jiguang.iter().any(|a| a.vip));
        assert!(fixture.jiguang.iter().any(|a| !a.vip));
        assert_eq!(fixture.easemob.len(), 2, "two, so that per-app isolation can be tested");
    }
}
