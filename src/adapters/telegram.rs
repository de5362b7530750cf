//! Telegram: not built yet. A helper session replaces this file.

use super::{Adapter, AdapterConfig, AdapterError, Part, Remote};

pub struct Telegram;

impl Telegram {
    pub fn new(_config: &AdapterConfig<'_>) -> Result<Telegram, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to telegram is not built yet",
        ))
    }
}

impl Adapter for Telegram {
    fn post(&mut self, _part: &Part<'_>) -> Result<Remote, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to telegram is not built yet",
        ))
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        Err(AdapterError::unsupported(
            "publishing to telegram is not built yet",
        ))
    }
}
