//! `postcal metrics pull` and `postcal report`

use chrono::Duration;
use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::metrics::{self, report};

#[derive(Debug, clap::Args)]
pub struct MetricsArgs {
    #[command(subcommand)]
    pub command: MetricsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum MetricsCommand {
    /// Read what each platform reports of the posts published lately and
    /// append a snapshot of each to .postcal/metrics.jsonl.
    Pull(PullArgs),
}

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// How far back to look at published posts (e.g. 30d, 2w).
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_since)]
    pub since: std::time::Duration,
    /// Only these channels (repeatable).
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    /// Not these channels (repeatable): one whose token may not read the
    /// numbers, say.
    #[arg(long, value_name = "NAME")]
    pub skip: Vec<String>,
}

fn parse_since(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e}; write e.g. 30d or 2w"))
}

pub fn run_metrics(args: MetricsArgs, env: &Env) -> Result<Outcome, CliError> {
    let MetricsCommand::Pull(args) = args.command;
    let ws = env.load()?;
    super::known_channels(&ws, &args.channel)?;
    super::known_channels(&ws, &args.skip)?;
    let channels: Vec<String> = if args.skip.is_empty() {
        args.channel.clone()
    } else {
        ws.config
            .channels
            .keys()
            .filter(|c| args.channel.is_empty() || args.channel.contains(c))
            .filter(|c| !args.skip.contains(c))
            .cloned()
            .collect()
    };
    if !args.skip.is_empty() && channels.is_empty() {
        return Err(CliError::Usage {
            message: "--skip leaves no channel to read".to_owned(),
            help: Some("skip fewer channels".to_owned()),
        });
    }
    let state = super::read_ledger(&ws.root)?;
    let since = Duration::from_std(args.since).unwrap_or(Duration::days(30));
    let pulled = metrics::pull(
        &ws,
        &state,
        env.now,
        since,
        &channels,
        env,
        crate::adapters::http::Timeouts::default(),
    )
    .map_err(|e| CliError::Usage {
        message: e.to_string(),
        help: Some("check the folder can be written".to_owned()),
    })?;
    let p = &env.printer;
    if !pulled.not_offered.is_empty() {
        let list: Vec<String> = pulled
            .not_offered
            .iter()
            .map(|(c, platform)| format!("{c} ({platform})"))
            .collect();
        p.debug(&format!("no metrics offered by: {}", list.join(", ")));
    }
    for (channel, why, transient) in &pulled.failed {
        p.error_line(
            &format!("{channel}: metrics could not be read: {why}"),
            Some(if *transient {
                "the next pull tries again; publishing is not affected"
            } else {
                "fix what it says (or leave the channel out with `--skip`); publishing is not affected"
            }),
        );
    }
    if pulled.asked == 0 {
        p.debug(&format!(
            "nothing to ask about: no post was published in the last {} days{}",
            since.num_days(),
            if channels.is_empty() {
                ""
            } else {
                " on these channels"
            }
        ));
    } else {
        p.debug(&format!(
            "{} snapshot(s) written to {} ({} post(s) gone)",
            pulled.written,
            metrics::METRICS_PATH,
            pulled.gone
        ));
    }
    Ok(if pulled.failed.is_empty() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Start: a date (workspace zone) or RFC 3339 (default: 7 days before now).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End: a date (included) or RFC 3339 (excluded); default: now.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Group the posts by this.
    #[arg(long, value_enum, default_value_t = report::By::Channel)]
    pub by: report::By,
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// Also propose the three best weekly slots per channel, from all the
    /// history the metrics file has (for a queue's `slots:`).
    #[arg(long)]
    pub suggest_slots: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For an issue, a pull request or a weekly email.
    Markdown,
    /// For the terminal.
    Table,
    /// One row per delivery with its numbers, for a spreadsheet.
    Csv,
    Json,
    /// A page with SVG charts (no script, nothing fetched).
    Html,
}

pub fn run_report(args: ReportArgs, env: &Env) -> Result<Outcome, CliError> {
    let ws = env.load()?;
    let state = super::read_ledger(&ws.root)?;
    let zone = ws.config.timezone;
    let to = match &args.to {
        Some(s) => super::preview::bound(s, zone, true)?,
        None => env.now,
    };
    let from = match &args.from {
        Some(s) => super::preview::bound(s, zone, false)?,
        None => to - Duration::days(7),
    };
    if to <= from {
        return Err(CliError::Usage {
            message: "`--to` is not after `--from`".to_owned(),
            help: Some("give a later `--to`".to_owned()),
        });
    }
    let (latest, bad) = metrics::latest(&ws.root, env.now);
    if bad > 0 {
        env.printer.note(&format!(
            "note: {bad} line(s) of {} could not be read and were passed over",
            metrics::METRICS_PATH
        ));
    }
    if latest.is_empty() {
        env.printer.note(&format!(
            "note: {} has no snapshots yet: run `postcal metrics pull` first",
            metrics::METRICS_PATH
        ));
    }
    let (r, entries) = report::build(&ws, &state, &latest, (from, to), args.by);
    let suggestions = if args.suggest_slots {
        crate::metrics::slots::suggest(&entries, zone)
    } else {
        Vec::new()
    };
    let text = match args.format {
        ReportFormat::Markdown => {
            let mut text = report::markdown(&r, zone);
            if args.suggest_slots {
                text.push_str(&crate::metrics::slots::suggestions_markdown(&suggestions));
            }
            text
        }
        ReportFormat::Json if args.suggest_slots => {
            let mut doc = serde_json::to_value(&r).unwrap_or_default();
            doc["suggestions"] = serde_json::to_value(&suggestions).unwrap_or_default();
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        ReportFormat::Json => report::json(&r),
        ReportFormat::Table => {
            let mut text = report::table(&r, zone);
            if args.suggest_slots {
                let slots = crate::metrics::slots::suggestions_markdown(&suggestions);
                text.push_str(&slots.replace("### ", "").replace('`', ""));
            }
            text
        }
        ReportFormat::Csv => {
            if args.suggest_slots {
                env.printer.note(
                    "note: CSV is one row per delivery; the suggested slots are in the other formats",
                );
            }
            report::csv(&entries, from, to, zone)
        }
        ReportFormat::Html => {
            let title = ws
                .root
                .file_name()
                .map_or("postcal".to_owned(), |n| n.to_string_lossy().into_owned());
            let asked = args.suggest_slots.then_some(suggestions.as_slice());
            crate::metrics::html::html(&r, &entries, zone, &title, asked).map_err(|e| {
                CliError::Usage {
                    message: format!("the report page cannot be rendered: {e}"),
                    help: Some("this is a bug in postcal: please report it".to_owned()),
                }
            })?
        }
    };
    env.printer.out(&text)?;
    Ok(Outcome::Success)
}
