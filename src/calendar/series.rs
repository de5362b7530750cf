//! Recurring posts: one written post with `repeat:` becomes its occurrences,
//! `ID#YYYY-MM-DD` (the occurrence's local date), each a post of its own for
//! every command. The wall time of `at` is kept across DST changes; an
//! occurrence that falls in a gap or a fold is kept with no time and a
//! finding naming its date, so it is never published at a guessed time.

use chrono::{NaiveDate, NaiveDateTime};

use super::model::Post;
use super::raw::{RawEvery, RawRepeat};
use crate::diagnostic::{FileId, Finding, Loc, Located, RuleId, Subject};
use crate::schedule::repeat::{self, End, Every};
use crate::schedule::resolve_wall;

/// The separator between a series' id and an occurrence's date.
pub const SEP: char = '#';

pub use crate::diagnostic::series_of;

/// Expand `post` (already resolved, with its first `at`) into its
/// occurrences up to `horizon`; the post itself when it cannot be read.
pub fn expand(
    post: Post,
    raw: Located<RawRepeat>,
    skip: Vec<Located<String>>,
    horizon: NaiveDate,
    findings: &mut Vec<Finding>,
) -> Vec<Post> {
    let file = post.file;
    let id = post.id.value.clone();
    let problem = |loc, message: String, help: &str| problem(file, &id, loc, message, help);
    let every = match &raw.value.every.value {
        RawEvery::Interval(s) => repeat::parse_interval(s),
        RawEvery::Weekdays(list) => repeat::parse_weekdays(list.iter().map(String::as_str)),
    };
    let every = match every {
        Ok(every) => every,
        Err(e) => {
            findings.push(problem(
                raw.value.every.loc,
                e,
                "write `every: 1d`, `1w`, `2w`, `1mo`, or weekdays such as `every: [mon, thu]`",
            ));
            return vec![post];
        }
    };
    let Some(at) = post.at else {
        // Its `at` is missing or wrong, and a finding says so: without an
        // anchor there are no occurrences, and the post stays held.
        return vec![post];
    };
    let wall = at.with_timezone(&post.zone).naive_local();
    let first = wall.date();
    let end = match end_of(&raw.value, first, file, &id, findings) {
        Some(end) => end,
        None => return vec![post],
    };
    let mut skipped = Vec::new();
    for s in &skip {
        match s.value.trim().parse::<NaiveDate>() {
            Ok(date) if repeat::falls_on(first, &every, date) => skipped.push(date),
            Ok(date) => findings.push(problem(
                s.loc,
                format!("`{id}` does not fall on {date}: nothing to skip"),
                &format!(
                    "skip a date the series falls on ({})",
                    rhythm(&every, first)
                ),
            )),
            Err(_) => findings.push(problem(
                s.loc,
                format!("`{}` is not a date", s.value),
                "write `YYYY-MM-DD`",
            )),
        }
    }
    let dates = repeat::dates(first, &every, end, horizon);
    if dates.len() > repeat::MAX_OCCURRENCES {
        findings.push(problem(
            raw.loc,
            format!(
                "`{id}` has more than {} occurrences",
                repeat::MAX_OCCURRENCES
            ),
            "end it sooner (`until`, `count`), or leave both out: a series without an end is read a year ahead at a time",
        ));
        return vec![post];
    }
    let mut out = Vec::with_capacity(dates.len());
    for date in dates.into_iter().filter(|d| !skipped.contains(d)) {
        out.push(occurrence(&post, date, wall, findings));
    }
    out
}

/// One occurrence of `series` on `date`, at the series' wall time.
fn occurrence(
    series: &Post,
    date: NaiveDate,
    wall: NaiveDateTime,
    findings: &mut Vec<Finding>,
) -> Post {
    let mut post = series.clone();
    post.id.value = format!("{}{SEP}{date}", series.id.value);
    post.series = Some(series.id.value.as_str().into());
    let local = NaiveDateTime::new(date, wall.time());
    post.at = match resolve_wall(local, series.zone) {
        Ok(t) => Some(t),
        Err(e) => {
            findings.push(
                Finding::error(
                    RuleId::INVALID_TIME,
                    Subject::Post(post.id.value.clone()),
                    series.file,
                    series.at_loc,
                    format!("occurrence {date} of `{}`: {e}", series.id.value),
                )
                .with_help(format!(
                    "add {date} to `skip:`, or move the series' time out of the change"
                )),
            );
            None
        }
    };
    post
}

/// `until` or `count` (not both), checked against the anchor.
fn end_of(
    raw: &RawRepeat,
    first: NaiveDate,
    file: FileId,
    id: &str,
    findings: &mut Vec<Finding>,
) -> Option<End> {
    let problem = |loc, message: String, help: &str| problem(file, id, loc, message, help);
    match (&raw.until, &raw.count) {
        (Some(_), Some(count)) => {
            findings.push(problem(
                count.loc,
                format!("`{id}` has both `until` and `count`"),
                "keep one: `until: YYYY-MM-DD` or `count: N`",
            ));
            None
        }
        (Some(until), None) => match until.value.trim().parse::<NaiveDate>() {
            Ok(date) if date >= first => Some(End::Until(date)),
            Ok(date) => {
                findings.push(problem(
                    until.loc,
                    format!("`{id}` ends on {date}, before it starts ({first})"),
                    "set `until` on or after the date of `at`",
                ));
                None
            }
            Err(_) => {
                findings.push(problem(
                    until.loc,
                    format!("`{}` is not a date", until.value),
                    "write `until: YYYY-MM-DD` (the last date it may fall on)",
                ));
                None
            }
        },
        (None, Some(count)) if count.value <= 0 => {
            findings.push(problem(
                count.loc,
                format!(
                    "`{id}` has `count: {}`: it would never be posted",
                    count.value
                ),
                "give the number of occurrences (1 or more), or remove `repeat:`",
            ));
            None
        }
        (None, Some(count)) => Some(End::Count(u32::try_from(count.value).unwrap_or(u32::MAX))),
        (None, None) => Some(End::Open),
    }
}

/// A `repeat` error about the series `id`: it holds the whole series.
fn problem(file: FileId, id: &str, loc: Loc, message: String, help: &str) -> Finding {
    Finding::error(
        RuleId::REPEAT,
        Subject::Post(id.to_owned()),
        file,
        loc,
        message,
    )
    .with_help(help)
}

/// "every Monday", "every 2 weeks from 2026-12-07", for a help line.
fn rhythm(every: &Every, first: NaiveDate) -> String {
    match every {
        Every::Days(1) => "every day".to_owned(),
        Every::Days(n) => format!("every {n} days from {first}"),
        Every::Weeks(1) => format!("every {}", first.format("%A")),
        Every::Weeks(n) => format!("every {n} weeks from {first}"),
        Every::Months(n) => format!(
            "on day {} of every {}",
            first.format("%-d"),
            plural(*n, "month")
        ),
        Every::Weekdays(days) => {
            let names: Vec<String> = days.iter().map(ToString::to_string).collect();
            format!("on {}", names.join(", "))
        }
    }
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        unit.to_owned()
    } else {
        format!("{n} {unit}s")
    }
}
