//! `publish`: due selection, the ledger, the lock, and the engine that posts
//! through the adapters.

pub mod identity;
pub mod ledger;
pub mod lock;
