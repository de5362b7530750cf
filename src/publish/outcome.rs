//! What a run did to each delivery, as `publish` reports it.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    Published,
    WouldPublish,
    WouldRetract,
    Failed,
    Missed,
    Unknown,
    Retracted,
    Skipped,
}

impl OutcomeKind {
    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Published => "published",
            OutcomeKind::WouldPublish => "would-publish",
            OutcomeKind::WouldRetract => "would-retract",
            OutcomeKind::Failed => "failed",
            OutcomeKind::Missed => "missed",
            OutcomeKind::Unknown => "unknown",
            OutcomeKind::Retracted => "retracted",
            OutcomeKind::Skipped => "skipped",
        }
    }

    /// Whether a run with this outcome exits 1: something failed, was
    /// newly missed, or needs a person.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            OutcomeKind::Failed | OutcomeKind::Missed | OutcomeKind::Unknown
        )
    }
}

/// What happened to one delivery in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    pub post: String,
    pub channel: String,
    pub at: DateTime<Utc>,
    pub kind: OutcomeKind,
    pub url: Option<String>,
    pub error: Option<String>,
    /// A skip a person must hear about every run (a retraction the platform
    /// cannot do), unlike skips that merely repeat (a blackout, a failure
    /// already reported).
    pub loud: bool,
}

impl DeliveryOutcome {
    pub fn new(post: &str, channel: &str, at: DateTime<Utc>, kind: OutcomeKind) -> Self {
        DeliveryOutcome {
            post: post.to_owned(),
            channel: channel.to_owned(),
            at,
            kind,
            url: None,
            error: None,
            loud: false,
        }
    }

    pub fn with_url(mut self, url: Option<String>) -> Self {
        self.url = url;
        self
    }

    pub fn with_error(mut self, error: &str) -> Self {
        self.error = Some(error.to_owned());
        self
    }

    pub fn loud(mut self) -> Self {
        self.loud = true;
        self
    }
}

/// Told about each delivery as it is done (a progress bar, say).
pub trait Progress: Sync {
    fn start(&self, _total: usize) {}
    fn done(&self, _outcome: &DeliveryOutcome) {}
}

/// No progress reporting.
pub struct Silent;
impl Progress for Silent {}
