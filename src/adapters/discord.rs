//! Discord: not built yet. A helper session replaces this file.

use super::{Adapter, AdapterConfig, AdapterError, Part, Remote};

pub struct Discord;

impl Discord {
    pub fn new(_config: &AdapterConfig<'_>) -> Result<Discord, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to discord is not built yet",
        ))
    }
}

impl Adapter for Discord {
    fn post(&mut self, _part: &Part<'_>) -> Result<Remote, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to discord is not built yet",
        ))
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to discord is not built yet",
        ))
    }
}
