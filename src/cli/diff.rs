//! `postcal diff [BASE [HEAD]]`

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::calendar::files::{Disk, Files};
use crate::calendar::{self, LoadError, Workspace};
use crate::diff::changed::{self, Only};
use crate::diff::git::{AtCommit, GitCli, GitError, Repo};
use crate::output::diff as render;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The revision to compare from (default HEAD).
    #[arg(value_name = "BASE")]
    pub base: Option<String>,
    /// The revision to compare to (default: the working tree, uncommitted and untracked files included).
    #[arg(value_name = "HEAD")]
    pub head: Option<String>,
    /// `markdown` is for a pull-request comment.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Exit 1 when there are changes.
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

fn git_error(e: GitError) -> CliError {
    CliError::Usage {
        message: e.message,
        help: Some(e.help),
    }
}

/// The workspace in `files`; a revision without postcal.yaml is an empty
/// calendar.
fn load(
    root: &std::path::Path,
    files: &dyn Files,
    rev: &str,
    current: Option<&Workspace>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Workspace>, CliError> {
    match calendar::load_from(root, files, now) {
        Ok(ws) => Ok(Some(ws)),
        Err(LoadError::NotFound { .. }) => Ok(None),
        Err(LoadError::Unusable { findings, .. }) => Err(CliError::Usage {
            message: format!(
                "postcal.yaml at {rev} cannot be used: {}",
                findings.first().map_or("", |f| f.message.as_str())
            ),
            help: Some(match current {
                Some(ws) => format!(
                    "compare from a revision whose configuration loads (the current one has {} channels)",
                    ws.config.channels.len()
                ),
                None => "fix postcal.yaml (`postcal validate` says where)".to_owned(),
            }),
        }),
    }
}

pub fn run(args: DiffArgs, env: &Env) -> Result<Outcome, CliError> {
    let root = env.root()?;
    let repo = GitCli::open(&root).map_err(git_error)?;
    let base_rev = args.base.as_deref().unwrap_or("HEAD");
    let base = repo.resolve(base_rev).map_err(git_error)?;
    let head = match &args.head {
        Some(rev) => Some(repo.resolve(rev).map_err(git_error)?),
        None => None,
    };
    // Only the files that differ (all of them when postcal.yaml does, or
    // when a queue places posts: a slot depends on every file).
    let mut keep = changed::to_read(&repo, &base, head.as_deref());
    let disk = Disk { root: root.clone() };
    let at_head = head.as_ref().map(|commit| AtCommit {
        repo: &repo,
        commit: commit.clone(),
    });
    let at_base = AtCommit {
        repo: &repo,
        commit: base,
    };
    let head_files: &dyn Files = at_head.as_ref().map_or(&disk, |f| f as &dyn Files);
    let only = |files| Only {
        files,
        keep: keep.as_ref(),
    };
    let head_name = args.head.as_deref().unwrap_or("the working tree");
    let after = match &args.head {
        Some(_) => load(&root, &only(head_files), head_name, None, env.now)?,
        None => Some(calendar::load_from(&root, &only(head_files), env.now)?),
    };
    let Some(mut after) = after else {
        return Err(CliError::Usage {
            message: "the HEAD revision has no postcal.yaml".to_owned(),
            help: None,
        });
    };
    if !after.config.queues.is_empty() && keep.is_some() {
        keep = None;
        let all = Only {
            files: head_files,
            keep: None,
        };
        after = match &args.head {
            Some(_) => load(&root, &all, head_name, None, env.now)?,
            None => Some(calendar::load_from(&root, &all, env.now)?),
        }
        .ok_or_else(|| CliError::Usage {
            message: "the HEAD revision has no postcal.yaml".to_owned(),
            help: None,
        })?;
    }
    super::place_queues(&mut after, None, env.now)?;
    env.printer.debug(&match &keep {
        Some(keep) => format!("diff: {} changed files read on each side", keep.len()),
        None => "diff: every calendar file read (postcal.yaml changed)".to_owned(),
    });
    let mut before = load(
        &root,
        &Only {
            files: &at_base,
            keep: keep.as_ref(),
        },
        base_rev,
        Some(&after),
        env.now,
    )?;
    if let Some(before) = &mut before {
        super::place_queues(before, None, env.now)?;
    }
    let published = crate::publish::ledger::published(&root);
    let changes = match &before {
        Some(before) => crate::diff::compare(before, &after, &published),
        None => crate::diff::compare(&empty_like(&after), &after, &published),
    };
    let text = match args.format {
        DiffFormat::Human => render::human(&changes, env.printer.color_out()),
        DiffFormat::Markdown => render::markdown(&changes),
        DiffFormat::Json => render::json(&changes),
    };
    env.printer.out(&text)?;
    Ok(if args.exit_code && !changes.is_empty() {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// A calendar with the same configuration and no posts (a base revision from
/// before the workspace existed).
fn empty_like(ws: &Workspace) -> Workspace {
    Workspace {
        root: ws.root.clone(),
        sources: crate::diagnostic::Sources::default(),
        config: ws.config.clone(),
        posts: Vec::new(),
        findings: Vec::new(),
    }
}
