//! `postcal import hootsuite|buffer|csv FILE`: a bulk CSV (SPEC §7) becomes
//! one calendar file of drafts for review. Nothing is written unless every row maps; the
//! result is checked as `validate` would check it.

use std::collections::HashSet;
use std::fmt::Write as _;

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::calendar::files::{Disk, Files};
use crate::calendar::{Status, is_valid_name};
use crate::diagnostic::{Severity, TextError};
use crate::interop::bulk::{self, DateOrder};
use crate::interop::csv::{self, Fallbacks, Row, RowError};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The layout of the file.
    #[arg(value_enum)]
    pub layout: Layout,
    /// The CSV file.
    pub file: std::path::PathBuf,
    /// The calendar file to write, workspace-relative (default:
    /// `CALENDARS/imported-NAME.yaml`); it must not exist yet.
    #[arg(long, value_name = "FILE")]
    pub into: Option<String>,
    /// The channel for rows that name none (repeatable); Hootsuite's and
    /// Buffer's files name none, so they need it.
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    /// Put rows without a time into this queue (from postcal.yaml).
    #[arg(long, value_name = "NAME")]
    pub queue: Option<String>,
    /// The order of the dates in a Hootsuite or Buffer file (default: mdy
    /// for hootsuite, as Hootsuite's own default; ymd for buffer).
    #[arg(long, value_enum, value_name = "ORDER", ignore_case = true)]
    pub date_format: Option<DateOrder>,
    /// The status of rows that give none (default: draft).
    #[arg(long, value_name = "STATUS", default_value = "draft")]
    pub status: String,
    /// Print the YAML instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layout {
    /// Hootsuite's bulk composer: no header; date and time, message, link.
    Hootsuite,
    /// Buffer's bulk upload: `Text,Image URL,Tags,Posting Time`.
    Buffer,
    /// A header with `at`, `text`, `channels` and optionally `media`,
    /// `alt`, `id`, `status`, `campaign` (what `export csv` writes).
    Csv,
}

pub fn run(args: ImportArgs, env: &Env) -> Result<Outcome, CliError> {
    let ws = env.load()?;
    let usage = |message: String, help: &str| CliError::Usage {
        message,
        help: Some(help.to_owned()),
    };
    let bytes = std::fs::read(&args.file).map_err(|e| {
        usage(
            format!("cannot read {}: {e}", args.file.display()),
            "check the path",
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count();
        usage(
            format!(
                "{}:{line} is not UTF-8 (the file was saved in another encoding, such as Windows-1252)",
                args.file.display()
            ),
            "save it again as \"CSV UTF-8\" (Excel: File > Save As > CSV UTF-8; LibreOffice: character set Unicode (UTF-8))",
        )
    })?;
    let default_status: Status = args.status.to_ascii_lowercase().parse().map_err(|_| {
        usage(
            format!("`{}` is not a status", args.status),
            &format!("use one of {}", statuses()),
        )
    })?;
    for c in &args.channel {
        if !ws.config.channels.contains_key(c) {
            return Err(usage(
                format!("unknown channel `{c}`"),
                &format!("channels are: {}", names(ws.config.channels.keys())),
            ));
        }
    }
    if let Some(q) = &args.queue
        && !ws.config.queues.iter().any(|k| &k.name == q)
    {
        return Err(usage(
            format!("unknown queue `{q}`"),
            &if ws.config.queues.is_empty() {
                "postcal.yaml has no `queues:` yet: declare one (its channels, weekly slots and start; README, \"Queues\")".to_owned()
            } else {
                format!(
                    "queues are the `queues:` of postcal.yaml: {}",
                    names(ws.config.queues.iter().map(|k| &k.name))
                )
            },
        ));
    }
    if args.layout != Layout::Csv && args.channel.is_empty() {
        return Err(usage(
            format!("a {} file names no channel", args.layout.name()),
            "pass `--channel NAME` (repeatable) for the channels its posts go to",
        ));
    }
    if args.layout == Layout::Csv && args.date_format.is_some() {
        return Err(usage(
            "`--date-format` is for hootsuite and buffer files".to_owned(),
            "a csv file's `at` is `YYYY-MM-DD HH:MM` or RFC 3339",
        ));
    }
    let stem = args
        .file
        .file_stem()
        .map_or("csv".to_owned(), |s| s.to_string_lossy().to_lowercase());
    let into = args
        .into
        .clone()
        .unwrap_or_else(|| format!("{}/imported-{}.yaml", ws.config.calendars, slug(&stem, 40)));
    if !into.starts_with(&format!("{}/", ws.config.calendars))
        || !(into.ends_with(".yaml") || into.ends_with(".yml"))
        || into.contains("..")
    {
        return Err(usage(
            format!("`{into}` is not a calendar file of this workspace"),
            &format!("give a `.yaml` path under `{}/`", ws.config.calendars),
        ));
    }
    if ws.root.join(&into).exists() {
        return Err(usage(
            format!("{into} already exists"),
            "choose another `--into`, or remove it first",
        ));
    }
    let fallbacks = Fallbacks {
        channel: !args.channel.is_empty(),
        queue: args.queue.is_some(),
    };
    let (rows, mut errors) = match args.layout {
        Layout::Csv => csv::read(&text, fallbacks),
        Layout::Hootsuite => {
            // Dates that read both ways are not guessed at.
            if args.date_format.is_none()
                && let Some((cell, mdy, dmy)) = bulk::ambiguous(&text)
            {
                return Err(usage(
                    format!(
                        "every date in {} reads both ways: `{cell}` is {mdy} month first and {dmy} day first",
                        args.file.display()
                    ),
                    "say which with `--date-format mdy` (month first, Hootsuite's default) or `--date-format dmy` (day first)",
                ));
            }
            bulk::hootsuite(&text, args.date_format.unwrap_or(DateOrder::Mdy))
        }
        Layout::Buffer => {
            bulk::buffer(&text, args.date_format.unwrap_or(DateOrder::Ymd), fallbacks)
        }
    };
    let taken: HashSet<String> = ws
        .posts
        .iter()
        .map(|p| crate::diagnostic::series_of(&p.id.value).to_owned())
        .collect();
    let yaml = to_yaml(&rows, &ws, &taken, &args, default_status);
    // Every row that cannot be mapped is said, and nothing is written.
    let yaml = match yaml {
        Ok(yaml) if errors.is_empty() => yaml,
        Ok(_) => String::new(),
        Err(more) => {
            errors.extend(more);
            String::new()
        }
    };
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        for e in &errors {
            let column = if e.column.is_empty() {
                String::new()
            } else {
                format!(", column `{}`", e.column)
            };
            env.printer.error_line(
                &format!("{}:{}{column}: {}", args.file.display(), e.line, e.why),
                None,
            );
        }
        env.printer.note(&format!(
            "{} problem(s) in the file; nothing was written: fix it and run again",
            errors.len()
        ));
        return Ok(Outcome::Failure);
    }
    // Checked as `validate` would, as if the file were there.
    let files = With {
        disk: Disk {
            root: ws.root.clone(),
        },
        rel: into.clone(),
        text: yaml.clone(),
    };
    let loaded = crate::calendar::load_from(&ws.root, &files, env.now)?;
    let published = crate::publish::ledger::published(&ws.root);
    let findings: Vec<_> = crate::validate::validate(&loaded, env.now, &published)
        .into_iter()
        .filter(|f| f.file.is_some_and(|id| loaded.sources.path(id) == into))
        .collect();
    if args.dry_run {
        env.printer.out(&yaml)?;
    } else {
        let path = ws.root.join(&into);
        let failed = |e: std::io::Error| CliError::Usage {
            message: format!("cannot write {into}: {e}"),
            help: Some("check the folder can be written".to_owned()),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        std::fs::write(&path, &yaml).map_err(failed)?;
        let posts = yaml.matches("\n  - id: ").count();
        env.printer.note(&format!(
            "wrote {posts} post(s) to {into}; review it, then commit it"
        ));
    }
    let by_url = rows.iter().filter(|r| !r.image_urls.is_empty()).count();
    if by_url > 0 {
        env.printer.note(&format!(
            "note: {by_url} post(s) had an image by URL, which postcal does not fetch: each one's `notes:` has the URL; download it into the media folder and list it under `media:`"
        ));
    }
    if !findings.is_empty() {
        env.printer.err(&crate::output::diagnostics::human(
            &findings,
            &loaded.sources,
            env.printer.color_err(),
        ));
    }
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = keys.map(String::as_str).collect();
    if list.is_empty() {
        "none yet".to_owned()
    } else {
        list.join(", ")
    }
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Hootsuite => "hootsuite",
            Layout::Buffer => "buffer",
            Layout::Csv => "csv",
        }
    }
}

/// The calendar file for `rows`, or every row that cannot be mapped.
fn to_yaml(
    rows: &[Row],
    ws: &crate::calendar::Workspace,
    taken: &HashSet<String>,
    args: &ImportArgs,
    default_status: Status,
) -> Result<String, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut used: HashSet<String> = taken.clone();
    let mut out = format!(
        "# Imported from {} by `postcal import {}`.\n",
        args.file.display(),
        args.layout.name()
    );
    out.push_str("posts:\n");
    for r in rows {
        let mut bad = |column: &str, why: String| {
            errors.push(RowError {
                line: r.line,
                column: column.to_owned(),
                why,
            });
        };
        let column = if args.layout == Layout::Buffer {
            "Posting Time"
        } else if args.layout == Layout::Hootsuite {
            "1 (date and time)"
        } else {
            "at"
        };
        if let Some(at) = &r.at
            && let Err(e) = crate::schedule::parse_at(at, ws.config.timezone)
        {
            bad(column, format!("{e}; {}", e.help()));
        }
        let channels: Vec<String> = if r.channels.is_empty() {
            args.channel.clone()
        } else {
            r.channels.clone()
        };
        // A queued row may go to its queue's channels.
        let queued = r.at.is_none() && args.queue.is_some();
        if channels.is_empty() && !queued {
            bad(
                "channels",
                "no channel: name one, or pass `--channel NAME`".to_owned(),
            );
        }
        for c in &channels {
            if !ws.config.channels.contains_key(c) {
                let known: Vec<&str> = ws.config.channels.keys().map(String::as_str).collect();
                let hint = match crate::diagnostic::did_you_mean(c, &known) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("channels are: {}", known.join(", ")),
                };
                bad("channels", format!("unknown channel `{c}` ({hint})"));
            }
        }
        let status = match &r.status {
            Some(s) => match s.to_ascii_lowercase().parse::<Status>() {
                Ok(s) => s,
                Err(_) => {
                    bad("status", format!("`{s}` is not a status ({})", statuses()));
                    default_status
                }
            },
            None => default_status,
        };
        let id = match &r.id {
            Some(id) if !is_valid_name(id) => {
                bad(
                    "id",
                    format!("`{id}` is not an id: lowercase letters, digits, `.`, `_`, `-`"),
                );
                id.clone()
            }
            Some(id) if used.contains(id) => {
                let whose = match rows
                    .iter()
                    .find(|o| o.line < r.line && o.id.as_deref() == Some(id.as_str()))
                {
                    Some(o) => format!("by line {} of this file", o.line),
                    None => "by a post of the workspace".to_owned(),
                };
                bad(
                    "id",
                    format!("`{id}` is already used {whose}; give this row another id"),
                );
                id.clone()
            }
            Some(id) => id.clone(),
            None => unique(&slug(&without_links(&r.text), 40), &used),
        };
        used.insert(id.clone());
        let _ = writeln!(out, "  - id: {id}");
        match (&r.at, &args.queue) {
            (Some(at), _) => {
                let _ = writeln!(out, "    at: {}", quoted(at));
            }
            (None, Some(queue)) => {
                let _ = writeln!(out, "    queue: {queue}");
            }
            (None, None) => {}
        }
        let _ = writeln!(out, "    status: {}", status.name());
        if !channels.is_empty() {
            let _ = writeln!(out, "    channels: [{}]", channels.join(", "));
        }
        let _ = writeln!(out, "    text: {}", quoted(&r.text));
        if let Some(c) = &r.campaign {
            let _ = writeln!(out, "    campaign: {}", quoted(c));
        }
        if !r.tags.is_empty() {
            let tags: Vec<String> = r.tags.iter().map(|t| quoted(t)).collect();
            let _ = writeln!(out, "    tags: [{}]", tags.join(", "));
        }
        if !r.image_urls.is_empty() {
            let note = format!(
                "Imported with an image by URL, not yet in the workspace: {}. Download it into the media folder and list it under media:",
                r.image_urls.join(", ")
            );
            let _ = writeln!(out, "    notes: {}", quoted(&note));
        }
        if !r.media.is_empty() {
            out.push_str("    media:\n");
            for (file, alt) in &r.media {
                let _ = writeln!(out, "      - file: {}", quoted(file));
                if !alt.is_empty() {
                    let _ = writeln!(out, "        alt: {}", quoted(alt));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `draft, review, approved, cancelled, retracted`.
fn statuses() -> String {
    Status::ALL
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A YAML double-quoted scalar.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `Winter Blend is here!` → `winter-blend-is-here`, at most `max` bytes.
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if !out.is_empty() && out.len() + 1 + word.len() > max {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word[..word.len().min(max)]);
    }
    if out.is_empty() {
        "post".to_owned()
    } else {
        out
    }
}

/// The words of `text` that are not web addresses (ids read better without
/// `https-example-com`); a text that is only an address keeps it, without
/// its scheme.
fn without_links(text: &str) -> String {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !(w.starts_with("http://") || w.starts_with("https://")))
        .collect();
    if words
        .iter()
        .any(|w| w.chars().any(|c| c.is_ascii_alphanumeric()))
    {
        return words.join(" ");
    }
    text.replace("https://", "").replace("http://", "")
}

fn unique(base: &str, used: &HashSet<String>) -> String {
    if !used.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !used.contains(id))
        .unwrap_or_default()
}

/// The disk, with one more calendar file that is not written yet.
struct With {
    disk: Disk,
    rel: String,
    text: String,
}

impl Files for With {
    fn text(&self, rel: &str) -> Result<Option<String>, TextError> {
        if rel == self.rel {
            return Ok(Some(self.text.clone()));
        }
        self.disk.text(rel)
    }

    fn calendar_files(&self, dir: &str) -> Option<Vec<String>> {
        let mut list = self.disk.calendar_files(dir)?;
        if !list.contains(&self.rel) {
            list.push(self.rel.clone());
            list.sort();
        }
        Some(list)
    }

    fn keep_texts(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_from_the_words_not_the_links() {
        let id = |text: &str| slug(&without_links(text), 40);
        assert_eq!(
            id("Two lines: first https://example.com/spring"),
            "two-lines-first"
        );
        assert_eq!(id("https://example.com/link-only"), "example-com-link-only");
        assert_eq!(id("Winter Blend is here!"), "winter-blend-is-here");
    }
}
