//! The calendar: workspace discovery, YAML loading with source positions,
//! configuration and posts.

pub mod channel;
mod config;
pub mod files;
mod load;
pub mod media_base;
mod model;
mod queues;
pub mod raw;
mod resolve;
pub mod series;

use std::path::{Path, PathBuf};

pub use channel::{
    Channel, ChannelKind, ChatId, OnAmbiguous, SecretRef, is_valid_name, secret_ref,
};
pub use config::PLACEHOLDERS;
pub use load::{CONFIG_FILE, find_root};
pub use media_base::MediaBase;
pub use model::{
    Approval, Blackout, Config, Field, Inherited, Media, Post, PostExtra, PublishSettings, Queue,
    RuleEntry, RuleOptions, Status, Variant, Workspace,
};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rayon::prelude::*;

use crate::diagnostic::{FileId, Finding, Loc, RuleId, Sources, Subject, TextError};

/// Why a workspace could not be loaded at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no postcal.yaml in {}{}", start.display(), if *walked_up { " or any folder above it" } else { "" })]
    NotFound { start: PathBuf, walked_up: bool },
    #[error("postcal.yaml cannot be used")]
    Unusable {
        sources: Sources,
        findings: Vec<Finding>,
    },
}

impl LoadError {
    pub fn help(&self) -> Option<&'static str> {
        match self {
            LoadError::NotFound { .. } => Some(
                "run postcal inside a workspace (a folder with postcal.yaml), or pass --workspace DIR / set POSTCAL_WORKSPACE",
            ),
            LoadError::Unusable { .. } => None,
        }
    }
}

/// Load the workspace at `root`: postcal.yaml and every calendar file.
/// Problems in calendars become findings; an unusable postcal.yaml is an error.
/// `now` is the run's clock: series without an end are expanded to
/// [`horizon`]`(now)`.
pub fn load(root: &Path, now: DateTime<Utc>) -> Result<Workspace, LoadError> {
    load_from(
        root,
        &files::Disk {
            root: root.to_path_buf(),
        },
        now,
    )
}

/// How far a series without an end is expanded at `now`: through the last
/// day of the month a year after `now`'s (whole months, so the index
/// changes once a month, not every run). Far enough for every window a
/// command looks at (a publish tick, a year of preview), and never
/// unbounded.
pub fn horizon(now: DateTime<Utc>) -> NaiveDate {
    let month = now.date_naive().with_day(1).unwrap_or(NaiveDate::MIN);
    month
        .checked_add_months(chrono::Months::new(13))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// Load a workspace whose files come from `files` (the disk, or a git
/// revision); `root` is where it lives on disk.
pub fn load_from(
    root: &Path,
    files: &dyn files::Files,
    now: DateTime<Utc>,
) -> Result<Workspace, LoadError> {
    let (mut sources, config, mut findings) =
        load_config(root, files, files.text(CONFIG_FILE), now)?;
    let calendar_files = calendar_list(files, &config, config.file, &sources)?;
    // File ids in path order first; then the files are read and parsed in
    // parallel, and their posts and findings kept in path order.
    let ids: Vec<(FileId, String)> = calendar_files
        .into_iter()
        .map(|rel| (sources.add(rel.clone(), String::new()), rel))
        .collect();
    let keep = files.keep_texts();
    let loaded: Vec<Loaded> = ids
        .par_iter()
        .map(|(file, rel)| load_calendar(files.text(rel), *file, &config, keep))
        .collect();
    let mut posts = Vec::with_capacity(loaded.iter().map(|l| l.posts.len()).sum());
    for (l, (file, _)) in loaded.into_iter().zip(&ids) {
        posts.extend(l.posts);
        findings.extend(l.findings);
        if let Some(text) = l.text {
            sources.set_text(*file, text);
        }
    }
    Ok(Workspace {
        root: root.to_path_buf(),
        sources,
        config,
        posts,
        findings,
    })
}

/// Read postcal.yaml (its text given): the sources so far, the
/// configuration (its horizon set from `now`), and its findings; an error
/// when it cannot be used.
pub fn load_config(
    root: &Path,
    files: &dyn files::Files,
    config_text: Result<Option<String>, TextError>,
    now: DateTime<Utc>,
) -> Result<(Sources, Config, Vec<Finding>), LoadError> {
    let mut sources = if files.keep_texts() {
        Sources::default()
    } else {
        Sources::on_disk(root)
    };
    let mut findings = Vec::new();
    if matches!(config_text, Ok(None)) {
        return Err(LoadError::NotFound {
            start: root.to_path_buf(),
            walked_up: false,
        });
    }
    let (config_file, raw) = parse_file::<raw::RawConfig>(
        config_text,
        CONFIG_FILE.to_owned(),
        &mut sources,
        true,
        |_| Subject::Workspace,
    );
    let raw = match raw {
        Ok(raw) => raw,
        Err(finding) => {
            return Err(LoadError::Unusable {
                sources,
                findings: vec![*finding],
            });
        }
    };
    let mut secrets = Vec::new();
    let resolved = config::resolve(raw, config_file, &mut findings, &mut secrets);
    for range in secrets {
        sources.redact(config_file, range);
    }
    match resolved {
        Ok(mut config) => {
            config.horizon = horizon(now);
            Ok((sources, config, findings))
        }
        Err(finding) => {
            findings.insert(0, *finding);
            Err(LoadError::Unusable { sources, findings })
        }
    }
}

/// The calendar files, workspace-relative and sorted; an error when the
/// calendars folder does not exist.
pub fn calendar_list(
    files: &dyn files::Files,
    config: &Config,
    config_file: FileId,
    sources: &Sources,
) -> Result<Vec<String>, LoadError> {
    files.calendar_files(&config.calendars).ok_or_else(|| {
        let finding = Finding::error(
            RuleId::SYNTAX,
            Subject::Workspace,
            config_file,
            Loc {
                line: 1,
                column: 1,
                offset: 0,
                len: 0,
            },
            format!("the calendars folder `{}` does not exist", config.calendars),
        )
        .with_help("create it, or point `calendars:` at the folder holding your calendar files");
        LoadError::Unusable {
            sources: sources.clone(),
            findings: vec![finding],
        }
    })
}

/// A file that could not be read, as text.
pub fn read_error(e: &std::io::Error) -> TextError {
    TextError {
        loc: Loc::UNKNOWN,
        message: format!("cannot read the file: {e}"),
        help: "check that it exists and is readable".to_owned(),
    }
}

/// What one calendar file gives.
pub struct Loaded {
    pub posts: Vec<Post>,
    pub findings: Vec<Finding>,
    /// Its text, when it is to be kept in memory.
    pub text: Option<String>,
}

/// Parse and resolve one calendar file (`file` is its id in the sources).
pub fn load_calendar(
    text: Result<Option<String>, TextError>,
    file: FileId,
    config: &Config,
    keep: bool,
) -> Loaded {
    let mut out = Loaded {
        posts: Vec::new(),
        findings: Vec::new(),
        text: None,
    };
    let parsed = match text {
        Ok(Some(text)) => {
            let parsed = load::parse_yaml::<raw::RawCalendar>(&text, file, &Subject::File(file));
            out.text = keep.then_some(text);
            parsed
        }
        other => Err(Box::new(unreadable(other.err(), file, Subject::File(file)))),
    };
    match parsed {
        Ok(cal) => resolve::posts_of(cal, file, config, &mut out.posts, &mut out.findings),
        Err(finding) => out.findings.push(*finding),
    }
    out
}

/// The finding for a file that could not be read (`None`: it vanished).
fn unreadable(error: Option<TextError>, file: FileId, subject: Subject) -> Finding {
    let first = Loc {
        line: 1,
        column: 1,
        offset: 0,
        len: 0,
    };
    match error {
        None => Finding::error(
            RuleId::SYNTAX,
            subject,
            file,
            first,
            "the file disappeared while it was read",
        )
        .with_help("run again"),
        Some(e) => {
            let loc = if e.loc.is_known() { e.loc } else { first };
            Finding::error(RuleId::SYNTAX, subject, file, loc, e.message).with_help(e.help)
        }
    }
}

/// Parse one file's text (or record why it could not be read). Its text is
/// kept in memory only when `keep` is true; otherwise diagnostics read it
/// back from disk.
fn parse_file<T: serde::de::DeserializeOwned>(
    text: Result<Option<String>, TextError>,
    rel: String,
    sources: &mut Sources,
    keep: bool,
    subject: impl Fn(FileId) -> Subject,
) -> (FileId, Result<T, Box<Finding>>) {
    let file = sources.add(rel, String::new());
    let subject = subject(file);
    match text {
        Ok(Some(text)) => {
            let parsed = load::parse_yaml::<T>(&text, file, &subject);
            if keep {
                sources.set_text(file, text);
            }
            (file, parsed)
        }
        other => (file, Err(Box::new(unreadable(other.err(), file, subject)))),
    }
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
