//! `postcal todo`: what needs a person, soonest first — posts still in
//! draft or review that are due soon (so "not approved in time" is seen
//! before it happens), approved posts that will be held because they do not
//! validate, deliveries whose outcome is unknown or that failed, posts whose
//! time passed unapproved, and credentials about to expire.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::adapters::{Expiry, recorded_expiry};
use crate::calendar::{Post, Status, Workspace};
use crate::diagnostic::{Finding, Severity};
use crate::publish::ledger::LedgerState;
use crate::publish::status::{self, State};

/// What kind of attention an item needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The platform may or may not have it: look, then retry or mark it.
    Unknown,
    /// It failed for good: fix the cause, then retry it.
    Failed,
    /// Its time passed while it was a draft or in review.
    Unapproved,
    /// A draft due soon.
    Draft,
    /// In review, due soon.
    Review,
    /// Approved and due soon, but it does not validate: it will be held.
    Invalid,
    /// A channel's credentials run out soon.
    Credentials,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Unknown => "unknown",
            Kind::Failed => "failed",
            Kind::Unapproved => "unapproved",
            Kind::Draft => "draft",
            Kind::Review => "review",
            Kind::Invalid => "invalid",
            Kind::Credentials => "credentials",
        }
    }
}

/// One thing to do.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// When it must be done by (in the past: overdue).
    pub due: DateTime<Utc>,
    pub kind: Kind,
    pub post: Option<String>,
    pub channel: Option<String>,
    /// Whose it is: the post's owner (a channel's credentials are nobody's).
    pub owner: Option<String>,
    /// What is wrong, in a sentence.
    pub what: String,
    /// What to do about it.
    pub action: String,
}

/// Everything that needs a person at `now`, due within `days` (and
/// anything overdue the ledger or the last `days` show), soonest first.
pub fn todo(
    ws: &Workspace,
    ledger: &LedgerState,
    findings: &[Finding],
    now: DateTime<Utc>,
    days: Duration,
) -> Vec<Item> {
    let mut items = Vec::new();
    let owner_of = |id: &str| {
        ws.posts
            .iter()
            .find(|p| p.id.value == id)
            .and_then(|p| p.extra.as_deref())
            .and_then(|e| e.owner.clone())
    };
    for line in status::status(ws, ledger, now, days) {
        let (p, c) = (&line.post, &line.channel);
        let (kind, what, action) = match line.state {
            State::Unknown => (
                Kind::Unknown,
                format!("nobody knows whether {p} went out on {c}"),
                line.error.clone().unwrap_or_default(),
            ),
            State::Failed => (
                Kind::Failed,
                format!(
                    "{p} failed on {c}: {}",
                    line.error.as_deref().unwrap_or("no reason recorded")
                ),
                format!("fix the cause, then `postcal publish --retry {p}@{c}`"),
            ),
            State::Unapproved => (
                Kind::Unapproved,
                format!("{p} reached its time on {c} without approval and was not published"),
                "approve it and give it a new `at`, or set `status: cancelled`".to_owned(),
            ),
            _ => continue,
        };
        items.push(Item {
            due: line.at,
            kind,
            post: Some(p.clone()),
            channel: Some(c.clone()),
            owner: owner_of(p),
            what,
            action,
        });
    }
    let soon = |at: DateTime<Utc>| at > now && at <= now + days;
    for post in &ws.posts {
        // An occurrence whose wall time does not exist that day has no
        // time: it is due from the start of its day.
        let due = post.at.or_else(|| {
            let day = crate::publish::plan::occurrence_day(post)?;
            crate::schedule::resolve_wall(day.and_hms_opt(0, 0, 0)?, post.zone).ok()
        });
        if let Some(due) = due.filter(|d| soon(*d)) {
            items.extend(waiting(ws, post, due, findings));
        }
    }
    for channel in ws.config.channels.values() {
        if let Some(Expiry::At { at, renew, .. }) = recorded_expiry(channel)
            && at <= now + days.max(Duration::days(14))
        {
            let when = if at <= now { "ran out" } else { "run out" };
            items.push(Item {
                due: at,
                kind: Kind::Credentials,
                post: None,
                channel: Some(channel.name.clone()),
                owner: None,
                what: format!(
                    "the credentials of {} {when} on {}",
                    channel.name,
                    at.format("%Y-%m-%d")
                ),
                action: renew,
            });
        }
    }
    items.sort_by(|a, b| (a.due, &a.post, &a.channel).cmp(&(b.due, &b.post, &b.channel)));
    items
}

/// A post due soon that needs a person: still a draft or in review, or
/// approved but held back by a validation error.
fn waiting(ws: &Workspace, post: &Post, at: DateTime<Utc>, findings: &[Finding]) -> Option<Item> {
    let id = &post.id.value;
    let owner = post.extra.as_deref().and_then(|e| e.owner.clone());
    let approvers = |channel: &str| {
        ws.config
            .approval
            .for_channel(channel)
            .map(|list| list.join(", "))
    };
    let first_channel = post
        .channels
        .first()
        .map(|c| c.value.as_str())
        .unwrap_or("");
    let (kind, what, action) = match post.status {
        Status::Draft if ws.config.publish.require_approval => (
            Kind::Draft,
            format!("{id} is still a draft"),
            match approvers(first_channel) {
                Some(who) if !who.contains(',') => format!(
                    "finish it and have {who} approve it (`status: approved`, `approved_by: {who}`)"
                ),
                Some(who) => format!(
                    "finish it and have one of {who} approve it (`status: approved`, `approved_by: NAME`)"
                ),
                None => {
                    "finish it and approve it (`status: approved`, `approved_by: NAME`)".to_owned()
                }
            },
        ),
        Status::Review if ws.config.publish.require_approval => (
            Kind::Review,
            format!("{id} waits for review"),
            match approvers(first_channel) {
                Some(who) if !who.contains(',') => format!(
                    "review it; {who} approves it with `status: approved`, `approved_by: {who}`"
                ),
                Some(who) => format!(
                    "review it; one of {who} approves it with `status: approved`, `approved_by: NAME`"
                ),
                None => {
                    "review it; approve it with `status: approved`, `approved_by: NAME`".to_owned()
                }
            },
        ),
        Status::Approved | Status::Draft | Status::Review => {
            let error = post.channels.iter().find_map(|c| {
                findings.iter().find(|f| {
                    f.severity == Severity::Error && f.subject.holds(post.file, id, &c.value)
                })
            })?;
            (
                Kind::Invalid,
                format!("held back unless fixed: {}", error.message),
                "fix it (`postcal validate` says where and how)".to_owned(),
            )
        }
        Status::Cancelled | Status::Retracted => return None,
    };
    Some(Item {
        due: at,
        kind,
        post: Some(id.clone()),
        channel: None,
        owner,
        what,
        action,
    })
}
