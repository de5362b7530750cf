//! The engine: channels concurrently, each channel's deliveries in order,
//! threads as reply chains; every request preceded by a durable `attempt`
//! record and followed by its outcome; transient failures retried with
//! capped, jittered backoff that honours what the platform asks.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::ledger::{Event, Ledger, LedgerError, Record};
use super::outcome::{DeliveryOutcome, OutcomeKind, Progress};
use super::plan::{Action, Decision, Send};
use crate::adapters::{self, Adapter, AdapterError, MediaItem, Part, Remote};
use crate::delivery::Delivery;
use crate::secrets::EnvSource;

/// Requests per part in one run before a transient failure is left to the
/// next run.
const MAX_ATTEMPTS: u32 = 4;

/// How long a request the client gave up on may still be running on the
/// server (proxies and servers time requests out well before this). Until
/// then, a platform's "not there" is not the last word, and a key the
/// platform only stores once the post exists does not protect a resend.
const IN_FLIGHT: chrono::Duration = chrono::Duration::minutes(2);

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
    /// `media_base_url`, for platforms that fetch media by URL.
    pub media_base: Option<&'a crate::calendar::MediaBase>,
    pub now: DateTime<Utc>,
    pub env: &'a dyn EnvSource,
    pub timeouts: adapters::http::Timeouts,
    pub trace: Option<adapters::http::Trace>,
    pub backoff: Backoff,
    pub ledger: Mutex<Ledger>,
    pub progress: &'a dyn Progress,
    /// Set when the ledger could not be written: no new request starts, on
    /// any channel.
    pub stopped: AtomicBool,
    /// The first ledger write that failed.
    pub failure: Mutex<Option<LedgerError>>,
    /// `--coordinate git`: when this run's claims stop holding (less a
    /// margin). No request starts after it: another runner may settle
    /// the claim from then on.
    pub claims_end: Option<std::time::Instant>,
}

/// How one step of a delivery ended.
enum Step {
    /// The part is on the platform.
    Sent(Remote),
    /// The delivery stops here, with this outcome (failed, unknown, missed…).
    Stopped(DeliveryOutcome),
    /// The ledger could not be written (the error is kept in the engine):
    /// the run stops, since sending without recording would break "never
    /// twice".
    LedgerFailed,
}

/// Record `$r`, or end the step with the ledger's failure.
macro_rules! record {
    ($engine:expr, $r:expr) => {
        if $engine.record(&$r).is_err() {
            return Step::LedgerFailed;
        }
    };
    (@option $engine:expr, $r:expr) => {
        if $engine.record(&$r).is_err() {
            return Some(Step::LedgerFailed);
        }
    };
}

// After the macro, which they use.
mod retract;
mod send;
mod settle;
#[cfg(test)]
mod tests;

fn outcome(d: &Delivery<'_>, kind: OutcomeKind) -> DeliveryOutcome {
    DeliveryOutcome::new(&d.post.id.value, &d.channel.name, d.at, kind)
}

impl Engine<'_> {
    /// Append `r`; on failure, stop the run everywhere and keep the error.
    fn record(&self, r: &Record) -> Result<(), ()> {
        let result = self
            .ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .append(r);
        result.map_err(|e| {
            self.stopped.store(true, Ordering::SeqCst);
            let mut failure = self
                .failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            failure.get_or_insert(e);
        })
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// The ledger write that stopped the run, if one did.
    pub fn take_failure(&self) -> Option<LedgerError> {
        self.failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Carry out the decisions that act (publish, retract, record missed),
    /// one thread per channel, each channel's in order.
    /// When the ledger cannot be written, every channel stops starting new
    /// requests; what was done is still reported (see `take_failure`).
    pub fn run(&self, decisions: Vec<Decision<'_>>) -> Vec<DeliveryOutcome> {
        let mut by_channel: Vec<Vec<Decision<'_>>> = Vec::new();
        for decision in decisions.into_iter().filter(Decision::is_executed) {
            match by_channel.last_mut() {
                Some(group) if group[0].channel.name == decision.channel.name => {
                    group.push(decision)
                }
                _ => by_channel.push(vec![decision]),
            }
        }
        let results: Vec<Vec<DeliveryOutcome>> = std::thread::scope(|scope| {
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
        results.into_iter().flatten().collect()
    }

    fn run_channel(&self, decisions: Vec<Decision<'_>>) -> Vec<DeliveryOutcome> {
        let channel = decisions[0].channel;
        // Built on first use: recording a missed delivery needs no credentials.
        let mut adapter: Option<Result<Box<dyn Adapter>, AdapterError>> = None;
        let mut outcomes = Vec::new();
        for decision in &decisions {
            if self.is_stopped() {
                let reported = DeliveryOutcome::new(
                    &decision.post.id.value,
                    &channel.name,
                    decision.at.unwrap_or(self.now),
                    OutcomeKind::Skipped,
                );
                outcomes.push(
                    reported
                        .with_error("not attempted: the run stopped because the ledger could not be written")
                        .loud(),
                );
                continue;
            }
            let step = match &decision.action {
                Action::RecordMissed { part, reason } => {
                    self.record_missed(decision, *part, reason)
                }
                Action::RecordUnapproved => self.record_unapproved(decision),
                Action::Publish(send) => match self.adapter(&mut adapter, channel) {
                    Ok(adapter) => self.publish(adapter, send),
                    // An attempt still open stays the last word on the part.
                    Err(e) => {
                        self.cannot_start(&send.delivery, send.from, e, send.pending.is_none())
                    }
                },
                Action::Retract { delivery, parts } => match self.adapter(&mut adapter, channel) {
                    Ok(adapter) => self.retract(adapter, delivery, parts),
                    Err(e) => {
                        let part = parts.first().map_or(0, |r| r.part as usize);
                        self.cannot_start(delivery, part, e, true)
                    }
                },
                Action::Hold { .. } | Action::Skip { .. } => continue,
            };
            let outcome = match step {
                Step::Stopped(outcome) => outcome,
                Step::LedgerFailed => DeliveryOutcome::new(
                    &decision.post.id.value,
                    &channel.name,
                    decision.at.unwrap_or(self.now),
                    OutcomeKind::Failed,
                )
                .with_error("the ledger could not be written, so the run stopped; the next run checks this delivery before sending it again"),
                Step::Sent(_) => continue,
            };
            self.progress.done(&outcome);
            outcomes.push(outcome);
        }
        outcomes
    }

    /// The channel's adapter, built the first time it is needed.
    fn adapter<'s>(
        &self,
        slot: &'s mut Option<Result<Box<dyn Adapter>, AdapterError>>,
        channel: &crate::calendar::Channel,
    ) -> Result<&'s mut dyn Adapter, &'s AdapterError> {
        match slot.get_or_insert_with(|| {
            adapters::build(
                self.root,
                channel,
                self.env,
                self.timeouts,
                self.trace.clone(),
                self.now,
            )
        }) {
            Ok(adapter) => Ok(adapter.as_mut()),
            Err(e) => Err(e),
        }
    }

    fn base_record(&self, d: &Delivery<'_>, part: usize, event: Event) -> Record {
        Record::new(
            self.now,
            &d.post.id.value,
            &d.channel.name,
            u32::try_from(part).unwrap_or(u32::MAX),
            event,
        )
    }

    /// The channel's adapter could not be built (a credential is missing,
    /// say): nothing was sent. The failure is recorded, as transient (the
    /// next run tries again), so `status` shows it with its reason — unless
    /// an attempt is pending: a `failed` after it would hide it, and the
    /// next run would send again without asking whether it landed.
    fn cannot_start(&self, d: &Delivery<'_>, part: usize, e: &AdapterError, record: bool) -> Step {
        if record {
            let mut r = self.base_record(d, part, Event::Failed);
            r.error = Some(format!("not sent: {}", e.message));
            r.transient = true;
            record!(self, r);
        }
        Step::Stopped(outcome(d, OutcomeKind::Failed).with_error(&e.message))
    }

    /// Record once that a delivery reached its time without approval.
    fn record_unapproved(&self, decision: &Decision<'_>) -> Step {
        let at = decision.at.unwrap_or(self.now);
        let (post, channel) = (&decision.post.id.value, &decision.channel.name);
        let mut r = Record::new(self.now, post, channel, 0, Event::Unapproved);
        r.error = Some(format!("status {} at {at}", decision.post.status.name()));
        record!(self, r);
        Step::Stopped(
            DeliveryOutcome::new(post, channel, at, OutcomeKind::Skipped)
                .with_error(crate::publish::plan::NOT_APPROVED)
                .loud(),
        )
    }

    /// Record once that a delivery's time passed beyond catch-up.
    fn record_missed(&self, decision: &Decision<'_>, part: usize, reason: &str) -> Step {
        let at = decision.at.unwrap_or(self.now);
        let mut r = Record::new(
            self.now,
            &decision.post.id.value,
            &decision.channel.name,
            u32::try_from(part).unwrap_or(u32::MAX),
            Event::Missed,
        );
        r.error = Some(reason.to_owned());
        record!(self, r);
        Step::Stopped(
            DeliveryOutcome::new(
                &decision.post.id.value,
                &decision.channel.name,
                at,
                OutcomeKind::Missed,
            )
            .with_error(reason),
        )
    }

    /// Send a delivery's parts from `send.from`, each as a reply to the one
    /// before; always ends with the delivery's outcome.
    fn publish(&self, adapter: &mut dyn Adapter, send: &Send<'_>) -> Step {
        let d = &send.delivery;
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
        let remote = |r: &Option<Record>| {
            r.as_ref().map(|r| Remote {
                id: r.remote_id.clone().unwrap_or_default(),
                url: r.url.clone(),
            })
        };
        let mut root = remote(&send.root);
        let mut previous = remote(&send.parent);
        if send.from > 0
            && [&root, &previous]
                .iter()
                .any(|r| r.as_ref().is_none_or(|r| r.id.is_empty()))
        {
            // Never reply to nothing: the thread would come apart.
            return Step::Stopped(outcome(d, OutcomeKind::Failed).with_error(&format!(
                "cannot continue the thread at part {}: the ledger has no platform id for the part before it (recorded by hand without one); post the rest by hand, or mark it with `--mark-published {post}@{channel} --url URL` for each part",
                send.from
            )));
        }
        let mut first_url = None;
        for index in send.from..d.parts.len() {
            let index_u32 = u32::try_from(index).unwrap_or(u32::MAX);
            let pending_here = send.pending.as_ref().filter(|_| index == send.from);
            let key = pending_here
                .and_then(|p| p.key.clone())
                .unwrap_or_else(|| send.keys[index].clone());
            let hash = send.hash_of(index);
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
                prepared: pending_here.and_then(|p| p.container.as_deref()),
                media_base: self.media_base,
                now: self.now,
            };
            let step = match pending_here {
                Some(attempt) => {
                    let open = settle::OpenAttempt {
                        attempt,
                        opened: send.opened.unwrap_or(attempt.ts),
                        late: send.late,
                    };
                    self.resolve_then_send(adapter, d, &part, &hash, open)
                }
                None => self.send(adapter, d, &part, &hash, false),
            };
            let remote = match step {
                Step::Sent(remote) => remote,
                other => return other,
            };
            if index == 0 {
                root = Some(remote.clone());
            }
            if send.late {
                // Past its window: what was pending is settled; nothing more
                // goes out, and a thread cut short says so.
                let next = index + 1;
                if next < d.parts.len() {
                    let reason = crate::publish::plan::thread_cut(next, d.parts.len());
                    let mut r = self.base_record(d, next, Event::Missed);
                    r.error = Some(reason.clone());
                    record!(self, r);
                    return Step::Stopped(
                        outcome(d, OutcomeKind::Missed)
                            .with_url(root.and_then(|r| r.url))
                            .with_error(&reason),
                    );
                }
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
        Step::Stopped(outcome(d, OutcomeKind::Published).with_url(url))
    }

    /// `remote` with anything secret taken out of its id and URL.
    fn redacted(&self, adapter: &dyn Adapter, remote: Remote) -> Remote {
        let r = adapter.redactor();
        Remote {
            id: r.redact(&remote.id),
            url: remote.url.map(|u| r.redact(&u)),
        }
    }

    fn record_published(
        &self,
        d: &Delivery<'_>,
        part: &Part<'_>,
        hash: &str,
        remote: Remote,
    ) -> Step {
        let mut r = self.base_record(d, part.index as usize, Event::Published);
        r.key = Some(part.key.to_owned());
        r.hash = Some(hash.to_owned());
        r.remote_id = Some(remote.id.clone());
        r.url = remote.url.clone();
        if self.record(&r).is_err() {
            // It is on the platform, and the ledger does not say so.
            return Step::Stopped(
                outcome(d, OutcomeKind::Failed)
                    .with_url(remote.url.clone())
                    .with_error(&format!(
                        "posted (part {}), but the ledger could not record it: the next run looks it up, or reports it unknown",
                        part.index
                    )),
            );
        }
        Step::Sent(remote)
    }
}

fn unknown_what(d: &Delivery<'_>, part: &Part<'_>) -> String {
    let (p, c) = (&d.post.id.value, &d.channel.name);
    format!(
        "part {} may or may not have been posted on {c}: look at the channel, then run `postcal publish --retry-unknown {p}@{c}` if it is not there, or `--mark-published {p}@{c} --url URL` if it is",
        part.index
    )
}

fn unknown_outcome(d: &Delivery<'_>, part: &Part<'_>) -> DeliveryOutcome {
    outcome(d, OutcomeKind::Unknown).with_error(&unknown_what(d, part))
}
