//! `validate`: findings over a loaded workspace.

pub mod cost;
pub mod rules;
mod summary;

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::calendar::{Config, Post, Workspace};
use crate::delivery;
use crate::diagnostic::{Finding, Sources, Subject};
use rules::{Check, RuleSettings, Slot};

pub use summary::{PostSummary, normalized_hash};

/// Deliveries the ledger shows as published, as `(post, channel)`.
pub type PublishedSet = HashSet<(String, String)>;

/// What a rule over one file's posts sees. Nothing here depends on the
/// clock or the ledger, so its findings can be kept while the file does
/// not change.
pub struct Context<'a> {
    pub posts: &'a [Post],
    pub config: &'a Config,
    pub root: &'a Path,
}

/// What a rule across files sees.
pub struct CrossContext<'a> {
    pub summaries: &'a [PostSummary],
    pub config: &'a Config,
    pub sources: &'a Sources,
    pub now: DateTime<Utc>,
    pub published: &'a PublishedSet,
}

impl CrossContext<'_> {
    /// The name of the channel at `index` in postcal.yaml.
    pub fn channel_name(&self, index: u16) -> &str {
        self.config
            .channels
            .get_index(usize::from(index))
            .map_or("", |(name, _)| name.as_str())
    }
}

/// The subject of a finding about `post` on `channel`.
pub fn delivery(post: &str, channel: &str) -> Subject {
    Subject::Delivery {
        post: post.to_owned(),
        channel: channel.to_owned(),
    }
}

/// The rules as configured, and what is wrong with the `rules:` section.
pub fn settings(config: &Config) -> (RuleSettings, Vec<Finding>) {
    let mut findings = Vec::new();
    let settings = RuleSettings::resolve(&config.rules, config.file, &mut findings);
    (settings, findings)
}

/// What one calendar file's posts give: the findings of the rules that look
/// at one file, and a summary of each post for the rules across files.
#[derive(Debug, Clone, Default)]
pub struct FileResult {
    pub findings: Vec<Finding>,
    pub summaries: Vec<PostSummary>,
}

/// Run the per-file rules over `posts` (one file's, in order).
pub fn file_pass(
    posts: &[Post],
    config: &Config,
    root: &Path,
    settings: &RuleSettings,
) -> FileResult {
    let cx = Context {
        posts,
        config,
        root,
    };
    let rules = rules::enabled(settings);
    let mut out = FileResult::default();
    for (_, check, cfg) in &rules {
        if let Check::Posts(f) = check {
            f(&cx, cfg, &mut out.findings);
        }
    }
    let delivery_rules: Vec<_> = rules
        .iter()
        .filter_map(|(_, check, cfg)| match check {
            Check::Delivery(f) => Some((*f, cfg)),
            _ => None,
        })
        .collect();
    let index = |name: &str| config.channels.get_index_of(name);
    for post in posts {
        let deliveries = delivery::of_post(post, config);
        // A queued post is checked as it will read wherever it is placed.
        for d in deliveries.iter().chain(&delivery::unplaced(post, config)) {
            for (f, cfg) in &delivery_rules {
                f(&cx, cfg, d, &mut out.findings);
            }
        }
        out.summaries
            .push(PostSummary::of(post, &deliveries, index));
    }
    out
}

/// Run the rules across files that see only the calendar (not the clock,
/// not the ledger) over every post's summary.
pub fn cross_pass(cx: &CrossContext<'_>, settings: &RuleSettings) -> Vec<Finding> {
    use rayon::prelude::*;
    let rules = rules::enabled(settings);
    // Each rule (each channel's, for the schedule rules) on its own, in
    // parallel; their findings in rule order, then channel order.
    let (whole, schedules) = rayon::join(
        || {
            rules
                .par_iter()
                .map(|(_, check, cfg)| {
                    let mut out = Vec::new();
                    if let Check::Summaries(f) = check {
                        f(cx, cfg, cx.summaries, &mut out);
                    }
                    out
                })
                .collect::<Vec<_>>()
        },
        || schedules(cx.summaries),
    );
    let scheduled: Vec<Vec<Finding>> = rules
        .iter()
        .filter_map(|(_, check, cfg)| match check {
            Check::Schedule(f) => Some((f, cfg)),
            _ => None,
        })
        .flat_map(|(f, cfg)| schedules.iter().map(move |s| (f, cfg, s)))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(f, cfg, (channel, slots))| {
            let mut out = Vec::new();
            f(cx, cfg, cx.channel_name(*channel), slots, &mut out);
            out
        })
        .collect();
    whole.into_iter().chain(scheduled).flatten().collect()
}

/// Run the rules that depend on the run's time and the ledger.
pub fn clock_pass(cx: &CrossContext<'_>, settings: &RuleSettings) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (_, check, cfg) in &rules::enabled(settings) {
        if let Check::Clock(f) = check {
            f(cx, cfg, cx.summaries, &mut findings);
        }
    }
    findings
}

/// Each channel's slots in time order (then post id), channels in the
/// order of postcal.yaml; cancelled and retracted posts take no slot.
fn schedules(posts: &[PostSummary]) -> Vec<(u16, Vec<Slot>)> {
    let mut by_channel: foldhash::HashMap<u16, Vec<Slot>> = foldhash::HashMap::default();
    for (index, post) in posts.iter().enumerate() {
        let Some(at) = post.at.filter(|_| post.is_scheduled()) else {
            continue;
        };
        for d in &post.deliveries {
            by_channel.entry(d.channel).or_default().push(Slot {
                at,
                post: u32::try_from(index).unwrap_or(u32::MAX),
                text_hash: d.text_hash,
            });
        }
    }
    let mut out: Vec<(u16, Vec<Slot>)> = by_channel.into_iter().collect();
    out.sort_by_key(|(channel, _)| *channel);
    for (_, slots) in &mut out {
        // (The post's index last: a total order, so an unstable sort
        // gives every run the same order.)
        slots.sort_unstable_by(|a, b| {
            (a.at, &posts[a.post as usize].id, a.post).cmp(&(
                b.at,
                &posts[b.post as usize].id,
                b.post,
            ))
        });
    }
    out
}

/// Every finding for the workspace, sorted by file and position; a problem
/// reported for several deliveries at one place is reported once, about
/// everything it concerns.
pub fn validate(
    workspace: &Workspace,
    now: DateTime<Utc>,
    published: &PublishedSet,
) -> Vec<Finding> {
    let (settings, mut findings) = settings(&workspace.config);
    findings.extend(workspace.findings.iter().cloned());
    let files: Vec<&[Post]> = workspace.posts.chunk_by(|a, b| a.file == b.file).collect();
    let results: Vec<FileResult> = files
        .par_iter()
        .map(|posts| file_pass(posts, &workspace.config, &workspace.root, &settings))
        .collect();
    let mut summaries = Vec::with_capacity(workspace.posts.len());
    for r in results {
        findings.extend(r.findings);
        summaries.extend(r.summaries);
    }
    let cx = CrossContext {
        summaries: &summaries,
        config: &workspace.config,
        sources: &workspace.sources,
        now,
        published,
    };
    findings.extend(cross_pass(&cx, &settings));
    findings.extend(clock_pass(&cx, &settings));
    finish(findings)
}

/// Findings in file and position order, each problem once.
pub fn finish(mut findings: Vec<Finding>) -> Vec<Finding> {
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
    let series = |s: &Subject| match s {
        Post(p) | Delivery { post: p, .. } => Some(crate::diagnostic::series_of(p).to_owned()),
        _ => None,
    };
    match (a, b) {
        _ if a == b => a.clone(),
        // Occurrences of one series: the series (which holds each of them).
        _ if series(a).is_some()
            && series(a) == series(b)
            && subject_post(a) != subject_post(b) =>
        {
            Post(series(a).unwrap_or_default())
        }
        (Delivery { post: p, .. }, Delivery { post: q, .. }) if p == q => Post(p.clone()),
        (Post(p), Delivery { post: q, .. }) | (Delivery { post: q, .. }, Post(p)) if p == q => {
            Post(p.clone())
        }
        // Both in one calendar file: that file.
        _ if in_a_file(a) && in_a_file(b) => file.map_or(Subject::Workspace, Subject::File),
        _ => Subject::Workspace,
    }
}

fn subject_post(s: &Subject) -> Option<&str> {
    match s {
        Subject::Post(p) | Subject::Delivery { post: p, .. } => Some(p),
        _ => None,
    }
}

/// Whether findings about `s` point into a calendar file.
fn in_a_file(s: &Subject) -> bool {
    match s {
        Subject::Workspace | Subject::Channel(_) => false,
        Subject::File(_) | Subject::Entry(_) | Subject::Post(_) | Subject::Delivery { .. } => true,
    }
}
