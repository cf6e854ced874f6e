//! The kernel: mechanisms with no knowledge of vendors, HTTP routes or the dataset's
//! shape — the mock clock, signed tokens, the bounded memo, fixed-window rate limits,
//! lenient query parsing, the seeded random streams and keyed permutations, HTTP Basic
//! credentials, header values of numbers, RFC 3339 instants, the connection to a fleet's
//! shared store, and the allocator's housekeeping. Everything above may use it; it
//! imports nothing of the crate.

pub mod allocator;
pub mod basic;
pub mod clock;
pub mod header_number;
pub mod memo;
pub mod permutation;
pub mod query;
pub mod ratelimit;
pub mod rfc3339;
pub mod rng;
pub mod signing;
pub mod store;
