//! Where scenarios run, and everything that differs between the mock and the real hosts:
//! base URLs, credentials and the data they may name, authentication, and the clock.
//! This module owns the choice of target, which scenarios it runs, and the opening of a
//! [`Session`] per scenario; each concern has its own module below it.
//!
//! - **Mock, in-process** (the default): every scenario gets its own mock (port 0, clock
//!   frozen at one fixed instant), so scenarios run concurrently and may move their clock
//!   freely. The runner talks to it over HTTP only; the library is used just to start it.
//! - **Mock at `--base-url`**: one shared mock; credentials and sample ids come from its
//!   `/_mock/apps`; scenarios that change its state (clock, faults, rate limits, the
//!   Easemob quota) run alone, and the state is put back after each.
//! - **Real**: the vendor hosts (overridable per family), credentials and sample ids from
//!   `CONFORMANCE_*` environment variables, the local clock, read-only and paced requests.

mod auth;
mod clock;
mod control;
mod credentials;
mod env;
mod hosts;
mod session;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use chrono::{DateTime, FixedOffset, Utc};

use self::{
    clock::{RealClock, SessionClock},
    control::MockSnapshot,
    env::role_vars,
    hosts::{real_bases, real_pacer, same_base},
};
pub use self::{
    credentials::{wrong_secret, Apps},
    env::{base_url_env, env_name, Env, CONTROL_TOKEN_ENV},
    hosts::REAL_HOSTS,
    session::Session,
};
use crate::{
    http::Http,
    redact::Redactor,
    scenario::{Family, Role, Scenario},
};

#[derive(Debug, Clone)]
pub struct MockOptions {
    /// A running mock; `None` starts one in-process per scenario.
    pub base_url: Option<String>,
    /// Where an in-process mock's clock is frozen.
    pub clock: DateTime<FixedOffset>,
    pub timezone: FixedOffset,
    /// The running mock's `--control-token` ([`CONTROL_TOKEN_ENV`]), sent on its control calls.
    pub control_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RealOptions {
    /// Relative times start here (then follow elapsed time) instead of the local clock.
    pub clock: Option<DateTime<FixedOffset>>,
    pub timezone: FixedOffset,
    /// Pause between two requests to one host (Easemob's quota adds its own, see `hosts`).
    pub delay: Duration,
}

/// Which scenarios a target leaves out.
#[derive(Debug, Clone, Copy, Default)]
pub struct SkipOptions {
    /// Real target: those that wait on the real clock.
    pub skip_slow: bool,
    /// Real target: run those tagged `needs-data` too.
    pub include_needs_data: bool,
    /// Shared mock: those that would empty its journal.
    pub keep_journal: bool,
}

#[derive(Debug)]
enum Source {
    InProcess {
        clock: DateTime<Utc>,
    },
    External {
        base: String,
        apps: Apps,
    },
    Real {
        bases: BTreeMap<Family, String>,
        apps: Apps,
        /// `--clock`: relative times start here instead of the local clock.
        clock: Option<DateTime<Utc>>,
    },
}

/// A target opened for a run.
#[derive(Debug)]
pub struct Target {
    source: Source,
    timezone: FixedOffset,
    http: Http,
    redactor: Arc<Redactor>,
}

impl Target {
    pub async fn mock(options: MockOptions, redactor: Arc<Redactor>) -> Result<Target, String> {
        if let Some(token) = &options.control_token {
            redactor.add_secret(token);
        }
        let http = Http::new(None)?
            .with_control_token(options.control_token)
            .held_to_contract();
        let source = match options.base_url {
            None => Source::InProcess {
                clock: options.clock.to_utc(),
            },
            Some(base) => {
                let base = base.trim_end_matches('/').to_owned();
                let apps = control::apps(&http, &base).await?;
                apps.register_secrets(&redactor);
                Source::External { base, apps }
            }
        };
        Ok(Target {
            source,
            timezone: options.timezone,
            http,
            redactor,
        })
    }

    pub fn real(env: &Env, options: RealOptions, redactor: Arc<Redactor>) -> Result<Target, String> {
        let apps = Apps::from_env(env);
        if !Role::ALL.iter().any(|role| apps.has(*role)) {
            return Err(format!(
                "no credentials: set at least {} and {} (see README, \"Conformance\")",
                env_name(Role::Vip, "app_key"),
                env_name(Role::Vip, "master_secret")
            ));
        }
        apps.register_secrets(&redactor);
        Ok(Target {
            source: Source::Real {
                bases: real_bases(env),
                apps,
                clock: options.clock.map(|at| at.to_utc()),
            },
            timezone: options.timezone,
            http: Http::new(Some(real_pacer(options.delay)))?,
            redactor,
        })
    }
    pub fn is_real(&self) -> bool {
        matches!(self.source, Source::Real { .. })
    }

    pub fn name(&self) -> &'static str {
        if self.is_real() {
            "real"
        } else {
            "mock"
        }
    }

    /// What the run goes against, for the first line of output.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::InProcess { clock } => format!(
                "in-process mocks (clock frozen at {})",
                clock.with_timezone(&self.timezone).to_rfc3339()
            ),
            Source::External { base, .. } => format!("the mock at {base}"),
            Source::Real { bases, .. } => {
                let hosts: Vec<String> = bases.iter().map(|(family, base)| format!("{family} {base}")).collect();
                format!("the real hosts ({})", hosts.join(", "))
            }
        }
    }

    /// One mock shared by every scenario: those that change its state must run alone.
    pub fn is_shared_mock(&self) -> bool {
        matches!(self.source, Source::External { .. })
    }

    /// Why this target does not run `scenario`, if it does not.
    pub fn skip_reason(&self, scenario: &Scenario, options: &SkipOptions) -> Option<String> {
        if self.is_shared_mock() && options.keep_journal && scenario.clears_journal() {
            return Some("empties the mock's journal (--keep-journal)".into());
        }
        let Source::Real { apps, .. } = &self.source else {
            return None;
        };
        if scenario.is_mock_only() {
            return Some("mock-only".into());
        }
        if scenario.needs_data() && !options.include_needs_data {
            return Some("needs data a real account may lack (--include-needs-data runs it)".into());
        }
        let wait = scenario.wait_seconds();
        if wait > 0.0 && options.skip_slow {
            return Some(format!("waits {wait:.0} s on the real clock (--skip-slow)"));
        }
        let mut missing: Vec<String> = scenario
            .roles()
            .into_iter()
            .filter(|role| !apps.has(*role))
            .map(role_vars)
            .collect();
        missing.extend(
            scenario
                .app_data
                .iter()
                .filter(|(role, field)| apps.has(*role) && !apps.provides(*role, field))
                .map(|(role, field)| env_name(*role, field)),
        );
        (!missing.is_empty()).then(|| format!("needs credentials or ids: set {}", missing.join(", ")))
    }

    /// Opens what one scenario runs against. On a shared mock, a scenario that changes
    /// its state (`changes_state`) gets its clock, fault rules and rate limits put back
    /// as it found them on `close`.
    pub async fn session(&self, changes_state: bool) -> Result<Session<'_>, String> {
        let (bases, apps, clock, server) = match &self.source {
            Source::InProcess { clock } => {
                let settings = mock_server::Settings {
                    port: 0,
                    clock: Some(*clock),
                    timezone: self.timezone,
                    ..mock_server::Settings::default()
                };
                let server = mock_server::start(settings)
                    .await
                    .map_err(|e| format!("cannot start the mock: {e}"))?;
                let base = server.base_url();
                let apps = control::apps(&self.http, &base).await?;
                apps.register_secrets(&self.redactor);
                (same_base(&base), apps, SessionClock::Mock(base), Some(server))
            }
            Source::External { base, apps } => (same_base(base), apps.clone(), SessionClock::Mock(base.clone()), None),
            Source::Real { bases, apps, clock } => (
                bases.clone(),
                apps.clone(),
                SessionClock::Real(RealClock::new(*clock)),
                None,
            ),
        };
        let restore = match (&self.source, &clock) {
            (Source::External { .. }, SessionClock::Mock(base)) if changes_state => {
                Some(MockSnapshot::take(&self.http, base).await?)
            }
            _ => None,
        };
        Ok(Session {
            target: self,
            bases,
            apps,
            clock,
            tokens: Default::default(),
            server,
            restore,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_target_skips_what_the_account_cannot_run_and_says_why() {
        let env = Env::from_pairs([
            ("CONFORMANCE_VIP_APP_KEY", "k"),
            ("CONFORMANCE_VIP_MASTER_SECRET", "s3cr3t-value"),
            ("CONFORMANCE_VIP_USERNAMES", "ann"),
        ]);
        let options = RealOptions {
            clock: None,
            timezone: FixedOffset::east_opt(8 * 3600).unwrap(),
            delay: Duration::ZERO,
        };
        let target = Target::real(&env, options, Arc::new(Redactor::new())).unwrap();
        let scenario = |tags: &str, auth: &str, path: &str, advance: bool| {
            let wait = if advance { "[[steps]]\nadvance = \"121s\"\n" } else { "" };
            let text = format!(
                "name = \"s\"\nfamily = \"jmessage\"\ntags = [{tags}]\n[[steps]]\nrequest = {{ path = \"{path}\", auth = \"{auth}\" }}\nstatus = 200\n{wait}"
            );
            crate::scenario::parse(&text, &crate::schema::Schemas::default()).unwrap()
        };
        let all = SkipOptions {
            skip_slow: false,
            include_needs_data: true,
            keep_journal: false,
        };
        let reason = |s: &Scenario, options: &SkipOptions| target.skip_reason(s, options);
        assert_eq!(
            reason(
                &scenario("", "vip", "/v2/users/${apps.vip.usernames[0]}/messages", false),
                &all
            ),
            None
        );
        assert_eq!(
            reason(
                &scenario("", "vip", "/v2/groups/${apps.vip.group_ids[0]}/messages", false),
                &all
            )
            .unwrap(),
            "needs credentials or ids: set CONFORMANCE_VIP_GROUP_IDS"
        );
        assert_eq!(
            reason(&scenario("", "plain", "/v1/messages", false), &all).unwrap(),
            "needs credentials or ids: set CONFORMANCE_PLAIN_*"
        );
        assert_eq!(
            reason(&scenario("\"mock-only\"", "vip", "/v1/messages", false), &all).unwrap(),
            "mock-only"
        );
        let needs_data = scenario("\"needs-data\"", "vip", "/v1/messages", false);
        assert_eq!(reason(&needs_data, &all), None);
        assert!(reason(&needs_data, &SkipOptions::default())
            .unwrap()
            .contains("--include-needs-data"));
        let slow = scenario("", "vip", "/v1/messages", true);
        assert_eq!(reason(&slow, &all), None);
        let skip_slow = SkipOptions { skip_slow: true, ..all };
        assert!(reason(&slow, &skip_slow).unwrap().contains("waits 121 s"));
    }

    #[test]
    fn real_target_needs_credentials_and_honours_base_url_overrides() {
        let redactor = Arc::new(Redactor::new());
        let options = RealOptions {
            clock: None,
            timezone: FixedOffset::east_opt(8 * 3600).unwrap(),
            delay: Duration::ZERO,
        };
        let error = Target::real(&Env::default(), options.clone(), redactor.clone()).unwrap_err();
        assert!(error.contains("CONFORMANCE_VIP_APP_KEY"), "{error}");
        let env = Env::from_pairs([
            ("CONFORMANCE_VIP_APP_KEY", "k"),
            ("CONFORMANCE_VIP_MASTER_SECRET", "s3cr3t-value"),
            ("CONFORMANCE_JMESSAGE_BASE_URL", "http://127.0.0.1:1/"),
        ]);
        let target = Target::real(&env, options, redactor.clone()).unwrap();
        let Source::Real { bases, .. } = &target.source else {
            panic!("a real target")
        };
        assert_eq!(bases[&Family::Jmessage], "http://127.0.0.1:1");
        assert_eq!(bases[&Family::Jpush], "https://report.jpush.cn");
        assert_eq!(redactor.redact("x s3cr3t-value y"), "x <redacted> y");
    }
}
