//! Settling an unknown outcome by hand: `publish --mark-published`. The
//! platform's id is read from each part's address (or given), so a later
//! retraction deletes the right post; an address postcal cannot read is an
//! error and nothing is recorded.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::PublishError;
use super::identity::first_identity;
use super::ledger::{self, Event, Ledger, Record};
use super::lock;
use crate::adapters::remote_id;
use crate::calendar::Workspace;
use crate::delivery;
use crate::platform::Platform;

/// What the user says went out: `POST@CHANNEL`, the address of each part
/// from the first one not yet recorded (a thread's parts in order), or the
/// platform's id of that first part.
#[derive(Debug, Clone)]
pub struct Mark {
    pub post: String,
    pub channel: String,
    pub urls: Vec<String>,
    pub remote_id: Option<String>,
}

/// Record the parts `mark` names as published; how many were recorded.
pub fn mark_published(
    ws: &Workspace,
    mark: &Mark,
    now: DateTime<Utc>,
    lock_wait: Duration,
) -> Result<usize, PublishError> {
    let refuse = |message: String| PublishError::Mark(message);
    let (post_id, channel_name) = (mark.post.as_str(), mark.channel.as_str());
    let channel = ws
        .config
        .channels
        .get(channel_name)
        .ok_or_else(|| refuse(format!("there is no channel `{channel_name}`")))?;
    let post = ws
        .posts
        .iter()
        .find(|p| p.id.value == post_id && p.channels.iter().any(|c| c.value == channel_name))
        .ok_or_else(|| refuse(format!("no post `{post_id}` goes to `{channel_name}`")))?;
    let parts = 1 + delivery::variant_for(post, channel)
        .and_then(|v| v.thread.as_ref())
        .map_or(post.thread.len(), Vec::len);
    // Every address is read before anything is written.
    let mut ids: Vec<(Option<String>, Option<String>)> = mark
        .urls
        .iter()
        .map(|url| {
            remote_id::from_url(channel, url)
                .map(|id| (Some(id), Some(url.clone())))
                .map_err(refuse)
        })
        .collect::<Result<_, _>>()?;
    if let Some(id) = &mark.remote_id {
        match ids.first_mut() {
            Some(first) => first.0 = Some(id.clone()),
            None => ids.push((Some(id.clone()), None)),
        }
    }
    let no_ids = matches!(channel.platform(), Platform::Slack | Platform::Webhook);
    if ids.is_empty() && !no_ids {
        return Err(refuse(
            "give the post's address with --url (one per thread part, in order), or its id with --remote-id".to_owned(),
        ));
    }
    let _lock = lock::acquire(&ws.root, lock_wait)?;
    let state = ledger::read(&ws.root)?;
    let part_state =
        |i: usize| state.part(post_id, channel_name, u32::try_from(i).unwrap_or(u32::MAX));
    let from = (0..parts)
        .find(|&i| part_state(i).is_none_or(|s| s.published.is_none()))
        .ok_or_else(|| {
            refuse(format!(
                "{post_id}@{channel_name} is already recorded as published"
            ))
        })?;
    if from + ids.len() > parts {
        return Err(refuse(format!(
            "{post_id}@{channel_name} has {} part(s) left to record from part {from}, but {} address(es) were given",
            parts - from,
            ids.len()
        )));
    }
    // A Slack or webhook delivery has no ids: its first open part is recorded without one.
    let count = if ids.is_empty() { 1 } else { ids.len() };
    let mut ledger = Ledger::open(&ws.root)?;
    for offset in 0..count {
        let part = from + offset;
        let index = u32::try_from(part).unwrap_or(u32::MAX);
        let (remote, url) = ids.get(offset).cloned().unwrap_or((None, None));
        let mut r = Record::new(now, post_id, channel_name, index, Event::Published);
        r.key = part_state(part)
            .and_then(|s| s.first_key.clone())
            .or_else(|| {
                post.at
                    .map(|at| first_identity(channel.platform(), post_id, channel_name, index, at))
            });
        r.remote_id = remote;
        r.url = url;
        r.error = Some("recorded as published by hand".to_owned());
        ledger.append(&r)?;
    }
    Ok(count)
}
