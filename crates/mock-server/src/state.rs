//! The shared state behind every handler: settings, the mock clock, the dataset, the
//! token signer and what each family keeps between requests. Cheap to clone (one `Arc`).

use std::{ops::Deref, sync::Arc};

use crate::{
    clock::Clock,
    dataset::Dataset,
    families::{easemob::EasemobState, jmessage::JmessageState, jpush::JpushState},
    faults::FaultTable,
    journal::Journal,
    settings::Settings,
    signing::Signer,
};

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub settings: Settings,
    pub clock: Clock,
    pub dataset: Dataset,
    pub signer: Signer,
    pub faults: FaultTable,
    pub journal: Journal,
    pub jpush: JpushState,
    pub jmessage: JmessageState,
    pub easemob: EasemobState,
}

impl AppState {
    /// The state a server starts with: its dataset, and the faults its settings name.
    pub fn new(settings: Settings) -> AppState {
        let state = AppState::bare(settings);
        state.install_startup_faults();
        state
    }

    fn bare(settings: Settings) -> AppState {
        AppState(Arc::new(Shared {
            clock: Clock::new(settings.clock),
            dataset: Dataset::generate(&settings),
            signer: Signer::from_seed(settings.seed),
            faults: FaultTable::new(settings.seed),
            journal: Journal::new(settings.journal_size),
            jpush: JpushState::new(&settings),
            jmessage: JmessageState::default(),
            easemob: EasemobState::new(&settings.easemob),
            settings,
        }))
    }
}

impl Shared {
    /// Back to the startup state without a restart: faults, journal, clock, rate-limit
    /// windows and quotas (SPEC §5, `POST /_mock/reset`).
    pub fn reset(&self) {
        self.faults.reset();
        self.install_startup_faults();
        self.journal.clear();
        self.clock.reset(self.settings.clock);
        self.jpush.reset(&self.settings);
        self.easemob.reset(&self.settings.easemob);
    }

    fn install_startup_faults(&self) {
        for rule in &self.settings.faults {
            self.faults
                .add(rule.clone())
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
