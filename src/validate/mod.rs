//! `validate`: findings over a loaded workspace.

pub mod rules;

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;

use chrono::{DateTime, Utc};

use crate::calendar::{Status, Workspace};
use crate::delivery;
use crate::diagnostic::{Finding, Subject};
use rules::{Check, RuleSettings, Slot};

/// Deliveries the ledger shows as published, as `(post, channel)`.
pub type PublishedSet = HashSet<(String, String)>;

/// What a rule sees.
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub now: DateTime<Utc>,
    pub published: &'a PublishedSet,
}

/// Every finding for the workspace, sorted by file and position; a problem
/// reported for several deliveries at one place is reported once, about
/// everything it concerns.
pub fn validate(
    workspace: &Workspace,
    now: DateTime<Utc>,
    published: &PublishedSet,
) -> Vec<Finding> {
    let cx = Context {
        workspace,
        now,
        published,
    };
    let mut findings = workspace.findings.clone();
    let settings = RuleSettings::resolve(
        &workspace.config.rules,
        workspace.config.file,
        &mut findings,
    );
    let rules = rules::enabled(&settings);
    for (_, check, cfg) in &rules {
        if let Check::Workspace(f) = check {
            f(&cx, cfg, &mut findings);
        }
    }
    let delivery_rules: Vec<_> = rules
        .iter()
        .filter_map(|(_, check, cfg)| match check {
            Check::Delivery(f) => Some((*f, cfg)),
            _ => None,
        })
        .collect();
    let mut schedules: HashMap<&str, Vec<Slot>> = HashMap::new();
    for (index, post) in workspace.posts.iter().enumerate() {
        for d in delivery::of_post(post, &workspace.config) {
            for (f, cfg) in &delivery_rules {
                f(&cx, cfg, &d, &mut findings);
            }
            if !matches!(post.status, Status::Cancelled | Status::Retracted) {
                schedules
                    .entry(d.channel.name.as_str())
                    .or_default()
                    .push(Slot {
                        at: d.at,
                        post: u32::try_from(index).unwrap_or(u32::MAX),
                        text_hash: normalized_hash(d.text()),
                    });
            }
        }
    }
    let posts = &workspace.posts;
    for slots in schedules.values_mut() {
        slots.sort_by(|a, b| {
            (a.at, &posts[a.post as usize].id.value).cmp(&(b.at, &posts[b.post as usize].id.value))
        });
    }
    let mut channels: Vec<_> = schedules.into_iter().collect();
    channels.sort_by(|a, b| a.0.cmp(b.0));
    for (_, check, cfg) in &rules {
        if let Check::Schedule(f) = check {
            for (channel, slots) in &channels {
                f(&cx, cfg, channel, slots, &mut findings);
            }
        }
    }
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    merge_repeats(findings)
}

/// One finding per place and message: the same problem met once per
/// delivery (a banned phrase in a text two channels share) is one finding
/// about what they have in common.
fn merge_repeats(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        match out.last_mut() {
            Some(last)
                if last.rule == f.rule
                    && last.file == f.file
                    && last.loc == f.loc
                    && last.message == f.message
                    && last.help == f.help =>
            {
                last.severity = last.severity.max(f.severity);
                last.subject = join(&last.subject, &f.subject, f.file);
            }
            _ => out.push(f),
        }
    }
    out
}

/// The narrowest subject that covers both `a` and `b` (so holding it back
/// holds back at least what either would): deliveries of one post are the
/// post; anything else in one file is that file.
fn join(a: &Subject, b: &Subject, file: Option<crate::diagnostic::FileId>) -> Subject {
    use Subject::{Delivery, Post};
    match (a, b) {
        _ if a == b => a.clone(),
        (Delivery { post: p, .. }, Delivery { post: q, .. }) if p == q => Post(p.clone()),
        (Post(p), Delivery { post: q, .. }) | (Delivery { post: q, .. }, Post(p)) if p == q => {
            Post(p.clone())
        }
        // Both in one calendar file: that file.
        _ if in_a_file(a) && in_a_file(b) => file.map_or(Subject::Workspace, Subject::File),
        _ => Subject::Workspace,
    }
}

/// Whether findings about `s` point into a calendar file.
fn in_a_file(s: &Subject) -> bool {
    match s {
        Subject::Workspace | Subject::Channel(_) => false,
        Subject::File(_) | Subject::Entry(_) | Subject::Post(_) | Subject::Delivery { .. } => true,
    }
}

/// A hash of `text` ignoring case and runs of whitespace, without allocating;
/// `None` for blank text.
fn normalized_hash(text: &str) -> Option<std::num::NonZeroU64> {
    if text.trim().is_empty() {
        return None;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for word in text.split_whitespace() {
        for c in word.chars().flat_map(char::to_lowercase) {
            h.write_u32(c as u32);
        }
        h.write_u8(b' ');
    }
    std::num::NonZeroU64::new(h.finish())
}
