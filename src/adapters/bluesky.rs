//! Bluesky: not built yet. A helper session replaces this file.

use super::{Adapter, AdapterConfig, AdapterError, Part, Remote};

pub struct Bluesky;

impl Bluesky {
    pub fn new(_config: &AdapterConfig<'_>) -> Result<Bluesky, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to bluesky is not built yet",
        ))
    }
}

impl Adapter for Bluesky {
    fn post(&mut self, _part: &Part<'_>) -> Result<Remote, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to bluesky is not built yet",
        ))
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to bluesky is not built yet",
        ))
    }
}
