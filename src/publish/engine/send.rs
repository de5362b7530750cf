//! Sending one part: an `attempt` before each request, what the adapter
//! prepared (a container) recorded before the call that publishes it,
//! transient failures retried with backoff, an ambiguous answer settled
//! before anything is sent again.

use super::{Engine, MAX_ATTEMPTS, Step, outcome, unknown_outcome};
use crate::adapters::{Adapter, AdapterError, ErrorKind, Part};
use crate::delivery::Delivery;
use crate::publish::ledger::Event;
use crate::publish::outcome::OutcomeKind;

/// How an adapter's preparation for a part ended (`Adapter::prepare`).
enum Prepared {
    /// Nothing to prepare, or what it made is recorded.
    Ready,
    /// Refused: nothing was posted.
    Refused(AdapterError),
    /// The ledger could not record what was made: nothing is published.
    LedgerFailed,
}

impl Engine<'_> {
    /// Send one part, retrying transient failures; every request is preceded
    /// by an `attempt` record and followed by its outcome.
    /// `settling`: an earlier request for this part may have landed, and
    /// this resend (with the same key) is how it is found out; a transient
    /// refusal then leaves the attempt open rather than recording a failure
    /// that would forget it.
    pub(super) fn send(
        &self,
        adapter: &mut dyn Adapter,
        d: &Delivery<'_>,
        part: &Part<'_>,
        hash: &str,
        settling: bool,
    ) -> Step {
        let index = part.index as usize;
        // What the adapter made for the part (a container), kept across
        // retries: the final call publishes it rather than a new one.
        let mut prepared: Option<String> = part.prepared.map(str::to_owned);
        let mut attempt = 1;
        loop {
            if self.is_stopped() {
                return Step::LedgerFailed;
            }
            if self
                .claims_end
                .is_some_and(|end| std::time::Instant::now() >= end)
            {
                return Step::Stopped(outcome(d, OutcomeKind::Skipped).with_error(
                    "this run's claim on it ran out before it could be sent; it stays claimed, and the next run settles it (a look-up, else unknown)",
                ).loud());
            }
            let mut a = self.base_record(d, index, Event::Attempt);
            a.key = Some(part.key.to_owned());
            a.hash = Some(hash.to_owned());
            a.container = prepared.clone();
            record!(self, a);
            let result = match self.prepare(adapter, d, part, hash, &mut prepared) {
                Prepared::LedgerFailed => return Step::LedgerFailed,
                Prepared::Refused(e) => Err(e),
                Prepared::Ready => adapter.post(&Part {
                    prepared: prepared.as_deref(),
                    ..part.clone()
                }),
            };
            // The part as it now stands: a look-up asks about what was prepared.
            let part = &Part {
                prepared: prepared.as_deref(),
                ..part.clone()
            };
            let error = match result {
                Ok(remote) => {
                    let remote = self.redacted(adapter, remote);
                    return self.record_published(d, part, hash, remote);
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
                    if settling {
                        return Step::Stopped(outcome(d, OutcomeKind::Failed).with_error(&format!(
                            "{message}; an earlier request may have landed, so this stays open: the next run checks again before anything else"
                        )));
                    }
                    return self.failed(d, part, hash, &message, true);
                }
                ErrorKind::Ambiguous => {
                    match self.after_ambiguous(adapter, d, part, hash, &error) {
                        Some(step) => return step,
                        None if attempt < MAX_ATTEMPTS => {
                            attempt += 1;
                            continue;
                        }
                        None => {
                            let mut r = self.base_record(d, index, Event::Unknown);
                            r.key = Some(part.key.to_owned());
                            r.hash = Some(hash.to_owned());
                            r.error = Some(adapter.redactor().redact(&error.message));
                            record!(self, r);
                            return Step::Stopped(unknown_outcome(d, part));
                        }
                    }
                }
                ErrorKind::Held if settling => {
                    return Step::Stopped(outcome(d, OutcomeKind::Failed).with_error(&format!(
                        "{}; an earlier request may have landed, so this stays open: the next run checks again before anything else",
                        error.message
                    )));
                }
                ErrorKind::Held => return self.failed(d, part, hash, &error.message, true),
                ErrorKind::Permanent | ErrorKind::Unsupported => {
                    return self.failed(d, part, hash, &error.message, false);
                }
            }
        }
    }

    /// Let the adapter prepare the part (`Adapter::prepare`) and record
    /// what it made, on disk, before anything publishes it: a run that dies
    /// in between leaves its id in the ledger, so the next run publishes
    /// or finds that one instead of making another.
    fn prepare(
        &self,
        adapter: &mut dyn Adapter,
        d: &Delivery<'_>,
        part: &Part<'_>,
        hash: &str,
        prepared: &mut Option<String>,
    ) -> Prepared {
        let made = match adapter.prepare(&Part {
            prepared: prepared.as_deref(),
            ..part.clone()
        }) {
            Ok(made) => made.map(|id| adapter.redactor().redact(&id)),
            Err(e) => return Prepared::Refused(e),
        };
        if let Some(id) = made.as_ref().filter(|id| prepared.as_ref() != Some(*id)) {
            let mut a = self.base_record(d, part.index as usize, Event::Attempt);
            a.key = Some(part.key.to_owned());
            a.hash = Some(hash.to_owned());
            a.container = Some(id.clone());
            if self.record(&a).is_err() {
                return Prepared::LedgerFailed;
            }
        }
        *prepared = made;
        Prepared::Ready
    }

    fn failed(
        &self,
        d: &Delivery<'_>,
        part: &Part<'_>,
        hash: &str,
        message: &str,
        transient: bool,
    ) -> Step {
        let mut r = self.base_record(d, part.index as usize, Event::Failed);
        r.key = Some(part.key.to_owned());
        r.hash = Some(hash.to_owned());
        r.error = Some(message.to_owned());
        r.transient = transient;
        record!(self, r);
        let what = if part.index > 0 {
            format!("thread part {}: {message}", part.index)
        } else {
            message.to_owned()
        };
        Step::Stopped(outcome(d, OutcomeKind::Failed).with_error(&what))
    }
}
