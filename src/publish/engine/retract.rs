//! Retraction: deleting what was published (`status: retracted`), replies
//! first, each delete preceded by a `retract-attempt` record.

use super::{Engine, MAX_ATTEMPTS, Step, outcome};
use crate::adapters::{Adapter, AdapterError, ErrorKind, Remote, remote_id};
use crate::delivery::Delivery;
use crate::publish::ledger::{Event, Record};
use crate::publish::outcome::{DeliveryOutcome, OutcomeKind};

impl Engine<'_> {
    /// Delete the published parts, replies first; always ends with the
    /// delivery's outcome.
    pub(super) fn retract(
        &self,
        adapter: &mut dyn Adapter,
        d: &Delivery<'_>,
        parts: &[Record],
    ) -> Step {
        for published in parts {
            let part = published.part as usize;
            let remote = Remote {
                id: published.remote_id.clone().unwrap_or_default(),
                url: published.url.clone(),
            };
            if !remote_id::looks_like_id(d.channel, &remote.id) {
                // Its "not found" could not be trusted: never claim it is gone.
                let mut f = self.base_record(d, part, Event::Failed);
                let message = format!(
                    "cannot retract: the ledger's id for part {part} (`{}`) is not a {} post id (it was recorded by hand as an address by an older postcal); delete it by hand",
                    remote.id,
                    d.channel.platform()
                );
                f.error = Some(message.clone());
                record!(self, f);
                return Step::Stopped(
                    outcome(d, OutcomeKind::Failed)
                        .with_url(published.url.clone())
                        .with_error(&message),
                );
            }
            let mut attempt = 1;
            loop {
                let mut a = self.base_record(d, part, Event::RetractAttempt);
                a.remote_id = published.remote_id.clone();
                record!(self, a);
                match adapter.delete(&remote, published.ts, self.now) {
                    Ok(()) => {
                        let mut r = self.base_record(d, part, Event::Retracted);
                        r.remote_id = published.remote_id.clone();
                        r.url = published.url.clone();
                        record!(self, r);
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
                        let url = published
                            .url
                            .as_deref()
                            .map(|u| format!(" ({u})"))
                            .unwrap_or_default();
                        let reported = outcome(d, OutcomeKind::Skipped)
                            .with_url(published.url.clone())
                            .with_error(&format!("cannot retract{url}: {}", e.message));
                        if e.kind == ErrorKind::Unsupported {
                            // Said every run: a person must delete it by hand.
                            return Step::Stopped(reported.loud());
                        }
                        let mut f = self.base_record(d, part, Event::Failed);
                        f.error = Some(format!("retraction: {}", e.message));
                        record!(self, f);
                        return Step::Stopped(DeliveryOutcome {
                            kind: OutcomeKind::Failed,
                            ..reported
                        });
                    }
                }
            }
        }
        Step::Stopped(outcome(d, OutcomeKind::Retracted))
    }
}
