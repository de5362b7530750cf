//! `postcal export ics|csv|json`

use chrono::{DateTime, Duration, Utc};
use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::delivery;
use crate::interop::ics;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(value_enum)]
    pub format: ExportFormat,
    /// Write here (and read the previous export from here, so a changed
    /// delivery's SEQUENCE goes up); default: standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Start of the window: a date (workspace zone) or RFC 3339 (default:
    /// 30 days before now for ics and json, every post for csv).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the window: a date (included) or RFC 3339 (excluded); default:
    /// the horizon, a year ahead.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Only these channels (repeatable).
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    #[command(flatten)]
    pub people: super::PeopleFilter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// iCalendar (RFC 5545): one event per delivery.
    Ics,
    /// The CSV layout `postcal import csv` reads: one row per post.
    Csv,
    /// What `preview --format json` prints, with each delivery's campaign
    /// and published link.
    Json,
}

pub fn run(args: ExportArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut ws = env.load()?;
    let state = super::read_ledger(&ws.root)?;
    crate::queue::place(&mut ws, None, &state.known(), env.now);
    super::known_channels(&ws, &args.channel)?;
    // A spreadsheet gets the whole plan; a calendar a month back to as far
    // as series and queues are read.
    let zone = ws.config.timezone;
    let from = match &args.from {
        Some(s) => super::preview::bound(s, zone, false)?,
        None if args.format == ExportFormat::Csv => DateTime::<Utc>::MIN_UTC,
        None => env.now - Duration::days(30),
    };
    let horizon = ws
        .config
        .horizon
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(from, |d| d.and_utc());
    let to = match &args.to {
        Some(s) => super::preview::bound(s, zone, true)?,
        None => horizon,
    };
    if let Some(out) = &args.out {
        refuse_to_clobber(out, args.format)?;
    }
    if args.format == ExportFormat::Csv {
        let mut posts: Vec<&crate::calendar::Post> = ws
            .posts
            .iter()
            .filter(|p| p.at.is_some_and(|at| at >= from && at < to))
            .filter(|p| {
                args.channel.is_empty()
                    || p.channels.iter().any(|c| args.channel.contains(&c.value))
            })
            .filter(|p| args.people.matches(p))
            .collect();
        // In time order, as a spreadsheet is read.
        posts.sort_by(|a, b| (a.at, &a.id.value).cmp(&(b.at, &b.id.value)));
        let keep = |c: &str| args.channel.is_empty() || args.channel.iter().any(|k| k == c);
        let text = crate::interop::csv::write(&posts, zone, keep);
        // What the layout does not carry is said, not dropped unseen.
        let dropped = posts
            .iter()
            .filter(|p| {
                !p.thread.is_empty()
                    || !p.variants.is_empty()
                    || p.extra.is_some()
                    || p.series.is_some()
            })
            .count();
        if dropped > 0 {
            env.printer.note(&format!(
                "note: {dropped} post(s) have what the CSV layout does not carry (threads, variants, content warnings, language, owner, approver, tags, notes, or a series or queue they came from: each occurrence is a row of its own)"
            ));
        }
        return emit(env, args.out.as_deref(), &text, posts.len(), "posts");
    }
    let deliveries: Vec<_> = delivery::between(&ws, from, to)
        .into_iter()
        .filter(|d| args.channel.is_empty() || args.channel.contains(&d.channel.name))
        .filter(|d| args.people.matches(d.post))
        .collect();
    let urls = state.links();
    let url_of = |d: &delivery::Delivery<'_>| {
        urls.get(&(d.post.id.value.clone(), d.channel.name.clone()))
            .cloned()
    };
    if args.format == ExportFormat::Json {
        let text = crate::output::preview::export_json(&deliveries, zone, &url_of);
        return emit(
            env,
            args.out.as_deref(),
            &text,
            deliveries.len(),
            "deliveries",
        );
    }
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

/// `--out` replaces only an earlier export of the same kind (or nothing).
fn refuse_to_clobber(path: &std::path::Path, format: ExportFormat) -> Result<(), CliError> {
    let Ok(old) = std::fs::read_to_string(path) else {
        return Ok(());
    };
    let old = old.trim_start_matches('\u{feff}');
    let ours = match format {
        ExportFormat::Ics => old.starts_with("BEGIN:VCALENDAR"),
        ExportFormat::Csv => old.starts_with(&crate::interop::csv::COLUMNS.join(",")),
        ExportFormat::Json => old.starts_with("{\n  \"deliveries\""),
    };
    if ours || old.is_empty() {
        return Ok(());
    }
    Err(CliError::Usage {
        message: format!(
            "{} exists and is not an earlier export of this kind; nothing was written",
            path.display()
        ),
        help: Some("choose another `--out`, or remove the file first".to_owned()),
    })
}

/// Replace `path` whole (a temporary file renamed over it), so a calendar
/// app never reads half a file; its folder is made when missing.
fn write_whole(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    let failed = |e: std::io::Error| CliError::Usage {
        message: format!("cannot write {}: {e}", path.display()),
        help: Some("check the folder exists and can be written".to_owned()),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let tmp = path.with_extension("postcal-tmp");
    std::fs::write(&tmp, text).map_err(failed)?;
    std::fs::rename(&tmp, path).map_err(failed)?;
    Ok(())
}
