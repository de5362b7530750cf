//! Which calendar files a run must read: those holding a post the plan may
//! act on, told from the posts' summaries and the ledger alone. A post is
//! wanted when it is inside its catch-up window (due, or to report as not
//! approved), past it but still to settle (missed for the first time, or
//! an attempt left open), retracted while something of it is published, or
//! approved with a time that cannot be read. Everything else the plan would
//! leave alone, so a cron tick with nothing due parses nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::ledger::{Event, LedgerState};
use super::plan::{Selection, publishable};
use crate::calendar::{Config, Status};
use crate::diagnostic::FileId;
use crate::validate::PostSummary;

/// The files to read for a run at `now`, in path order.
pub fn wanted_files(
    summaries: &[PostSummary],
    ledger: &LedgerState,
    now: DateTime<Utc>,
    config: &Config,
    selection: &Selection,
) -> Vec<FileId> {
    // Per delivery: how many parts are published, and whether an attempt
    // is open.
    let mut published: HashMap<(&str, &str), usize> = HashMap::new();
    let mut open: HashSet<(&str, &str)> = HashSet::new();
    for ((post, channel, _), state) in &ledger.parts {
        let key = (post.as_str(), channel.as_str());
        if state.published.is_some() {
            *published.entry(key).or_default() += 1;
        }
        if state
            .last
            .as_ref()
            .is_some_and(|r| r.event == Event::Attempt)
        {
            open.insert(key);
        }
    }
    let missed: HashSet<(&str, &str)> = ledger
        .missed
        .keys()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let name = |i: u16| {
        config
            .channels
            .get_index(usize::from(i))
            .map_or("", |(n, _)| n.as_str())
    };
    let mut files: Vec<FileId> = summaries
        .iter()
        .filter(|s| selection.wants_post(&s.id))
        .filter(|s| {
            let approved = publishable(s.status, config.publish.require_approval);
            let channels = s
                .deliveries
                .iter()
                .map(|d| (name(d.channel), usize::from(d.parts)))
                .filter(|(c, _)| {
                    selection.channels.is_empty() || selection.channels.iter().any(|x| x == c)
                });
            // No time of its own: held (and said) when approved; a queued
            // post retracted after a placement of it went out is deleted.
            let Some(at) = s.at else {
                return (approved || s.status == Status::Retracted) && !s.deliveries.is_empty();
            };
            let mut channels = channels.peekable();
            if channels.peek().is_none() {
                return false;
            }
            if s.status == Status::Retracted {
                return channels.any(|(c, _)| published.contains_key(&(s.id.as_str(), c)));
            }
            if at > now {
                return false;
            }
            let window = s.catch_up.unwrap_or(config.publish.catch_up);
            if now - at <= window {
                return true;
            }
            // Past its window: still to settle while an attempt is open, or
            // until every part is published or what is left recorded missed
            // (a thread cut short included).
            approved
                && channels.any(|(c, parts)| {
                    let key = (s.id.as_str(), c);
                    let complete = published.get(&key).is_some_and(|&n| n >= parts.max(1));
                    open.contains(&key) || !(complete || missed.contains(&key))
                })
        })
        .map(|s| s.file)
        .collect();
    files.dedup();
    files
}
