//! The apps and credentials of the default dataset, embedded from `fixtures/apps.toml`.

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EasemobApp {
    pub org_name: String,
    pub app_name: String,
    pub client_id: String,
    pub client_secret: String,
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
