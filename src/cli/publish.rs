//! `postcal publish`

use std::time::Duration;

use clap::ValueEnum;
use serde::Serialize;

use super::{CliError, Env, Outcome};
use crate::output::diagnostics;
use crate::publish::{self, OutcomeKind, PublishError, plan::Selection};
use crate::secrets::EnvSource as _;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Show what would happen: send nothing, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only these channels (repeatable).
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    /// Only these posts (repeatable).
    #[arg(long, value_name = "ID")]
    pub post: Vec<String>,
    /// Send again a delivery that failed permanently (repeatable).
    #[arg(long, value_name = "POST@CHANNEL", value_parser = parse_delivery)]
    pub retry: Vec<(String, String)>,
    /// Send again a delivery whose earlier outcome is unknown, after checking
    /// it is not on the channel (repeatable).
    #[arg(long, value_name = "POST@CHANNEL", value_parser = parse_delivery)]
    pub retry_unknown: Vec<(String, String)>,
    /// Record a delivery whose outcome was unknown as published (it is on the
    /// channel), with its address (--url) or id (--remote-id); nothing is sent.
    #[arg(long, value_name = "POST@CHANNEL", value_parser = parse_delivery)]
    pub mark_published: Option<(String, String)>,
    /// The post's address, with --mark-published; for a thread, one per part
    /// still to record, in order. postcal reads the platform's id from it.
    #[arg(long, value_name = "URL", requires = "mark_published")]
    pub url: Vec<String>,
    /// The platform's id of the post, with --mark-published, when there is
    /// no address to give.
    #[arg(long, value_name = "ID", requires = "mark_published")]
    pub remote_id: Option<String>,
    /// Wait this long for another publish to finish instead of exiting 75 (e.g. 30s).
    #[arg(long, value_name = "DURATION", value_parser = parse_wait)]
    pub wait: Option<Duration>,
    /// Coordinate with runners on other machines through the git remote:
    /// claims are pushed before anything is sent (also `publish.coordination: git`).
    #[arg(long, value_enum, value_name = "HOW")]
    pub coordinate: Option<Coordinate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PublishFormat::Human)]
    pub format: PublishFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Coordinate {
    /// Through the git remote (`origin`, the checked-out branch).
    Git,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PublishFormat {
    Human,
    Json,
}

fn parse_delivery(s: &str) -> Result<(String, String), String> {
    s.split_once('@')
        .filter(|(p, c)| !p.is_empty() && !c.is_empty())
        .map(|(p, c)| (p.to_owned(), c.to_owned()))
        .ok_or_else(|| format!("`{s}` is not POST@CHANNEL"))
}

/// The crisis switch `POSTCAL_FREEZE`: `1`, `true`, `yes`, `on` (any case)
/// freeze; `0`, `false`, `no`, `off` or empty do not; anything else is a
/// mistake that must not publish.
fn frozen_by_env(value: Option<String>) -> Result<bool, CliError> {
    let Some(value) = value else { return Ok(false) };
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(CliError::Usage {
            message: format!("POSTCAL_FREEZE is `{value}`, which is neither on nor off; nothing was published"),
            help: Some("set it to 1, true, yes or on to freeze publishing, or 0, false, no, off or empty to publish".to_owned()),
        }),
    }
}

/// This run's name in its claims: `POSTCAL_RUNNER`, else the host, the
/// process and a random suffix (two runs never share one).
fn runner_id(env: &Env) -> String {
    if let Some(name) = env.var("POSTCAL_RUNNER").filter(|n| !n.trim().is_empty()) {
        return format!("{}-{:04x}", name.trim(), fastrand::u16(..));
    }
    let host = env
        .var("HOSTNAME")
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "runner".to_owned());
    format!("{host}-{}-{:04x}", std::process::id(), fastrand::u16(..))
}

fn parse_wait(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e}; write e.g. 30s or 5m"))
}

#[derive(Serialize)]
struct JsonOutcome<'a> {
    post: &'a str,
    channel: &'a str,
    at: String,
    outcome: &'a str,
    url: Option<&'a str>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    deliveries: Vec<JsonOutcome<'a>>,
}

pub fn run(args: PublishArgs, env: &Env) -> Result<Outcome, CliError> {
    let wait = args.wait.unwrap_or(Duration::ZERO);
    if let Some((post, channel)) = &args.mark_published {
        let ws = env.load()?;
        let mark = publish::Mark {
            post: post.clone(),
            channel: channel.clone(),
            urls: args.url.clone(),
            remote_id: args.remote_id.clone(),
        };
        let n = publish::mark_published(&ws, &mark, env.now, wait).map_err(publish_error)?;
        env.printer.note(&format!(
            "recorded {post}@{channel} as published ({n} part(s))"
        ));
        // Coordinating, the other runners must see it before they settle.
        if args.coordinate == Some(Coordinate::Git) || ws.config.publish.coordinate_git {
            let pushed = publish::coordinate::GitRemote::open(&ws.root)
                .and_then(|git| publish::coordinate::push_outcomes(&git, &ws.root));
            if let Err(e) = pushed {
                env.printer.error_line(
                    &format!("recorded, but not pushed: {e}"),
                    Some(
                        "the next coordinated run pushes it; until then other runners do not know",
                    ),
                );
                return Ok(Outcome::Failure);
            }
        }
        return Ok(Outcome::Success);
    }
    // A dry run writes nothing, not even the index.
    let mode = if args.dry_run {
        crate::index::Mode::ReadOnly
    } else {
        crate::index::Mode::Use
    };
    let mut catalog = env.catalog(mode)?;
    let mut options = publish::Options::new(
        catalog
            .config
            .publish
            .max_wait
            .to_std()
            .unwrap_or(Duration::from_secs(60)),
    );
    options.dry_run = args.dry_run;
    options.trace = env.printer.trace();
    options.lock_wait = wait;
    options.frozen = catalog.config.publish.freeze || frozen_by_env(env.var("POSTCAL_FREEZE"))?;
    options.selection = Selection {
        channels: args.channel.clone(),
        posts: args.post.clone(),
        retry: args.retry.iter().cloned().collect(),
        retry_unknown: args.retry_unknown.iter().cloned().collect(),
        runner: None,
    };
    if args.coordinate == Some(Coordinate::Git) || catalog.config.publish.coordinate_git {
        let runner = runner_id(env);
        options.selection.runner = Some(runner.clone());
        options.coordination = Some(publish::coordinate::Coordination {
            runner,
            claim_for: catalog.config.publish.claim_for,
        });
    }
    let progress = super::progress::Bar::new(&env.printer);
    let mut result = publish::publish_catalog(&mut catalog, env.now, &options, env, &progress);
    // Coordinating, the checkout was brought to the remote's branch: the
    // calendar is read again before anything is planned.
    for _ in 0..3 {
        if !matches!(result, Err(PublishError::Moved)) {
            break;
        }
        catalog = env.catalog(mode)?;
        options.frozen = catalog.config.publish.freeze || frozen_by_env(env.var("POSTCAL_FREEZE"))?;
        result = publish::publish_catalog(&mut catalog, env.now, &options, env, &progress);
    }
    env.save(&mut catalog);
    let ws = &catalog;
    let report = match result {
        Ok(r) => r,
        Err(PublishError::Config { findings }) => {
            env.printer.err(&diagnostics::human(
                &findings,
                &ws.sources,
                env.printer.color_err(),
            ));
            return Err(CliError::Usage {
                message: "postcal.yaml has errors; nothing was published".to_owned(),
                help: Some("fix them (`postcal validate` lists them) and run again".to_owned()),
            });
        }
        Err(PublishError::Coordination(e)) => {
            if let publish::coordinate::CoordinationError::Setup(_) = e {
                return Err(CliError::Usage {
                    message: e.to_string(),
                    help: Some(e.help().to_owned()),
                });
            }
            env.printer
                .error_line(&format!("{e}; nothing was sent"), Some(e.help()));
            return Err(CliError::Reported(1));
        }
        Err(PublishError::Moved) => {
            env.printer.error_line(
                "the calendar kept changing on the remote while this run started; nothing was sent",
                Some("the next run tries again"),
            );
            return Err(CliError::Reported(1));
        }
        Err(e) => return Err(publish_error(e)),
    };
    progress.finish();
    if report.races > 0 {
        env.printer.debug(&format!(
            "another runner moved the branch {} time(s) while this run claimed; it claimed again",
            report.races
        ));
    }
    if let Some(e) = &report.unpushed {
        env.printer.error_line(
            &format!("the outcomes were published but not pushed: {e}"),
            Some("they are in the local ledger and the next run pushes them; until then other runners leave this run's claims alone, and once those run out they settle them (a look-up, else unknown)"),
        );
    }
    if !report.broken_files.is_empty() {
        env.printer.err(&diagnostics::human(
            &report.broken_files,
            &ws.sources,
            env.printer.color_err(),
        ));
        env.printer.error_line(
            "some calendar files could not be read: their posts were not considered",
            Some("run `postcal validate`"),
        );
    }
    if !report.skipped_ledger_lines.is_empty() {
        env.printer.debug(&format!(
            "ledger lines {:?} were cut short (a write torn by a crash) and were ignored",
            report.skipped_ledger_lines
        ));
    }
    // A renewal is said once (every ~53 days); a failed one every run
    // until it works, since the token runs out a week later.
    let renewals = super::auth::say_renewals(&report.renewals, env, false);
    if let Some(e) = &report.ledger_failure {
        env.printer.error_line(
            &with_causes(e),
            Some("no new request was started after it; free the disk (or fix the permissions) and run again: the next run settles what this one left open"),
        );
    }
    let zone = ws.config.timezone;
    match args.format {
        PublishFormat::Json => {
            let doc = JsonReport {
                deliveries: report
                    .outcomes
                    .iter()
                    .map(|o| JsonOutcome {
                        post: &o.post,
                        channel: &o.channel,
                        at: o.at.with_timezone(&zone).to_rfc3339(),
                        outcome: o.kind.name(),
                        url: o.url.as_deref(),
                        error: o.error.as_deref(),
                    })
                    .collect(),
            };
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            env.printer.out(&s)?;
        }
        PublishFormat::Human => {
            env.printer
                .out(&human(&report, zone, args.dry_run, &env.printer))?
        }
    }
    Ok(
        if report.needs_attention() || renewals == Outcome::Failure {
            Outcome::Failure
        } else {
            Outcome::Success
        },
    )
}

/// One line per delivery acted on, then a summary; nothing at all when
/// nothing happened (cron mails any output).
fn human(
    report: &publish::Report,
    zone: chrono_tz::Tz,
    dry_run: bool,
    printer: &super::Printer,
) -> String {
    if report.frozen {
        return "frozen: publishing is switched off (publish.freeze or POSTCAL_FREEZE); nothing was sent\n".to_owned();
    }
    // Skips (a delivery that failed earlier, one in a blackout) repeat every
    // run: they show with -v and in JSON, not in every cron mail.
    let shown: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| printer.verbose > 0 || o.loud || o.kind != OutcomeKind::Skipped)
        .collect();
    if shown.is_empty() {
        return if printer.verbose > 0 {
            "nothing due\n".to_owned()
        } else {
            String::new()
        };
    }
    let mut out = String::new();
    for o in shown.iter().copied() {
        let when = o.at.with_timezone(&zone).format("%Y-%m-%d %H:%M");
        let tail = o.url.as_deref().or(o.error.as_deref()).unwrap_or("");
        out.push_str(&format!(
            "{:<13} {when}  {}@{}  {tail}\n",
            o.kind.name(),
            o.post,
            o.channel
        ));
    }
    let count = |k: OutcomeKind| shown.iter().filter(|o| o.kind == k).count();
    let mut parts = Vec::new();
    for k in [
        OutcomeKind::Published,
        OutcomeKind::WouldPublish,
        OutcomeKind::Retracted,
        OutcomeKind::WouldRetract,
        OutcomeKind::Failed,
        OutcomeKind::Missed,
        OutcomeKind::Unknown,
        OutcomeKind::Skipped,
    ] {
        let n = count(k);
        if n > 0 {
            parts.push(format!("{n} {}", k.name()));
        }
    }
    let prefix = if dry_run { "dry run: " } else { "" };
    out.push_str(&format!("{prefix}{}\n", parts.join(", ")));
    out
}

/// An error and its causes on one line: `error: cause: cause`.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    s
}

fn publish_error(e: PublishError) -> CliError {
    match e {
        PublishError::Lock(publish::lock::LockError::Busy { path }) => CliError::Busy { path },
        PublishError::Ledger(e @ publish::ledger::LedgerError::Corrupt { .. }) => CliError::Usage {
            message: with_causes(&e),
            help: Some("a person must look: fix or remove that line (a merge conflict marker, an edit); nothing was published".to_owned()),
        },
        other => CliError::Usage {
            message: with_causes(&other),
            help: None,
        },
    }
}
