//! The shared state behind every handler: settings, the mock clock, the dataset, the
//! token signer and what each family keeps between requests. Cheap to clone (one `Arc`).

use std::{ops::Deref, sync::Arc};

use crate::{clock::Clock, dataset::Dataset, families::easemob::EasemobState, settings::Settings, signing::Signer};

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub settings: Settings,
    pub clock: Clock,
    pub dataset: Dataset,
    pub signer: Signer,
    pub easemob: EasemobState,
}

impl AppState {
    pub fn new(settings: Settings) -> AppState {
        AppState(Arc::new(Shared {
            clock: Clock::new(settings.clock),
            dataset: Dataset::generate(&settings),
            signer: Signer::from_seed(settings.seed),
            easemob: EasemobState::new(&settings.easemob),
            settings,
        }))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
