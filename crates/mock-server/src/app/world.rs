//! The operations the request layer and the control API perform on the mutable state:
//! on this process's state, or in a fleet (`--state-url`) on the world the replicas share,
//! after which this replica adopts the world the store answered. This is the one place
//! that chooses between the two; callers see the store's failure as a [`StoreError`].

use chrono::{DateTime, TimeDelta, Utc};

use super::state::Shared;
use crate::{
    control::{
        faults::{Applied, RequestFacts, Rule, RuleSpec},
        journal::{self, Filter, Packed, Page},
    },
    families::jpush,
    kernel::{
        ratelimit::Quota,
        store::{Counted, StoreError},
    },
};

impl Shared {
    /// The mock clock's now and the fault to apply to a vendor request, counting the use.
    /// In a fleet, one script call answers both, and this replica adopts the world first.
    /// In a fleet, JPush's window count for an authenticated request that reaches its gate
    /// (`window`: the app's slot) is taken in the same call, and returned.
    pub async fn decide(
        &self,
        facts: RequestFacts<'_>,
        window: Option<u64>,
    ) -> Result<(DateTime<Utc>, Option<Applied>, Option<Counted>), StoreError> {
        let Some(fleet) = &self.fleet else {
            let now = self.core.clock.now();
            return Ok((now, self.faults.decide(facts, now), None));
        };
        let window = window.map(|slot| (jpush::SHARED_WINDOWS, slot));
        let outcome = fleet.on_request(facts, window).await?;
        if let Some(world) = &outcome.world {
            self.adopt(world);
        }
        Ok((self.core.clock.now(), outcome.fault, outcome.counted.map(Counted)))
    }

    /// Brings this replica's copy of the world up to date (nothing to do in one process).
    pub async fn sync(&self) -> Result<(), StoreError> {
        if let Some(fleet) = &self.fleet {
            let world = fleet.world().await?;
            self.adopt(&world);
        }
        Ok(())
    }

    /// Whether requests can be answered now; in a fleet, why not when the store is lost.
    pub async fn readiness(&self) -> Result<(), StoreError> {
        match &self.fleet {
            None => Ok(()),
            Some(fleet) => fleet.readiness().await,
        }
    }

    /// Keeps a vendor request in the journal.
    pub async fn record(&self, entry: Packed) -> Result<(), StoreError> {
        match &self.fleet {
            None => {
                self.journal.record(entry);
                Ok(())
            }
            Some(fleet) => fleet.record(&entry).await,
        }
    }

    pub async fn list_faults(&self) -> Result<Vec<Rule>, StoreError> {
        match &self.fleet {
            None => Ok(self.faults.list(self.core.clock.now())),
            Some(fleet) => fleet.list_faults().await,
        }
    }

    /// Adds a fault rule: its id, or why it was refused.
    pub async fn add_fault(&self, spec: RuleSpec) -> Result<Result<u64, String>, StoreError> {
        match &self.fleet {
            None => Ok(self.faults.add(spec, self.core.clock.now())),
            Some(fleet) => fleet.add_fault(&spec).await,
        }
    }

    pub async fn remove_fault(&self, id: u64) -> Result<bool, StoreError> {
        match &self.fleet {
            None => Ok(self.faults.remove(id)),
            Some(fleet) => fleet.remove_fault(id).await,
        }
    }

    pub async fn clear_faults(&self) -> Result<usize, StoreError> {
        match &self.fleet {
            None => Ok(self.faults.clear()),
            Some(fleet) => fleet.clear_faults().await,
        }
    }

    /// Moves the clock to `now`, frozen or running; or why not.
    pub async fn set_clock(&self, now: DateTime<Utc>, frozen: bool) -> Result<Result<(), String>, StoreError> {
        match &self.fleet {
            None => Ok(self.core.clock.set(now, frozen)),
            Some(fleet) => {
                let world = fleet.set_clock(now, frozen).await?;
                self.adopt(&world);
                Ok(Ok(()))
            }
        }
    }

    /// Moves the clock by `delta`; or why not.
    pub async fn advance_clock(&self, delta: TimeDelta) -> Result<Result<(), String>, StoreError> {
        match &self.fleet {
            None => Ok(self.core.clock.advance(delta)),
            Some(fleet) => Ok(fleet.advance_clock(delta).await?.map(|world| self.adopt(&world))),
        }
    }

    /// Sets the JPush and Easemob history quotas given; the changed limiters' open
    /// windows start over.
    pub async fn set_quotas(&self, jpush: Option<Quota>, easemob: Option<Quota>) -> Result<(), StoreError> {
        if let Some(fleet) = &self.fleet {
            let world = fleet.set_quotas(jpush, easemob).await?;
            self.adopt(&world);
            return Ok(());
        }
        for (limiter, quota) in [(&self.jpush.limiter, jpush), (&self.easemob.history_limiter, easemob)] {
            if let Some(quota) = quota {
                limiter.set_quota(quota);
                limiter.reset();
            }
        }
        Ok(())
    }

    pub async fn journal_page(&self, filter: &Filter, limit: usize) -> Result<Page, StoreError> {
        match &self.fleet {
            None => Ok(self.journal.page(filter, limit)),
            Some(fleet) => Ok(journal::paginate(fleet.journal().await?.iter(), filter, limit)),
        }
    }

    pub async fn journal_count(&self, filter: &Filter) -> Result<usize, StoreError> {
        match &self.fleet {
            None => Ok(self.journal.count(filter)),
            Some(fleet) => Ok(fleet.journal().await?.iter().filter(|e| filter.passes(e)).count()),
        }
    }

    /// Empties the journal (and forgets the 429 waits this replica noted).
    pub async fn clear_journal(&self) -> Result<(), StoreError> {
        if let Some(fleet) = &self.fleet {
            fleet.clear_journal().await?;
        }
        self.journal.clear();
        Ok(())
    }

    /// `POST /_mock/reset`: back to the startup state, for every replica of a fleet.
    pub async fn reset_world(&self) -> Result<(), StoreError> {
        match &self.fleet {
            None => self.reset(),
            Some(fleet) => {
                let world = fleet.reset().await?;
                self.adopt(&world);
                self.journal.clear();
            }
        }
        Ok(())
    }
}
