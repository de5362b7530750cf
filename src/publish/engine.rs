//! The engine: channels concurrently, each channel's deliveries in order,
//! threads as reply chains; every request preceded by a durable `attempt`
//! record and followed by its outcome; transient failures retried with
//! capped, jittered backoff that honours what the platform asks.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::identity::{bluesky_rkey, idempotency_key};
use super::ledger::{Event, Ledger, LedgerError, Record};
use super::plan::{Action, Item};
use super::{Outcome, OutcomeKind, Progress};
use crate::adapters::{self, Adapter, AdapterError, ErrorKind, MediaItem, Part, Remote};
use crate::secrets::EnvSource;

/// Requests per part in one run before a transient failure is left to the
/// next run.
const MAX_ATTEMPTS: u32 = 4;

/// How the engine waits between retries.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    /// A wait the platform asks for beyond this is left to the next run.
    pub max_wait: Duration,
}

impl Backoff {
    /// The wait before retry `attempt` (1-based): the platform's word if it
    /// gave one, else exponential with ±25% jitter.
    fn wait(&self, attempt: u32, asked: Option<Duration>) -> Duration {
        asked.unwrap_or_else(|| {
            let exp = self
                .base
                .saturating_mul(1 << attempt.saturating_sub(1).min(16))
                .min(self.cap);
            exp.mul_f64(0.75 + fastrand::f64() * 0.5)
        })
    }
}

pub struct Engine<'a> {
    pub root: &'a std::path::Path,
    pub now: DateTime<Utc>,
    pub env: &'a dyn EnvSource,
    pub timeouts: adapters::http::Timeouts,
    pub backoff: Backoff,
    pub ledger: Mutex<Ledger>,
    pub progress: &'a dyn Progress,
}

/// A failure to keep the ledger: the run must stop, since publishing without
/// recording would break "never twice".
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Fatal(#[from] pub LedgerError);

impl Engine<'_> {
    fn record(&self, r: &Record) -> Result<(), Fatal> {
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .append(r)?;
        Ok(())
    }

    /// Run the plan's publish and retract items, one thread per channel.
    pub fn run(&self, items: Vec<Item<'_>>) -> Result<Vec<Outcome>, Fatal> {
        let mut by_channel: Vec<Vec<Item<'_>>> = Vec::new();
        for item in items {
            match by_channel.last_mut() {
                Some(group) if group[0].delivery.channel.name == item.delivery.channel.name => {
                    group.push(item)
                }
                _ => by_channel.push(vec![item]),
            }
        }
        let results: Vec<Result<Vec<Outcome>, Fatal>> = std::thread::scope(|scope| {
            let handles: Vec<_> = by_channel
                .into_iter()
                .map(|group| scope.spawn(move || self.run_channel(group)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut outcomes = Vec::new();
        for r in results {
            outcomes.extend(r?);
        }
        Ok(outcomes)
    }

    fn run_channel(&self, items: Vec<Item<'_>>) -> Result<Vec<Outcome>, Fatal> {
        let channel = items[0].delivery.channel;
        let mut adapter = match adapters::for_channel(self.root, channel, self.env, self.timeouts) {
            Ok(a) => a,
            Err(e) => {
                // Nothing was attempted: no ledger records, every delivery failed.
                let outcomes: Vec<Outcome> = items
                    .iter()
                    .map(|i| Outcome::of(&i.delivery, OutcomeKind::Failed).with_error(&e.message))
                    .collect();
                outcomes.iter().for_each(|o| self.progress.done(o));
                return Ok(outcomes);
            }
        };
        let mut outcomes = Vec::new();
        for item in &items {
            let outcome = match &item.action {
                Action::Publish {
                    from,
                    pending,
                    late,
                    root,
                    parent,
                } => self.publish(
                    adapter.as_mut(),
                    item,
                    *from,
                    pending.as_ref(),
                    *late,
                    (root.as_ref(), parent.as_ref()),
                )?,
                Action::Retract { parts } => self.retract(adapter.as_mut(), item, parts)?,
                Action::Missed | Action::Skip { .. } => continue,
            };
            self.progress.done(&outcome);
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    fn base_record(&self, item: &Item<'_>, part: usize, event: Event) -> Record {
        let d = &item.delivery;
        Record::new(
            self.now,
            &d.post.id.value,
            &d.channel.name,
            u32::try_from(part).unwrap_or(u32::MAX),
            event,
        )
    }

    fn publish(
        &self,
        adapter: &mut dyn Adapter,
        item: &Item<'_>,
        from: usize,
        pending: Option<&Record>,
        late: bool,
        (resume_root, resume_parent): (Option<&Record>, Option<&Record>),
    ) -> Result<Outcome, Fatal> {
        let d = &item.delivery;
        let (post, channel) = (d.post.id.value.as_str(), d.channel.name.as_str());
        let media: Vec<MediaItem> = d
            .media
            .iter()
            .map(|m| MediaItem {
                path: self.root.join(&m.file.value),
                name: m.file.value.clone(),
                alt: m.alt.as_ref().map(|a| a.value.clone()),
            })
            .collect();
        // A resumed thread replies to what the ledger says went out.
        let remote = |r: Option<&Record>| {
            r.map(|r| Remote {
                id: r.remote_id.clone().unwrap_or_default(),
                url: r.url.clone(),
            })
        };
        let mut root = remote(resume_root);
        let mut previous = remote(resume_parent);
        let mut first_url = None;
        for index in from..d.parts.len() {
            let index_u32 = u32::try_from(index).unwrap_or(u32::MAX);
            let pending_here = pending.filter(|_| index == from);
            let key = pending_here
                .and_then(|p| p.key.clone())
                .unwrap_or_else(|| idempotency_key(post, channel, index_u32));
            let rkey = bluesky_rkey(post, channel, index_u32, d.at);
            let hash = item.hash_of(index);
            let part = Part {
                post,
                channel,
                index: index_u32,
                text: &d.parts[index].text,
                cw: if index == 0 { d.cw } else { None },
                language: d.post.language().map(|l| l.value.as_str()),
                media: if index == 0 { &media } else { &[] },
                reply_to: previous.as_ref(),
                root: root.as_ref(),
                key: &key,
                rkey: &rkey,
                now: self.now,
            };
            let sent = match pending_here {
                Some(attempt) => {
                    self.resolve_then_send(adapter, item, &part, &hash, attempt, late)?
                }
                None => self.send(adapter, item, &part, &hash)?,
            };
            let remote = match sent {
                Ok(remote) => remote,
                Err(outcome) => return Ok(outcome),
            };
            if index == 0 {
                root = Some(remote.clone());
            }
            if late {
                // Past its window: what was pending is settled; nothing more goes out.
                break;
            }
            if first_url.is_none() {
                first_url = remote
                    .url
                    .clone()
                    .or_else(|| root.as_ref().and_then(|r| r.url.clone()));
            }
            previous = Some(remote);
        }
        let url = root.and_then(|r| r.url).or(first_url);
        Ok(Outcome::of(d, OutcomeKind::Published).with_url(url))
    }

    /// The last run died during this part's request: find out whether it
    /// landed before sending again.
    fn resolve_then_send(
        &self,
        adapter: &mut dyn Adapter,
        item: &Item<'_>,
        part: &Part<'_>,
        hash: &str,
        attempt: &Record,
        late: bool,
    ) -> Result<Result<Remote, Outcome>, Fatal> {
        match adapter.lookup(part) {
            Ok(Some(remote)) => {
                self.record_published(item, part, hash, &remote)?;
                return Ok(Ok(remote));
            }
            Ok(None) if late => return self.too_late(item, part),
            Ok(None) => return self.send(adapter, item, part, hash),
            Err(e) if e.kind == ErrorKind::Unsupported => {}
            Err(e) => {
                // Cannot tell right now: leave the attempt open for the next run.
                return Ok(Err(Outcome::of(&item.delivery, OutcomeKind::Skipped)
                    .with_error(&format!(
                        "an earlier attempt's outcome could not be checked yet: {}",
                        e.message
                    ))));
            }
        }
        if !late && adapter.dedupes_resend(self.now - attempt.ts) {
            // Re-sending with the same key returns the original if it landed.
            return self.send(adapter, item, part, hash);
        }
        let mut r = self.base_record(item, part.index as usize, Event::Unknown);
        r.key = attempt.key.clone();
        r.hash = Some(hash.to_owned());
        r.error = Some("the process stopped during this request; the platform cannot say whether it was posted".to_owned());
        self.record(&r)?;
        Ok(Err(unknown_outcome(item, part)))
    }

    /// A pending attempt that did not land, found after the window closed:
    /// the delivery is missed (or its thread stays cut short).
    fn too_late(&self, item: &Item<'_>, part: &Part<'_>) -> Result<Result<Remote, Outcome>, Fatal> {
        if part.index > 0 {
            return Ok(Err(Outcome::of(&item.delivery, OutcomeKind::Skipped)
                .with_error(&format!(
                    "the thread stopped at part {}, and its time has passed",
                    part.index
                ))));
        }
        let mut r = self.base_record(item, 0, Event::Missed);
        r.error = Some("an attempt did not land, and the catch-up window has passed".to_owned());
        self.record(&r)?;
        Ok(Err(Outcome::of(&item.delivery, OutcomeKind::Missed)
            .with_error(
                "its time passed beyond catch-up; it was not posted",
            )))
    }

    fn record_published(
        &self,
        item: &Item<'_>,
        part: &Part<'_>,
        hash: &str,
        remote: &Remote,
    ) -> Result<(), Fatal> {
        let mut r = self.base_record(item, part.index as usize, Event::Published);
        r.key = Some(part.key.to_owned());
        r.hash = Some(hash.to_owned());
        r.remote_id = Some(remote.id.clone());
        r.url = remote.url.clone();
        self.record(&r)
    }

    /// Send one part, retrying transient failures; every request is preceded
    /// by an `attempt` record and followed by its outcome.
    fn send(
        &self,
        adapter: &mut dyn Adapter,
        item: &Item<'_>,
        part: &Part<'_>,
        hash: &str,
    ) -> Result<Result<Remote, Outcome>, Fatal> {
        let index = part.index as usize;
        let mut attempt = 1;
        loop {
            let mut a = self.base_record(item, index, Event::Attempt);
            a.key = Some(part.key.to_owned());
            a.hash = Some(hash.to_owned());
            self.record(&a)?;
            let error = match adapter.post(part) {
                Ok(remote) => {
                    self.record_published(item, part, hash, &remote)?;
                    return Ok(Ok(remote));
                }
                Err(e) => e,
            };
            match error.kind {
                ErrorKind::Transient { retry_after } => {
                    let wait = self.backoff.wait(attempt, retry_after);
                    if attempt < MAX_ATTEMPTS && wait <= self.backoff.max_wait {
                        std::thread::sleep(wait);
                        attempt += 1;
                        continue;
                    }
                    let mut message = error.message.clone();
                    if wait > self.backoff.max_wait {
                        message.push_str(&format!(
                            " (the platform asked to wait {}s; left to the next run)",
                            wait.as_secs()
                        ));
                    }
                    return self.failed(item, part, hash, &message, true);
                }
                ErrorKind::Ambiguous => match adapter.lookup(part) {
                    Ok(Some(remote)) => {
                        self.record_published(item, part, hash, &remote)?;
                        return Ok(Ok(remote));
                    }
                    Ok(None) if attempt < MAX_ATTEMPTS => {
                        attempt += 1;
                        continue;
                    }
                    // The platform says it is not there: a plain failure.
                    Ok(None) => return self.failed(item, part, hash, &error.message, true),
                    _ if adapter.dedupes_resend(chrono::Duration::zero())
                        && attempt < MAX_ATTEMPTS =>
                    {
                        attempt += 1;
                        continue;
                    }
                    _ => {
                        let mut r = self.base_record(item, index, Event::Unknown);
                        r.key = Some(part.key.to_owned());
                        r.hash = Some(hash.to_owned());
                        r.error = Some(error.message.clone());
                        self.record(&r)?;
                        return Ok(Err(unknown_outcome(item, part).with_error(&error.message)));
                    }
                },
                ErrorKind::Permanent | ErrorKind::Unsupported => {
                    return self.failed(item, part, hash, &error.message, false);
                }
            }
        }
    }

    fn failed(
        &self,
        item: &Item<'_>,
        part: &Part<'_>,
        hash: &str,
        message: &str,
        transient: bool,
    ) -> Result<Result<Remote, Outcome>, Fatal> {
        let mut r = self.base_record(item, part.index as usize, Event::Failed);
        r.key = Some(part.key.to_owned());
        r.hash = Some(hash.to_owned());
        r.error = Some(message.to_owned());
        r.transient = transient;
        self.record(&r)?;
        let what = if part.index > 0 {
            format!("thread part {}: {message}", part.index)
        } else {
            message.to_owned()
        };
        Ok(Err(
            Outcome::of(&item.delivery, OutcomeKind::Failed).with_error(&what)
        ))
    }

    fn retract(
        &self,
        adapter: &mut dyn Adapter,
        item: &Item<'_>,
        parts: &[Record],
    ) -> Result<Outcome, Fatal> {
        for published in parts {
            let remote = Remote {
                id: published.remote_id.clone().unwrap_or_default(),
                url: published.url.clone(),
            };
            let mut attempt = 1;
            loop {
                let mut a = self.base_record(item, published.part as usize, Event::RetractAttempt);
                a.remote_id = published.remote_id.clone();
                self.record(&a)?;
                match adapter.delete(&remote, published.ts, self.now) {
                    Ok(()) => {
                        let mut r =
                            self.base_record(item, published.part as usize, Event::Retracted);
                        r.remote_id = published.remote_id.clone();
                        r.url = published.url.clone();
                        self.record(&r)?;
                        break;
                    }
                    Err(AdapterError {
                        kind: ErrorKind::Transient { retry_after },
                        ..
                    }) if attempt < MAX_ATTEMPTS
                        && self.backoff.wait(attempt, retry_after) <= self.backoff.max_wait =>
                    {
                        std::thread::sleep(self.backoff.wait(attempt, retry_after));
                        attempt += 1;
                    }
                    Err(e) => {
                        let kind = if e.kind == ErrorKind::Unsupported {
                            OutcomeKind::Skipped
                        } else {
                            OutcomeKind::Failed
                        };
                        let mut f = self.base_record(item, published.part as usize, Event::Failed);
                        f.error = Some(format!("retraction: {}", e.message));
                        if kind == OutcomeKind::Failed {
                            self.record(&f)?;
                        }
                        let url = published
                            .url
                            .as_deref()
                            .map(|u| format!(" ({u})"))
                            .unwrap_or_default();
                        return Ok(Outcome {
                            loud: kind == OutcomeKind::Skipped,
                            ..Outcome::of(&item.delivery, kind)
                        }
                        .with_url(published.url.clone())
                        .with_error(&format!("cannot retract{url}: {}", e.message)));
                    }
                }
            }
        }
        Ok(Outcome::of(&item.delivery, OutcomeKind::Retracted))
    }
}

fn unknown_outcome(item: &Item<'_>, part: &Part<'_>) -> Outcome {
    let d = &item.delivery;
    Outcome::of(d, OutcomeKind::Unknown).with_error(&format!(
        "part {} may or may not have been posted on {}: look at the channel, then run `postcal publish --retry-unknown {}@{}` if it is not there, or `--mark-published {}@{} --url URL` if it is",
        part.index, d.channel.name, d.post.id.value, d.channel.name, d.post.id.value, d.channel.name
    ))
}
