//! `postcal preview`

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::calendar::Status;
use crate::delivery;
use crate::diagnostic::Severity;
use crate::output::preview;
use crate::schedule::{WrittenTime, parse_written, resolve_wall};

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// Start of the window: a date (start of that day, workspace zone) or RFC 3339. Default: now.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the window: a date (included) or RFC 3339 (excluded).
    #[arg(long, value_name = "TIME", conflicts_with = "days")]
    pub to: Option<String>,
    /// Length of the window in days from --from (default 7; with `--format
    /// month`, the whole month of --from).
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Only these channels (repeatable).
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    /// Only posts of this campaign.
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    #[command(flatten)]
    pub people: super::PeopleFilter,
    /// Only these statuses (repeatable); default: all but cancelled.
    #[arg(long, value_name = "STATUS", value_parser = status_parser())]
    pub status: Vec<Status>,
    /// How to show the deliveries.
    #[arg(long, value_enum, default_value_t = PreviewFormat::Table)]
    pub format: PreviewFormat,
}

fn status_parser() -> impl clap::builder::TypedValueParser<Value = Status> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Status::ALL.map(|s| s.name()))
        .try_map(|s| s.parse::<Status>())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreviewFormat {
    Table,
    Agenda,
    Month,
    Json,
    Markdown,
}

/// A window bound: a date means the start of that day (or, for the end, the
/// start of the next day, so the date is included).
pub(super) fn bound(input: &str, zone: Tz, end: bool) -> Result<DateTime<Utc>, CliError> {
    let usage = |message: String, help: String| CliError::Usage {
        message,
        help: Some(help),
    };
    match parse_written(input) {
        Ok(WrittenTime::Instant(t)) => Ok(t.with_timezone(&Utc)),
        Ok(WrittenTime::Wall(w)) => {
            resolve_wall(w, zone).map_err(|e| usage(e.to_string(), e.help()))
        }
        Ok(WrittenTime::Date(d)) => {
            let day = if end {
                d.succ_opt().unwrap_or(NaiveDate::MAX)
            } else {
                d
            };
            // Midnight can fall in a gap in a few zones; the first instant of the day then is 01:00.
            let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            resolve_wall(midnight, zone)
                .or_else(|_| resolve_wall(midnight + Duration::hours(1), zone))
                .map_err(|e| usage(e.to_string(), e.help()))
        }
        Err(e) => Err(usage(
            format!("`{input}`: {e}"),
            "use a date (2026-12-01) or RFC 3339 (2026-12-01T09:00:00+01:00)".to_owned(),
        )),
    }
}

pub fn run(args: PreviewArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut catalog = env.catalog(crate::index::Mode::Use)?;
    env.save(&mut catalog);
    let zone = catalog.config.timezone;
    let from = match &args.from {
        Some(s) => bound(s, zone, false)?,
        None => env.now,
    };
    // A month view of its own shows the whole month of --from (or now).
    let from = match (args.format, args.days, &args.to) {
        (PreviewFormat::Month, None, None) => month_of(from, zone).0,
        _ => from,
    };
    let to = match &args.to {
        Some(s) => bound(s, zone, true)?,
        None => match (args.days, args.format) {
            (Some(days), _) => from + Duration::days(i64::from(days)),
            // A month view shows the month: from its first day to its last.
            (None, PreviewFormat::Month) => month_of(from, zone).1,
            (None, _) => from + Duration::days(7),
        },
    };
    // Only the files with a post in the window are read.
    let (start, end) = (from.timestamp_micros(), to.timestamp_micros());
    let wanted: Vec<_> = catalog
        .summaries_where(|t| {
            t.timeless
                || (t.earliest.is_some_and(|e| e < end) && t.latest.is_some_and(|l| l >= start))
        })
        .iter()
        // A post without a time may be queued: the queue places it.
        .filter(|p| p.at.is_none_or(|at| at >= from && at < to))
        .map(|p| p.file)
        .collect();
    let mut ws = catalog.workspace(&wanted);
    // The ledger, read once: where queues placed what, and what went out.
    let ledger = crate::publish::ledger::read(&catalog.root);
    if !ws.config.queues.is_empty() {
        let state = ledger.as_ref().map_err(|e| CliError::Usage {
            message: e.to_string(),
            help: None,
        })?;
        let taken = crate::publish::dated_deliveries(&catalog, env.now);
        crate::queue::place(&mut ws, Some(&taken), &state.known(), env.now);
    }
    let broken =
        super::broken_channels(&catalog.config, &catalog.config_findings, &catalog.sources);
    for name in &args.channel {
        if let Some((_, why)) = broken.iter().find(|(n, _)| n == name) {
            return Err(CliError::Usage {
                message: format!("channel `{name}` cannot be previewed: {why}"),
                help: Some("fix postcal.yaml (`postcal validate` says how)".to_owned()),
            });
        }
    }
    super::known_channels(&ws, &args.channel)?;
    let statuses: Vec<Status> = if args.status.is_empty() {
        Status::ALL
            .into_iter()
            .filter(|s| *s != Status::Cancelled)
            .collect()
    } else {
        args.status.clone()
    };
    let deliveries: Vec<_> = delivery::between(&ws, from, to)
        .into_iter()
        .filter(|d| statuses.contains(&d.post.status))
        .filter(|d| args.channel.is_empty() || args.channel.contains(&d.channel.name))
        .filter(|d| {
            args.campaign.is_none() || d.post.campaign.as_deref() == args.campaign.as_deref()
        })
        .filter(|d| args.people.matches(d.post))
        .collect();
    let text = match args.format {
        PreviewFormat::Table => preview::table(&deliveries, zone),
        PreviewFormat::Agenda => preview::agenda(&deliveries, zone),
        PreviewFormat::Month => preview::month(&deliveries, zone, from, to),
        PreviewFormat::Json => preview::json(&deliveries, zone),
        PreviewFormat::Markdown => preview::markdown(&deliveries, zone),
    };
    env.printer.out(&text)?;
    super::warn_broken_channels(env, &broken);
    // What publish would hold back of what is shown: said, with why.
    let published = ledger.map(|s| s.published_set()).unwrap_or_default();
    let findings = catalog.findings(env.now, &published);
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let held: Vec<String> = deliveries
        .iter()
        .filter(|d| {
            d.post
                .status
                .goes_out(catalog.config.publish.require_approval)
        })
        .filter_map(|d| {
            let f = errors.iter().find(|f| {
                f.subject
                    .holds(d.post.file, &d.post.id.value, &d.channel.name)
            })?;
            Some(format!(
                "{}@{} ({})",
                d.post.id.value, d.channel.name, f.message
            ))
        })
        .collect();
    if !held.is_empty() {
        env.printer.note(&format!(
            "warning: {} of these deliveries will be held back, not published, until fixed: {}; run `postcal validate`",
            held.len(),
            held.join("; ")
        ));
    }
    for line in x_costs(&catalog, from, to, &args.channel) {
        env.printer.note(&line);
    }
    // Errors of loading (a file that does not parse, a time that cannot be
    // read) keep posts out of the window.
    let errors = catalog
        .file_findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| {
            crate::validate::rules::find(f.rule.as_str()).is_some_and(|r| r.check.is_none())
        })
        .count();
    if errors > 0 {
        env.printer.note(&format!("warning: {errors} problem(s) in the calendar keep some posts out of this preview; run `postcal validate`"));
    }
    Ok(Outcome::Success)
}

/// The estimated X cost of each month the window touches, per X channel
/// (all of each month, not just the window's part: X bills by the month),
/// from the summaries of the posts in those months.
fn x_costs(
    catalog: &crate::index::Catalog,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    channels: &[String],
) -> Vec<String> {
    use chrono::{Datelike, NaiveDate, TimeZone};
    let config = &catalog.config;
    if !config
        .channels
        .values()
        .any(|c| c.platform() == crate::platform::Platform::X)
    {
        return Vec::new();
    }
    let zone = config.timezone;
    let first = from.with_timezone(&zone);
    let last = (to - Duration::nanoseconds(1))
        .max(from)
        .with_timezone(&zone);
    let months = (first.year(), first.month())..=(last.year(), last.month());
    // The months' bounds, a day wider each way (any zone's midnight).
    let start = NaiveDate::from_ymd_opt(first.year(), first.month(), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(from, |d| Utc.from_utc_datetime(&d) - Duration::days(1));
    let end = to + Duration::days(32);
    let (s, e) = (start.timestamp_micros(), end.timestamp_micros());
    let posts = catalog
        .summaries_where(|t| t.earliest.is_some_and(|x| x < e) && t.latest.is_some_and(|l| l >= s));
    crate::validate::cost::x_monthly(config, &posts)
        .into_iter()
        .filter(|c| months.contains(&(c.year, c.month)))
        .filter(|c| channels.is_empty() || channels.contains(&c.channel))
        .map(|c| format!("estimated X cost: {}", c.describe()))
        .collect()
}

/// The first instant of the month `t` falls in (in `zone`), and of the next.
fn month_of(t: DateTime<Utc>, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    use chrono::Datelike;
    let day = t.with_timezone(&zone).date_naive();
    let first = day.with_day(1).unwrap_or(day);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let at = |d: NaiveDate| {
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        resolve_wall(midnight, zone)
            .or_else(|_| resolve_wall(midnight + Duration::hours(1), zone))
            .unwrap_or(t)
    };
    (at(first), at(next))
}
