//! `publish`: due selection, the ledger, the lock, and the engine that posts
//! through the adapters (SPEC §4).

pub mod engine;
pub mod identity;
pub mod ledger;
pub mod lock;
pub mod plan;
pub mod status;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::adapters::http::Timeouts;
use crate::calendar::Workspace;
use crate::delivery::Delivery;
use crate::secrets::EnvSource;
use crate::validate::{Finding, Severity};
use engine::{Backoff, Engine};
use ledger::{Event, Ledger, LedgerError, Record};
use plan::{Action, Selection};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    Published,
    WouldPublish,
    WouldRetract,
    Failed,
    Missed,
    Unknown,
    Retracted,
    Skipped,
}

impl OutcomeKind {
    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Published => "published",
            OutcomeKind::WouldPublish => "would-publish",
            OutcomeKind::WouldRetract => "would-retract",
            OutcomeKind::Failed => "failed",
            OutcomeKind::Missed => "missed",
            OutcomeKind::Unknown => "unknown",
            OutcomeKind::Retracted => "retracted",
            OutcomeKind::Skipped => "skipped",
        }
    }
}

/// What happened to one delivery in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub post: String,
    pub channel: String,
    pub at: DateTime<Utc>,
    pub kind: OutcomeKind,
    pub url: Option<String>,
    pub error: Option<String>,
    /// A skip a person must hear about every run (a retraction the platform
    /// cannot do), unlike skips that merely repeat (a blackout, a failure
    /// already reported).
    pub loud: bool,
}

impl Outcome {
    pub fn of(d: &Delivery<'_>, kind: OutcomeKind) -> Outcome {
        Outcome {
            post: d.post.id.value.clone(),
            channel: d.channel.name.clone(),
            at: d.at,
            kind,
            url: None,
            error: None,
            loud: false,
        }
    }

    pub fn with_url(mut self, url: Option<String>) -> Outcome {
        self.url = url;
        self
    }

    pub fn with_error(mut self, error: &str) -> Outcome {
        self.error = Some(error.to_owned());
        self
    }
}

/// Told about each delivery as it is done (a progress bar, say).
pub trait Progress: Sync {
    fn start(&self, _total: usize) {}
    fn done(&self, _outcome: &Outcome) {}
}

/// No progress reporting.
pub struct Silent;
impl Progress for Silent {}

pub struct Options {
    pub dry_run: bool,
    pub selection: Selection,
    /// `publish.freeze` or `POSTCAL_FREEZE=1`.
    pub frozen: bool,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
    pub timeouts: Timeouts,
    pub backoff: Backoff,
}

impl Options {
    pub fn new(max_wait: Duration) -> Options {
        Options {
            dry_run: false,
            selection: Selection::default(),
            frozen: false,
            lock_wait: Duration::ZERO,
            timeouts: Timeouts::default(),
            backoff: Backoff {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(30),
                max_wait,
            },
        }
    }
}

/// A run's result.
#[derive(Debug, Default)]
pub struct Report {
    pub frozen: bool,
    pub outcomes: Vec<Outcome>,
    /// Calendar files that could not be read at all: their posts are not
    /// in this run, which must not pass silently.
    pub broken_files: Vec<Finding>,
    /// Ledger lines that did not parse (a torn write).
    pub skipped_ledger_lines: Vec<usize>,
}

impl Report {
    /// Exit code 1: something failed, was newly missed, has an unknown
    /// outcome, or a calendar file could not be read.
    pub fn needs_attention(&self) -> bool {
        !self.broken_files.is_empty()
            || self.outcomes.iter().any(|o| {
                matches!(
                    o.kind,
                    OutcomeKind::Failed | OutcomeKind::Missed | OutcomeKind::Unknown
                )
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("postcal.yaml has errors; nothing was published")]
    Config { findings: Vec<Finding> },
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// The errors that keep each post out of a run, by post index; file-level
/// errors (the file did not load) apart.
fn errors_by_post(
    ws: &Workspace,
    findings: &[Finding],
) -> (HashMap<usize, Vec<Finding>>, Vec<Finding>) {
    let index = crate::validate::PostIndex::new(ws);
    let mut by_post: HashMap<usize, Vec<Finding>> = HashMap::new();
    let mut files = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        match index.owner(f) {
            Some(i) => by_post.entry(i).or_default().push(f.clone()),
            None => files.push(f.clone()),
        }
    }
    (by_post, files)
}

/// Publish every due delivery of `ws` (SPEC §4). `findings` are the
/// workspace's validation findings: posts with errors are not published.
pub fn publish(
    ws: &Workspace,
    findings: &[Finding],
    now: DateTime<Utc>,
    options: &Options,
    env: &dyn EnvSource,
    progress: &dyn Progress,
) -> Result<Report, PublishError> {
    let config_errors: Vec<Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.file == Some(ws.config.file))
        .cloned()
        .collect();
    if !config_errors.is_empty() {
        return Err(PublishError::Config {
            findings: config_errors,
        });
    }
    if options.frozen {
        return Ok(Report {
            frozen: true,
            ..Report::default()
        });
    }
    // Take the lock before reading the ledger, so no other run writes it in between.
    let _lock = if options.dry_run {
        None
    } else {
        Some(lock::acquire(&ws.root, options.lock_wait)?)
    };
    let state = ledger::read(&ws.root)?;
    let (invalid, broken_files) = errors_by_post(ws, findings);
    let mut report = Report {
        broken_files,
        skipped_ledger_lines: state.skipped_lines.clone(),
        ..Report::default()
    };
    // An approved post whose time cannot be read is never due: say so every
    // run rather than drop it silently.
    for post in ws.posts.iter().filter(|p| {
        p.at.is_none() && plan::publishable(p.status, ws.config.publish.require_approval)
    }) {
        if !options.selection.posts.is_empty() && !options.selection.posts.contains(&post.id.value)
        {
            continue;
        }
        for channel in post
            .channels
            .iter()
            .filter(|c| ws.config.channels.contains_key(&c.value))
        {
            report.outcomes.push(Outcome {
                post: post.id.value.clone(),
                channel: channel.value.clone(),
                at: now,
                kind: OutcomeKind::Failed,
                url: None,
                error: Some(format!(
                    "not published: its `at` ({}:{}) is not a valid time; run `postcal validate`",
                    ws.sources.path(post.file),
                    post.at_loc.line
                )),
                loud: false,
            });
        }
    }
    let items = plan::plan(ws, &state, now, &options.selection);
    let mut ledger = if options.dry_run {
        None
    } else {
        Some(Ledger::open(&ws.root)?)
    };
    let mut to_run = Vec::new();
    for item in items {
        let d = &item.delivery;
        let errors = ws
            .posts
            .iter()
            .position(|p| std::ptr::eq(p, d.post))
            .and_then(|i| invalid.get(&i));
        match (&item.action, errors) {
            (Action::Publish { .. }, Some(errors)) => {
                let first = &errors[0];
                let place = first
                    .file
                    .map(|f| format!("{}:{}: ", ws.sources.path(f), first.loc.line))
                    .unwrap_or_default();
                report
                    .outcomes
                    .push(Outcome::of(d, OutcomeKind::Failed).with_error(&format!(
                    "not published: the post does not validate ({place}{}); run `postcal validate`",
                    first.message
                )));
            }
            (Action::Missed, _) => {
                if let Some(ledger) = ledger.as_mut() {
                    let mut r =
                        Record::new(now, &d.post.id.value, &d.channel.name, 0, Event::Missed);
                    r.error = Some(format!("not published within catch-up of {}", d.at));
                    ledger.append(&r)?;
                }
                report.outcomes.push(
                    Outcome::of(d, OutcomeKind::Missed)
                        .with_error("its time passed beyond catch-up; it was not posted"),
                );
            }
            (
                Action::Skip {
                    reason,
                    needs_human,
                },
                _,
            ) => {
                let kind = if *needs_human {
                    OutcomeKind::Unknown
                } else {
                    OutcomeKind::Skipped
                };
                report
                    .outcomes
                    .push(Outcome::of(d, kind).with_error(reason));
            }
            (Action::Publish { .. }, None) if options.dry_run => report
                .outcomes
                .push(Outcome::of(d, OutcomeKind::WouldPublish)),
            (Action::Retract { .. }, _) if options.dry_run => report
                .outcomes
                .push(Outcome::of(d, OutcomeKind::WouldRetract)),
            _ => to_run.push(item),
        }
    }
    let sort = |outcomes: &mut Vec<Outcome>| {
        outcomes.sort_by(|a, b| (a.at, &a.post, &a.channel).cmp(&(b.at, &b.post, &b.channel)))
    };
    let Some(ledger) = ledger else {
        sort(&mut report.outcomes);
        return Ok(report);
    };
    progress.start(to_run.len());
    let engine = Engine {
        root: &ws.root,
        now,
        env,
        timeouts: options.timeouts,
        backoff: options.backoff,
        ledger: Mutex::new(ledger),
        progress,
    };
    let outcomes = engine.run(to_run).map_err(|e| e.0)?;
    report.outcomes.extend(outcomes);
    sort(&mut report.outcomes);
    Ok(report)
}

/// Record a delivery whose outcome was unknown as published, by hand
/// (`publish --mark-published POST@CHANNEL --url URL`).
pub fn mark_published(
    ws: &Workspace,
    post: &str,
    channel: &str,
    url: Option<&str>,
    now: DateTime<Utc>,
    lock_wait: Duration,
) -> Result<usize, PublishError> {
    let _lock = lock::acquire(&ws.root, lock_wait)?;
    let state = ledger::read(&ws.root)?;
    let parts: HashSet<u32> = state
        .parts
        .iter()
        .filter(|((p, c, _), s)| p == post && c == channel && s.published.is_none())
        .map(|((_, _, part), _)| *part)
        .collect();
    let mut ledger = Ledger::open(&ws.root)?;
    let mut parts: Vec<u32> = parts.into_iter().collect();
    parts.sort_unstable();
    for part in &parts {
        let mut r = Record::new(now, post, channel, *part, Event::Published);
        r.url = url.map(str::to_owned).filter(|_| *part == 0);
        r.remote_id = r.url.clone();
        r.error = Some("recorded as published by hand".to_owned());
        ledger.append(&r)?;
    }
    Ok(parts.len())
}
