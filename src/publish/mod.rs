//! `publish`: the plan (what each due delivery gets), the ledger, the lock,
//! and the engine that carries the plan out through the adapters.

pub mod coordinate;
pub mod engine;
pub mod identity;
pub mod ledger;
pub mod lock;
mod mark;
mod outcome;
pub mod plan;
pub mod status;
mod wanted;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::adapters::http::Timeouts;
use crate::calendar::Workspace;
use crate::diagnostic::{FileId, Finding, Severity, Subject};
use crate::index::Catalog;
use crate::secrets::EnvSource;
use engine::{Backoff, Engine};
use ledger::{Ledger, LedgerError};
use plan::Selection;

pub use mark::{Mark, mark_published};
pub use outcome::{DeliveryOutcome, OutcomeKind, Progress, Silent};

pub struct Options {
    pub dry_run: bool,
    pub selection: Selection,
    /// `publish.freeze` or `POSTCAL_FREEZE`.
    pub frozen: bool,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
    pub timeouts: Timeouts,
    pub backoff: Backoff,
    /// Where each HTTP request is reported (`-vv`).
    pub trace: Option<crate::adapters::http::Trace>,
    /// `--coordinate git`: claim through the git remote before sending.
    pub coordination: Option<coordinate::Coordination>,
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
            trace: None,
            coordination: None,
        }
    }
}

/// A run's result.
#[derive(Debug, Default)]
pub struct Report {
    pub frozen: bool,
    pub outcomes: Vec<DeliveryOutcome>,
    /// Calendar files that could not be read at all (and entries that are
    /// not posts): their posts are not in this run, which must not pass
    /// silently.
    pub broken_files: Vec<Finding>,
    /// Ledger lines that did not parse (a torn write).
    pub skipped_ledger_lines: Vec<usize>,
    /// The ledger could not be written: the run stopped starting requests.
    pub ledger_failure: Option<LedgerError>,
    /// `--coordinate git`: how often another runner moved the branch
    /// while this run claimed, and whether its outcomes reached the remote.
    pub races: usize,
    pub unpushed: Option<coordinate::CoordinationError>,
    /// Stored tokens of this run's channels, renewed in their last week
    /// before anything was sent (SPEC §5).
    pub renewals: Vec<crate::auth::Renewal>,
}

impl Report {
    /// Exit code 1: something failed, was newly missed, has an unknown
    /// outcome, or a calendar file could not be read.
    pub fn needs_attention(&self) -> bool {
        !self.broken_files.is_empty()
            || self.ledger_failure.is_some()
            || self.unpushed.is_some()
            || self.outcomes.iter().any(|o| o.kind.needs_attention())
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
    /// `--mark-published` cannot record what it was given.
    #[error("{0}")]
    Mark(String),
    #[error(transparent)]
    Coordination(#[from] coordinate::CoordinationError),
    /// `--coordinate git` fast-forwarded the checkout to the remote's
    /// branch: read the workspace again and run again.
    #[error("the checkout moved to the remote's branch")]
    Moved,
}

/// Errors that concern no post this run can act on: calendar files that did
/// not load at all (they have no posts), and entries that are not posts.
fn unloaded(files_with_posts: &HashSet<FileId>, errors: &[&Finding]) -> Vec<Finding> {
    errors
        .iter()
        .filter(|f| match f.subject {
            Subject::File(file) => !files_with_posts.contains(&file),
            Subject::Entry(_) => true,
            _ => false,
        })
        .map(|f| (*f).clone())
        .collect()
}

/// What a run goes ahead with: its errors, the lock and the ledger.
struct Go<'f> {
    errors: Vec<&'f Finding>,
    lock: Option<lock::WorkspaceLock>,
    state: ledger::LedgerState,
}

fn ready<'f>(
    root: &std::path::Path,
    config_file: FileId,
    findings: &'f [Finding],
    options: &Options,
) -> Result<Result<Go<'f>, Report>, PublishError> {
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let config_errors: Vec<Finding> = errors
        .iter()
        .filter(|f| f.file == Some(config_file))
        .map(|f| (*f).clone())
        .collect();
    if !config_errors.is_empty() {
        return Err(PublishError::Config {
            findings: config_errors,
        });
    }
    let coordinating = options.coordination.is_some() && !options.dry_run;
    if options.frozen && !coordinating {
        return Ok(Err(Report {
            frozen: true,
            ..Report::default()
        }));
    }
    // Take the lock before reading the ledger, so no other run writes it in between.
    let lock = if options.dry_run {
        None
    } else {
        Some(lock::acquire(root, options.lock_wait)?)
    };
    // Coordinating: plan from the remote's calendar and ledger, never from
    // a checkout that lags behind them (a freeze lifted there included).
    if coordinating && coordinate::sync(root)? {
        return Err(PublishError::Moved);
    }
    if options.frozen {
        return Ok(Err(Report {
            frozen: true,
            ..Report::default()
        }));
    }
    let state = ledger::read(root)?;
    Ok(Ok(Go {
        errors,
        lock,
        state,
    }))
}

/// Publish every due delivery of `ws`. `findings` are the workspace's
/// validation findings: what an error is about is held back.
pub fn publish(
    ws: &Workspace,
    findings: &[Finding],
    now: DateTime<Utc>,
    options: &Options,
    env: &dyn EnvSource,
    progress: &dyn Progress,
) -> Result<Report, PublishError> {
    let Go {
        errors,
        lock,
        state,
    } = match ready(&ws.root, ws.config.file, findings, options)? {
        Ok(go) => go,
        Err(frozen) => return Ok(frozen),
    };
    let files_with_posts = ws.posts.iter().map(|p| p.file).collect();
    // Queued posts take their slots (those the ledger fixes first).
    let placed;
    let ws = if ws.config.queues.is_empty() {
        ws
    } else {
        let mut copy = ws.clone();
        crate::queue::place(&mut copy, None, &state.known(), now);
        placed = copy;
        &placed
    };
    let run = Run {
        ws,
        errors: &errors,
        files_with_posts: &files_with_posts,
        state: &state,
    };
    let report = run.execute(now, options, env, progress);
    drop(lock);
    report
}

/// Publish every due delivery of the workspace `catalog` describes, reading
/// (parsing) only the calendar files a post of this run is in.
pub fn publish_catalog(
    catalog: &mut Catalog,
    now: DateTime<Utc>,
    options: &Options,
    env: &dyn EnvSource,
    progress: &dyn Progress,
) -> Result<Report, PublishError> {
    // Only errors keep a post back; the ledger matters to validation only
    // for past-post warnings, so it is read once, under the lock.
    let findings = catalog.findings(now, &crate::validate::PublishedSet::new());
    let Go {
        errors,
        lock,
        state,
    } = match ready(&catalog.root, catalog.config.file, &findings, options)? {
        Ok(go) => go,
        Err(frozen) => return Ok(frozen),
    };
    let wanted = if catalog.mode == crate::index::Mode::Off {
        // Without the index: every file, as a run always did.
        (0..catalog.sources.len())
            .map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX)))
            .filter(|f| *f != catalog.config.file)
            .collect()
    } else {
        // Files whose posts are all still to come have nothing for this run
        // (unless one is retracted, or has no readable time).
        let now_micros = now.timestamp_micros();
        let candidates = catalog.summaries_where(|t| {
            t.retracted || t.timeless || t.earliest.is_some_and(|e| e <= now_micros)
        });
        wanted::wanted_files(
            &candidates,
            &state,
            now,
            &catalog.config,
            &options.selection,
        )
    };
    let mut ws = catalog.workspace(&wanted);
    if !ws.config.queues.is_empty() {
        let taken = dated_deliveries(catalog, now);
        crate::queue::place(&mut ws, Some(&taken), &state.known(), now);
    }
    let files_with_posts = catalog.files_with_posts();
    let run = Run {
        ws: &ws,
        errors: &errors,
        files_with_posts: &files_with_posts,
        state: &state,
    };
    let report = run.execute(now, options, env, progress);
    drop(lock);
    report
}

/// One run over a workspace (or the part of it the run needs).
struct Run<'a> {
    ws: &'a Workspace,
    errors: &'a [&'a Finding],
    files_with_posts: &'a HashSet<FileId>,
    state: &'a ledger::LedgerState,
}

impl Run<'_> {
    fn execute(
        &self,
        now: DateTime<Utc>,
        options: &Options,
        env: &dyn EnvSource,
        progress: &dyn Progress,
    ) -> Result<Report, PublishError> {
        let (ws, errors, state) = (self.ws, self.errors, self.state);
        let mut decisions = plan::plan(ws, state, now, &options.selection, errors);
        let mut report = Report {
            broken_files: unloaded(self.files_with_posts, errors),
            skipped_ledger_lines: state.skipped_lines.clone(),
            ..Report::default()
        };
        // With something to send, the claims go to the remote first (and
        // the plan is made again from what the remote knows).
        let coordinated = match &options.coordination {
            Some(c)
                if !options.dry_run
                    && decisions
                        .iter()
                        .any(|d| matches!(d.action, plan::Action::Publish(_))) =>
            {
                let git = coordinate::GitRemote::open(&ws.root)?;
                let (again, races) = self.claim(&git, c, now, options)?;
                decisions = again;
                report.races = races;
                Some(git)
            }
            _ => None,
        };
        report.outcomes = decisions
            .iter()
            .filter(|d| options.dry_run || !d.is_executed())
            .filter_map(|d| d.unexecuted(now))
            .collect();
        if options.dry_run {
            // What a real run could not even start: its channel's
            // credentials are missing or wrong (nothing is sent to check).
            let mut cannot: HashMap<&str, Option<String>> = HashMap::new();
            for o in report.outcomes.iter_mut().filter(|o| {
                matches!(
                    o.kind,
                    OutcomeKind::WouldPublish | OutcomeKind::WouldRetract
                )
            }) {
                let why = cannot.entry(o.channel.as_str()).or_insert_with(|| {
                    let channel = ws.config.channels.get(o.channel.as_str())?;
                    crate::adapters::for_channel(&ws.root, channel, env, options.timeouts, now)
                        .err()
                        .map(|e| e.message)
                        .or_else(|| crate::auth::ran_out(&ws.root, channel, env, now))
                });
                if let Some(why) = why {
                    o.error = Some(format!("but a real run cannot start {}: {why}", o.channel));
                }
            }
        }
        if !options.dry_run {
            report.renewals = renew_tokens(&ws.root, &decisions, now, options, env);
            progress.start(decisions.iter().filter(|d| d.is_executed()).count());
            let engine = Engine {
                root: &ws.root,
                media_base: ws.config.media_base.as_ref(),
                now,
                env,
                timeouts: options.timeouts,
                trace: options.trace.clone(),
                backoff: options.backoff,
                ledger: Mutex::new(Ledger::open(&ws.root)?),
                progress,
                stopped: Default::default(),
                failure: Mutex::new(None),
                claims_end: options.coordination.as_ref().and_then(|c| {
                    // A minute's margin for the request itself.
                    let hold = (c.claim_for - chrono::Duration::minutes(1)).to_std().ok()?;
                    Some(std::time::Instant::now() + hold)
                }),
            };
            report.outcomes.extend(engine.run(decisions));
            report.ledger_failure = engine.take_failure();
        }
        if let Some(git) = &coordinated {
            report.unpushed = coordinate::push_outcomes(git, &ws.root).err();
        }
        report
            .outcomes
            .sort_by(|a, b| (a.at, &a.post, &a.channel).cmp(&(b.at, &b.post, &b.channel)));
        Ok(report)
    }
}

/// Renew the stored tokens that run out within a week of the channels this
/// run sends to (or deletes from), under the lock the run holds. A store
/// that cannot be opened is said once per channel; the deliveries then
/// fail on their credential, each with its reason. Coordinated runs leave
/// renewal to `auth refresh` (the weekly job): a renewed store would be a
/// change of the checkout's own, which their next sync refuses.
fn renew_tokens(
    root: &std::path::Path,
    decisions: &[plan::Decision<'_>],
    now: DateTime<Utc>,
    options: &Options,
    env: &dyn EnvSource,
) -> Vec<crate::auth::Renewal> {
    if options.coordination.is_some() {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let channels: Vec<_> = decisions
        .iter()
        .filter(|d| {
            matches!(
                d.action,
                plan::Action::Publish(_) | plan::Action::Retract { .. }
            )
        })
        .filter(|d| seen.insert(d.channel.name.as_str()))
        .filter_map(|d| crate::auth::renewable(d.channel))
        .collect();
    crate::auth::renew(root, &channels, env, options.timeouts, now, false).unwrap_or_else(|e| {
        channels
            .iter()
            .map(|r| crate::auth::Renewal {
                channel: r.channel.name.clone(),
                name: r.name.to_owned(),
                outcome: crate::auth::RenewalOutcome::Failed {
                    reason: format!("{e} ({})", e.help()),
                    until: None,
                },
            })
            .collect()
    })
}

impl<'a> Run<'a> {
    /// Push this run's claims: fetch the branch, make the ledger what both
    /// know, plan again, and push the claims as a commit of the branch's
    /// head; when another runner moved it first, all of that again. The
    /// decisions to carry out, and how many races were lost on the way.
    fn claim(
        &self,
        git: &coordinate::GitRemote,
        c: &coordinate::Coordination,
        now: DateTime<Utc>,
        options: &Options,
    ) -> Result<(Vec<plan::Decision<'a>>, usize), PublishError> {
        let mut races = 0;
        loop {
            let seen = git.fetch()?;
            // What this run read is the calendar it may send from.
            if !git.same_calendar(&seen.head) {
                return Err(coordinate::CoordinationError::Moved.into());
            }
            let both = coordinate::merge_into_local(&self.ws.root, &seen.ledger)?;
            let state = ledger::read(&self.ws.root)?;
            let decisions = plan::plan(self.ws, &state, now, &options.selection, self.errors);
            let claims = coordinate::claims(&decisions, c, now);
            if claims.is_empty() {
                return Ok((decisions, races));
            }
            let text = both + &coordinate::lines(&claims);
            let message = format!("postcal: {} claim(s) by {}", claims.len(), c.runner);
            match git.push(&seen.head, &text, &message)? {
                coordinate::Pushed::Done(_) => {
                    let mut local = Ledger::open(&self.ws.root)?;
                    for r in &claims {
                        local.append(r)?;
                    }
                    return Ok((decisions, races));
                }
                coordinate::Pushed::Raced if races < coordinate::MAX_RACES => races += 1,
                coordinate::Pushed::Raced => {
                    return Err(coordinate::CoordinationError::Busy(races + 1).into());
                }
            }
        }
    }
}

/// The dated deliveries from a day before `now` to the horizon, as
/// (channel, time), from the summaries: the slots a queue must leave alone.
pub fn dated_deliveries(catalog: &Catalog, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
    let from = (now - chrono::Duration::days(1)).timestamp_micros();
    let config = &catalog.config;
    catalog
        .summaries_where(|t| t.latest.is_some_and(|l| l >= from))
        .iter()
        .filter_map(|s| Some((s, s.at?)))
        .flat_map(|(s, at)| {
            s.deliveries.iter().filter_map(move |d| {
                let (name, _) = config.channels.get_index(usize::from(d.channel))?;
                Some((name.clone(), at))
            })
        })
        .collect()
}
