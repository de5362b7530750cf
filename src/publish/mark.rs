//! Settling an unknown outcome by hand: `publish --mark-published`.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::PublishError;
use super::ledger::{self, Event, Ledger, Record};
use super::lock;
use crate::calendar::Workspace;

/// Record a delivery whose outcome was unknown as published, by hand
/// (`publish --mark-published POST@CHANNEL --url URL`).
pub fn mark_published(
    ws: &Workspace,
    post: &str,
    channel: &str,
    url: Option<&str>,
    now: DateTime<Utc>,
    lock_wait: Duration,
) -> Result<usize, PublishError> {
    let _lock = lock::acquire(&ws.root, lock_wait)?;
    let state = ledger::read(&ws.root)?;
    let parts: HashSet<u32> = state
        .parts
        .iter()
        .filter(|((p, c, _), s)| p == post && c == channel && s.published.is_none())
        .map(|((_, _, part), _)| *part)
        .collect();
    let mut ledger = Ledger::open(&ws.root)?;
    let mut parts: Vec<u32> = parts.into_iter().collect();
    parts.sort_unstable();
    for part in &parts {
        let mut r = Record::new(now, post, channel, *part, Event::Published);
        r.url = url.map(str::to_owned).filter(|_| *part == 0);
        r.remote_id = r.url.clone();
        r.error = Some("recorded as published by hand".to_owned());
        ledger.append(&r)?;
    }
    Ok(parts.len())
}
