//! What the ledger knows, per delivery (`postcal status`).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::ledger::{Event, LedgerState};
use super::plan::{NOT_APPROVED, publishable};
use crate::calendar::Status;
use crate::calendar::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Unknown,
    Failed,
    Missed,
    Unapproved,
    Upcoming,
    Published,
    Retracted,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Unknown => "unknown",
            State::Failed => "failed",
            State::Missed => "missed",
            State::Unapproved => "unapproved",
            State::Upcoming => "upcoming",
            State::Published => "published",
            State::Retracted => "retracted",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Line {
    pub post: String,
    pub channel: String,
    pub state: State,
    pub at: DateTime<Utc>,
    pub url: Option<String>,
    /// The error, or for unknown outcomes what to check.
    pub error: Option<String>,
}

/// Every delivery the ledger has a record of, those still to go out up to
/// `horizon`, and those that should have gone out within `horizon` before
/// now but did not (missed before any run, or not approved), in time order.
pub fn status(
    ws: &Workspace,
    ledger: &LedgerState,
    now: DateTime<Utc>,
    horizon: Duration,
) -> Vec<Line> {
    let mut lines = Vec::new();
    for post in &ws.posts {
        let Some(at) = post.at else { continue };
        for channel in post
            .channels
            .iter()
            .filter_map(|c| ws.config.channels.get(&c.value))
        {
            let (p, c) = (post.id.value.as_str(), channel.name.as_str());
            let parts: Vec<_> = ledger
                .parts
                .iter()
                .filter(|((pp, cc, _), _)| pp == p && cc == c)
                .collect();
            let first = ledger.part(p, c, 0);
            let unknown = parts.iter().find(|(_, s)| {
                s.last
                    .as_ref()
                    .is_some_and(|r| r.event == Event::Unknown || r.event == Event::Attempt)
            });
            let failed = parts
                .iter()
                .find(|(_, s)| s.last.as_ref().is_some_and(|r| r.event == Event::Failed));
            let line = |state: State, url: Option<String>, error: Option<String>| Line {
                post: p.to_owned(),
                channel: c.to_owned(),
                state,
                at,
                url,
                error,
            };
            let state = if let Some((_, s)) = unknown {
                let r = s.last.as_ref();
                let mut what = format!(
                    "look at {c} for this post; then `postcal publish --retry-unknown {p}@{c}` or `--mark-published {p}@{c} --url URL`"
                );
                if r.is_some_and(|r| r.event == Event::Attempt) {
                    what = format!(
                        "a request's outcome is not settled yet (the run stopped, or the platform's answer was unclear); the next publish looks it up or re-sends it safely where the platform allows, else reports it. {what}"
                    );
                }
                Some(line(State::Unknown, None, Some(what)))
            } else if let Some((_, s)) = failed {
                Some(line(
                    State::Failed,
                    None,
                    s.last.as_ref().and_then(|r| r.error.clone()),
                ))
            } else if let Some(missed) = ledger
                .missed
                .get(&(p.to_owned(), c.to_owned()))
                .filter(|m| m.part > 0 || first.is_none_or(|s| s.published.is_none()))
            {
                // Not posted, or a thread cut short: its first part's link,
                // and why the rest never went out.
                let url = first
                    .and_then(|s| s.published.as_ref())
                    .and_then(|r| r.url.clone());
                Some(line(State::Missed, url, missed.error.clone()))
            } else if let Some(published) = first.and_then(|s| s.published.as_ref()) {
                Some(line(State::Published, published.url.clone(), None))
            } else if first.is_some_and(|s| s.retracted) {
                Some(line(State::Retracted, None, None))
            } else {
                let window = post.catch_up().unwrap_or(ws.config.publish.catch_up);
                let approved = publishable(post.status, ws.config.publish.require_approval);
                let waiting = matches!(post.status, Status::Draft | Status::Review);
                let recent = at <= now && now - at <= horizon;
                let key = (p.to_owned(), c.to_owned());
                if !approved && waiting && (ledger.unapproved.contains(&key) || recent) {
                    Some(line(State::Unapproved, None, Some(NOT_APPROVED.to_owned())))
                } else if approved && at + window < now && recent && parts.is_empty() {
                    Some(line(
                        State::Missed,
                        None,
                        Some(
                            "its time passed beyond catch-up before any publish run posted it"
                                .to_owned(),
                        ),
                    ))
                } else {
                    let open = at + window >= now && at <= now + horizon;
                    (open && approved).then(|| line(State::Upcoming, None, None))
                }
            };
            lines.extend(state);
        }
    }
    lines.sort_by(|a, b| (a.at, &a.post, &a.channel).cmp(&(b.at, &b.post, &b.channel)));
    lines
}
