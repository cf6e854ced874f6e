//! What every family's context holds: the mock clock, the dataset and the token signer.
//! Each family's handlers take their own context (`jpush::Context` …), which the
//! application builds from its state (axum `FromRef`), so no family sees another's state
//! or the application's.

use crate::{dataset::Dataset, kernel::clock::Clock, kernel::signing::Signer};

pub struct Core {
    pub clock: Clock,
    pub dataset: Dataset,
    pub signer: Signer,
}
