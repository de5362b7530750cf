//! postcal: a team's social-media content calendar as code.
//!
//! The library loads a workspace (`calendar`), renders deliveries exactly as
//! they will be posted (`delivery`), counts them the way each platform does
//! (`platform`), checks them (`validate`) and shows them (`output`). The
//! binary is a thin shell around [`cli::main`].

pub mod adapters;
pub mod auth;
pub mod calendar;
pub mod cli;
pub mod delivery;
pub mod diagnostic;
pub mod diff;
pub mod index;
pub mod interop;
pub mod metrics;
pub mod output;
pub mod planning;
pub mod platform;
pub mod publish;
pub mod queue;
pub mod scaffold;
pub mod schedule;
pub mod schema;
pub mod secrets;
pub mod site;
pub mod tokens;
pub mod validate;
