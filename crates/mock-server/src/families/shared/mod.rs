//! What more than one family uses: the Jiguang error body and HTTP Basic auth (JPush and
//! JMessage), cursor paging and the page memo (JMessage V2 and Easemob ql), statistics
//! periods (JPush `/v3/users` and JMessage statistics), the core every family context
//! holds, what a route is, and the contract warnings handlers attach for the journal.

pub mod basic_auth;
pub mod context;
pub mod cursor;
pub mod jiguang_error;
pub mod page_memo;
pub mod route;
pub mod rules;
pub mod statistics_period;
pub mod warning;
