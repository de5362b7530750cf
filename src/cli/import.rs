//! `postcal import csv FILE`: a bulk CSV (SPEC §7) becomes one calendar file
//! of drafts for review. Nothing is written unless every row maps; the
//! result is checked as `validate` would check it.

use std::collections::HashSet;
use std::fmt::Write as _;

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::calendar::files::{Disk, Files};
use crate::calendar::{Status, is_valid_name};
use crate::diagnostic::{Severity, TextError};
use crate::export::csv::{self, Row, RowError};

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
    /// The channel for rows that name none.
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// The status of rows that give none (default: draft).
    #[arg(long, value_name = "STATUS", default_value = "draft")]
    pub status: String,
    /// Print the YAML instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layout {
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
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        usage(
            format!("cannot read {}: {e}", args.file.display()),
            "check the path; the file must be UTF-8",
        )
    })?;
    let default_status: Status = args.status.to_ascii_lowercase().parse().map_err(|_| {
        usage(
            format!("`{}` is not a status", args.status),
            &format!("use one of {}", statuses()),
        )
    })?;
    if let Some(c) = &args.channel
        && !ws.config.channels.contains_key(c)
    {
        return Err(usage(
            format!("unknown channel `{c}`"),
            "name a channel from postcal.yaml",
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
    let (rows, mut errors) = csv::read(&text, args.channel.is_some());
    let taken: HashSet<String> = ws
        .posts
        .iter()
        .map(|p| crate::diagnostic::series_of(&p.id.value).to_owned())
        .collect();
    let yaml = to_yaml(
        &rows,
        &ws,
        &taken,
        args.channel.as_deref(),
        default_status,
        &args.file,
    );
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

/// The calendar file for `rows`, or every row that cannot be mapped.
fn to_yaml(
    rows: &[Row],
    ws: &crate::calendar::Workspace,
    taken: &HashSet<String>,
    channel: Option<&str>,
    default_status: Status,
    source: &std::path::Path,
) -> Result<String, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut used: HashSet<String> = taken.clone();
    let mut out = format!(
        "# Imported from {} by `postcal import csv`.\n",
        source.display()
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
        if let Err(e) = crate::schedule::parse_at(&r.at, ws.config.timezone) {
            bad("at", format!("{e}; {}", e.help()));
        }
        let channels: Vec<String> = if r.channels.is_empty() {
            channel.map(|c| vec![c.to_owned()]).unwrap_or_default()
        } else {
            r.channels.clone()
        };
        if channels.is_empty() {
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
            None => unique(&slug(&r.text, 40), &used),
        };
        used.insert(id.clone());
        let _ = writeln!(out, "  - id: {id}");
        let _ = writeln!(out, "    at: {}", quoted(&r.at));
        let _ = writeln!(out, "    status: {}", status.name());
        let _ = writeln!(out, "    channels: [{}]", channels.join(", "));
        let _ = writeln!(out, "    text: {}", quoted(&r.text));
        if let Some(c) = &r.campaign {
            let _ = writeln!(out, "    campaign: {}", quoted(c));
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
