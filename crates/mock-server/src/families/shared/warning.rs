//! Contract warnings: a handler that sees a client break the contract in a way the
//! answer alone does not show (an expired cursor) attaches one to its response; the
//! journal records it.

/// A warning a handler attaches to its response's extensions for the journal.
#[derive(Debug, Clone)]
pub struct ContractWarning(pub &'static str);
