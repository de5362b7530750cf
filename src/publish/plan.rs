//! The plan: for every delivery a run must act on, what it does — publish,
//! retract, record as missed, hold back, or leave alone — and why. Due
//! selection follows the publishing contract: due at `at <= now` within the
//! catch-up window, approved, outside blackouts, not yet published.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::identity::{content_hash, first_identity};
use super::ledger::{Event, LedgerState, Record};
use super::outcome::{DeliveryOutcome, OutcomeKind};
use crate::calendar::{Channel, Post, Status, Workspace};
use crate::delivery::{self, Delivery};
use crate::diagnostic::Finding;

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
    /// `--coordinate git`: this run's runner id (its own claims are its
    /// to settle).
    pub runner: Option<String>,
}

/// What the run does with one delivery, and why. The plan is the one place
/// that decides; the engine only carries out `Publish`, `Retract` and
/// `RecordMissed`, and everything else is reported as it is.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub post: &'a Post,
    pub channel: &'a Channel,
    /// When the delivery is due; `None` when its time cannot be read.
    pub at: Option<DateTime<Utc>>,
    pub action: Action<'a>,
}

// A plan holds one action per delivery acted on, a handful per run: the
// size of the `Publish` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Action<'a> {
    /// Send the delivery (or what is left of its thread).
    Publish(Send<'a>),
    /// Delete these published parts (`status: retracted`), replies first.
    Retract {
        delivery: Delivery<'a>,
        parts: Vec<Record>,
    },
    /// The time passed beyond catch-up and (from part `part` on) nothing
    /// went out: record it once, and why.
    RecordMissed { part: usize, reason: String },
    /// The post reached its time without being approved: record (and
    /// report) it once; it is not published.
    RecordUnapproved,
    /// Not published: something about it is wrong (it does not validate, its
    /// time cannot be read). Reported as failed, every run, until fixed.
    Hold { reason: String },
    /// Left alone this run, and why; `needs_human` when only a person can
    /// settle it (an unknown outcome).
    Skip { reason: String, needs_human: bool },
}

/// A delivery to send, from where it stands in the ledger.
#[derive(Debug, Clone)]
pub struct Send<'a> {
    pub delivery: Delivery<'a>,
    /// The first part not yet published.
    pub from: usize,
    /// An attempt of part `from` with no recorded outcome (the last run died
    /// mid-request), to resolve before anything is sent.
    pub pending: Option<Record>,
    /// The catch-up window has passed: the pending attempt is only looked
    /// up, never sent again, and nothing after it goes out.
    pub late: bool,
    /// The `published` records of parts 0 and `from - 1` (the thread's root
    /// and the part to reply to), when resuming a thread.
    pub root: Option<Record>,
    pub parent: Option<Record>,
    /// Each part's identity (idempotency or record key): the one its first
    /// attempt recorded, else a new one.
    pub keys: Vec<String>,
    /// When part `from`'s first attempt was made, if one was.
    pub opened: Option<DateTime<Utc>>,
}

impl Send<'_> {
    pub fn hash_of(&self, part: usize) -> String {
        part_hash(&self.delivery, part)
    }
}

impl Decision<'_> {
    /// The outcome to report for a decision that sends nothing: everything
    /// but `Publish` and `Retract`, or those too in a dry run.
    pub fn unexecuted(&self, now: DateTime<Utc>) -> Option<DeliveryOutcome> {
        let outcome = |kind| {
            DeliveryOutcome::new(
                &self.post.id.value,
                &self.channel.name,
                self.at.unwrap_or(now),
                kind,
            )
        };
        Some(match &self.action {
            Action::Publish(_) => outcome(OutcomeKind::WouldPublish),
            Action::Retract { .. } => outcome(OutcomeKind::WouldRetract),
            Action::RecordMissed { reason, .. } => outcome(OutcomeKind::Missed).with_error(reason),
            Action::RecordUnapproved => outcome(OutcomeKind::Skipped)
                .with_error(NOT_APPROVED)
                .loud(),
            Action::Hold { reason } => outcome(OutcomeKind::Failed).with_error(reason),
            Action::Skip {
                reason,
                needs_human,
            } => {
                let kind = if *needs_human {
                    OutcomeKind::Unknown
                } else {
                    OutcomeKind::Skipped
                };
                outcome(kind).with_error(reason)
            }
        })
    }

    /// Whether the engine has something to do for it.
    pub fn is_executed(&self) -> bool {
        matches!(
            self.action,
            Action::Publish(_)
                | Action::Retract { .. }
                | Action::RecordMissed { .. }
                | Action::RecordUnapproved
        )
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

/// Why a thread stopped after part `from - 1` of `parts`.
pub fn thread_cut(from: usize, parts: usize) -> String {
    let rest = if from + 1 >= parts {
        format!("part {from} was")
    } else {
        format!("parts {from}–{} were", parts - 1)
    };
    format!(
        "the thread stopped after part {} of {parts}: its time passed beyond catch-up, so {rest} not posted",
        from.saturating_sub(1)
    )
}

/// Why a post that reached its time was not published.
pub const NOT_APPROVED: &str = "not approved: it reached its time with a status that does not publish (set `status: approved`)";

/// Whether a post's status lets it go out.
pub fn publishable(status: Status, require_approval: bool) -> bool {
    status.goes_out(require_approval)
}

/// The date of an occurrence of a series (`ID#YYYY-MM-DD`), from its id.
pub fn occurrence_day(post: &Post) -> Option<chrono::NaiveDate> {
    post.series.as_ref()?;
    post.id.value.rsplit_once('#')?.1.parse().ok()
}

impl Selection {
    /// `--post ID`: that post, or every occurrence of the series `ID`.
    pub fn wants_post(&self, post: &str) -> bool {
        let series = crate::diagnostic::series_of(post);
        self.posts.is_empty() || self.posts.iter().any(|p| p == post || p == series)
    }

    fn wants_channel(&self, channel: &str) -> bool {
        self.channels.is_empty() || self.channels.iter().any(|c| c == channel)
    }
}

/// What the run does with every delivery it must act on, per channel in
/// time order (then post id). `errors` are the workspace's validation
/// errors: a delivery they are about is held back, not sent.
pub fn plan<'a>(
    ws: &'a Workspace,
    ledger: &LedgerState,
    now: DateTime<Utc>,
    selection: &Selection,
    errors: &[&Finding],
) -> Vec<Decision<'a>> {
    let config = &ws.config;
    let mut decisions = Vec::new();
    for post in ws
        .posts
        .iter()
        .filter(|p| selection.wants_post(&p.id.value))
    {
        let channels = post
            .channels
            .iter()
            .filter_map(|c| config.channels.get(&c.value))
            .filter(|c| selection.wants_channel(&c.name));
        for channel in channels {
            let action = decide(ws, post, channel, ledger, now, selection, errors);
            if let Some(action) = action {
                decisions.push(Decision {
                    post,
                    channel,
                    at: post.at,
                    action,
                });
            }
        }
    }
    decisions.sort_by(|a, b| {
        (&a.channel.name, a.at, &a.post.id.value).cmp(&(&b.channel.name, b.at, &b.post.id.value))
    });
    decisions
}

/// The action for one delivery, `None` when the run leaves it alone
/// silently (not due yet, not approved, already done).
fn decide<'a>(
    ws: &'a Workspace,
    post: &'a Post,
    channel: &'a Channel,
    ledger: &LedgerState,
    now: DateTime<Utc>,
    selection: &Selection,
    errors: &[&Finding],
) -> Option<Action<'a>> {
    let publishable = publishable(post.status, ws.config.publish.require_approval);
    let Some(at) = post.at else {
        // An approved post whose time cannot be read is never due: say so
        // every run rather than drop it silently — from its day on, for an
        // occurrence of a series whose wall time does not exist that day.
        let day = occurrence_day(post);
        let today = now.with_timezone(&post.zone).date_naive();
        return (publishable && day.is_none_or(|d| d <= today)).then(|| Action::Hold {
            reason: match day {
                Some(d) => format!(
                    "not published: its wall time does not exist on {d} in {}, or happens twice (a clock change; {}:{}); run `postcal validate`",
                    post.zone,
                    ws.sources.path(post.file),
                    post.at_loc.line
                ),
                None => format!(
                    "not published: its `at` ({}:{}) is not a valid time; run `postcal validate`",
                    ws.sources.path(post.file),
                    post.at_loc.line
                ),
            },
        });
    };
    let retracting = post.status == Status::Retracted;
    if at > now && !retracting {
        return None;
    }
    if !retracting && !publishable {
        // Not approved in time: never silent, said once, inside its window.
        let window = post.catch_up().unwrap_or(ws.config.publish.catch_up);
        let key = (post.id.value.clone(), channel.name.clone());
        let waiting = matches!(post.status, Status::Draft | Status::Review);
        return (waiting && now - at <= window && !ledger.unapproved.contains(&key))
            .then_some(Action::RecordUnapproved);
    }
    let d = delivery::on_channel(post, channel, &ws.config)?;
    if retracting {
        return retract_action(d, ledger);
    }
    let action = publish_action(d, ledger, now, selection, ws)?;
    let held = errors
        .iter()
        .find(|f| f.subject.holds(post.file, &post.id.value, &channel.name));
    match (action, held) {
        (Action::Publish(_), Some(error)) => Some(Action::Hold {
            reason: format!(
                "not published: the post does not validate ({}: {}); run `postcal validate`",
                error.place(&ws.sources),
                error.message
            ),
        }),
        (action, _) => Some(action),
    }
}

fn retract_action<'a>(d: Delivery<'a>, ledger: &LedgerState) -> Option<Action<'a>> {
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
    Some(Action::Retract { delivery: d, parts })
}

fn publish_action<'a>(
    d: Delivery<'a>,
    ledger: &LedgerState,
    now: DateTime<Utc>,
    selection: &Selection,
    ws: &Workspace,
) -> Option<Action<'a>> {
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
    let late = now - d.at > window;
    let key = (post.to_owned(), channel.to_owned());
    let blackout = ws.config.blackouts.iter().find(|b| b.covers(d.at, channel));
    let seen_missed = ledger.missed.contains_key(&key);
    let failed = last.as_ref().filter(|r| r.event == Event::Failed);
    let changed = failed.is_some_and(|f| f.hash.as_deref() != Some(part_hash(&d, from).as_str()));
    let keys: Vec<String> = (0..d.parts.len())
        .map(|i| {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            state(i)
                .and_then(|s| s.first_key.clone())
                .unwrap_or_else(|| first_identity(d.channel.platform(), post, channel, index, d.at))
        })
        .collect();
    let send = |pending: Option<Record>, late: bool| {
        Action::Publish(Send {
            delivery: d.clone(),
            from,
            pending,
            late,
            root: root.clone(),
            parent: parent.clone(),
            keys: keys.clone(),
            opened: state(from).and_then(|s| s.first_attempt),
        })
    };
    if let Some(attempt) = last.as_ref().filter(|r| r.event == Event::Attempt) {
        // Another runner's claim, while it holds: that runner is on it.
        if let (Some(runner), Some(until)) = (&attempt.runner, attempt.until)
            && selection.runner.as_ref() != Some(runner)
            && now < until
        {
            return Some(Action::Skip {
                reason: format!(
                    "runner {runner} claimed it and is publishing it (its claim holds until {}); the next run reads its outcome",
                    until.format("%H:%M:%S UTC")
                ),
                needs_human: false,
            });
        }
        // A run died mid-request: find out what happened first, even late.
        return Some(send(last, late));
    }
    if late {
        // Once: nothing more goes out, and the run says so — a thread cut
        // short too, whose later parts will never be posted.
        let reason = match (from, blackout) {
            (0, Some(b)) => format!(
                "it fell in a blackout{} and its time passed beyond catch-up; it was not posted",
                b.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            (0, None) => "its time passed beyond catch-up; it was not posted".to_owned(),
            (from, _) => thread_cut(from, d.parts.len()),
        };
        return (!seen_missed).then_some(Action::RecordMissed { part: from, reason });
    }
    if let Some(b) = blackout {
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
    match (last.as_ref().map(|r| r.event), failed) {
        (Some(Event::Unknown), _) if !selection.retry_unknown.contains(&key) => Some(Action::Skip {
            reason: "the outcome of an earlier attempt is unknown: check the channel, then run `publish --retry-unknown` or `--mark-published`".to_owned(),
            needs_human: true,
        }),
        (_, Some(failed)) if !(failed.transient || changed || selection.retry.contains(&key)) => {
            Some(Action::Skip {
                reason: format!(
                    "failed earlier and was not retried: {}; fix the post or run `publish --retry {post}@{channel}`",
                    failed.error.as_deref().unwrap_or("unknown error")
                ),
                needs_human: false,
            })
        }
        _ => Some(send(None, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_thread_says_which_parts_were_not_posted() {
        // What status shows for a thread whose window closed mid-way.
        assert_eq!(
            thread_cut(2, 4),
            "the thread stopped after part 1 of 4: its time passed beyond catch-up, so parts 2–3 were not posted"
        );
        assert_eq!(
            thread_cut(2, 3),
            "the thread stopped after part 1 of 3: its time passed beyond catch-up, so part 2 was not posted"
        );
    }

    /// A workspace in UTC with one Mastodon channel `m` (catch-up 2h) and
    /// these posts.
    fn workspace(posts: &str) -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("postcal.yaml"),
            "timezone: UTC\npublish:\n  catch_up: 2h\nchannels:\n  m:\n    platform: mastodon\n    instance: https://m.example\n    token: env:T\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("calendars")).unwrap();
        std::fs::write(dir.path().join("calendars/c.yaml"), posts).unwrap();
        let ws =
            crate::calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
        (dir, ws)
    }

    /// What a run at `now` does, as `post: action`.
    fn actions(ws: &Workspace, now: &str) -> Vec<String> {
        actions_with(ws, &LedgerState::default(), now, &Selection::default())
    }

    fn actions_with(
        ws: &Workspace,
        ledger: &LedgerState,
        now: &str,
        selection: &Selection,
    ) -> Vec<String> {
        let now: DateTime<Utc> = now.parse().unwrap();
        plan(ws, ledger, now, selection, &[])
            .iter()
            .map(|d| {
                let action = match &d.action {
                    Action::Publish(_) => "publish",
                    Action::Retract { .. } => "retract",
                    Action::RecordMissed { .. } => "missed",
                    Action::RecordUnapproved => "unapproved",
                    Action::Hold { .. } => "hold",
                    Action::Skip { .. } => "skip",
                };
                format!("{}: {action}", d.post.id.value)
            })
            .collect()
    }

    const AT_EIGHT: &str = "posts:\n  - id: approved\n    at: 2026-12-01T08:00:00Z\n    status: approved\n    channels: [m]\n    text: Hello\n  - id: draft\n    at: 2026-12-01T08:00:00Z\n    channels: [m]\n    text: Not yet approved\n";

    #[test]
    fn a_post_is_due_at_its_time_not_a_second_before() {
        // SPEC §4: due when `at <= now`.
        let (_dir, ws) = workspace(AT_EIGHT);
        assert!(actions(&ws, "2026-12-01T07:59:59Z").is_empty());
        assert_eq!(
            actions(&ws, "2026-12-01T08:00:00Z"),
            ["approved: publish", "draft: unapproved"]
        );
    }

    #[test]
    fn the_catch_up_window_includes_its_last_second() {
        // SPEC §4: still due while `now - at <= catch_up`, missed after.
        let (_dir, ws) = workspace(AT_EIGHT);
        assert_eq!(
            actions(&ws, "2026-12-01T10:00:00Z"),
            ["approved: publish", "draft: unapproved"]
        );
        assert_eq!(
            actions(&ws, "2026-12-01T10:00:01Z"),
            ["approved: missed"],
            "past the window: missed, and a draft's time is over unsaid"
        );
    }

    #[test]
    fn an_unknown_outcome_is_sent_again_only_when_the_user_says_so() {
        // SPEC §4: reported as unknown and not retried unless the user says
        // so (`publish --retry-unknown POST@CHANNEL`).
        let (_dir, ws) = workspace(AT_EIGHT);
        let ts = "2026-12-01T08:05:00Z".parse().unwrap();
        let ledger = LedgerState::from_records([
            Record::new(ts, "approved", "m", 0, Event::Attempt),
            Record::new(ts, "approved", "m", 0, Event::Unknown),
        ]);
        let now = "2026-12-01T08:30:00Z";
        let mut selection = Selection {
            posts: vec!["approved".to_owned()],
            ..Selection::default()
        };
        assert_eq!(
            actions_with(&ws, &ledger, now, &selection),
            ["approved: skip"]
        );
        selection
            .retry_unknown
            .insert(("approved".to_owned(), "m".to_owned()));
        assert_eq!(
            actions_with(&ws, &ledger, now, &selection),
            ["approved: publish"]
        );
    }
}
