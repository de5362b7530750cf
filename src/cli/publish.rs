//! `postcal publish`

use std::time::Duration;

use clap::ValueEnum;
use serde::Serialize;

use super::{CliError, Env, Outcome};
use crate::output::diagnostics;
use crate::publish::{self, OutcomeKind, PublishError, plan::Selection};
use crate::secrets::EnvSource as _;
use crate::validate;

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
    /// channel), with --url; nothing is sent.
    #[arg(long, value_name = "POST@CHANNEL", value_parser = parse_delivery)]
    pub mark_published: Option<(String, String)>,
    /// The post's address, with --mark-published.
    #[arg(long, value_name = "URL", requires = "mark_published")]
    pub url: Option<String>,
    /// Wait this long for another publish to finish instead of exiting 75 (e.g. 30s).
    #[arg(long, value_name = "DURATION", value_parser = parse_wait)]
    pub wait: Option<Duration>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PublishFormat::Human)]
    pub format: PublishFormat,
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
    let ws = env.load()?;
    let wait = args.wait.unwrap_or(Duration::ZERO);
    if let Some((post, channel)) = &args.mark_published {
        let n = publish::mark_published(&ws, post, channel, args.url.as_deref(), env.now, wait)
            .map_err(publish_error)?;
        env.printer.note(&format!(
            "recorded {post}@{channel} as published ({n} part(s))"
        ));
        return Ok(Outcome::Success);
    }
    // Only errors keep a post back; the ledger matters to validation only for
    // past-post warnings, so it is read once, by publish, under the lock.
    let findings = validate::validate(&ws, env.now, &validate::PublishedSet::new());
    let mut options = publish::Options::new(
        ws.config
            .publish
            .max_wait
            .to_std()
            .unwrap_or(Duration::from_secs(60)),
    );
    options.dry_run = args.dry_run;
    options.trace = env.printer.trace();
    options.lock_wait = wait;
    options.frozen = ws.config.publish.freeze
        || env
            .var("POSTCAL_FREEZE")
            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    options.selection = Selection {
        channels: args.channel.clone(),
        posts: args.post.clone(),
        retry: args.retry.iter().cloned().collect(),
        retry_unknown: args.retry_unknown.iter().cloned().collect(),
    };
    let progress = super::progress::Bar::new(&env.printer);
    let report = match publish::publish(&ws, &findings, env.now, &options, env, &progress) {
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
        Err(e) => return Err(publish_error(e)),
    };
    progress.finish();
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
        env.printer.note(&format!(
            "warning: ledger lines {:?} could not be read (a write cut short?) and were ignored",
            report.skipped_ledger_lines
        ));
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
    Ok(if report.needs_attention() {
        Outcome::Failure
    } else {
        Outcome::Success
    })
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

fn publish_error(e: PublishError) -> CliError {
    match e {
        PublishError::Lock(publish::lock::LockError::Busy { path }) => CliError::Busy { path },
        other => CliError::Usage {
            message: other.to_string(),
            help: std::error::Error::source(&other).map(|s| s.to_string()),
        },
    }
}
