//! The shared state behind every request: settings, the core every family reads (clock,
//! dataset, signer), the control state (faults, journal), each family's own state, and in
//! a fleet (`--state-url`) the handle on the world the replicas share.
//! Cheap to clone (one `Arc`). Handlers never see it whole: each family's handlers take
//! that family's context, built from it here (axum `FromRef`).

use std::{net::SocketAddr, ops::Deref, sync::Arc};

use axum::extract::FromRef;

use crate::{
    control::{
        faults::FaultTable,
        fleet::{self, Fleet, World},
        journal::Journal,
    },
    dataset::Dataset,
    families::{
        easemob::{self, EasemobState},
        jmessage::{self, JmessageState},
        jpush::{self, rules::Schema, JpushState},
        shared::context::Core,
    },
    kernel::{
        clock::Clock,
        signing::Signer,
        store::{SharedWindows, Store},
    },
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
    /// In a fleet, where the clock, faults, windows, journal and epochs live; the fields
    /// above then keep only this replica's copy of the world ([`Shared::adopt`]).
    pub fleet: Option<Arc<Fleet>>,
}

impl AppState {
    /// The state a server starts with: its dataset, and the faults its settings name.
    pub fn new(settings: Settings) -> AppState {
        let state = AppState::bare(settings);
        // A fleet installs them once, when its shared world is created.
        if state.fleet.is_none() {
            state.install_startup_faults();
        }
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
        let store = settings.state_url.as_ref().map(|url| {
            let prefix = fleet::key_prefix(settings.seed);
            tracing::info!("the mutable state is shared in {url}, under the keys {prefix}*");
            Arc::new(Store::open(url.as_str(), prefix).expect("the state URL is checked when settings are read"))
        });
        let mut jpush_state = JpushState::new(settings.jpush_quota(), settings.jpush_schema);
        let mut easemob_state = EasemobState::new(settings.easemob, listen_addr);
        let mut fleet = None;
        if let Some(store) = store {
            jpush_state = jpush_state.with_shared(SharedWindows::new(store.clone(), jpush::SHARED_WINDOWS));
            easemob_state = easemob_state.with_shared(SharedWindows::new(store.clone(), easemob::SHARED_WINDOWS));
            let startup = fleet::Startup {
                clock: settings.clock,
                jpush: settings.jpush_quota(),
                easemob: easemob_state.history_limiter.quota(),
                faults: settings.faults.clone(),
            };
            fleet = Some(Arc::new(Fleet::new(
                store,
                settings.seed,
                startup,
                settings.journal_size,
            )));
        }
        AppState(Arc::new(Shared {
            core: Arc::new(Core {
                clock,
                dataset,
                signer: Signer::from_seed(settings.seed),
            }),
            faults: FaultTable::new(settings.seed),
            journal: Journal::new(settings.journal_size),
            jpush: Arc::new(jpush_state),
            jmessage: Arc::default(),
            easemob: Arc::new(easemob_state),
            fleet,
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

    /// Takes on a fleet's world if it is newer than the one this replica holds: the clock,
    /// the token epoch and the quotas every handler reads.
    pub fn adopt(&self, world: &World) {
        let Some(fleet) = &self.fleet else { return };
        fleet.adopt(world, |world| {
            if let Err(err) = self.core.clock.adopt(world.frozen, world.clock_ms) {
                tracing::warn!("the shared clock could not be adopted: {err}");
            }
            self.easemob.adopt_token_epoch(world.token_epoch);
            if self.jpush.limiter.quota() != world.jpush {
                self.jpush.limiter.set_quota(world.jpush);
            }
            if self.easemob.history_limiter.quota() != world.easemob {
                self.easemob.history_limiter.set_quota(world.easemob);
            }
        });
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
