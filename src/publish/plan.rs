//! Due selection (SPEC §4): which deliveries a run publishes, reports as
//! missed, retracts, or leaves alone, and why.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::identity::content_hash;
use super::ledger::{Event, LedgerState, Record};
use crate::calendar::{Status, Workspace};
use crate::delivery::{self, Delivery};

/// `POST@CHANNEL` pairs.
pub type DeliverySet = HashSet<(String, String)>;

/// What the user narrowed the run to, and what they asked to override.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub channels: Vec<String>,
    pub posts: Vec<String>,
    /// `--retry`: re-send permanently failed deliveries.
    pub retry: DeliverySet,
    /// `--retry-unknown`: re-send deliveries whose outcome is unknown.
    pub retry_unknown: DeliverySet,
}

// A plan holds one action per delivery acted on, a handful per run: the
// size of the `Publish` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Action {
    /// Publish parts `from..`; `pending` is an attempt of part `from` with no
    /// recorded outcome (the last run died mid-request), to resolve first.
    /// `late`: the catch-up window has passed, so the pending attempt is only
    /// looked up, never sent again.
    Publish {
        from: usize,
        pending: Option<Record>,
        late: bool,
        /// The `published` records of parts 0 and `from - 1` (the thread's
        /// root and the part to reply to), when resuming a thread.
        root: Option<Record>,
        parent: Option<Record>,
    },
    /// The time passed beyond catch-up and nothing went out: record once.
    Missed,
    /// Delete these published parts (`status: retracted`).
    Retract { parts: Vec<Record> },
    /// Left alone this run, and why.
    Skip { reason: String, needs_human: bool },
}

#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub delivery: Delivery<'a>,
    pub action: Action,
}

impl Item<'_> {
    pub fn hash_of(&self, part: usize) -> String {
        part_hash(&self.delivery, part)
    }
}

/// The content hash of one part of a delivery.
pub fn part_hash(d: &Delivery<'_>, part: usize) -> String {
    let media: Vec<(&str, Option<&str>)> = if part == 0 {
        d.media
            .iter()
            .map(|m| {
                (
                    m.file.value.as_str(),
                    m.alt.as_ref().map(|a| a.value.as_str()),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    content_hash(
        &d.parts[part].text,
        if part == 0 { d.cw } else { None },
        &media,
    )
}

/// Whether a post's status lets it go out.
pub fn publishable(status: Status, require_approval: bool) -> bool {
    match status {
        Status::Approved => true,
        Status::Review => !require_approval,
        Status::Draft | Status::Cancelled | Status::Retracted => false,
    }
}

/// Every delivery the run must act on, per channel in time order (then post id).
pub fn plan<'a>(
    ws: &'a Workspace,
    ledger: &LedgerState,
    now: DateTime<Utc>,
    selection: &Selection,
) -> Vec<Item<'a>> {
    let config = &ws.config;
    let mut items = Vec::new();
    for post in &ws.posts {
        let Some(at) = post.at else { continue };
        if !selection.posts.is_empty() && !selection.posts.contains(&post.id.value) {
            continue;
        }
        let retracting = post.status == Status::Retracted;
        if !retracting && (at > now || !publishable(post.status, config.publish.require_approval)) {
            continue;
        }
        for channel in post
            .channels
            .iter()
            .filter_map(|c| config.channels.get(&c.value))
        {
            if !selection.channels.is_empty() && !selection.channels.contains(&channel.name) {
                continue;
            }
            let Some(d) = delivery::on_channel(post, channel, config) else {
                continue;
            };
            let action = if retracting {
                retract_action(&d, ledger)
            } else {
                publish_action(&d, ledger, now, selection, ws)
            };
            if let Some(action) = action {
                items.push(Item {
                    delivery: d,
                    action,
                });
            }
        }
    }
    items.sort_by(|a, b| {
        let key = |i: &Item<'_>| {
            (
                i.delivery.channel.name.clone(),
                i.delivery.at,
                i.delivery.post.id.value.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    items
}

fn retract_action(d: &Delivery<'_>, ledger: &LedgerState) -> Option<Action> {
    let (post, channel) = (&d.post.id.value, &d.channel.name);
    let mut parts: Vec<Record> = ledger
        .parts
        .iter()
        .filter(|((p, c, _), _)| p == post && c == channel)
        .filter_map(|(_, state)| state.published.clone())
        .collect();
    if parts.is_empty() {
        return None;
    }
    // Replies first, so no reply is left pointing at a deleted post.
    parts.sort_by_key(|r| std::cmp::Reverse(r.part));
    Some(Action::Retract { parts })
}

fn publish_action(
    d: &Delivery<'_>,
    ledger: &LedgerState,
    now: DateTime<Utc>,
    selection: &Selection,
    ws: &Workspace,
) -> Option<Action> {
    let (post, channel) = (d.post.id.value.as_str(), d.channel.name.as_str());
    let state = |i: usize| ledger.part(post, channel, u32::try_from(i).unwrap_or(u32::MAX));
    let from = (0..d.parts.len()).find(|&i| state(i).is_none_or(|s| s.published.is_none()))?;
    let window = d.post.catch_up().unwrap_or(ws.config.publish.catch_up);
    let last = state(from).and_then(|s| s.last.clone());
    let published = |i: usize| state(i).and_then(|s| s.published.clone());
    let (root, parent) = if from > 0 {
        (published(0), published(from - 1))
    } else {
        (None, None)
    };
    let publish = |pending: Option<Record>, late: bool| Action::Publish {
        from,
        pending,
        late,
        root: root.clone(),
        parent: parent.clone(),
    };
    let late = now - d.at > window;
    if last.as_ref().is_some_and(|r| r.event == Event::Attempt) {
        // A run died mid-request: find out what happened first, even late.
        return Some(publish(last, late));
    }
    if late {
        let seen = ledger
            .missed
            .contains(&(post.to_owned(), channel.to_owned()));
        // A thread cut short past its window is left as it is.
        return (from == 0 && !seen).then_some(Action::Missed);
    }
    if let Some(b) = ws.config.blackouts.iter().find(|b| b.covers(d.at, channel)) {
        let reason = b
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Some(Action::Skip {
            reason: format!("in a blackout{reason}"),
            needs_human: false,
        });
    }
    let key = (post.to_owned(), channel.to_owned());
    match last.as_ref().map(|r| r.event) {
        Some(Event::Unknown) if !selection.retry_unknown.contains(&key) => Some(Action::Skip {
            reason: "the outcome of an earlier attempt is unknown: check the channel, then run `publish --retry-unknown` or `--mark-published`".to_owned(),
            needs_human: true,
        }),
        Some(Event::Failed) => {
            let failed = last.as_ref()?;
            let changed = failed.hash.as_deref() != Some(part_hash(d, from).as_str());
            if failed.transient || changed || selection.retry.contains(&key) {
                Some(publish(None, false))
            } else {
                Some(Action::Skip {
                    reason: format!(
                        "failed earlier and was not retried: {}; fix the post or run `publish --retry {post}@{channel}`",
                        failed.error.as_deref().unwrap_or("unknown error")
                    ),
                    needs_human: false,
                })
            }
        }
        _ => Some(publish(None, false)),
    }
}
