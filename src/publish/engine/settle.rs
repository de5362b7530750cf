//! Settling what an earlier request left open: an attempt without a
//! recorded outcome (the run died, or the platform's answer was ambiguous)
//! is looked up, sent again only when that cannot make a copy, left open
//! for a later run, or recorded as unknown or missed.

use super::{Engine, IN_FLIGHT, Step, outcome, unknown_outcome, unknown_what};
use crate::adapters::{Adapter, AdapterError, ErrorKind, Part};
use crate::calendar::OnAmbiguous;
use crate::delivery::Delivery;
use crate::publish::ledger::{Event, Record};
use crate::publish::outcome::OutcomeKind;

/// An attempt of a part with no recorded outcome, as the plan found it.
pub(super) struct OpenAttempt<'r> {
    pub attempt: &'r Record,
    /// When the part's first attempt was made: the age of its key.
    pub opened: chrono::DateTime<chrono::Utc>,
    /// Past the catch-up window: look up only, never send again.
    pub late: bool,
}

impl Engine<'_> {
    /// An earlier request for this part has no recorded outcome (the run
    /// died, or the platform's answer left it open): find out whether it
    /// landed before sending anything again.
    pub(super) fn resolve_then_send(
        &self,
        adapter: &mut dyn Adapter,
        d: &Delivery<'_>,
        part: &Part<'_>,
        hash: &str,
        open: OpenAttempt<'_>,
    ) -> Step {
        let OpenAttempt {
            attempt,
            opened,
            late,
        } = open;
        // The latest request may still run; a key the platform keeps is as
        // old as the first request made under it.
        let may_be_running = self.now - attempt.ts < IN_FLIGHT;
        let age = self.now - opened.min(attempt.ts);
        // Searched from the first request on: a later attempt (a claim
        // pushed by a runner that died before sending) must not hide a
        // post an earlier request made.
        match adapter.lookup(part, opened.min(attempt.ts)) {
            Ok(Some(remote)) => {
                return self.record_published(d, part, hash, self.redacted(adapter, remote));
            }
            // The request may still create it: look again next run.
            Ok(None) if may_be_running => {
                return Step::Stopped(outcome(d, OutcomeKind::Skipped).with_error(
                    "an earlier request may still be running on the platform; the next run looks again before sending",
                ));
            }
            Ok(None) if late => return self.too_late(d, part),
            // Not there, and the request surely ended: it did not land.
            Ok(None) => return self.send(adapter, d, part, hash, false),
            Err(e) if e.kind == ErrorKind::Unsupported => {}
            Err(e) => {
                // Cannot tell right now: leave the attempt open for the next run.
                return Step::Stopped(outcome(d, OutcomeKind::Skipped).with_error(&format!(
                    "an earlier attempt's outcome could not be checked yet: {}",
                    adapter.redactor().redact(&e.message)
                )));
            }
        }
        let retry = d.channel.on_ambiguous == OnAmbiguous::Retry;
        if !late && may_be_running && (retry || adapter.resend_is_safe(age, false)) {
            // Safe to send again once the earlier request has surely ended.
            return Step::Stopped(outcome(d, OutcomeKind::Skipped).with_error(
                "an earlier request may still be running on the platform; a later run settles it",
            ));
        }
        if !late && (adapter.resend_is_safe(age, may_be_running) || retry) {
            // The earlier request may have landed: until this resend settles
            // it, the attempt stays open.
            return self.send(adapter, d, part, hash, true);
        }
        let mut r = self.base_record(d, part.index as usize, Event::Unknown);
        r.key = attempt.key.clone();
        r.hash = Some(hash.to_owned());
        r.error = Some("a request was made but its outcome was never recorded, and the platform cannot say whether it was posted".to_owned());
        record!(self, r);
        Step::Stopped(unknown_outcome(d, part))
    }

    /// After an ambiguous answer in this run: the post may exist, and the
    /// request may even still be running. Look it up; send again only when
    /// that cannot make a copy (or the channel says `on_ambiguous: retry`);
    /// leave the attempt open when a later run can settle it (a look-up the
    /// platform can answer once the request has surely ended, or a key the
    /// platform honours by then); else record the outcome unknown. `None`:
    /// send again now.
    pub(super) fn after_ambiguous(
        &self,
        adapter: &mut dyn Adapter,
        d: &Delivery<'_>,
        part: &Part<'_>,
        hash: &str,
        error: &AdapterError,
    ) -> Option<Step> {
        let zero = chrono::Duration::zero();
        let message = adapter.redactor().redact(&error.message);
        let can_look = match adapter.lookup(part, self.now) {
            Ok(Some(remote)) => {
                let remote = self.redacted(adapter, remote);
                return Some(self.record_published(d, part, hash, remote));
            }
            Ok(None) => true,
            Err(e) if e.kind == ErrorKind::Unsupported => false,
            // It could not be asked now; a later run asks again.
            Err(_) => true,
        };
        if adapter.resend_is_safe(zero, true) || d.channel.on_ambiguous == OnAmbiguous::Retry {
            return None;
        }
        if can_look || adapter.resend_is_safe(zero, false) {
            return Some(Step::Stopped(outcome(d, OutcomeKind::Failed).with_error(&format!(
                "{message}; it may have been posted, so nothing is sent again until a later run has settled it"
            ))));
        }
        let mut r = self.base_record(d, part.index as usize, Event::Unknown);
        r.key = Some(part.key.to_owned());
        r.hash = Some(hash.to_owned());
        r.error = Some(message.clone());
        record!(@option self, r);
        Some(Step::Stopped(unknown_outcome(d, part).with_error(
            &format!("{message}; {}", unknown_what(d, part)),
        )))
    }

    /// A pending attempt that did not land, found after the window closed:
    /// the delivery is missed (or its thread stays cut short).
    pub(super) fn too_late(&self, d: &Delivery<'_>, part: &Part<'_>) -> Step {
        if part.index > 0 {
            return Step::Stopped(outcome(d, OutcomeKind::Skipped).with_error(&format!(
                "the thread stopped at part {}, and its time has passed",
                part.index
            )));
        }
        let mut r = self.base_record(d, 0, Event::Missed);
        r.error = Some("an attempt did not land, and the catch-up window has passed".to_owned());
        record!(self, r);
        Step::Stopped(
            outcome(d, OutcomeKind::Missed)
                .with_error("its time passed beyond catch-up; it was not posted"),
        )
    }
}
