//! `postcal export ics|csv`

use chrono::{DateTime, Duration, Utc};
use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::delivery;
use crate::export::ics;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(value_enum)]
    pub format: ExportFormat,
    /// Write here (and read the previous export from here, so a changed
    /// delivery's SEQUENCE goes up); default: standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Start of the window: RFC 3339 (default: 30 days before now).
    #[arg(long, value_name = "TIME", value_parser = super::parse_now)]
    pub from: Option<DateTime<Utc>>,
    /// End of the window (excluded): RFC 3339 (default: the horizon, a year ahead).
    #[arg(long, value_name = "TIME", value_parser = super::parse_now)]
    pub to: Option<DateTime<Utc>>,
    /// Only these channels (repeatable).
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    /// Only posts owned by this person (repeatable).
    #[arg(long, value_name = "NAME")]
    pub owner: Vec<String>,
    /// Only posts with this tag (repeatable: any of them).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// iCalendar (RFC 5545): one event per delivery.
    Ics,
    /// The CSV layout `postcal import csv` reads: one row per post.
    Csv,
}

pub fn run(args: ExportArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut ws = env.load()?;
    let state = crate::publish::ledger::read(&ws.root).map_err(|e| CliError::Usage {
        message: e.to_string(),
        help: None,
    })?;
    crate::queue::place(&mut ws, None, &state.known(), env.now);
    for name in &args.channel {
        if !ws.config.channels.contains_key(name) {
            return Err(CliError::Usage {
                message: format!("unknown channel `{name}`"),
                help: Some(format!(
                    "channels are: {}",
                    ws.config
                        .channels
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            });
        }
    }
    // From a month back to as far as series and queues are read.
    let from = args.from.unwrap_or(env.now - Duration::days(30));
    let horizon = ws
        .config
        .horizon
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(from, |d| d.and_utc());
    let to = args.to.unwrap_or(horizon);
    if args.format == ExportFormat::Csv {
        let posts: Vec<&crate::calendar::Post> = ws
            .posts
            .iter()
            .filter(|p| p.at.is_some_and(|at| at >= from && at < to))
            .filter(|p| {
                args.channel.is_empty()
                    || p.channels.iter().any(|c| args.channel.contains(&c.value))
            })
            .filter(|p| super::people_match(p, &args.owner, &args.tag))
            .collect();
        let text = crate::export::csv::write(&posts, ws.config.timezone);
        return emit(env, args.out.as_deref(), &text, posts.len(), "posts");
    }
    let deliveries: Vec<_> = delivery::between(&ws, from, to)
        .into_iter()
        .filter(|d| args.channel.is_empty() || args.channel.contains(&d.channel.name))
        .filter(|d| super::people_match(d.post, &args.owner, &args.tag))
        .collect();
    let urls: std::collections::HashMap<(String, String), String> = state
        .parts
        .iter()
        .filter(|((_, _, part), _)| *part == 0)
        .filter_map(|((p, c, _), s)| {
            Some(((p.clone(), c.clone()), s.published.as_ref()?.url.clone()?))
        })
        .collect();
    let events: Vec<ics::Event> = deliveries
        .iter()
        .map(|d| ics::Event {
            delivery: d,
            url: urls
                .get(&(d.post.id.value.clone(), d.channel.name.clone()))
                .map(String::as_str),
        })
        .collect();
    let previous = match &args.out {
        Some(path) => std::fs::read_to_string(path)
            .map(|t| ics::previous(&t))
            .unwrap_or_default(),
        None => ics::Previous::new(),
    };
    let name = ws.root.file_name().map_or("postcal".to_owned(), |n| {
        format!("postcal: {}", n.to_string_lossy())
    });
    let text = ics::write(&name, &events, env.now, &previous);
    emit(env, args.out.as_deref(), &text, events.len(), "events")
}

/// Write `text` to `out` (whole), or to standard output.
fn emit(
    env: &Env,
    out: Option<&std::path::Path>,
    text: &str,
    n: usize,
    what: &str,
) -> Result<Outcome, CliError> {
    match out {
        Some(path) => {
            write_whole(path, text)?;
            env.printer
                .note(&format!("wrote {n} {what} to {}", path.display()));
        }
        None => env.printer.out(text)?,
    }
    Ok(Outcome::Success)
}

/// Replace `path` whole (a temporary file renamed over it), so a calendar
/// app never reads half a file.
fn write_whole(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    let tmp = path.with_extension("postcal-tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
