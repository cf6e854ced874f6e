//! The shared state behind every request: settings, the core every family reads (clock,
//! dataset, signer), the control state (faults, journal) and each family's own state.
//! Cheap to clone (one `Arc`). Handlers never see it whole: each family's handlers take
//! that family's context, built from it here (axum `FromRef`).

use std::{net::SocketAddr, ops::Deref, sync::Arc};

use axum::extract::FromRef;

use crate::{
    control::{faults::FaultTable, journal::Journal},
    dataset::Dataset,
    families::{
        easemob::{self, EasemobState},
        jmessage::{self, JmessageState},
        jpush::{self, rules::Schema, JpushState},
        shared::context::Core,
    },
    kernel::{clock::Clock, signing::Signer},
    settings::Settings,
};

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub settings: Settings,
    pub core: Arc<Core>,
    pub faults: FaultTable,
    pub journal: Journal,
    pub jpush: Arc<JpushState>,
    pub jmessage: Arc<JmessageState>,
    pub easemob: Arc<EasemobState>,
}

impl AppState {
    /// The state a server starts with: its dataset, and the faults its settings name.
    pub fn new(settings: Settings) -> AppState {
        let state = AppState::bare(settings);
        state.install_startup_faults();
        state
    }

    fn bare(settings: Settings) -> AppState {
        let clock = Clock::new(settings.clock);
        let dataset = Dataset::generate(settings.seed, settings.dataset, settings.timezone, clock.now())
            .with_msg_id_style(settings.jpush_msg_id_style);
        let dataset = match settings.jpush_schema {
            Schema::Classic => dataset,
            Schema::Today => dataset.with_today_s_devices(),
        };
        let listen_addr = SocketAddr::new(settings.host, settings.port);
        AppState(Arc::new(Shared {
            core: Arc::new(Core {
                clock,
                dataset,
                signer: Signer::from_seed(settings.seed),
            }),
            faults: FaultTable::new(settings.seed),
            journal: Journal::new(settings.journal_size),
            jpush: Arc::new(JpushState::new(settings.jpush_quota(), settings.jpush_schema)),
            jmessage: Arc::default(),
            easemob: Arc::new(EasemobState::new(settings.easemob, listen_addr)),
            settings,
        }))
    }
}

impl Shared {
    /// Back to the startup state without a restart: faults, journal, clock, rate-limit
    /// windows and quotas (`POST /_mock/reset`).
    pub fn reset(&self) {
        self.core.clock.reset(self.settings.clock);
        self.faults.reset();
        self.install_startup_faults();
        self.journal.clear();
        self.jpush.reset(self.settings.jpush_quota());
        self.easemob.reset();
    }

    fn install_startup_faults(&self) {
        let now = self.core.clock.now();
        for rule in &self.settings.faults {
            self.faults
                .add(rule.clone(), now)
                .expect("startup faults are checked when settings are read");
        }
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for jpush::Context {
    fn from_ref(state: &AppState) -> jpush::Context {
        jpush::Context {
            core: state.core.clone(),
            jpush: state.jpush.clone(),
        }
    }
}

impl FromRef<AppState> for jmessage::Context {
    fn from_ref(state: &AppState) -> jmessage::Context {
        jmessage::Context {
            core: state.core.clone(),
            jmessage: state.jmessage.clone(),
        }
    }
}

impl FromRef<AppState> for easemob::Context {
    fn from_ref(state: &AppState) -> easemob::Context {
        easemob::Context {
            core: state.core.clone(),
            easemob: state.easemob.clone(),
        }
    }
}
