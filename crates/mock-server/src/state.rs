//! The shared state behind every handler: settings, the mock clock, the dataset, the
//! token signer and what each family keeps between requests. Cheap to clone (one `Arc`).

use std::{ops::Deref, sync::Arc};

use bytes::Bytes;

use crate::{
    clock::Clock,
    dataset::{
        chat_stats::ChatAggregate,
        push::{PlatformActivity, Push},
        Dataset,
    },
    families::{easemob::EasemobState, jpush::handlers::ItemKind},
    faults::FaultTable,
    journal::Journal,
    memo::Memo,
    ratelimit::RateLimiter,
    settings::Settings,
    signing::Signer,
};

/// Entries each memo holds before it starts over: far more than a test or benchmark
/// touches, a few MB at most.
const MEMO_CAPACITY: usize = 20_000;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub settings: Settings,
    pub clock: Clock,
    pub dataset: Dataset,
    pub signer: Signer,
    pub jpush_limiter: RateLimiter,
    pub faults: FaultTable,
    pub journal: Journal,
    /// A requested msg_id's push and its item's JSON (`None`: not this app's), by
    /// (app slot, msg_id, endpoint).
    pub push_items: Memo<(u64, u64, ItemKind), Option<(Push, Bytes)>>,
    /// Chat aggregates, by (app slot, window first ms, window last ms).
    pub chat_aggregates: Memo<(u64, i64, i64), ChatAggregate>,
    /// Device activity, by (app slot, period start ms, counted-until ms, hourly).
    pub device_activity: Memo<(u64, i64, i64, bool), PlatformActivity>,
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
            jpush_limiter: RateLimiter::new(settings.jpush_quota()),
            faults: FaultTable::new(settings.seed),
            journal: Journal::new(settings.journal_size),
            push_items: Memo::new(MEMO_CAPACITY),
            chat_aggregates: Memo::new(MEMO_CAPACITY),
            device_activity: Memo::new(MEMO_CAPACITY),
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
        self.jpush_limiter.reset();
        self.jpush_limiter.set_quota(self.settings.jpush_quota());
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
