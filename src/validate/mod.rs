//! `validate`: findings over a loaded workspace.

mod finding;
pub mod rules;

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;

use chrono::{DateTime, Utc};

pub use finding::{Finding, Severity, Tally};

use crate::calendar::{Status, Workspace};
use crate::delivery;
use rules::{Check, Slot};

/// Deliveries the ledger shows as published, as `(post, channel)`.
pub type PublishedSet = HashSet<(String, String)>;

/// What a rule sees.
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub now: DateTime<Utc>,
    pub published: &'a PublishedSet,
}

/// Every finding for the workspace, sorted by file and position.
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
    let rules = rules::enabled(&workspace.config.rules);
    let mut findings = workspace.findings.clone();
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
    });
    findings.dedup();
    findings
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

/// Which post a finding is about, by where posts start in their files.
pub struct PostIndex {
    starts: HashMap<crate::calendar::FileId, Vec<(u32, usize)>>,
}

impl PostIndex {
    pub fn new(ws: &Workspace) -> PostIndex {
        let mut starts: HashMap<crate::calendar::FileId, Vec<(u32, usize)>> = HashMap::new();
        for (i, post) in ws.posts.iter().enumerate() {
            starts
                .entry(post.file)
                .or_default()
                .push((post.loc.line, i));
        }
        for list in starts.values_mut() {
            list.sort_unstable();
        }
        PostIndex { starts }
    }

    /// The index of the post a finding points into; `None` for findings
    /// about a whole file (or postcal.yaml).
    pub fn owner(&self, f: &Finding) -> Option<usize> {
        let list = self.starts.get(&f.file?)?;
        list.iter()
            .rev()
            .find(|(line, _)| *line <= f.loc.line)
            .map(|(_, i)| *i)
    }
}

/// Apply `--strict`: warnings count as errors.
pub fn make_strict(findings: &mut [Finding]) {
    for f in findings {
        f.severity = Severity::Error;
    }
}
